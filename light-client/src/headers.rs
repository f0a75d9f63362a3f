//! Header verification: is an untrusted light block a valid successor of a trusted one?
//!
//! tendermint's predicates decide; [`BatchVotingPowerCalculator`] counts the power. [`sync`]
//! reaches a target height by skipping, bisecting where the validator set changed too much to
//! skip — over any [`BlockSource`], so the same logic serves a node (natively or in a page) and
//! the tests.

use std::time::Duration;

use tendermint::Time;
use tendermint_light_client_verifier::errors::VerificationErrorDetail;
use tendermint_light_client_verifier::operations::ProdCommitValidator;
use tendermint_light_client_verifier::options::Options;
use tendermint_light_client_verifier::predicates::ProdPredicates;
use tendermint_light_client_verifier::types::{LightBlock, TrustThreshold};
use tendermint_light_client_verifier::{PredicateVerifier, Verdict, Verifier as _};

use crate::error::LightClientError;
use crate::voting_power::BatchVotingPowerCalculator;

/// tendermint's predicates with batch signature verification.
pub type BatchVerifier =
    PredicateVerifier<ProdPredicates, BatchVotingPowerCalculator, ProdCommitValidator>;

/// How much to trust a validator set and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrustOptions {
    /// Fraction of the trusted validator set's power that must sign a skipped-to header.
    pub trust_threshold: (u64, u64),
    /// How long a verified header may serve as a base; keep it below the unbonding period.
    pub trusting_period_secs: u64,
    /// How far a header's time may be ahead of the local clock.
    pub clock_drift_secs: u64,
}

impl Default for TrustOptions {
    fn default() -> Self {
        TrustOptions {
            trust_threshold: (1, 3),
            // Two weeks: two thirds of the SDK's default three-week unbonding period.
            trusting_period_secs: 14 * 24 * 3600,
            clock_drift_secs: 10,
        }
    }
}

impl TrustOptions {
    pub fn to_options(self) -> Result<Options, LightClientError> {
        let (numerator, denominator) = self.trust_threshold;
        let trust_threshold = TrustThreshold::new(numerator, denominator).map_err(|e| {
            LightClientError::malformed(
                "trust threshold",
                format!("{numerator}/{denominator}: {e}"),
            )
        })?;
        Ok(Options {
            trust_threshold,
            trusting_period: Duration::from_secs(self.trusting_period_secs),
            clock_drift: Duration::from_secs(self.clock_drift_secs),
        })
    }
}

/// Why a single verification step did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepFailure {
    /// Valid on its own, but too little of the trusted set signed it: verify a header in between.
    NotEnoughTrust,
    Invalid(LightClientError),
}

/// Verifies `untrusted` against `trusted` at time `now`.
pub fn verify_step(
    trusted: &LightBlock,
    untrusted: &LightBlock,
    options: &Options,
    now: Time,
) -> Result<(), StepFailure> {
    let verdict = BatchVerifier::default().verify_update_header(
        untrusted.as_untrusted_state(),
        trusted.as_trusted_state(),
        options,
        now,
    );
    let height = untrusted.height().value();
    match verdict {
        Verdict::Success => Ok(()),
        Verdict::NotEnoughTrust(_) => Err(StepFailure::NotEnoughTrust),
        Verdict::Invalid(detail) => Err(StepFailure::Invalid(describe(height, trusted, detail))),
    }
}

/// Turns tendermint's error detail into the typed error a user of this crate sees.
fn describe(
    height: u64,
    trusted: &LightBlock,
    detail: VerificationErrorDetail,
) -> LightClientError {
    use VerificationErrorDetail as D;
    match detail {
        D::NotWithinTrustPeriod(_) => LightClientError::TrustExpired {
            height: trusted.height().value(),
        },
        D::ChainIdMismatch(e) => LightClientError::WrongChainId {
            expected: e.expected,
            found: e.got,
        },
        D::InvalidSignature(e) => LightClientError::BadSignature {
            height,
            validator: e.validator.address.to_string(),
        },
        D::InsufficientSignersOverlap(e) => LightClientError::InsufficientPower {
            height,
            signed: e.tally.tallied,
            total: e.tally.total,
            threshold: e.tally.trust_threshold.to_string(),
        },
        D::HeaderFromTheFuture(e) => LightClientError::HeaderFromFuture {
            height,
            time: e.header_time.to_string(),
        },
        D::NonIncreasingHeight(_) => LightClientError::NotAfterTrusted {
            height,
            trusted: trusted.height().value(),
        },
        other => LightClientError::InvalidHeader {
            height,
            detail: other.to_string(),
        },
    }
}

/// Where light blocks come from: an RPC node, a witness, a test fixture.
#[allow(async_fn_in_trait)]
pub trait BlockSource {
    async fn light_block(&self, height: u64) -> Result<LightBlock, LightClientError>;
}

/// Verifies `target` from `trusted`, fetching intermediate headers from `source` where the
/// validator set changed too much to skip. Returns the verified blocks in the order they were
/// trusted, ending with `target`.
pub async fn sync(
    source: &impl BlockSource,
    trusted: &LightBlock,
    target: LightBlock,
    options: &Options,
    now: Time,
) -> Result<Vec<LightBlock>, LightClientError> {
    let mut verified: Vec<LightBlock> = Vec::new();
    let mut pending = vec![target];
    while let Some(candidate) = pending.last() {
        let base = verified.last().unwrap_or(trusted);
        match verify_step(base, candidate, options, now) {
            Ok(()) => verified.extend(pending.pop()),
            Err(StepFailure::NotEnoughTrust) => {
                let pivot = bisection_pivot(base.height().value(), candidate.height().value())
                    .ok_or_else(|| LightClientError::InvalidHeader {
                        height: candidate.height().value(),
                        detail: "not enough trust in an adjacent header".into(),
                    })?;
                pending.push(source.light_block(pivot).await?);
            }
            Err(StepFailure::Invalid(e)) => return Err(e),
        }
    }
    Ok(verified)
}

/// The height to verify first when `untrusted` cannot be reached from `trusted` in one step; `None`
/// when they are adjacent.
pub fn bisection_pivot(trusted: u64, untrusted: u64) -> Option<u64> {
    let pivot = trusted + (untrusted.saturating_sub(trusted)) / 2;
    (pivot > trusted && pivot < untrusted).then_some(pivot)
}
