//! Share accounting of an operator's bonded stake.
//!
//! Delegators hold shares of the pool; what a share is worth is `tokens / shares`. A slash lowers
//! `tokens` once, so every delegator's value drops in proportion, with no loop over them: each
//! balance is "scaled" lazily when it is next read. Rounding always favours the pool: deposits mint
//! shares rounded down, withdrawals burn shares rounded up, slashes take tokens rounded up, values
//! round down. So the values of all delegations never add up to more than `tokens`.
//!
//! A pool also catches up lazily with its operator (see [`catch_up`]): the operator's slashes and
//! reward payments move one factor and one accumulator of the operator, and a pool applies what
//! they mean for it when it is next touched.

use cosmwasm_std::{Decimal, Decimal256, Uint128, Uint256, Uint512};
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

/// `tokens × weight / slash_factor`, rounded up: a pool's stake units. Rounding up makes
/// `stake_units × slash_factor` never less than the weighted tokens, so an operator's stake is
/// the whole weighted sum of its pools, not a unit less. `None` if it does not fit.
pub fn stake_units(
    tokens: Uint128,
    weight: Decimal,
    slash_factor: Decimal256,
) -> Option<Decimal256> {
    let weighted = Decimal256::from_ratio(tokens, 1u8)
        .checked_mul(weight.into())
        .ok()?;
    // The factor is above zero: a slash that takes it to zero starts a new factor epoch at one.
    let atomics = Uint512::from(weighted.atomics()) * Uint512::from(Decimal256::one().atomics());
    let divisor = Uint512::from(slash_factor.atomics());
    let units = (atomics + divisor - Uint512::one()) / divisor;
    Some(Decimal256::new(Uint256::try_from(units).ok()?))
}

/// Where an operator stands now: what a pool catches up with.
pub struct Mark {
    pub factor_epoch: u64,
    pub slash_factor: Decimal256,
    pub reward_per_unit: Decimal256,
}

/// What catching up did to a pool.
#[derive(Debug, Default, PartialEq)]
pub struct CaughtUp {
    /// Tokens the operator's slashes took; the contract still holds them.
    pub slashed: Uint128,
    /// The share epoch a full cut ended, with the `reward_per_share` its shares earned up to.
    pub voided: Option<(u64, Decimal256)>,
}

/// Credits the pool's shares with the rewards paid per stake unit since it last caught up.
fn accrue(pool: &mut Pool, reward_per_unit: Decimal256) {
    if reward_per_unit > pool.reward_per_unit && !pool.shares.is_zero() {
        // At most what was paid to this pool, which fits: every payment is a u128 amount.
        let earned = pool.stake_units * (reward_per_unit - pool.reward_per_unit);
        pool.reward_per_share += Decimal256::new(earned.atomics() / pool.shares);
    }
}

/// Brings a stored pool up to its operator, as of now: the rewards paid per unit since it last
/// caught up are credited to its shares, and its tokens become what the slashes since its last
/// bond or withdrawal left, `tokens × factor now / factor then` (rounded down, so the slash takes
/// the rounding). `epoch_ended_at` is the operator's `reward_per_unit` when a full slash ended the
/// pool's factor epoch, if it did: the pool earned until then and lost everything.
///
/// Stake units are left as they are (they are the pool's weighted stake before any slash, and a
/// slash changes the factor, not them), unless nothing is left.
pub fn catch_up(pool: &mut Pool, now: &Mark, epoch_ended_at: Option<Decimal256>) -> CaughtUp {
    let kept = if pool.factor_epoch < now.factor_epoch {
        accrue(pool, epoch_ended_at.unwrap_or(pool.reward_per_unit));
        Uint128::zero()
    } else {
        accrue(pool, now.reward_per_unit);
        if pool.slash_factor == now.slash_factor {
            pool.tokens
        } else {
            // The factor only falls within an epoch, so this is at most the tokens.
            let kept = Uint256::from(pool.tokens)
                .multiply_ratio(now.slash_factor.atomics(), pool.slash_factor.atomics());
            Uint128::try_from(kept).unwrap_or(pool.tokens)
        }
    };
    let mut caught = CaughtUp {
        slashed: pool
            .tokens
            .saturating_sub(kept)
            .saturating_sub(pool.collected),
        voided: None,
    };
    pool.tokens = kept;
    pool.collected = Uint128::zero();
    if kept.is_zero() {
        pool.stake_units = Decimal256::zero();
        if !pool.shares.is_zero() {
            // Nothing is left: old shares are void and the next deposit starts a fresh epoch.
            caught.voided = Some((pool.epoch, pool.reward_per_share));
            pool.shares = Uint256::zero();
            pool.epoch += 1;
        }
    }
    pool.factor_epoch = now.factor_epoch;
    pool.slash_factor = now.slash_factor;
    pool.reward_per_unit = now.reward_per_unit;
    caught
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Pool {
        Pool {
            slash_factor: Decimal256::one(),
            ..Pool::default()
        }
    }

    /// The operator's factor falls by `fraction` and the pool catches up; returns what was taken.
    fn cut(pool: &mut Pool, fraction: Decimal256) -> CaughtUp {
        let mut now = Mark {
            factor_epoch: pool.factor_epoch,
            slash_factor: pool.slash_factor * (Decimal256::one() - fraction),
            reward_per_unit: pool.reward_per_unit,
        };
        let mut ended = None;
        if now.slash_factor.is_zero() {
            ended = Some(now.reward_per_unit);
            now.factor_epoch += 1;
            now.slash_factor = Decimal256::one();
        }
        catch_up(pool, &now, ended)
    }

    fn deposit_units(pool: &mut Pool, amount: u128) -> Uint256 {
        let shares = deposit(pool, Uint128::new(amount)).unwrap();
        pool.stake_units = stake_units(pool.tokens, Decimal::one(), pool.slash_factor).unwrap();
        shares
    }

    #[test]
    fn values_follow_a_slash_without_touching_delegators() {
        let mut pool = fresh();
        let a = deposit_units(&mut pool, 700);
        let b = deposit_units(&mut pool, 300);
        assert_eq!(
            cut(&mut pool, Decimal256::bps(1000)).slashed,
            Uint128::new(100)
        );
        assert_eq!(value(&pool, a), Uint128::new(630));
        assert_eq!(value(&pool, b), Uint128::new(270));
    }

    #[test]
    fn slashes_round_up_and_values_round_down() {
        let mut pool = fresh();
        let a = deposit_units(&mut pool, 3);
        let b = deposit_units(&mut pool, 4);
        assert_eq!(cut(&mut pool, Decimal256::bps(1)).slashed, Uint128::new(1));
        assert!(value(&pool, a) + value(&pool, b) <= pool.tokens);
    }

    #[test]
    fn a_full_slash_voids_old_shares_and_the_next_deposit_starts_clean() {
        let mut pool = fresh();
        let old = deposit_units(&mut pool, 1_000);
        let caught = cut(&mut pool, Decimal256::one());
        assert_eq!(caught.slashed, Uint128::new(1_000));
        assert_eq!(caught.voided, Some((0, Decimal256::zero())));
        assert_eq!(
            (pool.tokens, pool.shares, pool.epoch, pool.stake_units),
            (Uint128::zero(), Uint256::zero(), 1, Decimal256::zero())
        );
        let fresh = deposit(&mut pool, Uint128::new(5)).unwrap();
        assert_eq!(value(&pool, fresh), Uint128::new(5));
        assert_eq!(fresh, old / Uint256::from(200u32));
    }

    #[test]
    fn a_pool_that_missed_several_slashes_loses_what_they_took_together() {
        let mut pool = fresh();
        deposit_units(&mut pool, 1_000);
        // Two slashes of 10% and 20% while nobody touched the pool: 1000 × 0.9 × 0.8 is left.
        let now = Mark {
            factor_epoch: 0,
            slash_factor: Decimal256::percent(90) * Decimal256::percent(80),
            reward_per_unit: Decimal256::zero(),
        };
        let caught = catch_up(&mut pool, &now, None);
        assert_eq!(
            (caught.slashed, pool.tokens),
            (Uint128::new(280), Uint128::new(720))
        );
        // Its stake units still stand for what is left at today's factor.
        assert_eq!(
            pool.stake_units * now.slash_factor,
            Decimal256::from_ratio(720u32, 1u8)
        );
    }

    #[test]
    fn slashed_tokens_already_collected_are_not_slashed_again() {
        let mut stored = fresh();
        deposit_units(&mut stored, 1_000);
        let now = |factor: u64| Mark {
            factor_epoch: 0,
            slash_factor: Decimal256::percent(factor),
            reward_per_unit: Decimal256::zero(),
        };
        // 10% slashed, and collected: the stored pool keeps its tokens as of its bond.
        let mut pool = stored.clone();
        assert_eq!(
            catch_up(&mut pool, &now(90), None).slashed,
            Uint128::new(100)
        );
        stored.collected = Uint128::new(100);
        // Another 10% of the whole: only the new 100 are owed, and 800 are left.
        let mut pool = stored.clone();
        let caught = catch_up(&mut pool, &now(80), None);
        assert_eq!(
            (caught.slashed, pool.tokens),
            (Uint128::new(100), Uint128::new(800))
        );
    }

    #[test]
    fn rewards_per_unit_become_rewards_per_share_when_the_pool_catches_up() {
        let mut pool = fresh();
        let shares = deposit_units(&mut pool, 1_000);
        let now = Mark {
            factor_epoch: 0,
            slash_factor: Decimal256::one(),
            // 3 reward tokens per unit, over 1000 units.
            reward_per_unit: Decimal256::from_ratio(3u8, 1u8),
        };
        assert_eq!(catch_up(&mut pool, &now, None), CaughtUp::default());
        let earned = Decimal256::from_ratio(shares, 1u8) * pool.reward_per_share;
        assert_eq!(earned.to_uint_floor(), Uint256::from(3_000u32));
        // Catching up again with nothing new changes nothing.
        let before = pool.clone();
        catch_up(&mut pool, &now, None);
        assert_eq!(pool, before);
    }

    #[test]
    fn stake_units_times_the_factor_give_back_the_whole_weighted_tokens() {
        let factor = Decimal256::percent(90) * Decimal256::percent(70);
        for tokens in [1u128, 7, 1_000, 999_999_999_937] {
            let units = stake_units(Uint128::new(tokens), Decimal::percent(150), factor).unwrap();
            let weighted = Decimal256::from_ratio(tokens * 3, 2u8);
            assert!(units * factor >= weighted);
            assert_eq!((units * factor).to_uint_floor(), weighted.to_uint_floor());
        }
    }

    #[test]
    fn withdrawing_burns_shares_rounded_up() {
        let mut pool = fresh();
        let a = deposit_units(&mut pool, 10);
        let _b = deposit_units(&mut pool, 10);
        cut(&mut pool, Decimal256::bps(3333));
        let before = value(&pool, a);
        let burned = withdraw(&mut pool, Uint128::new(5), a);
        assert!(value(&pool, a - burned) <= before - Uint128::new(5));
    }

    #[test]
    fn a_deposit_the_pool_cannot_take_is_refused_and_changes_nothing() {
        let mut pool = fresh();
        deposit(&mut pool, Uint128::MAX).unwrap();
        let before = pool.clone();
        assert_eq!(deposit(&mut pool, Uint128::one()), None);
        assert_eq!(pool, before);
    }
}
