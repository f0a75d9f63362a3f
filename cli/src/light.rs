//! `poi light`: read poi state through the light client — headers verified from a checkpoint,
//! records proven against the verified app hash — and re-run a claim. Exit status for `recheck`:
//! 0 reproduced, 1 not reproduced, 2 error.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use poi_light_client::client::{Checkpoint, LightClient as Client};
use poi_light_client::headers::TrustOptions;
use poi_light_client::http::{HttpTransport, block_on};
use poi_light_client::store::FileTrustStore;
use poi_recheck::recheck;
use poi_types::consensus::Vote;
use tendermint::Time;

use poi_client::Deployments;
use poi_client::Network;

#[derive(Args)]
pub struct LightArgs {
    /// The trust store (the latest verified header); default ~/.poi/light/<network>.json.
    #[arg(long, env = "POI_LIGHT_STORE")]
    store: Option<PathBuf>,
    #[command(subcommand)]
    command: LightCommand,
}

#[derive(Subcommand)]
pub enum LightCommand {
    /// Verify headers up to the latest (or --height); start from a checkpoint the first time.
    Sync {
        /// RPC server to read from; default the network's.
        #[arg(long)]
        rpc: Option<String>,
        /// Another RPC server every verified header is cross-checked with (repeatable).
        #[arg(long = "witness")]
        witnesses: Vec<String>,
        /// Checkpoint height, obtained from a source you trust.
        #[arg(long, requires = "trust_hash")]
        trust_height: Option<u64>,
        /// Header hash at the checkpoint height.
        #[arg(long, requires = "trust_height")]
        trust_hash: Option<String>,
        /// How long a verified header may be built on, in seconds (below the unbonding period).
        #[arg(long)]
        trusting_period: Option<u64>,
        /// Verify up to this height instead of the latest.
        #[arg(long)]
        height: Option<u64>,
    },
    /// A claim with its status, rounds, committees and ballots, proven from contract storage.
    Claim { id: u64 },
    /// The newest claims (or those below --before), each proven from contract storage.
    Claims {
        #[arg(long)]
        before: Option<u64>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// A registry asset, proven from contract storage.
    Asset { id: u64 },
    /// An approved verifier build, proven from contract storage.
    Verifier { hash: String },
    /// Re-run a proven claim: fetch model and inputs, check their hashes, run the verifier.
    Recheck {
        id: u64,
        /// The verifier artefact; its sha256 must be the claim's verifier hash.
        #[arg(
            long,
            env = "POI_VERIFIER",
            default_value = "artifacts/poi_verifier.wasm"
        )]
        verifier: PathBuf,
    },
}

pub struct LightSession<'a> {
    pub network: &'a Network,
    pub network_name: &'a str,
    pub deployments: &'a Path,
    pub json: bool,
}

fn default_store(network: &str) -> PathBuf {
    std::env::var_os("HOME")
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
        .join(".poi/light")
        .join(format!("{network}.json"))
}

fn now() -> Time {
    Time::now()
}

fn print<T: serde::Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) -> Result<()> {
    crate::output::print(json, value, |_| text())
}

/// Opens the trust store and brings it to the chain's latest header, so reads are recent and
/// cross-checked with the witnesses.
type LightClient = Client<HttpTransport, FileTrustStore>;

fn synced(store: FileTrustStore) -> Result<LightClient> {
    let client = LightClient::open(store, HttpTransport::default())?;
    block_on(client.sync(None, now()))?;
    Ok(client)
}

/// Runs a `poi light` command; `Ok(false)` is a re-check that did not reproduce the claim.
pub fn run(args: LightArgs, session: &LightSession) -> Result<bool> {
    let store = FileTrustStore::new(
        args.store
            .unwrap_or_else(|| default_store(session.network_name)),
    );
    let json = session.json;
    match args.command {
        LightCommand::Sync {
            rpc,
            witnesses,
            trust_height,
            trust_hash,
            trusting_period,
            height,
        } => {
            let client = match (trust_height, trust_hash) {
                (Some(height), Some(hash)) => {
                    let mut options = TrustOptions::default();
                    if let Some(secs) = trusting_period {
                        options.trusting_period_secs = secs;
                    }
                    block_on(LightClient::init(
                        store,
                        HttpTransport::default(),
                        rpc.as_deref().unwrap_or(&session.network.rpc),
                        &witnesses,
                        Some(&session.network.chain_id),
                        &Checkpoint { height, hash },
                        options,
                    ))?
                }
                _ => {
                    if rpc.is_some() || !witnesses.is_empty() || trusting_period.is_some() {
                        bail!(
                            "--rpc, --witness and --trusting-period are set with a checkpoint (--trust-height, --trust-hash)"
                        );
                    }
                    LightClient::open(store, HttpTransport::default())?
                }
            };
            let report = block_on(client.sync(height, now()))?;
            print(json, &report, || {
                format!(
                    "{} verified at height {} (from {}{})\nheader {}\napp hash {}\n{} witness(es) agree",
                    report.chain_id,
                    report.height,
                    report.from_height,
                    if report.verified.is_empty() {
                        String::new()
                    } else {
                        format!(", via {:?}", report.verified)
                    },
                    report.header_hash,
                    report.app_hash,
                    report.witnesses_checked,
                )
            })?;
            Ok(true)
        }
        LightCommand::Claim { id } => {
            let client = synced(store)?;
            let consensus = Deployments::address_of(session.deployments, "consensus")?;
            let verified = block_on(client.claim(&consensus, id))?;
            print(json, &verified, || {
                let c = &verified.claim;
                let mut out = format!(
                    "claim {} ({}), proven at height {} against app hash {}\nmodel {} ({}), verifier {}\noutput hash {}\nverdict {}",
                    c.id,
                    c.status.as_str(),
                    verified.proof.height,
                    verified.proof.app_hash,
                    c.model_id,
                    c.model_hash,
                    c.verifier_hash,
                    c.output.output_hash,
                    c.verdict
                        .map_or("none yet".into(), |v| format!("{v:?}").to_lowercase()),
                );
                for round in &verified.rounds {
                    out.push_str(&format!("\nround {}:", round.number));
                    for (operator, ballot) in &round.ballots {
                        let vote = match ballot.as_ref().map(|b| &b.vote) {
                            None => "no commitment".to_string(),
                            Some(None) => "committed, not revealed".into(),
                            Some(Some(Vote::Exact { output_hash })) => {
                                format!("computed {output_hash}")
                            }
                            Some(Some(Vote::Tolerance {
                                accept,
                                output_hash,
                            })) => format!(
                                "{} (computed {output_hash})",
                                if *accept { "accepts" } else { "rejects" }
                            ),
                        };
                        out.push_str(&format!("\n  {operator}: {vote}"));
                    }
                }
                out
            })?;
            Ok(true)
        }
        LightCommand::Claims { before, limit } => {
            let client = synced(store)?;
            let consensus = Deployments::address_of(session.deployments, "consensus")?;
            let page = block_on(client.claims(&consensus, before, limit))?;
            print(json, &page, || {
                let mut out = format!(
                    "{} claims, proven at height {} against app hash {}",
                    page.total, page.proof.height, page.proof.app_hash
                );
                for c in &page.claims {
                    out.push_str(&format!(
                        "\n{:>6}  {:<8} {:<9} model {}",
                        c.id,
                        c.status.as_str(),
                        c.verdict
                            .map_or("-".into(), |v| format!("{v:?}").to_lowercase()),
                        c.model_id
                    ));
                }
                if let Some(before) = page.next_before {
                    out.push_str(&format!("\nmore: --before {before}"));
                }
                out
            })?;
            Ok(true)
        }
        LightCommand::Asset { id } => {
            let client = synced(store)?;
            let registry = Deployments::address_of(session.deployments, "registry")?;
            let verified = block_on(client.asset(&registry, id))?;
            print(json, &verified, || {
                let a = &verified.asset;
                format!(
                    "asset {} ({:?}), proven at height {} against app hash {}\nowner {}\ncontent hash {}\nuri {}",
                    a.id,
                    a.kind,
                    verified.proof.height,
                    verified.proof.app_hash,
                    a.owner,
                    a.content_hash,
                    a.uri
                )
            })?;
            Ok(true)
        }
        LightCommand::Verifier { hash } => {
            let client = synced(store)?;
            let registry = Deployments::address_of(session.deployments, "registry")?;
            let verified = block_on(client.verifier(&registry, &hash))?;
            print(json, &verified, || {
                let v = &verified.verifier;
                format!(
                    "verifier {} version {} ({}), proven at height {}",
                    v.hash,
                    v.version,
                    if v.revoked_height.is_some() {
                        "revoked"
                    } else {
                        "approved"
                    },
                    verified.proof.height
                )
            })?;
            Ok(true)
        }
        LightCommand::Recheck { id, verifier } => {
            let client = synced(store)?;
            let consensus = Deployments::address_of(session.deployments, "consensus")?;
            let registry = Deployments::address_of(session.deployments, "registry")?;
            let claim = block_on(client.claim(&consensus, id))?.claim;
            let model = block_on(client.asset(&registry, claim.model_id))?.asset;
            let wasm = std::fs::read(&verifier)
                .with_context(|| format!("reading {}", verifier.display()))?;
            let cache =
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/poi/wasmer"));
            let report = recheck(&claim, &model.uri, &wasm, cache)?;
            print(json, &report, || {
                format!(
                    "claim {}: {}\ncommitted  {}\nrecomputed {}\nreceipt {}",
                    report.claim_id,
                    if report.reproduced {
                        "reproduced"
                    } else {
                        "NOT reproduced"
                    },
                    report.committed_output_hash,
                    report.recomputed_output_hash,
                    report.receipt
                )
            })?;
            Ok(report.reproduced)
        }
    }
}
