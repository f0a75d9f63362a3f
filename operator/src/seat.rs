//! The protocol steps of one committee seat: commit the decided vote, then reveal it, each
//! transaction's hash on disk before it is broadcast. The daemon and `poi consensus commit` /
//! `reveal` both move a [`Duty`] through these steps, so a vote typed by a person is kept, sent and
//! recovered exactly like one the daemon computed.
//!
//! Every step first asks the chain where the seat stands (the round's ballot, the recorded
//! transaction), then sends at most one transaction. Nothing here sleeps or retries: a step that
//! could not finish returns, and the next call, after a new block or a restart, picks it up from
//! the store and the chain. The chain is reached through [`SeatChain`], so the recovery rules can
//! be exercised against a chain that refuses, loses or delays transactions on purpose (the tests
//! below); [`LiveChain`] is the real one.

use std::time::Duration;

use cosmwasm_std::Binary;
use poi_client::{Chain, ChainError, SignedTx, Signer, TxResult};
use poi_types::consensus::{BallotsResponse, ExecuteMsg, QueryMsg, Vote};

use crate::error::OperatorError;
use crate::store::{Duty, Stage, Store};
use crate::vote::Basis;

/// This operator's ballot in a round, as the chain holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnChain {
    pub commitment: Option<String>,
    /// Whether the vote has been revealed.
    pub revealed: bool,
}

/// What a seat needs from the chain.
pub trait SeatChain {
    /// This operator's ballot in the claim's round (empty if it has none).
    fn ballot(&self, claim_id: u64, round: u8) -> Result<OnChain, ChainError>;
    /// The transaction with `hash` if it is in a block; an error if it is there but failed.
    fn lookup(&self, hash: &str) -> Result<Option<TxResult>, ChainError>;
    /// Simulates and signs `msg` with the account's current sequence.
    fn sign(&self, msg: &ExecuteMsg) -> Result<SignedTx, ChainError>;
    fn broadcast(&self, tx: &SignedTx) -> Result<(), ChainError>;
    /// Waits a while for `hash` to be in a block ([`ChainError::NotIncluded`] if it is not yet).
    fn wait_for(&self, hash: &str) -> Result<TxResult, ChainError>;
}

/// The chain through a [`Chain`] client, signing as `signer` for the consensus contract.
pub struct LiveChain<'a> {
    pub chain: &'a Chain,
    pub signer: &'a Signer,
    pub consensus: &'a str,
    /// How long [`SeatChain::wait_for`] waits.
    pub wait: Duration,
    pub memo: &'a str,
}

impl SeatChain for LiveChain<'_> {
    fn ballot(&self, claim_id: u64, round: u8) -> Result<OnChain, ChainError> {
        let ballots: BallotsResponse = self.chain.smart_query(
            self.consensus,
            &QueryMsg::Ballots {
                claim_id,
                round: Some(round),
            },
        )?;
        Ok(ballots
            .ballots
            .into_iter()
            .find(|b| b.operator.as_str() == self.signer.address.as_ref())
            .map(|b| OnChain {
                commitment: b.commitment.map(|c| c.to_string()),
                revealed: b.vote.is_some(),
            })
            .unwrap_or_default())
    }

    fn lookup(&self, hash: &str) -> Result<Option<TxResult>, ChainError> {
        self.chain.lookup_tx(hash)
    }

    fn sign(&self, msg: &ExecuteMsg) -> Result<SignedTx, ChainError> {
        let any = Chain::execute_msg(self.signer, self.consensus, msg, vec![])?;
        self.chain.prepare(self.signer, vec![any], self.memo)
    }

    fn broadcast(&self, tx: &SignedTx) -> Result<(), ChainError> {
        self.chain.broadcast(tx)
    }

    fn wait_for(&self, hash: &str) -> Result<TxResult, ChainError> {
        self.chain.wait_for(hash, self.wait)
    }
}

/// Which of a seat's two transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Commit,
    Reveal,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Commit => "commit",
            Step::Reveal => "reveal",
        }
    }
}

/// Where the chain is when a step is taken.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    pub height: u64,
    /// The seat's round has a verdict already, or a later round has begun: nothing can be
    /// revealed into it any more.
    pub round_over: bool,
}

/// What one call of [`advance`] did.
#[derive(Debug)]
pub enum Progress {
    /// Nothing is due now (waiting for the reveal window, or for a sent transaction's block).
    Idle,
    /// The chain holds the commitment (`Committed`) or the vote (`Revealed`); recorded.
    Landed(Stage),
    /// The seat is lost, for the reason given; recorded.
    Missed(String),
    /// A transaction was broadcast; `result` when it is in a block already, else a later step
    /// looks it up by the hash on record.
    Sent {
        step: Step,
        result: Option<Box<TxResult>>,
    },
    /// The transaction could not be sent, or failed in its block. The next step tries again with
    /// a fresh sequence while the window is open; a sequence mismatch
    /// ([`ChainError::is_sequence_mismatch`]) is the ordinary case of that.
    Failed { step: Step, error: ChainError },
}

impl Duty {
    /// Records `vote` as this seat's decision with a fresh salt, and the commitment `operator`
    /// will send. Only a seat not yet decided may be: a second, different commitment is never made.
    pub fn decide(
        &mut self,
        operator: &str,
        vote: Vote,
        basis: Basis,
    ) -> Result<(), OperatorError> {
        if self.vote.is_some() {
            return Err(OperatorError::AlreadyDecided {
                claim_id: self.claim_id,
                round: self.round,
            });
        }
        let mut salt = [0u8; 32];
        getrandom::getrandom(&mut salt).map_err(|e| OperatorError::Randomness(e.to_string()))?;
        self.commitment = Some(vote.commitment(operator, &salt).to_string());
        self.vote = Some(vote);
        self.salt = Some(Binary::from(salt.to_vec()));
        self.basis = Some(basis);
        self.stage = Stage::Decided;
        Ok(())
    }
}

/// Takes the next step of `duty` at `now`, recording every change in `store` before anything is
/// sent. Errors are the store's, and a chain that cannot be reached at all; refusals are
/// [`Progress::Failed`].
pub fn advance(
    duty: &mut Duty,
    chain: &impl SeatChain,
    store: &Store,
    now: Moment,
) -> Result<Progress, OperatorError> {
    match duty.stage {
        Stage::Decided | Stage::CommitSent => commit(duty, chain, store, now),
        Stage::Committed | Stage::RevealSent => reveal(duty, chain, store, now),
        Stage::Revealed | Stage::Abstained | Stage::Missed => Ok(Progress::Idle),
    }
}

fn commit(
    duty: &mut Duty,
    chain: &impl SeatChain,
    store: &Store,
    now: Moment,
) -> Result<Progress, OperatorError> {
    // Whatever was sent before, the chain's ballot says whether it landed.
    if let Some(on_chain) = chain.ballot(duty.claim_id, duty.round)?.commitment {
        if Some(&on_chain) == duty.commitment.as_ref() {
            return land(duty, store, Stage::Committed);
        }
        // Not ours: only a second signer on the same key (another daemon, a person) can cause it.
        // Never send a second commitment.
        return miss(
            duty,
            store,
            format!("the chain holds commitment {on_chain}, not ours"),
        );
    }
    if now.height >= duty.commit_end {
        return miss(
            duty,
            store,
            "the commit window ended before the commitment landed".into(),
        );
    }
    if let Some(hash) = duty.commit_tx.clone() {
        match chain.lookup(&hash) {
            // In a block, but the ballot above was read before it: the next step sees it.
            Ok(Some(_)) => return Ok(Progress::Idle),
            // Never arrived (or is still in a mempool): sending the same commitment again is
            // safe, the chain takes one at most.
            Ok(None) => {}
            Err(e) if e.is_transient() => return Err(e.into()),
            // Failed in its block: try again.
            Err(_) => {}
        }
    }
    let Some(commitment) = duty.commitment.clone() else {
        return miss(duty, store, "decided without a commitment".into());
    };
    let msg = ExecuteMsg::CommitVote {
        claim_id: duty.claim_id,
        commitment,
    };
    send(duty, chain, store, Step::Commit, &msg)
}

fn reveal(
    duty: &mut Duty,
    chain: &impl SeatChain,
    store: &Store,
    now: Moment,
) -> Result<Progress, OperatorError> {
    if let Some(hash) = duty.reveal_tx.clone() {
        match chain.lookup(&hash) {
            Ok(Some(_)) => return land(duty, store, Stage::Revealed),
            Ok(None) => {}
            Err(e) if e.is_transient() => return Err(e.into()),
            Err(_) => {}
        }
        // An earlier reveal than the one on record may be the one that landed (a retry replaced
        // the hash): the ballot knows.
        if chain.ballot(duty.claim_id, duty.round)?.revealed {
            return land(duty, store, Stage::Revealed);
        }
    }
    if now.height < duty.commit_end {
        return Ok(Progress::Idle);
    }
    if now.height >= duty.reveal_end || now.round_over {
        return miss(
            duty,
            store,
            "the reveal window ended before the vote was revealed".into(),
        );
    }
    let (Some(vote), Some(salt)) = (duty.vote.clone(), duty.salt.clone()) else {
        return miss(duty, store, "committed without a vote on record".into());
    };
    let msg = ExecuteMsg::RevealVote {
        claim_id: duty.claim_id,
        vote,
        salt,
    };
    send(duty, chain, store, Step::Reveal, &msg)
}

fn land(duty: &mut Duty, store: &Store, stage: Stage) -> Result<Progress, OperatorError> {
    duty.stage = stage;
    store.save(duty)?;
    Ok(Progress::Landed(stage))
}

fn miss(duty: &mut Duty, store: &Store, why: String) -> Result<Progress, OperatorError> {
    duty.stage = Stage::Missed;
    duty.note = Some(why.clone());
    store.save(duty)?;
    Ok(Progress::Missed(why))
}

/// Signs `msg`, records the transaction's hash on disk, then broadcasts it and waits a while for
/// its block.
fn send(
    duty: &mut Duty,
    chain: &impl SeatChain,
    store: &Store,
    step: Step,
    msg: &ExecuteMsg,
) -> Result<Progress, OperatorError> {
    let tx = match chain.sign(msg) {
        Ok(tx) => tx,
        Err(error) if error.is_transient() => return Err(error.into()),
        Err(error) => return Ok(Progress::Failed { step, error }),
    };
    match step {
        Step::Commit => {
            duty.commit_tx = Some(tx.hash.clone());
            duty.stage = Stage::CommitSent;
        }
        Step::Reveal => {
            duty.reveal_tx = Some(tx.hash.clone());
            duty.stage = Stage::RevealSent;
        }
    }
    store.save(duty)?;
    // From here on the outcome may be unknown (a broadcast whose answer was lost may still have
    // reached the mempool): the hash on record is looked up before anything is sent again.
    if let Err(error) = chain.broadcast(&tx) {
        return Ok(Progress::Failed { step, error });
    }
    match chain.wait_for(&tx.hash) {
        Ok(result) => Ok(Progress::Sent {
            step,
            result: Some(Box::new(result)),
        }),
        Err(ChainError::NotIncluded { .. }) => Ok(Progress::Sent { step, result: None }),
        Err(error) => Ok(Progress::Failed { step, error }),
    }
}

#[cfg(test)]
mod tests {
    //! Scenarios against a chain that behaves as a real one can: it loses broadcasts, refuses
    //! stale sequences, delays blocks, and is the only judge of what landed.

    use std::cell::RefCell;
    use std::collections::{HashMap, VecDeque};

    use poi_client::RpcError;
    use poi_types::ContentHash;

    use super::*;

    const ME: &str = "wasm1operator";

    /// A chain whose every answer is decided by the test: the transactions it has included, the
    /// commitment its ballot holds, and what goes wrong with the next broadcasts.
    #[derive(Default)]
    struct ScriptedChain {
        ballot: RefCell<Option<String>>,
        revealed: RefCell<bool>,
        included: RefCell<HashMap<String, TxResult>>,
        /// Each broadcast takes the next fault, if any.
        faults: RefCell<VecDeque<Fault>>,
        sequence: RefCell<u64>,
        broadcasts: RefCell<Vec<ExecuteMsg>>,
        signed: RefCell<HashMap<String, ExecuteMsg>>,
        unreachable: RefCell<bool>,
    }

    #[derive(Clone, Copy)]
    enum Fault {
        /// Another transaction of the key took this sequence.
        StaleSequence,
        /// The node took it but the answer was lost: it lands, the sender does not know.
        LostAnswer,
        /// It is in the mempool, not in a block within the wait.
        Slow,
    }

    fn block(height: u64) -> TxResult {
        TxResult {
            height,
            code: 0,
            codespace: String::new(),
            log: String::new(),
            gas_used: 1,
            gas_wanted: 1,
            events: vec![],
        }
    }

    impl ScriptedChain {
        fn include(&self, hash: &str) {
            let msg = self.signed.borrow()[hash].clone();
            match &msg {
                // The contract keeps the first commitment only.
                ExecuteMsg::CommitVote { commitment, .. } => {
                    self.ballot.borrow_mut().get_or_insert(commitment.clone());
                }
                ExecuteMsg::RevealVote { .. } => *self.revealed.borrow_mut() = true,
                _ => {}
            }
            self.included
                .borrow_mut()
                .insert(hash.to_string(), block(10));
            *self.sequence.borrow_mut() += 1;
        }

        fn down(&self) -> ChainError {
            ChainError::Rpc(RpcError::Transport {
                url: "http://127.0.0.1:1".into(),
                reason: "connection refused".into(),
            })
        }
    }

    impl SeatChain for ScriptedChain {
        fn ballot(&self, _: u64, _: u8) -> Result<OnChain, ChainError> {
            if *self.unreachable.borrow() {
                return Err(self.down());
            }
            Ok(OnChain {
                commitment: self.ballot.borrow().clone(),
                revealed: *self.revealed.borrow(),
            })
        }

        fn lookup(&self, hash: &str) -> Result<Option<TxResult>, ChainError> {
            if *self.unreachable.borrow() {
                return Err(self.down());
            }
            Ok(self.included.borrow().get(hash).cloned())
        }

        fn sign(&self, msg: &ExecuteMsg) -> Result<SignedTx, ChainError> {
            let sequence = *self.sequence.borrow();
            let hash = format!("TX{sequence}-{}", self.signed.borrow().len());
            self.signed.borrow_mut().insert(hash.clone(), msg.clone());
            Ok(SignedTx {
                bytes: vec![],
                hash,
                sequence,
            })
        }

        fn broadcast(&self, tx: &SignedTx) -> Result<(), ChainError> {
            self.broadcasts
                .borrow_mut()
                .push(self.signed.borrow()[&tx.hash].clone());
            match self.faults.borrow_mut().pop_front() {
                None => {
                    self.include(&tx.hash);
                    Ok(())
                }
                Some(Fault::StaleSequence) => Err(ChainError::Refused {
                    codespace: "sdk".into(),
                    code: 32,
                    log: "account sequence mismatch, expected 8, got 7".into(),
                }),
                Some(Fault::LostAnswer) => {
                    self.include(&tx.hash);
                    Err(self.down())
                }
                Some(Fault::Slow) => Ok(()),
            }
        }

        fn wait_for(&self, hash: &str) -> Result<TxResult, ChainError> {
            self.lookup(hash)?.ok_or_else(|| ChainError::NotIncluded {
                hash: hash.to_string(),
                waited: Duration::from_secs(1),
            })
        }
    }

    struct Seat {
        store: Store,
        dir: std::path::PathBuf,
        duty: Duty,
    }

    impl Drop for Seat {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// A seat on claim 7, round 1: commit window to block 20, reveal window to block 30, the vote
    /// decided and on disk.
    fn decided_seat(name: &str) -> Seat {
        let dir = std::env::temp_dir().join(format!("poi-seat-{name}-{}", std::process::id()));
        let store = Store::open(&dir.join("operator.redb")).unwrap();
        let mut duty = Duty::new(7, 1, 20, 30, 5);
        let vote = Vote::Exact {
            output_hash: ContentHash::from_bytes([3; 32]),
        };
        duty.decide(
            ME,
            vote,
            Basis::Computed {
                output_hash: ContentHash::from_bytes([3; 32]).to_string(),
                within_tolerance: None,
            },
        )
        .unwrap();
        store.save(&duty).unwrap();
        Seat { store, dir, duty }
    }

    fn at(height: u64) -> Moment {
        Moment {
            height,
            round_over: false,
        }
    }

    /// Steps the seat as the daemon does in one block: until nothing more happens.
    fn run_block(seat: &mut Seat, chain: &ScriptedChain, height: u64) -> Vec<String> {
        let mut seen = vec![];
        for _ in 0..4 {
            let progress = advance(&mut seat.duty, chain, &seat.store, at(height)).unwrap();
            seen.push(
                format!("{progress:?}")
                    .split([' ', '(', '{'])
                    .next()
                    .unwrap()
                    .to_string(),
            );
            // As the daemon does: a transaction not yet in a block is looked up next block.
            if matches!(
                progress,
                Progress::Idle
                    | Progress::Missed(_)
                    | Progress::Failed { .. }
                    | Progress::Sent { result: None, .. }
            ) {
                break;
            }
        }
        seen
    }

    fn commits_sent(chain: &ScriptedChain) -> Vec<String> {
        chain
            .broadcasts
            .borrow()
            .iter()
            .filter_map(|m| match m {
                ExecuteMsg::CommitVote { commitment, .. } => Some(commitment.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_honest_seat_commits_then_reveals_after_the_commit_window() {
        let mut seat = decided_seat("honest");
        let chain = ScriptedChain::default();
        assert_eq!(run_block(&mut seat, &chain, 12), ["Sent", "Landed", "Idle"]);
        assert_eq!(seat.duty.stage, Stage::Committed);
        // Not before the commit window ends.
        assert_eq!(run_block(&mut seat, &chain, 19), ["Idle"]);
        assert_eq!(run_block(&mut seat, &chain, 20), ["Sent", "Landed", "Idle"]);
        assert_eq!(seat.duty.stage, Stage::Revealed);
        assert_eq!(seat.store.get(7, 1).unwrap().unwrap(), seat.duty);
    }

    #[test]
    fn a_stale_sequence_is_retried_with_the_same_commitment_and_the_seat_is_kept() {
        let mut seat = decided_seat("sequence");
        let chain = ScriptedChain::default();
        chain.faults.borrow_mut().push_back(Fault::StaleSequence);
        let blocked = run_block(&mut seat, &chain, 12);
        assert_eq!(blocked, ["Failed"]);
        assert_eq!(
            seat.duty.stage,
            Stage::CommitSent,
            "the hash stays on record"
        );
        assert_eq!(run_block(&mut seat, &chain, 13), ["Sent", "Landed", "Idle"]);
        let sent = commits_sent(&chain);
        assert_eq!(sent.len(), 2);
        assert_eq!(
            sent[0], sent[1],
            "a retry never makes a second, different commitment"
        );
        assert_eq!(seat.duty.stage, Stage::Committed);
    }

    #[test]
    fn a_broadcast_whose_answer_was_lost_is_looked_up_not_sent_again() {
        let mut seat = decided_seat("lost");
        let chain = ScriptedChain::default();
        chain.faults.borrow_mut().push_back(Fault::LostAnswer);
        assert_eq!(run_block(&mut seat, &chain, 12), ["Failed"]);
        // A restart: the daemon has only the store.
        let mut reopened = seat.store.get(7, 1).unwrap().unwrap();
        assert_eq!(reopened.stage, Stage::CommitSent);
        let progress = advance(&mut reopened, &chain, &seat.store, at(13)).unwrap();
        assert!(
            matches!(progress, Progress::Landed(Stage::Committed)),
            "{progress:?}"
        );
        assert_eq!(commits_sent(&chain).len(), 1, "looked up, not re-sent");
    }

    #[test]
    fn a_transaction_still_in_the_mempool_is_waited_for_then_found() {
        let mut seat = decided_seat("slow");
        let chain = ScriptedChain::default();
        chain.faults.borrow_mut().push_back(Fault::Slow);
        assert_eq!(run_block(&mut seat, &chain, 12), ["Sent"]);
        let hash = seat.duty.commit_tx.clone().unwrap();
        // It lands in the next block; the lookup by the recorded hash, then the ballot, see it.
        chain.include(&hash);
        assert_eq!(run_block(&mut seat, &chain, 13), ["Landed", "Idle"]);
        assert_eq!(commits_sent(&chain).len(), 1);
    }

    #[test]
    fn an_unreachable_node_is_an_error_and_changes_nothing() {
        let mut seat = decided_seat("down");
        let chain = ScriptedChain::default();
        *chain.unreachable.borrow_mut() = true;
        let before = seat.duty.clone();
        assert!(matches!(
            advance(&mut seat.duty, &chain, &seat.store, at(12)),
            Err(OperatorError::Chain(ChainError::Rpc(_)))
        ));
        assert_eq!(seat.duty, before);
        assert_eq!(seat.store.get(7, 1).unwrap().unwrap(), before);
    }

    #[test]
    fn a_commitment_that_is_not_ours_is_never_answered_with_a_second_one() {
        let mut seat = decided_seat("foreign");
        let chain = ScriptedChain::default();
        *chain.ballot.borrow_mut() = Some("someone else's".into());
        assert_eq!(run_block(&mut seat, &chain, 12), ["Missed"]);
        assert!(commits_sent(&chain).is_empty());
        assert_eq!(seat.store.get(7, 1).unwrap().unwrap().stage, Stage::Missed);
    }

    #[test]
    fn a_seat_that_could_not_commit_in_time_is_missed_not_sent_late() {
        let mut seat = decided_seat("late");
        let chain = ScriptedChain::default();
        assert_eq!(run_block(&mut seat, &chain, 20), ["Missed"]);
        assert!(chain.broadcasts.borrow().is_empty());
    }

    #[test]
    fn a_committed_vote_survives_a_restart_and_is_revealed_in_the_window() {
        let mut seat = decided_seat("restart");
        let chain = ScriptedChain::default();
        run_block(&mut seat, &chain, 12);
        // Killed between commit and reveal: a new process has only the store.
        seat.store = Store::open(&seat.dir.join("operator.redb")).unwrap();
        seat.duty = seat.store.get(7, 1).unwrap().unwrap();
        assert_eq!(seat.duty.stage, Stage::Committed);
        assert_eq!(run_block(&mut seat, &chain, 25), ["Sent", "Landed", "Idle"]);
        assert_eq!(seat.duty.stage, Stage::Revealed);
    }

    #[test]
    fn a_slow_reveal_that_lands_after_its_retry_was_signed_is_still_counted() {
        let mut seat = decided_seat("reveal-retry");
        let chain = ScriptedChain::default();
        run_block(&mut seat, &chain, 12);
        chain.faults.borrow_mut().push_back(Fault::Slow);
        assert_eq!(run_block(&mut seat, &chain, 20), ["Sent"]);
        let first = seat.duty.reveal_tx.clone().unwrap();
        // Not found in the next block: signed again (a stale sequence the node refuses), and the
        // hash on record is now the retry's.
        chain.faults.borrow_mut().push_back(Fault::StaleSequence);
        assert_eq!(run_block(&mut seat, &chain, 21), ["Failed"]);
        assert_ne!(seat.duty.reveal_tx.as_ref(), Some(&first));
        // Then the first lands: the ballot shows the vote, and the seat is revealed, not missed.
        chain.include(&first);
        assert_eq!(run_block(&mut seat, &chain, 22), ["Landed", "Idle"]);
        assert_eq!(seat.duty.stage, Stage::Revealed);
    }

    #[test]
    fn a_reveal_after_its_window_or_round_is_missed() {
        let mut seat = decided_seat("reveal-late");
        let chain = ScriptedChain::default();
        run_block(&mut seat, &chain, 12);
        let over = Moment {
            height: 22,
            round_over: true,
        };
        let progress = advance(&mut seat.duty, &chain, &seat.store, over).unwrap();
        assert!(matches!(progress, Progress::Missed(_)), "{progress:?}");
    }

    #[test]
    fn a_seat_is_decided_once() {
        let mut seat = decided_seat("twice");
        let again = Vote::Exact {
            output_hash: ContentHash::from_bytes([4; 32]),
        };
        let basis = seat.duty.basis.clone().unwrap();
        assert!(matches!(
            seat.duty.decide(ME, again, basis),
            Err(OperatorError::AlreadyDecided {
                claim_id: 7,
                round: 1
            })
        ));
    }
}
