//! Deploying poi: upload the contract artefacts, instantiate them in order (consensus needs the
//! registry and staking), register consensus as a service of the staking contract, record what was
//! deployed,
//! and on later runs change only what changed (`poi deploy`, and every test that brings up a
//! chain).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use cosmrs::cosmwasm::{MsgInstantiateContract, MsgMigrateContract, MsgStoreCode};
use cosmrs::tx::Msg;
use flate2::Compression;
use flate2::write::GzEncoder;
use poi_types::ContentHash;
use poi_types::registry as registry_msg;
use serde::Serialize;

use crate::deployments::{ContractDeployment, Deployments};
use crate::error::{ChainError, ConfigError};
use crate::{Chain, Signer};

/// Why a deployment stopped. What was deployed before the error is recorded.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("cannot read {path}: run 'make wasm' first")]
    NoChecksums { path: PathBuf },
    #[error("cannot read {path}: {reason}")]
    Artifact { path: PathBuf, reason: String },
    #[error("{path} does not match artifacts/checksums.txt: rebuild with 'make wasm'")]
    StaleArtifact { path: PathBuf },
    #[error("{path} records chain {recorded:?}, not {chain:?}")]
    OtherChain {
        path: PathBuf,
        recorded: String,
        chain: String,
    },
    #[error(
        "{artifact} changed since code {code_id} was deployed at {address}: rerun with --migrate to upgrade it"
    )]
    NeedsMigration {
        artifact: String,
        code_id: u64,
        address: String,
    },
    #[error(
        "the staking contract registered the consensus service as {registered}, not {expected}: \
         another service was registered meanwhile; redeploy consensus"
    )]
    ServiceMismatch { expected: u32, registered: u32 },
    #[error("{contract} needs {needs}, which is not deployed")]
    Missing { contract: String, needs: String },
    /// The chain took the transaction but its events lack what every such transaction reports.
    #[error("{what} succeeded but reported no {attribute}")]
    Unreported { what: String, attribute: String },
    #[error("cannot encode {what}: {reason}")]
    Encode { what: String, reason: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Chain(#[from] ChainError),
}

type Result<T> = std::result::Result<T, DeployError>;

fn encode_error(what: &str) -> impl FnOnce(String) -> DeployError + '_ {
    move |reason| DeployError::Encode {
        what: what.into(),
        reason,
    }
}

fn json<T: Serialize>(what: &str, msg: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(msg).map_err(|e| encode_error(what)(e.to_string()))
}

fn any(what: &str, msg: impl Msg) -> Result<cosmrs::Any> {
    msg.to_any().map_err(|e| encode_error(what)(e.to_string()))
}

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
    chain: &Chain,
    deployed: &Deployments,
) -> Result<Option<Vec<u8>>> {
    let network = &chain.network;
    match name {
        "registry" => Ok(Some(json(
            "the registry's instantiate message",
            &registry_msg::InstantiateMsg {
                admin: Some(deployer.to_string()),
                name: "poi AI assets".into(),
                symbol: "POI".into(),
            },
        )?)),
        "staking" => network
            .staking
            .as_ref()
            .map(|config| {
                let mut config = config.clone();
                config.admin = config.admin.or_else(|| Some(deployer.to_string()));
                json("the staking instantiate message", &config)
            })
            .transpose(),
        "consensus" => {
            let (Some(params), Some(staking_config)) = (&network.consensus, &network.staking)
            else {
                return Ok(None);
            };
            let address_of = |contract: &str| {
                deployed
                    .contracts
                    .get(contract)
                    .map(|c| c.address.clone())
                    .ok_or_else(|| DeployError::Missing {
                        contract: "consensus".into(),
                        needs: contract.into(),
                    })
            };
            let staking = address_of("staking")?;
            Ok(Some(json(
                "the consensus instantiate message",
                &poi_types::consensus::InstantiateMsg {
                    admin: Some(deployer.to_string()),
                    registry: address_of("registry")?,
                    service_id: next_service_id(chain, &staking)?,
                    staking,
                    denom: staking_config.bond_denom.clone(),
                    params: params.clone(),
                },
            )?))
        }
        other => Err(DeployError::Missing {
            contract: other.into(),
            needs: "an instantiate message".into(),
        }),
    }
}

/// The checksums `make wasm` recorded, so a stale or foreign artefact is never uploaded.
fn recorded_checksums(dir: &Path) -> Result<BTreeMap<String, String>> {
    let path = dir.join("checksums.txt");
    let text = std::fs::read_to_string(&path)
        .map_err(|_| DeployError::NoChecksums { path: path.clone() })?;
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

/// Deploys what `opts.artifacts` holds to `chain` as `signer`, recording each contract in
/// `opts.deployments` as soon as it is deployed.
pub fn deploy(chain: &Chain, signer: &Signer, opts: &DeployOptions) -> Result<Vec<DeployOutcome>> {
    let checksums = recorded_checksums(&opts.artifacts)?;
    let mut deployments = match Deployments::load(&opts.deployments)? {
        Some(d) if d.chain_id == chain.network.chain_id => d,
        Some(d) => {
            return Err(DeployError::OtherChain {
                path: opts.deployments.clone(),
                recorded: d.chain_id,
                chain: chain.network.chain_id.clone(),
            });
        }
        None => Deployments {
            chain_id: chain.network.chain_id.clone(),
            ..Default::default()
        },
    };

    let mut outcomes = Vec::new();
    for spec in CONTRACTS {
        let Some(init_msg) =
            instantiate_msg(spec.name, signer.address.as_ref(), chain, &deployments)?
        else {
            continue;
        };
        let path = opts.artifacts.join(spec.artifact);
        let wasm = std::fs::read(&path).map_err(|e| DeployError::Artifact {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let checksum = ContentHash::digest(&wasm).to_string();
        match checksums.get(spec.artifact) {
            Some(recorded) if *recorded == checksum => {}
            _ => return Err(DeployError::StaleArtifact { path }),
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
                    contract: record.address.parse().map_err(|e: cosmrs::ErrorReport| {
                        encode_error("the recorded address")(e.to_string())
                    })?,
                    code_id,
                    msg: b"{}".to_vec(),
                };
                chain.execute_tx(
                    signer,
                    vec![any("the migration", msg)?],
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
            Some(record) => {
                return Err(DeployError::NeedsMigration {
                    artifact: spec.artifact.into(),
                    code_id: record.code_id,
                    address: record.address,
                });
            }
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
                    vec![any("the instantiation", msg)?],
                    "poi deploy: instantiate",
                )?;
                let address = result
                    .attribute("instantiate", "_contract_address")
                    .ok_or_else(|| DeployError::Unreported {
                        what: format!("instantiating {}", spec.name),
                        attribute: "contract address".into(),
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
            register_consensus_service(chain, signer, &deployments, &outcome.address)?;
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

/// The id the staking contract gives the next service it registers: ids count up from 1 and are
/// never reused.
fn next_service_id(chain: &Chain, staking: &str) -> Result<u32> {
    use poi_types::staking::{MAX_PAGE_LIMIT, QueryMsg, ServicesResponse};
    let mut last = None;
    loop {
        let page: ServicesResponse = chain.smart_query(
            staking,
            &QueryMsg::Services {
                start_after: last,
                limit: Some(MAX_PAGE_LIMIT),
            },
        )?;
        let full = page.services.len() == MAX_PAGE_LIMIT as usize;
        last = page.services.last().map(|s| s.id).or(last);
        if !full {
            return Ok(last.map_or(1, |id| id + 1));
        }
    }
}

/// Registers a newly instantiated consensus contract as the staking contract's service, with the
/// id it was instantiated with. Its slash cap is the largest slash its parameters can order.
fn register_consensus_service(
    chain: &Chain,
    signer: &Signer,
    deployed: &Deployments,
    consensus: &str,
) -> Result<()> {
    let staking = deployed
        .contracts
        .get("staking")
        .ok_or_else(|| DeployError::Missing {
            contract: "consensus".into(),
            needs: "staking".into(),
        })?;
    let config: poi_types::consensus::Config =
        chain.smart_query(consensus, &poi_types::consensus::QueryMsg::Config {})?;
    let params: poi_types::consensus::Params =
        chain.smart_query(consensus, &poi_types::consensus::QueryMsg::Params {})?;
    let msg = poi_types::staking::ExecuteMsg::RegisterService {
        name: "poi consensus".into(),
        uri: None,
        slasher: consensus.to_string(),
        max_slash_bps: params
            .wrong_vote_slash_bps
            .max(params.no_show_slash_bps)
            .max(1),
    };
    let result = chain.execute_contract(
        signer,
        &staking.address,
        &msg,
        vec![],
        "poi deploy: register the consensus service",
    )?;
    let registered = result
        .attribute("wasm", poi_types::staking::events::SERVICE_ID)
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| DeployError::Unreported {
            what: "registering the consensus service".into(),
            attribute: "service id".into(),
        })?;
    if registered != config.service_id {
        return Err(DeployError::ServiceMismatch {
            expected: config.service_id,
            registered,
        });
    }
    Ok(())
}

fn store_code(chain: &Chain, signer: &Signer, wasm: Vec<u8>) -> Result<u64> {
    // wasmd unpacks gzip uploads. Compressing keeps the transaction, and its hex-encoded
    // simulation request, under CometBFT's default 1 MB RPC body limit, and costs less.
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    let compressed = gz
        .write_all(&wasm)
        .and_then(|()| gz.finish())
        .map_err(|e| encode_error("the compressed artefact")(e.to_string()))?;
    let msg = MsgStoreCode {
        sender: signer.address.clone(),
        wasm_byte_code: compressed,
        instantiate_permission: None,
    };
    let result = chain.execute_tx(signer, vec![any("the upload", msg)?], "poi deploy: upload")?;
    result
        .attribute("store_code", "code_id")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| DeployError::Unreported {
            what: "the upload".into(),
            attribute: "code id".into(),
        })
}
