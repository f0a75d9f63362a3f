//! Re-running a verified claim: fetch the model and inputs it names, check them against the
//! hashes it commits to, run the verifier artefact it names in wasmer, and compare output hashes.

use std::path::PathBuf;

use poi_types::consensus::Claim;
use poi_verifier::Limits;
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier_host::{HostConfig, WasmVerifier};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::LightClientError;

/// Largest file fetched for a re-check.
pub const MAX_FETCH_BYTES: u64 = 2 << 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecheckReport {
    pub claim_id: u64,
    pub model_hash: String,
    pub verifier_hash: String,
    pub committed_output_hash: String,
    pub recomputed_output_hash: String,
    pub receipt: String,
    /// Whether the recomputed output hash is the committed one.
    pub reproduced: bool,
}

fn error(message: impl ToString) -> LightClientError {
    LightClientError::Recheck(message.to_string())
}

/// Bytes behind `uri`: `file://`, `http://`, `https://` or a plain path.
pub fn fetch(uri: &str) -> Result<Vec<u8>, LightClientError> {
    if uri.starts_with("http://") || uri.starts_with("https://") {
        let mut response = ureq::get(uri)
            .call()
            .map_err(|e| error(format!("{uri}: {e}")))?;
        return response
            .body_mut()
            .with_config()
            .limit(MAX_FETCH_BYTES)
            .read_to_vec()
            .map_err(|e| error(format!("{uri}: {e}")));
    }
    let path = match uri.strip_prefix("file://") {
        Some(path) => path,
        None if !uri.contains("://") => uri,
        None => {
            return Err(error(format!(
                "{uri}: only file://, http:// and https:// can be fetched; fetch it yourself and use `poi verify`"
            )));
        }
    };
    std::fs::read(path).map_err(|e| error(format!("{uri}: {e}")))
}

fn check_hash(what: &str, bytes: &[u8], expected: &str) -> Result<(), LightClientError> {
    let actual = hex::encode(Sha256::digest(bytes));
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(error(format!(
            "the {what} fetched hashes to {actual}, but the claim commits to {expected}"
        )))
    }
}

/// Re-runs `claim` on the model at `model_uri` (from the verified asset record) with
/// `verifier_wasm`, whose sha256 must be the claim's verifier hash.
pub fn recheck(
    claim: &Claim,
    model_uri: &str,
    verifier_wasm: &[u8],
    cache_dir: Option<PathBuf>,
) -> Result<RecheckReport, LightClientError> {
    let model = fetch(model_uri)?;
    check_hash("model", &model, claim.model_hash.as_str())?;
    let mut inputs = Vec::with_capacity(claim.inputs.len());
    for input in &claim.inputs {
        let bytes = fetch(&input.uri)?;
        check_hash(
            &format!("input {}", input.name),
            &bytes,
            input.sha256.as_str(),
        )?;
        let format = InputFormat::from_file_name(&input.uri).ok_or_else(|| {
            error(format!(
                "input {}: {} is not a .npy, .pb or .json file",
                input.name, input.uri
            ))
        })?;
        inputs.push(NamedInput {
            name: input.name.clone(),
            format,
            bytes,
        });
    }
    let verifier = WasmVerifier::load(
        verifier_wasm,
        Some(claim.verifier_hash.as_str()),
        HostConfig::default(),
        cache_dir,
    )
    .map_err(error)?;
    let run = verifier
        .verify(&model, &inputs, &Limits::default())
        .map_err(error)?;
    let committed = claim.output.output_hash.as_str().to_string();
    Ok(RecheckReport {
        claim_id: claim.id,
        model_hash: claim.model_hash.to_string(),
        verifier_hash: claim.verifier_hash.to_string(),
        reproduced: run.output_hash.eq_ignore_ascii_case(&committed),
        committed_output_hash: committed,
        recomputed_output_hash: run.output_hash,
        receipt: run.receipt,
    })
}
