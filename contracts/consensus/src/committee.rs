//! Drawing a committee: operators opted in to the service, weighted by their stake at a snapshot
//! height, sampled without replacement.
//!
//! Randomness and its trust assumption: a chain has no private randomness, so the draw is seeded by
//! [`SEED`], which every reveal mixes with the revealed salt. Salts are secret until revealed and
//! chosen by operators, so nobody who is not revealing can steer the seed, and the claimant cannot
//! choose it. The claimant can read the current seed, though, and so can tell which committee a
//! claim submitted now would get; it could wait for a seed that draws colluding operators. What
//! limits that: a claim needs a quorum of committee stake, so grinding needs colluders holding
//! most of the sampled stake; the seed moves with every reveal, beyond the claimant's control;
//! and a dispute re-draws a larger committee from a later seed. A chain with a randomness beacon
//! (drand, or a VRF in the block header) should mix it in here.
//!
//! Cost: one page of at most `max_candidates` operators is read from the staking contract, starting
//! at a point in address order picked by the seed (wrapping round once). With more operators than
//! that, each draw sees a window of the set, and every operator is equally likely to fall in it.

use cosmwasm_std::{Addr, Deps, QuerierWrapper, StdResult, Uint128};
use poi_types::consensus::{Config, Member};
use poi_types::staking::{Candidate, CandidatesResponse, QueryMsg as StakingQuery};
use sha2::{Digest, Sha256};

use crate::ContractError;
use crate::state::SEED;

/// The characters of a bech32 address after its separator.
const BECH32_CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// The seed for one draw: the shared seed, mixed with what makes this draw unique.
pub fn draw_seed(deps: Deps, claim_id: u64, round: u8, height: u64) -> StdResult<[u8; 32]> {
    let seed = SEED.load(deps.storage)?;
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update(claim_id.to_be_bytes());
    hasher.update([round]);
    hasher.update(height.to_be_bytes());
    Ok(hasher.finalize().into())
}

/// Mixes a revealed salt into the shared seed.
pub fn mix_into_seed(
    storage: &mut dyn cosmwasm_std::Storage,
    operator: &Addr,
    salt: &[u8],
) -> StdResult<()> {
    let seed = SEED.load(storage)?;
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update(operator.as_bytes());
    hasher.update(salt);
    SEED.save(storage, &hasher.finalize().into())
}

/// A uniform number below `bound` (> 0) from the seed and a counter.
fn random_below(seed: &[u8; 32], counter: u32, bound: u128) -> u128 {
    let digest = Sha256::new()
        .chain_update(seed)
        .chain_update(counter.to_be_bytes())
        .finalize();
    // 128 random bits reduced modulo the bound: biased by at most bound / 2^128, nothing for any
    // real total stake.
    u128::from_be_bytes(digest[..16].try_into().expect("16 bytes")) % bound
}

/// Samples up to `size` candidates without replacement, each pick weighted by stake.
pub fn sample(mut candidates: Vec<Candidate>, size: usize, seed: &[u8; 32]) -> Vec<Member> {
    let mut total: u128 = candidates.iter().map(|c| c.stake.u128()).sum();
    let mut members = Vec::with_capacity(size.min(candidates.len()));
    let mut counter = 0u32;
    while members.len() < size && total > 0 {
        let mut ticket = random_below(seed, counter, total);
        counter += 1;
        let index = candidates
            .iter()
            .position(|c| {
                let stake = c.stake.u128();
                if ticket < stake {
                    true
                } else {
                    ticket -= stake;
                    false
                }
            })
            .expect("the ticket is below the total stake");
        let picked = candidates.swap_remove(index);
        total -= picked.stake.u128();
        members.push(Member {
            operator: picked.operator,
            stake: picked.stake,
        });
    }
    // Address order, so committees read the same whatever order the draw picked them in.
    members.sort_by(|a, b| a.operator.cmp(&b.operator));
    members
}

/// A point in address order picked by the seed: the human-readable part of `like`, then random
/// bech32 characters, which spread the same way as the characters of real addresses.
fn start_point(like: &Addr, seed: &[u8; 32]) -> String {
    let hrp_end = like.as_str().rfind('1').map_or(0, |i| i + 1);
    let mut point = like.as_str()[..hrp_end].to_string();
    point.extend(
        seed[..8]
            .iter()
            .map(|b| char::from(BECH32_CHARSET[usize::from(b % 32)])),
    );
    point
}

/// Reads at most `max_candidates` operators with stake allocated to this contract's service at
/// `height`, from a random point in address order, wrapping round once; `excluded` (the claimant,
/// earlier committees) are left out.
pub fn candidates(
    querier: &QuerierWrapper,
    config: &Config,
    height: u64,
    max_candidates: u32,
    seed: &[u8; 32],
    like: &Addr,
    excluded: &[Addr],
) -> StdResult<Vec<Candidate>> {
    let start = start_point(like, seed);
    let page = |start_after: Option<String>| -> StdResult<CandidatesResponse> {
        querier.query_wasm_smart(
            &config.staking,
            &StakingQuery::CandidatesAt {
                service_id: config.service_id,
                height,
                start_after,
                limit: Some(max_candidates),
            },
        )
    };
    let first = page(Some(start.clone()))?;
    let mut found = first.candidates;
    if first.next.is_none() {
        // The end of the list came first: go round to its start, up to where the window began.
        let wrapped = page(None)?;
        found.extend(
            wrapped
                .candidates
                .into_iter()
                .filter(|c| c.operator.as_str() <= start.as_str()),
        );
    }
    found.retain(|c| !excluded.contains(&c.operator));
    found.truncate(max_candidates as usize);
    Ok(found)
}

/// Draws a committee of `size` for a round of a claim.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    deps: Deps,
    config: &Config,
    claim_id: u64,
    round: u8,
    height: u64,
    size: u32,
    max_candidates: u32,
    excluded: &[Addr],
) -> Result<Vec<Member>, ContractError> {
    let seed = draw_seed(deps, claim_id, round, height)?;
    let like = excluded
        .first()
        .cloned()
        .unwrap_or_else(|| config.staking.clone());
    let pool = candidates(
        &deps.querier,
        config,
        height,
        max_candidates,
        &seed,
        &like,
        excluded,
    )?;
    let members = sample(pool, size as usize, &seed);
    if members.is_empty() {
        return Err(ContractError::NoCandidates);
    }
    Ok(members)
}

/// Total stake of a committee.
pub fn stake_of(members: &[Member]) -> Uint128 {
    members.iter().map(|m| m.stake).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(name: &str, stake: u128) -> Candidate {
        Candidate {
            operator: Addr::unchecked(name),
            stake: Uint128::new(stake),
        }
    }

    #[test]
    fn a_draw_never_picks_anyone_twice_and_stops_when_candidates_run_out() {
        let pool = vec![candidate("a", 5), candidate("b", 1), candidate("c", 9)];
        let members = sample(pool, 10, &[7; 32]);
        let names: Vec<&str> = members.iter().map(|m| m.operator.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn picks_follow_stake() {
        // Over many seeds, an operator with 9x the stake sits alone on a one-seat committee
        // about 9x as often.
        let mut heavy = 0;
        for i in 0..2_000u32 {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_be_bytes());
            let pool = vec![candidate("light", 100), candidate("heavy", 900)];
            if sample(pool, 1, &seed)[0].operator.as_str() == "heavy" {
                heavy += 1;
            }
        }
        assert!(
            (1_700..=1_900).contains(&heavy),
            "heavy picked {heavy} of 2000"
        );
    }

    #[test]
    fn the_start_point_keeps_the_addresses_prefix() {
        let point = start_point(&Addr::unchecked("wasm1abcdef"), &[3; 32]);
        assert!(point.starts_with("wasm1") && point.len() == 13);
    }

    #[test]
    fn random_numbers_stay_below_their_bound() {
        for bound in [1u128, 2, 3, 1_000, u128::MAX] {
            for counter in 0..50 {
                assert!(random_below(&[9; 32], counter, bound) < bound);
            }
        }
    }
}
