//! `poi content …`: a local content store, addressed by sha256, and an HTTP server for it.

use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use poi_content::Store;
use poi_types::merkle::DatasetHasher;

#[derive(Subcommand)]
pub enum ContentCommand {
    /// Store a file under its sha256 and print the URI it will be served at (with the file's
    /// extension, for readers that tell formats by name).
    Add {
        file: PathBuf,
        /// Where `poi content serve` is reachable, for the printed URI.
        #[arg(long, env = "POI_CONTENT_URL", default_value = "http://127.0.0.1:7878")]
        base_url: String,
    },
    /// Serve the store over HTTP (GET and HEAD of /<sha256>, with byte ranges).
    Serve {
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: String,
    },
}

pub fn default_store_dir() -> PathBuf {
    poi_client::config::poi_home().join("content")
}

pub fn run(cmd: ContentCommand, dir: PathBuf, json: bool) -> Result<()> {
    let store = Store::open(dir)?;
    match cmd {
        ContentCommand::Add { file, base_url } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let sha256 = store.put(&bytes)?;
            let mut dataset = DatasetHasher::new();
            dataset.update(&bytes);
            let merkle_root = dataset.finalize().to_string();
            let extension = file
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default();
            let uri = format!("{}/{sha256}{extension}", base_url.trim_end_matches('/'));
            let out = serde_json::json!({
                "uri": uri,
                "sha256": sha256,
                "merkle_root": merkle_root,
                "bytes": bytes.len(),
            });
            crate::output::print(json, &out, |_| {
                format!(
                    "uri         {uri}\nsha256      {sha256}\nmerkle_root {merkle_root}  (the content hash if registered as a dataset)"
                )
            })
        }
        ContentCommand::Serve { listen } => {
            let listener =
                TcpListener::bind(&listen).with_context(|| format!("cannot listen on {listen}"))?;
            eprintln!(
                "serving {} on http://{}",
                store.dir().display(),
                listener.local_addr()?
            );
            poi_content::serve::serve(store, listener)?;
            Ok(())
        }
    }
}
