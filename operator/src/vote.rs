//! What the operator votes, and why: the protocol's answer for every outcome of re-running a
//! claim. docs/operator.md explains each case.
//!
//! The vote is always the operator's own: an output hash it computed, or — when the claim cannot
//! be verified as stated — a rejection naming the reason. It is never the claimed hash copied.

use poi_content::ContentError;
use poi_recheck::ReexecutionError;
use poi_types::ContentHash;
use poi_types::consensus::{Claim, Vote};
use poi_verifier_host::HostError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Why a claim cannot be verified as stated. Each is the claimant's doing (or the model's), the
/// same for every honest operator, and so a reason to reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unverifiable {
    /// Bytes fetched for the model, an input or the claimed output do not have the committed hash.
    HashMismatch,
    /// The content could not be fetched, after retries.
    Unavailable,
    /// The content is named by a URI scheme no operator is required to fetch.
    UnsupportedUri,
    /// The verifier refused the model or inputs (malformed, unsupported, over the protocol's
    /// limits) or trapped running them.
    VerifierRefused,
    /// The run used up the protocol's metering budget.
    OutOfPoints,
    /// A tolerance claim without its claimed output.
    NoClaimedOutput,
    /// The claimed output has its committed hash but is not a canonical output encoding.
    MalformedClaimedOutput,
}

impl Unverifiable {
    pub fn as_str(self) -> &'static str {
        match self {
            Unverifiable::HashMismatch => "hash_mismatch",
            Unverifiable::Unavailable => "unavailable",
            Unverifiable::UnsupportedUri => "unsupported_uri",
            Unverifiable::VerifierRefused => "verifier_refused",
            Unverifiable::OutOfPoints => "out_of_points",
            Unverifiable::NoClaimedOutput => "no_claimed_output",
            Unverifiable::MalformedClaimedOutput => "malformed_claimed_output",
        }
    }

    /// The output hash a rejection for this reason carries: the same for every operator, and no
    /// canonical output encoding hashes to it.
    pub fn rejection_hash(self) -> ContentHash {
        let digest = Sha256::digest(format!("poi-operator/unverifiable/v1/{}", self.as_str()));
        ContentHash::from_bytes(digest.into())
    }
}

/// What a vote rests on, kept in the store and shown by `poi operator status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Basis {
    /// The verifier ran; `output_hash` is what it computed.
    Computed {
        output_hash: String,
        /// Tolerance claims: whether the claimed output is within tolerance of ours.
        within_tolerance: Option<bool>,
    },
    Unverifiable {
        reason: Unverifiable,
        detail: String,
    },
    /// Given by a person with `poi consensus commit`, who computed it themselves.
    Manual,
}

/// The operator's decision on one committee seat.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Vote {
        vote: Vote,
        basis: Basis,
    },
    /// No vote: the problem is this operator's, not the claim's (its own limits are below the
    /// protocol's, or it cannot get the approved verifier). It will be counted as absent.
    Abstain {
        reason: String,
    },
}

/// The vote for a successful run: `ours` is the computed output hash; `within` is the tolerance
/// comparison for tolerance claims.
pub fn computed(claim: &Claim, ours: ContentHash, within: Option<bool>) -> Decision {
    let vote = match (claim.tolerance, within) {
        (true, Some(accept)) => Vote::Tolerance {
            accept,
            output_hash: ours.clone(),
        },
        // Callers compare before voting on a tolerance claim; without a comparison there is no
        // honest accept, so the function stays total by rejecting.
        (true, None) => return unverifiable(claim, Unverifiable::NoClaimedOutput, "no comparison"),
        (false, _) => Vote::Exact {
            output_hash: ours.clone(),
        },
    };
    Decision::Vote {
        vote,
        basis: Basis::Computed {
            output_hash: ours.to_string(),
            within_tolerance: within,
        },
    }
}

/// The rejection of a claim that cannot be verified as stated.
pub fn unverifiable(claim: &Claim, reason: Unverifiable, detail: impl ToString) -> Decision {
    let output_hash = reason.rejection_hash();
    let vote = if claim.tolerance {
        Vote::Tolerance {
            accept: false,
            output_hash,
        }
    } else {
        Vote::Exact { output_hash }
    };
    Decision::Vote {
        vote,
        basis: Basis::Unverifiable {
            reason,
            detail: detail.to_string(),
        },
    }
}

/// Where the limit a run or fetch ran into was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitOrigin {
    /// The protocol's own (the verifier's defaults): every honest operator hits it too.
    Protocol,
    /// Lower than the protocol's, in this operator's config.
    Operator,
}

/// The decision when re-running failed with `error`. `model_limit` and `points_limit` say whose
/// limits a size or metering failure ran into.
pub fn on_error(
    claim: &Claim,
    error: &ReexecutionError,
    model_limit: LimitOrigin,
    points_limit: LimitOrigin,
) -> Decision {
    let detail = error.to_string();
    match error {
        ReexecutionError::Content(content) => match content {
            ContentError::HashMismatch { .. } => {
                unverifiable(claim, Unverifiable::HashMismatch, detail)
            }
            ContentError::Unreachable { .. } => {
                unverifiable(claim, Unverifiable::Unavailable, detail)
            }
            ContentError::UnsupportedScheme { .. } => {
                unverifiable(claim, Unverifiable::UnsupportedUri, detail)
            }
            ContentError::TooLarge { .. } if model_limit == LimitOrigin::Operator => {
                Decision::Abstain {
                    reason: format!("over this operator's limits: {detail}"),
                }
            }
            ContentError::TooLarge { .. } => {
                unverifiable(claim, Unverifiable::VerifierRefused, detail)
            }
            ContentError::Store { .. } => Decision::Abstain {
                reason: format!("the content cache failed: {detail}"),
            },
        },
        ReexecutionError::Verifier(host) => match host {
            HostError::Verify { .. } | HostError::Trap(_) => {
                unverifiable(claim, Unverifiable::VerifierRefused, detail)
            }
            HostError::OutOfPoints { .. } if points_limit == LimitOrigin::Protocol => {
                unverifiable(claim, Unverifiable::OutOfPoints, detail)
            }
            HostError::OutOfPoints { .. } => Decision::Abstain {
                reason: format!("over this operator's metering budget: {detail}"),
            },
            // The approved artefact itself would not run here: this operator's problem.
            HostError::WrongArtefact { .. }
            | HostError::Compile(_)
            | HostError::NoMemoryCap
            | HostError::MemoryCapExceeded { .. }
            | HostError::Abi(_) => Decision::Abstain {
                reason: format!("the verifier artefact cannot be run: {detail}"),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::{Addr, Uint128};
    use poi_types::consensus::{ClaimStatus, ClaimedOutput};

    fn claim(tolerance: bool) -> Claim {
        Claim {
            id: 1,
            claimant: Addr::unchecked("claimant"),
            model_id: 2,
            model_hash: ContentHash::from_bytes([1; 32]),
            verifier_hash: ContentHash::from_bytes([2; 32]),
            inputs: vec![],
            output: ClaimedOutput {
                output_hash: ContentHash::from_bytes([3; 32]),
                output_uri: None,
            },
            tolerance,
            price: Uint128::zero(),
            reward: Uint128::zero(),
            bond: Uint128::zero(),
            seal: None,
            canary: None,
            status: ClaimStatus::Voting,
            verdict: None,
            rounds: vec![],
            dispute_end: None,
            dispute: None,
            submitted_height: 1,
        }
    }

    fn vote_of(d: &Decision) -> &Vote {
        match d {
            Decision::Vote { vote, .. } => vote,
            Decision::Abstain { reason } => panic!("abstained: {reason}"),
        }
    }

    #[test]
    fn an_exact_claim_gets_the_computed_hash_whatever_was_claimed() {
        let c = claim(false);
        let ours = ContentHash::from_bytes([9; 32]);
        let d = computed(&c, ours.clone(), None);
        assert_eq!(vote_of(&d), &Vote::Exact { output_hash: ours });
        assert!(!vote_of(&d).agrees_with(&c.output.output_hash));
    }

    #[test]
    fn a_tampered_input_is_rejected_and_never_agrees() {
        let c = claim(false);
        let error = ReexecutionError::Content(ContentError::HashMismatch {
            what: "input x".into(),
            uri: "file:///x".into(),
            expected: "aa".into(),
            actual: "bb".into(),
        });
        let d = on_error(&c, &error, LimitOrigin::Protocol, LimitOrigin::Protocol);
        assert_eq!(
            vote_of(&d),
            &Vote::Exact {
                output_hash: Unverifiable::HashMismatch.rejection_hash()
            }
        );
    }

    #[test]
    fn a_tolerance_claim_that_cannot_be_verified_is_a_tolerance_rejection() {
        let c = claim(true);
        let error = ReexecutionError::Content(ContentError::Unreachable {
            uri: "http://127.0.0.1:9/x".into(),
            attempts: 3,
            reason: "refused".into(),
        });
        let d = on_error(&c, &error, LimitOrigin::Protocol, LimitOrigin::Protocol);
        assert!(matches!(vote_of(&d), Vote::Tolerance { accept: false, .. }));
    }

    #[test]
    fn the_operators_own_limits_abstain_but_the_protocols_reject() {
        let c = claim(false);
        let big = ReexecutionError::Content(ContentError::TooLarge {
            uri: "file:///m".into(),
            limit: 10,
        });
        let mine = on_error(&c, &big, LimitOrigin::Operator, LimitOrigin::Protocol);
        assert!(matches!(mine, Decision::Abstain { .. }));
        let protocol = on_error(&c, &big, LimitOrigin::Protocol, LimitOrigin::Protocol);
        assert!(matches!(protocol, Decision::Vote { .. }));
        let points = ReexecutionError::Verifier(HostError::OutOfPoints { limit: 5 });
        let mine = on_error(&c, &points, LimitOrigin::Protocol, LimitOrigin::Operator);
        assert!(matches!(mine, Decision::Abstain { .. }));
    }

    #[test]
    fn rejection_hashes_differ_by_reason() {
        assert_ne!(
            Unverifiable::HashMismatch.rejection_hash(),
            Unverifiable::Unavailable.rejection_hash()
        );
    }
}
