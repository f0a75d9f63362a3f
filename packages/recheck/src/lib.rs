//! `poi-recheck`: re-running a claim. Fetch the model and inputs it names, check them against the
//! hashes it commits to, run the verifier artefact it names in wasmer, and compare output hashes.
//!
//! `poi light recheck` runs it on a claim the light client proved; the operator daemon takes the
//! same steps (with its own content store and limits) before it votes, which is why they are
//! public one by one: a claim is re-executed in one way only. Browsers take the same steps with
//! the same verifier bytes in JavaScript's wasm engine.

use std::path::PathBuf;

use poi_content::{ContentError, FetchPolicy, Store, fetch_verified};
use poi_types::consensus::Claim;
use poi_verifier::Limits;
use poi_verifier::input::NamedInput;
use poi_verifier_host::{HostConfig, HostError, HostVerification, PreparedModels, WasmVerifier};
use serde::Serialize;

/// Largest file fetched for a re-check.
pub const MAX_FETCH_BYTES: u64 = 2 << 30;

/// Why a claim could not be re-executed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReexecutionError {
    /// The model, an input or the claimed output could not be had, or is not what the claim
    /// commits to.
    #[error(transparent)]
    Content(#[from] ContentError),
    /// The verifier artefact refused, trapped or ran out of points.
    #[error(transparent)]
    Verifier(#[from] HostError),
}

/// The bytes a claim is about, checked against its hashes.
pub struct ClaimContent {
    pub model: Vec<u8>,
    pub inputs: Vec<NamedInput>,
}

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

/// Fetches the model (from `model_uri`, the asset's) and the inputs of `claim`, each checked
/// against the hash the claim commits to.
pub fn fetch_content(
    claim: &Claim,
    model_uri: &str,
    policy: &FetchPolicy,
    model_limit: u64,
    store: Option<&Store>,
) -> Result<ClaimContent, ReexecutionError> {
    let model_policy = FetchPolicy {
        max_bytes: model_limit,
        ..*policy
    };
    let model = fetch_verified(
        "the model",
        model_uri,
        claim.model_hash.as_str(),
        &model_policy,
        store,
    )?;
    let mut inputs = Vec::with_capacity(claim.inputs.len());
    for input in &claim.inputs {
        let bytes = fetch_verified(
            &format!("input {}", input.name),
            &input.uri,
            input.sha256.as_str(),
            policy,
            store,
        )?;
        inputs.push(NamedInput {
            name: input.name.clone(),
            format: input.format,
            bytes,
        });
    }
    Ok(ClaimContent { model, inputs })
}

/// Runs the claim's content through `verifier`, which must be the artefact the claim names. With
/// `prepared`, the model is kept prepared there for the next claim on it (an operator judges
/// many); without, the run is one-shot.
pub fn run(
    claim: &Claim,
    content: &ClaimContent,
    verifier: &WasmVerifier,
    prepared: Option<&mut PreparedModels>,
) -> Result<HostVerification, ReexecutionError> {
    let named = verifier.sha256_hex();
    if !named.eq_ignore_ascii_case(claim.verifier_hash.as_str()) {
        return Err(HostError::WrongArtefact {
            expected: claim.verifier_hash.to_string(),
            actual: named,
        }
        .into());
    }
    let (model, inputs, limits) = (&content.model, &content.inputs, &Limits::default());
    Ok(match prepared {
        Some(prepared) => verifier.verify_prepared(prepared, model, inputs, limits)?,
        None => verifier.verify(model, inputs, limits)?,
    })
}

/// Re-runs `claim` on the model at `model_uri` (from the verified asset record) with
/// `verifier_wasm`, whose sha256 must be the claim's verifier hash.
pub fn recheck(
    claim: &Claim,
    model_uri: &str,
    verifier_wasm: &[u8],
    cache_dir: Option<PathBuf>,
) -> Result<RecheckReport, ReexecutionError> {
    let policy = FetchPolicy {
        max_bytes: MAX_FETCH_BYTES,
        ..FetchPolicy::default()
    };
    let content = fetch_content(claim, model_uri, &policy, MAX_FETCH_BYTES, None)?;
    let verifier = WasmVerifier::load(
        verifier_wasm,
        Some(claim.verifier_hash.as_str()),
        HostConfig::default(),
        cache_dir,
    )?;
    let verification = run(claim, &content, &verifier, None)?;
    let committed = claim.output.output_hash.as_str().to_string();
    Ok(RecheckReport {
        claim_id: claim.id,
        model_hash: claim.model_hash.to_string(),
        verifier_hash: claim.verifier_hash.to_string(),
        reproduced: verification.output_hash.eq_ignore_ascii_case(&committed),
        committed_output_hash: committed,
        recomputed_output_hash: verification.output_hash,
        receipt: verification.receipt,
    })
}
