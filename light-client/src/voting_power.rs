//! Voting power of a commit, with the commit's signatures checked in one ed25519-zebra batch.
//!
//! tendermint's `ProvidedVotingPowerCalculator` verifies one signature at a time while it walks
//! the validator set, and stops once the threshold is reached. This calculator walks the sets the
//! same way and picks the same signatures, so its verdicts are the same — but it verifies the
//! picked signatures together: one multiscalar multiplication instead of one double-scalar
//! multiplication per signature. If the batch fails, the signatures are checked one by one to name
//! the validator whose signature is bad.
//!
//! ed25519-zebra implements ZIP-215, the validation rules CometBFT uses, and under ZIP-215 batch
//! and single verification accept exactly the same signatures.

// The error type is tendermint's `VerificationError`, fixed by the `VotingPowerCalculator` trait.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use ed25519_zebra::{Signature, VerificationKey, VerificationKeyBytes, batch};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};
use tendermint::account;
use tendermint::block::CommitSig;
use tendermint::trust_threshold::TrustThreshold as _;
use tendermint::validator;
use tendermint::vote::{SignedVote, Type, ValidatorIndex, Vote};
use tendermint_light_client_verifier::errors::VerificationError;
use tendermint_light_client_verifier::operations::{VotingPowerCalculator, VotingPowerTally};
use tendermint_light_client_verifier::types::{SignedHeader, TrustThreshold, ValidatorSet};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchVotingPowerCalculator;

/// A commit signature for the block (absent and nil votes carry no power), with the bytes its
/// validator signed.
struct CommitVote {
    address: account::Id,
    sign_bytes: Vec<u8>,
    signature: [u8; 64],
}

/// The commit's votes for the block, sorted by validator address.
fn commit_votes(signed_header: &SignedHeader) -> Result<Vec<CommitVote>, VerificationError> {
    let commit = &signed_header.commit;
    let mut votes = Vec::with_capacity(commit.signatures.len());
    for (index, commit_sig) in commit.signatures.iter().enumerate() {
        let CommitSig::BlockIdFlagCommit {
            validator_address,
            timestamp,
            signature,
        } = commit_sig
        else {
            continue;
        };
        let vote = Vote {
            vote_type: Type::Precommit,
            height: commit.height,
            round: commit.round,
            block_id: Some(commit.block_id),
            timestamp: Some(*timestamp),
            validator_address: *validator_address,
            validator_index: ValidatorIndex::try_from(index)
                .map_err(|_| VerificationError::missing_signature())?,
            signature: signature.clone(),
            extension: Default::default(),
            extension_signature: None,
        };
        let signed = SignedVote::from_vote(vote, signed_header.header.chain_id.clone())
            .ok_or_else(VerificationError::missing_signature)?;
        // A signature that is not 64 bytes cannot verify; it is reported against its validator
        // when that validator's power is needed, like any other bad signature.
        let signature = signed.signature().as_bytes().try_into().unwrap_or([0; 64]);
        votes.push(CommitVote {
            address: *validator_address,
            sign_bytes: signed.sign_bytes(),
            signature,
        });
    }
    votes.sort_unstable_by_key(|v| v.address);
    if let Some(pair) = votes.windows(2).find(|p| p[0].address == p[1].address) {
        return Err(VerificationError::duplicate_validator(pair[0].address));
    }
    Ok(votes)
}

/// The votes a tally rests on: (index in the sorted votes, the validator it is counted for).
type Counted<'v> = Vec<(usize, &'v validator::Info)>;

/// The power `validator_set` put behind the block, counted in the set's order until
/// `threshold` is met (as tendermint counts it), and the votes that power rests on.
fn tally<'v>(
    votes: &[CommitVote],
    validator_set: &'v ValidatorSet,
    trust_threshold: TrustThreshold,
) -> Result<(VotingPowerTally, Counted<'v>), VerificationError> {
    let total = validator_set
        .validators()
        .iter()
        .fold(0u64, |sum, v| sum.saturating_add(v.power()));
    let mut power = VotingPowerTally {
        total,
        tallied: 0,
        trust_threshold,
    };
    let mut counted: Counted = Vec::new();
    for validator in validator_set.validators() {
        let Ok(index) = votes.binary_search_by_key(&validator.address, |v| v.address) else {
            continue;
        };
        if counted.iter().any(|(i, _)| *i == index) {
            return Err(VerificationError::duplicate_validator(validator.address));
        }
        counted.push((index, validator));
        power.tallied = power.tallied.saturating_add(validator.power());
        if trust_threshold.is_enough_power(power.tallied, power.total) {
            break;
        }
    }
    Ok((power, counted))
}

/// Verifies the signatures the tallies rest on: all at once, then one by one if that fails.
fn verify_signatures(
    votes: &[CommitVote],
    counted: &[(usize, &validator::Info)],
) -> Result<(), VerificationError> {
    // The same vote may be counted for both validator sets; its key is the validator's in each
    // set, so it is checked once per distinct key.
    let mut items: BTreeMap<(usize, [u8; 32]), &validator::Info> = BTreeMap::new();
    for &(index, validator) in counted {
        let Some(key) = validator.pub_key.ed25519() else {
            return Err(bad_signature(&votes[index], validator));
        };
        let key: [u8; 32] = key
            .as_bytes()
            .try_into()
            .map_err(|_| bad_signature(&votes[index], validator))?;
        items.insert((index, key), validator);
    }
    if items.is_empty() {
        return Ok(());
    }

    // The batch's random coefficients only have to be unpredictable to whoever made the
    // signatures, so they are drawn from a hash of everything in the batch: no entropy source is
    // needed, and browsers and native hosts run the same code.
    let mut transcript = Sha256::new();
    transcript.update(b"poi-light-client/batch-verification/v1");
    for &(index, key) in items.keys() {
        let vote = &votes[index];
        transcript.update(key);
        transcript.update(vote.signature);
        transcript.update((vote.sign_bytes.len() as u64).to_be_bytes());
        transcript.update(&vote.sign_bytes);
    }
    let rng = ChaCha20Rng::from_seed(transcript.finalize().into());

    let mut batch = batch::Verifier::new();
    for &(index, key) in items.keys() {
        let vote = &votes[index];
        batch.queue((
            VerificationKeyBytes::from(key),
            Signature::from_bytes(&vote.signature),
            &vote.sign_bytes,
        ));
    }
    if batch.verify(rng).is_ok() {
        return Ok(());
    }
    for (&(index, key), validator) in &items {
        let vote = &votes[index];
        let valid = VerificationKey::try_from(key).is_ok_and(|k| {
            k.verify(&Signature::from_bytes(&vote.signature), &vote.sign_bytes)
                .is_ok()
        });
        if !valid {
            return Err(bad_signature(vote, validator));
        }
    }
    // Under ZIP-215 this is unreachable: a batch of valid signatures verifies. Single
    // verification is the rule, so the commit stands.
    Ok(())
}

fn bad_signature(vote: &CommitVote, validator: &validator::Info) -> VerificationError {
    VerificationError::invalid_signature(
        vote.signature.to_vec(),
        Box::new(validator.clone()),
        vote.sign_bytes.clone(),
    )
}

impl VotingPowerCalculator for BatchVotingPowerCalculator {
    fn voting_power_in(
        &self,
        signed_header: &SignedHeader,
        validator_set: &ValidatorSet,
        trust_threshold: TrustThreshold,
    ) -> Result<VotingPowerTally, VerificationError> {
        let votes = commit_votes(signed_header)?;
        let (power, counted) = tally(&votes, validator_set, trust_threshold)?;
        verify_signatures(&votes, &counted)?;
        Ok(power)
    }

    fn voting_power_in_sets(
        &self,
        signed_header: &SignedHeader,
        first_set: (&ValidatorSet, TrustThreshold),
        second_set: (&ValidatorSet, TrustThreshold),
    ) -> Result<(VotingPowerTally, VotingPowerTally), VerificationError> {
        let votes = commit_votes(signed_header)?;
        let (first, mut counted) = tally(&votes, first_set.0, first_set.1)?;
        let (second, counted_second) = tally(&votes, second_set.0, second_set.1)?;
        counted.extend(counted_second);
        verify_signatures(&votes, &counted)?;
        Ok((first, second))
    }
}
