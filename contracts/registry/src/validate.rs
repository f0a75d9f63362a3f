//! Input checks. Every string and list that reaches storage is bounded here, so no message can make
//! the contract store or later iterate over an unbounded amount of data.

use std::collections::BTreeSet;

use cosmwasm_std::{Coin, Decimal, Uint256};
use poi_types::ContentHash;
use poi_types::registry::{
    BPS_DENOMINATOR, MAX_PARENTS, Metadata, ModelSpec, Parent, TensorSpec, VerificationPolicy,
};

use crate::ContractError;

pub use poi_types::uri::MAX_URI_LEN;
pub const MAX_NAME_LEN: usize = 128;
pub const MAX_DESCRIPTION_LEN: usize = 2048;
pub const MAX_LICENSE_LEN: usize = 64;
pub const MAX_TAGS: usize = 16;
pub const MAX_TAG_LEN: usize = 32;
pub const MAX_TENSORS: usize = 64;
pub const MAX_TENSOR_NAME_LEN: usize = 128;
pub const MAX_RANK: usize = 8;
pub const MAX_VERSION_LEN: usize = 32;
/// Tolerances above 1 would accept almost anything; they are a mistake, not a policy.
pub const MAX_TOLERANCE: Decimal = Decimal::one();

fn invalid(field: &'static str, reason: impl Into<String>) -> ContractError {
    ContractError::InvalidField {
        field,
        reason: reason.into(),
    }
}

pub fn content_hash(field: &'static str, raw: &str) -> Result<ContentHash, ContractError> {
    raw.parse()
        .map_err(|source| ContractError::InvalidHash { field, source })
}

/// A URI with a scheme (`ipfs://…`, `https://…`, `ar://…`), no whitespace or control characters.
pub fn uri(raw: &str) -> Result<(), ContractError> {
    poi_types::uri::check(raw).map_err(|reason| invalid("uri", reason))
}

fn bounded_text(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ContractError> {
    if value.len() < min || value.len() > max {
        return Err(invalid(field, format!("must be {min} to {max} bytes")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}

pub fn metadata(meta: &Metadata) -> Result<(), ContractError> {
    bounded_text("metadata.name", &meta.name, 1, MAX_NAME_LEN)?;
    bounded_text(
        "metadata.description",
        &meta.description,
        0,
        MAX_DESCRIPTION_LEN,
    )?;
    bounded_text("metadata.license", &meta.license, 0, MAX_LICENSE_LEN)?;
    if meta.tags.len() > MAX_TAGS {
        return Err(invalid("metadata.tags", format!("at most {MAX_TAGS} tags")));
    }
    let mut seen = BTreeSet::new();
    for tag in &meta.tags {
        let well_formed = !tag.is_empty()
            && tag.len() <= MAX_TAG_LEN
            && tag
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !well_formed {
            return Err(invalid(
                "metadata.tags",
                format!("{tag:?}: tags are 1 to {MAX_TAG_LEN} of a-z, 0-9 and -"),
            ));
        }
        if !seen.insert(tag) {
            return Err(invalid("metadata.tags", format!("{tag:?} appears twice")));
        }
    }
    Ok(())
}

/// Shape of the parent list; whether the parents exist is checked against storage by the caller.
pub fn parents(parents: &[Parent]) -> Result<(), ContractError> {
    if parents.len() > MAX_PARENTS {
        return Err(ContractError::TooManyParents { max: MAX_PARENTS });
    }
    let mut seen = BTreeSet::new();
    let mut total: u32 = 0;
    for parent in parents {
        if !seen.insert(parent.asset_id) {
            return Err(ContractError::DuplicateParent {
                id: parent.asset_id,
            });
        }
        if parent.weight_bps == 0 {
            return Err(ContractError::ZeroParentWeight {
                id: parent.asset_id,
            });
        }
        total += u32::from(parent.weight_bps);
    }
    if total > u32::from(BPS_DENOMINATOR) {
        return Err(ContractError::WeightsExceedTotal { total });
    }
    Ok(())
}

pub fn price(price: &Option<Coin>) -> Result<(), ContractError> {
    let Some(coin) = price else { return Ok(()) };
    if coin.amount == Uint256::zero() {
        return Err(invalid(
            "price_per_use",
            "amount is 0; leave the price out for a free asset",
        ));
    }
    if !poi_types::denom::is_valid_denom(&coin.denom) {
        return Err(invalid(
            "price_per_use",
            format!("{:?} is not a valid denom", coin.denom),
        ));
    }
    Ok(())
}

fn tensors(field: &'static str, specs: &[TensorSpec]) -> Result<(), ContractError> {
    if specs.is_empty() || specs.len() > MAX_TENSORS {
        return Err(invalid(
            field,
            format!("a model has 1 to {MAX_TENSORS} of them"),
        ));
    }
    let mut names = BTreeSet::new();
    for spec in specs {
        bounded_text(field, &spec.name, 1, MAX_TENSOR_NAME_LEN)?;
        if !names.insert(spec.name.as_str()) {
            return Err(invalid(field, format!("{:?} appears twice", spec.name)));
        }
        if spec.shape.len() > MAX_RANK {
            return Err(invalid(
                field,
                format!("{:?} has rank over {MAX_RANK}", spec.name),
            ));
        }
        if spec.shape.contains(&Some(0)) {
            return Err(invalid(
                field,
                format!("{:?} has a dimension of size 0", spec.name),
            ));
        }
    }
    Ok(())
}

pub fn policy(policy: &VerificationPolicy) -> Result<(), ContractError> {
    if let VerificationPolicy::Tolerance { atol, rtol } = policy
        && (*atol > MAX_TOLERANCE || *rtol > MAX_TOLERANCE)
    {
        return Err(invalid("policy", "atol and rtol must be at most 1"));
    }
    Ok(())
}

pub fn model_spec(spec: &ModelSpec) -> Result<(), ContractError> {
    tensors("model.inputs", &spec.inputs)?;
    tensors("model.outputs", &spec.outputs)?;
    policy(&spec.policy)
}

pub fn verifier_version(version: &str) -> Result<(), ContractError> {
    let ok = !version.is_empty()
        && version.len() <= MAX_VERSION_LEN
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'));
    if !ok {
        return Err(invalid(
            "version",
            format!("1 to {MAX_VERSION_LEN} of a-z, 0-9, . - +"),
        ));
    }
    Ok(())
}

/// Parses a cw721 token id into an asset id.
pub fn token_id(token_id: &str) -> Result<u64, ContractError> {
    // Only canonical decimal: "007" would otherwise name the same token as "7".
    let canonical = !token_id.is_empty()
        && token_id.bytes().all(|b| b.is_ascii_digit())
        && (token_id == "0" || !token_id.starts_with('0'));
    canonical
        .then(|| token_id.parse().ok())
        .flatten()
        .ok_or_else(|| ContractError::InvalidTokenId {
            token_id: token_id.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_need_a_scheme_and_no_spaces() {
        assert!(uri("ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi").is_ok());
        assert!(uri("https://example.org/model.onnx").is_ok());
        for bad in [
            "",
            "model.onnx",
            "://x",
            "1ab://x",
            "https://a b",
            "ipfs:",
            "https://x\n",
        ] {
            assert!(uri(bad).is_err(), "{bad:?}");
        }
        assert!(uri(&format!("https://{}", "a".repeat(MAX_URI_LEN))).is_err());
    }

    #[test]
    fn parent_weights_are_checked() {
        let p = |asset_id, weight_bps| Parent {
            asset_id,
            weight_bps,
        };
        assert!(parents(&[p(1, 6000), p(2, 4000)]).is_ok());
        assert!(matches!(
            parents(&[p(1, 6000), p(2, 4001)]),
            Err(ContractError::WeightsExceedTotal { total: 10001 })
        ));
        assert!(matches!(
            parents(&[p(1, 1), p(1, 2)]),
            Err(ContractError::DuplicateParent { id: 1 })
        ));
        assert!(matches!(
            parents(&[p(3, 0)]),
            Err(ContractError::ZeroParentWeight { id: 3 })
        ));
        let many: Vec<_> = (1..=MAX_PARENTS as u64 + 1).map(|i| p(i, 1)).collect();
        assert!(matches!(
            parents(&many),
            Err(ContractError::TooManyParents { max: MAX_PARENTS })
        ));
    }

    #[test]
    fn token_ids_are_canonical_decimals() {
        assert!(matches!(token_id("42"), Ok(42)));
        for bad in ["", "042", "-1", "4 2", "x", "18446744073709551616"] {
            assert!(token_id(bad).is_err(), "{bad:?}");
        }
    }
}
