//! Content hashes: sha256 digests written as 64 lowercase hex characters.

use std::fmt;
use std::str::FromStr;

use cosmwasm_schema::cw_serde;
use sha2::{Digest, Sha256};

/// Why a string is not a valid content hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("a sha256 hash has 64 hex characters, got {0}")]
    WrongLength(usize),
    #[error("a sha256 hash has only hex characters (0-9, a-f)")]
    NotHex,
}

/// A sha256 digest in its canonical text form: 64 lowercase hex characters.
///
/// Hashes arrive from users in either case; they are stored lowercase so that uniqueness checks and
/// lookups by hash cannot be dodged by changing the case of a digit.
#[cw_serde]
#[derive(Eq, PartialOrd, Ord, Hash)]
#[serde(try_from = "String", into = "String")]
#[schemaifier(mute_warnings)]
pub struct ContentHash(String);

impl ContentHash {
    /// The hash of `bytes`.
    pub fn digest(bytes: &[u8]) -> Self {
        Self::from_bytes(Sha256::digest(bytes).into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(hex::encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        // The constructor only admits 64 hex characters, so decoding cannot fail.
        hex::decode_to_slice(&self.0, &mut out).expect("validated on construction");
        out
    }
}

impl FromStr for ContentHash {
    type Err = HashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 64 {
            return Err(HashError::WrongLength(s.len()));
        }
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HashError::NotHex);
        }
        Ok(Self(s.to_ascii_lowercase()))
    }
}

impl TryFrom<String> for ContentHash {
    type Error = HashError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ContentHash> for String {
    fn from(hash: ContentHash) -> String {
        hash.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_either_case_and_stores_lowercase() {
        let upper = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        let hash: ContentHash = upper.parse().unwrap();
        assert_eq!(hash, ContentHash::digest(b""));
        assert_eq!(hash.as_str(), upper.to_ascii_lowercase());
    }

    #[test]
    fn rejects_wrong_length_and_non_hex() {
        assert_eq!("abc".parse::<ContentHash>(), Err(HashError::WrongLength(3)));
        let not_hex = "g".repeat(64);
        assert_eq!(not_hex.parse::<ContentHash>(), Err(HashError::NotHex));
    }

    #[test]
    fn json_round_trip_validates() {
        let hash = ContentHash::digest(b"poi");
        let json = serde_json_wasm_like(&hash);
        assert_eq!(json, format!("\"{hash}\""));
        let back: ContentHash = cosmwasm_std::from_json(json.as_bytes()).unwrap();
        assert_eq!(back, hash);
        assert!(cosmwasm_std::from_json::<ContentHash>(b"\"00\"").is_err());
    }

    fn serde_json_wasm_like(hash: &ContentHash) -> String {
        String::from_utf8(cosmwasm_std::to_json_vec(hash).unwrap()).unwrap()
    }
}
