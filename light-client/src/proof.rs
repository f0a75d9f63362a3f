//! Proofs of x/wasm storage against a verified app hash.
//!
//! `abci_query` on `/store/wasm/key` with `prove=true` answers with two ICS23 proof operations:
//! an IAVL proof that the key holds the value (or holds nothing) in the `wasm` store, whose root
//! is that store's hash; and a multistore ("simple") proof that the store named `wasm` has that
//! hash, against the app hash. The app hash of a query at height H is in the header of H+1.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ics23::commitment_proof::Proof;
use ics23::{CommitmentProof, HostFunctionsManager};
use prost::Message as _;
use serde_json::Value;

use crate::error::LightClientError;

use crate::storage_key::WASM_STORE;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("expected 2 proof operations (iavl, then the multistore), got {0}")]
    OpCount(usize),
    #[error("proof operation {index} is of type {found:?}, expected {expected:?}")]
    OpType {
        index: usize,
        expected: &'static str,
        found: String,
    },
    #[error("the proof is for key {proven}, not the key asked for ({asked})")]
    WrongKey { asked: String, proven: String },
    #[error("proof operation {index} does not decode: {message}")]
    Decode { index: usize, message: String },
    #[error("the server says the key holds a value but sent a proof of absence, or the reverse")]
    WrongKind,
    #[error("the value does not match the IAVL proof")]
    IavlMismatch,
    #[error("the wasm store's root is not committed to by the app hash")]
    AppHashMismatch,
}

/// One `proofOps` entry of an `abci_query` response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofOp {
    pub kind: String,
    pub key: Vec<u8>,
    pub data: Vec<u8>,
}

pub const IAVL_OP: &str = "ics23:iavl";
pub const MULTISTORE_OP: &str = "ics23:simple";

/// Checks that in the state committed to by `app_hash`, the `wasm` store holds `value` at `key`
/// (`None`: holds nothing there).
pub fn verify_wasm_store(
    app_hash: &[u8],
    key: &[u8],
    value: Option<&[u8]>,
    ops: &[ProofOp],
) -> Result<(), ProofError> {
    let [iavl, multistore] = ops else {
        return Err(ProofError::OpCount(ops.len()));
    };
    expect_op(0, iavl, IAVL_OP, key)?;
    expect_op(1, multistore, MULTISTORE_OP, WASM_STORE.as_bytes())?;
    let iavl_proof = decode(0, &iavl.data)?;
    let store_proof = decode(1, &multistore.data)?;

    let store_root = match (&iavl_proof.proof, value) {
        (Some(Proof::Exist(exist)), Some(value)) => {
            if exist.key != key {
                return Err(wrong_key(key, &exist.key));
            }
            let root = root_of(&iavl_proof)?;
            if !ics23::verify_membership::<HostFunctionsManager>(
                &iavl_proof,
                &ics23::iavl_spec(),
                &root,
                key,
                value,
            ) {
                return Err(ProofError::IavlMismatch);
            }
            root
        }
        (Some(Proof::Nonexist(nonexist)), None) => {
            if nonexist.key != key {
                return Err(wrong_key(key, &nonexist.key));
            }
            let root = root_of(&iavl_proof)?;
            if !ics23::verify_non_membership::<HostFunctionsManager>(
                &iavl_proof,
                &ics23::iavl_spec(),
                &root,
                key,
            ) {
                return Err(ProofError::IavlMismatch);
            }
            root
        }
        _ => return Err(ProofError::WrongKind),
    };

    if !ics23::verify_membership::<HostFunctionsManager>(
        &store_proof,
        &ics23::tendermint_spec(),
        &app_hash.to_vec(),
        WASM_STORE.as_bytes(),
        &store_root,
    ) {
        return Err(ProofError::AppHashMismatch);
    }
    Ok(())
}

fn expect_op(index: usize, op: &ProofOp, kind: &'static str, key: &[u8]) -> Result<(), ProofError> {
    if op.kind != kind {
        return Err(ProofError::OpType {
            index,
            expected: kind,
            found: op.kind.clone(),
        });
    }
    if op.key != key {
        return Err(wrong_key(key, &op.key));
    }
    Ok(())
}

fn wrong_key(asked: &[u8], proven: &[u8]) -> ProofError {
    ProofError::WrongKey {
        asked: hex::encode(asked),
        proven: hex::encode(proven),
    }
}

fn decode(index: usize, data: &[u8]) -> Result<CommitmentProof, ProofError> {
    CommitmentProof::decode(data).map_err(|e| ProofError::Decode {
        index,
        message: e.to_string(),
    })
}

/// The root an existence proof, or either neighbour of a non-existence proof, leads to. The
/// membership checks then confirm the proof against that root and the spec.
fn root_of(proof: &CommitmentProof) -> Result<Vec<u8>, ProofError> {
    let exist = match &proof.proof {
        Some(Proof::Exist(exist)) => Some(exist),
        Some(Proof::Nonexist(nonexist)) => nonexist.left.as_ref().or(nonexist.right.as_ref()),
        _ => None,
    }
    .ok_or(ProofError::WrongKind)?;
    ics23::calculate_existence_root::<HostFunctionsManager>(exist).map_err(|e| ProofError::Decode {
        index: 0,
        message: e.to_string(),
    })
}

/// An `abci_query` answer, not yet verified.
#[derive(Debug, Clone)]
pub struct StoreQuery {
    pub height: u64,
    pub key: Vec<u8>,
    /// `None` when the server says the key holds nothing.
    pub value: Option<Vec<u8>>,
    pub proof_ops: Vec<ProofOp>,
}

/// Decodes the `result` of an `abci_query` with `prove=true`.
pub fn parse_store_query(result: &Value) -> Result<StoreQuery, LightClientError> {
    let response = result
        .get("response")
        .ok_or_else(|| LightClientError::malformed("abci_query", "no response"))?;
    let code = response.get("code").and_then(Value::as_u64).unwrap_or(0);
    if code != 0 {
        let log = response.get("log").and_then(Value::as_str).unwrap_or("");
        return Err(LightClientError::malformed(
            "abci_query",
            format!("code {code}: {log}"),
        ));
    }
    let b64 = |v: Option<&Value>, what: &'static str| -> Result<Vec<u8>, LightClientError> {
        match v.and_then(Value::as_str) {
            None | Some("") => Ok(Vec::new()),
            Some(s) => BASE64
                .decode(s)
                .map_err(|e| LightClientError::malformed(what, e)),
        }
    };
    let height = response
        .get("height")
        .and_then(Value::as_str)
        .and_then(|h| h.parse().ok())
        .ok_or_else(|| LightClientError::malformed("abci_query", "no height"))?;
    let value = b64(response.get("value"), "abci_query value")?;
    let ops = response
        .pointer("/proofOps/ops")
        .and_then(Value::as_array)
        .ok_or_else(|| LightClientError::malformed("abci_query", "no proof operations"))?;
    let proof_ops = ops
        .iter()
        .map(|op| {
            Ok(ProofOp {
                kind: op
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                key: b64(op.get("key"), "proof op key")?,
                data: b64(op.get("data"), "proof op data")?,
            })
        })
        .collect::<Result<Vec<_>, LightClientError>>()?;
    Ok(StoreQuery {
        height,
        key: b64(response.get("key"), "abci_query key")?,
        // The store never holds empty values (the SDK refuses them), so empty means absent.
        value: (!value.is_empty()).then_some(value),
        proof_ops,
    })
}
