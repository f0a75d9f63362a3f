//! f32 addition, multiplication and subtraction, by a scalar and element by element, for wasm
//! simd128: sixteen values per loop step.
//!
//! tract's wasm build runs these through its generic kernels, which its frame calls on blocks
//! of four values, so the loop around each vector operation costs more than the operation (and
//! every loop step pays the host's metering charge). They are most of what the PP-OCR models
//! spend outside matrix products: a batch normalisation folded into a per-channel multiply-add
//! calls the by-scalar kernel once per channel.
//!
//! Each value is the one IEEE operation tract's generic kernels compute, with the same operands
//! in the same order (`a op b`, and `b - a` for `SubF`), so no hash changes. Minimum and maximum
//! stay with tract: their NaN rules are not one wasm instruction.

use std::arch::wasm32::*;

use tract_linalg::BinOp;
use tract_linalg::isa::{Arch, IsaReq};
use tract_linalg::routines::{Func, Routine, RoutineFactory};
use tract_onnx::tract_core::internal::{TensorView, TractResult, ensure};

const ADD: u8 = 0;
const MUL: u8 = 1;
const SUB: u8 = 2;
/// `b - a`: tract's flipped subtraction.
const SUB_F: u8 = 3;

#[inline(always)]
fn lanes<const OP: u8>(a: v128, b: v128) -> v128 {
    match OP {
        ADD => f32x4_add(a, b),
        MUL => f32x4_mul(a, b),
        SUB => f32x4_sub(a, b),
        _ => f32x4_sub(b, a),
    }
}

#[inline(always)]
fn scalar<const OP: u8>(a: f32, b: f32) -> f32 {
    match OP {
        ADD => a + b,
        MUL => a * b,
        SUB => a - b,
        _ => b - a,
    }
}

/// `a[i] = a[i] op s`.
fn by_scalar<const OP: u8>(a: &mut [f32], s: f32) {
    let sv = f32x4_splat(s);
    let mut blocks = a.chunks_exact_mut(16);
    for block in &mut blocks {
        let p = block.as_mut_ptr() as *mut v128;
        // SAFETY: a block is sixteen f32, four v128; wasm loads and stores need no alignment.
        unsafe {
            for j in 0..4 {
                v128_store(p.add(j), lanes::<OP>(v128_load(p.add(j)), sv));
            }
        }
    }
    for x in blocks.into_remainder() {
        *x = scalar::<OP>(*x, s);
    }
}

/// `a[i] = a[i] op b[i]`, `a` and `b` of one length.
fn unicast<const OP: u8>(a: &mut [f32], b: &[f32]) {
    let mut blocks = a.chunks_exact_mut(16);
    let mut others = b.chunks_exact(16);
    for (block, other) in (&mut blocks).zip(&mut others) {
        let p = block.as_mut_ptr() as *mut v128;
        let q = other.as_ptr() as *const v128;
        // SAFETY: both blocks are sixteen f32, four v128; wasm loads and stores need no alignment.
        unsafe {
            for j in 0..4 {
                v128_store(
                    p.add(j),
                    lanes::<OP>(v128_load(p.add(j)), v128_load(q.add(j))),
                );
            }
        }
    }
    for (x, y) in blocks.into_remainder().iter_mut().zip(others.remainder()) {
        *x = scalar::<OP>(*x, *y);
    }
}

fn by_scalar_bin<const OP: u8>() -> Box<tract_linalg::BinFn> {
    Box::new(|a: &mut TensorView, b: &TensorView| -> TractResult<()> {
        let s = b.as_slice::<f32>()?[0];
        by_scalar::<OP>(a.as_slice_mut::<f32>()?, s);
        Ok(())
    })
}

fn unicast_bin<const OP: u8>() -> Box<tract_linalg::BinFn> {
    Box::new(|a: &mut TensorView, b: &TensorView| -> TractResult<()> {
        let b = b.as_slice::<f32>()?;
        let a = a.as_slice_mut::<f32>()?;
        ensure!(a.len() == b.len(), "unicast operands of unequal lengths");
        unicast::<OP>(a, b);
        Ok(())
    })
}

/// The routine for `func`: a wasm kernel, which tract's registry prefers to a generic one.
const fn routine(
    func: Func,
    name: fn() -> &'static str,
    make: fn() -> Box<tract_linalg::BinFn>,
) -> Routine {
    Routine {
        func,
        arch: Some(Arch::Wasm32Simd128),
        isa: IsaReq::ANY,
        boost: 0,
        round_trip: false,
        factory: RoutineFactory::BinF32 { name, make },
    }
}

inventory::submit! { routine(Func::BinByScalar(BinOp::Add), || "poi_wasm_add_by_scalar_f32", by_scalar_bin::<ADD>) }
inventory::submit! { routine(Func::BinByScalar(BinOp::Mul), || "poi_wasm_mul_by_scalar_f32", by_scalar_bin::<MUL>) }
inventory::submit! { routine(Func::BinByScalar(BinOp::Sub), || "poi_wasm_sub_by_scalar_f32", by_scalar_bin::<SUB>) }
inventory::submit! { routine(Func::BinByScalar(BinOp::SubF), || "poi_wasm_subf_by_scalar_f32", by_scalar_bin::<SUB_F>) }
inventory::submit! { routine(Func::BinUnicast(BinOp::Add), || "poi_wasm_add_unicast_f32", unicast_bin::<ADD>) }
inventory::submit! { routine(Func::BinUnicast(BinOp::Mul), || "poi_wasm_mul_unicast_f32", unicast_bin::<MUL>) }
inventory::submit! { routine(Func::BinUnicast(BinOp::Sub), || "poi_wasm_sub_unicast_f32", unicast_bin::<SUB>) }
inventory::submit! { routine(Func::BinUnicast(BinOp::SubF), || "poi_wasm_subf_unicast_f32", unicast_bin::<SUB_F>) }
