//! Proof-of-Inference rounds across the registry, staking and consensus contracts in cw-multi-test:
//! claims accepted and rejected, liars, copycats and absentees slashed, canaries, disputes, and
//! every coin accounted for.

use cosmwasm_std::{Addr, Binary, Decimal};
use poi_consensus::ContractError;
use poi_tests::consensus::{
    Behaviour, CLAIMANT_BOND, COMMIT_WINDOW, DISPUTE_BOND, DISPUTE_WINDOW, FEE_FLOOR, MODEL_PRICE,
    NO_SHOW_BPS, OPERATOR_STAKE, REVEAL_WINDOW, WRONG_VOTE_BPS, auditor, claimant, default_params,
    salt, treasury, true_output, verifier_hash, wrong_output,
};
use poi_tests::suite::{INITIAL_BALANCE, Suite, SuiteBuilder, assert_rejected};
use poi_types::consensus::{
    ClaimStatus, ExecuteMsg, ParamsMsg, QueryMsg, SlashOrder, Verdict, Vote, canary_seal,
};
use poi_types::registry::VerificationPolicy;

const PAID: u128 = MODEL_PRICE + FEE_FLOOR + CLAIMANT_BOND;

fn suite_with(params: ParamsMsg, operators: usize) -> (Suite, Vec<Addr>, u64) {
    let mut s = SuiteBuilder::new().with_consensus(params).build();
    let operators = s.start_operators(operators);
    let (model, _) = s.register_priced_model(VerificationPolicy::Exact {});
    (s, operators, model)
}

fn suite() -> (Suite, Vec<Addr>, u64) {
    suite_with(default_params(), 5)
}

/// What an operator's stake is worth now.
fn stake(s: &Suite, operator: &Addr) -> u128 {
    s.staked_value(operator)
}

fn slashed(s: &Suite, operator: &Addr, bps: u16) -> bool {
    stake(s, operator) == OPERATOR_STAKE - OPERATOR_STAKE * u128::from(bps) / 10_000
}

#[test]
fn an_honest_claim_is_accepted_and_the_fee_reaches_the_model_and_its_dataset() {
    let (mut s, _, model) = suite();
    let (alice, bob) = (s.accounts.alice.clone(), s.accounts.bob.clone());
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(id);
    assert_eq!(committee.len(), 3);
    assert!(!committee.contains(&claimant()));

    s.play_round(id, &true_output(), |_| Behaviour::Honest);
    s.finalize(id).unwrap();
    let claim = s.claim(id);
    assert_eq!(
        (claim.status, claim.verdict),
        (ClaimStatus::Decided, Some(Verdict::Accepted))
    );
    // Nothing moves until the dispute window has passed.
    assert_eq!(s.balance(&alice), INITIAL_BALANCE);
    assert_eq!(pending_rewards(&s, &committee[0]), 0);
    assert_rejected(
        s.finalize(id),
        &ContractError::TooEarly {
            claim_id: id,
            height: claim.dispute_end.unwrap(),
        },
    );
    s.next_blocks(DISPUTE_WINDOW);
    s.finalize(id).unwrap();

    assert_eq!(s.claim(id).status, ClaimStatus::Final);
    // 70% to the model's owner, 30% to the dataset it was trained on.
    assert_eq!(s.balance(&alice), INITIAL_BALANCE + MODEL_PRICE * 7 / 10);
    assert_eq!(s.balance(&bob), INITIAL_BALANCE + MODEL_PRICE * 3 / 10);
    assert_eq!(s.balance(&claimant()), 1_000_000 - PAID + CLAIMANT_BOND);
    let rewards: u128 = committee.iter().map(|m| pending_rewards(&s, m)).sum();
    assert_eq!(rewards, FEE_FLOOR);
    assert_eq!(
        s.balance(&s.consensus()),
        0,
        "nothing stays in the contract"
    );
    for member in &committee {
        assert_eq!(stake(&s, member), OPERATOR_STAKE);
        assert_eq!(s.record(member).agreements, 1);
    }
}

fn pending_rewards(s: &Suite, who: &Addr) -> u128 {
    let resp: poi_types::staking::RewardsResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            s.staking(),
            &poi_types::staking::QueryMsg::PendingRewards {
                address: who.to_string(),
            },
        )
        .unwrap();
    resp.rewards.u128()
}

#[test]
fn a_false_claim_is_rejected_and_the_claimant_loses_its_bond() {
    let (mut s, _, model) = suite();
    let alice = s.accounts.alice.clone();
    let id = s
        .submit(&claimant(), s.new_claim(model, &wrong_output()))
        .unwrap();
    let committee = s.committee(id);
    s.play_round(id, &true_output(), |_| Behaviour::Honest);
    s.finalize_and_settle(id);

    assert_eq!(s.claim(id).verdict, Some(Verdict::Rejected));
    // The price comes back (the model was not used as claimed); the bond is split between the
    // honest voters and the treasury.
    assert_eq!(s.balance(&claimant()), 1_000_000 - PAID + MODEL_PRICE);
    assert_eq!(s.balance(&alice), INITIAL_BALANCE);
    assert_eq!(s.balance(&treasury()), CLAIMANT_BOND / 2);
    let rewards: u128 = committee.iter().map(|m| pending_rewards(&s, m)).sum();
    assert_eq!(rewards, FEE_FLOOR + CLAIMANT_BOND / 2);
    assert_eq!(s.balance(&s.consensus()), 0);
}

#[test]
fn an_operator_voting_the_wrong_hash_is_slashed_and_a_no_show_too() {
    let (mut s, _, model) = suite();
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(id);
    let (liar, absent) = (committee[1].clone(), committee[2].clone());
    // The two honest members hold two thirds of the committee's stake: a quorum without the liar.
    s.play_round(id, &true_output(), |m| {
        if *m == liar {
            Behaviour::Votes(wrong_output())
        } else {
            Behaviour::Honest
        }
    });
    s.finalize_and_settle(id);
    assert_eq!(s.claim(id).verdict, Some(Verdict::Accepted));
    assert!(slashed(&s, &liar, WRONG_VOTE_BPS));
    let settlement = s.settlement(id).unwrap();
    assert_eq!(
        settlement.slashes,
        vec![SlashOrder {
            operator: liar.clone(),
            round: 1,
            bps: WRONG_VOTE_BPS,
            reason: "wrong vote".into(),
            refused: false,
        }]
    );
    assert_eq!(stake(&s, &committee[0]), OPERATOR_STAKE);
    let history = s.slash_history(&liar).slashes;
    assert_eq!(history[0].claim_id, id);
    assert_eq!(
        history[0].snapshot_height,
        s.claim(id).rounds[0].snapshot_height
    );

    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(id);
    let absent_now = committee
        .iter()
        .find(|m| **m != liar)
        .cloned()
        .unwrap_or(absent);
    let before = stake(&s, &absent_now);
    s.play_round(id, &true_output(), |m| {
        if *m == absent_now {
            Behaviour::Absent
        } else {
            Behaviour::Honest
        }
    });
    s.finalize_and_settle(id);
    let after = stake(&s, &absent_now);
    assert_eq!(after, before - before * u128::from(NO_SHOW_BPS) / 10_000);
    assert_eq!(s.record(&absent_now).no_shows, 1);
}

#[test]
fn a_commitment_copied_from_another_member_does_not_open_and_the_copier_is_a_no_show() {
    let (mut s, _, model) = suite();
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(id);
    let (worker, copier) = (committee[0].clone(), committee[1].clone());
    let vote = Vote::Exact {
        output_hash: true_output(),
    };
    s.commit(&worker, id, &vote).unwrap();
    // The copier commits the worker's commitment without computing anything...
    let copied = vote.commitment(worker.as_str(), &salt(&worker, id));
    s.consent(
        &copier,
        &ExecuteMsg::CommitVote {
            claim_id: id,
            commitment: copied.to_string(),
        },
        0,
    )
    .unwrap();
    s.commit(&committee[2], id, &vote).unwrap();
    s.next_blocks(COMMIT_WINDOW);
    s.reveal(&worker, id, &vote).unwrap();
    // ...and cannot open it, not even with the worker's salt: its own address is in the hash.
    let with_workers_salt = ExecuteMsg::RevealVote {
        claim_id: id,
        vote: vote.clone(),
        salt: salt(&worker, id),
    };
    assert_rejected(
        s.consent(&copier, &with_workers_salt, 0),
        &ContractError::CommitmentMismatch,
    );
    assert_rejected(
        s.reveal(&copier, id, &vote),
        &ContractError::CommitmentMismatch,
    );
    s.reveal(&committee[2], id, &vote).unwrap();
    s.next_blocks(REVEAL_WINDOW);
    s.finalize_and_settle(id);
    assert!(slashed(&s, &copier, NO_SHOW_BPS));
    assert_eq!(stake(&s, &worker), OPERATOR_STAKE);
}

#[test]
fn a_canary_catches_an_operator_that_accepts_without_computing() {
    let (mut s, _, model) = suite();
    let canary_salt = Binary::from(b"the auditor's secret salt".to_vec());
    let mut claim = s.new_claim(model, &wrong_output());
    claim.seal = Some(canary_seal(true, &canary_salt).to_string());
    let before = s.balance(&auditor());
    let id = s.submit(&auditor(), claim).unwrap();
    let committee = s.committee(id);
    let lazy = committee[0].clone();
    s.play_round(id, &true_output(), |m| {
        if *m == lazy {
            Behaviour::AlwaysAccept
        } else {
            Behaviour::Honest
        }
    });
    // Nobody may finalise a sealed claim before its auditor has had the time to open the seal...
    assert_rejected(
        s.finalize(id),
        &ContractError::SealNotOpened {
            claim_id: id,
            until: s.claim(id).round().reveal_end + REVEAL_WINDOW,
        },
    );
    // ...and only the auditor can open it, with the right salt.
    let open = |canary: bool, salt: &Binary| ExecuteMsg::OpenSeal {
        claim_id: id,
        canary,
        salt: salt.clone(),
    };
    assert_rejected(
        s.consent(&claimant(), &open(true, &canary_salt), 0),
        &ContractError::NotSealOwner { claim_id: id },
    );
    assert_rejected(
        s.consent(&auditor(), &open(false, &canary_salt), 0),
        &ContractError::SealMismatch,
    );
    s.consent(&auditor(), &open(true, &canary_salt), 0).unwrap();
    s.finalize(id).unwrap();

    let claim = s.claim(id);
    assert_eq!(
        (claim.status, claim.verdict),
        (ClaimStatus::Final, Some(Verdict::Rejected))
    );
    assert!(
        slashed(&s, &lazy, WRONG_VOTE_BPS),
        "the always-accept operator is caught"
    );
    assert_eq!(
        s.slash_history(&lazy).slashes[0].reason,
        "accepted a canary"
    );
    for honest in committee.iter().filter(|m| **m != lazy) {
        assert_eq!(stake(&s, honest), OPERATOR_STAKE);
    }
    // The auditor pays only the reward the honest members earned.
    assert_eq!(s.balance(&auditor()), before - FEE_FLOOR);
    assert_eq!(s.balance(&s.consensus()), 0);
}

#[test]
fn a_dispute_overturns_a_colluding_majority_of_a_small_committee() {
    let (mut s, operators, model) = suite_with(default_params(), 8);
    let disputer = s.accounts.carol.clone();
    // The claimant and two of its friends on the committee accept a false output.
    let id = s
        .submit(&claimant(), s.new_claim(model, &wrong_output()))
        .unwrap();
    let first = s.committee(id);
    let honest = first[0].clone();
    s.play_round(id, &true_output(), |m| {
        if *m == honest {
            Behaviour::Honest
        } else {
            Behaviour::AlwaysAccept
        }
    });
    s.finalize(id).unwrap();
    assert_eq!(s.claim(id).verdict, Some(Verdict::Accepted));
    assert_eq!(
        stake(&s, &honest),
        OPERATOR_STAKE,
        "nobody is judged before the dispute window ends"
    );

    s.consent(
        &disputer,
        &ExecuteMsg::Dispute { claim_id: id },
        DISPUTE_BOND,
    )
    .unwrap();
    let second = s.committee(id);
    assert_eq!(second.len(), 5);
    assert!(
        second.iter().all(|m| !first.contains(m)),
        "a fresh committee"
    );
    assert!(second.iter().all(|m| operators.contains(m)));
    s.play_round(id, &true_output(), |_| Behaviour::Honest);
    s.finalize(id).unwrap();

    let claim = s.claim(id);
    assert_eq!(
        (claim.status, claim.verdict),
        (ClaimStatus::Final, Some(Verdict::Rejected))
    );
    for colluder in first.iter().filter(|m| **m != honest) {
        assert!(
            slashed(&s, colluder, WRONG_VOTE_BPS),
            "{colluder} was wrong"
        );
    }
    // The honest member of the first round was right after all: unslashed, and paid the reward
    // for the work it did.
    assert_eq!(stake(&s, &honest), OPERATOR_STAKE);
    assert_eq!(pending_rewards(&s, &honest), FEE_FLOOR);
    // The disputer was right and gets its bond back; the claimant loses its bond.
    assert_eq!(s.balance(&disputer), INITIAL_BALANCE);
    assert_eq!(s.balance(&claimant()), 1_000_000 - PAID + MODEL_PRICE);
    assert_eq!(s.balance(&treasury()), CLAIMANT_BOND / 2);
    assert_eq!(s.balance(&s.consensus()), 0);
}

#[test]
fn a_dispute_that_fails_costs_the_disputer_its_bond() {
    let (mut s, _, model) = suite_with(default_params(), 8);
    let disputer = s.accounts.carol.clone();
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    s.play_round(id, &true_output(), |_| Behaviour::Honest);
    s.finalize(id).unwrap();
    s.consent(
        &disputer,
        &ExecuteMsg::Dispute { claim_id: id },
        DISPUTE_BOND,
    )
    .unwrap();
    s.play_round(id, &true_output(), |_| Behaviour::Honest);
    s.finalize(id).unwrap();
    assert_eq!(s.claim(id).verdict, Some(Verdict::Accepted));
    assert_eq!(s.balance(&disputer), INITIAL_BALANCE - DISPUTE_BOND);
    assert_eq!(s.balance(&treasury()), DISPUTE_BOND / 2);
    assert_eq!(s.balance(&claimant()), 1_000_000 - PAID + CLAIMANT_BOND);
    assert_eq!(s.balance(&s.consensus()), 0);
}

#[test]
fn an_inconclusive_round_returns_fee_and_bond_and_slashes_only_the_no_shows() {
    let (mut s, _, model) = suite();
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(id);
    // One for, one against, one absent: neither side reaches two thirds.
    s.play_round(id, &true_output(), |m| {
        if *m == committee[0] {
            Behaviour::Honest
        } else if *m == committee[1] {
            Behaviour::Votes(wrong_output())
        } else {
            Behaviour::Absent
        }
    });
    s.finalize_and_settle(id);
    assert_eq!(s.claim(id).verdict, Some(Verdict::Inconclusive));
    assert_eq!(s.balance(&claimant()), 1_000_000);
    assert_eq!(stake(&s, &committee[0]), OPERATOR_STAKE);
    assert_eq!(stake(&s, &committee[1]), OPERATOR_STAKE);
    assert!(slashed(&s, &committee[2], NO_SHOW_BPS));
    assert_eq!(s.balance(&s.consensus()), 0);
}

#[test]
fn windows_are_enforced_to_the_block() {
    let (mut s, _, model) = suite();
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(id);
    let round = s.claim(id).round().clone();
    let vote = Vote::Exact {
        output_hash: true_output(),
    };
    // Last block of the commit window: a commitment is taken; a reveal is not yet.
    s.next_blocks(round.commit_end - 1 - s.height());
    s.commit(&committee[0], id, &vote).unwrap();
    s.commit(&committee[1], id, &vote).unwrap();
    assert!(matches!(
        s.reveal(&committee[0], id, &vote),
        Err(e) if e.to_string().contains("reveal window")
    ));
    // First block after it: no more commitments, reveals open.
    s.next_blocks(1);
    let late = s.commit(&committee[2], id, &vote);
    assert_rejected(
        late,
        &ContractError::OutsideWindow {
            claim_id: id,
            window: "commit",
            start: round.start_height,
            end: round.commit_end,
            height: round.commit_end,
        },
    );
    s.reveal(&committee[0], id, &vote).unwrap();
    assert_rejected(
        s.finalize(id),
        &ContractError::TooEarly {
            claim_id: id,
            height: round.reveal_end,
        },
    );
    // Last block of the reveal window, then the first after it.
    s.next_blocks(round.reveal_end - 1 - s.height());
    s.reveal(&committee[1], id, &vote).unwrap();
    s.next_blocks(1);
    assert_rejected(
        s.reveal(&committee[1], id, &vote),
        &ContractError::OutsideWindow {
            claim_id: id,
            window: "reveal",
            start: round.commit_end,
            end: round.reveal_end,
            height: round.reveal_end,
        },
    );
    s.finalize(id).unwrap();
}

#[test]
fn a_round_ends_early_once_a_quorum_revealed_the_same_vote() {
    let (mut s, _, model) = suite();
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(id);
    let vote = Vote::Exact {
        output_hash: true_output(),
    };
    for member in &committee {
        s.commit(member, id, &vote).unwrap();
    }
    s.next_blocks(COMMIT_WINDOW);
    s.reveal(&committee[0], id, &vote).unwrap();
    assert!(s.finalize(id).is_err(), "one third is no quorum");
    s.reveal(&committee[1], id, &vote).unwrap();
    s.finalize(id).unwrap();
    assert_eq!(s.claim(id).verdict, Some(Verdict::Accepted));
    s.next_blocks(DISPUTE_WINDOW);
    s.finalize(id).unwrap();
    // The member that had not revealed yet was still within its window: not a no-show.
    assert_eq!(stake(&s, &committee[2]), OPERATOR_STAKE);
}

#[test]
fn tolerance_claims_take_accept_or_reject_votes() {
    let mut s = SuiteBuilder::new().with_consensus(default_params()).build();
    s.start_operators(5);
    let policy = VerificationPolicy::Tolerance {
        atol: Decimal::permille(1),
        rtol: Decimal::permille(1),
    };
    let (model, _) = s.register_priced_model(policy);
    let mut claim = s.new_claim(model, &true_output());
    claim.output.output_uri = None;
    assert_rejected(
        s.submit(&claimant(), claim.clone()),
        &ContractError::OutputUriRequired,
    );
    claim.output.output_uri = Some("ipfs://output".into());
    let id = s.submit(&claimant(), claim).unwrap();
    assert!(s.claim(id).tolerance);
    let member = s.committee(id)[0].clone();
    let exact = Vote::Exact {
        output_hash: true_output(),
    };
    s.commit(&member, id, &exact).unwrap();
    s.next_blocks(COMMIT_WINDOW);
    assert_rejected(
        s.reveal(&member, id, &exact),
        &ContractError::WrongVoteKind {
            claim_id: id,
            expected: "tolerance",
        },
    );
}

#[test]
fn queries_list_claims_by_status_model_and_claimant_and_show_votes_after_the_reveal() {
    let (mut s, _, model) = suite();
    let first = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let second = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(first);
    let vote = Vote::Exact {
        output_hash: true_output(),
    };
    s.commit(&committee[0], first, &vote).unwrap();
    s.next_blocks(COMMIT_WINDOW);
    s.reveal(&committee[0], first, &vote).unwrap();
    assert_eq!(
        s.ballots(first, None).ballots[0].vote,
        None,
        "hidden until the window ends"
    );
    s.next_blocks(REVEAL_WINDOW);
    assert_eq!(s.ballots(first, None).ballots[0].vote, Some(vote));
    s.finalize(first).unwrap();

    let list = |s: &Suite, status: Option<ClaimStatus>, claimant: Option<String>| -> Vec<u64> {
        let resp: poi_types::consensus::ClaimsResponse = s
            .app
            .wrap()
            .query_wasm_smart(
                s.consensus(),
                &QueryMsg::Claims {
                    status,
                    model_id: Some(model),
                    claimant,
                    start_after: None,
                    limit: None,
                },
            )
            .unwrap();
        resp.claims.into_iter().map(|c| c.id).collect()
    };
    assert_eq!(list(&s, None, None), vec![first, second]);
    assert_eq!(list(&s, Some(ClaimStatus::Decided), None), vec![first]);
    assert_eq!(
        list(&s, Some(ClaimStatus::Voting), Some(claimant().to_string())),
        vec![second]
    );
    assert_eq!(
        list(&s, None, Some(s.accounts.alice.to_string())),
        Vec::<u64>::new()
    );
}

#[test]
fn every_bad_claim_or_vote_is_refused_and_changes_nothing() {
    let (mut s, _, model) = suite();
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let member = s.committee(id)[0].clone();
    let outsider = s.accounts.alice.clone();
    let good = s.new_claim(model, &true_output());
    let dataset_id = model - 1;
    let vote = Vote::Exact {
        output_hash: true_output(),
    };

    let mut cases: Vec<(&str, Addr, ExecuteMsg, u128, ContractError)> = vec![];
    let mut bad = good.clone();
    bad.model_id = dataset_id;
    cases.push((
        "claim on a dataset",
        claimant(),
        ExecuteMsg::SubmitClaim(bad),
        PAID,
        ContractError::NotAnActiveModel { id: dataset_id },
    ));
    let mut bad = good.clone();
    bad.model_id = 99;
    cases.push((
        "claim on no asset",
        claimant(),
        ExecuteMsg::SubmitClaim(bad),
        PAID,
        ContractError::NotAnActiveModel { id: 99 },
    ));
    let mut bad = good.clone();
    bad.verifier_hash = poi_types::ContentHash::digest(b"another build").to_string();
    cases.push((
        "unapproved verifier",
        claimant(),
        ExecuteMsg::SubmitClaim(bad.clone()),
        PAID,
        ContractError::VerifierNotApproved {
            hash: bad.verifier_hash,
        },
    ));
    cases.push((
        "underpaid",
        claimant(),
        ExecuteMsg::SubmitClaim(good.clone()),
        PAID - 1,
        ContractError::Underpaid {
            required: PAID,
            paid: PAID - 1,
            denom: "stake".into(),
        },
    ));
    let mut bad = good.clone();
    bad.inputs[0].name = "audio".into();
    cases.push((
        "input the model does not take",
        claimant(),
        ExecuteMsg::SubmitClaim(bad),
        PAID,
        ContractError::InvalidField {
            field: "inputs",
            reason: "the model takes image".into(),
        },
    ));
    let mut bad = good.clone();
    bad.inputs.push(bad.inputs[0].clone());
    cases.push((
        "input twice",
        claimant(),
        ExecuteMsg::SubmitClaim(bad),
        PAID,
        ContractError::InvalidField {
            field: "inputs.name",
            reason: "image given twice".into(),
        },
    ));
    let mut bad = good.clone();
    bad.inputs[0].uri = "no scheme".into();
    cases.push((
        "input URI",
        claimant(),
        ExecuteMsg::SubmitClaim(bad),
        PAID,
        ContractError::InvalidField {
            field: "inputs.uri",
            reason: "must not contain whitespace or control characters".into(),
        },
    ));
    let mut bad = good.clone();
    bad.seal = Some(verifier_hash().to_string());
    cases.push((
        "sealed by a non-auditor",
        claimant(),
        ExecuteMsg::SubmitClaim(bad),
        PAID,
        ContractError::NotAuditor,
    ));
    cases.push((
        "commit by an outsider",
        outsider.clone(),
        ExecuteMsg::CommitVote {
            claim_id: id,
            commitment: verifier_hash().to_string(),
        },
        0,
        ContractError::NotOnCommittee {
            operator: outsider.to_string(),
            claim_id: id,
        },
    ));
    cases.push((
        "commit to an unknown claim",
        member.clone(),
        ExecuteMsg::CommitVote {
            claim_id: 77,
            commitment: verifier_hash().to_string(),
        },
        0,
        ContractError::ClaimNotFound { id: 77 },
    ));
    cases.push((
        "reveal without a commitment",
        member.clone(),
        ExecuteMsg::RevealVote {
            claim_id: id,
            vote: vote.clone(),
            salt: salt(&member, id),
        },
        0,
        ContractError::OutsideWindow {
            claim_id: id,
            window: "reveal",
            start: s.claim(id).round().commit_end,
            end: s.claim(id).round().reveal_end,
            height: s.height(),
        },
    ));
    cases.push((
        "finalise during the commit window",
        outsider.clone(),
        ExecuteMsg::Finalize { claim_id: id },
        0,
        ContractError::TooEarly {
            claim_id: id,
            height: s.claim(id).round().reveal_end,
        },
    ));
    cases.push((
        "dispute an open claim",
        outsider.clone(),
        ExecuteMsg::Dispute { claim_id: id },
        DISPUTE_BOND,
        ContractError::WrongStatus {
            claim_id: id,
            status: ClaimStatus::Voting,
            action: "a dispute",
        },
    ));
    cases.push((
        "contracts by a stranger",
        outsider.clone(),
        ExecuteMsg::UpdateContracts {
            registry: Some(outsider.to_string()),
            staking: None,
            service_id: None,
        },
        0,
        ContractError::Admin(cw_controllers::AdminError::NotAdmin {}),
    ));
    cases.push((
        "params by a stranger",
        outsider.clone(),
        ExecuteMsg::UpdateParams(default_params()),
        0,
        ContractError::Admin(cw_controllers::AdminError::NotAdmin {}),
    ));
    let mut weak = default_params();
    weak.quorum_bps = 5_000;
    cases.push((
        "a quorum of half",
        s.accounts.admin.clone(),
        ExecuteMsg::UpdateParams(weak),
        0,
        ContractError::InvalidField {
            field: "quorum_bps",
            reason: "more than 5000, at most 10000".into(),
        },
    ));
    let mut huge = default_params();
    huge.escalation_committee_size = 129;
    cases.push((
        "a committee too large to finalise",
        s.accounts.admin.clone(),
        ExecuteMsg::UpdateParams(huge),
        0,
        ContractError::InvalidField {
            field: "escalation_committee_size",
            reason: "more than committee_size, at most 128".into(),
        },
    ));

    for (name, sender, msg, funds, expected) in cases {
        let before = state(&s);
        let balance = s.balance(&sender);
        let result = s.consent(&sender, &msg, funds);
        assert!(result.is_err(), "{name}: accepted");
        assert_rejected(result, &expected);
        assert_eq!(state(&s), before, "{name}: state changed");
        assert_eq!(s.balance(&sender), balance, "{name}: funds moved");
    }

    // Commit twice, then reveal a different vote than committed.
    s.commit(&member, id, &vote).unwrap();
    assert_rejected(
        s.commit(&member, id, &vote),
        &ContractError::AlreadyCommitted {
            operator: member.to_string(),
            claim_id: id,
        },
    );
    s.next_blocks(COMMIT_WINDOW);
    let other = Vote::Exact {
        output_hash: wrong_output(),
    };
    assert_rejected(
        s.reveal(&member, id, &other),
        &ContractError::CommitmentMismatch,
    );
    let short_salt = ExecuteMsg::RevealVote {
        claim_id: id,
        vote: vote.clone(),
        salt: Binary::from(vec![1u8; 4]),
    };
    assert_rejected(
        s.consent(&member, &short_salt, 0),
        &ContractError::InvalidField {
            field: "salt",
            reason: "16 to 64 bytes".into(),
        },
    );
    s.reveal(&member, id, &vote).unwrap();
    assert_rejected(
        s.reveal(&member, id, &vote),
        &ContractError::AlreadyRevealed {
            operator: member.to_string(),
            claim_id: id,
        },
    );
}

/// Everything the consensus contract shows, to compare before and after a refused message.
fn state(s: &Suite) -> String {
    let claims: serde_json::Value = s
        .app
        .wrap()
        .query_wasm_smart(
            s.consensus(),
            &QueryMsg::Claims {
                status: None,
                model_id: None,
                claimant: None,
                start_after: None,
                limit: Some(100),
            },
        )
        .unwrap();
    let params: serde_json::Value = s
        .app
        .wrap()
        .query_wasm_smart(s.consensus(), &QueryMsg::Params {})
        .unwrap();
    let config: serde_json::Value = s
        .app
        .wrap()
        .query_wasm_smart(s.consensus(), &QueryMsg::Config {})
        .unwrap();
    let ballots: Vec<_> = claims["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s.ballots(c["id"].as_u64().unwrap(), None))
        .collect();
    let records: Vec<_> = (0..5)
        .map(|i| s.record(&poi_tests::consensus::op(i)))
        .collect();
    format!(
        "{claims}{params}{config}{ballots:?}{records:?}{}",
        s.balance(&s.consensus())
    )
}

#[test]
fn a_slash_the_staking_contract_refuses_does_not_block_the_claim() {
    let mut params = default_params();
    params.wrong_vote_slash_bps = 10_000;
    let mut s = SuiteBuilder::new()
        .with_service_max_slash(2_000)
        .with_consensus(params)
        .build();
    s.start_operators(5);
    let (model, _) = s.register_priced_model(VerificationPolicy::Exact {});
    let id = s
        .submit(&claimant(), s.new_claim(model, &true_output()))
        .unwrap();
    let committee = s.committee(id);
    let liar = committee[2].clone();
    s.play_round(id, &true_output(), |m| {
        if *m == liar {
            Behaviour::Votes(wrong_output())
        } else {
            Behaviour::Honest
        }
    });
    s.finalize(id).unwrap();
    s.next_blocks(DISPUTE_WINDOW);
    let res = s.finalize(id).unwrap();
    assert!(
        res.events
            .iter()
            .any(|e| e.attributes.iter().any(|a| a.value == "slash_refused"))
    );
    assert_eq!(stake(&s, &liar), OPERATOR_STAKE);
    assert_eq!(
        s.record(&liar).slashes,
        0,
        "the record follows what really happened"
    );
    let order = s.settlement(id).unwrap().slashes;
    assert_eq!(order.len(), 1);
    assert!(order[0].operator == liar && order[0].refused, "{order:?}");
    assert_eq!(s.claim(id).status, ClaimStatus::Final);
}

/// A claim stored by 0.1 (its inputs without a format, read by their URI's extension) is rewritten
/// by `migrate` with the format that extension gives; a downgrade is refused.
#[test]
fn migrating_from_0_1_names_each_stored_inputs_format() {
    use cw_multi_test::Executor;
    use poi_types::consensus::{InputFormat, MigrateMsg, storage};

    let (mut s, _, model) = suite();
    let mut claim = s.new_claim(model, &true_output());
    claim.inputs[0].uri = "https://data.example/seven.pb".into();
    let id = s.submit(&claimant(), claim).unwrap();
    let consensus = s.consensus();
    let code_id = s
        .app
        .wrap()
        .query_wasm_contract_info(&consensus)
        .unwrap()
        .code_id;

    // Put the contract's storage back the way 0.1 left it.
    let key = [
        &(storage::CLAIMS.len() as u16).to_be_bytes()[..],
        storage::CLAIMS.as_bytes(),
        &id.to_be_bytes(),
    ]
    .concat();
    {
        let mut store = s.app.contract_storage_mut(&consensus);
        let mut record: serde_json::Value =
            serde_json::from_slice(&store.get(&key).unwrap()).unwrap();
        record["inputs"][0]
            .as_object_mut()
            .unwrap()
            .remove("format");
        store.set(&key, &serde_json::to_vec(&record).unwrap());
        // 0.1's config held the admin and named no service.
        let mut config: serde_json::Value =
            serde_json::from_slice(&store.get(b"config").unwrap()).unwrap();
        let config_fields = config.as_object_mut().unwrap();
        config_fields.remove("service_id");
        config_fields.insert("admin".into(), s.accounts.admin.to_string().into());
        store.set(b"config", &serde_json::to_vec(&config).unwrap());
        store.remove(b"admin");
        cw2::set_contract_version(
            store.as_mut(),
            poi_consensus::contract::CONTRACT_NAME,
            "0.1.0",
        )
        .unwrap();
    }

    let admin = s.accounts.admin.clone();
    s.app
        .migrate_contract(admin.clone(), consensus.clone(), &MigrateMsg {}, code_id)
        .unwrap();
    assert_eq!(s.claim(id).inputs[0].format, InputFormat::OnnxPb);
    let config: poi_types::consensus::Config = s
        .app
        .wrap()
        .query_wasm_smart(&consensus, &poi_types::consensus::QueryMsg::Config {})
        .unwrap();
    assert_eq!(
        config.service_id, 1,
        "0.1 slashed for staking's only service"
    );
    let now: cw_controllers::AdminResponse = s
        .app
        .wrap()
        .query_wasm_smart(&consensus, &poi_types::consensus::QueryMsg::Admin {})
        .unwrap();
    assert_eq!(now.admin, Some(s.accounts.admin.to_string()));
    let version = cw2::query_contract_info(&s.app.wrap(), consensus.to_string()).unwrap();
    assert_eq!(version.version, poi_consensus::contract::CONTRACT_VERSION);

    {
        let mut store = s.app.contract_storage_mut(&consensus);
        cw2::set_contract_version(
            store.as_mut(),
            poi_consensus::contract::CONTRACT_NAME,
            "9.0.0",
        )
        .unwrap();
    }
    assert!(
        s.app
            .migrate_contract(admin, consensus, &MigrateMsg {}, code_id)
            .is_err(),
        "a downgrade was accepted"
    );
}
