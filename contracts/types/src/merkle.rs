//! Dataset content hashes: a Merkle root over fixed-size chunks.
//!
//! A dataset is cut into chunks of [`CHUNK_SIZE`] bytes (the last one may be shorter). The tree is the
//! one of RFC 6962 (Certificate Transparency), with its domain separation between leaves and inner
//! nodes so that no inner node can be passed off as a chunk:
//!
//! ```text
//! leaf(chunk)  = sha256(0x00 ‖ chunk)
//! node(l, r)   = sha256(0x01 ‖ l ‖ r)
//! root([x])    = x
//! root(xs)     = node(root(xs[..k]), root(xs[k..]))   k = largest power of two < len(xs)
//! ```
//!
//! An empty dataset is one empty chunk, so its root is `sha256(0x00)`. Because every chunk but the last
//! has the same size, a verifier holding the root can check any one chunk with an inclusion proof of
//! `log2(n)` hashes instead of downloading the whole dataset.

use sha2::{Digest, Sha256};

use crate::ContentHash;

/// Size of every chunk but the last: 1 MiB.
pub const CHUNK_SIZE: usize = 1 << 20;

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// The hash of one chunk as a leaf of the tree.
pub fn leaf_hash(chunk: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(chunk);
    hasher.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// Largest power of two strictly below `n` (for `n >= 2`).
fn split_point(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

fn root_of(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves {
        [] => leaf_hash(&[]),
        [single] => *single,
        _ => {
            let k = split_point(leaves.len());
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// The leaf hashes of `data`, one per chunk.
pub fn leaf_hashes(data: &[u8]) -> Vec<[u8; 32]> {
    if data.is_empty() {
        return vec![leaf_hash(&[])];
    }
    data.chunks(CHUNK_SIZE).map(leaf_hash).collect()
}

/// The content hash of a dataset held in memory.
pub fn dataset_root(data: &[u8]) -> ContentHash {
    ContentHash::from_bytes(root_of(&leaf_hashes(data)))
}

/// Computes a dataset root from a stream of bytes without holding the dataset in memory.
///
/// Only one chunk and one leaf hash per chunk are kept, so a dataset of many gigabytes needs a few
/// megabytes.
#[derive(Default)]
pub struct DatasetHasher {
    leaves: Vec<[u8; 32]>,
    chunk: Vec<u8>,
}

impl DatasetHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = (CHUNK_SIZE - self.chunk.len()).min(bytes.len());
            self.chunk.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.chunk.len() == CHUNK_SIZE {
                self.leaves.push(leaf_hash(&self.chunk));
                self.chunk.clear();
            }
        }
    }

    pub fn finalize(mut self) -> ContentHash {
        // A trailing partial chunk is a leaf; so is the single empty chunk of an empty dataset.
        if !self.chunk.is_empty() || self.leaves.is_empty() {
            self.leaves.push(leaf_hash(&self.chunk));
        }
        ContentHash::from_bytes(root_of(&self.leaves))
    }
}

/// The sibling hashes proving that one chunk belongs to a dataset, leaf to root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    pub index: usize,
    pub leaf_count: usize,
    pub siblings: Vec<[u8; 32]>,
}

/// Proves that chunk `index` is part of the tree over `leaves`; `None` if out of range.
pub fn prove_chunk(leaves: &[[u8; 32]], index: usize) -> Option<InclusionProof> {
    if index >= leaves.len() {
        return None;
    }
    let mut siblings = Vec::new();
    collect_path(leaves, index, &mut siblings);
    Some(InclusionProof {
        index,
        leaf_count: leaves.len(),
        siblings,
    })
}

fn collect_path(leaves: &[[u8; 32]], index: usize, siblings: &mut Vec<[u8; 32]>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split_point(leaves.len());
    if index < k {
        collect_path(&leaves[..k], index, siblings);
        siblings.push(root_of(&leaves[k..]));
    } else {
        collect_path(&leaves[k..], index - k, siblings);
        siblings.push(root_of(&leaves[..k]));
    }
}

/// Checks that `chunk` is chunk `proof.index` of the dataset whose content hash is `root`.
pub fn verify_chunk(root: &ContentHash, chunk: &[u8], proof: &InclusionProof) -> bool {
    if proof.index >= proof.leaf_count {
        return false;
    }
    fold_path(
        leaf_hash(chunk),
        proof.index,
        proof.leaf_count,
        &proof.siblings,
    )
    .is_some_and(|computed| computed == root.to_bytes())
}

/// Rebuilds the root from a leaf and its path, following the same splits as [`root_of`].
fn fold_path(
    leaf: [u8; 32],
    index: usize,
    count: usize,
    siblings: &[[u8; 32]],
) -> Option<[u8; 32]> {
    if count <= 1 {
        return siblings.is_empty().then_some(leaf);
    }
    let (last, rest) = siblings.split_last()?;
    let k = split_point(count);
    if index < k {
        let left = fold_path(leaf, index, k, rest)?;
        Some(node_hash(&left, last))
    } else {
        let right = fold_path(leaf, index - k, count - k, rest)?;
        Some(node_hash(last, &right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn empty_dataset_is_the_leaf_of_an_empty_chunk() {
        assert_eq!(dataset_root(&[]), ContentHash::from_bytes(leaf_hash(&[])));
        assert_eq!(DatasetHasher::new().finalize(), dataset_root(&[]));
    }

    #[test]
    fn single_chunk_root_is_its_leaf_not_its_plain_sha256() {
        let bytes = b"one small dataset";
        assert_eq!(
            dataset_root(bytes),
            ContentHash::from_bytes(leaf_hash(bytes))
        );
        assert_ne!(dataset_root(bytes), ContentHash::digest(bytes));
    }

    #[test]
    fn three_chunks_follow_rfc6962_shape() {
        let bytes = data(2 * CHUNK_SIZE + 5);
        let l: Vec<_> = bytes.chunks(CHUNK_SIZE).map(leaf_hash).collect();
        let expected = node_hash(&node_hash(&l[0], &l[1]), &l[2]);
        assert_eq!(dataset_root(&bytes), ContentHash::from_bytes(expected));
    }

    #[test]
    fn streaming_matches_in_memory_whatever_the_write_sizes() {
        let bytes = data(3 * CHUNK_SIZE + 17);
        for step in [1usize << 12, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 3] {
            let mut hasher = DatasetHasher::new();
            for piece in bytes.chunks(step) {
                hasher.update(piece);
            }
            assert_eq!(hasher.finalize(), dataset_root(&bytes), "step {step}");
        }
    }

    #[test]
    fn every_chunk_proves_and_a_changed_chunk_does_not() {
        for count in 1..=9usize {
            let leaves: Vec<_> = (0..count).map(|i| leaf_hash(&[i as u8])).collect();
            let root = ContentHash::from_bytes(root_of(&leaves));
            for index in 0..count {
                let proof = prove_chunk(&leaves, index).unwrap();
                assert!(
                    verify_chunk(&root, &[index as u8], &proof),
                    "{count}/{index}"
                );
                assert!(!verify_chunk(&root, &[200], &proof));
                let mut moved = proof.clone();
                moved.index = (index + 1) % count;
                if count > 1 {
                    assert!(!verify_chunk(&root, &[index as u8], &moved));
                }
            }
            assert!(prove_chunk(&leaves, count).is_none());
        }
    }
}
