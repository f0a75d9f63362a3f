//! The signing key: derived from a BIP-39 mnemonic that is read from the environment or a file and
//! never printed.

use std::path::Path;

use bip32::{DerivationPath, Language, Mnemonic};
use cosmrs::AccountId;
use cosmrs::crypto::secp256k1::SigningKey;

use crate::error::KeyError;

/// The Cosmos Hub derivation path, used by wasmd's keyring and most wallets.
const HD_PATH: &str = "m/44'/118'/0'/0/0";

pub struct Signer {
    pub key: SigningKey,
    pub address: AccountId,
}

impl Signer {
    pub fn from_mnemonic(phrase: &str, prefix: &str) -> Result<Self, KeyError> {
        let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        let mnemonic =
            Mnemonic::new(&phrase, Language::English).map_err(|_| KeyError::BadMnemonic)?;
        let seed = mnemonic.to_seed("");
        let path: DerivationPath = HD_PATH
            .parse()
            .map_err(|e| KeyError::Derive(format!("{HD_PATH}: {e}")))?;
        let key = SigningKey::derive_from_path(seed, &path)
            .map_err(|e| KeyError::Derive(e.to_string()))?;
        let address = key
            .public_key()
            .account_id(prefix)
            .map_err(|e| KeyError::Derive(format!("cannot form a {prefix} address: {e}")))?;
        Ok(Self { key, address })
    }

    /// `POI_MNEMONIC`, else the file named by `--mnemonic-file` or `POI_MNEMONIC_FILE`.
    pub fn load(file: Option<&Path>, prefix: &str) -> Result<Self, KeyError> {
        if let Ok(phrase) = std::env::var("POI_MNEMONIC") {
            return Self::from_mnemonic(&phrase, prefix);
        }
        Self::from_file(file.ok_or(KeyError::Missing)?, prefix)
    }

    /// The mnemonic in `file` (whitespace around and between the words does not matter).
    pub fn from_file(file: &Path, prefix: &str) -> Result<Self, KeyError> {
        let phrase = std::fs::read_to_string(file).map_err(|e| KeyError::Read {
            path: file.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::from_mnemonic(&phrase, prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_same_address_as_wasmd_keyring() {
        // alice of localnet/accounts.txt, whose address wasmd's keyring derived.
        let alice = "sell stool front goose jewel ten glow dawn scale book air option century vessel cable bright rally steak cement symptom strong strong cake unfair";
        let signer = Signer::from_mnemonic(alice, "wasm").unwrap();
        assert_eq!(
            signer.address.as_ref(),
            "wasm1ahcauee5nzjzu89ya6c59qdewg7vfydvs9cqtw"
        );
    }

    #[test]
    fn a_bad_phrase_is_refused_without_echoing_it() {
        let err = Signer::from_mnemonic("secret words that are not bip39", "wasm")
            .err()
            .unwrap();
        assert!(!err.to_string().contains("secret"));
    }
}
