//! The consensus contract: inference claims, committees, commit-reveal votes and verdicts.
//!
//! A claim says "model M, run by verifier V on these inputs, gives this output". A committee of
//! operators drawn by stake re-runs it and votes in two steps: first a commitment
//! `sha256(vote ‖ operator ‖ salt)`, then the vote and salt. The vote is the operator's own
//! recomputed output hash, so it cannot be made without the computation, and a commitment copied
//! from another operator does not open for the copier (its address is inside the hash).

use cosmwasm_schema::{QueryResponses, cw_serde};
use cosmwasm_std::{Addr, Binary, Uint128};
use sha2::{Digest, Sha256};

use crate::ContentHash;
use crate::staking::SlashDestination;

pub const BPS: u16 = 10_000;
/// The largest first-round committee. With [`MAX_ESCALATION_SIZE`] it bounds the cost of the
/// settlement, which judges every member of both rounds (see docs/benchmarks.md).
pub const MAX_COMMITTEE_SIZE: u32 = 64;
/// The largest dispute committee.
pub const MAX_ESCALATION_SIZE: u32 = 128;
/// Most operators one committee draw reads from the staking contract.
pub const MAX_CANDIDATES: u32 = 256;
pub const MAX_INPUTS: usize = 16;
pub const MAX_AUDITORS: usize = 16;
/// Longest commit, reveal or dispute window, in blocks.
pub const MAX_WINDOW: u64 = 100_000;
/// Salts are at least this long, so a vote cannot be found by trying the few possible outputs.
pub const MIN_SALT_LEN: usize = 16;
pub const MAX_SALT_LEN: usize = 64;
pub const MAX_PAGE_LIMIT: u32 = 100;
pub const DEFAULT_PAGE_LIMIT: u32 = 30;

/// How an input's bytes encode its tensor, named in the claim: the verifier's own enum, so the
/// names, codes and extension rule exist once (`poi-verifier-abi`).
pub use poi_verifier_abi::InputFormat;

/// What a claim stored before v0.2 (without a format) reads as until `migrate` has rewritten it
/// with the format its URI's extension gives.
fn input_format_before_v0_2() -> InputFormat {
    InputFormat::Npy
}

/// An input the model was run on: its name in the model's signature, its sha256, where to get it
/// and how it is encoded.
#[cw_serde]
pub struct InputRef {
    pub name: String,
    pub sha256: ContentHash,
    pub uri: String,
    #[serde(default = "input_format_before_v0_2")]
    pub format: InputFormat,
}

/// What the claimant says the model produced.
#[cw_serde]
pub struct ClaimedOutput {
    /// sha256 of the canonical output encoding (see the verifier's determinism contract).
    pub output_hash: ContentHash,
    /// Where the output tensors are; required when the model's policy is `tolerance`, so that
    /// committee members can compare their own output with it.
    pub output_uri: Option<String>,
}

/// A committee member's vote.
#[cw_serde]
#[derive(Eq)]
pub enum Vote {
    /// Policy `exact`: the output hash the operator computed itself. It agrees with the claim when
    /// it equals the claimed hash.
    Exact { output_hash: ContentHash },
    /// Policy `tolerance`: whether the operator's own output is within tolerance of the claimed
    /// output, and the hash of the output it computed.
    Tolerance {
        accept: bool,
        output_hash: ContentHash,
    },
}

impl Vote {
    /// Whether this vote says the claimed output is right.
    pub fn agrees_with(&self, claimed: &ContentHash) -> bool {
        match self {
            Vote::Exact { output_hash } => output_hash == claimed,
            Vote::Tolerance { accept, .. } => *accept,
        }
    }

    /// The bytes a commitment covers: a tag, then the fields in a fixed layout.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        match self {
            Vote::Exact { output_hash } => [&[0u8][..], &output_hash.to_bytes()].concat(),
            Vote::Tolerance {
                accept,
                output_hash,
            } => [&[1u8, u8::from(*accept)][..], &output_hash.to_bytes()].concat(),
        }
    }

    /// `sha256(vote ‖ operator ‖ salt)`: what a member commits before revealing.
    pub fn commitment(&self, operator: &str, salt: &[u8]) -> ContentHash {
        let mut hasher = Sha256::new();
        hasher.update(self.canonical_bytes());
        hasher.update(operator.as_bytes());
        hasher.update(salt);
        ContentHash::from_bytes(hasher.finalize().into())
    }
}

/// The seal an auditor puts on its claims: `sha256([1 if canary else 0] ‖ salt)`. Operators cannot
/// tell a canary from a genuine audit claim until the auditor opens the seal at finalisation.
pub fn canary_seal(canary: bool, salt: &[u8]) -> ContentHash {
    let mut hasher = Sha256::new();
    hasher.update([u8::from(canary)]);
    hasher.update(salt);
    ContentHash::from_bytes(hasher.finalize().into())
}

/// How a round ended.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum Verdict {
    /// A quorum of committee stake reproduced the claimed output.
    Accepted,
    /// A quorum of committee stake disagreed with it (or it was a canary).
    Rejected,
    /// Neither side reached quorum: fee and bond go back, no-shows are slashed.
    Inconclusive,
}

#[cw_serde]
#[derive(Copy, Eq)]
pub enum ClaimStatus {
    /// A committee is committing, then revealing (see the round's windows).
    Voting,
    /// The first round's verdict stands unless someone disputes it before `dispute_end`.
    Decided,
    /// Re-opened before a larger committee; its verdict is final.
    Disputed,
    /// Settled: fee, bond and dispute bond paid out.
    Final,
}

impl ClaimStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Voting => "voting",
            ClaimStatus::Decided => "decided",
            ClaimStatus::Disputed => "disputed",
            ClaimStatus::Final => "final",
        }
    }
}

/// One round of voting: its committee is stored separately under (claim, round).
#[cw_serde]
pub struct Round {
    /// 1 for the first round, 2 for a dispute.
    pub number: u8,
    /// Committee stake is read at the start of this block.
    pub snapshot_height: u64,
    /// Commitments are accepted in blocks `[start_height, commit_end)`.
    pub start_height: u64,
    pub commit_end: u64,
    /// Reveals are accepted in blocks `[commit_end, reveal_end)`.
    pub reveal_end: u64,
    pub committee_stake: Uint128,
    pub agree_stake: Uint128,
    pub disagree_stake: Uint128,
    pub verdict: Option<Verdict>,
    /// The block the round was ended in; before `reveal_end` when a quorum ended it early, and
    /// then members that had not revealed yet are not counted as absent.
    pub ended_height: Option<u64>,
}

#[cw_serde]
pub struct Dispute {
    pub disputer: Addr,
    pub bond: Uint128,
    pub height: u64,
}

/// A claim as stored under `claims` (key: big-endian `u64` id, value: JSON), the record the light
/// client proves.
#[cw_serde]
pub struct Claim {
    pub id: u64,
    pub claimant: Addr,
    pub model_id: u64,
    /// The model's content hash when the claim was made.
    pub model_hash: ContentHash,
    pub verifier_hash: ContentHash,
    pub inputs: Vec<InputRef>,
    pub output: ClaimedOutput,
    /// Whether the model's policy was `tolerance` (else `exact`) when the claim was made.
    pub tolerance: bool,
    /// The model's price per use, paid to it and its lineage if the claim is accepted.
    pub price: Uint128,
    /// Paid to the voters who were right.
    pub reward: Uint128,
    pub bond: Uint128,
    /// Present on an auditor's claims until finalisation opens it.
    pub seal: Option<ContentHash>,
    /// Set when the auditor opened the seal.
    pub canary: Option<bool>,
    pub status: ClaimStatus,
    /// The verdict that counts: the first round's, or the dispute round's once it ends.
    pub verdict: Option<Verdict>,
    pub rounds: Vec<Round>,
    /// Blocks `[decided, dispute_end)` accept a dispute.
    pub dispute_end: Option<u64>,
    pub dispute: Option<Dispute>,
    pub submitted_height: u64,
}

impl Claim {
    pub fn round(&self) -> &Round {
        self.rounds.last().expect("a claim has at least one round")
    }
}

/// A committee member and the stake its vote weighs.
#[cw_serde]
pub struct Member {
    pub operator: Addr,
    pub stake: Uint128,
}

/// A member's vote in one round.
#[cw_serde]
pub struct Ballot {
    pub operator: Addr,
    pub commitment: Option<ContentHash>,
    pub vote: Option<Vote>,
}

/// What an operator has done over all claims.
#[cw_serde]
#[derive(Default)]
pub struct OperatorRecord {
    pub committees: u64,
    pub reveals: u64,
    /// Reveals on the side of the round's verdict.
    pub agreements: u64,
    pub slashes: u64,
    pub no_shows: u64,
}

/// Why a settlement moved an amount.
#[cw_serde]
#[derive(Eq)]
pub enum PayoutReason {
    /// The model's price, to the model's owner or to an asset of its lineage (the registry's
    /// revenue split).
    ModelFee { asset_id: u64 },
    /// The claim's reward, to a voter on the verdict's side (through the staking contract, which
    /// shares it between the operator and its delegators).
    VoterReward,
    /// The voters' part of a forfeited bond (the claimant's or a disputer's), the same way.
    ForfeitToVoters,
    /// The rest of a forfeited bond, to the forfeit destination.
    Forfeit,
    /// Back to the claimant: the price, reward or bond the verdict does not pay out.
    Refund,
    /// A dispute bond back to the disputer.
    DisputeBondReturned,
}

/// One amount a settlement paid out.
#[cw_serde]
#[derive(Eq)]
pub struct Transfer {
    /// The recipient; `None` when the amount was burned.
    pub to: Option<Addr>,
    pub amount: Uint128,
    pub reason: PayoutReason,
}

/// A slash a settlement ordered from the staking contract.
#[cw_serde]
#[derive(Eq)]
pub struct SlashOrder {
    pub operator: Addr,
    /// The round whose vote (or absence) it is for.
    pub round: u8,
    pub bps: u16,
    pub reason: String,
    /// The staking contract refused it (the operator's stake was no longer at risk): nothing was
    /// cut.
    pub refused: bool,
}

/// What settling a claim paid and slashed, stored under [`storage::SETTLEMENTS`] (key: big-endian
/// `u64` claim id, value: JSON) when the claim becomes final: the record a light client proves to
/// show where a claim's money went. The transfers add up to everything the claim held: price,
/// reward, bond and any dispute bond.
#[cw_serde]
pub struct Settlement {
    pub claim_id: u64,
    pub height: u64,
    pub verdict: Verdict,
    pub transfers: Vec<Transfer>,
    pub slashes: Vec<SlashOrder>,
}

#[cw_serde]
pub struct Params {
    /// Members of a first-round committee.
    pub committee_size: u32,
    /// Members of a dispute committee; larger than `committee_size`.
    pub escalation_committee_size: u32,
    /// Operators one draw reads from the staking contract, from a random point in address order.
    pub max_candidates: u32,
    /// Stake that must reveal the same side, in bps of committee stake (over 5000).
    pub quorum_bps: u16,
    pub commit_window: u64,
    pub reveal_window: u64,
    /// Least verification reward a claim pays its committee, on top of the model's price.
    pub fee_floor: Uint128,
    pub claimant_bond: Uint128,
    pub wrong_vote_slash_bps: u16,
    pub no_show_slash_bps: u16,
    pub dispute_window: u64,
    pub dispute_bond: Uint128,
    /// Part of a forfeited bond paid to the voters who were right; the rest goes to
    /// `forfeit_destination`.
    pub forfeit_to_voters_bps: u16,
    pub forfeit_destination: SlashDestination,
    /// Accounts that may submit sealed (possibly canary) claims.
    pub auditors: Vec<Addr>,
}

/// The admin, who changes parameters and contracts, is kept apart as `cw_controllers::Admin`:
/// query it with `QueryMsg::Admin`.
#[cw_serde]
pub struct Config {
    pub registry: Addr,
    pub staking: Addr,
    /// The service this contract slashes for in the staking contract: committees are drawn from
    /// the stake allocated to it.
    pub service_id: u32,
    /// Fees, bonds and rewards are paid in this denom (the staking bond denom).
    pub denom: String,
}

/// Parameters as sent: addresses unchecked.
#[cw_serde]
pub struct ParamsMsg {
    pub committee_size: u32,
    pub escalation_committee_size: u32,
    pub max_candidates: u32,
    pub quorum_bps: u16,
    pub commit_window: u64,
    pub reveal_window: u64,
    pub fee_floor: Uint128,
    pub claimant_bond: Uint128,
    pub wrong_vote_slash_bps: u16,
    pub no_show_slash_bps: u16,
    pub dispute_window: u64,
    pub dispute_bond: Uint128,
    pub forfeit_to_voters_bps: u16,
    pub forfeit_destination: SlashDestination,
    pub auditors: Vec<String>,
}

#[cw_serde]
pub struct InstantiateMsg {
    /// Defaults to the instantiating account.
    pub admin: Option<String>,
    pub registry: String,
    pub staking: String,
    /// The staking contract's service whose slasher this contract is.
    pub service_id: u32,
    pub denom: String,
    pub params: ParamsMsg,
}

/// Everything a claim states; the attached funds pay the model's price, the reward and the bond.
#[cw_serde]
pub struct NewClaim {
    pub model_id: u64,
    pub verifier_hash: String,
    pub inputs: Vec<InputRef>,
    pub output: ClaimedOutput,
    /// Auditors only: `canary_seal(canary, salt)`.
    pub seal: Option<String>,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Pay `price + reward + bond` in the denom (the reward at least the fee floor) and open a
    /// claim; the committee is drawn at once. The id is in the `claim_id` event attribute.
    SubmitClaim(NewClaim),
    /// Committee members, in the commit window: `commitment = Vote::commitment(operator, salt)`.
    CommitVote {
        claim_id: u64,
        commitment: String,
    },
    /// Committee members, in the reveal window: the vote and salt the commitment was made of.
    RevealVote {
        claim_id: u64,
        vote: Vote,
        salt: Binary,
    },
    /// The auditor opens the seal of its claim, after the reveal window.
    OpenSeal {
        claim_id: u64,
        canary: bool,
        salt: Binary,
    },
    /// Anyone: ends the current round after its reveal window (or early once a quorum revealed the
    /// same side), or settles a decided claim whose dispute window has passed.
    Finalize {
        claim_id: u64,
    },
    /// Anyone, in the dispute window, bonding the dispute bond: re-open a decided claim before a
    /// larger committee.
    Dispute {
        claim_id: u64,
    },
    /// Admin only; every field is checked against its bounds.
    UpdateParams(ParamsMsg),
    /// Admin only: point at new registry or staking contracts (fields left out stay). Claims already
    /// open keep their committees; their settlement uses the contracts configured then.
    UpdateContracts {
        registry: Option<String>,
        staking: Option<String>,
        /// The service in the (new) staking contract this contract slashes for.
        service_id: Option<u32>,
    },
    UpdateAdmin {
        admin: Option<String>,
    },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    /// Who changes parameters and contracts; none once renounced.
    #[returns(cw_controllers::AdminResponse)]
    Admin {},
    #[returns(Params)]
    Params {},
    #[returns(Claim)]
    Claim { id: u64 },
    /// Claims in id order, optionally only those with one status, model or claimant.
    #[returns(ClaimsResponse)]
    Claims {
        status: Option<ClaimStatus>,
        model_id: Option<u64>,
        claimant: Option<String>,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// The committee of a round (the latest if `round` is left out).
    #[returns(CommitteeResponse)]
    Committee { claim_id: u64, round: Option<u8> },
    /// Ballots of a round; votes show once the reveal window has ended or the round is over.
    #[returns(BallotsResponse)]
    Ballots { claim_id: u64, round: Option<u8> },
    #[returns(OperatorRecord)]
    OperatorRecord { operator: String },
    /// What settling the claim paid and slashed; `null` until it is final.
    #[returns(Option<Settlement>)]
    Settlement { claim_id: u64 },
}

#[cw_serde]
pub struct MigrateMsg {}

#[cw_serde]
pub struct ClaimsResponse {
    pub claims: Vec<Claim>,
}

#[cw_serde]
pub struct CommitteeResponse {
    pub round: u8,
    pub members: Vec<Member>,
}

#[cw_serde]
pub struct BallotsResponse {
    pub round: u8,
    pub ballots: Vec<Ballot>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(byte: u8) -> ContentHash {
        ContentHash::from_bytes([byte; 32])
    }

    #[test]
    fn a_commitment_binds_the_vote_the_operator_and_the_salt() {
        let vote = Vote::Exact {
            output_hash: hash(1),
        };
        let c = vote.commitment("wasm1alice", b"0123456789abcdef");
        assert_eq!(c, vote.commitment("wasm1alice", b"0123456789abcdef"));
        assert_ne!(c, vote.commitment("wasm1bob", b"0123456789abcdef"));
        assert_ne!(c, vote.commitment("wasm1alice", b"0123456789abcdeF"));
        let other = Vote::Exact {
            output_hash: hash(2),
        };
        assert_ne!(c, other.commitment("wasm1alice", b"0123456789abcdef"));
    }

    #[test]
    fn an_input_format_is_kept_in_a_claim_by_its_name() {
        let json = cosmwasm_std::to_json_string(&InputFormat::Json).unwrap();
        assert_eq!(json, "\"json\"");
    }

    #[test]
    fn tolerance_votes_differ_by_their_verdict_and_from_exact_votes() {
        let accept = Vote::Tolerance {
            accept: true,
            output_hash: hash(1),
        };
        let reject = Vote::Tolerance {
            accept: false,
            output_hash: hash(1),
        };
        let exact = Vote::Exact {
            output_hash: hash(1),
        };
        let bytes = [
            accept.canonical_bytes(),
            reject.canonical_bytes(),
            exact.canonical_bytes(),
        ];
        assert_ne!(bytes[0], bytes[1]);
        assert_ne!(bytes[0], bytes[2]);
        assert!(accept.agrees_with(&hash(9)) && !reject.agrees_with(&hash(1)));
        assert!(exact.agrees_with(&hash(1)) && !exact.agrees_with(&hash(2)));
    }
}

/// Storage namespaces of the consensus contract's records that clients read from raw contract
/// storage (the light client proves them against the app hash). Renaming one is a storage
/// migration.
pub mod storage {
    /// Claims by id (a cw-storage-plus `IndexedMap`, big-endian `u64` keys, JSON values).
    pub const CLAIMS: &str = "claims";
    /// The committee of each round, keyed by (claim id, round number).
    pub const COMMITTEES: &str = "committees";
    /// Ballots keyed by (claim id, round number, operator address).
    pub const BALLOTS: &str = "ballots";
    /// The id the next claim gets (a cw-storage-plus `Item<u64>`, JSON); ids start at 1, so the
    /// claims are 1 up to one below it.
    pub const NEXT_CLAIM_ID: &str = "next_claim_id";
    /// The [`super::Settlement`] of each final claim, by claim id (big-endian `u64` keys, JSON).
    pub const SETTLEMENTS: &str = "settlements";
}

/// Keys of the `wasm` event attributes clients read from the consensus contract's transactions.
pub mod events {
    /// The claim a transaction is about (submit, commit, reveal, finalise, dispute, slash).
    pub const CLAIM_ID: &str = "claim_id";
    /// The drawn committee of a new round: operator addresses joined by commas.
    pub const COMMITTEE: &str = "committee";
    /// The verdict of a first round.
    pub const VERDICT: &str = "verdict";
    /// The verdict a claim settles with, after its dispute window or round.
    pub const FINAL_VERDICT: &str = "final_verdict";
}
