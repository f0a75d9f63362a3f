//! The part of the cw20 interface poi speaks: the hook a token calls on `send`, and the two
//! messages the staking contract sends a token back. The `cw20` crate would bring these, but its
//! releases target cosmwasm-std 2; the JSON is the standard's, so any cw20 token understands them.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Binary, Uint128};

/// What a cw20 token executes on the recipient of a `send`.
#[cw_serde]
pub struct Cw20ReceiveMsg {
    /// The account whose tokens were sent.
    pub sender: String,
    pub amount: Uint128,
    /// The recipient's own message, JSON.
    pub msg: Binary,
}

/// Messages to a cw20 token contract.
#[cw_serde]
pub enum Cw20ExecuteMsg {
    Transfer {
        recipient: String,
        amount: Uint128,
    },
    Burn {
        amount: Uint128,
    },
    Send {
        contract: String,
        amount: Uint128,
        msg: Binary,
    },
}
