//! `poi deploy`: upload the contract artefacts, instantiate them, record what was deployed, and on
//! later runs change only what changed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use cosmrs::cosmwasm::{MsgInstantiateContract, MsgMigrateContract, MsgStoreCode};
use cosmrs::tx::Msg;
use flate2::Compression;
use flate2::write::GzEncoder;
use poi_types::ContentHash;
use poi_types::registry as registry_msg;
use serde::Serialize;

use poi_client::deployments::{ContractDeployment, Deployments};
use poi_client::{Chain, Network, Signer};

/// A contract poi deploys: its artefact and how to instantiate it.
struct ContractSpec {
    name: &'static str,
    artifact: &'static str,
    label: &'static str,
}

const CONTRACTS: &[ContractSpec] = &[
    ContractSpec {
        name: "registry",
        artifact: "poi_registry.wasm",
        label: "poi-registry",
    },
    ContractSpec {
        name: "staking",
        artifact: "poi_staking.wasm",
        label: "poi-staking",
    },
    // After registry and staking: it is instantiated with their addresses.
    ContractSpec {
        name: "consensus",
        artifact: "poi_consensus.wasm",
        label: "poi-consensus",
    },
];

/// The instantiate message of a contract on this network; `None` if it is not deployed here.
fn instantiate_msg(
    name: &str,
    deployer: &str,
    network: &Network,
    deployed: &Deployments,
) -> Result<Option<Vec<u8>>> {
    match name {
        "registry" => Ok(Some(serde_json::to_vec(&registry_msg::InstantiateMsg {
            admin: Some(deployer.to_string()),
            name: "poi AI assets".into(),
            symbol: "POI".into(),
        })?)),
        "staking" => network
            .staking
            .as_ref()
            .map(|config| {
                let mut config = config.clone();
                config.admin = config.admin.or_else(|| Some(deployer.to_string()));
                serde_json::to_vec(&config).map_err(Into::into)
            })
            .transpose(),
        "consensus" => {
            let (Some(params), Some(staking)) = (&network.consensus, &network.staking) else {
                return Ok(None);
            };
            let address_of = |contract: &str| {
                deployed
                    .contracts
                    .get(contract)
                    .map(|c| c.address.clone())
                    .ok_or_else(|| anyhow!("consensus needs {contract}, which is not deployed"))
            };
            Ok(Some(serde_json::to_vec(
                &poi_types::consensus::InstantiateMsg {
                    admin: Some(deployer.to_string()),
                    registry: address_of("registry")?,
                    staking: address_of("staking")?,
                    denom: staking.bond_denom.clone(),
                    params: params.clone(),
                },
            )?))
        }
        other => bail!("no instantiate message for {other}"),
    }
}

/// The checksums `make wasm` recorded, so a stale or foreign artefact is never uploaded.
fn recorded_checksums(dir: &Path) -> Result<BTreeMap<String, String>> {
    let path = dir.join("checksums.txt");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}: run 'make wasm' first", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(sum, file)| (file.trim().to_string(), sum.trim().to_string()))
        .collect())
}

pub struct DeployOptions {
    pub artifacts: PathBuf,
    pub deployments: PathBuf,
    pub migrate: bool,
}

/// What happened to one contract.
#[derive(Debug, Serialize)]
pub struct DeployOutcome {
    pub contract: String,
    pub action: &'static str,
    pub code_id: u64,
    pub address: String,
    pub checksum: String,
}

pub fn deploy(chain: &Chain, signer: &Signer, opts: &DeployOptions) -> Result<Vec<DeployOutcome>> {
    let checksums = recorded_checksums(&opts.artifacts)?;
    let mut deployments = match Deployments::load(&opts.deployments)? {
        Some(d) if d.chain_id == chain.network.chain_id => d,
        Some(d) => bail!(
            "{} records chain {:?}, not {:?}",
            opts.deployments.display(),
            d.chain_id,
            chain.network.chain_id
        ),
        None => Deployments {
            chain_id: chain.network.chain_id.clone(),
            ..Default::default()
        },
    };

    let mut outcomes = Vec::new();
    for spec in CONTRACTS {
        let Some(init_msg) = instantiate_msg(
            spec.name,
            signer.address.as_ref(),
            &chain.network,
            &deployments,
        )?
        else {
            continue;
        };
        let path = opts.artifacts.join(spec.artifact);
        let wasm =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let checksum = ContentHash::digest(&wasm).to_string();
        match checksums.get(spec.artifact) {
            Some(recorded) if *recorded == checksum => {}
            _ => bail!(
                "{} does not match artifacts/checksums.txt: rebuild with 'make wasm'",
                path.display()
            ),
        }

        // A record only counts if the chain still has it: local chains are wiped on restart.
        let live = match deployments.contracts.get(spec.name) {
            Some(record) => {
                let code_ok = chain.code_checksum(record.code_id)?.as_deref()
                    == Some(record.checksum.as_str());
                let instance = chain.contract_info(&record.address)?;
                let instance_ok = instance.is_some_and(|i| i.code_id == record.code_id);
                (code_ok && instance_ok).then(|| record.clone())
            }
            None => None,
        };

        let outcome = match live {
            Some(record) if record.checksum == checksum => DeployOutcome {
                contract: spec.name.into(),
                action: "unchanged",
                code_id: record.code_id,
                address: record.address,
                checksum,
            },
            Some(record) if opts.migrate => {
                let code_id = store_code(chain, signer, wasm)?;
                let msg = MsgMigrateContract {
                    sender: signer.address.clone(),
                    contract: record
                        .address
                        .parse()
                        .map_err(|e| anyhow!("address: {e}"))?,
                    code_id,
                    msg: b"{}".to_vec(),
                };
                chain.execute_tx(
                    signer,
                    vec![msg.to_any().map_err(|e| anyhow!("{e}"))?],
                    "poi deploy: migrate",
                )?;
                DeployOutcome {
                    contract: spec.name.into(),
                    action: "migrated",
                    code_id,
                    address: record.address,
                    checksum,
                }
            }
            Some(record) => bail!(
                "{} changed since code {} was deployed at {}: rerun with --migrate to upgrade it",
                spec.artifact,
                record.code_id,
                record.address
            ),
            None => {
                let code_id = store_code(chain, signer, wasm)?;
                let msg = MsgInstantiateContract {
                    sender: signer.address.clone(),
                    // The deployer stays admin so that `--migrate` can upgrade the contract later.
                    admin: Some(signer.address.clone()),
                    code_id,
                    label: Some(spec.label.into()),
                    msg: init_msg,
                    funds: vec![],
                };
                let result = chain.execute_tx(
                    signer,
                    vec![msg.to_any().map_err(|e| anyhow!("{e}"))?],
                    "poi deploy: instantiate",
                )?;
                let address = result
                    .attribute("instantiate", "_contract_address")
                    .ok_or_else(|| {
                        anyhow!("instantiate succeeded but reported no contract address")
                    })?
                    .to_string();
                DeployOutcome {
                    contract: spec.name.into(),
                    action: "instantiated",
                    code_id,
                    address,
                    checksum,
                }
            }
        };
        if spec.name == "consensus" && outcome.action == "instantiated" {
            make_slasher(chain, signer, &deployments, &outcome.address)?;
        }
        deployments.contracts.insert(
            spec.name.into(),
            ContractDeployment {
                code_id: outcome.code_id,
                checksum: outcome.checksum.clone(),
                address: outcome.address.clone(),
            },
        );
        deployments.save(&opts.deployments)?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Makes a newly instantiated consensus contract the staking contract's slasher, unless the
/// network's staking table names a slasher of its own (a test account, say).
fn make_slasher(
    chain: &Chain,
    signer: &Signer,
    deployed: &Deployments,
    consensus: &str,
) -> Result<()> {
    if chain
        .network
        .staking
        .as_ref()
        .is_some_and(|s| s.slasher.is_some())
    {
        return Ok(());
    }
    let staking = deployed
        .contracts
        .get("staking")
        .ok_or_else(|| anyhow!("consensus deployed without staking"))?;
    let msg = poi_types::staking::ExecuteMsg::SetSlasher {
        slasher: Some(consensus.to_string()),
    };
    chain
        .execute_contract(
            signer,
            &staking.address,
            &msg,
            vec![],
            "poi deploy: set slasher",
        )
        .context("making the consensus contract the staking contract's slasher")?;
    Ok(())
}

fn store_code(chain: &Chain, signer: &Signer, wasm: Vec<u8>) -> Result<u64> {
    // wasmd unpacks gzip uploads. Compressing keeps the transaction, and its hex-encoded
    // simulation request, under CometBFT's default 1 MB RPC body limit, and costs less.
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&wasm)?;
    let msg = MsgStoreCode {
        sender: signer.address.clone(),
        wasm_byte_code: gz.finish()?,
        instantiate_permission: None,
    };
    let result = chain.execute_tx(
        signer,
        vec![msg.to_any().map_err(|e| anyhow!("{e}"))?],
        "poi deploy: upload",
    )?;
    result
        .attribute("store_code", "code_id")
        .ok_or_else(|| anyhow!("upload succeeded but reported no code id"))?
        .parse()
        .context("code id is not a number")
}
