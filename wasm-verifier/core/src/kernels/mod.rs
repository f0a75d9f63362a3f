//! Kernels the verifier adds to tract-linalg for its wasm build, through tract's public extension
//! points: the matrix tile is an `MmmRoutine`, with one `MmmTier` above tract's own wasm tier
//! saying which queries it takes; the binary arithmetic kernels are `Routine`s, which tract's
//! registry prefers to its generic ones. Native builds have none of this and run tract's own
//! kernels.
//!
//! A kernel here must compute exactly what tract's kernels compute, value for value: for a
//! matrix product, per output element, the products added in `k` order with a separate multiply
//! and add (simd128 has no fused multiply-add, and relaxed-simd's is not deterministic); for an
//! element-wise operation, the same operation on the same operands. The tile shape and the
//! number of values per loop step change only which values are computed together, so hashes do
//! not change with them.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod bin_f32;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod mmm_f32_4x8;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod tier {
    use tract_linalg::isa::{Arch, IsaSet};
    use tract_linalg::mmm::{Query, Suitable};
    use tract_linalg::mmm_routines::MmmRoutine;
    use tract_linalg::mmm_tiers::MmmTier;
    use tract_onnx::prelude::DatumType;

    use super::mmm_f32_4x8;

    inventory::submit! {
        MmmRoutine { make: || mmm_f32_4x8::KERNEL.mmm() }
    }

    /// f32 matrix products (not matrix-vector ones, which tract's GEMV kernels do well) go to
    /// the 4x8 tile; everything else is left to tract's wasm tier below.
    fn preferred(
        _isa: &IsaSet,
        accumulator: DatumType,
        query: &Query,
        _suitable: &[Suitable],
    ) -> Option<&'static str> {
        match (accumulator, query.n) {
            (DatumType::F32, Some(1)) => None,
            (DatumType::F32, _) => Some(mmm_f32_4x8::NAME),
            _ => None,
        }
    }

    inventory::submit! {
        MmmTier {
            arch: Some(Arch::Wasm32Simd128),
            // Above tract's own wasm tier (1), which it defers to for the rest.
            precedence: 2,
            name: "poi-wasm-x86-friendly",
            applies: |_| true,
            preferred,
        }
    }
}
