//! A cw-multi-test world with poi deployed in it, and helpers that read like what users do.

use cosmwasm_std::{Addr, Coin, Decimal, StdResult, Uint128};
use cw_multi_test::{App, AppResponse, ContractWrapper, Executor, IntoBech32};
use poi_types::ContentHash;
use poi_types::cw721::OwnerOfResponse;
use poi_types::registry::{
    Asset, AssetKind, DType, ExecuteMsg, InstantiateMsg, Metadata, ModelSpec, NewAsset, Parent,
    QueryMsg, RevenueSplitResponse, TensorSpec, VerificationPolicy,
};

/// Well-known actors of every scenario.
pub struct Accounts {
    pub admin: Addr,
    pub alice: Addr,
    pub bob: Addr,
    pub carol: Addr,
}

pub struct Suite {
    pub app: App,
    pub accounts: Accounts,
    pub registry: Addr,
    pub registry_code_id: u64,
    /// Present when the suite was built `with_staking`.
    pub staking: Option<Addr>,
    /// Present when the suite was built `with_consensus`; it is then the staking contract's slasher.
    pub consensus: Option<Addr>,
}

/// The bond denom of every suite.
pub const DENOM: &str = "stake";
/// A second bank denom every account holds, for strategies: an IBC-bridged liquid-staking token.
pub const LIQUID_STAKING_DENOM: &str =
    "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2";
/// What every well-known account starts with.
pub const INITIAL_BALANCE: u128 = 1_000_000;

#[derive(Default)]
pub struct SuiteBuilder {
    name: Option<String>,
    staking: Option<poi_types::staking::InstantiateMsg>,
    consensus: Option<poi_types::consensus::ParamsMsg>,
    /// The cap of service 1's slashes; 100% unless set.
    service_max_slash_bps: Option<u16>,
}

impl SuiteBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_collection_name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Deploys the staking contract too, with this configuration.
    pub fn with_staking(mut self, config: poi_types::staking::InstantiateMsg) -> Self {
        self.staking = Some(config);
        self
    }

    /// Caps what service 1 may slash at once.
    pub fn with_service_max_slash(mut self, bps: u16) -> Self {
        self.service_max_slash_bps = Some(bps);
        self
    }

    /// Deploys the consensus contract too (and staking, with its defaults unless configured), and
    /// registers it as the staking contract's service 1.
    pub fn with_consensus(mut self, params: poi_types::consensus::ParamsMsg) -> Self {
        if self.staking.is_none() {
            self.staking = Some(crate::staking::default_config());
        }
        self.consensus = Some(params);
        self
    }

    pub fn build(self) -> Suite {
        let accounts = Accounts {
            admin: "admin".into_bech32(),
            alice: "alice".into_bech32(),
            bob: "bob".into_bech32(),
            carol: "carol".into_bech32(),
        };
        let funded: Vec<Addr> = ["admin", "alice", "bob", "carol", "operator", "operator2"]
            .iter()
            .map(|n| n.into_bech32())
            .collect();
        let mut app = cw_multi_test::AppBuilder::new().build(|router, _, storage| {
            for account in &funded {
                router
                    .bank
                    .init_balance(
                        storage,
                        account,
                        vec![
                            Coin::new(INITIAL_BALANCE, DENOM),
                            Coin::new(INITIAL_BALANCE, LIQUID_STAKING_DENOM),
                        ],
                    )
                    .expect("funding test accounts");
            }
        });
        let code = ContractWrapper::new(
            poi_registry::contract::execute,
            poi_registry::contract::instantiate,
            poi_registry::contract::query,
        )
        .with_migrate(poi_registry::contract::migrate);
        let registry_code_id = app.store_code(Box::new(code));
        let registry = app
            .instantiate_contract(
                registry_code_id,
                accounts.admin.clone(),
                &InstantiateMsg {
                    admin: None,
                    name: self.name.unwrap_or_else(|| "poi AI assets".into()),
                    symbol: "POI".into(),
                },
                &[],
                "poi-registry",
                Some(accounts.admin.to_string()),
            )
            .expect("registry instantiates");
        let staking = self.staking.map(|config| {
            let code = ContractWrapper::new(
                poi_staking::contract::execute,
                poi_staking::contract::instantiate,
                poi_staking::contract::query,
            )
            .with_migrate(poi_staking::contract::migrate);
            let code_id = app.store_code(Box::new(code));
            app.instantiate_contract(
                code_id,
                accounts.admin.clone(),
                &config,
                &[],
                "poi-staking",
                Some(accounts.admin.to_string()),
            )
            .expect("staking instantiates")
        });
        // Service 1 is the consensus contract when there is one, else the test slasher account.
        let admin = accounts.admin.clone();
        let max_slash_bps = self.service_max_slash_bps.unwrap_or(10_000);
        let register_service = |app: &mut App, staking: &Addr, slasher: &Addr| {
            app.execute_contract(
                admin.clone(),
                staking.clone(),
                &poi_types::staking::ExecuteMsg::RegisterService {
                    name: "poi consensus".into(),
                    uri: None,
                    slasher: slasher.to_string(),
                    max_slash_bps,
                },
                &[],
            )
            .expect("the admin registers service 1");
        };
        let consensus = self.consensus.map(|params| {
            let staking = staking.clone().expect("consensus needs staking");
            let code = ContractWrapper::new(
                poi_consensus::contract::execute,
                poi_consensus::contract::instantiate,
                poi_consensus::contract::query,
            )
            .with_reply(poi_consensus::contract::reply)
            .with_migrate(poi_consensus::contract::migrate);
            let code_id = app.store_code(Box::new(code));
            let consensus = app
                .instantiate_contract(
                    code_id,
                    accounts.admin.clone(),
                    &poi_types::consensus::InstantiateMsg {
                        admin: None,
                        registry: registry.to_string(),
                        staking: staking.to_string(),
                        service_id: crate::staking::SERVICE,
                        denom: DENOM.into(),
                        params,
                    },
                    &[],
                    "poi-consensus",
                    Some(accounts.admin.to_string()),
                )
                .expect("consensus instantiates");
            register_service(&mut app, &staking, &consensus);
            consensus
        });
        if let (Some(staking), None) = (&staking, &consensus) {
            register_service(&mut app, staking, &crate::staking::slasher());
        }
        Suite {
            app,
            accounts,
            registry,
            registry_code_id,
            staking,
            consensus,
        }
    }
}

/// Checks that a message failed with exactly this contract error.
///
/// cw-multi-test hands contract errors back as text (as a chain does), so the typed error is
/// recognised by its message, which is unique per variant and value.
#[track_caller]
pub fn assert_rejected<E: std::fmt::Display + std::fmt::Debug>(
    result: StdResult<impl std::fmt::Debug>,
    expected: &E,
) {
    let err = result.expect_err(&format!("expected rejection: {expected}"));
    let text = err.to_string();
    assert!(
        text.contains(&expected.to_string()),
        "expected {expected:?}, got: {text}"
    );
}

/// A dataset registration with sensible defaults.
pub fn dataset(bytes: &[u8], name: &str) -> NewAsset {
    NewAsset {
        kind: AssetKind::Dataset,
        content_hash: poi_types::merkle::dataset_root(bytes).to_string(),
        uri: format!("ipfs://{}", ContentHash::digest(bytes)),
        metadata: Metadata {
            name: name.into(),
            description: String::new(),
            license: "CC-BY-4.0".into(),
            tags: vec!["vision".into()],
        },
        previous_version: None,
        parents: vec![],
        price_per_use: None,
        model: None,
    }
}

/// A model registration: one f32 image input, one logits output, exact verification.
pub fn model(bytes: &[u8], name: &str, parents: &[(u64, u16)]) -> NewAsset {
    NewAsset {
        kind: AssetKind::Model,
        content_hash: ContentHash::digest(bytes).to_string(),
        uri: format!("https://models.example/{name}.onnx"),
        metadata: Metadata {
            name: name.into(),
            description: "a small classifier".into(),
            license: "Apache-2.0".into(),
            tags: vec![],
        },
        previous_version: None,
        parents: parents
            .iter()
            .map(|&(asset_id, weight_bps)| Parent {
                asset_id,
                weight_bps,
            })
            .collect(),
        price_per_use: None,
        model: Some(ModelSpec {
            inputs: vec![TensorSpec {
                name: "image".into(),
                dtype: DType::F32,
                shape: vec![None, Some(1), Some(28), Some(28)],
            }],
            outputs: vec![TensorSpec {
                name: "logits".into(),
                dtype: DType::F32,
                shape: vec![None, Some(10)],
            }],
            policy: VerificationPolicy::Tolerance {
                atol: Decimal::permille(1),
                rtol: Decimal::permille(1),
            },
        }),
    }
}

impl Suite {
    pub fn execute(&mut self, sender: &Addr, msg: &ExecuteMsg) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.registry.clone(), msg, &[])
    }

    pub fn execute_with_funds(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.registry.clone(), msg, funds)
    }

    /// Registers an asset and returns its id, read from the `asset_id` event attribute.
    pub fn register(&mut self, owner: &Addr, asset: NewAsset) -> StdResult<u64> {
        let res = self.execute(owner, &ExecuteMsg::RegisterAsset(asset))?;
        let id = res
            .events
            .iter()
            .flat_map(|e| e.attributes.iter())
            .find(|a| a.key == poi_types::registry::events::ASSET_ID)
            .map(|a| a.value.parse::<u64>().expect("numeric id"))
            .expect("register emits asset_id");
        Ok(id)
    }

    pub fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(self.registry.clone(), msg)
    }

    pub fn asset(&self, id: u64) -> Asset {
        self.query(&QueryMsg::Asset { id }).expect("asset exists")
    }

    pub fn owner_of(&self, id: u64) -> String {
        let resp: OwnerOfResponse = self
            .query(&QueryMsg::OwnerOf {
                token_id: id.to_string(),
                include_expired: None,
            })
            .unwrap();
        resp.owner
    }

    pub fn revenue_split(&self, id: u64, amount: u128) -> Vec<(u64, Addr, u128)> {
        let resp: RevenueSplitResponse = self
            .query(&QueryMsg::RevenueSplit {
                asset_id: id,
                amount: Uint128::new(amount),
            })
            .unwrap();
        resp.payouts
            .into_iter()
            .map(|p| (p.asset_id, p.recipient, p.amount.u128()))
            .collect()
    }

    /// Every record the registry stores, as seen through its queries; used to show that a rejected
    /// message changed nothing.
    pub fn snapshot(&self) -> String {
        let assets: serde_json::Value = self
            .query(&QueryMsg::Assets {
                kind: None,
                owner: None,
                start_after: None,
                limit: Some(100),
            })
            .unwrap();
        let verifiers: serde_json::Value = self
            .query(&QueryMsg::Verifiers {
                start_after: None,
                limit: Some(100),
            })
            .unwrap();
        let config: serde_json::Value = self.query(&QueryMsg::Config {}).unwrap();
        let mut approvals = Vec::new();
        for asset in assets["assets"].as_array().unwrap() {
            let id = asset["id"].to_string();
            let owner: serde_json::Value = self
                .query(&QueryMsg::OwnerOf {
                    token_id: id,
                    include_expired: Some(true),
                })
                .unwrap();
            approvals.push(owner);
        }
        serde_json::json!({ "assets": assets, "verifiers": verifiers, "config": config, "owners": approvals })
            .to_string()
    }
}
