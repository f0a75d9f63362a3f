//! The networks as the browser app sees them (`networks.json`): each network of the networks file
//! with its chain id, RPC and notes, and the addresses of poi's contracts where a deployments file
//! records them. `poi www serve` serves it next to the app, so the page offers the networks the
//! CLI knows, and nothing about them is written a second time for the page.

use std::path::Path;

use serde::Serialize;

use crate::config;
use crate::deployments::Deployments;
use crate::error::ConfigError;
use crate::network::NetworksFile;

#[derive(Debug, Serialize, PartialEq)]
pub struct Directory {
    /// The network the page opens on.
    pub default: String,
    pub networks: Vec<DirectoryEntry>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct DirectoryEntry {
    pub name: String,
    pub chain_id: String,
    pub rpc: String,
    pub notes: String,
    /// Where the contracts are; `None` where nothing is recorded as deployed.
    pub contracts: Option<DirectoryContracts>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct DirectoryContracts {
    pub registry: String,
    pub consensus: String,
    pub staking: String,
}

/// Every network of `networks`, opening on `default`, whose deployments file is
/// `default_deployments` when given (the CLI's `--deployments`); the others' are found the usual
/// way ([`config::deployments_file`]). A deployments file that cannot be read is an error; one
/// that records only some of the contracts leaves the network without addresses.
pub fn directory(
    networks: &NetworksFile,
    default: &str,
    default_deployments: Option<&Path>,
) -> Result<Directory, ConfigError> {
    // Refuses an unknown default before anything else.
    networks.network(default)?;
    let mut entries = Vec::new();
    for name in networks.names() {
        // `POI_RPC` speaks of the network the CLI was pointed at, not of every network listed.
        let network = if name == default {
            networks.network(name)?
        } else {
            networks.configured(name)?
        };
        let explicit = default_deployments.filter(|_| name == default);
        let file =
            config::deployments_file(explicit, networks, name, network.deployments.as_deref());
        let contracts = match Deployments::load(&file)? {
            Some(recorded) => {
                let address = |c: &str| recorded.contracts.get(c).map(|d| d.address.clone());
                match (
                    address("registry"),
                    address("consensus"),
                    address("staking"),
                ) {
                    (Some(registry), Some(consensus), Some(staking)) => Some(DirectoryContracts {
                        registry,
                        consensus,
                        staking,
                    }),
                    _ => None,
                }
            }
            None => None,
        };
        entries.push(DirectoryEntry {
            name: name.to_string(),
            chain_id: network.chain_id,
            rpc: network.rpc,
            notes: network.notes,
            contracts,
        });
    }
    Ok(Directory {
        default: default.to_string(),
        networks: entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NETWORKS: &str = r#"
[alpha]
chain_id = "alpha-1"
rpc = "http://127.0.0.1:1"
gas_price = "0.1ua"
denom = "ua"
bech32_prefix = "a"
notes = "first"

[beta]
chain_id = "beta-1"
rpc = "https://rpc.beta.example"
gas_price = "0.1ub"
denom = "ub"
bech32_prefix = "b"
deployments = "nowhere/beta.json"
"#;

    #[test]
    fn every_network_is_listed_with_the_contracts_its_deployments_file_records() {
        let dir = std::env::temp_dir().join(format!("poi-directory-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let deployed = dir.join("alpha.json");
        std::fs::write(
            &deployed,
            r#"{"chain_id":"alpha-1","contracts":{
                "registry":{"code_id":1,"checksum":"00","address":"a1reg"},
                "staking":{"code_id":2,"checksum":"00","address":"a1stake"},
                "consensus":{"code_id":3,"checksum":"00","address":"a1cons"}}}"#,
        )
        .unwrap();
        let networks = NetworksFile::parse(NETWORKS, "test".into()).unwrap();
        let listed = directory(&networks, "alpha", Some(&deployed)).unwrap();
        assert_eq!(listed.default, "alpha");
        assert_eq!(
            listed.networks[0].contracts,
            Some(DirectoryContracts {
                registry: "a1reg".into(),
                consensus: "a1cons".into(),
                staking: "a1stake".into(),
            })
        );
        assert_eq!(listed.networks[1].name, "beta");
        assert_eq!(listed.networks[1].rpc, "https://rpc.beta.example");
        assert_eq!(listed.networks[1].contracts, None);
    }

    #[test]
    fn an_unknown_default_network_is_refused() {
        let networks = NetworksFile::parse(NETWORKS, "test".into()).unwrap();
        assert!(matches!(
            directory(&networks, "gamma", None),
            Err(ConfigError::UnknownNetwork { .. })
        ));
    }
}
