//! `poi operator …`: run the operator daemon, and read its store.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use clap::Subcommand;
use poi_client::{Chain, Deployments, Signer, config};
use poi_operator::vote::Basis;
use poi_operator::{Daemon, Metrics, OperatorConfig, Store};

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Follow the chain and vote on every claim this operator's committees are given.
    Run {
        #[command(flatten)]
        args: RunArgs,
    },
    /// The operator's committee seats and what it did on each, from its store.
    Status {
        /// The config file (for its data directory), or give --data-dir.
        #[arg(long, env = "POI_OPERATOR_CONFIG")]
        config: Option<PathBuf>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The operator's config file (see docs/operator.md); flags below override it.
    #[arg(long, env = "POI_OPERATOR_CONFIG")]
    config: Option<PathBuf>,
    /// Where the store and caches are kept (required without a config file).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// RPC endpoint of the chain; repeat for fallbacks, tried in order.
    #[arg(long = "rpc")]
    rpc: Vec<String>,
    /// host:port for the Prometheus endpoint.
    #[arg(long)]
    metrics: Option<String>,
    /// Log JSON lines instead of text.
    #[arg(long)]
    log_json: bool,
}

pub struct OperatorSession<'a> {
    pub networks_file: Option<&'a std::path::Path>,
    pub mnemonic_file: Option<&'a std::path::Path>,
    pub deployments: Option<&'a std::path::Path>,
    pub json: bool,
}

fn load_config(file: Option<&PathBuf>, data_dir: Option<&PathBuf>) -> Result<OperatorConfig> {
    let mut config = match (file, data_dir) {
        (Some(file), _) => OperatorConfig::load(file)?,
        (None, Some(dir)) => OperatorConfig::parse(
            &format!("data_dir = {:?}\n", dir.display().to_string()),
            std::path::Path::new("--data-dir"),
        )?,
        (None, None) => anyhow::bail!("give --config or --data-dir"),
    };
    if let Some(dir) = data_dir {
        config.data_dir = dir.clone();
    }
    Ok(config)
}

pub fn run(cmd: OperatorCommand, s: &OperatorSession) -> Result<()> {
    match cmd {
        OperatorCommand::Run { args } => run_daemon(args, s),
        OperatorCommand::Status { config, data_dir } => {
            let config = load_config(config.as_ref(), data_dir.as_ref())?;
            let duties = Store::open(&config.store_path())?.all()?;
            crate::output::print(s.json, &duties, |duties| {
                let mut text = format!(
                    "{:>6} {:>5} {:<11} {:<12} {:<10} {:<9} note",
                    "claim", "round", "stage", "basis", "verdict", "agreed"
                );
                for d in duties {
                    let basis = match &d.basis {
                        Some(Basis::Computed { .. }) => "computed",
                        Some(Basis::Unverifiable { reason, .. }) => reason.as_str(),
                        Some(Basis::Manual) => "manual",
                        None => "-",
                    };
                    text.push_str(&format!(
                        "\n{:>6} {:>5} {:<11} {:<12} {:<10} {:<9} {}",
                        d.claim_id,
                        d.round,
                        format!("{:?}", d.stage).to_lowercase(),
                        basis,
                        d.final_verdict.as_deref().unwrap_or("-"),
                        d.agreed.map_or("-".to_string(), |a| a.to_string()),
                        d.note.as_deref().unwrap_or("")
                    ));
                }
                text
            })
        }
    }
}

fn run_daemon(args: RunArgs, s: &OperatorSession) -> Result<()> {
    let mut config = load_config(args.config.as_ref(), args.data_dir.as_ref())?;
    if !args.rpc.is_empty() {
        config.rpc = args.rpc;
    }
    if args.metrics.is_some() {
        config.metrics = args.metrics;
    }
    // Colour only on a terminal: logs in files are read by people and tools alike.
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if args.log_json {
        subscriber.json().init();
    } else {
        subscriber.init();
    }

    let networks_file = config.networks_file.as_deref().or(s.networks_file);
    let networks = config::networks_file(networks_file)?;
    let network = networks.network(&config.network)?;
    let deployments = config::deployments_file(
        config.deployments.as_deref().or(s.deployments),
        &networks,
        &config.network,
        network.deployments.as_deref(),
    );
    let contracts = Deployments::contracts(&deployments)?;
    let signer = Signer::load(
        config.mnemonic_file.as_deref().or(s.mnemonic_file),
        &network.bech32_prefix,
    )?;
    let endpoints = if config.rpc.is_empty() {
        vec![network.rpc.clone()]
    } else {
        config.rpc.clone()
    };
    let chain = Chain::connect_any(network, endpoints.clone())
        .with_context(|| format!("no RPC endpoint answered: {}", endpoints.join(", ")))?;
    let metrics = Metrics::default();
    if let Some(addr) = &config.metrics {
        let bound = metrics.serve(addr)?;
        tracing::info!(%bound, "metrics on /metrics");
    }
    let mut daemon = Daemon::new(config, chain, contracts, signer, metrics)?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone())?;
    }
    daemon.run(&stop);
    Ok(())
}
