//! The one URI check every contract applies to where assets, inputs and outputs can be fetched.

/// Longest URI a record may carry.
pub const MAX_URI_LEN: usize = 512;

/// A URI with a scheme (`ipfs://…`, `https://…`, `ar://…`) and no whitespace or control
/// characters; the error says what is wrong.
pub fn check(raw: &str) -> Result<(), String> {
    if raw.is_empty() || raw.len() > MAX_URI_LEN {
        return Err(format!("must be 1 to {MAX_URI_LEN} bytes"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace or control characters".into());
    }
    let scheme_error = || "must start with a scheme such as ipfs: or https:".to_string();
    let (scheme, rest) = raw.split_once(':').ok_or_else(scheme_error)?;
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() {
        return Err(scheme_error());
    }
    Ok(())
}
