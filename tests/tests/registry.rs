//! The asset registry in cw-multi-test: the scenarios its users go through, and every way a message
//! can be wrong.

use cosmwasm_std::{Addr, Decimal, coin, coins};
use cw_multi_test::IntoBech32;
use cw_utils::Expiration;
use poi_registry::ContractError;
use poi_tests::suite::{Suite, SuiteBuilder, assert_rejected, dataset, model};
use poi_types::ContentHash;
use poi_types::cw721::{ContractInfoResponse, NftInfoResponse, NumTokensResponse, TokensResponse};
use poi_types::registry::{
    Asset, AssetKind, AssetStatus, AssetsResponse, ExecuteMsg, LineageResponse, Metadata, Parent,
    QueryMsg, VerificationPolicy, Verifier, VerifiersResponse,
};

fn transfer(id: u64, to: &Addr) -> ExecuteMsg {
    ExecuteMsg::TransferNft {
        recipient: to.to_string(),
        token_id: id.to_string(),
    }
}

#[test]
fn a_dataset_and_a_model_derived_from_it_are_registered_sold_and_paid_for() {
    let mut s = SuiteBuilder::new().build();
    let (alice, bob) = (s.accounts.alice.clone(), s.accounts.bob.clone());

    let digits = s
        .register(&alice, dataset(b"28x28 handwritten digits", "digits"))
        .unwrap();
    let mut classifier = model(b"onnx bytes", "classifier", &[(digits, 3000)]);
    classifier.price_per_use = Some(coin(250, "stake"));
    let classifier = s.register(&alice, classifier).unwrap();

    let asset = s.asset(classifier);
    assert_eq!(
        (asset.kind, asset.status),
        (AssetKind::Model, AssetStatus::Active)
    );
    assert_eq!(
        asset.parents,
        vec![Parent {
            asset_id: digits,
            weight_bps: 3000
        }]
    );
    assert_eq!(asset.content_hash, ContentHash::digest(b"onnx bytes"));

    s.execute(&alice, &transfer(classifier, &bob)).unwrap();
    assert_eq!(s.owner_of(classifier), bob.to_string());
    let bobs: TokensResponse = s
        .query(&QueryMsg::Tokens {
            owner: bob.to_string(),
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(bobs.tokens, vec![classifier.to_string()]);

    // Bob now earns the model's share; Alice keeps earning as the dataset's owner.
    let split = s.revenue_split(classifier, 250);
    assert_eq!(
        split,
        vec![(classifier, bob.clone(), 175), (digits, alice.clone(), 75)]
    );

    // cw721 views, for wallets and marketplaces.
    let info: NftInfoResponse<Asset> = s
        .query(&QueryMsg::NftInfo {
            token_id: classifier.to_string(),
        })
        .unwrap();
    assert_eq!(
        info.token_uri.as_deref(),
        Some("https://models.example/classifier.onnx")
    );
    assert_eq!(info.extension.owner, bob);
    let count: NumTokensResponse = s.query(&QueryMsg::NumTokens {}).unwrap();
    assert_eq!(count.count, 2);
    let all: TokensResponse = s
        .query(&QueryMsg::AllTokens {
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(all.tokens, vec!["1", "2"]);
    let contract: ContractInfoResponse = s.query(&QueryMsg::ContractInfo {}).unwrap();
    assert_eq!(contract.symbol, "POI");
}

#[test]
fn approved_spenders_and_operators_may_move_assets_until_revoked_or_expired() {
    let mut s = SuiteBuilder::new().build();
    let (alice, bob, carol) = (
        s.accounts.alice.clone(),
        s.accounts.bob.clone(),
        s.accounts.carol.clone(),
    );
    let id = s.register(&alice, model(b"m", "m", &[])).unwrap();

    // A spender approved for one token moves it once; the approval dies with the transfer.
    s.execute(
        &alice,
        &ExecuteMsg::Approve {
            spender: carol.to_string(),
            token_id: id.to_string(),
            expires: None,
        },
    )
    .unwrap();
    s.execute(&carol, &transfer(id, &bob)).unwrap();
    assert_rejected(
        s.execute(&carol, &transfer(id, &carol)),
        &ContractError::NotAllowedToTransfer { id },
    );

    // An approval that expired no longer counts.
    let height = s.app.block_info().height;
    s.execute(
        &bob,
        &ExecuteMsg::Approve {
            spender: carol.to_string(),
            token_id: id.to_string(),
            expires: Some(Expiration::AtHeight(height + 2)),
        },
    )
    .unwrap();
    s.app.update_block(|b| b.height += 5);
    assert_rejected(
        s.execute(&carol, &transfer(id, &carol)),
        &ContractError::NotAllowedToTransfer { id },
    );

    // An operator may move every token of the owner, until revoked.
    s.execute(
        &bob,
        &ExecuteMsg::ApproveAll {
            operator: alice.to_string(),
            expires: None,
        },
    )
    .unwrap();
    s.execute(&alice, &transfer(id, &bob)).unwrap();
    s.execute(
        &bob,
        &ExecuteMsg::RevokeAll {
            operator: alice.to_string(),
        },
    )
    .unwrap();
    assert_rejected(
        s.execute(&alice, &transfer(id, &alice)),
        &ContractError::NotAllowedToTransfer { id },
    );

    // Revoking a single approval.
    s.execute(
        &bob,
        &ExecuteMsg::Approve {
            spender: carol.to_string(),
            token_id: id.to_string(),
            expires: None,
        },
    )
    .unwrap();
    s.execute(
        &bob,
        &ExecuteMsg::Revoke {
            spender: carol.to_string(),
            token_id: id.to_string(),
        },
    )
    .unwrap();
    assert!(s.execute(&carol, &transfer(id, &carol)).is_err());
    assert_eq!(s.owner_of(id), bob.to_string());
}

#[test]
fn owners_change_what_may_change_and_nothing_else() {
    let mut s = SuiteBuilder::new().build();
    let (alice, bob) = (s.accounts.alice.clone(), s.accounts.bob.clone());
    let id = s.register(&alice, model(b"m", "m", &[])).unwrap();
    let before = s.asset(id);

    let metadata = Metadata {
        name: "m v1".into(),
        description: "tuned".into(),
        license: "MIT".into(),
        tags: vec!["nlp".into()],
    };
    let tolerance = VerificationPolicy::Tolerance {
        atol: Decimal::percent(1),
        rtol: Decimal::zero(),
    };
    s.execute(
        &alice,
        &ExecuteMsg::UpdateAsset {
            id,
            uri: Some("ipfs://m-v1".into()),
            metadata: Some(metadata.clone()),
            policy: Some(tolerance.clone()),
        },
    )
    .unwrap();
    s.execute(
        &alice,
        &ExecuteMsg::SetPrice {
            id,
            price_per_use: Some(coin(10, "stake")),
        },
    )
    .unwrap();
    let after = s.asset(id);
    assert_eq!(
        (after.uri.as_str(), &after.metadata),
        ("ipfs://m-v1", &metadata)
    );
    assert_eq!(after.model.as_ref().unwrap().policy, tolerance);
    assert_eq!(after.price_per_use, Some(coin(10, "stake")));
    // Identity never changes.
    assert_eq!(
        (after.content_hash, after.kind, after.parents),
        (before.content_hash, before.kind, before.parents)
    );

    s.execute(
        &alice,
        &ExecuteMsg::SetPrice {
            id,
            price_per_use: None,
        },
    )
    .unwrap();
    assert_eq!(s.asset(id).price_per_use, None);

    assert_rejected(
        s.execute(
            &bob,
            &ExecuteMsg::SetPrice {
                id,
                price_per_use: None,
            },
        ),
        &ContractError::NotOwner { id: 1 },
    );

    s.execute(&alice, &ExecuteMsg::DeprecateAsset { id })
        .unwrap();
    assert_eq!(s.asset(id).status, AssetStatus::Deprecated);
}

#[test]
fn new_versions_link_to_the_owners_own_previous_version() {
    let mut s = SuiteBuilder::new().build();
    let (alice, bob) = (s.accounts.alice.clone(), s.accounts.bob.clone());
    let v1 = s.register(&alice, model(b"v1", "m", &[])).unwrap();

    let mut v2 = model(b"v2", "m", &[]);
    v2.previous_version = Some(v1);
    let v2 = s.register(&alice, v2).unwrap();
    assert_eq!(s.asset(v2).previous_version, Some(v1));

    let mut hijack = model(b"v3 by bob", "m", &[]);
    hijack.previous_version = Some(v2);
    assert_rejected(
        s.register(&bob, hijack),
        &ContractError::PreviousVersionNotOwned { id: v2 },
    );

    let mut wrong_kind = dataset(b"not a model", "d");
    wrong_kind.previous_version = Some(v2);
    assert_rejected(
        s.register(&alice, wrong_kind),
        &ContractError::PreviousVersionKind {
            id: v2,
            expected: "dataset",
            found: "model",
        },
    );
}

#[test]
fn lineage_follows_every_path_and_fees_divide_without_losing_a_unit() {
    let mut s = SuiteBuilder::new().build();
    let (alice, bob, carol) = (
        s.accounts.alice.clone(),
        s.accounts.bob.clone(),
        s.accounts.carol.clone(),
    );
    let corpus = s.register(&carol, dataset(b"corpus", "corpus")).unwrap();
    let labels = s.register(&bob, dataset(b"labels", "labels")).unwrap();
    let base = s
        .register(
            &bob,
            model(b"base", "base", &[(corpus, 2000), (labels, 1000)]),
        )
        .unwrap();
    // The fine-tune reaches the corpus twice: directly and through the base model.
    let tuned = s
        .register(
            &alice,
            model(b"tuned", "tuned", &[(base, 5000), (corpus, 1000)]),
        )
        .unwrap();

    let lineage: LineageResponse = s
        .query(&QueryMsg::Lineage {
            asset_id: tuned,
            depth: None,
        })
        .unwrap();
    let share = |id: u64| lineage.nodes.iter().find(|n| n.asset_id == id).unwrap();
    assert_eq!(share(tuned).retained, Decimal::percent(40));
    assert_eq!(share(base).share, Decimal::percent(50));
    assert_eq!(share(base).retained, Decimal::percent(35));
    // 10% directly plus 20% of the base model's 50%.
    assert_eq!(share(corpus).share, Decimal::percent(20));
    assert_eq!(share(labels).share, Decimal::percent(5));
    let total: Decimal = lineage.nodes.iter().map(|n| n.retained).sum();
    assert_eq!(total, Decimal::one());

    // Depth 1 stops at the direct parents, which keep what would have flowed further.
    let shallow: LineageResponse = s
        .query(&QueryMsg::Lineage {
            asset_id: tuned,
            depth: Some(1),
        })
        .unwrap();
    assert_eq!(shallow.nodes.len(), 3);
    assert_eq!(
        shallow
            .nodes
            .iter()
            .find(|n| n.asset_id == base)
            .unwrap()
            .retained,
        Decimal::percent(50)
    );

    for amount in [
        0u128,
        1,
        7,
        999,
        1001,
        10_000,
        123_456_789,
        u128::MAX / 10_000,
    ] {
        let split = s.revenue_split(tuned, amount);
        assert_eq!(
            split.iter().map(|p| p.2).sum::<u128>(),
            amount,
            "amount {amount}"
        );
        assert!(split.iter().all(|p| p.2 > 0));
    }
    let split = s.revenue_split(tuned, 1000);
    assert_eq!(
        split,
        vec![
            (tuned, alice, 400),
            (corpus, carol, 200),
            (base, bob.clone(), 350),
            (labels, bob, 50)
        ]
    );
}

#[test]
fn assets_are_listed_by_kind_and_owner_page_by_page() {
    let mut s = SuiteBuilder::new().build();
    let (alice, bob) = (s.accounts.alice.clone(), s.accounts.bob.clone());
    for i in 0..5u8 {
        s.register(&alice, dataset(&[i], "d")).unwrap();
        s.register(&bob, model(&[i], "m", &[])).unwrap();
    }
    let page = |s: &Suite, kind, owner: Option<&Addr>, start_after, limit| -> Vec<u64> {
        let resp: AssetsResponse = s
            .query(&QueryMsg::Assets {
                kind,
                owner: owner.map(|o| o.to_string()),
                start_after,
                limit,
            })
            .unwrap();
        resp.assets.into_iter().map(|a| a.id).collect()
    };
    assert_eq!(page(&s, None, None, None, Some(3)), vec![1, 2, 3]);
    assert_eq!(page(&s, None, None, Some(3), Some(3)), vec![4, 5, 6]);
    assert_eq!(
        page(&s, Some(AssetKind::Model), None, None, None),
        vec![2, 4, 6, 8, 10]
    );
    assert_eq!(page(&s, None, Some(&alice), Some(5), None), vec![7, 9]);
    assert_eq!(
        page(&s, Some(AssetKind::Model), Some(&alice), None, None),
        Vec::<u64>::new()
    );
    assert_eq!(
        page(&s, Some(AssetKind::Dataset), Some(&alice), Some(1), Some(2)),
        vec![3, 5]
    );
    // The page size is capped.
    assert_eq!(page(&s, None, None, None, Some(10_000)).len(), 10);

    // Looking up by hash accepts either case.
    let hash = s.asset(2).content_hash.to_string().to_uppercase();
    let found: Asset = s
        .query(&QueryMsg::AssetByHash { content_hash: hash })
        .unwrap();
    assert_eq!(found.id, 2);
}

#[test]
fn the_admin_approves_and_revokes_verifier_builds() {
    let mut s = SuiteBuilder::new().build();
    let (admin, alice) = (s.accounts.admin.clone(), s.accounts.alice.clone());
    let hash = ContentHash::digest(b"poi_verifier.wasm").to_string();
    let approve = ExecuteMsg::ApproveVerifier {
        hash: hash.clone(),
        version: "0.1.0".into(),
        uri: "ipfs://verifier".into(),
    };

    assert_rejected(
        s.execute(&alice, &approve),
        &ContractError::Admin(cw_controllers::AdminError::NotAdmin {}),
    );
    s.execute(&admin, &approve).unwrap();
    let v: Verifier = s.query(&QueryMsg::Verifier { hash: hash.clone() }).unwrap();
    assert_eq!((v.version.as_str(), v.revoked_height), ("0.1.0", None));

    s.execute(&admin, &ExecuteMsg::RevokeVerifier { hash: hash.clone() })
        .unwrap();
    let v: Verifier = s.query(&QueryMsg::Verifier { hash: hash.clone() }).unwrap();
    assert!(v.revoked_height.is_some());
    // A revoked build cannot quietly come back.
    assert_rejected(
        s.execute(&admin, &approve),
        &ContractError::VerifierAlreadyRevoked { hash: hash.clone() },
    );
    let all: VerifiersResponse = s
        .query(&QueryMsg::Verifiers {
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(all.verifiers.len(), 1);

    // Handing over and renouncing the admin role.
    s.execute(
        &admin,
        &ExecuteMsg::UpdateAdmin {
            admin: Some(alice.to_string()),
        },
    )
    .unwrap();
    let now: cw_controllers::AdminResponse = s.query(&QueryMsg::Admin {}).unwrap();
    assert_eq!(now.admin, Some(alice.to_string()));
    s.execute(&alice, &ExecuteMsg::UpdateAdmin { admin: None })
        .unwrap();
    assert_rejected(
        s.execute(
            &alice,
            &ExecuteMsg::UpdateAdmin {
                admin: Some(alice.to_string()),
            },
        ),
        &ContractError::Admin(cw_controllers::AdminError::NotAdmin {}),
    );
}

/// A registry holding one dataset, as a migration finds it.
fn registry_with_a_dataset() -> Suite {
    let mut s = SuiteBuilder::new().build();
    let alice = s.accounts.alice.clone();
    s.register(&alice, dataset(b"d", "d")).unwrap();
    s
}

/// The admin migrates the registry to the code it runs (this crate's version).
fn migrate(s: &mut Suite) {
    use cw_multi_test::Executor;
    let (admin, registry, code) = (
        s.accounts.admin.clone(),
        s.registry.clone(),
        s.registry_code_id,
    );
    s.app
        .migrate_contract(admin, registry, &poi_types::registry::MigrateMsg {}, code)
        .unwrap();
}

#[test]
fn migrating_to_the_same_code_keeps_every_asset() {
    let mut s = registry_with_a_dataset();
    let before = s.snapshot();
    migrate(&mut s);
    assert_eq!(s.snapshot(), before);
}

/// 0.1 kept the admin inside its config; `migrate` moves it to `cw_controllers::Admin` and keeps
/// every asset.
#[test]
fn migrating_from_0_1_keeps_the_admin_and_every_asset() {
    let mut s = registry_with_a_dataset();
    let before = s.snapshot();
    let admin = s.accounts.admin.clone();
    {
        // The storage the way 0.1 left it: the admin in the config, no admin item.
        let mut store = s.app.contract_storage_mut(&s.registry);
        let mut config: serde_json::Value =
            serde_json::from_slice(&store.get(b"config").unwrap()).unwrap();
        config["admin"] = admin.to_string().into();
        store.set(b"config", &serde_json::to_vec(&config).unwrap());
        store.remove(b"admin");
        cw2::set_contract_version(
            store.as_mut(),
            poi_registry::contract::CONTRACT_NAME,
            "0.1.0",
        )
        .unwrap();
    }
    migrate(&mut s);
    assert_eq!(s.snapshot(), before);
    let now: cw_controllers::AdminResponse = s.query(&QueryMsg::Admin {}).unwrap();
    assert_eq!(now.admin, Some(admin.to_string()));
}

/// Every execute message, wrong in every way we know of: each is refused with its own typed error,
/// and the registry is exactly as it was before.
#[test]
fn every_bad_message_is_refused_with_a_typed_error_and_changes_nothing() {
    let mut s = SuiteBuilder::new().build();
    let (admin, alice, bob) = (
        s.accounts.admin.clone(),
        s.accounts.alice.clone(),
        s.accounts.bob.clone(),
    );
    let data = s.register(&alice, dataset(b"data", "data")).unwrap();
    let m = s
        .register(&alice, model(b"model", "model", &[(data, 1000)]))
        .unwrap();
    let verifier = ContentHash::digest(b"verifier").to_string();
    s.execute(
        &admin,
        &ExecuteMsg::ApproveVerifier {
            hash: verifier.clone(),
            version: "1".into(),
            uri: "ipfs://v".into(),
        },
    )
    .unwrap();
    let stranger = "stranger".into_bech32();

    let with = |f: &dyn Fn(&mut poi_types::registry::NewAsset)| {
        let mut asset = model(b"fresh model", "fresh", &[]);
        f(&mut asset);
        ExecuteMsg::RegisterAsset(asset)
    };
    use ContractError as E;
    let hash_of_m = ContentHash::digest(b"model").to_string();
    let invalid = |field: &'static str, reason: &str| E::InvalidField {
        field,
        reason: reason.into(),
    };
    let cases: Vec<(&str, &Addr, ExecuteMsg, ContractError)> = vec![
        (
            "hash too short",
            &alice,
            with(&|a| a.content_hash = "abc".into()),
            E::InvalidHash {
                field: "content_hash",
                source: poi_types::HashError::WrongLength(3),
            },
        ),
        (
            "hash not hex",
            &alice,
            with(&|a| a.content_hash = "z".repeat(64)),
            E::InvalidHash {
                field: "content_hash",
                source: poi_types::HashError::NotHex,
            },
        ),
        (
            "duplicate hash",
            &alice,
            with(&|a| a.content_hash = hash_of_m.clone()),
            E::DuplicateContentHash {
                hash: hash_of_m.clone(),
                existing: m,
            },
        ),
        (
            "duplicate hash in upper case",
            &alice,
            with(&|a| a.content_hash = hash_of_m.to_uppercase()),
            E::DuplicateContentHash {
                hash: hash_of_m.clone(),
                existing: m,
            },
        ),
        (
            "uri without scheme",
            &alice,
            with(&|a| a.uri = "model.onnx".into()),
            invalid("uri", "must start with a scheme such as ipfs: or https:"),
        ),
        (
            "empty name",
            &alice,
            with(&|a| a.metadata.name.clear()),
            invalid("metadata.name", "must be 1 to 128 bytes"),
        ),
        (
            "bad tag",
            &alice,
            with(&|a| a.metadata.tags = vec!["Not A Tag".into()]),
            invalid(
                "metadata.tags",
                "\"Not A Tag\": tags are 1 to 32 of a-z, 0-9 and -",
            ),
        ),
        (
            "too many tags",
            &alice,
            with(&|a| a.metadata.tags = (0..17).map(|i| format!("t{i}")).collect()),
            invalid("metadata.tags", "at most 16 tags"),
        ),
        (
            "missing parent",
            &alice,
            with(&|a| {
                a.parents = vec![Parent {
                    asset_id: 99,
                    weight_bps: 100,
                }]
            }),
            E::ParentNotFound { id: 99 },
        ),
        (
            "parent named twice",
            &alice,
            with(&|a| {
                a.parents = vec![
                    Parent {
                        asset_id: 1,
                        weight_bps: 100
                    };
                    2
                ]
            }),
            E::DuplicateParent { id: 1 },
        ),
        (
            "weights over 100%",
            &alice,
            with(&|a| {
                a.parents = vec![
                    Parent {
                        asset_id: 1,
                        weight_bps: 6000,
                    },
                    Parent {
                        asset_id: 2,
                        weight_bps: 4001,
                    },
                ]
            }),
            E::WeightsExceedTotal { total: 10001 },
        ),
        (
            "zero weight",
            &alice,
            with(&|a| {
                a.parents = vec![Parent {
                    asset_id: 1,
                    weight_bps: 0,
                }]
            }),
            E::ZeroParentWeight { id: 1 },
        ),
        (
            "too many parents",
            &alice,
            with(&|a| {
                a.parents = (1..=9)
                    .map(|i| Parent {
                        asset_id: i,
                        weight_bps: 1,
                    })
                    .collect()
            }),
            E::TooManyParents { max: 8 },
        ),
        (
            "missing previous version",
            &alice,
            with(&|a| a.previous_version = Some(42)),
            E::PreviousVersionNotFound { id: 42 },
        ),
        (
            "zero price",
            &alice,
            with(&|a| a.price_per_use = Some(coin(0, "stake"))),
            invalid(
                "price_per_use",
                "amount is 0; leave the price out for a free asset",
            ),
        ),
        (
            "bad denom",
            &alice,
            with(&|a| a.price_per_use = Some(coin(5, "1x"))),
            invalid("price_per_use", "\"1x\" is not a valid denom"),
        ),
        (
            "model without signature",
            &alice,
            with(&|a| a.model = None),
            E::ModelSpecMissing,
        ),
        (
            "dataset with signature",
            &alice,
            with(&|a| a.kind = AssetKind::Dataset),
            E::ModelSpecNotAllowed { kind: "dataset" },
        ),
        (
            "no inputs",
            &alice,
            with(&|a| a.model.as_mut().unwrap().inputs.clear()),
            invalid("model.inputs", "a model has 1 to 64 of them"),
        ),
        (
            "zero-sized dimension",
            &alice,
            with(&|a| a.model.as_mut().unwrap().outputs[0].shape = vec![Some(0)]),
            invalid("model.outputs", "\"logits\" has a dimension of size 0"),
        ),
        (
            "tolerance above 1",
            &alice,
            with(&|a| {
                a.model.as_mut().unwrap().policy = VerificationPolicy::Tolerance {
                    atol: Decimal::percent(101),
                    rtol: Decimal::zero(),
                }
            }),
            invalid("policy", "atol and rtol must be at most 1"),
        ),
        (
            "update by stranger",
            &stranger,
            ExecuteMsg::UpdateAsset {
                id: m,
                uri: Some("ipfs://x".into()),
                metadata: None,
                policy: None,
            },
            E::NotOwner { id: m },
        ),
        (
            "update of missing asset",
            &alice,
            ExecuteMsg::UpdateAsset {
                id: 77,
                uri: Some("ipfs://x".into()),
                metadata: None,
                policy: None,
            },
            E::AssetNotFound { id: 77 },
        ),
        (
            "empty update",
            &alice,
            ExecuteMsg::UpdateAsset {
                id: m,
                uri: None,
                metadata: None,
                policy: None,
            },
            E::NothingToUpdate,
        ),
        (
            "update with bad uri",
            &alice,
            ExecuteMsg::UpdateAsset {
                id: m,
                uri: Some("no scheme".into()),
                metadata: None,
                policy: None,
            },
            invalid("uri", "must not contain whitespace or control characters"),
        ),
        (
            "policy on a dataset",
            &alice,
            ExecuteMsg::UpdateAsset {
                id: data,
                uri: None,
                metadata: None,
                policy: Some(VerificationPolicy::Exact {}),
            },
            E::ModelSpecNotAllowed { kind: "dataset" },
        ),
        (
            "price by stranger",
            &stranger,
            ExecuteMsg::SetPrice {
                id: m,
                price_per_use: None,
            },
            E::NotOwner { id: m },
        ),
        (
            "deprecate by stranger",
            &stranger,
            ExecuteMsg::DeprecateAsset { id: m },
            E::NotOwner { id: m },
        ),
        (
            "transfer by stranger",
            &stranger,
            transfer(m, &bob),
            E::NotAllowedToTransfer { id: m },
        ),
        (
            "transfer of missing token",
            &alice,
            transfer(77, &bob),
            E::AssetNotFound { id: 77 },
        ),
        (
            "non-numeric token id",
            &alice,
            ExecuteMsg::TransferNft {
                recipient: bob.to_string(),
                token_id: "one".into(),
            },
            E::InvalidTokenId {
                token_id: "one".into(),
            },
        ),
        (
            "padded token id",
            &alice,
            ExecuteMsg::TransferNft {
                recipient: bob.to_string(),
                token_id: "02".into(),
            },
            E::InvalidTokenId {
                token_id: "02".into(),
            },
        ),
        (
            "approve by stranger",
            &stranger,
            ExecuteMsg::Approve {
                spender: bob.to_string(),
                token_id: m.to_string(),
                expires: None,
            },
            E::NotOwner { id: m },
        ),
        (
            "approve oneself",
            &alice,
            ExecuteMsg::Approve {
                spender: alice.to_string(),
                token_id: m.to_string(),
                expires: None,
            },
            E::SelfApproval,
        ),
        (
            "approve already expired",
            &alice,
            ExecuteMsg::Approve {
                spender: bob.to_string(),
                token_id: m.to_string(),
                expires: Some(Expiration::AtHeight(1)),
            },
            E::AlreadyExpired,
        ),
        (
            "revoke unknown approval",
            &alice,
            ExecuteMsg::Revoke {
                spender: bob.to_string(),
                token_id: m.to_string(),
            },
            E::ApprovalNotFound {
                spender: bob.to_string(),
                id: m,
            },
        ),
        (
            "operator oneself",
            &alice,
            ExecuteMsg::ApproveAll {
                operator: alice.to_string(),
                expires: None,
            },
            E::SelfApproval,
        ),
        (
            "revoke unknown operator",
            &alice,
            ExecuteMsg::RevokeAll {
                operator: bob.to_string(),
            },
            E::OperatorNotFound {
                operator: bob.to_string(),
            },
        ),
        (
            "verifier by non-admin",
            &alice,
            ExecuteMsg::ApproveVerifier {
                hash: ContentHash::digest(b"x").to_string(),
                version: "1".into(),
                uri: "ipfs://x".into(),
            },
            E::Admin(cw_controllers::AdminError::NotAdmin {}),
        ),
        (
            "verifier twice",
            &admin,
            ExecuteMsg::ApproveVerifier {
                hash: verifier.clone(),
                version: "1".into(),
                uri: "ipfs://v".into(),
            },
            E::VerifierAlreadyApproved {
                hash: verifier.clone(),
            },
        ),
        (
            "verifier bad hash",
            &admin,
            ExecuteMsg::ApproveVerifier {
                hash: "00".into(),
                version: "1".into(),
                uri: "ipfs://v".into(),
            },
            E::InvalidHash {
                field: "hash",
                source: poi_types::HashError::WrongLength(2),
            },
        ),
        (
            "verifier bad version",
            &admin,
            ExecuteMsg::ApproveVerifier {
                hash: ContentHash::digest(b"y").to_string(),
                version: "v 1".into(),
                uri: "ipfs://v".into(),
            },
            invalid("version", "1 to 32 of a-z, 0-9, . - +"),
        ),
        (
            "revoke unknown verifier",
            &admin,
            ExecuteMsg::RevokeVerifier {
                hash: ContentHash::digest(b"z").to_string(),
            },
            E::VerifierNotFound {
                hash: ContentHash::digest(b"z").to_string(),
            },
        ),
        (
            "revoke by non-admin",
            &alice,
            ExecuteMsg::RevokeVerifier {
                hash: verifier.clone(),
            },
            E::Admin(cw_controllers::AdminError::NotAdmin {}),
        ),
        (
            "admin change by non-admin",
            &alice,
            ExecuteMsg::UpdateAdmin {
                admin: Some(alice.to_string()),
            },
            E::Admin(cw_controllers::AdminError::NotAdmin {}),
        ),
    ];

    for (name, sender, msg, expected) in cases {
        let before = s.snapshot();
        let err = s.execute(sender, &msg).expect_err(name).to_string();
        assert!(
            err.contains(&expected.to_string()),
            "{name}: expected {expected:?}, got {err}"
        );
        assert_eq!(s.snapshot(), before, "{name}: state changed");
    }

    // An address that is not one is refused by address validation.
    let before = s.snapshot();
    let bad_recipient = ExecuteMsg::TransferNft {
        recipient: "not-an-address".into(),
        token_id: m.to_string(),
    };
    let err = s.execute(&alice, &bad_recipient).unwrap_err().to_string();
    assert!(
        err.contains("not-an-address") || err.contains("bech32") || err.contains("Invalid"),
        "{err}"
    );
    assert_eq!(s.snapshot(), before);

    // Funds sent to a message that takes none are refused, not kept.
    s.app
        .init_modules(|router, _, storage| {
            router
                .bank
                .init_balance(storage, &alice, coins(100, "stake"))
        })
        .unwrap();
    let before = s.snapshot();
    assert_rejected(
        s.execute_with_funds(
            &alice,
            &ExecuteMsg::DeprecateAsset { id: m },
            &coins(100, "stake"),
        ),
        &E::Payment(cw_utils::PaymentError::NonPayable {}),
    );
    assert_eq!(s.snapshot(), before);
    assert_eq!(
        s.app.wrap().query_balance(&alice, "stake").unwrap().amount,
        cosmwasm_std::Uint256::from(100u32)
    );
}

#[test]
fn a_lineage_wider_than_the_walk_bound_still_pays_out_every_unit() {
    let mut s = SuiteBuilder::new().build();
    let alice = s.accounts.alice.clone();
    // 64 datasets, 8 models on 8 datasets each, and one ensemble of the 8 models: 73 assets, more
    // than one walk visits.
    let datasets: Vec<u64> = (0..64u32)
        .map(|i| s.register(&alice, dataset(&i.to_be_bytes(), "d")).unwrap())
        .collect();
    let models: Vec<u64> = datasets
        .chunks(8)
        .enumerate()
        .map(|(i, group)| {
            let parents: Vec<(u64, u16)> = group.iter().map(|&d| (d, 1000)).collect();
            s.register(&alice, model(format!("m{i}").as_bytes(), "m", &parents))
                .unwrap()
        })
        .collect();
    let parents: Vec<(u64, u16)> = models.iter().map(|&m| (m, 1000)).collect();
    let ensemble = s
        .register(&alice, model(b"ensemble", "ensemble", &parents))
        .unwrap();

    let lineage: LineageResponse = s
        .query(&QueryMsg::Lineage {
            asset_id: ensemble,
            depth: None,
        })
        .unwrap();
    assert!(lineage.nodes.len() <= poi_registry::lineage::MAX_LINEAGE_NODES);
    assert_eq!(
        lineage.nodes.iter().map(|n| n.retained).sum::<Decimal>(),
        Decimal::one()
    );
    // The models the walk could not expand keep their whole inflow instead of passing it on.
    let unexpanded = lineage
        .nodes
        .iter()
        .filter(|n| n.depth == 1 && n.retained == n.share)
        .count();
    assert!(unexpanded > 0);

    let split = s.revenue_split(ensemble, 1_000_003);
    assert_eq!(split.iter().map(|p| p.2).sum::<u128>(), 1_000_003);
}
