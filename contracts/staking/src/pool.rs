//! Share accounting of an operator's bonded stake.
//!
//! Delegators hold shares of the pool; what a share is worth is `tokens / shares`. A slash lowers
//! `tokens` once, so every delegator's value drops in proportion, with no loop over them: each
//! balance is "scaled" lazily when it is next read. Rounding always favours the pool: deposits mint
//! shares rounded down, withdrawals burn shares rounded up, slashes take tokens rounded up, values
//! round down. So the values of all delegations never add up to more than `tokens`.

use cosmwasm_std::{Decimal256, Uint128, Uint256, Uint512};
use poi_types::staking::Pool;

/// Shares minted per token into an empty pool. Starting high keeps share prices fine-grained
/// after many slashes.
pub const SHARES_PER_TOKEN: u128 = 1_000_000;

/// `a × b / c` with a 512-bit intermediate; `None` if the result does not fit in 256 bits.
fn mul_div(a: Uint256, b: Uint256, c: Uint256, round_up: bool) -> Option<Uint256> {
    let product = Uint512::from(a) * Uint512::from(b);
    let c = Uint512::from(c);
    let quotient = if round_up {
        (product + c - Uint512::one()) / c
    } else {
        product / c
    };
    Uint256::try_from(quotient).ok()
}

/// Adds `amount` tokens and returns the shares they buy; `None` (and the pool unchanged) if the
/// pool cannot take that much, which only slashes of nearly everything, many times over, or
/// amounts beyond any token supply could cause.
pub fn deposit(pool: &mut Pool, amount: Uint128) -> Option<Uint256> {
    let minted = if pool.shares.is_zero() {
        Uint256::from(amount)
            .checked_mul(Uint256::from(SHARES_PER_TOKEN))
            .ok()?
    } else {
        // shares > 0 implies tokens > 0: a slash that empties the pool also clears its shares.
        mul_div(
            Uint256::from(amount),
            pool.shares,
            Uint256::from(pool.tokens),
            false,
        )?
    };
    pool.tokens = pool.tokens.checked_add(amount).ok()?;
    pool.shares = pool.shares.checked_add(minted).ok()?;
    Some(minted)
}

/// What `shares` of the current epoch are worth.
pub fn value(pool: &Pool, shares: Uint256) -> Uint128 {
    if pool.shares.is_zero() {
        return Uint128::zero();
    }
    // shares <= pool.shares, so the value is at most the pool's tokens.
    let v = mul_div(shares, Uint256::from(pool.tokens), pool.shares, false)
        .expect("a part of the pool fits");
    Uint128::try_from(v).expect("a part of the pool fits in the pool's type")
}

/// Takes `amount` tokens out; returns the shares to burn (rounded up, at most `held`).
pub fn withdraw(pool: &mut Pool, amount: Uint128, held: Uint256) -> Uint256 {
    let burned = if amount == pool.tokens {
        held
    } else {
        // amount <= the holder's value, so at most `held` shares, which fits.
        mul_div(
            Uint256::from(amount),
            pool.shares,
            Uint256::from(pool.tokens),
            true,
        )
        .expect("at most the shares held")
        .min(held)
    };
    pool.tokens -= amount;
    pool.shares -= burned;
    if pool.tokens.is_zero() {
        pool.shares = Uint256::zero();
    }
    burned
}

/// Cuts `fraction` (at most one) of the pool's tokens, rounded up; returns what was taken.
pub fn slash(pool: &mut Pool, fraction: Decimal256) -> Uint128 {
    let fraction = fraction.min(Decimal256::one());
    let taken = Uint128::try_from(Uint256::from(pool.tokens).mul_ceil(fraction))
        .expect("a fraction of at most one of the pool's tokens fits");
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
        let a = deposit(&mut pool, Uint128::new(700)).unwrap();
        let b = deposit(&mut pool, Uint128::new(300)).unwrap();
        assert_eq!(slash(&mut pool, Decimal256::bps(1000)), Uint128::new(100));
        assert_eq!(value(&pool, a), Uint128::new(630));
        assert_eq!(value(&pool, b), Uint128::new(270));
    }

    #[test]
    fn slashes_round_up_and_values_round_down() {
        let mut pool = Pool::default();
        let a = deposit(&mut pool, Uint128::new(3)).unwrap();
        let b = deposit(&mut pool, Uint128::new(4)).unwrap();
        assert_eq!(slash(&mut pool, Decimal256::bps(1)), Uint128::new(1));
        assert!(value(&pool, a) + value(&pool, b) <= pool.tokens);
    }

    #[test]
    fn a_full_slash_voids_old_shares_and_the_next_deposit_starts_clean() {
        let mut pool = Pool::default();
        let old = deposit(&mut pool, Uint128::new(1_000)).unwrap();
        assert_eq!(slash(&mut pool, Decimal256::one()), Uint128::new(1_000));
        assert_eq!(
            (pool.tokens, pool.shares, pool.epoch),
            (Uint128::zero(), Uint256::zero(), 1)
        );
        let fresh = deposit(&mut pool, Uint128::new(5)).unwrap();
        assert_eq!(value(&pool, fresh), Uint128::new(5));
        assert_eq!(fresh, old / Uint256::from(200u32));
    }

    #[test]
    fn withdrawing_burns_shares_rounded_up() {
        let mut pool = Pool::default();
        let a = deposit(&mut pool, Uint128::new(10)).unwrap();
        let _b = deposit(&mut pool, Uint128::new(10)).unwrap();
        slash(&mut pool, Decimal256::bps(3333));
        let before = value(&pool, a);
        let burned = withdraw(&mut pool, Uint128::new(5), a);
        assert!(value(&pool, a - burned) <= before - Uint128::new(5));
    }

    #[test]
    fn a_deposit_the_pool_cannot_take_is_refused_and_changes_nothing() {
        let mut pool = Pool::default();
        deposit(&mut pool, Uint128::MAX).unwrap();
        let before = pool.clone();
        assert_eq!(deposit(&mut pool, Uint128::one()), None);
        assert_eq!(pool, before);
    }
}
