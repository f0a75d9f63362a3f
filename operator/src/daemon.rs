//! The daemon: follow the chain block by block, serve every committee seat this operator is given,
//! finalise claims whose windows have passed, claim rewards.
//!
//! Each seat moves through the [`Stage`]s of its [`Duty`]: decided (vote and salt on disk), commit
//! sent, committed, reveal sent, revealed. Every step first writes what it is about to do to the
//! store, then talks to the chain, then records the outcome; each tick re-derives the next step from
//! the store and the chain alone, so a daemon killed at any point and restarted carries on where it
//! was. A transaction whose outcome is unknown is looked up by the hash recorded before it was
//! broadcast, and the chain's ballot is consulted, before anything is sent again.
//!
//! New blocks are announced by a websocket subscription where the node offers one, and polled for
//! every `poll_interval_ms` in any case (see docs/operator.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use poi_client::blocks::BlockWatcher;
use poi_client::deployments::Contracts;
use poi_client::events::ConsensusEvents;
use poi_client::{Chain, ChainError, Signer};
use poi_types::ContentHash;
use poi_types::consensus::{
    Claim, ClaimStatus, ClaimsResponse, CommitteeResponse, ExecuteMsg, OperatorRecord, Params,
    QueryMsg, Verdict, Vote,
};
use poi_types::staking::{ExecuteMsg as StakingMsg, QueryMsg as StakingQuery, RewardsResponse};
use sha2::{Digest, Sha256};
use tracing::{debug, info, warn};

use crate::config::OperatorConfig;
use crate::error::OperatorError;
use crate::executor::Executor;
use crate::metrics::Metrics;
use crate::seat::{self, Progress};
use crate::store::{Duty, Stage, Store};
use crate::vote::{Basis, Decision};

/// How long one transaction is waited for within a tick; after that the next tick looks it up.
const TX_WAIT: Duration = Duration::from_secs(20);
/// Blocks between one operator's turn to finalise a claim and the next one's.
const FINALIZE_STAGGER: u64 = 2;
/// Longest wait between ticks after errors.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const MEMO: &str = "poi operator";

pub struct Daemon {
    config: OperatorConfig,
    chain: Chain,
    contracts: Contracts,
    signer: Signer,
    me: String,
    store: Store,
    executor: Executor,
    metrics: Metrics,
    params: Params,
    committees: HashMap<(u64, u8), Vec<String>>,
    last_height: u64,
    last_rewards_height: u64,
}

fn hash_of(vote: &Vote) -> &ContentHash {
    match vote {
        Vote::Exact { output_hash } | Vote::Tolerance { output_hash, .. } => output_hash,
    }
}

/// The vote a `wrong_hash` fault casts instead: computed from the honest one, so it differs from
/// it and from the claim's, and is the same on every attempt.
fn faulty(vote: Vote) -> Vote {
    let wrong = ContentHash::from_bytes(
        Sha256::digest(
            [
                b"poi-operator fault: ".as_slice(),
                &hash_of(&vote).to_bytes(),
            ]
            .concat(),
        )
        .into(),
    );
    match vote {
        Vote::Exact { .. } => Vote::Exact { output_hash: wrong },
        Vote::Tolerance { accept, .. } => Vote::Tolerance {
            accept: !accept,
            output_hash: wrong,
        },
    }
}

/// Where `operator` stands in the order the committee finalises `claim` in: a hash of both, so the
/// turn moves between members from claim to claim and needs no coordination.
fn finalize_rank(claim_id: u64, operator: &str, committee: &[String]) -> u64 {
    let key = |who: &str| Sha256::digest([&claim_id.to_be_bytes()[..], who.as_bytes()].concat());
    let mine = key(operator);
    if !committee.iter().any(|m| m == operator) {
        return committee.len() as u64;
    }
    committee.iter().filter(|m| key(m) < mine).count() as u64
}

impl Daemon {
    pub fn new(
        config: OperatorConfig,
        chain: Chain,
        contracts: Contracts,
        signer: Signer,
        metrics: Metrics,
    ) -> Result<Self, OperatorError> {
        let me = signer.address.to_string();
        let registered: Result<poi_types::staking::Operator, _> = chain.smart_query(
            &contracts.staking,
            &StakingQuery::Operator {
                address: me.clone(),
            },
        );
        match registered {
            Ok(_) => {}
            Err(ChainError::Rpc(poi_client::RpcError::QueryFailed { .. })) => {
                return Err(OperatorError::NotAnOperator { address: me });
            }
            Err(e) => return Err(e.into()),
        }
        let params: Params = chain.smart_query(&contracts.consensus, &QueryMsg::Params {})?;
        let store = Store::open(&config.store_path())?;
        store.bind(&me)?;
        let mut executor = Executor::new(&config)?;
        let started = Instant::now();
        let verifiers = executor.warm_up(&chain, &contracts)?;
        let open = store.all()?.into_iter().filter(|d| !d.settled()).count();
        info!(operator = %me, open_duties = open, verifiers, warm_up = ?started.elapsed(), "operator ready");
        Ok(Daemon {
            config,
            chain,
            contracts,
            signer,
            me,
            store,
            executor,
            metrics,
            params,
            committees: HashMap::new(),
            last_height: 0,
            last_rewards_height: 0,
        })
    }

    pub fn address(&self) -> &str {
        &self.me
    }

    /// Ticks until `stop` is set: on every block the node announces over its websocket, and at
    /// least every `poll_interval_ms` (all there is when the subscription is unavailable). Errors
    /// are logged and retried with backoff; none ends the loop.
    pub fn run(&mut self, stop: &AtomicBool) {
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        let mut backoff = poll;
        let mut watched = self.chain.rpc.url().to_string();
        let mut watcher = BlockWatcher::new(&watched);
        // The endpoint and way last reported: reported again whenever either changes, so that a
        // failover shows in the log even when the new endpoint's subscription succeeds as the
        // old one's had (the daemon's e2e checks it).
        let mut reported: Option<(String, bool)> = None;
        while !stop.load(Ordering::Relaxed) {
            match self.tick() {
                Ok(()) => backoff = poll,
                Err(e) => {
                    self.metrics.inc("poi_operator_rpc_errors_total", &[]);
                    warn!(error = %e, retry_in = ?backoff, "tick failed");
                    let until = Instant::now() + backoff;
                    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            }
            // After a failover, subscribe where the reads now go.
            if self.chain.rpc.url() != watched {
                watched = self.chain.rpc.url().to_string();
                watcher = BlockWatcher::new(&watched);
            }
            watcher.wait(poll);
            let now = (watched.clone(), watcher.subscribed());
            if reported.as_ref() != Some(&now) {
                let (endpoint, subscribed) = &now;
                info!(endpoint = %endpoint, subscribed = *subscribed, "following new blocks by {}", if *subscribed { "websocket" } else { "polling" });
                reported = Some(now);
            }
        }
        info!("operator stopped");
    }

    /// One pass over the chain's open claims, if a new block has come.
    pub fn tick(&mut self) -> Result<(), OperatorError> {
        let height = self.chain.height()?;
        self.metrics.set("poi_operator_height", &[], height as f64);
        if height == self.last_height {
            return Ok(());
        }
        self.last_height = height;
        let mut open = self.claims(ClaimStatus::Voting)?;
        open.extend(self.claims(ClaimStatus::Disputed)?);
        for claim in &open {
            if let Err(e) = self.serve_seat(claim, height) {
                warn!(claim = claim.id, error = %e, "could not serve the seat this block");
            }
        }
        let decided = self.claims(ClaimStatus::Decided)?;
        for claim in open.iter().chain(&decided) {
            if let Err(e) = self.finalize_if_due(claim, height) {
                debug!(claim = claim.id, error = %e, "finalize");
            }
        }
        self.account_settled()?;
        self.claim_rewards_if_due(height)?;
        Ok(())
    }

    fn claims(&self, status: ClaimStatus) -> Result<Vec<Claim>, OperatorError> {
        let mut all = Vec::new();
        let mut start_after = None;
        loop {
            let page: ClaimsResponse = self.chain.smart_query(
                &self.contracts.consensus,
                &QueryMsg::Claims {
                    status: Some(status),
                    model_id: None,
                    claimant: None,
                    start_after,
                    limit: Some(poi_types::consensus::MAX_PAGE_LIMIT),
                },
            )?;
            let full = page.claims.len() as u32 == poi_types::consensus::MAX_PAGE_LIMIT;
            start_after = page.claims.last().map(|c| c.id);
            // The contract never stores a claim without a round; a node that says otherwise is not
            // believed (and `Claim::round` is never reached with none).
            let (sound, broken): (Vec<Claim>, Vec<Claim>) =
                page.claims.into_iter().partition(|c| !c.rounds.is_empty());
            for claim in broken {
                warn!(
                    claim = claim.id,
                    "the node returned a claim without rounds; ignored"
                );
            }
            all.extend(sound);
            if !full {
                return Ok(all);
            }
        }
    }

    fn committee(&mut self, claim_id: u64, round: u8) -> Result<&[String], OperatorError> {
        if !self.committees.contains_key(&(claim_id, round)) {
            let resp: CommitteeResponse = self.chain.smart_query(
                &self.contracts.consensus,
                &QueryMsg::Committee {
                    claim_id,
                    round: Some(round),
                },
            )?;
            let members = resp
                .members
                .into_iter()
                .map(|m| m.operator.to_string())
                .collect();
            self.committees.insert((claim_id, round), members);
        }
        Ok(&self.committees[&(claim_id, round)])
    }

    fn serve_seat(&mut self, claim: &Claim, height: u64) -> Result<(), OperatorError> {
        let round = claim.round().clone();
        let me = self.me.clone();
        if !self.committee(claim.id, round.number)?.contains(&me) {
            return Ok(());
        }
        let mut duty = match self.store.get(claim.id, round.number)? {
            Some(duty) => duty,
            None => self.take_seat(claim, height)?,
        };
        if self.config.fault.no_reveal && duty.stage == Stage::Committed {
            if duty.note.is_none() {
                warn!(claim = duty.claim_id, "fault injection: not revealing");
                duty.note = Some("fault injection: not revealing".into());
                self.store.save(&duty)?;
            }
            return Ok(());
        }
        let now = seat::Moment {
            height,
            round_over: claim.round().number != duty.round || claim.round().verdict.is_some(),
        };
        // Each step may make the next one possible in the same block (a vote decided in the
        // commit window is committed at once, and seen on the ballot right after).
        for _ in 0..4 {
            let started = Instant::now();
            let chain = seat::LiveChain {
                chain: &self.chain,
                signer: &self.signer,
                consensus: &self.contracts.consensus,
                wait: TX_WAIT,
                memo: MEMO,
            };
            let progress = seat::advance(&mut duty, &chain, &self.store, now)?;
            if !self.record(&duty, progress, started.elapsed()) {
                break;
            }
        }
        Ok(())
    }

    /// Logs and counts what a step did; whether another step may follow in this block.
    fn record(&self, duty: &Duty, progress: Progress, took: Duration) -> bool {
        match progress {
            Progress::Idle => false,
            Progress::Landed(stage) => {
                let (step, what) = match stage {
                    Stage::Committed => ("commit", "committed"),
                    _ => ("reveal", "revealed"),
                };
                self.metrics.inc(
                    "poi_operator_votes_total",
                    &[("step", step), ("basis", Self::basis_label(duty))],
                );
                info!(claim = duty.claim_id, round = duty.round, "{what}");
                true
            }
            Progress::Missed(why) => {
                warn!(claim = duty.claim_id, round = duty.round, %why, "seat missed");
                self.metrics.inc("poi_operator_missed_total", &[]);
                false
            }
            Progress::Sent { step, result } => match result {
                Some(result) => {
                    debug!(
                        claim = duty.claim_id,
                        height = result.height,
                        "{} included",
                        step.as_str()
                    );
                    self.metrics.observe(step.as_str(), took);
                    true
                }
                // Looked up by its hash on the next block.
                None => false,
            },
            Progress::Failed { step, error } => {
                self.refused(Some(duty.claim_id), step.as_str(), &error);
                false
            }
        }
    }

    /// A seat seen for the first time: re-run the claim and decide the vote, on disk before
    /// anything is sent.
    fn take_seat(&mut self, claim: &Claim, height: u64) -> Result<Duty, OperatorError> {
        let round = claim.round();
        self.metrics.inc("poi_operator_claims_seen_total", &[]);
        let mut duty = Duty::new(
            claim.id,
            round.number,
            round.commit_end,
            round.reveal_end,
            height,
        );
        if height >= round.commit_end {
            duty.note = Some(format!("first seen at {height}, after the commit window"));
            self.metrics.inc("poi_operator_missed_total", &[]);
            warn!(
                claim = claim.id,
                round = round.number,
                "seat seen too late to commit"
            );
            self.store.save(&duty)?;
            return Ok(duty);
        }
        let started = Instant::now();
        let decision = self.executor.decide(&self.chain, &self.contracts, claim)?;
        self.metrics.observe("compute", started.elapsed());
        match decision {
            Decision::Abstain { reason } => {
                warn!(claim = claim.id, %reason, "abstaining");
                self.metrics
                    .inc("poi_operator_abstentions_total", &[("reason", "operator")]);
                duty.stage = Stage::Abstained;
                duty.note = Some(reason);
            }
            Decision::Vote { vote, basis } => {
                let vote = if self.config.fault.wrong_hash {
                    warn!(claim = claim.id, "fault injection: voting a wrong hash");
                    faulty(vote)
                } else {
                    vote
                };
                match &basis {
                    Basis::Computed { output_hash, .. } => {
                        info!(claim = claim.id, round = round.number, %output_hash, agrees = vote.agrees_with(&claim.output.output_hash), "recomputed")
                    }
                    Basis::Unverifiable { reason, detail } => {
                        warn!(claim = claim.id, reason = reason.as_str(), %detail, "claim cannot be verified as stated: rejecting")
                    }
                    Basis::Manual => {}
                }
                duty.decide(&self.me, vote, basis)?;
            }
        }
        self.store.save(&duty)?;
        Ok(duty)
    }

    fn basis_label(duty: &Duty) -> &'static str {
        match duty.basis {
            Some(Basis::Unverifiable { .. }) => "unverifiable",
            Some(Basis::Manual) => "manual",
            _ => "computed",
        }
    }

    /// Logs and counts a transaction the chain did not take (`claim` is none for reward claims).
    fn refused(&self, claim: Option<u64>, step: &str, e: &ChainError) {
        if e.is_sequence_mismatch() {
            // Another transaction of this key got in first; the next tick signs with the new
            // sequence.
            debug!(claim, step, "sequence mismatch; retrying next block");
            return;
        }
        self.metrics
            .inc("poi_operator_tx_failures_total", &[("msg", step)]);
        match e.chain_reason() {
            Some(reason) => {
                warn!(claim, step, %reason, "the chain refused the transaction")
            }
            None => warn!(claim, step, error = %e, "transaction not confirmed"),
        }
    }

    /// Sends `finalize` for `claim` if its current window has passed and it is this operator's turn.
    fn finalize_if_due(&mut self, claim: &Claim, height: u64) -> Result<(), OperatorError> {
        let round = claim.round();
        let due_at = match claim.status {
            ClaimStatus::Voting | ClaimStatus::Disputed => {
                let sealed = claim.seal.is_some() && claim.canary.is_none() && round.number == 1;
                // A sealed claim waits a reveal window more for its auditor to open the seal.
                round.reveal_end + if sealed { self.params.reveal_window } else { 0 }
            }
            ClaimStatus::Decided => match claim.dispute_end {
                Some(end) => end,
                None => return Ok(()),
            },
            ClaimStatus::Final => return Ok(()),
        };
        if height < due_at {
            return Ok(());
        }
        let committee = self.committee(claim.id, round.number)?.to_vec();
        let rank = finalize_rank(claim.id, &self.me, &committee);
        if height < due_at + rank * FINALIZE_STAGGER {
            return Ok(());
        }
        let msg = ExecuteMsg::Finalize { claim_id: claim.id };
        let any = Chain::execute_msg(&self.signer, &self.contracts.consensus, &msg, vec![])?;
        let started = Instant::now();
        let tx = match self.chain.prepare(&self.signer, vec![any], MEMO) {
            Ok(tx) => tx,
            // Another member got there first, or the contract wants to wait: not a failure.
            Err(ChainError::WouldFail { log }) => {
                debug!(claim = claim.id, %log, "finalize not needed now");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        self.chain.broadcast(&tx)?;
        let result = self.chain.wait_for(&tx.hash, TX_WAIT)?;
        self.metrics.observe("finalize", started.elapsed());
        self.metrics.inc("poi_operator_finalizations_total", &[]);
        let events = ConsensusEvents::of(&result);
        info!(
            claim = claim.id,
            verdict = events.outcome().unwrap_or("-"),
            "finalized"
        );
        Ok(())
    }

    /// Records the final verdict of claims this operator voted on, and its slash count.
    fn account_settled(&mut self) -> Result<(), OperatorError> {
        for mut duty in self.store.all()? {
            if duty.settled() || duty.reveal_end > self.last_height {
                continue;
            }
            let claim: Claim = self.chain.smart_query(
                &self.contracts.consensus,
                &QueryMsg::Claim { id: duty.claim_id },
            )?;
            if claim.status != ClaimStatus::Final {
                continue;
            }
            let Some(verdict) = claim.verdict else {
                continue;
            };
            duty.agreed = match (&duty.vote, verdict, duty.stage) {
                (Some(vote), Verdict::Accepted | Verdict::Rejected, Stage::Revealed) => Some(
                    vote.agrees_with(&claim.output.output_hash) == (verdict == Verdict::Accepted),
                ),
                _ => None,
            };
            duty.final_verdict = Some(format!("{verdict:?}"));
            let label = match duty.agreed {
                Some(true) => "agreed",
                Some(false) => "disagreed",
                None => "not_counted",
            };
            self.metrics
                .inc("poi_operator_settled_total", &[("outcome", label)]);
            info!(claim = duty.claim_id, verdict = ?verdict, outcome = label, "claim settled");
            self.store.save(&duty)?;
        }
        let record: OperatorRecord = self.chain.smart_query(
            &self.contracts.consensus,
            &QueryMsg::OperatorRecord {
                operator: self.me.clone(),
            },
        )?;
        self.metrics
            .set("poi_operator_slashes", &[], record.slashes as f64);
        Ok(())
    }

    fn claim_rewards_if_due(&mut self, height: u64) -> Result<(), OperatorError> {
        let every = self.config.rewards.claim_every_blocks;
        if every == 0 || height < self.last_rewards_height + every {
            return Ok(());
        }
        self.last_rewards_height = height;
        match self.claim_rewards() {
            Ok(_) => Ok(()),
            // Refused (a sequence race with a vote, say): the next round of the schedule retries;
            // the votes of this tick are not held up by it.
            Err(OperatorError::Chain(e)) if !e.is_transient() => {
                self.refused(None, "claim_rewards", &e);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Claims the operator's pending staking rewards; the amount claimed (0 if there were none).
    pub fn claim_rewards(&mut self) -> Result<u128, OperatorError> {
        let pending: RewardsResponse = self.chain.smart_query(
            &self.contracts.staking,
            &StakingQuery::PendingRewards {
                address: self.me.clone(),
            },
        )?;
        if pending.rewards.is_zero() {
            return Ok(0);
        }
        self.chain.execute_contract(
            &self.signer,
            &self.contracts.staking,
            &StakingMsg::ClaimRewards {},
            vec![],
            MEMO,
        )?;
        self.metrics.inc("poi_operator_reward_claims_total", &[]);
        info!(amount = %pending.rewards, "rewards claimed");
        Ok(pending.rewards.u128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_has_its_own_turn_to_finalise() {
        let committee: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let mut ranks: Vec<u64> = committee
            .iter()
            .map(|m| finalize_rank(9, m, &committee))
            .collect();
        ranks.sort();
        assert_eq!(ranks, [0, 1, 2]);
        assert_eq!(finalize_rank(9, "outsider", &committee), 3);
    }

    #[test]
    fn a_faulty_vote_differs_from_the_honest_one_and_is_stable() {
        let honest = Vote::Exact {
            output_hash: ContentHash::from_bytes([4; 32]),
        };
        assert_ne!(faulty(honest.clone()), honest);
        assert_eq!(faulty(honest.clone()), faulty(honest));
    }
}
