//! Consensus helpers on the suite: claimants submitting claims, committee members committing and
//! revealing, auditors sealing canaries, and anyone finalising.

use cosmwasm_std::{Addr, Binary, Coin, StdResult, Uint128, coins};
use cw_multi_test::{AppResponse, BankSudo, Executor, IntoBech32, SudoMsg};
use poi_types::ContentHash;
use poi_types::consensus::{
    BallotsResponse, Claim, ClaimedOutput, CommitteeResponse, ExecuteMsg, InputFormat, InputRef,
    NewClaim, OperatorRecord, ParamsMsg, QueryMsg, Settlement, Vote,
};
use poi_types::registry::{ExecuteMsg as RegistryMsg, VerificationPolicy};
use poi_types::staking::SlashDestination;

use crate::suite::{DENOM, Suite, dataset, model};

pub const COMMIT_WINDOW: u64 = 10;
pub const REVEAL_WINDOW: u64 = 10;
pub const DISPUTE_WINDOW: u64 = 20;
pub const FEE_FLOOR: u128 = 1_000;
pub const CLAIMANT_BOND: u128 = 5_000;
pub const DISPUTE_BOND: u128 = 8_000;
pub const MODEL_PRICE: u128 = 2_000;
pub const WRONG_VOTE_BPS: u16 = 1_000;
pub const NO_SHOW_BPS: u16 = 500;
/// Each test operator's self-bond.
pub const OPERATOR_STAKE: u128 = 10_000;

/// Where forfeited bonds go in the tests.
pub fn treasury() -> Addr {
    "treasury".into_bech32()
}

pub fn auditor() -> Addr {
    "auditor".into_bech32()
}

pub fn claimant() -> Addr {
    "claimant".into_bech32()
}

/// The i-th test operator.
pub fn op(i: usize) -> Addr {
    format!("op{i}").into_bech32()
}

pub fn default_params() -> ParamsMsg {
    ParamsMsg {
        committee_size: 3,
        escalation_committee_size: 5,
        max_candidates: 64,
        // Two thirds, rounded down: two of three equal members are a quorum.
        quorum_bps: 6_666,
        commit_window: COMMIT_WINDOW,
        reveal_window: REVEAL_WINDOW,
        fee_floor: Uint128::new(FEE_FLOOR),
        claimant_bond: Uint128::new(CLAIMANT_BOND),
        wrong_vote_slash_bps: WRONG_VOTE_BPS,
        no_show_slash_bps: NO_SHOW_BPS,
        dispute_window: DISPUTE_WINDOW,
        dispute_bond: Uint128::new(DISPUTE_BOND),
        forfeit_to_voters_bps: 5_000,
        forfeit_destination: SlashDestination::Address {
            address: treasury().to_string(),
        },
        auditors: vec![auditor().to_string()],
    }
}

/// What an honest run of the test model gives.
pub fn true_output() -> ContentHash {
    ContentHash::digest(b"the model's real output")
}

pub fn wrong_output() -> ContentHash {
    ContentHash::digest(b"a made-up output")
}

pub fn verifier_hash() -> ContentHash {
    ContentHash::digest(b"poi_verifier.wasm")
}

/// A committee member's behaviour in a round.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// Recomputes and votes what it got.
    Honest,
    /// Votes this output hash (policy exact) whatever the truth.
    Votes(ContentHash),
    /// Votes to accept the claimed output without computing.
    AlwaysAccept,
    /// Commits but never reveals.
    CommitsOnly,
    /// Does nothing at all.
    Absent,
}

/// The salt an operator uses on a claim: 32 bytes, different for each.
pub fn salt(operator: &Addr, claim_id: u64) -> Binary {
    Binary::from(ContentHash::digest(format!("{operator}/{claim_id}").as_bytes()).to_bytes())
}

impl Suite {
    pub fn consensus(&self) -> Addr {
        self.consensus.clone().expect("suite built with_consensus")
    }

    pub fn mint(&mut self, to: &Addr, amount: u128) {
        self.app
            .sudo(SudoMsg::Bank(BankSudo::Mint {
                to_address: to.to_string(),
                amount: coins(amount, DENOM),
            }))
            .expect("minting test funds");
    }

    /// `n` operators `op0..`, each bonded with [`OPERATOR_STAKE`] and opted in, a block ago.
    pub fn start_operators(&mut self, n: usize) -> Vec<Addr> {
        let operators: Vec<Addr> = (0..n).map(op).collect();
        for operator in &operators {
            self.mint(operator, OPERATOR_STAKE);
            self.start_operator(operator, OPERATOR_STAKE);
        }
        self.next_blocks(1);
        operators
    }

    pub fn next_blocks(&mut self, n: u64) {
        self.app.update_block(|b| {
            b.height += n;
            b.time = b.time.plus_seconds(6 * n);
        });
    }

    pub fn height(&self) -> u64 {
        self.app.block_info().height
    }

    /// A model (policy exact, priced at [`MODEL_PRICE`]) derived from a dataset with 30%
    /// attribution, an approved verifier, and a funded claimant. Returns (model id, dataset id).
    pub fn register_priced_model(&mut self, policy: VerificationPolicy) -> (u64, u64) {
        let (alice, bob, admin) = (
            self.accounts.alice.clone(),
            self.accounts.bob.clone(),
            self.accounts.admin.clone(),
        );
        let data = self.register(&bob, dataset(b"digits", "digits")).unwrap();
        let mut new = model(b"classifier", "classifier", &[(data, 3_000)]);
        new.price_per_use = Some(Coin::new(MODEL_PRICE, DENOM));
        if let Some(spec) = new.model.as_mut() {
            spec.policy = policy;
        }
        let model_id = self.register(&alice, new).unwrap();
        self.execute(
            &admin,
            &RegistryMsg::ApproveVerifier {
                hash: verifier_hash().to_string(),
                version: "0.1.0".into(),
                uri: "ipfs://verifier".into(),
            },
        )
        .unwrap();
        self.mint(&claimant(), 1_000_000);
        self.mint(&auditor(), 1_000_000);
        (model_id, data)
    }

    pub fn new_claim(&self, model_id: u64, output_hash: &ContentHash) -> NewClaim {
        NewClaim {
            model_id,
            verifier_hash: verifier_hash().to_string(),
            inputs: vec![InputRef {
                name: "image".into(),
                sha256: ContentHash::digest(b"a handwritten 7"),
                uri: "ipfs://input-7".into(),
                format: InputFormat::Npy,
            }],
            output: ClaimedOutput {
                output_hash: output_hash.clone(),
                output_uri: Some("ipfs://output".into()),
            },
            seal: None,
        }
    }

    pub fn consent(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: u128,
    ) -> StdResult<AppResponse> {
        let funds = if funds == 0 {
            vec![]
        } else {
            coins(funds, DENOM)
        };
        let consensus = self.consensus();
        self.app
            .execute_contract(sender.clone(), consensus, msg, &funds)
    }

    /// Submits a claim paying the price, the fee floor and the bond; returns its id.
    pub fn submit(&mut self, sender: &Addr, claim: NewClaim) -> StdResult<u64> {
        let paid = MODEL_PRICE + FEE_FLOOR + CLAIMANT_BOND;
        let res = self.consent(sender, &ExecuteMsg::SubmitClaim(claim), paid)?;
        Ok(res
            .events
            .iter()
            .flat_map(|e| e.attributes.iter())
            .find(|a| a.key == poi_types::consensus::events::CLAIM_ID)
            .map(|a| a.value.parse().expect("numeric id"))
            .expect("submit emits claim_id"))
    }

    pub fn claim(&self, id: u64) -> Claim {
        self.app
            .wrap()
            .query_wasm_smart(self.consensus(), &QueryMsg::Claim { id })
            .unwrap()
    }

    pub fn committee(&self, claim_id: u64) -> Vec<Addr> {
        let resp: CommitteeResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                self.consensus(),
                &QueryMsg::Committee {
                    claim_id,
                    round: None,
                },
            )
            .unwrap();
        resp.members.into_iter().map(|m| m.operator).collect()
    }

    pub fn ballots(&self, claim_id: u64, round: Option<u8>) -> BallotsResponse {
        self.app
            .wrap()
            .query_wasm_smart(self.consensus(), &QueryMsg::Ballots { claim_id, round })
            .unwrap()
    }

    pub fn record(&self, operator: &Addr) -> OperatorRecord {
        self.app
            .wrap()
            .query_wasm_smart(
                self.consensus(),
                &QueryMsg::OperatorRecord {
                    operator: operator.to_string(),
                },
            )
            .unwrap()
    }

    /// What settling the claim paid and slashed; `None` before it is final.
    pub fn settlement(&self, claim_id: u64) -> Option<Settlement> {
        self.app
            .wrap()
            .query_wasm_smart(self.consensus(), &QueryMsg::Settlement { claim_id })
            .unwrap()
    }

    /// The vote `behaviour` makes on a claim whose true output is `truth`; `None` if it makes none.
    pub fn vote_of(
        &self,
        claim_id: u64,
        behaviour: &Behaviour,
        truth: &ContentHash,
    ) -> Option<Vote> {
        let tolerance = self.claim(claim_id).tolerance;
        let claimed = self.claim(claim_id).output.output_hash;
        let output_hash = match behaviour {
            Behaviour::Honest => truth.clone(),
            Behaviour::Votes(hash) => hash.clone(),
            Behaviour::AlwaysAccept => claimed.clone(),
            Behaviour::CommitsOnly | Behaviour::Absent => return None,
        };
        Some(if tolerance {
            Vote::Tolerance {
                accept: output_hash == claimed,
                output_hash,
            }
        } else {
            Vote::Exact { output_hash }
        })
    }

    pub fn commit(
        &mut self,
        operator: &Addr,
        claim_id: u64,
        vote: &Vote,
    ) -> StdResult<AppResponse> {
        let commitment = vote.commitment(operator.as_str(), &salt(operator, claim_id));
        self.consent(
            operator,
            &ExecuteMsg::CommitVote {
                claim_id,
                commitment: commitment.to_string(),
            },
            0,
        )
    }

    pub fn reveal(
        &mut self,
        operator: &Addr,
        claim_id: u64,
        vote: &Vote,
    ) -> StdResult<AppResponse> {
        self.consent(
            operator,
            &ExecuteMsg::RevealVote {
                claim_id,
                vote: vote.clone(),
                salt: salt(operator, claim_id),
            },
            0,
        )
    }

    /// Plays the current round of a claim: every committee member acts as `behave` says, then
    /// the chain moves past the reveal window.
    pub fn play_round(
        &mut self,
        claim_id: u64,
        truth: &ContentHash,
        behave: impl Fn(&Addr) -> Behaviour,
    ) {
        let committee = self.committee(claim_id);
        let mut votes = Vec::new();
        for member in &committee {
            let behaviour = behave(member);
            let vote = self.vote_of(claim_id, &behaviour, truth).or_else(|| {
                (behaviour == Behaviour::CommitsOnly).then(|| Vote::Exact {
                    output_hash: truth.clone(),
                })
            });
            if let Some(vote) = vote {
                self.commit(member, claim_id, &vote).unwrap();
                if behaviour != Behaviour::CommitsOnly {
                    votes.push((member.clone(), vote));
                }
            }
        }
        let round = self.claim(claim_id).round().clone();
        self.next_blocks(round.commit_end - self.height());
        for (member, vote) in votes {
            self.reveal(&member, claim_id, &vote).unwrap();
        }
        self.next_blocks(round.reveal_end - self.height());
    }

    pub fn finalize(&mut self, claim_id: u64) -> StdResult<AppResponse> {
        let anyone = self.accounts.carol.clone();
        self.consent(&anyone, &ExecuteMsg::Finalize { claim_id }, 0)
    }

    /// Finalises the round, waits out the dispute window and settles.
    pub fn finalize_and_settle(&mut self, claim_id: u64) {
        self.finalize(claim_id).unwrap();
        self.next_blocks(DISPUTE_WINDOW);
        self.finalize(claim_id).unwrap();
    }
}
