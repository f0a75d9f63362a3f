//! Signed commits made with tendermint-testgen: a trusted block and its successor, signed by a
//! validator set of any size. Shared by the tests and the benchmark.

#![allow(dead_code)]

use std::time::Duration;

use tendermint::Time;
use tendermint::block::CommitSig;
use tendermint_light_client_verifier::options::Options;
use tendermint_light_client_verifier::types::{LightBlock, TrustThreshold};
use tendermint_testgen::light_block::TmLightBlock;
use tendermint_testgen::{Generator, Header, LightBlock as TestgenBlock, Validator};

pub const CHAIN_ID: &str = "poi-test-1";

/// Blocks 1 and 2 of a chain whose `validators` validators all have power 10.
pub fn adjacent_blocks(validators: usize) -> (LightBlock, LightBlock) {
    let set: Vec<Validator> = (0..validators)
        .map(|i| Validator::new(&format!("validator-{i:03}")).voting_power(10))
        .collect();
    let header = Header::new(&set)
        .next_validators(&set)
        .height(1)
        .chain_id(CHAIN_ID)
        .time(Time::from_unix_timestamp(1_700_000_000, 0).unwrap());
    let first = TestgenBlock::new_default_with_header(header);
    let second = first.next();
    (
        convert(first.generate().unwrap()),
        convert(second.generate().unwrap()),
    )
}

fn convert(block: TmLightBlock) -> LightBlock {
    LightBlock::new(
        block.signed_header,
        block.validators,
        block.next_validators,
        block.provider,
    )
}

pub fn options() -> Options {
    Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period: Duration::from_secs(14 * 24 * 3600),
        clock_drift: Duration::from_secs(10),
    }
}

/// A moment shortly after `block` was made.
pub fn soon_after(block: &LightBlock) -> Time {
    (block.time() + Duration::from_secs(5)).unwrap()
}

/// Flips a bit of the signature at `index` of the commit.
pub fn corrupt_signature(block: &mut LightBlock, index: usize) {
    if let CommitSig::BlockIdFlagCommit { signature, .. } =
        &mut block.signed_header.commit.signatures[index]
    {
        let mut bytes = signature.as_ref().unwrap().as_bytes().to_vec();
        bytes[7] ^= 0x40;
        *signature = tendermint::Signature::new(bytes).unwrap();
    }
}

/// Makes the validator at `index` absent from the commit.
pub fn drop_signature(block: &mut LightBlock, index: usize) {
    block.signed_header.commit.signatures[index] = CommitSig::BlockIdFlagAbsent;
}

/// Block `height` of a chain signed by `validators`, handing over to `next` — for chains whose
/// validator set changes.
pub fn block_at(height: u64, validators: &[Validator], next: &[Validator]) -> LightBlock {
    let header = Header::new(validators)
        .next_validators(next)
        .height(height)
        .chain_id(CHAIN_ID)
        .time(Time::from_unix_timestamp(1_700_000_000 + height as i64, 0).unwrap());
    let block = TestgenBlock::new_default_with_header(header).next_validators(next);
    convert(block.generate().unwrap())
}

/// `count` validators of power 10 named `{prefix}-{i}`.
pub fn validator_set(prefix: &str, count: usize) -> Vec<Validator> {
    (0..count)
        .map(|i| Validator::new(&format!("{prefix}-{i}")).voting_power(10))
        .collect()
}
