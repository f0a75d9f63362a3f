//! A full Proof-of-Inference round on the three optimised artefacts in cosmwasm-vm, with the gas of
//! each consensus message, for a given committee size.
//!
//! The consensus contract's queries (the model and verifier from the registry, the committee
//! candidates from staking) are answered by the registry and staking artefacts running next to it.
//! The messages it emits (slashes, rewards, payouts) are the staking and bank modules' work and are
//! not executed here; their cost is in the staking report and on the real chain.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use cosmwasm_std::{Addr, Binary, Coin, Response, Uint128, coin};
use poi_types::ContentHash;
use poi_types::consensus::{
    ClaimedOutput, ExecuteMsg, InputFormat, InputRef, InstantiateMsg, NewClaim, ParamsMsg, Vote,
};
use poi_types::registry::{ExecuteMsg as RegistryMsg, VerificationPolicy};
use poi_types::staking::{ExecuteMsg as StakingMsg, OperatorMetadata, SlashDestination};

use crate::suite::model;
use crate::vm::{GasLine, VmContract};

const WINDOW: u64 = 10;

/// Committee sizes the report compares; 64 is the largest first round the parameters allow.
pub const COMMITTEE_SIZES: [u32; 3] = [4, 16, 64];

fn attribute(response: &Response, key: &str) -> Result<String, String> {
    response
        .attributes
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.clone())
        .ok_or_else(|| format!("no {key} attribute"))
}

fn params(committee_size: u32, escalation: u32) -> ParamsMsg {
    ParamsMsg {
        committee_size,
        escalation_committee_size: escalation,
        max_candidates: 256,
        quorum_bps: 6_666,
        commit_window: WINDOW,
        reveal_window: WINDOW,
        fee_floor: Uint128::new(1_000),
        claimant_bond: Uint128::new(5_000),
        wrong_vote_slash_bps: 1_000,
        no_show_slash_bps: 500,
        dispute_window: WINDOW,
        dispute_bond: Uint128::new(8_000),
        forfeit_to_voters_bps: 5_000,
        forfeit_destination: SlashDestination::Burn {},
        auditors: vec![],
    }
}

/// Plays one round: every member commits and reveals the true output, except the first, which
/// lies, and the second, which stays away. Returns the round's `reveal_end`.
fn play_round(
    consensus: &mut VmContract,
    committee: &[Addr],
    round: &str,
    truth: &ContentHash,
) -> Result<u64, String> {
    let size = committee.len();
    let vote_of = |i: usize| Vote::Exact {
        output_hash: if i == 0 {
            ContentHash::digest(b"a lie")
        } else {
            truth.clone()
        },
    };
    let salt = |member: &Addr| Binary::from(ContentHash::digest(member.as_bytes()).to_bytes());
    let start = consensus.height();
    for (i, member) in committee.iter().enumerate().filter(|(i, _)| *i != 1) {
        let commit = ExecuteMsg::CommitVote {
            claim_id: 1,
            commitment: vote_of(i)
                .commitment(member.as_str(), &salt(member))
                .to_string(),
        };
        consensus.execute_from(&format!("commit_vote, {round} ({size})"), member, &commit)?;
        consensus.set_height(start);
    }
    consensus.set_height(start + WINDOW);
    for (i, member) in committee.iter().enumerate().filter(|(i, _)| *i != 1) {
        let reveal = ExecuteMsg::RevealVote {
            claim_id: 1,
            vote: vote_of(i),
            salt: salt(member),
        };
        consensus.execute_from(&format!("reveal_vote, {round} ({size})"), member, &reveal)?;
        consensus.set_height(start + WINDOW);
    }
    Ok(start + 2 * WINDOW)
}

/// Submit, commit, reveal, finalise, dispute, the dispute round and its settlement, with a
/// committee of `size` and a dispute committee of twice that (at most 128).
pub fn consensus_round_gas(
    registry_wasm: &[u8],
    staking_wasm: &[u8],
    consensus_wasm: &[u8],
    size: u32,
) -> Result<Vec<GasLine>, String> {
    let escalation = (2 * size).min(poi_types::consensus::MAX_ESCALATION_SIZE);
    let mut registry = VmContract::new(registry_wasm);
    registry.instantiate(
        "instantiate",
        "admin",
        &poi_types::registry::InstantiateMsg {
            admin: None,
            name: "poi".into(),
            symbol: "POI".into(),
        },
    )?;
    let mut new_model = model(b"classifier", "classifier", &[]);
    new_model.price_per_use = Some(coin(2_000, "stake"));
    if let Some(spec) = new_model.model.as_mut() {
        spec.policy = VerificationPolicy::Exact {};
    }
    registry.execute("register", "alice", &RegistryMsg::RegisterAsset(new_model))?;
    let verifier = ContentHash::digest(b"poi_verifier.wasm");
    registry.execute(
        "approve",
        "admin",
        &RegistryMsg::ApproveVerifier {
            hash: verifier.to_string(),
            version: "0.1.0".into(),
            uri: "ipfs://verifier".into(),
        },
    )?;

    let mut staking = VmContract::new(staking_wasm);
    staking.instantiate(
        "instantiate",
        "admin",
        &poi_types::staking::InstantiateMsg {
            admin: None,
            bond_denom: "stake".into(),
            withdrawal_delay: 7 * 24 * 3600,
            allocation_delay: 0,
            min_self_bond: Uint128::new(100),
            max_open_withdrawals: 10,
            slash_destination: SlashDestination::Burn {},
        },
    )?;
    let consensus_addr = staking.addr("consensus").to_string();
    staking.execute(
        "register_service",
        "admin",
        &StakingMsg::RegisterService {
            name: "poi consensus".into(),
            uri: None,
            slasher: consensus_addr,
            max_slash_bps: 10_000,
        },
    )?;
    let allocate_all = StakingMsg::SetAllocation {
        service_id: 1,
        bps: 10_000,
    };
    // Enough operators for both committees, with different stakes.
    for i in 0..(size + escalation) as u128 {
        let name = format!("op{i}");
        let address = staking.addr(&name).to_string();
        let register = StakingMsg::RegisterOperator {
            commission_bps: 500,
            metadata: OperatorMetadata {
                moniker: name.clone(),
                uri: None,
            },
        };
        staking.execute("register", &name, &register)?;
        staking
            .with_funds(vec![coin(1_000 + 10 * i, "stake")])
            .execute("bond", &name, &StakingMsg::Delegate { operator: address })?;
        staking.execute("allocate", &name, &allocate_all)?;
    }
    let (registry_addr, staking_addr) = (registry.addr("registry"), registry.addr("staking"));
    let height = staking.height();
    let registry = Rc::new(RefCell::new(registry));
    let staking = Rc::new(RefCell::new(staking));

    let mut consensus = VmContract::new(consensus_wasm);
    consensus.route_queries_to(vec![
        (registry_addr.to_string(), registry.clone()),
        (staking_addr.to_string(), staking.clone()),
    ]);
    consensus.set_height(height);
    consensus.instantiate(
        "instantiate",
        "admin",
        &InstantiateMsg {
            admin: None,
            registry: registry_addr.to_string(),
            staking: staking_addr.to_string(),
            service_id: 1,
            denom: "stake".into(),
            params: params(size, escalation),
        },
    )?;
    consensus.lines.clear();

    let truth = ContentHash::digest(b"the model's real output");
    let claim = NewClaim {
        model_id: 1,
        verifier_hash: verifier.to_string(),
        inputs: vec![InputRef {
            name: "image".into(),
            sha256: ContentHash::digest(b"a handwritten 7"),
            uri: "ipfs://seven".into(),
            format: InputFormat::Npy,
        }],
        output: ClaimedOutput {
            output_hash: truth.clone(),
            output_uri: None,
        },
        seal: None,
    };
    let paid: Vec<Coin> = vec![coin(2_000 + 1_000 + 5_000, "stake")];
    let submitted = consensus.with_funds(paid).execute(
        &format!("submit_claim ({size})"),
        "claimant",
        &ExecuteMsg::SubmitClaim(claim),
    )?;
    let committee: Vec<Addr> = attribute(&submitted, poi_types::consensus::events::COMMITTEE)?
        .split(',')
        .map(Addr::unchecked)
        .collect();
    if committee.len() != size as usize {
        return Err(format!("drew {} members, not {size}", committee.len()));
    }
    let reveal_end = play_round(&mut consensus, &committee, "first round", &truth)?;
    consensus.set_height(reveal_end);
    let finalize = ExecuteMsg::Finalize { claim_id: 1 };
    consensus.execute(
        &format!("finalize, first round ({size})"),
        "anyone",
        &finalize,
    )?;

    let disputed = consensus.with_funds(vec![coin(8_000, "stake")]).execute(
        &format!("dispute ({escalation} drawn)"),
        "disputer",
        &ExecuteMsg::Dispute { claim_id: 1 },
    )?;
    let second: Vec<Addr> = attribute(&disputed, poi_types::consensus::events::COMMITTEE)?
        .split(',')
        .map(Addr::unchecked)
        .collect();
    let reveal_end = play_round(&mut consensus, &second, "dispute round", &truth)?;
    consensus.set_height(reveal_end);
    consensus.execute(
        &format!("finalize and settle ({size} + {escalation} judged)"),
        "anyone",
        &finalize,
    )?;
    // Each vote costs about the same; one line per kind says it.
    let mut seen = BTreeMap::new();
    Ok(consensus
        .lines
        .into_iter()
        .filter(|l| seen.insert(l.step.clone(), ()).is_none())
        .collect())
}
