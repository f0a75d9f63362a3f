//! Coin denominations as the Cosmos SDK accepts them.

/// 3 to 128 characters: a letter first, then letters, digits and `/ : . _ -` (so IBC denoms such as
/// `ibc/27394…` and token-factory denoms such as `factory/wasm1…/poi` pass).
pub fn is_valid_denom(denom: &str) -> bool {
    let mut chars = denom.chars();
    (3..=128).contains(&denom.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | ':' | '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::is_valid_denom;

    #[test]
    fn sdk_denoms_pass_and_malformed_ones_do_not() {
        for ok in [
            "stake",
            "untrn",
            "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2",
            "factory/wasm1abc/poi",
        ] {
            assert!(is_valid_denom(ok), "{ok}");
        }
        for bad in ["", "ab", "1stake", "st ake", "stake!", &"a".repeat(129)] {
            assert!(!is_valid_denom(bad), "{bad}");
        }
    }
}
