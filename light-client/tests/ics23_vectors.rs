//! The ICS23 test vectors (`tests/vectors/ics23`), run through the `ics23` crate the light
//! client proves storage with, using only its public API.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ics23::commitment_proof::Proof;
use ics23::{
    CommitmentProof, ExistenceProof, HostFunctionsManager, InnerOp, LeafOp, ProofSpec,
    calculate_existence_root,
};
use prost::Message as _;
use serde::Deserialize;
use serde::de::DeserializeOwned;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/ics23")
}

fn load<T: DeserializeOwned>(name: &str) -> T {
    let path = vectors().join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Base64 bytes; the vectors write `null` for a missing one.
fn b64(s: &Option<String>) -> Vec<u8> {
    s.as_deref()
        .map(|s| BASE64.decode(s).unwrap())
        .unwrap_or_default()
}

/// `{root, proof, key, value}` with hex fields; an empty value means a proof of absence.
#[derive(Deserialize)]
struct StoreVector {
    root: String,
    proof: String,
    key: String,
    value: String,
}

#[test]
fn iavl_smt_and_tendermint_proofs_verify_and_tampering_is_caught() {
    let specs = [
        ("iavl", ics23::iavl_spec()),
        ("smt", ics23::smt_spec()),
        ("tendermint", ics23::tendermint_spec()),
    ];
    let mut checked = 0;
    for (tree, spec) in &specs {
        for case in [
            "exist_left",
            "exist_middle",
            "exist_right",
            "nonexist_left",
            "nonexist_middle",
            "nonexist_right",
        ] {
            let v: StoreVector = load(&format!("{tree}/{case}.json"));
            let root = hex::decode(&v.root).unwrap();
            let key = hex::decode(&v.key).unwrap();
            let value = hex::decode(&v.value).unwrap();
            let proof = CommitmentProof::decode(hex::decode(&v.proof).unwrap().as_slice()).unwrap();
            let mut other_root = root.clone();
            other_root[0] ^= 1;
            if case.starts_with("exist") {
                assert!(
                    ics23::verify_membership::<HostFunctionsManager>(
                        &proof, spec, &root, &key, &value
                    ),
                    "{tree}/{case}"
                );
                let mut tampered = value.clone();
                tampered[0] ^= 1;
                assert!(!ics23::verify_membership::<HostFunctionsManager>(
                    &proof, spec, &root, &key, &tampered
                ));
                assert!(!ics23::verify_membership::<HostFunctionsManager>(
                    &proof,
                    spec,
                    &other_root,
                    &key,
                    &value
                ));
                assert!(!ics23::verify_non_membership::<HostFunctionsManager>(
                    &proof, spec, &root, &key
                ));
            } else {
                assert!(
                    ics23::verify_non_membership::<HostFunctionsManager>(&proof, spec, &root, &key),
                    "{tree}/{case}"
                );
                assert!(!ics23::verify_non_membership::<HostFunctionsManager>(
                    &proof,
                    spec,
                    &other_root,
                    &key
                ));
            }
            // A proof made for one tree's spec does not pass under another's.
            for (other_tree, other_spec) in &specs {
                if other_tree != tree && case.starts_with("exist") {
                    assert!(!ics23::verify_membership::<HostFunctionsManager>(
                        &proof, other_spec, &root, &key, &value
                    ));
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ExistenceVector {
    proof: ExistenceProof,
    is_err: bool,
    expected: Option<String>,
}

#[test]
fn existence_proofs_compute_the_recorded_roots() {
    let cases: BTreeMap<String, ExistenceVector> = load("TestExistenceProofData.json");
    assert_eq!(cases.len(), 6);
    for (name, case) in cases {
        let root = calculate_existence_root::<HostFunctionsManager>(&case.proof);
        match (root, case.is_err) {
            (Ok(root), false) => assert_eq!(Some(BASE64.encode(root)), case.expected, "{name}"),
            (Err(_), true) => {}
            (root, _) => panic!("{name}: got {root:?}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LeafVector {
    op: LeafOp,
    key: Option<String>,
    value: Option<String>,
    is_err: bool,
    expected: Option<String>,
}

/// The root of a proof with no inner steps is the leaf operation applied to key and value.
fn apply_leaf(op: &LeafOp, key: &[u8], value: &[u8]) -> ics23::Result<Vec<u8>> {
    let proof = ExistenceProof {
        key: key.to_vec(),
        value: value.to_vec(),
        leaf: Some(op.clone()),
        path: vec![],
    };
    calculate_existence_root::<HostFunctionsManager>(&proof)
}

#[test]
fn leaf_operations_hash_to_the_recorded_values() {
    let cases: BTreeMap<String, LeafVector> = load("TestLeafOpData.json");
    assert_eq!(cases.len(), 11);
    for (name, case) in cases {
        match (
            apply_leaf(&case.op, &b64(&case.key), &b64(&case.value)),
            case.is_err,
        ) {
            (Ok(hash), false) => assert_eq!(Some(BASE64.encode(hash)), case.expected, "{name}"),
            (Err(_), true) => {}
            (hash, _) => panic!("{name}: got {hash:?}"),
        }
    }
}

/// A leaf that hashes nothing passes `prefix ‖ key ‖ value` through unchanged, which lets the
/// public API apply an inner operation to any child of two bytes or more.
fn apply_inner(op: &InnerOp, child: &[u8]) -> ics23::Result<Vec<u8>> {
    let split = child.len().saturating_sub(2);
    let proof = ExistenceProof {
        key: child.get(split..split + 1).unwrap_or_default().to_vec(),
        value: child.get(split + 1..).unwrap_or_default().to_vec(),
        leaf: Some(LeafOp {
            prefix: child[..split].to_vec(),
            ..LeafOp::default()
        }),
        path: vec![op.clone()],
    };
    calculate_existence_root::<HostFunctionsManager>(&proof)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InnerVector {
    op: InnerOp,
    child: Option<String>,
    is_err: bool,
    expected: Option<String>,
}

#[test]
fn inner_operations_hash_to_the_recorded_values() {
    let cases: BTreeMap<String, InnerVector> = load("TestInnerOpData.json");
    for (name, case) in cases {
        match (apply_inner(&case.op, &b64(&case.child)), case.is_err) {
            (Ok(hash), false) => assert_eq!(Some(BASE64.encode(hash)), case.expected, "{name}"),
            (Err(_), true) => {}
            (hash, _) => panic!("{name}: got {hash:?}"),
        }
    }
}

#[derive(Deserialize)]
struct HashVector {
    #[serde(rename = "HashOp")]
    hash_op: i32,
    #[serde(alias = "PreImage", rename = "Preimage")]
    preimage: String,
    #[serde(rename = "ExpectedHash")]
    expected: String,
}

#[test]
fn every_hash_operation_gives_the_recorded_digest() {
    let cases: BTreeMap<String, HashVector> = load("TestDoHashData.json");
    for (name, case) in cases {
        // A leaf with no prefix, no prehashing and no length prefix hashes `key ‖ value`.
        let preimage = case.preimage.as_bytes();
        let op = LeafOp {
            hash: case.hash_op,
            ..LeafOp::default()
        };
        let hash = apply_leaf(&op, &preimage[..1], &preimage[1..]).unwrap();
        assert_eq!(hex::encode(hash), case.expected, "{name}");
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SpecVector {
    proof: ExistenceProof,
    spec: ProofSpec,
    err: String,
}

#[test]
fn proofs_are_checked_against_their_spec() {
    let cases: BTreeMap<String, SpecVector> = load("TestCheckAgainstSpecData.json");
    assert_eq!(cases.len(), 11);
    for (name, case) in cases {
        let accepted =
            calculate_existence_root::<HostFunctionsManager>(&case.proof).is_ok_and(|root| {
                let key = case.proof.key.clone();
                let value = case.proof.value.clone();
                let proof = CommitmentProof {
                    proof: Some(Proof::Exist(case.proof)),
                };
                ics23::verify_membership::<HostFunctionsManager>(
                    &proof, &case.spec, &root, &key, &value,
                )
            });
        assert_eq!(
            accepted,
            case.err.is_empty(),
            "{name}: expected error {:?}",
            case.err
        );
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LeafSpecVector {
    leaf: LeafOp,
    spec: ics23::LeafOp,
    is_err: bool,
}

#[test]
fn leaves_are_checked_against_the_leaf_spec() {
    let cases: BTreeMap<String, LeafSpecVector> = load("TestCheckLeafData.json");
    assert_eq!(cases.len(), 10);
    for (name, case) in cases {
        // A one-leaf tree under a spec whose leaf spec is the vector's.
        let (key, value) = (b"food".to_vec(), b"bar".to_vec());
        let proof = ExistenceProof {
            key: key.clone(),
            value: value.clone(),
            leaf: Some(case.leaf),
            path: vec![],
        };
        let accepted = calculate_existence_root::<HostFunctionsManager>(&proof).is_ok_and(|root| {
            let spec = ProofSpec {
                leaf_spec: Some(case.spec),
                inner_spec: Some(ics23::InnerSpec::default()),
                ..ProofSpec::default()
            };
            let proof = CommitmentProof {
                proof: Some(Proof::Exist(proof)),
            };
            ics23::verify_membership::<HostFunctionsManager>(&proof, &spec, &root, &key, &value)
        });
        assert_eq!(accepted, !case.is_err, "{name}");
    }
}
