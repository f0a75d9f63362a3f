//! The CometBFT light-client verification traces (`tests/vectors/cometbft-light`): every step's
//! verdict from our verifier must be the recorded one, and the same as tendermint's ProdVerifier.

use std::path::PathBuf;
use std::time::Duration;

use poi_light_client::headers::{StepFailure, verify_step};
use serde::Deserialize;
use tendermint::Time;
use tendermint_light_client_verifier::options::Options;
use tendermint_light_client_verifier::types::{
    LightBlock, SignedHeader, TrustThreshold, ValidatorSet,
};
use tendermint_light_client_verifier::{ProdVerifier, Verdict, Verifier as _};

#[derive(Deserialize)]
struct Trace {
    description: String,
    initial: Initial,
    input: Vec<Step>,
}

#[derive(Deserialize)]
struct Initial {
    signed_header: SignedHeader,
    next_validator_set: ValidatorSet,
    trusting_period: String,
}

#[derive(Deserialize)]
struct Step {
    block: Block,
    now: Time,
    verdict: String,
}

#[derive(Deserialize)]
struct Block {
    signed_header: SignedHeader,
    validator_set: ValidatorSet,
    next_validator_set: ValidatorSet,
}

fn traces_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/cometbft-light/single_step")
}

fn peer() -> tendermint::node::Id {
    tendermint::node::Id::new([0; 20])
}

fn ours(
    trusted: &LightBlock,
    untrusted: &LightBlock,
    options: &Options,
    now: Time,
) -> &'static str {
    match verify_step(trusted, untrusted, options, now) {
        Ok(()) => "SUCCESS",
        Err(StepFailure::NotEnoughTrust) => "NOT_ENOUGH_TRUST",
        Err(StepFailure::Invalid(_)) => "INVALID",
    }
}

fn theirs(
    trusted: &LightBlock,
    untrusted: &LightBlock,
    options: &Options,
    now: Time,
) -> &'static str {
    let verdict = ProdVerifier::default().verify_update_header(
        untrusted.as_untrusted_state(),
        trusted.as_trusted_state(),
        options,
        now,
    );
    match verdict {
        Verdict::Success => "SUCCESS",
        Verdict::NotEnoughTrust(_) => "NOT_ENOUGH_TRUST",
        Verdict::Invalid(_) => "INVALID",
    }
}

#[test]
fn every_trace_step_gets_its_recorded_verdict() {
    let mut files: Vec<_> = std::fs::read_dir(traces_dir())
        .expect("the vectors are in tests/vectors")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 41, "the vector set has 41 traces");

    let mut steps = 0;
    let mut mismatches = Vec::new();
    for file in &files {
        let trace: Trace = serde_json::from_slice(&std::fs::read(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let nanos: u64 = trace.initial.trusting_period.parse().unwrap();
        let options = Options {
            trust_threshold: TrustThreshold::ONE_THIRD,
            trusting_period: Duration::from_nanos(nanos),
            // As the traces' own harness: no clock drift, trust threshold 1/3.
            clock_drift: Duration::ZERO,
        };
        let mut trusted = LightBlock::new(
            trace.initial.signed_header,
            trace.initial.next_validator_set.clone(),
            trace.initial.next_validator_set,
            peer(),
        );
        for (i, step) in trace.input.into_iter().enumerate() {
            steps += 1;
            let untrusted = LightBlock::new(
                step.block.signed_header,
                step.block.validator_set,
                step.block.next_validator_set,
                peer(),
            );
            let ours = ours(&trusted, &untrusted, &options, step.now);
            let theirs = theirs(&trusted, &untrusted, &options, step.now);
            if ours != step.verdict || theirs != step.verdict {
                mismatches.push(format!(
                    "{} step {i}: recorded {}, ours {ours}, ProdVerifier {theirs}",
                    trace.description, step.verdict
                ));
            }
            if step.verdict == "SUCCESS" {
                trusted = untrusted;
            }
        }
    }
    assert_eq!(steps, 99, "the 41 traces have 99 steps");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
