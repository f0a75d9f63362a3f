//! The restaking contract: messages and the records it stores.
//!
//! Stakers bond the bond denom to one operator. Each operator's bonded stake is a pool of tokens
//! and shares, so a slash cuts the pool once and every delegator's value follows, however many
//! there are. Undelegating queues a withdrawal that stays slashable until its release time: each
//! operator keeps a cumulative slash factor with its history by time, and a withdrawal is paid
//! `amount × factor(at release) / factor(at creation)` when it completes.

use cosmwasm_schema::{QueryResponses, cw_serde};
use cosmwasm_std::{Addr, Decimal256, Timestamp, Uint128, Uint256};

pub const MAX_COMMISSION_BPS: u16 = 10_000;
pub const MAX_PAGE_LIMIT: u32 = 100;
pub const DEFAULT_PAGE_LIMIT: u32 = 30;
/// Most withdrawals one `complete_withdrawals` pays out.
pub const MAX_WITHDRAWAL_BATCH: u32 = 32;
/// Most operators one `candidates_at` query reads.
pub const MAX_CANDIDATE_PAGE: u32 = 256;

/// Where slashed tokens go.
#[cw_serde]
pub enum SlashDestination {
    Burn {},
    /// For example the community pool's module account, or a treasury.
    Address {
        address: String,
    },
}

#[cw_serde]
pub struct Config {
    pub admin: Option<Addr>,
    pub bond_denom: String,
    /// Seconds between undelegating and being able to withdraw; slashable all that time.
    pub withdrawal_delay: u64,
    /// The only account allowed to slash: the consensus contract, set once it exists.
    pub slasher: Option<Addr>,
    pub max_slash_bps: u16,
    pub min_self_bond: Uint128,
    pub max_open_withdrawals: u32,
    pub slash_destination: SlashDestination,
}

#[cw_serde]
pub struct InstantiateMsg {
    pub admin: Option<String>,
    pub bond_denom: String,
    pub withdrawal_delay: u64,
    pub slasher: Option<String>,
    pub max_slash_bps: u16,
    pub min_self_bond: Uint128,
    pub max_open_withdrawals: u32,
    pub slash_destination: SlashDestination,
}

#[cw_serde]
#[derive(Default)]
pub struct OperatorMetadata {
    pub moniker: String,
    pub uri: Option<String>,
}

/// An operator's bonded stake: tokens and the shares its delegators hold of them.
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
}

#[cw_serde]
pub struct Operator {
    pub address: Addr,
    pub commission_bps: u16,
    pub metadata: OperatorMetadata,
    pub opted_in: bool,
    /// When the operator last opted out; it stays slashable for the withdrawal delay after it.
    pub opted_out_at: Option<Timestamp>,
    pub pool: Pool,
    /// Product of `(1 - bps/10000)` over the slashes of the current factor epoch; queued
    /// withdrawals are paid in proportion to how it moved while they waited.
    pub slash_factor: Decimal256,
    /// Moves on after a 100% slash, which leaves the factor at zero.
    pub factor_epoch: u64,
    pub slash_count: u64,
    /// Delegator rewards per pool share, ever growing (tokens per share).
    pub reward_per_share: Decimal256,
    /// The service-wide reward index this operator has been credited up to.
    pub service_index: Decimal256,
}

#[cw_serde]
pub struct Delegation {
    pub staker: Addr,
    pub operator: Addr,
    pub shares: Uint256,
    /// The pool epoch the shares belong to; shares of an older epoch were slashed away.
    pub epoch: u64,
    /// The operator's `reward_per_share` this delegation has been credited up to.
    pub reward_index: Decimal256,
}

#[cw_serde]
pub struct Withdrawal {
    pub id: u64,
    pub staker: Addr,
    pub operator: Addr,
    /// Tokens as undelegated, before any slash during the delay.
    pub amount: Uint128,
    pub factor_epoch: u64,
    pub factor_at_creation: Decimal256,
    pub created_at: Timestamp,
    pub release_at: Timestamp,
}

#[cw_serde]
pub struct SlashRecord {
    pub operator: Addr,
    pub claim_id: u64,
    pub bps: u16,
    pub reason: String,
    pub height: u64,
    pub time: Timestamp,
    /// The height whose stake the fault put at risk (the claim's snapshot height).
    pub snapshot_height: u64,
    /// The operator's bonded stake at `snapshot_height`.
    pub stake_at_snapshot: Uint128,
    /// The part of everything at risk that was cut: `bps` scaled down when the stake has grown
    /// since the snapshot, so stake that joined later does not pay for more than was at risk.
    pub fraction: Decimal256,
    /// Taken from the bonded pool at once; queued withdrawals lose their part when they complete.
    pub bonded_slashed: Uint128,
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
    /// Start serving poi: the operator's stake counts for committees (needs the minimum self-bond).
    OptIn {},
    /// Stop serving; the stake stays slashable for the withdrawal delay.
    OptOut {},
    /// Bond the attached bond-denom funds to `operator`. A staker delegates to one operator at a
    /// time; moving to another goes through a withdrawal.
    Delegate { operator: String },
    /// Queue `amount` of the sender's bonded stake for withdrawal after the delay.
    Undelegate { amount: Uint128 },
    /// Pay out released withdrawals, oldest first, at most `limit` (capped) of them.
    CompleteWithdrawals { limit: Option<u32> },
    /// Slasher only: cut `bps` of the operator's stake at `snapshot_height` (the claim's snapshot;
    /// `None`: the stake bonded now) for claim `claim_id`, once per claim. The cut is taken in
    /// proportion from the bonded pool and from withdrawals queued before it, and is never more
    /// than `bps` of what is at risk now.
    Slash {
        operator: String,
        bps: u16,
        claim_id: u64,
        reason: String,
        snapshot_height: Option<u64>,
    },
    /// Admin only.
    SetSlasher { slasher: Option<String> },
    /// Pay the attached bond-denom funds as rewards: to one operator's pool, or with `None` to
    /// every opted-in operator in proportion to its stake. The operator's commission comes first.
    DistributeRewards { operator: Option<String> },
    /// Pay out the sender's rewards: as a delegator, and as an operator its commission.
    ClaimRewards {},
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    #[returns(Operator)]
    Operator { address: String },
    #[returns(OperatorsResponse)]
    Operators {
        start_after: Option<String>,
        limit: Option<u32>,
    },
    #[returns(DelegationResponse)]
    Delegation { staker: String },
    /// The operator's bonded stake at the start of block `height`.
    #[returns(StakeResponse)]
    OperatorStakeAt { operator: String, height: u64 },
    /// The bonded stake of all opted-in operators at the start of block `height`.
    #[returns(StakeResponse)]
    ServiceStakeAt { height: u64 },
    /// Committee candidates: of at most `limit` (capped at [`MAX_CANDIDATE_PAGE`]) operators in
    /// address order after `start_after`, those opted in now with stake at the start of block
    /// `height`. `start_after` is a position in address order and need not be an address, so a
    /// caller can start reading at a random point.
    #[returns(CandidatesResponse)]
    CandidatesAt {
        height: u64,
        start_after: Option<String>,
        limit: Option<u32>,
    },
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
    /// What the shares are worth now, after every slash so far.
    pub value: Uint128,
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
}
