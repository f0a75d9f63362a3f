//! Runs an optimised contract artefact in cosmwasm-vm, the VM that wasmd embeds, and measures the
//! gas each message costs.
//!
//! Gas here is CosmWasm gas (the VM's own metering, storage and API calls included), the unit
//! cosmwasm-vm reports; wasmd divides it by 140 000 to charge Cosmos SDK gas on top of its own costs
//! for storage writes and transaction bytes.

use cosmwasm_std::{Empty, Env, MessageInfo, Response, Uint128, coin};
use cosmwasm_vm::testing::{
    MockApi, MockInstanceOptions, MockQuerier, MockStorage, mock_env, mock_instance_with_options,
};
use cosmwasm_vm::{
    Instance, call_execute, call_instantiate, call_migrate, call_query, capabilities_from_csv,
};
use poi_types::ContentHash;
use poi_types::registry::{ExecuteMsg, InstantiateMsg, QueryMsg, VerificationPolicy};
use serde::Serialize;

use crate::suite::{dataset, model};

/// Capabilities wasmd v0.70 offers; the artefacts must not need more.
pub const WASMD_CAPABILITIES: &str = "iterator,staking,stargate,cosmwasm_1_1,cosmwasm_1_2,cosmwasm_1_3,cosmwasm_1_4,cosmwasm_2_0,cosmwasm_2_1,cosmwasm_2_2,ibc2";

/// Generous, so a measurement is never cut short: it is the whole scenario's, as an instance's gas
/// is spent across its calls (growing a staking contract to 1000 operators, delegators and slashes
/// over 16 strategies takes about 10^12). Real limits are per transaction on chain.
const GAS_LIMIT: u64 = 10_000_000_000_000;

/// What one message cost.
#[derive(Debug, Clone, Serialize)]
pub struct GasLine {
    pub step: String,
    pub gas: u64,
}

type MockInstance = Instance<MockApi, MockStorage, MockQuerier>;
/// `call_instantiate` or `call_execute`: both take the same arguments.
type EntryPoint = fn(
    &mut MockInstance,
    &Env,
    &MessageInfo,
    &[u8],
) -> cosmwasm_vm::VmResult<cosmwasm_std::ContractResult<Response<Empty>>>;

/// A contract instance in the VM, with the accounts of a scenario.
pub struct VmContract {
    instance: MockInstance,
    env: Env,
    api: MockApi,
    funds: Vec<cosmwasm_std::Coin>,
    pub lines: Vec<GasLine>,
}

impl VmContract {
    pub fn new(wasm: &[u8]) -> Self {
        let options = MockInstanceOptions {
            available_capabilities: capabilities_from_csv(WASMD_CAPABILITIES),
            gas_limit: GAS_LIMIT,
            ..Default::default()
        };
        Self {
            instance: mock_instance_with_options(wasm, options),
            env: mock_env(),
            api: MockApi::default(),
            funds: vec![],
            lines: vec![],
        }
    }

    pub fn addr(&self, name: &str) -> cosmwasm_std::Addr {
        cosmwasm_std::Addr::unchecked(self.api.addr_make(name))
    }

    fn info(&mut self, sender: cosmwasm_std::Addr) -> MessageInfo {
        MessageInfo {
            sender,
            funds: std::mem::take(&mut self.funds),
        }
    }

    pub fn height(&self) -> u64 {
        self.env.block.height
    }

    /// Moves this contract's chain to `height`, six seconds a block.
    pub fn set_height(&mut self, height: u64) {
        let blocks = height.saturating_sub(self.env.block.height);
        self.env.block.height = height;
        self.env.block.time = self.env.block.time.plus_seconds(6 * blocks);
    }

    /// Answers a query without measuring it or moving the chain on: what another contract's
    /// query to this one costs is that contract's business.
    pub fn query_unmetered(&mut self, msg: &[u8]) -> Result<cosmwasm_std::Binary, String> {
        call_query(&mut self.instance, &self.env, msg)
            .map_err(|e| e.to_string())?
            .into_result()
    }

    /// Routes this contract's smart queries to the given contracts, by address.
    pub fn route_queries_to(
        &mut self,
        contracts: Vec<(String, std::rc::Rc<std::cell::RefCell<VmContract>>)>,
    ) {
        use cosmwasm_std::{ContractResult, SystemError, SystemResult, WasmQuery};
        self.instance
            .with_querier(|querier| {
                querier.update_wasm(move |query| match query {
                    WasmQuery::Smart { contract_addr, msg } => {
                        match contracts.iter().find(|(a, _)| a == contract_addr) {
                            Some((_, contract)) => SystemResult::Ok(ContractResult::from(
                                contract.borrow_mut().query_unmetered(msg),
                            )),
                            None => SystemResult::Err(SystemError::NoSuchContract {
                                addr: contract_addr.clone(),
                            }),
                        }
                    }
                    _ => SystemResult::Err(SystemError::UnsupportedRequest {
                        kind: "only smart queries are routed".into(),
                    }),
                });
                Ok(())
            })
            .expect("the querier is reachable");
    }

    /// Attaches `funds` to the next message.
    pub fn with_funds(&mut self, funds: Vec<cosmwasm_std::Coin>) -> &mut Self {
        self.funds = funds;
        self
    }

    fn measure<T>(
        &mut self,
        step: &str,
        call: impl FnOnce(&mut MockInstance, &Env) -> Result<T, String>,
    ) -> Result<T, String> {
        let before = self.instance.get_gas_left();
        let out = call(&mut self.instance, &self.env).map_err(|e| format!("{step}: {e}"))?;
        let gas = before - self.instance.get_gas_left();
        self.lines.push(GasLine {
            step: step.to_string(),
            gas,
        });
        // Each message in its own block, as on a chain.
        self.env.block.height += 1;
        self.env.block.time = self.env.block.time.plus_seconds(6);
        Ok(out)
    }

    pub fn instantiate(
        &mut self,
        step: &str,
        sender: &str,
        msg: &impl Serialize,
    ) -> Result<Response<Empty>, String> {
        self.call(step, sender, msg, call_instantiate::<_, _, _, Empty>)
    }

    pub fn execute(
        &mut self,
        step: &str,
        sender: &str,
        msg: &impl Serialize,
    ) -> Result<Response<Empty>, String> {
        self.call(step, sender, msg, call_execute::<_, _, _, Empty>)
    }

    /// As `execute`, from an address rather than an account name.
    pub fn execute_from(
        &mut self,
        step: &str,
        sender: &cosmwasm_std::Addr,
        msg: &impl Serialize,
    ) -> Result<Response<Empty>, String> {
        let info = self.info(sender.clone());
        let msg = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        self.measure(step, |instance, env| {
            call_execute::<_, _, _, Empty>(instance, env, &info, &msg)
                .map_err(|e| e.to_string())?
                .into_result()
        })
    }

    fn call(
        &mut self,
        step: &str,
        sender: &str,
        msg: &impl Serialize,
        entry: EntryPoint,
    ) -> Result<Response<Empty>, String> {
        let sender = self.addr(sender);
        let info = self.info(sender);
        let msg = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        self.measure(step, |instance, env| {
            entry(instance, env, &info, &msg)
                .map_err(|e| e.to_string())?
                .into_result()
        })
    }

    /// Replaces the contract's code by `wasm` and runs its `migrate` on the stored state, as
    /// wasmd's `MsgMigrateContract` does: same address, same storage, new code.
    pub fn migrate(self, wasm: &[u8], msg: &impl Serialize) -> Result<(Self, Response), String> {
        let Self {
            instance,
            env,
            api,
            funds,
            lines,
        } = self;
        let backend = instance
            .recycle()
            .ok_or("the instance's backend was already taken")?;
        let options = cosmwasm_vm::InstanceOptions {
            gas_limit: GAS_LIMIT,
        };
        let instance =
            Instance::from_code(wasm, backend, options, None).map_err(|e| e.to_string())?;
        let mut vm = Self {
            instance,
            env,
            api,
            funds,
            lines,
        };
        let msg = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        let response = vm.measure("migrate", |instance, env| {
            call_migrate::<_, _, _, Empty>(instance, env, &msg)
                .map_err(|e| e.to_string())?
                .into_result()
        })?;
        Ok((vm, response))
    }

    pub fn query(&mut self, step: &str, msg: &impl Serialize) -> Result<Vec<u8>, String> {
        let msg = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        self.measure(step, |instance, env| {
            call_query(instance, env, &msg)
                .map_err(|e| e.to_string())?
                .into_result()
                .map(|b| b.to_vec())
        })
    }
}

/// Runs every registry message once, as a user would, and returns the gas of each.
pub fn registry_gas_report(wasm: &[u8]) -> Result<Vec<GasLine>, String> {
    let mut vm = VmContract::new(wasm);
    let (alice, bob) = (vm.addr("alice").to_string(), vm.addr("bob").to_string());
    vm.instantiate(
        "instantiate",
        "admin",
        &InstantiateMsg {
            admin: None,
            name: "poi AI assets".into(),
            symbol: "POI".into(),
        },
    )?;

    let data = vec![7u8; 3 << 20];
    vm.execute(
        "register_asset (dataset)",
        "alice",
        &ExecuteMsg::RegisterAsset(dataset(&data, "digits")),
    )?;
    vm.execute(
        "register_asset (model, 1 parent)",
        "alice",
        &ExecuteMsg::RegisterAsset(model(b"model-a", "classifier", &[(1, 3000)])),
    )?;
    let mut parents = vec![(1, 500), (2, 500)];
    for i in 0..6u64 {
        vm.execute(
            "register_asset (another dataset)",
            "alice",
            &ExecuteMsg::RegisterAsset(dataset(format!("shard {i}").as_bytes(), "shard")),
        )?;
        parents.push((3 + i, 500));
    }
    vm.execute(
        "register_asset (model, 8 parents)",
        "alice",
        &ExecuteMsg::RegisterAsset(model(b"model-b", "ensemble", &parents)),
    )?;
    let ensemble = 9u64;

    vm.execute(
        "update_asset",
        "alice",
        &ExecuteMsg::UpdateAsset {
            id: 2,
            uri: Some("ipfs://classifier-v1".into()),
            metadata: None,
            policy: Some(VerificationPolicy::Exact {}),
        },
    )?;
    vm.execute(
        "set_price",
        "alice",
        &ExecuteMsg::SetPrice {
            id: 2,
            price_per_use: Some(coin(250, "stake")),
        },
    )?;
    vm.execute(
        "approve",
        "alice",
        &ExecuteMsg::Approve {
            spender: bob.clone(),
            token_id: "2".into(),
            expires: None,
        },
    )?;
    vm.execute(
        "transfer_nft (by approved spender)",
        "bob",
        &ExecuteMsg::TransferNft {
            recipient: bob.clone(),
            token_id: "2".into(),
        },
    )?;
    vm.execute(
        "approve_all",
        "bob",
        &ExecuteMsg::ApproveAll {
            operator: alice.clone(),
            expires: None,
        },
    )?;
    vm.execute(
        "revoke_all",
        "bob",
        &ExecuteMsg::RevokeAll { operator: alice },
    )?;
    let verifier = ContentHash::digest(b"poi_verifier.wasm").to_string();
    vm.execute(
        "approve_verifier",
        "admin",
        &ExecuteMsg::ApproveVerifier {
            hash: verifier.clone(),
            version: "0.1.0".into(),
            uri: "ipfs://verifier".into(),
        },
    )?;
    vm.execute(
        "revoke_verifier",
        "admin",
        &ExecuteMsg::RevokeVerifier { hash: verifier },
    )?;
    vm.execute(
        "deprecate_asset",
        "bob",
        &ExecuteMsg::DeprecateAsset { id: 2 },
    )?;

    vm.query("query asset", &QueryMsg::Asset { id: 2 })?;
    vm.query(
        "query assets (page of 30)",
        &QueryMsg::Assets {
            kind: None,
            owner: None,
            start_after: None,
            limit: None,
        },
    )?;
    vm.query(
        "query lineage (8 parents)",
        &QueryMsg::Lineage {
            asset_id: ensemble,
            depth: None,
        },
    )?;
    vm.query(
        "query revenue_split (8 parents)",
        &QueryMsg::RevenueSplit {
            asset_id: ensemble,
            amount: Uint128::new(1_000_000),
        },
    )?;
    // The shards cost the same; one line says it.
    vm.lines.dedup_by(|later, first| later.step == first.step);
    Ok(vm.lines)
}

const STAKING_WITHDRAWAL_DELAY: u64 = 7 * 24 * 3600;
const STAKING_MAX_OPEN_WITHDRAWALS: u32 = 10;

fn staking_instance(wasm: &[u8]) -> Result<VmContract, String> {
    use poi_types::staking::{InstantiateMsg as StakingInit, SlashDestination};
    let mut vm = VmContract::new(wasm);
    let slasher = vm.addr("slasher").to_string();
    vm.instantiate(
        "instantiate",
        "admin",
        &StakingInit {
            admin: None,
            bond_denom: "stake".into(),
            withdrawal_delay: STAKING_WITHDRAWAL_DELAY,
            allocation_delay: 0,
            min_self_bond: Uint128::new(100),
            max_open_withdrawals: STAKING_MAX_OPEN_WITHDRAWALS,
            slash_destination: SlashDestination::Burn {},
        },
    )?;
    vm.execute(
        "register_service",
        "admin",
        &poi_types::staking::ExecuteMsg::RegisterService {
            name: "poi consensus".into(),
            uri: None,
            slasher,
            max_slash_bps: 10_000,
        },
    )?;
    Ok(vm)
}

/// Every staking message once, on a contract whose state was first grown to `size`: `size` other
/// operators allocated to the service, `size` delegators of the operator under test, `size`
/// slashes in its history, the operator under test serving `size` services (at most
/// [`MAX_ALLOCATIONS_PER_OPERATOR`](poi_types::staking::MAX_ALLOCATIONS_PER_OPERATOR)) and bonded
/// in `strategies` strategies (at least 2: the bond denom and a cw20 token; at most
/// [`MAX_STRATEGIES`](poi_types::staking::MAX_STRATEGIES)), and a staker one withdrawal short of
/// the cap. Returns the gas of the measured messages only.
///
/// Invariant 6 of the staking design is that no execute loops over delegators, operators or
/// history: every line here must cost (nearly) the same for any `size`, and for any number of
/// `strategies` (a slash and a reward payment touch no pool; each pool catches up when touched).
pub fn staking_gas_at_size(
    wasm: &[u8],
    size: usize,
    strategies: u16,
) -> Result<Vec<GasLine>, String> {
    use poi_types::cw20::Cw20ReceiveMsg;
    use poi_types::staking::{Asset, ExecuteMsg as Staking, OperatorMetadata, ReceiveMsg};
    let mut vm = staking_instance(wasm)?;
    let token = vm.addr("token").to_string();
    let mut extra_denoms = Vec::new();
    for i in 2..=strategies.max(2) {
        let asset = if i == 2 {
            Asset::Cw20 {
                address: token.clone(),
            }
        } else {
            extra_denoms.push(format!("denom{i}"));
            Asset::Native {
                denom: format!("denom{i}"),
            }
        };
        let add = Staking::AddStrategy {
            asset,
            weight: cosmwasm_std::Decimal::one(),
            cap: None,
        };
        vm.execute("add_strategy", "admin", &add)?;
    }
    let receive = |staker: &str, operator: &str| -> Result<Staking, String> {
        Ok(Staking::Receive(Cw20ReceiveMsg {
            sender: staker.to_string(),
            amount: Uint128::new(1_000),
            msg: cosmwasm_std::to_json_binary(&ReceiveMsg::Delegate {
                operator: operator.to_string(),
            })
            .map_err(|e| e.to_string())?,
        }))
    };
    let metadata = |moniker: &str| OperatorMetadata {
        moniker: moniker.into(),
        uri: None,
    };
    let allocate = |service_id: u32, bps: u16| Staking::SetAllocation { service_id, bps };
    let allocate_all = allocate(1, 10_000);
    // The operator under test gives service 1 most of its stake and 10 bps to each other service.
    let other_services = size.min(poi_types::staking::MAX_ALLOCATIONS_PER_OPERATOR as usize - 1);
    let start_operator = |vm: &mut VmContract, name: &str, bps: u16| -> Result<String, String> {
        let address = vm.addr(name).to_string();
        let register = Staking::RegisterOperator {
            commission_bps: 500,
            metadata: metadata(name),
        };
        vm.execute("register_operator", name, &register)?;
        let self_bond = Staking::Delegate {
            operator: address.clone(),
        };
        vm.with_funds(vec![coin(1_000, "stake")])
            .execute("delegate", name, &self_bond)?;
        vm.execute("set_allocation", name, &allocate(1, bps))?;
        Ok(address)
    };
    let undelegate = Staking::Undelegate {
        strategy_id: poi_types::staking::FIRST_STRATEGY,
        amount: Uint128::new(10),
    };

    // Grow the state.
    for i in 0..size {
        start_operator(&mut vm, &format!("filler{i}"), 10_000)?;
    }
    let operator = start_operator(&mut vm, "operator", 9_000)?;
    // The operator under test bonds itself in every other strategy too.
    let self_bond = Staking::Delegate {
        operator: operator.clone(),
    };
    let operator_name = vm.addr("operator").to_string();
    vm.execute("receive", "token", &receive(&operator_name, &operator)?)?;
    for denom in &extra_denoms {
        vm.with_funds(vec![coin(1_000, denom.as_str())])
            .execute("delegate", "operator", &self_bond)?;
    }
    let slasher = vm.addr("slasher").to_string();
    for i in 0..other_services {
        let service = Staking::RegisterService {
            name: format!("service {}", i + 2),
            uri: None,
            slasher: slasher.clone(),
            max_slash_bps: 10_000,
        };
        vm.execute("register_service", "admin", &service)?;
        vm.execute("set_allocation", "operator", &allocate(i as u32 + 2, 10))?;
    }
    let to_operator = Staking::Delegate {
        operator: operator.clone(),
    };
    for i in 0..size {
        vm.with_funds(vec![coin(500, "stake")]).execute(
            "delegate",
            &format!("staker{i}"),
            &to_operator,
        )?;
    }
    let claim_height = vm.env.block.height;
    for claim_id in 0..size as u64 {
        let slash = Staking::Slash {
            service_id: 1,
            operator: operator.clone(),
            bps: 1,
            claim_id,
            reason: "history".into(),
            snapshot_height: None,
        };
        vm.execute("slash", "slasher", &slash)?;
    }
    for _ in 1..STAKING_MAX_OPEN_WITHDRAWALS {
        vm.execute("undelegate", "staker0", &undelegate)?;
    }
    vm.lines.clear();

    // Every message once.
    vm.execute(
        "register_service",
        "admin",
        &Staking::RegisterService {
            name: "one more".into(),
            uri: None,
            slasher: slasher.clone(),
            max_slash_bps: 1_000,
        },
    )?;
    vm.execute(
        "update_service (new slasher)",
        "admin",
        &Staking::UpdateService {
            service_id: 1,
            name: None,
            uri: None,
            slasher: Some(slasher.clone()),
        },
    )?;
    vm.execute(
        "register_operator",
        "newcomer",
        &Staking::RegisterOperator {
            commission_bps: 1_000,
            metadata: metadata("newcomer"),
        },
    )?;
    vm.execute(
        "update_operator",
        "operator",
        &Staking::UpdateOperator {
            commission_bps: Some(700),
            metadata: Some(metadata("renamed")),
        },
    )?;
    vm.with_funds(vec![coin(500, "stake")])
        .execute("delegate", "fresh staker", &to_operator)?;
    let cw20_staker = vm.addr("cw20 staker").to_string();
    vm.execute(
        "delegate (cw20 receive)",
        "token",
        &receive(&cw20_staker, &operator)?,
    )?;
    vm.execute(
        "set_strategy_cap",
        "admin",
        &Staking::SetStrategyCap {
            strategy_id: 2,
            cap: Some(Uint128::new(1_000_000)),
        },
    )?;
    let newcomer_bond = Staking::Delegate {
        operator: vm.addr("newcomer").to_string(),
    };
    vm.with_funds(vec![coin(1_000, "stake")]).execute(
        "delegate (self-bond)",
        "newcomer",
        &newcomer_bond,
    )?;
    vm.execute("set_allocation", "newcomer", &allocate_all)?;
    vm.execute(
        "redelegate",
        "fresh staker",
        &Staking::Redelegate {
            operator: vm.addr("newcomer").to_string(),
        },
    )?;
    vm.execute("undelegate (up to the cap)", "staker0", &undelegate)?;
    vm.execute(
        "slash (at the claim's snapshot)",
        "slasher",
        &Staking::Slash {
            service_id: 1,
            operator: operator.clone(),
            bps: 1_000,
            claim_id: u64::MAX,
            reason: "wrong vote".into(),
            snapshot_height: Some(claim_height),
        },
    )?;
    vm.execute(
        "collect_slashed (cw20)",
        "anyone",
        &Staking::CollectSlashed {
            operator: operator.clone(),
            strategy_id: 2,
        },
    )?;
    // Enough that a staker of 500 in a pool of a thousand such earns something.
    vm.with_funds(vec![coin(1_000_000, "stake")]).execute(
        "distribute_rewards (operator)",
        "admin",
        &Staking::DistributeRewards {
            operator: operator.clone(),
        },
    )?;
    vm.execute("claim_rewards", "staker0", &Staking::ClaimRewards {})?;
    vm.execute(
        "eject",
        "slasher",
        &Staking::Eject {
            service_id: 1,
            operator: vm.addr("newcomer").to_string(),
            reason: "absent".into(),
        },
    )?;
    vm.env.block.time = vm.env.block.time.plus_seconds(STAKING_WITHDRAWAL_DELAY);
    let fresh_staker = vm.addr("fresh staker").to_string();
    vm.execute(
        "settle_redelegation",
        "anyone",
        &Staking::SettleRedelegation {
            staker: fresh_staker,
        },
    )?;
    vm.execute(
        "complete_withdrawals (a full batch)",
        "staker0",
        &Staking::CompleteWithdrawals { limit: None },
    )?;
    vm.execute(
        "set_allocation (to zero)",
        "operator",
        &Staking::SetAllocation {
            service_id: 1,
            bps: 0,
        },
    )?;
    vm.env.block.time = vm.env.block.time.plus_seconds(STAKING_WITHDRAWAL_DELAY);
    vm.execute(
        "apply_allocations (release)",
        "operator",
        &Staking::ApplyAllocations {
            operator: operator.clone(),
        },
    )?;
    Ok(vm.lines)
}

/// The (state size, strategies) pairs the staking report compares: strategies first, then state.
pub const STAKING_SIZES: [(usize, u16); 4] = [
    (1, 2),
    (1, poi_types::staking::MAX_STRATEGIES),
    (100, poi_types::staking::MAX_STRATEGIES),
    (1000, poi_types::staking::MAX_STRATEGIES),
];

/// Every staking message at each of `STAKING_SIZES`: `(step, gas at each size)`.
pub fn staking_gas_report(wasm: &[u8]) -> Result<Vec<(String, Vec<u64>)>, String> {
    let mut table: Vec<(String, Vec<u64>)> = Vec::new();
    for (column, (size, strategies)) in STAKING_SIZES.into_iter().enumerate() {
        for (row, line) in staking_gas_at_size(wasm, size, strategies)?
            .into_iter()
            .enumerate()
        {
            if column == 0 {
                table.push((line.step, vec![line.gas]));
            } else if table.get(row).is_some_and(|(step, _)| *step == line.step) {
                table[row].1.push(line.gas);
            } else {
                return Err(format!("size {size}: step {} out of order", line.step));
            }
        }
    }
    Ok(table)
}
