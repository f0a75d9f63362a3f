//! `poi`: deploy the poi contracts to a CosmWasm network and work with the asset registry.

mod consensus;
mod content;
mod light;
mod operator;
mod output;
mod registry;
mod staking;
mod verify;
mod www;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use poi_client::deploy::{self, DeployOptions};
use poi_client::{Chain, Deployments, Network, Signer, config};

use crate::output::Outcome;
use crate::registry::RegistryCommand;

#[derive(Parser)]
#[command(
    name = "poi",
    version,
    about = "Proof of Inference: deploy, register assets, query the chain"
)]
struct Cli {
    /// Network name from the networks file.
    #[arg(long, global = true, env = "POI_NETWORK", default_value = "local")]
    network: String,
    /// Networks file; by default $POI_HOME/networks.toml, ./networks.toml, else the built-in one.
    #[arg(long, global = true, env = "POI_NETWORKS")]
    networks_file: Option<PathBuf>,
    /// File holding the signing mnemonic (POI_MNEMONIC, if set, takes precedence).
    #[arg(long, global = true, env = "POI_MNEMONIC_FILE")]
    mnemonic_file: Option<PathBuf>,
    /// Deployments file; defaults to the network's.
    #[arg(long, global = true, env = "POI_DEPLOYMENTS")]
    deployments: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Upload, instantiate (or migrate) the contracts and record them in the deployments file.
    Deploy {
        #[arg(long, default_value = "artifacts")]
        artifacts: PathBuf,
        /// Upload changed artefacts and migrate the deployed contracts to them.
        #[arg(long)]
        migrate: bool,
    },
    /// The asset registry.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The restaking contract.
    #[command(subcommand)]
    Staking(staking::StakingCommand),
    /// The consensus contract: claims, votes, finalisation and disputes.
    Consensus {
        /// Where votes and seals are kept between their two transactions: the same store as
        /// `poi operator` keeps in its data_dir (give an operator's to vote by hand with its key).
        #[arg(long, global = true, env = "POI_DATA_DIR", default_value_os_t = default_data_dir())]
        data_dir: PathBuf,
        #[command(subcommand)]
        cmd: consensus::ConsensusCommand,
    },
    /// The operator daemon: follow the chain, re-run claims, vote, finalise.
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    /// A local content store addressed by sha256, and an HTTP server for it.
    Content {
        /// The store's directory.
        #[arg(long, env = "POI_CONTENT_DIR", default_value_os_t = content::default_store_dir())]
        dir: PathBuf,
        #[command(subcommand)]
        command: content::ContentCommand,
    },
    /// Read poi state through the light client: verified headers, proven records, re-checks.
    Light(light::LightArgs),
    /// Run a model with the verifier and check its output (exit 0 match, 1 mismatch, 2 error).
    Verify(Box<verify::VerifyArgs>),
    /// Show the address of the configured key.
    Address,
    /// The bank balance of an address (default: the configured key's), in the network's denom.
    Balance { address: Option<String> },
    /// List the networks of the networks file.
    Networks,
    /// The browser app: explore claims and re-check them in the page.
    #[command(subcommand)]
    Www(www::WwwCommand),
}

fn run(cli: Cli) -> Result<()> {
    if let Command::Registry(cmd) = &cli.command
        && !registry::needs_chain(cmd)
    {
        let Command::Registry(cmd) = cli.command else {
            unreachable!()
        };
        let no_signer = || anyhow::bail!("no key needed");
        let ctx = registry::Session {
            chain: None,
            registry: None,
            signer: &no_signer,
            json: cli.json,
        };
        return registry::run(cmd, &ctx);
    }

    if let Command::Content { dir, command } = cli.command {
        return content::run(command, dir, cli.json);
    }
    if let Command::Operator(cmd) = cli.command {
        return operator::run(
            cmd,
            &operator::OperatorSession {
                networks_file: cli.networks_file.as_deref(),
                mnemonic_file: cli.mnemonic_file.as_deref(),
                deployments: cli.deployments.as_deref(),
                json: cli.json,
            },
        );
    }
    let networks = config::networks_file(cli.networks_file.as_deref())?;
    if let Command::Networks = cli.command {
        println!("{}", networks.describe());
        return Ok(());
    }
    if let Command::Www(cmd) = cli.command {
        let session = www::WwwSession {
            networks: &networks,
            network: &cli.network,
            deployments: cli.deployments.as_deref(),
        };
        return www::run(cmd, &session);
    }
    let (network, deployments) = network_and_deployments(&cli, &networks)?;
    let prefix = network.bech32_prefix.clone();
    let load_signer = || Ok(Signer::load(cli.mnemonic_file.as_deref(), &prefix)?);

    match cli.command {
        Command::Address => {
            let address = load_signer()?.address.to_string();
            output::print(cli.json, &serde_json::json!({ "address": address }), |_| {
                address.clone()
            })
        }
        Command::Balance { address } => {
            let address = match address {
                Some(a) => a,
                None => load_signer()?.address.to_string(),
            };
            let amount = Chain::connect(network)?.balance(&address)?;
            let out = serde_json::json!({ "address": address, "amount": amount.to_string() });
            output::print(cli.json, &out, |_| amount.to_string())
        }
        Command::Deploy { artifacts, migrate } => {
            let signer = load_signer()?;
            let chain = Chain::connect(network)?;
            let outcomes = deploy::deploy(
                &chain,
                &signer,
                &DeployOptions {
                    artifacts,
                    deployments: deployments.clone(),
                    migrate,
                },
            )?;
            output::print(cli.json, &outcomes, |outcomes| {
                let mut text: Vec<String> = outcomes
                    .iter()
                    .map(|o| {
                        format!(
                            "{:<10} {:<12} code {:<4} {}",
                            o.contract, o.action, o.code_id, o.address
                        )
                    })
                    .collect();
                text.push(format!("recorded in {}", deployments.display()));
                text.join("\n")
            })
        }
        Command::Networks | Command::Content { .. } | Command::Operator(_) | Command::Www(_) => {
            unreachable!("handled above")
        }
        Command::Verify(_) => unreachable!("handled in main"),
        Command::Light(_) => unreachable!("handled in light_command"),
        Command::Staking(cmd) => {
            let chain = Chain::connect(network)?;
            let contract = Deployments::address_of(&deployments, "staking")?;
            let session = staking::StakingSession {
                chain: &chain,
                contract,
                consensus: Deployments::address_of(&deployments, "consensus").ok(),
                signer: &load_signer,
                json: cli.json,
            };
            staking::run(cmd, &session)
        }
        Command::Consensus { data_dir, cmd } => {
            let chain = Chain::connect(network)?;
            let session = consensus::ConsensusSession {
                chain: &chain,
                contract: Deployments::address_of(&deployments, "consensus")?,
                registry: Deployments::address_of(&deployments, "registry")?,
                signer: &load_signer,
                store: poi_operator::Store::open(&data_dir.join(poi_operator::store::FILE_NAME))?,
                json: cli.json,
            };
            consensus::run(cmd, &session)
        }
        Command::Registry(cmd) => {
            let chain = Chain::connect(network)?;
            let registry = Deployments::address_of(&deployments, "registry")?;
            let ctx = registry::Session {
                chain: Some(&chain),
                registry: Some(registry),
                signer: &load_signer,
                json: cli.json,
            };
            registry::run(cmd, &ctx)
        }
    }
}

/// The network chosen and where its deployments are recorded (see `poi_client::config`).
fn network_and_deployments(
    cli: &Cli,
    networks: &poi_client::network::NetworksFile,
) -> Result<(Network, PathBuf)> {
    let network = networks.network(&cli.network)?;
    let deployments = config::deployments_file(
        cli.deployments.as_deref(),
        networks,
        &cli.network,
        network.deployments.as_deref(),
    );
    Ok((network, deployments))
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
        .join(".poi")
}

/// `poi light`: like `poi verify`, a re-check that does not reproduce the claim is a mismatch.
fn light_command(cli: Cli) -> Result<Outcome> {
    let networks = config::networks_file(cli.networks_file.as_deref())?;
    let (network, deployments) = network_and_deployments(&cli, &networks)?;
    let Command::Light(args) = cli.command else {
        anyhow::bail!("not a light-client command")
    };
    let reproduced = light::run(
        args,
        &light::LightSession {
            network: &network,
            network_name: &cli.network,
            deployments: &deployments,
            json: cli.json,
        },
    )?;
    Ok(reproduced.into())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Verify(args) => verify::run(*args, cli.json).map(Outcome::from),
        Command::Light(_) => light_command(cli),
        _ => run(cli).map(|()| Outcome::Done),
    };
    output::exit_code(outcome)
}
