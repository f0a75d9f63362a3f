//! Ending a round and settling a claim.
//!
//! A round ends after its reveal window, or early once the revealed stake on one side reaches the
//! quorum. The verdict is `Accepted` or `Rejected` when that side's revealed stake reaches the
//! quorum of committee stake, else `Inconclusive`. Voters on the verdict's side share the reward;
//! voters on the other side are slashed for a wrong vote, and members that did not reveal by the
//! end of the window for a no-show. An auditor's opened canary overrides the count: the claim is
//! rejected and whoever accepted it was wrong.
//!
//! Nothing is paid or slashed when the first round ends: its verdict may still be overturned by a
//! dispute, and voters are judged against the verdict that stands. Settlement, after the dispute
//! window or at the end of the dispute round, judges every round against the final verdict (right
//! voters paid, wrong voters and no-shows slashed, each operator at most once per claim) and pays
//! out what the claim holds, `price + reward + bond` and any dispute bond: on `Accepted` the price to
//! the model and its lineage and the bond back; on `Rejected` the price back and the bond forfeited
//! (a part to the deciding round's right voters); on `Inconclusive` everything back. The reward
//! goes to the first round's right voters, else the dispute round's, else back to the claimant. A
//! dispute that confirms the first verdict forfeits the dispute bond; otherwise it is returned.
//! Nothing stays behind, and what went where is kept as the claim's [`Settlement`].

use cosmwasm_std::{Addr, DepsMut, Empty, Env, Response, Storage, SubMsg, Uint128};
use poi_types::consensus::events;
use poi_types::consensus::{
    Claim, ClaimStatus, Config, Member, Params, PayoutReason, Round, Settlement, SlashOrder,
    Verdict,
};

use crate::ContractError;
use crate::claims;
use crate::payouts;
use crate::payouts::Ledger;
use crate::state::{
    BALLOTS, COMMITTEES, CONFIG, PARAMS, RECORDS, SETTLEMENTS, SLASHED, claims as claim_map,
};

/// Whether `stake` reaches `quorum_bps` of `committee`.
fn reaches_quorum(stake: Uint128, committee: Uint128, quorum_bps: u16) -> bool {
    !committee.is_zero()
        && stake.full_mul(u128::from(poi_types::consensus::BPS))
            >= committee.full_mul(u128::from(quorum_bps))
}

/// Slashes and records of one settlement, collected so each operator is slashed once per claim.
struct Penalties<'a> {
    config: &'a Config,
    claim_id: u64,
    /// The round being judged, and the height its stake was read at.
    round: u8,
    snapshot_height: u64,
    msgs: Vec<SubMsg>,
    orders: Vec<SlashOrder>,
}

impl Penalties<'_> {
    fn slash(
        &mut self,
        storage: &mut dyn Storage,
        operator: &Addr,
        bps: u16,
        reason: &str,
    ) -> Result<(), ContractError> {
        if bps == 0 || SLASHED.has(storage, (self.claim_id, operator)) {
            return Ok(());
        }
        SLASHED.save(storage, (self.claim_id, operator), &Empty {})?;
        update_record(storage, operator, |r| r.slashes += 1)?;
        self.orders.push(SlashOrder {
            operator: operator.clone(),
            round: self.round,
            bps,
            reason: reason.to_string(),
            refused: false,
        });
        self.msgs.push(payouts::slash(
            self.config,
            operator,
            bps,
            self.claim_id,
            self.snapshot_height,
            reason,
        )?);
        Ok(())
    }
}

fn update_record(
    storage: &mut dyn Storage,
    operator: &Addr,
    change: impl FnOnce(&mut poi_types::consensus::OperatorRecord),
) -> Result<(), ContractError> {
    let mut record = RECORDS.may_load(storage, operator)?.unwrap_or_default();
    change(&mut record);
    RECORDS.save(storage, operator, &record)?;
    Ok(())
}

/// Which side a vote is on relative to the verdict: `Some(true)` right, `Some(false)` wrong,
/// `None` when the verdict has no side.
fn is_right(verdict: Verdict, agrees: bool) -> Option<bool> {
    match verdict {
        Verdict::Accepted => Some(agrees),
        Verdict::Rejected => Some(!agrees),
        Verdict::Inconclusive => None,
    }
}

pub fn finalize(deps: DepsMut, env: Env, claim_id: u64) -> Result<Response, ContractError> {
    let claim = claims::load(deps.storage, claim_id)?;
    match claim.status {
        ClaimStatus::Voting | ClaimStatus::Disputed => end_round(deps, env, claim),
        ClaimStatus::Decided => {
            let dispute_end = claim.dispute_end.unwrap_or_default();
            if env.block.height < dispute_end {
                return Err(ContractError::TooEarly {
                    claim_id,
                    height: dispute_end,
                });
            }
            settle(deps, &env, claim)
        }
        ClaimStatus::Final => Err(ContractError::WrongStatus {
            claim_id,
            status: claim.status,
            action: "finalising",
        }),
    }
}

/// The verdict the revealed stake of a round reaches, if either side reaches the quorum.
fn counted(round: &Round, quorum_bps: u16) -> Option<Verdict> {
    let quorum = |stake| reaches_quorum(stake, round.committee_stake, quorum_bps);
    if quorum(round.agree_stake) {
        Some(Verdict::Accepted)
    } else if quorum(round.disagree_stake) {
        Some(Verdict::Rejected)
    } else {
        None
    }
}

fn end_round(deps: DepsMut, env: Env, mut claim: Claim) -> Result<Response, ContractError> {
    let params = PARAMS.load(deps.storage)?;
    let height = env.block.height;
    let round = claim.round().clone();
    let sealed = claim.seal.is_some() && claim.canary.is_none() && round.number == 1;
    let counted = counted(&round, params.quorum_bps);
    let early = height < round.reveal_end;
    if height < round.commit_end || (early && (counted.is_none() || sealed)) {
        return Err(ContractError::TooEarly {
            claim_id: claim.id,
            height: round.reveal_end,
        });
    }
    if sealed && height < round.reveal_end + params.reveal_window {
        return Err(ContractError::SealNotOpened {
            claim_id: claim.id,
            until: round.reveal_end + params.reveal_window,
        });
    }
    let verdict = if claim.canary == Some(true) {
        Verdict::Rejected
    } else {
        counted.unwrap_or(Verdict::Inconclusive)
    };
    let current = claim.rounds.last_mut().expect("a claim has a round");
    current.verdict = Some(verdict);
    current.ended_height = Some(height);
    claim.verdict = Some(verdict);

    let response = Response::new()
        .add_attribute("action", "finalize_round")
        .add_attribute(events::CLAIM_ID, claim.id.to_string())
        .add_attribute("round", round.number.to_string())
        .add_attribute(events::VERDICT, format!("{verdict:?}"));
    if round.number == 1 && claim.canary != Some(true) {
        // A canary's truth is known; any other first verdict may still be disputed.
        claim.status = ClaimStatus::Decided;
        let dispute_end = height + params.dispute_window;
        claim.dispute_end = Some(dispute_end);
        claim_map().save(deps.storage, claim.id, &claim)?;
        return Ok(response.add_attribute("dispute_end", dispute_end.to_string()));
    }
    let settled = settle(deps, &env, claim)?;
    Ok(response
        .add_attributes(settled.attributes)
        .add_submessages(settled.messages))
}

/// Judges the members of round `index` against the final verdict: slashes the wrong and the
/// absent, counts the right in their records, and returns them.
fn judge_round(
    storage: &mut dyn Storage,
    claim: &Claim,
    index: usize,
    verdict: Verdict,
    params: &Params,
    penalties: &mut Penalties,
) -> Result<Vec<Member>, ContractError> {
    let round = &claim.rounds[index];
    let ended_early = round.ended_height.is_some_and(|h| h < round.reveal_end);
    let wrong = match (claim.canary == Some(true), index) {
        (true, _) => "accepted a canary",
        (false, 0) if claim.rounds.len() > 1 && claim.rounds[0].verdict != Some(verdict) => {
            "wrong vote, overturned on dispute"
        }
        _ => "wrong vote",
    };
    let mut winners = Vec::new();
    for member in COMMITTEES.load(storage, (claim.id, round.number))? {
        let vote = BALLOTS
            .may_load(storage, (claim.id, round.number, &member.operator))?
            .and_then(|b| b.vote);
        match vote.map(|v| is_right(verdict, v.agrees_with(&claim.output.output_hash))) {
            Some(Some(true)) => {
                update_record(storage, &member.operator, |r| r.agreements += 1)?;
                winners.push(member);
            }
            Some(Some(false)) => {
                penalties.slash(
                    storage,
                    &member.operator,
                    params.wrong_vote_slash_bps,
                    wrong,
                )?;
            }
            Some(None) => {}
            // Members still inside the reveal window of a round that ended early were not absent.
            None if ended_early => {}
            None => {
                update_record(storage, &member.operator, |r| r.no_shows += 1)?;
                penalties.slash(
                    storage,
                    &member.operator,
                    params.no_show_slash_bps,
                    "no-show",
                )?;
            }
        }
    }
    Ok(winners)
}

/// Judges every round against the final verdict, pays out what the claim holds and marks it final.
fn settle(deps: DepsMut, env: &Env, mut claim: Claim) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let params = PARAMS.load(deps.storage)?;
    let verdict = claim.verdict.unwrap_or(Verdict::Inconclusive);
    let mut penalties = Penalties {
        config: &config,
        claim_id: claim.id,
        round: claim.rounds[0].number,
        snapshot_height: claim.rounds[0].snapshot_height,
        msgs: vec![],
        orders: vec![],
    };
    let first = judge_round(deps.storage, &claim, 0, verdict, &params, &mut penalties)?;
    let second = if claim.rounds.len() > 1 {
        penalties.round = claim.rounds[1].number;
        penalties.snapshot_height = claim.rounds[1].snapshot_height;
        judge_round(deps.storage, &claim, 1, verdict, &params, &mut penalties)?
    } else {
        vec![]
    };
    let deciding = if claim.rounds.len() > 1 {
        &second
    } else {
        &first
    };
    let decisive = verdict != Verdict::Inconclusive;

    let mut ledger = Ledger::new(&config);
    let mut refund = Uint128::zero();
    match (decisive, first.is_empty(), second.is_empty()) {
        (true, false, _) => ledger.reward(&first, claim.reward, PayoutReason::VoterReward)?,
        (true, true, false) => ledger.reward(&second, claim.reward, PayoutReason::VoterReward)?,
        _ => refund += claim.reward,
    }
    match verdict {
        _ if claim.canary == Some(true) => refund += claim.price + claim.bond,
        Verdict::Accepted => {
            ledger.fee(&deps.querier, claim.model_id, claim.price)?;
            refund += claim.bond;
        }
        Verdict::Rejected => {
            refund += claim.price;
            ledger.forfeit(&params, deciding, claim.bond)?;
        }
        Verdict::Inconclusive => refund += claim.price + claim.bond,
    }
    ledger.send(&claim.claimant, refund, PayoutReason::Refund);

    let mut response = Response::new()
        .add_attribute("action", "settle_claim")
        .add_attribute(events::CLAIM_ID, claim.id.to_string())
        .add_attribute(events::FINAL_VERDICT, format!("{verdict:?}"));
    if let Some(dispute) = &claim.dispute {
        let confirmed = decisive && claim.rounds[0].verdict == Some(verdict);
        if confirmed {
            ledger.forfeit(&params, &second, dispute.bond)?;
        } else {
            ledger.send(
                &dispute.disputer,
                dispute.bond,
                PayoutReason::DisputeBondReturned,
            );
        }
        let outcome = if confirmed { "lost" } else { "bond returned" };
        response = response.add_attribute("dispute", outcome);
    }
    claim.status = ClaimStatus::Final;
    claim_map().save(deps.storage, claim.id, &claim)?;
    // Saved before the slashes run: a refused one marks its order in the reply.
    SETTLEMENTS.save(
        deps.storage,
        claim.id,
        &Settlement {
            claim_id: claim.id,
            height: env.block.height,
            verdict,
            transfers: ledger.transfers,
            slashes: penalties.orders,
        },
    )?;
    Ok(response
        .add_messages(ledger.msgs)
        .add_submessages(penalties.msgs))
}
