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
