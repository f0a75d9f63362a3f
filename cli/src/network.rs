//! Networks poi can deploy to, from `networks.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use cosmwasm_std::Decimal;
use serde::Deserialize;

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
    /// Where deployed code ids and addresses are recorded; default `deployments/<name>.json`.
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

#[derive(Debug, Deserialize)]
pub struct NetworksFile {
    #[serde(flatten)]
    networks: BTreeMap<String, Network>,
}

impl NetworksFile {
    pub fn load(file: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read networks file {}", file.display()))?;
        toml::from_str(&text).with_context(|| format!("{} is not valid", file.display()))
    }

    /// One line per network: name, chain id, RPC and notes.
    pub fn describe(&self) -> String {
        self.networks
            .iter()
            .map(|(name, n)| format!("{name:<18} {:<14} {}  {}", n.chain_id, n.rpc, n.notes))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Network {
    /// Loads network `name`; the environment may override the RPC (`POI_RPC`).
    pub fn load(file: &Path, name: &str) -> Result<Self> {
        let parsed = NetworksFile::load(file)?;
        let known: Vec<_> = parsed.networks.keys().cloned().collect();
        let mut network = parsed.networks.get(name).cloned().ok_or_else(|| {
            anyhow!(
                "no network {name:?} in {}; known: {}",
                file.display(),
                known.join(", ")
            )
        })?;
        if let Ok(rpc) = std::env::var("POI_RPC") {
            network.rpc = rpc;
        }
        network.gas_price()?;
        Ok(network)
    }

    /// The gas price as an amount of `denom` per unit of gas.
    pub fn gas_price(&self) -> Result<Decimal> {
        let amount = self.gas_price.strip_suffix(&self.denom).ok_or_else(|| {
            anyhow!(
                "gas_price {:?} must be an amount of {}",
                self.gas_price,
                self.denom
            )
        })?;
        let price: Decimal = amount
            .parse()
            .map_err(|e| anyhow!("gas_price {:?}: {e}", self.gas_price))?;
        if !(1.0..=10.0).contains(&self.gas_adjustment) {
            bail!("gas_adjustment must be between 1 and 10");
        }
        Ok(price)
    }

    pub fn deployments_file(&self, name: &str) -> PathBuf {
        self.deployments
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("deployments/{name}.json")))
    }
}
