//! Writes the consensus contract's JSON schema into ./schema.

use cosmwasm_schema::write_api;
use poi_types::consensus::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    write_api! {
        name: "poi-consensus",
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
}
