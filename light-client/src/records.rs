//! Which storage key holds which poi record, and its decoding into the shared `poi-types`.
//!
//! The namespaces are the ones the contracts store under (`poi_types::{registry, consensus}::storage`);
//! the tests compute every key here with cw-storage-plus on the contracts' maps and compare.

use poi_types::consensus::{self, Ballot, Claim, Member, Settlement};
use poi_types::registry::{self, Asset, Verifier};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::LightClientError;
use crate::proof::{ProofError, StoreQuery, verify_wasm_store};
use crate::storage_key::map_key;
use tendermint_light_client_verifier::types::LightBlock;

/// A record a light client can read, named by what identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKey {
    /// Registry: an asset by id.
    Asset(u64),
    /// Registry: an approved verifier by its sha256 (lower-case hex).
    Verifier(String),
    /// Consensus: a claim by id.
    Claim(u64),
    /// Consensus: the id the next claim gets, which bounds the ids there are.
    NextClaimId,
    /// Consensus: the committee of a claim's round.
    Committee { claim: u64, round: u8 },
    /// Consensus: a committee member's ballot in a round.
    Ballot {
        claim: u64,
        round: u8,
        operator: String,
    },
    /// Consensus: what settling a final claim paid and slashed.
    Settlement(u64),
}

impl RecordKey {
    /// The key inside the contract's storage.
    pub fn storage_key(&self) -> Vec<u8> {
        match self {
            RecordKey::Asset(id) => map_key(registry::storage::ASSETS, &[&id.to_be_bytes()]),
            RecordKey::Verifier(hash) => map_key(registry::storage::VERIFIERS, &[hash.as_bytes()]),
            RecordKey::Claim(id) => map_key(consensus::storage::CLAIMS, &[&id.to_be_bytes()]),
            // An `Item` is stored under its namespace alone.
            RecordKey::NextClaimId => consensus::storage::NEXT_CLAIM_ID.as_bytes().to_vec(),
            RecordKey::Committee { claim, round } => map_key(
                consensus::storage::COMMITTEES,
                &[&claim.to_be_bytes(), &[*round]],
            ),
            RecordKey::Ballot {
                claim,
                round,
                operator,
            } => map_key(
                consensus::storage::BALLOTS,
                &[&claim.to_be_bytes(), &[*round], operator.as_bytes()],
            ),
            RecordKey::Settlement(id) => {
                map_key(consensus::storage::SETTLEMENTS, &[&id.to_be_bytes()])
            }
        }
    }

    pub fn what(&self) -> &'static str {
        match self {
            RecordKey::Asset(_) => "asset",
            RecordKey::Verifier(_) => "verifier",
            RecordKey::Claim(_) => "claim",
            RecordKey::NextClaimId => "claim counter",
            RecordKey::Committee { .. } => "committee",
            RecordKey::Ballot { .. } => "ballot",
            RecordKey::Settlement(_) => "settlement",
        }
    }

    pub fn id(&self) -> String {
        match self {
            RecordKey::Asset(id) | RecordKey::Claim(id) | RecordKey::Settlement(id) => {
                id.to_string()
            }
            RecordKey::Verifier(hash) => hash.clone(),
            RecordKey::NextClaimId => "next".into(),
            RecordKey::Committee { claim, round } => format!("{claim}/{round}"),
            RecordKey::Ballot {
                claim,
                round,
                operator,
            } => format!("{claim}/{round}/{operator}"),
        }
    }
}

/// Decodes a proven value: contracts store records as JSON.
pub fn decode<T: DeserializeOwned>(key: &RecordKey, value: &[u8]) -> Result<T, LightClientError> {
    serde_json::from_slice(value).map_err(|e| LightClientError::Decode {
        what: key.what(),
        message: e.to_string(),
    })
}

/// Where a verified read came from: the header it was proven against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The height the state was read at.
    pub height: u64,
    /// The app hash it was proven against, from the verified header at `height + 1`.
    pub app_hash: String,
    pub contract: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedAsset {
    pub asset: Asset,
    pub proof: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedVerifier {
    pub verifier: Verifier,
    pub proof: Provenance,
}

/// A page of claims, newest first, all proven at one height.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedClaims {
    pub claims: Vec<Claim>,
    /// How many claims there are (the proven counter less one).
    pub total: u64,
    /// The id to pass as `before` for the next page; none on the last one.
    pub next_before: Option<u64>,
    pub proof: Provenance,
}

/// A claim with the committee and ballots of each of its rounds, all proven at one height.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedClaim {
    pub claim: Claim,
    pub rounds: Vec<VerifiedRound>,
    /// What settling it paid and slashed; `None` is a proven absence (not final yet, or settled
    /// by a contract version that kept no record).
    pub settlement: Option<Settlement>,
    pub proof: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedRound {
    pub number: u8,
    pub committee: Vec<Member>,
    /// Each member's ballot; `None` is a proven absence (the member never committed).
    pub ballots: Vec<(String, Option<Ballot>)>,
}

/// The height whose state `trusted` proves: the one below it, whose app hash it carries.
pub fn read_height(trusted: &LightBlock) -> Result<u64, LightClientError> {
    trusted
        .height()
        .value()
        .checked_sub(1)
        .filter(|h| *h > 0)
        .ok_or_else(|| {
            LightClientError::malformed("trusted state", "sync past height 2 before reading")
        })
}

/// Checks a server's answer for the `wasm` store key `full_key` against the app hash of the
/// verified header `trusted`, returning the proven value (`None`: proven absent).
pub fn prove_read(
    trusted: &LightBlock,
    contract: &str,
    full_key: &[u8],
    answer: &StoreQuery,
) -> Result<(Option<Vec<u8>>, Provenance), LightClientError> {
    let height = read_height(trusted)?;
    if answer.height != height {
        return Err(LightClientError::malformed(
            "abci_query",
            format!("asked for height {height}, answered for {}", answer.height),
        ));
    }
    if answer.key != full_key {
        return Err(ProofError::WrongKey {
            asked: hex::encode(full_key),
            proven: hex::encode(&answer.key),
        }
        .into());
    }
    let app_hash = trusted.signed_header.header.app_hash.as_bytes();
    verify_wasm_store(
        app_hash,
        full_key,
        answer.value.as_deref(),
        &answer.proof_ops,
    )?;
    Ok((
        answer.value.clone(),
        Provenance {
            height,
            app_hash: hex::encode_upper(app_hash),
            contract: contract.to_string(),
        },
    ))
}
