//! The keys the light client proves are the keys the contracts write: computed here and by
//! cw-storage-plus on the contracts' own maps.

use cosmwasm_std::Addr;
use poi_light_client::records::RecordKey;
use poi_light_client::storage_key::{canonical_address, contract_store_key};

#[test]
fn registry_keys_match_the_registry_contract() {
    for id in [0u64, 1, 255, 256, u64::MAX] {
        assert_eq!(
            RecordKey::Asset(id).storage_key(),
            poi_registry::state::assets().key(id).to_vec()
        );
    }
    let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    assert_eq!(
        RecordKey::Verifier(hash.into()).storage_key(),
        poi_registry::state::VERIFIERS.key(hash).to_vec()
    );
}

#[test]
fn consensus_keys_match_the_consensus_contract() {
    use poi_consensus::state::{BALLOTS, COMMITTEES, NEXT_CLAIM_ID, SETTLEMENTS, claims};
    assert_eq!(
        RecordKey::NextClaimId.storage_key(),
        NEXT_CLAIM_ID.as_slice().to_vec()
    );
    let operator =
        Addr::unchecked("wasm1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7nad0vhyhtuhw3sqaa3c5");
    for (claim, round) in [(1u64, 1u8), (42, 2), (u64::MAX, 255)] {
        assert_eq!(
            RecordKey::Claim(claim).storage_key(),
            claims().key(claim).to_vec()
        );
        assert_eq!(
            RecordKey::Committee { claim, round }.storage_key(),
            COMMITTEES.key((claim, round)).to_vec()
        );
        assert_eq!(
            RecordKey::Ballot {
                claim,
                round,
                operator: operator.to_string()
            }
            .storage_key(),
            BALLOTS.key((claim, round, &operator)).to_vec()
        );
        assert_eq!(
            RecordKey::Settlement(claim).storage_key(),
            SETTLEMENTS.key(claim).to_vec()
        );
    }
}

#[test]
fn wasm_store_keys_prefix_the_canonical_contract_address() {
    let contract = "wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s0phg4d";
    let canonical = canonical_address(contract).unwrap();
    assert_eq!(canonical.len(), 32);
    let key = contract_store_key(&canonical, b"claims");
    assert_eq!(key[0], 0x03);
    assert_eq!(&key[1..33], canonical.as_slice());
    assert_eq!(&key[33..], b"claims");
    assert!(canonical_address("wasm1notbech32").is_err());
}
