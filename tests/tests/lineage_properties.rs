//! Properties of fee attribution over arbitrary lineages: whatever the graph and the amount, a fee
//! splits into payouts that add up to exactly the fee, and effective shares add up to exactly one.

use cosmwasm_std::Decimal;
use poi_tests::suite::{SuiteBuilder, dataset, model};
use poi_types::registry::{LineageResponse, QueryMsg};
use proptest::prelude::*;

/// For each new asset: its parents among the earlier ones, as (index, weight) pairs.
fn lineage_graph() -> impl Strategy<Value = Vec<Vec<(usize, u16)>>> {
    (2usize..14).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                if i == 0 {
                    Just(vec![]).boxed()
                } else {
                    prop::collection::vec((0..i, 1u16..5000), 0..=8.min(i)).boxed()
                }
            })
            .collect::<Vec<_>>()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn payouts_sum_to_the_fee_and_shares_to_one(graph in lineage_graph(), amount in any::<u64>(), scale in 0u32..3) {
        let mut s = SuiteBuilder::new().build();
        let alice = s.accounts.alice.clone();
        let mut ids = Vec::new();
        for (i, parents) in graph.iter().enumerate() {
            // Keep the first mention of each parent, and weights within 100% in total.
            let mut chosen: Vec<(u64, u16)> = Vec::new();
            let mut total = 0u32;
            for &(p, w) in parents {
                let id = ids[p];
                if chosen.iter().any(|c| c.0 == id) || total + u32::from(w) > 10_000 {
                    continue;
                }
                total += u32::from(w);
                chosen.push((id, w));
            }
            let bytes = format!("asset {i}");
            let asset = if chosen.is_empty() { dataset(bytes.as_bytes(), "d") } else { model(bytes.as_bytes(), "m", &chosen) };
            ids.push(s.register(&alice, asset).unwrap());
        }
        let last = *ids.last().unwrap();
        let fee = u128::from(amount) * 10u128.pow(scale * 6);

        let split = s.revenue_split(last, fee);
        prop_assert_eq!(split.iter().map(|p| p.2).sum::<u128>(), fee);

        let lineage: LineageResponse = s.query(&QueryMsg::Lineage { asset_id: last, depth: None }).unwrap();
        prop_assert_eq!(lineage.nodes.iter().map(|n| n.retained).sum::<Decimal>(), Decimal::one());
        prop_assert!(lineage.nodes.iter().all(|n| n.retained <= n.share));
    }
}
