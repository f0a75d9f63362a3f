//! What a model may cost. Checked before running, so a hostile model is refused instead of
//! exhausting the operator or the browser that runs it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_model_bytes: u64,
    pub max_nodes: u64,
    /// Largest number of elements any input, intermediate or output tensor may hold.
    pub max_tensor_elements: u64,
    /// Largest estimated number of multiply-adds of one run.
    pub max_flops: u64,
}

impl Default for Limits {
    /// Generous for the models poi targets (classifiers, small vision and text models) and well
    /// inside a 4 GiB wasm32 memory.
    fn default() -> Self {
        Limits {
            max_model_bytes: 256 << 20,
            max_nodes: 20_000,
            max_tensor_elements: 64 << 20,
            max_flops: 50_000_000_000,
        }
    }
}

/// The number of elements a tensor of `shape` is charged against `max_tensor_elements`: the
/// product of its axes, with an axis of size 0 counted as 1.
///
/// An empty axis empties the tensor, but the other axes must still be sizes we would accept:
/// tract sizes buffers and walks shapes axis by axis, and an absurd axis beside an empty one has
/// made it overflow and panic (an input, found by the request_decoding fuzz target) or spend
/// seconds producing nothing (a `Tile` with a negative repeat, found by model_loading).
pub fn tensor_span(shape: impl IntoIterator<Item = u64>) -> u64 {
    shape
        .into_iter()
        .fold(1u64, |acc, d| acc.saturating_mul(d.max(1)))
}
