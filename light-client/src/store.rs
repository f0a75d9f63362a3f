//! The trust store: the latest verified light block and how it may be used.
//!
//! Natively it is a JSON file written atomically; in a browser the same JSON in localStorage
//! (`wasm`); in memory where nothing is to be kept. Whatever the store, the client only ever
//! replaces its state with a block verified from it.

use serde::{Deserialize, Serialize};
use tendermint_light_client_verifier::types::LightBlock;

use crate::error::LightClientError;
use crate::headers::TrustOptions;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustedState {
    pub chain_id: String,
    pub options: TrustOptions,
    /// The RPC server headers and proofs are read from.
    pub primary: String,
    /// Servers every verified header is cross-checked with.
    pub witnesses: Vec<String>,
    pub light_block: LightBlock,
}

impl TrustedState {
    pub fn height(&self) -> u64 {
        self.light_block.height().value()
    }

    pub fn header_hash(&self) -> String {
        self.light_block.signed_header.header.hash().to_string()
    }

    pub fn to_json(&self) -> Result<String, LightClientError> {
        serde_json::to_string(self).map_err(|e| LightClientError::malformed("trusted state", e))
    }

    pub fn from_json(json: &str) -> Result<Self, LightClientError> {
        serde_json::from_str(json).map_err(|e| LightClientError::malformed("trusted state", e))
    }
}

/// Where the trusted state is kept between runs.
pub trait TrustStore {
    /// The stored state; `None` before the first checkpoint.
    fn load(&self) -> Result<Option<TrustedState>, LightClientError>;
    /// Replaces the stored state.
    fn save(&self, state: &TrustedState) -> Result<(), LightClientError>;
    /// Where it is kept, for messages.
    fn location(&self) -> String;
}

/// A store that forgets when dropped.
#[derive(Debug, Default)]
pub struct MemoryTrustStore(std::cell::RefCell<Option<TrustedState>>);

impl TrustStore for MemoryTrustStore {
    fn load(&self) -> Result<Option<TrustedState>, LightClientError> {
        Ok(self.0.borrow().clone())
    }

    fn save(&self, state: &TrustedState) -> Result<(), LightClientError> {
        *self.0.borrow_mut() = Some(state.clone());
        Ok(())
    }

    fn location(&self) -> String {
        "memory".into()
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use file::FileTrustStore;

#[cfg(not(target_arch = "wasm32"))]
mod file {
    use std::path::{Path, PathBuf};

    use super::{TrustStore, TrustedState};
    use crate::error::LightClientError;

    /// A trust store in one file.
    #[derive(Debug, Clone)]
    pub struct FileTrustStore {
        path: PathBuf,
    }

    impl FileTrustStore {
        pub fn new(path: impl Into<PathBuf>) -> Self {
            FileTrustStore { path: path.into() }
        }

        pub fn path(&self) -> &Path {
            &self.path
        }

        fn error(&self, message: impl ToString) -> LightClientError {
            LightClientError::Store {
                path: self.path.display().to_string(),
                message: message.to_string(),
            }
        }
    }

    impl TrustStore for FileTrustStore {
        fn load(&self) -> Result<Option<TrustedState>, LightClientError> {
            match std::fs::read_to_string(&self.path) {
                Ok(json) => TrustedState::from_json(&json)
                    .map(Some)
                    .map_err(|e| self.error(e)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(self.error(e)),
            }
        }

        /// A crash leaves the old state or the new one, never half.
        fn save(&self, state: &TrustedState) -> Result<(), LightClientError> {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| self.error(e))?;
            }
            let tmp = self.path.with_extension("json.tmp");
            std::fs::write(&tmp, state.to_json()?).map_err(|e| self.error(e))?;
            std::fs::rename(&tmp, &self.path).map_err(|e| self.error(e))
        }

        fn location(&self) -> String {
            self.path.display().to_string()
        }
    }
}
