//! A cw20 token for multi-test worlds: balances, `transfer`, `send`, `burn` and the `balance`
//! query, as the cw20 standard defines them.
//!
//! cw20-base's releases target cosmwasm-std 2, which cw-multi-test 3 cannot host, so the suites
//! run this token instead; the e2e test on the local chain bonds through the real cw20-base.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    Addr, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdError, StdResult, Uint128, WasmMsg,
    to_json_binary,
};
use cw_multi_test::{App, ContractWrapper, Executor};
use cw_storage_plus::Map;
use poi_types::cw20::{Cw20ExecuteMsg, Cw20ReceiveMsg};

const BALANCES: Map<&Addr, Uint128> = Map::new("balance");

#[cw_serde]
pub struct InstantiateMsg {
    pub initial_balances: Vec<(String, Uint128)>,
}

#[cw_serde]
pub enum QueryMsg {
    Balance { address: String },
}

#[cw_serde]
pub struct BalanceResponse {
    pub balance: Uint128,
}

fn instantiate(
    deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: InstantiateMsg,
) -> StdResult<Response> {
    for (holder, amount) in msg.initial_balances {
        BALANCES.save(deps.storage, &deps.api.addr_validate(&holder)?, &amount)?;
    }
    Ok(Response::new())
}

fn move_tokens(deps: DepsMut, from: &Addr, to: &Addr, amount: Uint128) -> StdResult<()> {
    let held = BALANCES.may_load(deps.storage, from)?.unwrap_or_default();
    let left = held
        .checked_sub(amount)
        .map_err(|_| StdError::msg("insufficient funds"))?;
    BALANCES.save(deps.storage, from, &left)?;
    let has = BALANCES.may_load(deps.storage, to)?.unwrap_or_default();
    BALANCES.save(deps.storage, to, &(has + amount))
}

fn execute(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: Cw20ExecuteMsg,
) -> StdResult<Response> {
    match msg {
        Cw20ExecuteMsg::Transfer { recipient, amount } => {
            let to = deps.api.addr_validate(&recipient)?;
            move_tokens(deps, &info.sender, &to, amount)?;
            Ok(Response::new())
        }
        Cw20ExecuteMsg::Send {
            contract,
            amount,
            msg,
        } => {
            let to = deps.api.addr_validate(&contract)?;
            move_tokens(deps, &info.sender, &to, amount)?;
            let hook = Cw20ReceiveMsg {
                sender: info.sender.to_string(),
                amount,
                msg,
            };
            // The recipient's own `Receive` variant wraps the hook, as cw20 defines it.
            let receive = to_json_binary(&serde_json::json!({ "receive": hook }))?;
            Ok(Response::new().add_message(WasmMsg::Execute {
                contract_addr: contract,
                msg: receive,
                funds: vec![],
            }))
        }
        Cw20ExecuteMsg::Burn { amount } => {
            let held = BALANCES
                .may_load(deps.storage, &info.sender)?
                .unwrap_or_default();
            let left = held
                .checked_sub(amount)
                .map_err(|_| StdError::msg("insufficient funds"))?;
            BALANCES.save(deps.storage, &info.sender, &left)?;
            Ok(Response::new())
        }
    }
}

fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Balance { address } => {
            let address = deps.api.addr_validate(&address)?;
            let balance = BALANCES
                .may_load(deps.storage, &address)?
                .unwrap_or_default();
            to_json_binary(&BalanceResponse { balance })
        }
    }
}

/// Deploys a token holding `initial` for each of `holders`.
pub fn deploy(app: &mut App, creator: &Addr, holders: &[Addr], initial: u128) -> Addr {
    let code_id = app.store_code(Box::new(ContractWrapper::new(execute, instantiate, query)));
    let msg = InstantiateMsg {
        initial_balances: holders
            .iter()
            .map(|h| (h.to_string(), Uint128::new(initial)))
            .collect(),
    };
    app.instantiate_contract(code_id, creator.clone(), &msg, &[], "cw20", None)
        .expect("the token instantiates")
}

pub fn balance(app: &App, token: &Addr, holder: &Addr) -> u128 {
    let response: BalanceResponse = app
        .wrap()
        .query_wasm_smart(
            token,
            &QueryMsg::Balance {
                address: holder.to_string(),
            },
        )
        .expect("a balance");
    response.balance.u128()
}
