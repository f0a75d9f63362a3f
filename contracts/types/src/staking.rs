//! The restaking contract: messages and the records it stores.
//!
//! Stakers bond assets to one operator. Each asset the admin accepts is a *strategy* (a bank denom
//! or a cw20 token) with a fixed weight per token; an operator's stake is the weighted sum of what
//! is bonded to it. Each (operator, strategy) bond is a pool of tokens and shares, and a slash
//! moves the operator's slash factor, which every pool (when next touched) and every delegator's
//! value follow, however many there are. The same stake secures several *services* (poi's
//! consensus contract is one): the
//! operator allocates a unique slice of it to each, as a *magnitude*, a fixed-point part of its
//! stake. A service's slasher can cut only the slice allocated to it, and a cut lowers the
//! operator's total magnitude by the same amount, so every other service keeps the stake it had.
//! Undelegating queues a withdrawal that stays slashable until its release time: each operator
//! keeps a cumulative slash factor with its history by time, and a withdrawal is paid
//! `amount × factor(at release) / factor(at creation)` when it completes.

use cosmwasm_schema::{QueryResponses, cw_serde};
use cosmwasm_std::{Addr, Decimal, Decimal256, Timestamp, Uint64, Uint128, Uint256};

pub use cw_controllers::AdminResponse;

pub const MAX_COMMISSION_BPS: u16 = 10_000;
pub const MAX_PAGE_LIMIT: u32 = 100;
pub const DEFAULT_PAGE_LIMIT: u32 = 30;
/// Most withdrawals one `complete_withdrawals` pays out.
pub const MAX_WITHDRAWAL_BATCH: u32 = 32;
/// Most operators one `candidates_at` query reads.
pub const MAX_CANDIDATE_PAGE: u32 = 256;
/// The magnitude of an operator's whole stake before any slash. Allocations are parts of it;
/// 10^18 keeps rounding below one token for any stake a chain can hold.
pub const WHOLE_STAKE: Uint64 = Uint64::new(1_000_000_000_000_000_000);
/// Most services one operator allocates to at once: what a delegation or a slash may touch.
pub const MAX_ALLOCATIONS_PER_OPERATOR: u32 = 32;
/// Most strategies the contract accepts: what a slash or a reward payment may touch per operator.
pub const MAX_STRATEGIES: u16 = 16;
/// Instantiation registers the bond denom as this strategy (and migration from 0.1 does too).
pub const FIRST_STRATEGY: u16 = 1;

/// Where slashed tokens go.
#[cw_serde]
pub enum SlashDestination {
    Burn {},
    /// For example the community pool's module account, or a treasury.
    Address {
        address: String,
    },
}

/// The admin is kept apart, as `cw_controllers::Admin`: query it with `QueryMsg::Admin`.
#[cw_serde]
pub struct Config {
    /// The denom services pay rewards in (`DistributeRewards`) and stakers claim them in.
    pub reward_denom: String,
    /// Seconds between undelegating and being able to withdraw; slashable all that time. A
    /// deallocated slice stays slashable as long, and a service's new slasher waits twice as long.
    pub withdrawal_delay: u64,
    /// Seconds before a larger allocation counts (and can be slashed): time for a service to see
    /// stake coming, and for delegators to leave an operator whose allocations they dislike.
    pub allocation_delay: u64,
    /// What an operator must bond to itself to allocate anything.
    pub min_self_bond: Uint128,
    pub max_open_withdrawals: u32,
    pub slash_destination: SlashDestination,
}

#[cw_serde]
pub struct InstantiateMsg {
    /// Defaults to the instantiating account.
    pub admin: Option<String>,
    /// Registered as strategy 1 (weight 1, no cap) and used as the reward denom.
    pub bond_denom: String,
    pub withdrawal_delay: u64,
    pub allocation_delay: u64,
    pub min_self_bond: Uint128,
    pub max_open_withdrawals: u32,
    pub slash_destination: SlashDestination,
}

/// A token stakers can bond.
#[cw_serde]
pub enum Asset {
    /// A bank denom, IBC-bridged ones (`ibc/...`) and token-factory ones included.
    Native { denom: String },
    /// A cw20 token contract; bonded by `send`ing it to this contract (see [`ReceiveMsg`]).
    Cw20 { address: String },
}

/// An asset accepted as stake, with what a token of it weighs.
#[cw_serde]
pub struct Strategy {
    pub id: u16,
    pub asset: Asset,
    /// Stake weight per token, fixed for the strategy's life: every operator's stake is a sum of
    /// `tokens × weight`, and a weight that moved would move every operator's stake and quorum
    /// share at once. To re-weigh an asset, the admin closes its strategy (cap zero) and adds a new
    /// one; stakers move over at their own pace.
    pub weight: Decimal,
    /// Most tokens bonded in the strategy over all operators; `None`: no cap. Lowering it below
    /// what is bonded refuses new bonds only.
    pub cap: Option<Uint128>,
    /// Tokens bonded in it now (queued withdrawals excluded).
    pub bonded: Uint128,
}

/// An amount of one strategy's asset.
#[cw_serde]
pub struct StrategyAmount {
    pub strategy_id: u16,
    pub amount: Uint128,
}

/// A service the stake can secure: an account allowed to slash the slices allocated to it.
#[cw_serde]
pub struct Service {
    pub id: u32,
    pub name: String,
    pub uri: Option<String>,
    pub slasher: Addr,
    /// Most one slash may take of a slice; fixed at registration, so operators know the worst case
    /// before they allocate.
    pub max_slash_bps: u16,
    /// A new slasher the admin named, and when it takes over.
    pub pending_slasher: Option<PendingSlasher>,
}

#[cw_serde]
pub struct PendingSlasher {
    pub address: Addr,
    /// Twice the withdrawal delay after it was named: operators who distrust it have a whole
    /// withdrawal delay to deallocate, and their slice is released before it can act.
    pub effective_at: Timestamp,
}

impl PendingSlasher {
    pub fn is_effective(&self, now: Timestamp) -> bool {
        self.effective_at <= now
    }
}

impl Service {
    /// Who may slash at `now`.
    pub fn slasher_at(&self, now: Timestamp) -> &Addr {
        match &self.pending_slasher {
            Some(p) if p.is_effective(now) => &p.address,
            _ => &self.slasher,
        }
    }
}

/// An operator's slice of its stake for one service.
#[cw_serde]
pub struct Allocation {
    /// The magnitude that counts now: committee weight, rewards and what can be slashed.
    pub magnitude: Uint64,
    /// A change on its way; one at a time.
    pub pending: Option<AllocationChange>,
}

#[cw_serde]
pub enum AllocationChange {
    /// Counts from `effective_at`; reserved from the operator's free magnitude at once.
    Increase { to: Uint64, effective_at: Timestamp },
    /// No longer counts, but `from` stays slashable (and reserved) until `release_at`.
    Decrease { from: Uint64, release_at: Timestamp },
}

impl Allocation {
    /// What the service can slash at `now`: the counted magnitude, or more while a decrease is
    /// still slashable.
    pub fn slashable(&self, now: Timestamp) -> Uint64 {
        match self.pending {
            Some(AllocationChange::Decrease { from, release_at }) if release_at > now => from,
            _ => self.magnitude,
        }
    }
}

#[cw_serde]
#[derive(Default)]
pub struct OperatorMetadata {
    pub moniker: String,
    pub uri: Option<String>,
}

/// What is bonded to an operator in one strategy: tokens and the shares its delegators hold of
/// them.
///
/// A slash does not touch the pool: it moves the operator's slash factor. Stored, a pool holds its
/// tokens as of its last bond or withdrawal, with the factor then; what it holds now is
/// `tokens × factor now / factor then`, and what the slashes took is sent where slashes go at its
/// next bond or withdrawal, or when anyone collects it (`collected` counts what was). So a slash
/// costs the same however many strategies the operator has. Queries show the pool as of now.
///
/// A slash of everything empties the pool; the `epoch` then moves on so shares from before the
/// slash are worth nothing and new deposits start from a clean pool, without a division by zero or
/// share inflation.
#[cw_serde]
#[derive(Default)]
pub struct Pool {
    pub tokens: Uint128,
    pub shares: Uint256,
    pub epoch: u64,
    /// Delegator rewards per share of this pool, ever growing (reward tokens per share).
    pub reward_per_share: Decimal256,
    /// The operator's factor epoch and slash factor `tokens` is exact at.
    pub factor_epoch: u64,
    pub slash_factor: Decimal256,
    /// Of what slashes took since then, the tokens already sent where slashes go.
    pub collected: Uint128,
    /// `tokens × weight / slash_factor` (rounded up), fixed at each bond or withdrawal: the pool's
    /// weighted stake as if unslashed, its term in the operator's `stake_units`. Times the
    /// operator's factor now, it is the pool's weighted stake now.
    pub stake_units: Decimal256,
    /// The operator's `reward_per_unit` that `reward_per_share` includes.
    pub reward_per_unit: Decimal256,
}

#[cw_serde]
pub struct Operator {
    pub address: Addr,
    pub commission_bps: u16,
    pub metadata: OperatorMetadata,
    /// The weighted sum of its pools, rounded down once: `stake_units × slash_factor`.
    pub stake: Uint128,
    /// The sum of its pools' `stake_units`: weighted tokens over the slash factor they were
    /// bonded at, so a slash moves the factor alone and every pool's share of the stake stays.
    pub stake_units: Decimal256,
    /// Rewards paid to its pools per stake unit, ever growing; a pool takes its part when touched.
    pub reward_per_unit: Decimal256,
    /// The magnitude of the whole pool: [`WHOLE_STAKE`] less every slice slashed since the last
    /// full slash. A slice of magnitude `m` is `m / max_magnitude` of every pool.
    pub max_magnitude: Uint64,
    /// Allocated, pending or still slashable after a decrease; never above `max_magnitude`.
    pub encumbered_magnitude: Uint64,
    /// Services with an allocation (counted or pending) to them.
    pub allocations: u32,
    /// Product of `(1 - bps/10000)` over the slashes of the current factor epoch; queued
    /// withdrawals are paid in proportion to how it moved while they waited.
    pub slash_factor: Decimal256,
    /// Moves on after a 100% slash, which leaves the factor at zero.
    pub factor_epoch: u64,
    pub slash_count: u64,
}

/// A staker's bond to its one operator, a position per strategy.
#[cw_serde]
pub struct Delegation {
    pub staker: Addr,
    pub operator: Addr,
    /// At most [`MAX_STRATEGIES`], by strategy id.
    pub positions: Vec<Position>,
}

/// Shares of the operator's pool of one strategy.
#[cw_serde]
pub struct Position {
    pub strategy_id: u16,
    pub shares: Uint256,
    /// The pool epoch the shares belong to; shares of an older epoch were slashed away.
    pub epoch: u64,
    /// The pool's `reward_per_share` this position has been credited up to.
    pub reward_index: Decimal256,
}

#[cw_serde]
pub struct Withdrawal {
    pub id: u64,
    pub staker: Addr,
    pub operator: Addr,
    pub strategy_id: u16,
    /// Tokens as undelegated, before any slash during the delay.
    pub amount: Uint128,
    pub factor_epoch: u64,
    pub factor_at_creation: Decimal256,
    pub created_at: Timestamp,
    pub release_at: Timestamp,
}

/// A delegation moved to another operator, still answerable for the old operator's faults until
/// `release_at`: what the old operator's slashes before then take of the moved amounts is taken
/// from the staker's positions at the new operator when the redelegation is settled.
#[cw_serde]
pub struct Redelegation {
    pub staker: Addr,
    pub from: Addr,
    pub to: Addr,
    /// What was moved of each strategy, before any slash of `from` during the delay; it cannot be
    /// undelegated until the redelegation is settled.
    pub amounts: Vec<StrategyAmount>,
    pub factor_epoch: u64,
    pub factor_at_creation: Decimal256,
    pub created_at: Timestamp,
    pub release_at: Timestamp,
}

#[cw_serde]
pub struct SlashRecord {
    pub service_id: u32,
    pub operator: Addr,
    pub claim_id: u64,
    pub bps: u16,
    pub reason: String,
    pub height: u64,
    pub time: Timestamp,
    /// The height whose stake the fault put at risk (the claim's snapshot height).
    pub snapshot_height: u64,
    /// The stake allocated to the service at `snapshot_height`.
    pub stake_at_snapshot: Uint128,
    /// The magnitude cut from the slice: `bps` of it, scaled down when the slice has grown since
    /// the snapshot, so stake that joined later does not pay for more than was at risk.
    pub magnitude: Uint64,
    /// The part of the operator's whole stake that was cut (`magnitude / max_magnitude`).
    pub fraction: Decimal256,
    /// The weighted stake the cut took from the bonded pools. Each pool's tokens are taken when
    /// it is next touched or `CollectSlashed`; queued withdrawals lose their part when they
    /// complete.
    pub stake_slashed: Uint128,
}

#[cw_serde]
pub enum ExecuteMsg {
    RegisterOperator {
        commission_bps: u16,
        metadata: OperatorMetadata,
    },
    UpdateOperator {
        commission_bps: Option<u16>,
        metadata: Option<OperatorMetadata>,
    },
    /// Operator: allocate `bps` of its stake (of `max_magnitude`) to a service; all allocations
    /// together at most 10000. An increase counts after the allocation delay (see
    /// `ApplyAllocations`); a decrease stops counting at once and stays slashable for the
    /// withdrawal delay. Anything above zero needs the minimum self-bond.
    SetAllocation { service_id: u32, bps: u16 },
    /// Anyone: make the operator's increases whose delay has passed count, and release decreases
    /// past their release time.
    ApplyAllocations { operator: String },
    /// Bond the attached funds, one coin of a native strategy's denom, to `operator`. A staker
    /// delegates to one operator at a time; moving to another goes through a withdrawal.
    Delegate { operator: String },
    /// A cw20 strategy's token contract, on a `send` to this contract: bonds the tokens sent as
    /// the message in it ([`ReceiveMsg`]) says.
    Receive(crate::cw20::Cw20ReceiveMsg),
    /// Queue `amount` of the sender's bond in a strategy for withdrawal after the delay.
    Undelegate { strategy_id: u16, amount: Uint128 },
    /// Move the sender's whole delegation to another operator at once, without a withdrawal. The
    /// moved stake counts for the new operator from this block, stays answerable for the old
    /// operator's faults for the withdrawal delay, and cannot be undelegated until then. One
    /// redelegation at a time.
    Redelegate { operator: String },
    /// Anyone, after its release time: take what the old operator's slashes cost a staker's
    /// redelegation out of its positions at the new operator, and end it. The staker's own next
    /// `Undelegate` or `Redelegate` does the same.
    SettleRedelegation { staker: String },
    /// Anyone: send what the operator's slashes took of its pool in a strategy where slashes go.
    /// A pool's slashed tokens are also sent whenever it is next bonded to or withdrawn from.
    CollectSlashed { operator: String, strategy_id: u16 },
    /// Pay out released withdrawals, oldest first, at most `limit` (capped) of them.
    CompleteWithdrawals { limit: Option<u32> },
    /// The service's slasher only: cut `bps` of the stake the operator allocated to the service at
    /// `snapshot_height` (the claim's snapshot; `None`: the slice now) for claim `claim_id`, once
    /// per service and claim. The cut is taken in proportion from the bonded pool and from
    /// withdrawals queued before it, and is never more than `bps` of the slice at risk now.
    Slash {
        service_id: u32,
        operator: String,
        bps: u16,
        claim_id: u64,
        reason: String,
        snapshot_height: Option<u64>,
    },
    /// The service's slasher only: remove the operator from the service without a slash (after
    /// repeated no-shows, say). Its slice stops counting at once and a pending increase is
    /// cancelled; what counted stays slashable for the withdrawal delay, as after a decrease, and
    /// the operator can allocate to the service again only once that is released.
    Eject {
        service_id: u32,
        operator: String,
        reason: String,
    },
    /// Admin only. The id is in the `service_id` event attribute.
    RegisterService {
        name: String,
        uri: Option<String>,
        slasher: String,
        max_slash_bps: u16,
    },
    /// Admin only: accept an asset as stake. The id is in the `strategy_id` event attribute.
    AddStrategy {
        asset: Asset,
        weight: Decimal,
        cap: Option<Uint128>,
    },
    /// Admin only: set a strategy's cap (`None`: no cap; zero closes it to new bonds).
    SetStrategyCap {
        strategy_id: u16,
        cap: Option<Uint128>,
    },
    /// Admin only. A new slasher takes over twice the withdrawal delay later.
    UpdateService {
        service_id: u32,
        name: Option<String>,
        uri: Option<String>,
        slasher: Option<String>,
    },
    /// Pay the attached reward-denom funds as rewards to an operator; its commission comes first,
    /// the rest goes to its pools by their weighted stake.
    DistributeRewards { operator: String },
    /// Pay out the sender's rewards: as a delegator, and as an operator its commission.
    ClaimRewards {},
    /// Admin only; `None` leaves the contract without one for good.
    UpdateAdmin { admin: Option<String> },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    #[returns(AdminResponse)]
    Admin {},
    #[returns(Service)]
    Service { id: u32 },
    #[returns(ServicesResponse)]
    Services {
        start_after: Option<u32>,
        limit: Option<u32>,
    },
    #[returns(StrategiesResponse)]
    Strategies {},
    #[returns(Operator)]
    Operator { address: String },
    /// The operator's pools, by strategy id.
    #[returns(PoolsResponse)]
    Pools { operator: String },
    #[returns(OperatorsResponse)]
    Operators {
        start_after: Option<String>,
        limit: Option<u32>,
    },
    #[returns(DelegationResponse)]
    Delegation { staker: String },
    /// The operator's (weighted) stake at the start of block `height`.
    #[returns(StakeResponse)]
    OperatorStakeAt { operator: String, height: u64 },
    /// The stake the operator allocated to the service, as counted at the start of block `height`.
    #[returns(StakeResponse)]
    AllocatedStakeAt {
        service_id: u32,
        operator: String,
        height: u64,
    },
    /// The operator's allocations, by service id.
    #[returns(AllocationsResponse)]
    Allocations { operator: String },
    /// Committee candidates of a service: of at most `limit` (capped at [`MAX_CANDIDATE_PAGE`])
    /// operators in address order after `start_after`, those with an allocation counted now, with
    /// their allocated stake at the start of block `height`. `start_after` is a position in
    /// address order and need not be an address, so a caller can start reading at a random point.
    #[returns(CandidatesResponse)]
    CandidatesAt {
        service_id: u32,
        height: u64,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// The staker's redelegation in flight, if any.
    #[returns(RedelegationResponse)]
    Redelegation { staker: String },
    #[returns(WithdrawalsResponse)]
    Withdrawals {
        staker: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    #[returns(SlashesResponse)]
    SlashHistory {
        operator: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Rewards `address` could claim now.
    #[returns(RewardsResponse)]
    PendingRewards { address: String },
}

#[cw_serde]
pub struct RewardsResponse {
    pub rewards: Uint128,
}

#[cw_serde]
pub struct MigrateMsg {}

/// What a cw20 `send` to the staking contract carries in its `msg`.
#[cw_serde]
pub enum ReceiveMsg {
    /// Bond the tokens sent to `operator`, on behalf of the account that sent them.
    Delegate { operator: String },
}

#[cw_serde]
pub struct RedelegationResponse {
    pub redelegation: Option<Redelegation>,
    /// What the old operator's slashes have taken of each moved amount so far.
    pub owed: Vec<StrategyAmount>,
    pub released: bool,
}

#[cw_serde]
pub struct StrategiesResponse {
    pub strategies: Vec<Strategy>,
}

#[cw_serde]
pub struct PoolView {
    pub strategy_id: u16,
    /// As of now: the operator's slashes since it was last touched taken.
    pub pool: Pool,
    /// Tokens those slashes took that the contract still holds, until `CollectSlashed` or the
    /// pool's next bond or withdrawal sends them where slashes go.
    pub slashed_uncollected: Uint128,
}

#[cw_serde]
pub struct PoolsResponse {
    pub pools: Vec<PoolView>,
}

#[cw_serde]
pub struct ServicesResponse {
    pub services: Vec<Service>,
}

#[cw_serde]
pub struct AllocationView {
    pub service_id: u32,
    pub allocation: Allocation,
    /// The stake the counted magnitude stands for now.
    pub stake: Uint128,
}

#[cw_serde]
pub struct AllocationsResponse {
    pub allocations: Vec<AllocationView>,
}

/// An operator that may sit on a committee, with the stake it is weighted by.
#[cw_serde]
pub struct Candidate {
    pub operator: Addr,
    pub stake: Uint128,
}

#[cw_serde]
pub struct CandidatesResponse {
    pub candidates: Vec<Candidate>,
    /// Where the next page starts; `None` when the end of the operator list was reached.
    pub next: Option<String>,
}

#[cw_serde]
pub struct OperatorsResponse {
    pub operators: Vec<Operator>,
}

#[cw_serde]
pub struct DelegationResponse {
    pub delegation: Option<Delegation>,
    /// What each position's shares are worth now, after every slash so far, by strategy id.
    pub values: Vec<StrategyAmount>,
    /// The weighted sum of those values.
    pub stake: Uint128,
}

#[cw_serde]
pub struct StakeResponse {
    pub stake: Uint128,
}

/// A queued withdrawal with what it would pay if completed now.
#[cw_serde]
pub struct WithdrawalView {
    pub withdrawal: Withdrawal,
    pub payable: Uint128,
    pub released: bool,
}

#[cw_serde]
pub struct WithdrawalsResponse {
    pub withdrawals: Vec<WithdrawalView>,
}

#[cw_serde]
pub struct SlashesResponse {
    pub slashes: Vec<SlashRecord>,
}

/// Keys of the `wasm` event attributes clients read from the staking contract's transactions.
pub mod events {
    /// The claim a slash is for: the same key the consensus contract uses.
    pub const CLAIM_ID: &str = crate::consensus::events::CLAIM_ID;
    /// The id `RegisterService` gave the new service.
    pub const SERVICE_ID: &str = "service_id";
    /// The id `AddStrategy` gave the new strategy.
    pub const STRATEGY_ID: &str = "strategy_id";
}
