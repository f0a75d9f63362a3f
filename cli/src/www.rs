//! `poi www …`: the browser app (built by `make www` into `www/dist`), served on a local address
//! with the networks of the networks file, or written out for any static host.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use poi_client::directory::directory;
use poi_client::network::NetworksFile;
use poi_content::site::{self, Site};

/// The document the app reads its networks from, next to its `index.html`.
const NETWORKS_DOCUMENT: &str = "networks.json";

#[derive(Subcommand)]
pub enum WwwCommand {
    /// Serve the app and its networks.json (every network of the networks file, opening on
    /// --network) on a local address.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The built app.
        #[arg(long, env = "POI_WWW_DIR", default_value = "www/dist")]
        dir: PathBuf,
    },
    /// Write networks.json into a built app, for a static host to serve as it is.
    Networks {
        #[arg(long, env = "POI_WWW_DIR", default_value = "www/dist")]
        dir: PathBuf,
    },
}

pub struct WwwSession<'a> {
    pub networks: &'a NetworksFile,
    pub network: &'a str,
    pub deployments: Option<&'a Path>,
}

fn networks_json(session: &WwwSession) -> Result<Vec<u8>> {
    let listed = directory(session.networks, session.network, session.deployments)?;
    Ok(serde_json::to_vec_pretty(&listed)?)
}

fn built_app(dir: &Path) -> Result<()> {
    anyhow::ensure!(
        dir.join("index.html").is_file(),
        "{} holds no built app: run `make www` first",
        dir.display()
    );
    Ok(())
}

pub fn run(cmd: WwwCommand, session: &WwwSession) -> Result<()> {
    match cmd {
        WwwCommand::Serve { listen, dir } => {
            built_app(&dir)?;
            let documents =
                BTreeMap::from([(NETWORKS_DOCUMENT.to_string(), networks_json(session)?)]);
            let listener =
                TcpListener::bind(&listen).with_context(|| format!("cannot listen on {listen}"))?;
            eprintln!(
                "serving the poi app from {} on http://{} (network {})",
                dir.display(),
                listener.local_addr()?,
                session.network
            );
            site::serve(Site::new(dir, documents), listener)?;
            Ok(())
        }
        WwwCommand::Networks { dir } => {
            built_app(&dir)?;
            let path = dir.join(NETWORKS_DOCUMENT);
            std::fs::write(&path, networks_json(session)?)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("{}", path.display());
            Ok(())
        }
    }
}
