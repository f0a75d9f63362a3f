//! Writes the staking contract's JSON schema into ./schema.

use cosmwasm_schema::write_api;
use poi_types::staking::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    write_api! {
        name: "poi-staking",
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
}
