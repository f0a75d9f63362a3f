//! Strategies: the assets accepted as stake, what a token of each weighs, and where their tokens
//! are sent.
//!
//! An operator's stake is the weighted sum of its pools (see [`crate::pools`]), moved by each
//! pool's change alone, so a bond touches one pool however many strategies there are. Weights
//! never change (see `Strategy::weight`), which is what keeps that sum right without revisiting
//! every operator.

use cosmwasm_std::{
    BankMsg, CosmosMsg, Decimal, DepsMut, MessageInfo, Order, Response, StdResult, Storage,
    Uint128, WasmMsg, coins, to_json_binary,
};
use poi_types::cw20::Cw20ExecuteMsg;
use poi_types::staking::{Asset, Config, MAX_STRATEGIES, SlashDestination, Strategy, events};

use crate::ContractError;
use crate::state::{ADMIN, STRATEGIES, STRATEGY_IDS};

/// Heaviest weight a token may have: a bound that keeps `tokens × weight` of any bank supply
/// inside the stake's type.
const MAX_WEIGHT: u64 = 1_000_000;

/// The key `STRATEGY_IDS` finds an asset under.
fn asset_key(asset: &Asset) -> (&'static str, &str) {
    match asset {
        Asset::Native { denom } => ("native", denom),
        Asset::Cw20 { address } => ("cw20", address),
    }
}

pub fn load(storage: &dyn Storage, id: u16) -> Result<Strategy, ContractError> {
    STRATEGIES
        .may_load(storage, id)?
        .ok_or(ContractError::NoSuchStrategy { id })
}

/// The strategy of an asset, or why the asset cannot be bonded.
pub fn of_asset(storage: &dyn Storage, asset: &Asset) -> Result<Strategy, ContractError> {
    match STRATEGY_IDS.may_load(storage, asset_key(asset))? {
        Some(id) => load(storage, id),
        None => Err(ContractError::NotAStrategy {
            asset: asset.clone(),
        }),
    }
}

/// Every strategy; at most [`MAX_STRATEGIES`].
pub fn all(storage: &dyn Storage) -> StdResult<Vec<Strategy>> {
    STRATEGIES
        .range(storage, None, None, Order::Ascending)
        .map(|item| item.map(|(_, s)| s))
        .collect()
}

/// What `tokens` of the strategy weigh, rounded down.
pub fn weigh(strategy: &Strategy, tokens: Uint128) -> Result<Uint128, ContractError> {
    tokens
        .checked_mul_floor(strategy.weight)
        .map_err(|_| ContractError::StakeOverflow)
}

/// Refuses a bond that would take the strategy over its cap.
pub fn check_cap(strategy: &Strategy, amount: Uint128) -> Result<(), ContractError> {
    match strategy.cap {
        Some(cap) if strategy.bonded.saturating_add(amount) > cap => {
            Err(ContractError::StrategyCapReached {
                strategy_id: strategy.id,
                cap,
                bonded: strategy.bonded,
            })
        }
        _ => Ok(()),
    }
}

/// Pays `amount` of the strategy's asset to `to`.
pub fn send_msg(asset: &Asset, to: &str, amount: Uint128) -> StdResult<CosmosMsg> {
    Ok(match asset {
        Asset::Native { denom } => BankMsg::Send {
            to_address: to.to_string(),
            amount: coins(amount.u128(), denom),
        }
        .into(),
        Asset::Cw20 { address } => WasmMsg::Execute {
            contract_addr: address.clone(),
            msg: to_json_binary(&Cw20ExecuteMsg::Transfer {
                recipient: to.to_string(),
                amount,
            })?,
            funds: vec![],
        }
        .into(),
    })
}

/// Sends slashed tokens of the strategy's asset where the configuration says.
pub fn slashed_msg(config: &Config, asset: &Asset, amount: Uint128) -> StdResult<CosmosMsg> {
    match (&config.slash_destination, asset) {
        (SlashDestination::Address { address }, _) => send_msg(asset, address, amount),
        (SlashDestination::Burn {}, Asset::Native { denom }) => Ok(BankMsg::Burn {
            amount: coins(amount.u128(), denom),
        }
        .into()),
        (SlashDestination::Burn {}, Asset::Cw20 { address }) => Ok(WasmMsg::Execute {
            contract_addr: address.clone(),
            msg: to_json_binary(&Cw20ExecuteMsg::Burn { amount })?,
            funds: vec![],
        }
        .into()),
    }
}

/// Registers a strategy with the next id; the caller has checked who may.
pub fn register(
    storage: &mut dyn Storage,
    asset: Asset,
    weight: Decimal,
    cap: Option<Uint128>,
) -> Result<Strategy, ContractError> {
    if weight.is_zero() || weight > Decimal::from_atomics(MAX_WEIGHT, 0).expect("fits") {
        return Err(ContractError::InvalidField {
            field: "weight",
            reason: format!("above zero and at most {MAX_WEIGHT}"),
        });
    }
    if STRATEGY_IDS.has(storage, asset_key(&asset)) {
        return Err(ContractError::StrategyExists { asset });
    }
    let id = match STRATEGIES.last(storage)? {
        Some((last, _)) if last >= MAX_STRATEGIES => {
            return Err(ContractError::TooManyStrategies {
                max: MAX_STRATEGIES,
            });
        }
        Some((last, _)) => last + 1,
        None => poi_types::staking::FIRST_STRATEGY,
    };
    let strategy = Strategy {
        id,
        asset,
        weight,
        cap,
        bonded: Uint128::zero(),
    };
    STRATEGY_IDS.save(storage, asset_key(&strategy.asset), &id)?;
    STRATEGIES.save(storage, id, &strategy)?;
    Ok(strategy)
}

pub fn add(
    deps: DepsMut,
    info: MessageInfo,
    asset: Asset,
    weight: Decimal,
    cap: Option<Uint128>,
) -> Result<Response, ContractError> {
    ADMIN.assert_admin(deps.as_ref(), &info.sender)?;
    let asset = match asset {
        Asset::Native { denom } if poi_types::denom::is_valid_denom(&denom) => {
            Asset::Native { denom }
        }
        Asset::Native { .. } => {
            return Err(ContractError::InvalidField {
                field: "asset.native.denom",
                reason: "not a valid denom".into(),
            });
        }
        Asset::Cw20 { address } => Asset::Cw20 {
            address: deps.api.addr_validate(&address)?.into_string(),
        },
    };
    let strategy = register(deps.storage, asset, weight, cap)?;
    Ok(Response::new()
        .add_attribute("action", "add_strategy")
        .add_attribute(events::STRATEGY_ID, strategy.id.to_string())
        .add_attribute("weight", strategy.weight.to_string()))
}

pub fn set_cap(
    deps: DepsMut,
    info: MessageInfo,
    strategy_id: u16,
    cap: Option<Uint128>,
) -> Result<Response, ContractError> {
    ADMIN.assert_admin(deps.as_ref(), &info.sender)?;
    let mut strategy = load(deps.storage, strategy_id)?;
    strategy.cap = cap;
    STRATEGIES.save(deps.storage, strategy_id, &strategy)?;
    Ok(Response::new()
        .add_attribute("action", "set_strategy_cap")
        .add_attribute(events::STRATEGY_ID, strategy_id.to_string())
        .add_attribute("cap", cap.map_or("none".into(), |c| c.to_string())))
}
