//! Where x/wasm keeps a contract's storage, and how cw-storage-plus lays out keys in it.
//!
//! x/wasm stores a contract's key `k` under `0x03 ‖ canonical contract address ‖ k` in the `wasm`
//! store. cw-storage-plus builds `k` for a `Map` entry as the length-prefixed namespace, then every
//! key component but the last length-prefixed (two bytes, big-endian), then the last component as
//! is. The tests check these functions against cw-storage-plus itself on the contracts' own maps.

use crate::error::LightClientError;

/// x/wasm's `ContractStorePrefix`.
pub const CONTRACT_STORE_PREFIX: u8 = 0x03;

/// The name of x/wasm's store in the multistore, the key of the second proof.
pub const WASM_STORE: &str = "wasm";

/// The `wasm` store key holding `storage_key` of the contract with canonical address `contract`.
pub fn contract_store_key(contract: &[u8], storage_key: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + contract.len() + storage_key.len());
    key.push(CONTRACT_STORE_PREFIX);
    key.extend_from_slice(contract);
    key.extend_from_slice(storage_key);
    key
}

/// The canonical bytes of a bech32 contract address.
pub fn canonical_address(bech32: &str) -> Result<Vec<u8>, LightClientError> {
    let (_, bytes) = subtle_encoding::bech32::decode(bech32)
        .map_err(|e| LightClientError::malformed("contract address", format!("{bech32}: {e}")))?;
    Ok(bytes)
}

/// A cw-storage-plus `Map` key: `namespace` with key components `components`.
pub fn map_key(namespace: &str, components: &[&[u8]]) -> Vec<u8> {
    let mut key = Vec::new();
    push_length_prefixed(&mut key, namespace.as_bytes());
    if let Some((last, prefixes)) = components.split_last() {
        for component in prefixes {
            push_length_prefixed(&mut key, component);
        }
        key.extend_from_slice(last);
    }
    key
}

/// A cw-storage-plus `Item` key.
pub fn item_key(name: &str) -> Vec<u8> {
    name.as_bytes().to_vec()
}

fn push_length_prefixed(key: &mut Vec<u8>, part: &[u8]) {
    // cw-storage-plus panics on parts over u16::MAX; poi's namespaces and keys are short.
    let len = u16::try_from(part.len()).unwrap_or(u16::MAX);
    key.extend_from_slice(&len.to_be_bytes());
    key.extend_from_slice(part);
}
