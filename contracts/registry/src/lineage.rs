//! Attribution along an asset's lineage.
//!
//! A fee paid for using an asset flows into it; each asset passes `weight_bps / 10000` of what flows
//! into it on to each of its parents and keeps the rest. Walking stops at a bounded depth and after a
//! bounded number of distinct assets, and whatever cannot flow further stays with the asset where the
//! walk stopped, so every unit is accounted for and no query or fee payment can be made arbitrarily
//! expensive by registering a large lineage.
//!
//! The same walk serves two quantities: exact [`Decimal`] shares for the `lineage` query (bps products
//! over at most [`MAX_LINEAGE_DEPTH`] levels fit Decimal's 18 places exactly) and integer amounts for
//! `revenue_split`, where each parent's part is rounded down and the remainder kept by the child.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::ops::{Add, Sub};

use cosmwasm_std::{Addr, Decimal, StdResult, Storage, Uint128};
use poi_types::registry::{Asset, BPS_DENOMINATOR, LineageNode, MAX_LINEAGE_DEPTH, Payout};

use crate::state::assets;

/// Most distinct assets one walk visits, the queried asset included.
pub const MAX_LINEAGE_NODES: usize = 64;

/// A quantity that can be divided along the lineage.
pub trait Flow: Copy + Add<Output = Self> + Sub<Output = Self> + PartialOrd {
    fn zero() -> Self;
    /// The part of `self` owed for `weight_bps` basis points, never more than the exact value.
    fn part(self, weight_bps: u16) -> Self;
}

impl Flow for Decimal {
    fn zero() -> Self {
        Decimal::zero()
    }

    fn part(self, weight_bps: u16) -> Self {
        // Exact at the depths we allow; `from_ratio` of two small integers cannot overflow.
        self * Decimal::from_ratio(weight_bps, BPS_DENOMINATOR)
    }
}

impl Flow for Uint128 {
    fn zero() -> Self {
        Uint128::zero()
    }

    fn part(self, weight_bps: u16) -> Self {
        // multiply_ratio rounds down and uses a 256-bit intermediate, so it cannot overflow.
        self.multiply_ratio(weight_bps, BPS_DENOMINATOR)
    }
}

/// What the walk found out about one asset.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit<Q> {
    pub asset_id: u64,
    pub owner: Addr,
    pub depth: u32,
    pub inflow: Q,
    pub retained: Q,
}

/// Sends `amount` into `root` and lets it flow along the lineage down to `max_depth`.
///
/// Visits come back in walk order: the root, then by depth, then by id. Assets are processed level
/// by level so an asset reached along several paths is loaded once per level at most and its whole
/// inflow passes to its parents together.
pub fn walk<Q: Flow>(
    store: &dyn Storage,
    root: &Asset,
    amount: Q,
    max_depth: u32,
) -> StdResult<Vec<Visit<Q>>> {
    let max_depth = max_depth.min(MAX_LINEAGE_DEPTH);
    let mut order: Vec<u64> = vec![root.id];
    let mut visits: BTreeMap<u64, Visit<Q>> = BTreeMap::new();
    let mut loaded: BTreeMap<u64, Asset> = BTreeMap::new();
    loaded.insert(root.id, root.clone());

    let mut level: BTreeMap<u64, Q> = BTreeMap::from([(root.id, amount)]);
    for depth in 0..=max_depth {
        let mut next: BTreeMap<u64, Q> = BTreeMap::new();
        for (&id, &inflow) in &level {
            let asset = loaded
                .get(&id)
                .expect("every asset in a level was loaded")
                .clone();
            let visit = visits.entry(id).or_insert_with(|| Visit {
                asset_id: id,
                owner: asset.owner.clone(),
                depth,
                inflow: Q::zero(),
                retained: Q::zero(),
            });
            visit.inflow = visit.inflow + inflow;

            let unseen = asset
                .parents
                .iter()
                .filter(|p| !loaded.contains_key(&p.asset_id))
                .count();
            let may_expand = depth < max_depth && loaded.len() + unseen <= MAX_LINEAGE_NODES;
            let mut passed = Q::zero();
            if may_expand {
                for parent in &asset.parents {
                    let share = inflow.part(parent.weight_bps);
                    if let Entry::Vacant(slot) = loaded.entry(parent.asset_id) {
                        // Parents are checked to exist at registration and assets are never
                        // removed, so a missing parent would be a corrupted store.
                        slot.insert(assets().load(store, parent.asset_id)?);
                        order.push(parent.asset_id);
                    }
                    let slot = next.entry(parent.asset_id).or_insert_with(Q::zero);
                    *slot = *slot + share;
                    passed = passed + share;
                }
            }
            let visit = visits.get_mut(&id).expect("inserted above");
            visit.retained = visit.retained + (inflow - passed);
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }

    let mut out: Vec<Visit<Q>> = order
        .into_iter()
        .filter_map(|id| visits.remove(&id))
        .collect();
    out.sort_by_key(|v| (v.depth, v.asset_id != root.id, v.asset_id));
    Ok(out)
}

pub fn lineage_nodes(store: &dyn Storage, root: &Asset, depth: u32) -> StdResult<Vec<LineageNode>> {
    Ok(walk(store, root, Decimal::one(), depth)?
        .into_iter()
        .map(|v| LineageNode {
            asset_id: v.asset_id,
            owner: v.owner,
            depth: v.depth,
            share: v.inflow,
            retained: v.retained,
        })
        .collect())
}

/// Divides `amount` between `root` and its ancestors; the payouts sum to exactly `amount`.
pub fn revenue_split(store: &dyn Storage, root: &Asset, amount: Uint128) -> StdResult<Vec<Payout>> {
    Ok(walk(store, root, amount, MAX_LINEAGE_DEPTH)?
        .into_iter()
        .filter(|v| !v.retained.is_zero())
        .map(|v| Payout {
            asset_id: v.asset_id,
            recipient: v.owner,
            amount: v.retained,
        })
        .collect())
}
