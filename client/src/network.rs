//! Networks poi can talk to, as `networks.toml` describes them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cosmwasm_std::Decimal;
use serde::Deserialize;

use crate::error::ConfigError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub chain_id: String,
    /// CometBFT RPC endpoint.
    pub rpc: String,
    /// Price of one unit of gas, e.g. `0.025stake`.
    pub gas_price: String,
    pub denom: String,
    pub bech32_prefix: String,
    /// Multiplies the simulated gas to leave room for state that changes before inclusion.
    #[serde(default = "default_gas_adjustment")]
    pub gas_adjustment: f64,
    /// Where deployed code ids and addresses are recorded (see [`crate::config`] for the default).
    pub deployments: Option<PathBuf>,
    /// Human notes (faucet, explorer).
    #[serde(default)]
    pub notes: String,
    /// How to instantiate the staking contract here; without it, staking is not deployed.
    pub staking: Option<poi_types::staking::InstantiateMsg>,
    /// The consensus contract's parameters here; without them (or without staking), it is not
    /// deployed. Its registry and staking are the ones deployed with it.
    pub consensus: Option<poi_types::consensus::ParamsMsg>,
}

fn default_gas_adjustment() -> f64 {
    1.4
}

/// A parsed networks file and where it came from.
#[derive(Debug)]
pub struct NetworksFile {
    /// The file it was read from, or a description of the built-in copy.
    pub source: String,
    networks: BTreeMap<String, Network>,
}

impl NetworksFile {
    pub fn parse(text: &str, source: String) -> Result<Self, ConfigError> {
        let networks = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: PathBuf::from(&source),
            reason: e.to_string(),
        })?;
        Ok(Self { source, networks })
    }

    /// One line per network: name, chain id, RPC and notes.
    pub fn describe(&self) -> String {
        self.networks
            .iter()
            .map(|(name, n)| format!("{name:<18} {:<14} {}  {}", n.chain_id, n.rpc, n.notes))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The networks' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.networks.keys().map(String::as_str)
    }

    /// Network `name`, checked; the environment may override its RPC (`POI_RPC`).
    pub fn network(&self, name: &str) -> Result<Network, ConfigError> {
        let mut network = self.configured(name)?;
        if let Ok(rpc) = std::env::var("POI_RPC") {
            network.rpc = rpc;
        }
        Ok(network)
    }

    /// Network `name` as the file says, checked, with no override from the environment.
    pub fn configured(&self, name: &str) -> Result<Network, ConfigError> {
        let network =
            self.networks
                .get(name)
                .cloned()
                .ok_or_else(|| ConfigError::UnknownNetwork {
                    name: name.to_string(),
                    source_name: self.source.clone(),
                    known: self.networks.keys().cloned().collect::<Vec<_>>().join(", "),
                })?;
        network
            .gas_price()
            .map_err(|reason| ConfigError::BadNetwork {
                network: name.to_string(),
                reason,
            })?;
        Ok(network)
    }
}

impl Network {
    /// The gas price as an amount of `denom` per unit of gas.
    pub fn gas_price(&self) -> Result<Decimal, String> {
        let amount = self.gas_price.strip_suffix(&self.denom).ok_or_else(|| {
            format!(
                "gas_price {:?} must be an amount of {}",
                self.gas_price, self.denom
            )
        })?;
        let price: Decimal = amount
            .parse()
            .map_err(|e| format!("gas_price {:?}: {e}", self.gas_price))?;
        if !(1.0..=10.0).contains(&self.gas_adjustment) {
            return Err("gas_adjustment must be between 1 and 10".into());
        }
        Ok(price)
    }
}
