//! Where poi finds its files, so that `poi` and `poi operator` work from any directory.
//!
//! The networks file, first found wins:
//! 1. `--networks-file`, or `POI_NETWORKS`;
//! 2. `$POI_HOME/networks.toml` (`POI_HOME` defaults to `$XDG_CONFIG_HOME/poi`, else
//!    `~/.config/poi`);
//! 3. `networks.toml` in the current directory (a clone);
//! 4. the copy of the clone's `networks.toml` built into the binary.
//!
//! The deployments file of network `N`: `--deployments` or `POI_DEPLOYMENTS`; else the network's
//! `deployments` entry (relative to the networks file it came from); else
//! `deployments/N.json` in the current directory if it exists (a clone that deployed there);
//! else `$POI_HOME/deployments/N.json`, where `poi deploy` writes it.

use std::path::{Path, PathBuf};

use crate::error::ConfigError;
use crate::network::NetworksFile;

/// The clone's networks file, for a `poi` run where none of the other places has one.
const BUILT_IN_NETWORKS: &str = include_str!("../../networks.toml");
const BUILT_IN_SOURCE: &str = "the networks.toml built into poi";

/// poi's own configuration directory.
pub fn poi_home() -> PathBuf {
    if let Some(home) = std::env::var_os("POI_HOME") {
        return PathBuf::from(home);
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    config.join("poi")
}

/// Loads the networks file, from `explicit` (flag or environment) or the search order above.
pub fn networks_file(explicit: Option<&Path>) -> Result<NetworksFile, ConfigError> {
    let read = |path: &Path| -> Result<NetworksFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        NetworksFile::parse(&text, path.display().to_string())
    };
    if let Some(path) = explicit {
        return read(path);
    }
    for candidate in [
        poi_home().join("networks.toml"),
        PathBuf::from("networks.toml"),
    ] {
        if candidate.is_file() {
            return read(&candidate);
        }
    }
    NetworksFile::parse(BUILT_IN_NETWORKS, BUILT_IN_SOURCE.to_string())
}

/// The deployments file of `network` (see the module comment for the order).
pub fn deployments_file(
    explicit: Option<&Path>,
    networks: &NetworksFile,
    network_name: &str,
    configured: Option<&Path>,
) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    if let Some(path) = configured {
        let base = Path::new(&networks.source)
            .parent()
            .filter(|_| networks.source != BUILT_IN_SOURCE)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        return base.join(path);
    }
    let in_clone = PathBuf::from(format!("deployments/{network_name}.json"));
    if in_clone.is_file() {
        return in_clone;
    }
    poi_home()
        .join("deployments")
        .join(format!("{network_name}.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_networks_file_parses_and_has_the_local_chain() {
        let file = NetworksFile::parse(BUILT_IN_NETWORKS, BUILT_IN_SOURCE.into()).unwrap();
        assert_eq!(file.network("local").unwrap().chain_id, "poi-local-1");
    }

    #[test]
    fn an_unknown_network_names_the_known_ones() {
        let file = NetworksFile::parse(BUILT_IN_NETWORKS, BUILT_IN_SOURCE.into()).unwrap();
        let err = file.network("nope").unwrap_err().to_string();
        assert!(err.contains("local"), "{err}");
    }

    #[test]
    fn a_configured_deployments_path_is_relative_to_its_networks_file() {
        let file = NetworksFile::parse(
            "[n]\nchain_id='c'\nrpc='r'\ngas_price='1u'\ndenom='u'\nbech32_prefix='p'\n",
            "/etc/poi/networks.toml".into(),
        )
        .unwrap();
        let path = deployments_file(None, &file, "n", Some(Path::new("d/n.json")));
        assert_eq!(path, PathBuf::from("/etc/poi/d/n.json"));
        let explicit = deployments_file(Some(Path::new("x.json")), &file, "n", None);
        assert_eq!(explicit, PathBuf::from("x.json"));
    }
}
