//! What a model may cost. Checked before running, so a hostile model is refused instead of
//! exhausting the operator or the browser that runs it.

pub use poi_verifier_abi::Limits;

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
