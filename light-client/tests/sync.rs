//! Syncing over a validator-set change: skipping is refused for lack of trust, so the client
//! bisects, verifying a header in between, and arrives.

mod support;

use std::cell::RefCell;
use std::collections::BTreeMap;

use poi_light_client::LightClientError;
use poi_light_client::headers::{BlockSource, sync};
use poi_light_client::http::block_on;
use support::commits::*;
use tendermint_light_client_verifier::types::LightBlock;

/// Blocks served from memory, counting what was asked for.
struct Chain {
    blocks: BTreeMap<u64, LightBlock>,
    fetched: RefCell<Vec<u64>>,
}

impl BlockSource for Chain {
    async fn light_block(&self, height: u64) -> Result<LightBlock, LightClientError> {
        self.fetched.borrow_mut().push(height);
        self.blocks
            .get(&height)
            .cloned()
            .ok_or_else(|| LightClientError::Rpc {
                url: "memory".into(),
                message: format!("no block {height}"),
            })
    }
}

/// Heights 1–8 signed by set A, 9–16 by set B, which shares nobody with A.
fn chain_with_handover() -> Chain {
    let (a, b) = (validator_set("a", 4), validator_set("b", 4));
    let blocks = (1..=16)
        .map(|h| {
            let (vals, next) = match h {
                1..8 => (&a, &a),
                8 => (&a, &b),
                _ => (&b, &b),
            };
            (h, block_at(h, vals, next))
        })
        .collect();
    Chain {
        blocks,
        fetched: RefCell::default(),
    }
}

#[test]
fn a_full_validator_set_change_is_crossed_by_bisection() {
    let chain = chain_with_handover();
    let trusted = chain.blocks[&1].clone();
    let target = chain.blocks[&16].clone();
    let now = soon_after(&target);
    let verified = block_on(sync(&chain, &trusted, target, &options(), now)).unwrap();
    let heights: Vec<u64> = verified.iter().map(|b| b.height().value()).collect();
    assert_eq!(heights.last(), Some(&16));
    // 1 → 16 lacks trust; 1 → 8 (still set A) succeeds, then 8 hands over to B and 8 → 16 succeeds.
    assert_eq!(heights, vec![8, 16]);
    assert_eq!(*chain.fetched.borrow(), vec![8]);
}

#[test]
fn within_one_validator_set_a_single_skip_suffices() {
    let chain = chain_with_handover();
    let trusted = chain.blocks[&9].clone();
    let target = chain.blocks[&16].clone();
    let now = soon_after(&target);
    let verified = block_on(sync(&chain, &trusted, target, &options(), now)).unwrap();
    assert_eq!(verified.len(), 1);
    assert!(chain.fetched.borrow().is_empty());
}

#[test]
fn a_chain_that_cannot_be_bridged_is_refused() {
    let chain = chain_with_handover();
    // Block 12 claims to be signed by set A, which the handover ended: tampered headers never verify.
    let a = validator_set("a", 4);
    let forged = block_at(12, &a, &a);
    let trusted = chain.blocks[&9].clone();
    let now = soon_after(&forged);
    let result = block_on(sync(&chain, &trusted, forged, &options(), now));
    assert!(result.is_err(), "{result:?}");
}
