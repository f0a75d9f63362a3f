//! An operator's pools, one per strategy, kept in step with the operator lazily.
//!
//! A slash moves the operator's slash factor and a reward payment its `reward_per_unit`; neither
//! touches a pool, so both cost the same however many strategies the operator has. A pool is
//! brought up to date ([`pool::catch_up`]) whenever it is read or changed: [`touch`] loads it as
//! of now, the caller changes it, and [`save`] stores it, moving the operator's stake units, the
//! strategy's count and the slashed tokens with it. Tokens a slash took stay in the contract until
//! then, or until anyone collects them ([`collect`]), which leaves the pool's tokens as of its last
//! bond (so the stake, rounding included, does not move).
//!
//! Why the pools' shares of the stake survive this: a slash scales every pool of an operator by
//! the same factor, so each pool's stake units (weighted tokens over the factor they are exact at)
//! keep their proportion, and the operator's stake is `stake_units × slash_factor`.

use cosmwasm_std::{Addr, CosmosMsg, Decimal256, DepsMut, Response, Storage, Uint128};
use poi_types::staking::{Config, Operator, Pool, Strategy, events};

use crate::ContractError;
use crate::pool::{self, CaughtUp, Mark};
use crate::state::{
    CONFIG, EPOCH_REWARD_PER_SHARE, FACTOR_EPOCH_REWARD_PER_UNIT, POOLS, STRATEGIES,
};
use crate::{operators, strategies};

/// A pool loaded as of now, for a change, with what its stored form counted for.
pub struct Touched {
    /// As of now; the caller changes it and hands it to [`save`].
    pub pool: Pool,
    /// What the contract held for the stored pool: its tokens less what was already collected.
    held: Uint128,
    /// The stored pool's term in the operator's `stake_units`: none if a full slash since then
    /// already took it out.
    counted_units: Decimal256,
    caught: CaughtUp,
}

impl Touched {
    /// Tokens the operator's slashes took of the pool that the contract still holds.
    pub fn slashed(&self) -> Uint128 {
        self.caught.slashed
    }
}

fn mark(op: &Operator) -> Mark {
    Mark {
        factor_epoch: op.factor_epoch,
        slash_factor: op.slash_factor,
        reward_per_unit: op.reward_per_unit,
    }
}

/// The operator's pool in a strategy as stored; an empty one if nothing was ever bonded there.
fn stored(storage: &dyn Storage, op: &Operator, strategy_id: u16) -> Result<Pool, ContractError> {
    Ok(POOLS
        .may_load(storage, (&op.address, strategy_id))?
        .unwrap_or_else(|| Pool {
            factor_epoch: op.factor_epoch,
            slash_factor: op.slash_factor,
            reward_per_unit: op.reward_per_unit,
            ..Pool::default()
        }))
}

/// Brings a stored pool up to its operator; the epoch-end reward index is read if a full slash
/// ended the pool's factor epoch.
fn caught_up(
    storage: &dyn Storage,
    op: &Operator,
    stored: &Pool,
) -> Result<(Pool, CaughtUp), ContractError> {
    let epoch_ended_at = if stored.factor_epoch == op.factor_epoch {
        None
    } else {
        FACTOR_EPOCH_REWARD_PER_UNIT.may_load(storage, (&op.address, stored.factor_epoch))?
    };
    let mut pool = stored.clone();
    let caught = pool::catch_up(&mut pool, &mark(op), epoch_ended_at);
    Ok((pool, caught))
}

/// The operator's pool in a strategy as of now, to change and [`save`].
pub fn touch(
    storage: &dyn Storage,
    op: &Operator,
    strategy_id: u16,
) -> Result<Touched, ContractError> {
    let stored = stored(storage, op, strategy_id)?;
    let (pool, caught) = caught_up(storage, op, &stored)?;
    Ok(Touched {
        pool,
        held: stored.tokens - stored.collected,
        counted_units: if stored.factor_epoch == op.factor_epoch {
            stored.stake_units
        } else {
            Decimal256::zero()
        },
        caught,
    })
}

/// The operator's pool in a strategy as of now, to read.
pub fn now(storage: &dyn Storage, op: &Operator, strategy_id: u16) -> Result<Pool, ContractError> {
    Ok(caught_up(storage, op, &stored(storage, op, strategy_id)?)?.0)
}

/// Stores a touched pool as the caller left it (its tokens now exact at the operator's factor):
/// the operator's stake units and stake and the strategy's count follow it (the caller saves the
/// operator, whose stake snapshot moves with it), and the message sending what slashes took of
/// it, if anything, is returned.
pub fn save(
    storage: &mut dyn Storage,
    config: &Config,
    op: &mut Operator,
    strategy: &mut Strategy,
    touched: Touched,
) -> Result<Option<CosmosMsg>, ContractError> {
    let Touched {
        mut pool,
        held,
        counted_units,
        caught,
    } = touched;
    pool.stake_units = pool::stake_units(pool.tokens, strategy.weight, op.slash_factor)
        .ok_or(ContractError::StakeOverflow)?;
    // The operator's units hold `counted_units` among their terms: an exact decimal sum.
    op.stake_units = (op.stake_units - counted_units)
        .checked_add(pool.stake_units)
        .map_err(|_| ContractError::StakeOverflow)?;
    op.stake = operators::stake_of(op)?;
    // The strategy's count holds what the pool held among its terms, likewise.
    strategy.bonded = (strategy.bonded - held)
        .checked_add(pool.tokens)
        .map_err(|_| ContractError::StakeOverflow)?;
    if let Some((epoch, reward_per_share)) = caught.voided {
        // The epoch's shares are void from here on; they earned rewards up to this point only.
        EPOCH_REWARD_PER_SHARE.save(
            storage,
            (&op.address, strategy.id, epoch),
            &reward_per_share,
        )?;
    }
    POOLS.save(storage, (&op.address, strategy.id), &pool)?;
    STRATEGIES.save(storage, strategy.id, strategy)?;
    if caught.slashed.is_zero() {
        return Ok(None);
    }
    Ok(Some(strategies::slashed_msg(
        config,
        &strategy.asset,
        caught.slashed,
    )?))
}

/// Anyone: sends what the operator's slashes took of its pool in a strategy where slashes go. The
/// pool's stake units do not move, so neither does the operator's stake.
pub fn collect(
    deps: DepsMut,
    operator: String,
    strategy_id: u16,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let address: Addr = deps.api.addr_validate(&operator)?;
    let op = operators::load(deps.storage, &address)?;
    let mut strategy = strategies::load(deps.storage, strategy_id)?;
    let mut pool = stored(deps.storage, &op, strategy_id)?;
    let slashed = caught_up(deps.storage, &op, &pool)?.1.slashed;
    if slashed.is_zero() {
        return Err(ContractError::NothingSlashed {
            operator: address.to_string(),
            strategy_id,
        });
    }
    // The pool holds `slashed` less from now on; its tokens stay as of its last bond.
    pool.collected += slashed;
    strategy.bonded -= slashed;
    POOLS.save(deps.storage, (&address, strategy_id), &pool)?;
    STRATEGIES.save(deps.storage, strategy_id, &strategy)?;
    Ok(Response::new()
        .add_message(strategies::slashed_msg(&config, &strategy.asset, slashed)?)
        .add_attribute("action", "collect_slashed")
        .add_attribute("operator", address)
        .add_attribute(events::STRATEGY_ID, strategy_id.to_string())
        .add_attribute("amount", slashed))
}
