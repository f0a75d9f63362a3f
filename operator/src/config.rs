//! The operator's configuration: a TOML file, with flags that override it (see `poi operator run
//! --help` and docs/operator.md).

use std::path::{Path, PathBuf};
use std::time::Duration;

use poi_content::FetchPolicy;
use poi_verifier_host::HostConfig;
use serde::Deserialize;

use crate::error::OperatorError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorConfig {
    /// Network name in the networks file.
    #[serde(default = "default_network")]
    pub network: String,
    pub networks_file: Option<PathBuf>,
    pub deployments: Option<PathBuf>,
    /// File holding the operator's mnemonic (`POI_MNEMONIC` takes precedence).
    pub mnemonic_file: Option<PathBuf>,
    /// RPC endpoints of the chain, tried in order; the network's own when empty.
    #[serde(default)]
    pub rpc: Vec<String>,
    /// Where the store, the content cache and compiled verifiers are kept.
    pub data_dir: PathBuf,
    /// Where compiled verifiers are kept, if not in `data_dir/wasmer`: operators on one machine
    /// (or `poi verify`, whose cache is `~/.cache/poi/wasmer`) can share one.
    pub wasmer_cache: Option<PathBuf>,
    /// `host:port` of the Prometheus endpoint; none when absent. Keep it on 127.0.0.1.
    pub metrics: Option<String>,
    /// How often to look for a new block.
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub fetch: Fetch,
    #[serde(default)]
    pub rewards: Rewards,
    /// Deliberate misbehaviour, for demonstrations and tests of slashing only.
    #[serde(default)]
    pub fault: Fault,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest model fetched; a claim on a larger one is abstained from (see docs/operator.md).
    pub max_model_bytes: u64,
    /// Largest input or claimed output fetched.
    pub max_input_bytes: u64,
    /// Metering points one verifier run may use.
    pub metering_points: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_model_bytes: poi_verifier::Limits::default().max_model_bytes,
            max_input_bytes: 256 << 20,
            metering_points: HostConfig::default().metering_limit,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fetch {
    pub attempts: u32,
    pub backoff_ms: u64,
    pub timeout_secs: u64,
}

impl Default for Fetch {
    fn default() -> Self {
        let policy = FetchPolicy::default();
        Fetch {
            attempts: policy.attempts,
            backoff_ms: policy.backoff.as_millis() as u64,
            timeout_secs: policy.timeout.as_secs(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rewards {
    /// Claim the operator's staking rewards every this many blocks; 0 never.
    pub claim_every_blocks: u64,
}

impl Default for Rewards {
    fn default() -> Self {
        Rewards {
            claim_every_blocks: 600,
        }
    }
}

/// Misbehaviour an operator can be told to show, so that a demonstration or a test can watch the
/// protocol slash it. Off unless set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fault {
    /// Commit (and reveal) a hash other than the one computed.
    pub wrong_hash: bool,
    /// Commit, then never reveal.
    pub no_reveal: bool,
}

fn default_network() -> String {
    "local".into()
}

fn default_poll_ms() -> u64 {
    500
}

impl OperatorConfig {
    pub fn load(path: &Path) -> Result<Self, OperatorError> {
        let text = std::fs::read_to_string(path).map_err(|e| OperatorError::Config {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, OperatorError> {
        let config: Self = toml::from_str(text).map_err(|e| OperatorError::Config {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        config.check().map_err(|reason| OperatorError::Config {
            path: path.to_path_buf(),
            reason,
        })?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        if self.poll_interval_ms == 0 || self.poll_interval_ms > 60_000 {
            return Err("poll_interval_ms must be between 1 and 60000".into());
        }
        if self.fetch.attempts == 0 {
            return Err("fetch.attempts must be at least 1".into());
        }
        if let Some(addr) = &self.metrics
            && addr.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(format!("metrics {addr:?} is not host:port"));
        }
        Ok(())
    }

    pub fn fetch_policy(&self) -> FetchPolicy {
        FetchPolicy {
            max_bytes: self.limits.max_input_bytes,
            attempts: self.fetch.attempts,
            backoff: Duration::from_millis(self.fetch.backoff_ms),
            timeout: Duration::from_secs(self.fetch.timeout_secs),
        }
    }

    pub fn host_config(&self) -> HostConfig {
        HostConfig {
            metering_limit: self.limits.metering_points,
            ..HostConfig::default()
        }
    }

    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join(crate::store::FILE_NAME)
    }

    pub fn content_dir(&self) -> PathBuf {
        self.data_dir.join("content")
    }

    pub fn wasmer_cache_dir(&self) -> PathBuf {
        self.wasmer_cache
            .clone()
            .unwrap_or_else(|| self.data_dir.join("wasmer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_file_gets_the_protocol_defaults() {
        let config = OperatorConfig::parse("data_dir = '/tmp/op'\n", Path::new("op.toml")).unwrap();
        assert_eq!(config.network, "local");
        assert_eq!(config.limits.max_model_bytes, 256 << 20);
        assert!(!config.fault.wrong_hash && !config.fault.no_reveal);
        assert_eq!(config.store_path(), PathBuf::from("/tmp/op/operator.redb"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_with_the_file_named() {
        let unknown = OperatorConfig::parse("data_dir = 'd'\nrcp = []\n", Path::new("op.toml"));
        assert!(unknown.unwrap_err().to_string().contains("op.toml"));
        let metrics = OperatorConfig::parse("data_dir = 'd'\nmetrics = 'x'\n", Path::new("a"));
        assert!(metrics.unwrap_err().to_string().contains("host:port"));
    }
}
