//! Submitting claims, and auditors opening the seals of theirs.

use std::collections::BTreeSet;

use cosmwasm_std::{Binary, DepsMut, Env, MessageInfo, Response, Uint128};
use cw_utils::must_pay;
use poi_types::ContentHash;
use poi_types::consensus::events;
use poi_types::consensus::{
    Claim, ClaimStatus, ClaimedOutput, InputRef, MAX_INPUTS, MAX_SALT_LEN, MIN_SALT_LEN, NewClaim,
    Params, Round, canary_seal,
};
use poi_types::registry::{
    Asset, AssetKind, AssetStatus, ModelSpec, QueryMsg as RegistryQuery, VerificationPolicy,
    Verifier,
};

use crate::ContractError;
use crate::committee;
use crate::state::{COMMITTEES, CONFIG, NEXT_CLAIM_ID, PARAMS, RECORDS, claims};

const MAX_INPUT_NAME_LEN: usize = 128;

/// The inputs must name each of the model's inputs once, with a fetchable URI.
fn check_inputs(inputs: &[InputRef], spec: &ModelSpec) -> Result<(), ContractError> {
    if inputs.is_empty() || inputs.len() > MAX_INPUTS {
        return Err(ContractError::invalid(
            "inputs",
            format!("1 to {MAX_INPUTS} inputs"),
        ));
    }
    let mut names = BTreeSet::new();
    for input in inputs {
        if input.name.is_empty() || input.name.len() > MAX_INPUT_NAME_LEN {
            return Err(ContractError::invalid(
                "inputs.name",
                format!("1 to {MAX_INPUT_NAME_LEN} bytes"),
            ));
        }
        if !names.insert(input.name.as_str()) {
            return Err(ContractError::invalid(
                "inputs.name",
                format!("{} given twice", input.name),
            ));
        }
        poi_types::uri::check(&input.uri)
            .map_err(|reason| ContractError::invalid("inputs.uri", reason))?;
    }
    let expected: BTreeSet<&str> = spec.inputs.iter().map(|t| t.name.as_str()).collect();
    if names != expected {
        return Err(ContractError::invalid(
            "inputs",
            format!(
                "the model takes {}",
                expected.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(())
}

fn check_output(output: &ClaimedOutput, tolerance: bool) -> Result<(), ContractError> {
    match &output.output_uri {
        Some(uri) => poi_types::uri::check(uri)
            .map_err(|reason| ContractError::invalid("output.output_uri", reason)),
        None if tolerance => Err(ContractError::OutputUriRequired),
        None => Ok(()),
    }
}

/// The model and its spec, if the asset is an active model.
fn active_model(
    deps: &DepsMut,
    registry: &cosmwasm_std::Addr,
    id: u64,
) -> Result<(Asset, ModelSpec), ContractError> {
    let not_a_model = || ContractError::NotAnActiveModel { id };
    let asset: Asset = deps
        .querier
        .query_wasm_smart(registry, &RegistryQuery::Asset { id })
        .map_err(|_| not_a_model())?;
    match (&asset.kind, &asset.status, asset.model.clone()) {
        (AssetKind::Model, AssetStatus::Active, Some(spec)) => Ok((asset, spec)),
        _ => Err(not_a_model()),
    }
}

fn approved_verifier(
    deps: &DepsMut,
    registry: &cosmwasm_std::Addr,
    raw: &str,
) -> Result<ContentHash, ContractError> {
    let hash: ContentHash = raw.parse()?;
    let not_approved = || ContractError::VerifierNotApproved {
        hash: hash.to_string(),
    };
    let verifier: Verifier = deps
        .querier
        .query_wasm_smart(
            registry,
            &RegistryQuery::Verifier {
                hash: hash.to_string(),
            },
        )
        .map_err(|_| not_approved())?;
    if verifier.revoked_height.is_some() {
        return Err(not_approved());
    }
    Ok(hash)
}

/// A first round for a claim submitted now, with its windows.
pub fn new_round(number: u8, height: u64, params: &Params) -> Round {
    let commit_end = height + params.commit_window;
    Round {
        number,
        snapshot_height: height,
        start_height: height,
        commit_end,
        reveal_end: commit_end + params.reveal_window,
        committee_stake: Uint128::zero(),
        agree_stake: Uint128::zero(),
        disagree_stake: Uint128::zero(),
        verdict: None,
        ended_height: None,
    }
}

/// Draws and stores the committee of a round, and counts the seat in each member's record.
pub fn seat_committee(
    deps: &mut DepsMut,
    claim_id: u64,
    round: &mut Round,
    size: u32,
    excluded: &[cosmwasm_std::Addr],
) -> Result<Vec<String>, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let params = PARAMS.load(deps.storage)?;
    let members = committee::draw(
        deps.as_ref(),
        &config,
        claim_id,
        round.number,
        round.snapshot_height,
        size,
        params.max_candidates,
        excluded,
    )?;
    round.committee_stake = committee::stake_of(&members);
    for member in &members {
        RECORDS.update(
            deps.storage,
            &member.operator,
            |r| -> Result<_, ContractError> {
                let mut r = r.unwrap_or_default();
                r.committees += 1;
                Ok(r)
            },
        )?;
    }
    COMMITTEES.save(deps.storage, (claim_id, round.number), &members)?;
    Ok(members.iter().map(|m| m.operator.to_string()).collect())
}

pub fn submit(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    new: NewClaim,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let params = PARAMS.load(deps.storage)?;
    let (model, spec) = active_model(&deps, &config.registry, new.model_id)?;
    let verifier_hash = approved_verifier(&deps, &config.registry, &new.verifier_hash)?;
    check_inputs(&new.inputs, &spec)?;
    let tolerance = matches!(spec.policy, VerificationPolicy::Tolerance { .. });
    check_output(&new.output, tolerance)?;
    let seal = match new.seal {
        Some(raw) if params.auditors.contains(&info.sender) => Some(raw.parse::<ContentHash>()?),
        Some(_) => return Err(ContractError::NotAuditor),
        None => None,
    };

    let price = match &model.price_per_use {
        Some(coin) if coin.denom != config.denom => {
            return Err(ContractError::PriceDenom {
                price_denom: coin.denom.clone(),
                denom: config.denom,
            });
        }
        Some(coin) => Uint128::try_from(coin.amount)
            .map_err(|_| ContractError::invalid("price", "too large"))?,
        None => Uint128::zero(),
    };
    let paid = Uint128::try_from(must_pay(&info, &config.denom)?)
        .map_err(|_| ContractError::invalid("funds", "too large"))?;
    let required = price
        .checked_add(params.fee_floor)
        .and_then(|r| r.checked_add(params.claimant_bond))
        .map_err(|_| ContractError::invalid("price", "too large"))?;
    if paid < required {
        return Err(ContractError::Underpaid {
            required: required.u128(),
            paid: paid.u128(),
            denom: config.denom,
        });
    }

    let id = NEXT_CLAIM_ID.may_load(deps.storage)?.unwrap_or(1);
    NEXT_CLAIM_ID.save(deps.storage, &(id + 1))?;
    let mut round = new_round(1, env.block.height, &params);
    let members = seat_committee(
        &mut deps,
        id,
        &mut round,
        params.committee_size,
        std::slice::from_ref(&info.sender),
    )?;
    let claim = Claim {
        id,
        claimant: info.sender,
        model_id: model.id,
        model_hash: model.content_hash,
        verifier_hash,
        inputs: new.inputs,
        output: new.output,
        tolerance,
        price,
        reward: paid - price - params.claimant_bond,
        bond: params.claimant_bond,
        seal,
        canary: None,
        status: ClaimStatus::Voting,
        verdict: None,
        dispute_end: None,
        dispute: None,
        submitted_height: env.block.height,
        rounds: vec![round.clone()],
    };
    claims().save(deps.storage, id, &claim)?;
    Ok(Response::new()
        .add_attribute("action", "submit_claim")
        .add_attribute(events::CLAIM_ID, id.to_string())
        .add_attribute("model_id", claim.model_id.to_string())
        .add_attribute(events::COMMITTEE, members.join(","))
        .add_attribute("commit_end", round.commit_end.to_string())
        .add_attribute("reveal_end", round.reveal_end.to_string()))
}

pub fn load(storage: &dyn cosmwasm_std::Storage, id: u64) -> Result<Claim, ContractError> {
    claims()
        .may_load(storage, id)?
        .ok_or(ContractError::ClaimNotFound { id })
}

pub fn check_salt(salt: &Binary) -> Result<(), ContractError> {
    if salt.len() < MIN_SALT_LEN || salt.len() > MAX_SALT_LEN {
        return Err(ContractError::invalid(
            "salt",
            format!("{MIN_SALT_LEN} to {MAX_SALT_LEN} bytes"),
        ));
    }
    Ok(())
}

/// The auditor opens its claim's seal once the votes are revealed, saying whether it was a canary.
pub fn open_seal(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    claim_id: u64,
    canary: bool,
    salt: Binary,
) -> Result<Response, ContractError> {
    let mut claim = load(deps.storage, claim_id)?;
    let Some(seal) = claim.seal.clone().filter(|_| claim.canary.is_none()) else {
        return Err(ContractError::NoSeal { claim_id });
    };
    if info.sender != claim.claimant {
        return Err(ContractError::NotSealOwner { claim_id });
    }
    if claim.status != ClaimStatus::Voting {
        return Err(ContractError::WrongStatus {
            claim_id,
            status: claim.status,
            action: "opening its seal",
        });
    }
    let round = claim.round();
    if env.block.height < round.reveal_end {
        // Opening earlier would tell the committee what to vote.
        return Err(ContractError::TooEarly {
            claim_id,
            height: round.reveal_end,
        });
    }
    check_salt(&salt)?;
    if canary_seal(canary, &salt) != seal {
        return Err(ContractError::SealMismatch);
    }
    claim.canary = Some(canary);
    claims().save(deps.storage, claim_id, &claim)?;
    Ok(Response::new()
        .add_attribute("action", "open_seal")
        .add_attribute(events::CLAIM_ID, claim_id.to_string())
        .add_attribute("canary", canary.to_string()))
}
