//! Random committees voting in random ways, with and without a dispute: the verdict follows the
//! quorum of revealed stake, every coin that came in goes out exactly once, and no operator is
//! slashed twice for one claim.

use std::collections::BTreeMap;

use cosmwasm_std::Addr;
use poi_tests::consensus::{
    Behaviour, DISPUTE_BOND, claimant, default_params, treasury, true_output, wrong_output,
};
use poi_tests::staking::community_pool;
use poi_tests::suite::{Suite, SuiteBuilder};
use poi_types::consensus::{ClaimStatus, ExecuteMsg, Verdict};
use poi_types::registry::VerificationPolicy;
use proptest::prelude::*;

fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        4 => Just(Behaviour::Honest),
        1 => Just(Behaviour::Votes(wrong_output())),
        1 => Just(Behaviour::AlwaysAccept),
        1 => Just(Behaviour::CommitsOnly),
        1 => Just(Behaviour::Absent),
    ]
}

/// The verdict a round's reveals call for: the stake revealing agreement with the claimed output
/// against the stake revealing disagreement, each against two thirds of the committee's stake.
fn expected_verdict(s: &Suite, claim_id: u64, round: usize) -> Verdict {
    let claim = s.claim(claim_id);
    let r = &claim.rounds[round];
    let ballots = s.ballots(claim_id, Some(r.number)).ballots;
    let committee: poi_types::consensus::CommitteeResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            s.consensus(),
            &poi_types::consensus::QueryMsg::Committee {
                claim_id,
                round: Some(r.number),
            },
        )
        .unwrap();
    let stake_of = |who: &Addr| {
        committee
            .members
            .iter()
            .find(|m| m.operator == *who)
            .unwrap()
            .stake
            .u128()
    };
    let total: u128 = committee.members.iter().map(|m| m.stake.u128()).sum();
    let (mut agree, mut disagree) = (0u128, 0u128);
    for ballot in ballots {
        match ballot.vote {
            Some(v) if v.agrees_with(&claim.output.output_hash) => {
                agree += stake_of(&ballot.operator)
            }
            Some(_) => disagree += stake_of(&ballot.operator),
            None => {}
        }
    }
    if agree * 10_000 >= total * 6_666 {
        Verdict::Accepted
    } else if disagree * 10_000 >= total * 6_666 {
        Verdict::Rejected
    } else {
        Verdict::Inconclusive
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn verdicts_follow_the_quorum_and_every_coin_is_accounted_for(
        claim_is_true in any::<bool>(),
        first in prop::collection::vec(behaviour(), 3),
        dispute in prop::option::of(prop::collection::vec(behaviour(), 5)),
    ) {
        let mut s = SuiteBuilder::new().with_consensus(default_params()).build();
        s.start_operators(9);
        let (model, _) = s.register_priced_model(VerificationPolicy::Exact {});
        let disputer = s.accounts.carol.clone();
        let watched: Vec<Addr> = vec![
            claimant(), disputer.clone(), s.accounts.alice.clone(), s.accounts.bob.clone(),
            treasury(), community_pool(), s.staking(), s.consensus(),
        ];
        let balances = |s: &Suite| -> Vec<u128> { watched.iter().map(|a| s.balance(a)).collect() };
        let before = balances(&s);

        let claimed = if claim_is_true { true_output() } else { wrong_output() };
        let id = s.submit(&claimant(), s.new_claim(model, &claimed)).unwrap();
        let committee = s.committee(id);
        let plan: BTreeMap<Addr, Behaviour> = committee.iter().cloned().zip(first).collect();
        s.play_round(id, &true_output(), |m| plan[m].clone());
        s.finalize(id).unwrap();
        // 1. The first verdict is what the revealed stake calls for.
        prop_assert_eq!(s.claim(id).rounds[0].verdict, Some(expected_verdict(&s, id, 0)));

        match dispute {
            Some(behaviours) => {
                s.consent(&disputer, &ExecuteMsg::Dispute { claim_id: id }, DISPUTE_BOND).unwrap();
                let second = s.committee(id);
                let plan: BTreeMap<Addr, Behaviour> = second.iter().cloned().zip(behaviours).collect();
                s.play_round(id, &true_output(), |m| plan[m].clone());
                s.finalize(id).unwrap();
                prop_assert_eq!(s.claim(id).verdict, Some(expected_verdict(&s, id, 1)));
            }
            None => {
                s.next_blocks(poi_tests::consensus::DISPUTE_WINDOW);
                s.finalize(id).unwrap();
            }
        }
        prop_assert_eq!(s.claim(id).status, ClaimStatus::Final);

        // 2. What came in went out: nothing stays in the contract, nothing is created or lost.
        let after = balances(&s);
        prop_assert_eq!(s.balance(&s.consensus()), 0);
        let before_total: u128 = before.iter().sum();
        let after_total: u128 = after.iter().sum();
        prop_assert_eq!(before_total, after_total);

        // 3. Nobody is slashed twice for the claim.
        for i in 0..9 {
            let operator = poi_tests::consensus::op(i);
            let slashes = s.slash_history(&operator).slashes;
            prop_assert!(slashes.iter().filter(|r| r.claim_id == id).count() <= 1);
        }

        // 4. The settlement record says where everything the claim held went, and whom it slashed:
        // exactly the staking contract's slashes for the claim.
        let claim = s.claim(id);
        let settlement = s.settlement(id).expect("a final claim has its settlement");
        let held = claim.price + claim.reward + claim.bond + claim.dispute.map(|d| d.bond).unwrap_or_default();
        let paid: cosmwasm_std::Uint128 = settlement.transfers.iter().map(|t| t.amount).sum();
        prop_assert_eq!(paid, held);
        prop_assert_eq!(Some(settlement.verdict), claim.verdict);
        for i in 0..9 {
            let operator = poi_tests::consensus::op(i);
            let cut = s.slash_history(&operator).slashes.iter().any(|r| r.claim_id == id);
            let ordered = settlement.slashes.iter().any(|o| o.operator == operator && !o.refused);
            prop_assert_eq!(cut, ordered, "operator {}", i);
        }
    }
}
