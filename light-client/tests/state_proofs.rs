//! State proofs on answers captured from a local wasmd chain (tests/fixtures: an `abci_query` for
//! registry asset 1, which exists, and asset 2, which does not, at height 12; the commit of height
//! 13, whose header carries the app hash). Every way of bending an answer must be refused.

use poi_light_client::proof::{ProofError, StoreQuery, parse_store_query, verify_wasm_store};
use poi_light_client::records::{RecordKey, decode};
use poi_light_client::storage_key::{canonical_address, contract_store_key};
use poi_types::registry::Asset;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn app_hash() -> Vec<u8> {
    let commit = fixture("commit.json");
    let hex = commit["result"]["signed_header"]["header"]["app_hash"]
        .as_str()
        .unwrap();
    hex::decode(hex).unwrap()
}

fn key_of(asset: u64) -> Vec<u8> {
    let registry = fixture("chain.json")["registry"]
        .as_str()
        .unwrap()
        .to_string();
    contract_store_key(
        &canonical_address(&registry).unwrap(),
        &RecordKey::Asset(asset).storage_key(),
    )
}

fn answer(asset: u64) -> StoreQuery {
    parse_store_query(&fixture(&format!("abci-asset-{asset}.json"))["result"]).unwrap()
}

fn check(key: &[u8], answer: &StoreQuery) -> Result<(), ProofError> {
    verify_wasm_store(&app_hash(), key, answer.value.as_deref(), &answer.proof_ops)
}

#[test]
fn an_existing_asset_is_proven_and_decodes() {
    let answer = answer(1);
    assert_eq!(answer.key, key_of(1));
    check(&key_of(1), &answer).unwrap();
    let asset: Asset = decode(&RecordKey::Asset(1), answer.value.as_ref().unwrap()).unwrap();
    assert_eq!(asset.id, 1);
}

#[test]
fn a_missing_asset_is_proven_absent() {
    let answer = answer(2);
    assert_eq!(answer.value, None);
    check(&key_of(2), &answer).unwrap();
}

#[test]
fn a_tampered_value_is_refused() {
    let mut answer = answer(1);
    let value = answer.value.as_mut().unwrap();
    *value.last_mut().unwrap() ^= 1;
    assert_eq!(check(&key_of(1), &answer), Err(ProofError::IavlMismatch));
}

#[test]
fn claiming_a_present_value_is_absent_or_an_absent_one_present_is_refused() {
    let mut hidden = answer(1);
    hidden.value = None;
    assert_eq!(check(&key_of(1), &hidden), Err(ProofError::WrongKind));
    let mut invented = answer(2);
    invented.value = Some(b"{}".to_vec());
    assert_eq!(check(&key_of(2), &invented), Err(ProofError::WrongKind));
}

#[test]
fn a_proof_for_another_key_is_refused() {
    // The proof of asset 2's absence, offered for asset 1.
    assert!(matches!(
        check(&key_of(1), &answer(2)),
        Err(ProofError::WrongKey { .. })
    ));
    // The right proof with its key relabelled.
    let mut relabelled = answer(2);
    relabelled.proof_ops[0].key = key_of(1);
    assert!(matches!(
        check(&key_of(1), &relabelled),
        Err(ProofError::WrongKey { .. })
    ));
}

#[test]
fn a_proof_against_another_app_hash_is_refused() {
    let answer = answer(1);
    let mut other = app_hash();
    other[0] ^= 1;
    assert_eq!(
        verify_wasm_store(
            &other,
            &key_of(1),
            answer.value.as_deref(),
            &answer.proof_ops
        ),
        Err(ProofError::AppHashMismatch)
    );
}

#[test]
fn malformed_proof_operations_are_refused() {
    let good = answer(1);
    let key = key_of(1);

    let mut missing = good.clone();
    missing.proof_ops.pop();
    assert_eq!(check(&key, &missing), Err(ProofError::OpCount(1)));

    let mut swapped = good.clone();
    swapped.proof_ops.swap(0, 1);
    assert!(matches!(
        check(&key, &swapped),
        Err(ProofError::OpType { index: 0, .. })
    ));

    let mut truncated = good.clone();
    let len = truncated.proof_ops[0].data.len();
    truncated.proof_ops[0].data.truncate(len / 2);
    assert!(matches!(
        check(&key, &truncated),
        Err(ProofError::Decode { index: 0, .. })
    ));

    let mut store_renamed = good.clone();
    store_renamed.proof_ops[1].key = b"bank".to_vec();
    assert!(matches!(
        check(&key, &store_renamed),
        Err(ProofError::WrongKey { .. })
    ));
}
