//! The deployments file: which code ids and addresses poi's contracts have on one network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// One deployed contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContractDeployment {
    pub code_id: u64,
    /// sha256 of the uploaded artefact.
    pub checksum: String,
    pub address: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Deployments {
    pub chain_id: String,
    pub contracts: BTreeMap<String, ContractDeployment>,
}

/// The contracts' addresses, for programs that talk to all three.
#[derive(Debug, Clone)]
pub struct Contracts {
    pub registry: String,
    pub staking: String,
    pub consensus: String,
}

impl Deployments {
    /// The file's record, or `None` if nothing was deployed yet.
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ConfigError::Invalid {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }),
        }
    }

    /// Like [`Self::load`], but a missing file is an error.
    pub fn require(path: &Path) -> Result<Self, ConfigError> {
        Self::load(path)?.ok_or_else(|| ConfigError::NotDeployed {
            path: path.to_path_buf(),
        })
    }

    /// Writes the record, then renames it into place, so an interrupted deploy never leaves a
    /// half-written file.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let write_error = |e: std::io::Error| ConfigError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(|e| ConfigError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })? + "\n";
        std::fs::write(&tmp, text).map_err(write_error)?;
        std::fs::rename(&tmp, path).map_err(write_error)
    }

    /// The address of a deployed contract.
    pub fn address(&self, contract: &str, path: &Path) -> Result<String, ConfigError> {
        self.contracts
            .get(contract)
            .map(|c| c.address.clone())
            .ok_or_else(|| ConfigError::NoContract {
                contract: contract.to_string(),
                path: PathBuf::from(path),
            })
    }

    /// The address of `contract` in the file at `path`, for commands that talk to one contract.
    pub fn address_of(path: &Path, contract: &str) -> Result<String, ConfigError> {
        Self::require(path)?.address(contract, path)
    }

    /// Registry, staking and consensus, which must all be deployed.
    pub fn contracts(path: &Path) -> Result<Contracts, ConfigError> {
        let d = Self::require(path)?;
        Ok(Contracts {
            registry: d.address("registry", path)?,
            staking: d.address("staking", path)?,
            consensus: d.address("consensus", path)?,
        })
    }
}
