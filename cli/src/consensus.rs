//! `poi consensus …`: submit claims, vote on them as a committee member, finalise and dispute.
//!
//! A vote is committed first and revealed later with the same salt. A vote given here is kept and
//! sent exactly as the operator daemon keeps and sends its own ([`poi_operator::seat`]): vote, salt
//! and each transaction's hash are in the store of the data directory *before* the transaction is
//! broadcast, so an operator that crashed can still reveal and is not slashed as a no-show, and a
//! commit retried after a lost answer is looked up rather than sent twice.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use clap::Subcommand;
use cosmrs::{Coin, Denom};
use cosmwasm_std::{Binary, Uint128};
use poi_types::ContentHash;
use poi_types::consensus::events;
use poi_types::consensus::{
    Claim, ClaimedOutput, CommitteeResponse, ExecuteMsg, InputFormat, InputRef, NewClaim, Params,
    QueryMsg, Settlement, Vote,
};
use poi_types::registry::{Asset, QueryMsg as RegistryQuery};

use poi_client::{Chain, Signer, TxResult};
use poi_operator::seat::{self, LiveChain, Moment, Progress};
use poi_operator::vote::Basis;
use poi_operator::{Duty, Seal, Stage, Store};

/// How long a vote's transaction is waited for before the command gives up (running it again
/// looks the transaction up).
const TX_WAIT: Duration = Duration::from_secs(60);
const MEMO: &str = "poi consensus";

#[derive(Subcommand)]
pub enum ConsensusCommand {
    /// Claim that a model, run by a verifier on inputs, gives an output; pays price, reward and bond.
    Submit {
        #[arg(long)]
        model: u64,
        /// sha256 of the approved verifier artefact.
        #[arg(long)]
        verifier: String,
        /// NAME=SHA256@URI (format from the URI's extension) or NAME:FORMAT=SHA256@URI (FORMAT
        /// npy, onnx_pb or json), once per model input.
        #[arg(long = "input", required = true)]
        inputs: Vec<String>,
        #[arg(long)]
        output_hash: String,
        /// Where the output tensors are (required for models with a tolerance policy).
        #[arg(long)]
        output_uri: Option<String>,
        /// Reward for the committee; at least the fee floor, which is the default.
        #[arg(long)]
        reward: Option<u128>,
        /// Auditors only: seal the claim as an audit (`genuine`) or a `canary` (known false);
        /// committee members cannot tell which until `open-seal`.
        #[arg(long, value_enum)]
        seal: Option<SealKind>,
    },
    /// Auditors only: open the seal of a sealed claim after its reveal window.
    OpenSeal { claim: u64 },
    /// Commit a vote on a claim: your recomputed output hash (and, for tolerance claims,
    /// whether it is within tolerance of the claimed output).
    Commit {
        claim: u64,
        #[arg(long)]
        output_hash: String,
        /// Tolerance claims only: the claimed output is within tolerance of yours.
        #[arg(long, conflicts_with = "reject")]
        accept: bool,
        /// Tolerance claims only: it is not.
        #[arg(long)]
        reject: bool,
    },
    /// Reveal the vote committed on a claim, from the store in the data directory.
    Reveal { claim: u64 },
    /// End the claim's round (after its reveal window) or settle it (after the dispute window).
    Finalize { claim: u64 },
    /// Bond the dispute bond to re-open a decided claim before a larger committee.
    Dispute { claim: u64 },
    /// Show a claim.
    Show { claim: u64 },
    /// Show the committee of a claim's current round.
    Committee { claim: u64 },
    /// Show what settling a final claim paid out and slashed.
    Settlement { claim: u64 },
}

pub struct ConsensusSession<'a> {
    pub chain: &'a Chain,
    pub contract: String,
    pub registry: String,
    pub signer: &'a dyn Fn() -> Result<Signer>,
    pub store: Store,
    pub json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SealKind {
    Genuine,
    Canary,
}

fn parse_input(raw: &str) -> Result<InputRef> {
    let usage = || anyhow!("input {raw:?}: expected NAME=SHA256@URI or NAME:FORMAT=SHA256@URI");
    let (label, rest) = raw.split_once('=').ok_or_else(usage)?;
    let (sha256, uri) = rest.split_once('@').ok_or_else(usage)?;
    let (name, format) = match label.split_once(':') {
        Some((name, format)) => (
            name,
            serde_json::from_value(serde_json::Value::String(format.to_ascii_lowercase()))
                .map_err(|_| anyhow!("input {name}: format {format:?} is not npy, onnx_pb or json"))?,
        ),
        None => (
            label,
            InputFormat::from_file_name(uri).ok_or_else(|| {
                anyhow!(
                    "input {label}: {uri} has no .npy, .pb or .json extension; name the format: {label}:npy=…"
                )
            })?,
        ),
    };
    Ok(InputRef {
        name: name.to_string(),
        sha256: sha256
            .parse()
            .map_err(|e| anyhow!("input {name}: sha256: {e}"))?,
        uri: uri.to_string(),
        format,
    })
}

fn parse_hash(what: &str, raw: &str) -> Result<ContentHash> {
    raw.parse().map_err(|e| anyhow!("{what}: {e}"))
}

impl ConsensusSession<'_> {
    fn execute(&self, signer: &Signer, msg: &ExecuteMsg, amount: u128) -> Result<TxResult> {
        let funds = if amount == 0 {
            vec![]
        } else {
            let denom: Denom = self
                .config()?
                .denom
                .parse()
                .map_err(|e| anyhow!("denom: {e}"))?;
            vec![Coin { denom, amount }]
        };
        Ok(self
            .chain
            .execute_contract(signer, &self.contract, msg, funds, "poi consensus")?)
    }

    fn config(&self) -> Result<poi_types::consensus::Config> {
        Ok(self
            .chain
            .smart_query(&self.contract, &QueryMsg::Config {})?)
    }

    fn params(&self) -> Result<Params> {
        Ok(self
            .chain
            .smart_query(&self.contract, &QueryMsg::Params {})?)
    }

    fn claim(&self, id: u64) -> Result<Claim> {
        Ok(self
            .chain
            .smart_query(&self.contract, &QueryMsg::Claim { id })?)
    }

    /// Takes the seat's steps until it reaches `goal`; the transaction that got it there, none if
    /// an earlier run's had (found on the chain).
    fn step_until(
        &self,
        duty: &mut Duty,
        claim: &Claim,
        signer: &Signer,
        goal: Stage,
    ) -> Result<Option<TxResult>> {
        let chain = LiveChain {
            chain: self.chain,
            signer,
            consensus: &self.contract,
            wait: TX_WAIT,
            memo: MEMO,
        };
        let now = Moment {
            height: self.chain.height()?,
            round_over: claim.round().number != duty.round || claim.round().verdict.is_some(),
        };
        let mut included = None;
        // A send, then the step that sees it on the chain.
        for _ in 0..3 {
            match seat::advance(duty, &chain, &self.store, now)? {
                Progress::Landed(stage) if stage == goal => return Ok(included),
                Progress::Landed(_) => {}
                Progress::Sent {
                    result: Some(result),
                    ..
                } => included = Some(*result),
                Progress::Sent { step, result: None } => bail!(
                    "the {} transaction {} is not in a block yet; run the command again to look it up",
                    step.as_str(),
                    match step {
                        seat::Step::Commit => duty.commit_tx.as_deref(),
                        seat::Step::Reveal => duty.reveal_tx.as_deref(),
                    }
                    .unwrap_or("-")
                ),
                Progress::Failed { error, .. } => return Err(error.into()),
                Progress::Missed(why) => bail!("claim {}: {why}", duty.claim_id),
                Progress::Idle if goal == Stage::Revealed && now.height < duty.commit_end => bail!(
                    "claim {}: the commit window ends at block {} (now {}); reveal after it",
                    duty.claim_id,
                    duty.commit_end,
                    now.height
                ),
                Progress::Idle => {}
            }
        }
        bail!(
            "claim {}: the vote is {:?}, not {goal:?} yet; run the command again",
            duty.claim_id,
            duty.stage
        )
    }

    fn report(&self, result: &TxResult, extra: serde_json::Value) -> Result<()> {
        crate::output::transaction(self.json, result, extra)
    }

    /// A vote's step: its transaction, or that an earlier run's is on the chain already.
    fn report_step(
        &self,
        duty: &Duty,
        result: Option<TxResult>,
        extra: serde_json::Value,
    ) -> Result<()> {
        match result {
            Some(result) => self.report(&result, extra),
            None => {
                let stage = format!("{:?}", duty.stage).to_lowercase();
                crate::output::print(
                    self.json,
                    &serde_json::json!({ "claim_id": duty.claim_id, "stage": stage }),
                    |_| format!("claim {}: the vote is {stage} already", duty.claim_id),
                )
            }
        }
    }
}

/// A claim for people: what it states, where it stands, how each round went.
fn describe_settlement(s: &Settlement) -> String {
    let mut text = format!(
        "claim {} settled at height {}, verdict {}",
        s.claim_id,
        s.height,
        format!("{:?}", s.verdict).to_lowercase()
    );
    for t in &s.transfers {
        let to =
            t.to.as_ref()
                .map_or("burned".to_string(), |a| a.to_string());
        text.push_str(&format!(
            "
  {:>12} {to}  ({:?})",
            t.amount, t.reason
        ));
    }
    for o in &s.slashes {
        let refused = if o.refused {
            ", refused by staking"
        } else {
            ""
        };
        text.push_str(&format!(
            "
  slash {} bps of {} (round {}): {}{refused}",
            o.bps, o.operator, o.round, o.reason
        ));
    }
    text
}

fn describe_claim(c: &Claim) -> String {
    let verdict = c
        .verdict
        .map_or("none yet".to_string(), |v| format!("{v:?}").to_lowercase());
    let mut text = format!(
        "claim {} by {}: {}, verdict {}{}",
        c.id,
        c.claimant,
        c.status.as_str(),
        verdict,
        match (c.seal.is_some(), c.canary) {
            (_, Some(true)) => " (an auditor's canary)",
            (_, Some(false)) => " (an auditor's genuine claim)",
            (true, None) => " (sealed by an auditor)",
            (false, None) => "",
        }
    );
    text.push_str(&format!(
        "\nmodel {} ({}), verifier {}",
        c.model_id, c.model_hash, c.verifier_hash
    ));
    for input in &c.inputs {
        let format = serde_json::to_value(input.format)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        text.push_str(&format!(
            "\ninput {}: {} at {} ({format})",
            input.name, input.sha256, input.uri
        ));
    }
    text.push_str(&format!("\nclaimed output {}", c.output.output_hash));
    if let Some(uri) = &c.output.output_uri {
        text.push_str(&format!(" at {uri}"));
    }
    text.push_str(&format!(
        "\npaid: price {}, reward {}, bond {}",
        c.price, c.reward, c.bond
    ));
    for r in &c.rounds {
        text.push_str(&format!(
            "\nround {}: commit blocks {}..{}, reveal ..{}; agree {} / disagree {} of {}; {}",
            r.number,
            r.start_height,
            r.commit_end,
            r.reveal_end,
            r.agree_stake,
            r.disagree_stake,
            r.committee_stake,
            r.verdict
                .map_or("open".to_string(), |v| format!("{v:?}").to_lowercase())
        ));
    }
    if let Some(end) = c.dispute_end {
        text.push_str(&format!("\ndisputable until block {end}"));
    }
    text
}

pub fn run(cmd: ConsensusCommand, s: &ConsensusSession) -> Result<()> {
    match cmd {
        ConsensusCommand::Submit {
            model,
            verifier,
            inputs,
            output_hash,
            output_uri,
            reward,
            seal,
        } => {
            let params = s.params()?;
            let asset: Asset = s
                .chain
                .smart_query(&s.registry, &RegistryQuery::Asset { id: model })?;
            let price = asset.price_per_use.map_or(Uint128::zero(), |c| {
                Uint128::try_from(c.amount).unwrap_or(Uint128::MAX)
            });
            let reward = reward.unwrap_or(params.fee_floor.u128());
            let total = price.u128() + reward + params.claimant_bond.u128();
            let claim = NewClaim {
                model_id: model,
                verifier_hash: verifier,
                inputs: inputs
                    .iter()
                    .map(|i| parse_input(i))
                    .collect::<Result<_>>()?,
                output: ClaimedOutput {
                    output_hash: parse_hash("output hash", &output_hash)?,
                    output_uri,
                },
                seal: None,
            };
            let mut claim = claim;
            let signer = (s.signer)()?;
            if let Some(kind) = seal {
                s.store.bind(signer.address.as_ref())?;
                let mut salt = [0u8; 32];
                getrandom::getrandom(&mut salt)
                    .map_err(|e| anyhow!("no randomness for the seal: {e}"))?;
                let canary = matches!(kind, SealKind::Canary);
                let sealed = poi_types::consensus::canary_seal(canary, &salt);
                // Kept before the claim is sent: without the salt the seal cannot be opened.
                s.store.save_seal(
                    &sealed.to_string(),
                    &Seal {
                        canary,
                        salt: Binary::from(salt.to_vec()),
                    },
                )?;
                claim.seal = Some(sealed.to_string());
            }
            let result = s.execute(&signer, &ExecuteMsg::SubmitClaim(claim), total)?;
            let id = result
                .attribute("wasm", events::CLAIM_ID)
                .ok_or_else(|| anyhow!("the claim was accepted but reported no id"))?;
            let committee = result
                .attribute("wasm", events::COMMITTEE)
                .unwrap_or_default();
            s.report(
                &result,
                serde_json::json!({
                    "claim_id": id.parse::<u64>()?,
                    "paid": total.to_string(),
                    "committee": committee.split(',').collect::<Vec<_>>(),
                }),
            )
        }
        ConsensusCommand::Commit {
            claim,
            output_hash,
            accept,
            reject,
        } => {
            let record = s.claim(claim)?;
            let output_hash = parse_hash("output hash", &output_hash)?;
            let vote = match (record.tolerance, accept, reject) {
                (false, false, false) => Vote::Exact { output_hash },
                (false, _, _) => {
                    bail!("claim {claim} is checked exactly: vote with the hash alone")
                }
                (true, false, false) => {
                    bail!("claim {claim} is checked with a tolerance: add --accept or --reject")
                }
                (true, accept, _) => Vote::Tolerance {
                    accept,
                    output_hash,
                },
            };
            let signer = (s.signer)()?;
            let operator = signer.address.to_string();
            s.store.bind(&operator)?;
            let round = record.round();
            let mut duty = match s.store.get(claim, round.number)? {
                // Run again after an interrupted commit: carry on with the vote on record.
                Some(duty) if duty.vote.as_ref() == Some(&vote) => duty,
                Some(duty) => bail!(
                    "a different vote on claim {claim} (round {}) is on record ({:?}): a second \
                     commitment is never made",
                    round.number,
                    duty.stage
                ),
                None => {
                    let mut duty = Duty::new(
                        claim,
                        round.number,
                        round.commit_end,
                        round.reveal_end,
                        s.chain.height()?,
                    );
                    duty.decide(&operator, vote, Basis::Manual)?;
                    s.store.save(&duty)?;
                    duty
                }
            };
            let result = s.step_until(&mut duty, &record, &signer, Stage::Committed)?;
            s.report_step(
                &duty,
                result,
                serde_json::json!({
                    "commitment": duty.commitment,
                    "store": s.store.path(),
                }),
            )
        }
        ConsensusCommand::Reveal { claim } => {
            let record = s.claim(claim)?;
            let signer = (s.signer)()?;
            s.store.bind(signer.address.as_ref())?;
            let round = record.round().number;
            let mut duty = s.store.get(claim, round)?.ok_or_else(|| {
                anyhow!(
                    "no vote on claim {claim} (round {round}) in {}: commit with this data dir first",
                    s.store.path().display()
                )
            })?;
            let result = s.step_until(&mut duty, &record, &signer, Stage::Revealed)?;
            s.report_step(&duty, result, serde_json::json!({}))
        }
        ConsensusCommand::OpenSeal { claim } => {
            let record = s.claim(claim)?;
            let seal = record
                .seal
                .ok_or_else(|| anyhow!("claim {claim} is not sealed"))?;
            let saved = s.store.seal(&seal.to_string())?.ok_or_else(|| {
                anyhow!(
                    "no salt for seal {seal} in {}: it was sealed with another data dir",
                    s.store.path().display()
                )
            })?;
            let signer = (s.signer)()?;
            let msg = ExecuteMsg::OpenSeal {
                claim_id: claim,
                canary: saved.canary,
                salt: saved.salt,
            };
            let result = s.execute(&signer, &msg, 0)?;
            s.report(&result, serde_json::json!({ "canary": saved.canary }))
        }
        ConsensusCommand::Finalize { claim } => {
            let signer = (s.signer)()?;
            let result = s.execute(&signer, &ExecuteMsg::Finalize { claim_id: claim }, 0)?;
            let verdict = result
                .attribute("wasm", events::FINAL_VERDICT)
                .or_else(|| result.attribute("wasm", events::VERDICT))
                .unwrap_or_default();
            s.report(&result, serde_json::json!({ "verdict": verdict }))
        }
        ConsensusCommand::Dispute { claim } => {
            let bond = s.params()?.dispute_bond.u128();
            let signer = (s.signer)()?;
            let result = s.execute(&signer, &ExecuteMsg::Dispute { claim_id: claim }, bond)?;
            let committee = result
                .attribute("wasm", events::COMMITTEE)
                .unwrap_or_default();
            s.report(
                &result,
                serde_json::json!({ "committee": committee.split(',').collect::<Vec<_>>() }),
            )
        }
        ConsensusCommand::Show { claim } => {
            crate::output::print(s.json, &s.claim(claim)?, describe_claim)
        }
        ConsensusCommand::Settlement { claim } => {
            let settlement: Option<Settlement> = s
                .chain
                .smart_query(&s.contract, &QueryMsg::Settlement { claim_id: claim })?;
            let settlement = settlement.ok_or_else(|| {
                anyhow!(
                    "claim {claim} is not settled (or was settled before settlements were recorded)"
                )
            })?;
            crate::output::print(s.json, &settlement, describe_settlement)
        }
        ConsensusCommand::Committee { claim } => {
            let committee: CommitteeResponse = s.chain.smart_query(
                &s.contract,
                &QueryMsg::Committee {
                    claim_id: claim,
                    round: None,
                },
            )?;
            crate::output::print(s.json, &committee, |c| {
                let mut text = format!("round {}: {} members", c.round, c.members.len());
                for m in &c.members {
                    text.push_str(&format!("\n  {} stake {}", m.operator, m.stake));
                }
                text
            })
        }
    }
}
