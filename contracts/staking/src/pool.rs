//! Share accounting of an operator's bonded stake.
//!
//! Delegators hold shares of the pool; what a share is worth is `tokens / shares`. A slash lowers
//! `tokens` once, so every delegator's value drops in proportion, with no loop over them: each
//! balance is "scaled" lazily when it is next read. Rounding always favours the pool: deposits mint
//! shares rounded down, withdrawals burn shares rounded up, slashes take tokens rounded up, values
//! round down. So the values of all delegations never add up to more than `tokens`.

use cosmwasm_std::{Uint128, Uint256, Uint512};
use poi_types::staking::Pool;

/// Shares minted per token into an empty pool. Starting high keeps share prices fine-grained
/// after many slashes.
pub const SHARES_PER_TOKEN: u128 = 1_000_000;
const BPS: u128 = 10_000;

fn mul_div(a: Uint256, b: Uint256, c: Uint256, round_up: bool) -> Uint256 {
    let product = Uint512::from(a) * Uint512::from(b);
    let c = Uint512::from(c);
    let quotient = if round_up {
        (product + c - Uint512::one()) / c
    } else {
        product / c
    };
    // a*b/c with b <= c (callers pass a share of a total) always fits.
    Uint256::try_from(quotient).expect("ratio of a share to its total fits")
}

/// Adds `amount` tokens and returns the shares they buy.
pub fn deposit(pool: &mut Pool, amount: Uint128) -> Uint256 {
    let minted = if pool.shares.is_zero() {
        Uint256::from(amount) * Uint256::from(SHARES_PER_TOKEN)
    } else {
        // shares > 0 implies tokens > 0: a slash that empties the pool also clears its shares.
        mul_div(
            Uint256::from(amount),
            pool.shares,
            Uint256::from(pool.tokens),
            false,
        )
    };
    pool.tokens += amount;
    pool.shares += minted;
    minted
}

/// What `shares` of the current epoch are worth.
pub fn value(pool: &Pool, shares: Uint256) -> Uint128 {
    if pool.shares.is_zero() {
        return Uint128::zero();
    }
    let v = mul_div(shares, Uint256::from(pool.tokens), pool.shares, false);
    Uint128::try_from(v).expect("a part of the pool fits in the pool's type")
}

/// Takes `amount` tokens out; returns the shares to burn (rounded up, at most `held`).
pub fn withdraw(pool: &mut Pool, amount: Uint128, held: Uint256) -> Uint256 {
    let burned = if amount == pool.tokens {
        held
    } else {
        mul_div(
            Uint256::from(amount),
            pool.shares,
            Uint256::from(pool.tokens),
            true,
        )
        .min(held)
    };
    pool.tokens -= amount;
    pool.shares -= burned;
    if pool.tokens.is_zero() {
        pool.shares = Uint256::zero();
    }
    burned
}

/// Cuts `bps` of the pool's tokens, rounded up; returns what was taken.
pub fn slash(pool: &mut Pool, bps: u16) -> Uint128 {
    let bps = Uint256::from(u128::from(bps.min(10_000)));
    let taken = mul_div(Uint256::from(pool.tokens), bps, Uint256::from(BPS), true);
    let taken = Uint128::try_from(taken).expect("at most the pool's tokens");
    pool.tokens -= taken;
    if pool.tokens.is_zero() && !taken.is_zero() {
        // Nothing is left: old shares are void and the next deposit starts a fresh epoch.
        pool.shares = Uint256::zero();
        pool.epoch += 1;
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_a_slash_without_touching_delegators() {
        let mut pool = Pool::default();
        let a = deposit(&mut pool, Uint128::new(700));
        let b = deposit(&mut pool, Uint128::new(300));
        assert_eq!(slash(&mut pool, 1000), Uint128::new(100));
        assert_eq!(value(&pool, a), Uint128::new(630));
        assert_eq!(value(&pool, b), Uint128::new(270));
    }

    #[test]
    fn slashes_round_up_and_values_round_down() {
        let mut pool = Pool::default();
        let a = deposit(&mut pool, Uint128::new(3));
        let b = deposit(&mut pool, Uint128::new(4));
        assert_eq!(slash(&mut pool, 1), Uint128::new(1));
        assert!(value(&pool, a) + value(&pool, b) <= pool.tokens);
    }

    #[test]
    fn a_full_slash_voids_old_shares_and_the_next_deposit_starts_clean() {
        let mut pool = Pool::default();
        let old = deposit(&mut pool, Uint128::new(1_000));
        assert_eq!(slash(&mut pool, 10_000), Uint128::new(1_000));
        assert_eq!(
            (pool.tokens, pool.shares, pool.epoch),
            (Uint128::zero(), Uint256::zero(), 1)
        );
        let fresh = deposit(&mut pool, Uint128::new(5));
        assert_eq!(value(&pool, fresh), Uint128::new(5));
        assert_eq!(fresh, old / Uint256::from(200u32));
    }

    #[test]
    fn withdrawing_burns_shares_rounded_up() {
        let mut pool = Pool::default();
        let a = deposit(&mut pool, Uint128::new(10));
        let _b = deposit(&mut pool, Uint128::new(10));
        slash(&mut pool, 3333);
        let before = value(&pool, a);
        let burned = withdraw(&mut pool, Uint128::new(5), a);
        assert!(value(&pool, a - burned) <= before - Uint128::new(5));
    }
}
