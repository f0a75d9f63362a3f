//! The batch-verifying voting power calculator against tendermint's ProdVerifier: same verdicts on
//! honest commits, on bad signatures (and ours names the signer), on missing power.

mod support;

use poi_light_client::LightClientError;
use poi_light_client::headers::{StepFailure, verify_step};
use support::commits::*;
use tendermint_light_client_verifier::types::LightBlock;
use tendermint_light_client_verifier::{ProdVerifier, Verdict, Verifier as _};

fn prod(trusted: &LightBlock, untrusted: &LightBlock) -> Verdict {
    ProdVerifier::default().verify_update_header(
        untrusted.as_untrusted_state(),
        trusted.as_trusted_state(),
        &options(),
        soon_after(untrusted),
    )
}

fn ours(trusted: &LightBlock, untrusted: &LightBlock) -> Result<(), StepFailure> {
    verify_step(trusted, untrusted, &options(), soon_after(untrusted))
}

fn same_verdict(ours: &Result<(), StepFailure>, prod: &Verdict) -> bool {
    matches!(
        (ours, prod),
        (Ok(()), Verdict::Success)
            | (Err(StepFailure::NotEnoughTrust), Verdict::NotEnoughTrust(_))
            | (Err(StepFailure::Invalid(_)), Verdict::Invalid(_))
    )
}

#[test]
fn an_honest_commit_of_100_validators_verifies() {
    let (trusted, untrusted) = adjacent_blocks(100);
    assert_eq!(ours(&trusted, &untrusted), Ok(()));
    assert_eq!(prod(&trusted, &untrusted), Verdict::Success);
}

#[test]
fn a_bad_signature_is_rejected_and_its_validator_named() {
    let (trusted, mut untrusted) = adjacent_blocks(32);
    // The power is counted in validator-set order, so the first validator's vote is always needed.
    let first = untrusted.validators.validators()[0].address;
    let index = untrusted
        .signed_header
        .commit
        .signatures
        .iter()
        .position(|s| s.validator_address() == Some(first))
        .unwrap();
    corrupt_signature(&mut untrusted, index);
    match ours(&trusted, &untrusted) {
        Err(StepFailure::Invalid(LightClientError::BadSignature { height, validator })) => {
            assert_eq!(height, 2);
            assert_eq!(validator, first.to_string());
        }
        other => panic!("expected a bad signature, got {other:?}"),
    }
    assert!(matches!(prod(&trusted, &untrusted), Verdict::Invalid(_)));
}

#[test]
fn a_commit_signed_by_two_thirds_or_less_is_rejected() {
    let (trusted, mut untrusted) = adjacent_blocks(30);
    for index in 0..10 {
        drop_signature(&mut untrusted, index);
    }
    match ours(&trusted, &untrusted) {
        Err(StepFailure::Invalid(LightClientError::InsufficientPower {
            signed, total, ..
        })) => {
            assert_eq!((signed, total), (200, 300));
        }
        other => panic!("expected too little power, got {other:?}"),
    }
    assert!(matches!(prod(&trusted, &untrusted), Verdict::Invalid(_)));
}

#[test]
fn verdicts_match_prod_verifier_on_random_damage() {
    // A small deterministic generator keeps the cases reproducible.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let (trusted, honest) = adjacent_blocks(16);
    let mut outcomes = [0usize; 3];
    for case in 0..60 {
        let mut untrusted = honest.clone();
        for _ in 0..next(7) {
            let index = next(16);
            if next(2) == 0 {
                drop_signature(&mut untrusted, index);
            } else {
                corrupt_signature(&mut untrusted, index);
            }
        }
        let ours = ours(&trusted, &untrusted);
        let prod = prod(&trusted, &untrusted);
        assert!(
            same_verdict(&ours, &prod),
            "case {case}: ours {ours:?}, prod {prod:?}"
        );
        outcomes[match ours {
            Ok(()) => 0,
            Err(StepFailure::NotEnoughTrust) => 1,
            Err(StepFailure::Invalid(_)) => 2,
        }] += 1;
    }
    // Both accepting and rejecting cases were exercised.
    assert!(outcomes[0] > 0 && outcomes[2] > 0, "{outcomes:?}");
}

#[test]
fn a_header_for_another_chain_or_an_expired_trust_is_refused() {
    let (trusted, untrusted) = adjacent_blocks(4);
    let mut other_chain = trusted.clone();
    other_chain.signed_header.header.chain_id = "another-chain".parse().unwrap();
    assert!(matches!(
        verify_step(&other_chain, &untrusted, &options(), soon_after(&untrusted)),
        Err(StepFailure::Invalid(LightClientError::WrongChainId { .. }))
    ));

    let much_later = (untrusted.time() + std::time::Duration::from_secs(15 * 24 * 3600)).unwrap();
    assert!(matches!(
        verify_step(&trusted, &untrusted, &options(), much_later),
        Err(StepFailure::Invalid(LightClientError::TrustExpired {
            height: 1
        }))
    ));
}
