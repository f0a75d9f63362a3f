//! JavaScript bindings (wasm-bindgen): the same verification code, with the page doing the
//! fetching. Every function takes and returns JSON strings; errors are thrown as `Error`s whose
//! message starts with the error kind (`BadSignature: …`).

use poi_types::consensus::{Ballot, Claim, Member};
use poi_types::registry::{Asset, Verifier};
use serde_json::{Value, json};
use tendermint::Time;
use tendermint_light_client_verifier::types::LightBlock;
use wasm_bindgen::prelude::*;

use crate::checkpoint::check_checkpoint;
use crate::error::LightClientError;
use crate::light_block::{
    ValidatorsPage, collect_validators, light_block, parse_signed_header, parse_validators_page,
    rpc_peer,
};
use crate::proof::parse_store_query;
use crate::records::{RecordKey, decode, prove_read, read_height};
use crate::storage_key::{canonical_address, contract_store_key};
use crate::store::TrustedState;
use crate::verifier::{StepFailure, TrustOptions, bisection_pivot, verify_step};

fn thrown(e: LightClientError) -> JsError {
    JsError::new(&format!("{}: {e}", e.kind()))
}

fn parse_json(what: &'static str, json: &str) -> Result<Value, JsError> {
    serde_json::from_str(json).map_err(|e| thrown(LightClientError::malformed(what, e)))
}

fn time_from_unix_ms(ms: f64) -> Result<Time, JsError> {
    let ms = ms as i64;
    Time::from_unix_timestamp(
        ms.div_euclid(1000),
        (ms.rem_euclid(1000) * 1_000_000) as u32,
    )
    .map_err(|e| thrown(LightClientError::malformed("time", e)))
}

fn to_json(value: &impl serde::Serialize) -> Result<String, JsError> {
    serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))
}

/// A light block from the JSON-RPC replies of `/commit` and every page of `/validators` at its
/// height and the next.
#[wasm_bindgen(js_name = lightBlockFromRpc)]
pub fn light_block_from_rpc(
    commit: &str,
    validator_pages: &str,
    next_validator_pages: &str,
) -> Result<String, JsError> {
    let signed_header = parse_signed_header(&parse_json("commit", commit)?).map_err(thrown)?;
    let pages = |json: &str| -> Result<Vec<ValidatorsPage>, JsError> {
        let replies = parse_json("validators", json)?;
        let replies = replies.as_array().cloned().unwrap_or_default();
        replies
            .iter()
            .map(|reply| parse_validators_page(reply).map_err(thrown))
            .collect()
    };
    let set = |pages: Vec<ValidatorsPage>| {
        let mut pages = pages.into_iter();
        collect_validators(|n| {
            pages.next().ok_or_else(|| {
                LightClientError::malformed("validators", format!("page {n} missing"))
            })
        })
        .map_err(thrown)
    };
    let validators = set(pages(validator_pages)?)?;
    let next_validators = set(pages(next_validator_pages)?)?;
    to_json(&light_block(
        signed_header,
        validators,
        next_validators,
        rpc_peer(),
    ))
}

/// Starts trusting `block` (from `lightBlockFromRpc`) if it hashes to `trustHash`; returns the
/// trusted state to keep (in localStorage). `options` is JSON
/// (`{"trust_threshold":[1,3],"trusting_period_secs":…,"clock_drift_secs":…}`), or absent for the
/// defaults.
#[wasm_bindgen(js_name = trustCheckpoint)]
pub fn trust_checkpoint(
    block: &str,
    trust_hash: &str,
    chain_id: Option<String>,
    options: Option<String>,
    primary: &str,
    witnesses: Vec<String>,
) -> Result<String, JsError> {
    let block: LightBlock = serde_json::from_str(block)
        .map_err(|e| thrown(LightClientError::malformed("light block", e)))?;
    check_checkpoint(&block, trust_hash, chain_id.as_deref()).map_err(thrown)?;
    let options: TrustOptions = match options {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| thrown(LightClientError::malformed("trust options", e)))?,
        None => TrustOptions::default(),
    };
    options.to_options().map_err(thrown)?;
    TrustedState {
        chain_id: block.signed_header.header.chain_id.to_string(),
        options,
        primary: primary.to_string(),
        witnesses,
        light_block: block,
    }
    .to_json()
    .map_err(thrown)
}

/// Verifies `untrusted` from the trusted state at `nowMs`. Returns
/// `{"status":"verified","state":…}` with the new state, or `{"status":"not_enough_trust",
/// "pivot":H}` when a header in between must be verified first.
#[wasm_bindgen(js_name = verifyHeader)]
pub fn verify_header(state: &str, untrusted: &str, now_ms: f64) -> Result<String, JsError> {
    let mut state = TrustedState::from_json(state).map_err(thrown)?;
    let untrusted: LightBlock = serde_json::from_str(untrusted)
        .map_err(|e| thrown(LightClientError::malformed("light block", e)))?;
    let options = state.options.to_options().map_err(thrown)?;
    let now = time_from_unix_ms(now_ms)?;
    match verify_step(&state.light_block, &untrusted, &options, now) {
        Ok(()) => {
            state.light_block = untrusted;
            to_json(&json!({ "status": "verified", "state": state }))
        }
        Err(StepFailure::NotEnoughTrust) => {
            let pivot =
                bisection_pivot(state.height(), untrusted.height().value()).ok_or_else(|| {
                    thrown(LightClientError::InvalidHeader {
                        height: untrusted.height().value(),
                        detail: "not enough trust in an adjacent header".into(),
                    })
                })?;
            to_json(&json!({ "status": "not_enough_trust", "pivot": pivot }))
        }
        Err(StepFailure::Invalid(e)) => Err(thrown(e)),
    }
}

/// Summary of a trusted state: chain, height, header hash, app hash, and the height reads are
/// proven at.
#[wasm_bindgen(js_name = describeState)]
pub fn describe_state(state: &str) -> Result<String, JsError> {
    let state = TrustedState::from_json(state).map_err(thrown)?;
    let header = &state.light_block.signed_header.header;
    to_json(&json!({
        "chain_id": state.chain_id,
        "height": state.height(),
        "time": header.time.to_rfc3339(),
        "header_hash": state.header_hash(),
        "app_hash": hex::encode_upper(header.app_hash.as_bytes()),
        "read_height": read_height(&state.light_block).ok(),
        "primary": state.primary,
        "witnesses": state.witnesses,
    }))
}

/// The header hash of a light block, to compare a witness's block with the verified one.
#[wasm_bindgen(js_name = headerHash)]
pub fn header_hash(block: &str) -> Result<String, JsError> {
    let block: LightBlock = serde_json::from_str(block)
        .map_err(|e| thrown(LightClientError::malformed("light block", e)))?;
    Ok(block.signed_header.header.hash().to_string())
}

fn record_key(
    kind: &str,
    id: &str,
    round: Option<u8>,
    operator: Option<String>,
) -> Result<RecordKey, JsError> {
    let number = || {
        id.parse::<u64>()
            .map_err(|e| thrown(LightClientError::malformed("record id", e)))
    };
    let round =
        || round.ok_or_else(|| thrown(LightClientError::malformed("record key", "round missing")));
    Ok(match kind {
        "asset" => RecordKey::Asset(number()?),
        "verifier" => RecordKey::Verifier(id.to_ascii_lowercase()),
        "claim" => RecordKey::Claim(number()?),
        "committee" => RecordKey::Committee {
            claim: number()?,
            round: round()?,
        },
        "ballot" => RecordKey::Ballot {
            claim: number()?,
            round: round()?,
            operator: operator.ok_or_else(|| {
                thrown(LightClientError::malformed(
                    "record key",
                    "operator missing",
                ))
            })?,
        },
        other => {
            return Err(thrown(LightClientError::malformed(
                "record kind",
                format!("{other} (expected asset, verifier, claim, committee or ballot)"),
            )));
        }
    })
}

/// The `wasm` store key (hex) to pass to `abci_query` for a record of `contract`.
#[wasm_bindgen(js_name = recordStoreKey)]
pub fn record_store_key(
    contract: &str,
    kind: &str,
    id: &str,
    round: Option<u8>,
    operator: Option<String>,
) -> Result<String, JsError> {
    let key = record_key(kind, id, round, operator)?;
    let canonical = canonical_address(contract).map_err(thrown)?;
    Ok(hex::encode(contract_store_key(
        &canonical,
        &key.storage_key(),
    )))
}

/// Proves the `abci_query` reply for a record against the trusted state and decodes it:
/// `{"record": … or null, "proof": {height, app_hash, contract}}`.
#[wasm_bindgen(js_name = proveRecord)]
pub fn prove_record(
    state: &str,
    contract: &str,
    kind: &str,
    id: &str,
    round: Option<u8>,
    operator: Option<String>,
    abci_reply: &str,
) -> Result<String, JsError> {
    let state = TrustedState::from_json(state).map_err(thrown)?;
    let key = record_key(kind, id, round, operator)?;
    let full_key = contract_store_key(
        &canonical_address(contract).map_err(thrown)?,
        &key.storage_key(),
    );
    let reply = parse_json("abci_query", abci_reply)?;
    let result = crate::light_block::rpc_result(&reply).map_err(thrown)?;
    let answer = parse_store_query(result).map_err(thrown)?;
    let (value, provenance) =
        prove_read(&state.light_block, contract, &full_key, &answer).map_err(thrown)?;
    // Decoding into the shared types checks the record's shape, not just that it is JSON.
    let record = match value {
        None => Value::Null,
        Some(bytes) => match &key {
            RecordKey::Asset(_) => typed::<Asset>(&key, &bytes)?,
            RecordKey::Verifier(_) => typed::<Verifier>(&key, &bytes)?,
            RecordKey::Claim(_) => typed::<Claim>(&key, &bytes)?,
            RecordKey::Committee { .. } => typed::<Vec<Member>>(&key, &bytes)?,
            RecordKey::Ballot { .. } => typed::<Ballot>(&key, &bytes)?,
        },
    };
    to_json(&json!({ "record": record, "proof": provenance }))
}

/// `bytes` decoded as a `T` record, as JSON for the page.
fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(
    key: &RecordKey,
    bytes: &[u8],
) -> Result<Value, JsError> {
    let record: T = decode(key, bytes).map_err(thrown)?;
    serde_json::to_value(record).map_err(|e| JsError::new(&e.to_string()))
}

/// The same step with tendermint's ProdVerifier, for the benchmark only.
#[cfg(feature = "bench-prod-verifier")]
#[wasm_bindgen(js_name = verifyHeaderProd)]
pub fn verify_header_prod(state: &str, untrusted: &str, now_ms: f64) -> Result<bool, JsError> {
    use tendermint_light_client_verifier::{ProdVerifier, Verdict, Verifier as _};
    let state = TrustedState::from_json(state).map_err(thrown)?;
    let untrusted: LightBlock = serde_json::from_str(untrusted)
        .map_err(|e| thrown(LightClientError::malformed("light block", e)))?;
    let options = state.options.to_options().map_err(thrown)?;
    let verdict = ProdVerifier::default().verify_update_header(
        untrusted.as_untrusted_state(),
        state.light_block.as_trusted_state(),
        &options,
        time_from_unix_ms(now_ms)?,
    );
    Ok(verdict == Verdict::Success)
}
