//! An f32 matrix-product tile of 4 rows by 8 columns for wasm simd128.
//!
//! tract's own wasm tile is 8x8: sixteen accumulators, plus two vectors of A and two of B each
//! `k` step. That fits the 32 vector registers of an ARM CPU, but x86 has 16, and there Cranelift
//! and V8 spill accumulators to the stack on every step. This tile keeps eight accumulators, the
//! A vector and the two B vectors live: twelve at most, with room for the splats.
//!
//! The arithmetic is tract's, element for element: `acc + a * b` in `k` order, then the fused
//! operations with the same operand order as tract's wasm kernels.

use std::arch::wasm32::*;
use std::sync::LazyLock;

use tract_linalg::mmm::{DynKernel, FusedKerSpec, FusedSpec};
use tract_linalg::pack::Packing;

pub const NAME: &str = "poi_wasm_f32_4x8";
const MR: usize = 4;

pub static KERNEL: LazyLock<DynKernel<MR, 8, f32>> = LazyLock::new(|| {
    let mut kernel = DynKernel::new(
        NAME,
        kernel,
        f32::packing(MR).align(16),
        f32::packing(8).align(16),
    )
    .with_can_fuse(can_fuse);
    kernel.arch = Some(tract_linalg::isa::Arch::Wasm32Simd128);
    kernel
});

/// The quantisation steps never reach an f32 product; the kernel refuses them rather than guess.
fn can_fuse(spec: &FusedSpec) -> bool {
    !matches!(
        spec,
        FusedSpec::QScale(..) | FusedSpec::RoundingShiftRight(..) | FusedSpec::ShiftLeft(..)
    )
}

/// Row `r` of the tile: columns 0-3 and 4-7.
type Tile = [[v128; 2]; MR];

#[inline(always)]
fn each(tile: &mut Tile, f: impl Fn(usize, usize, v128) -> v128) {
    for (r, row) in tile.iter_mut().enumerate() {
        for (h, acc) in row.iter_mut().enumerate() {
            *acc = f(r, h, *acc);
        }
    }
}

/// Runs one tile's operations; 0 when done, 1 for an operation this kernel does not take.
///
/// # Safety
/// The pointers in `specs` are tract's: packed panels of `k` steps of 4 (A) and 8 (B) values, and
/// tiles and vectors of this kernel's shape.
unsafe fn kernel(specs: &[FusedKerSpec<f32>]) -> isize {
    let zero = f32x4_splat(0.0);
    let mut tile: Tile = [[zero; 2]; MR];
    unsafe {
        for spec in specs {
            match *spec {
                FusedKerSpec::Done => break,
                FusedKerSpec::Clear => tile = [[zero; 2]; MR],
                FusedKerSpec::LoadTile(_col_major, row_major) => {
                    let p = row_major as *const v128;
                    each(&mut tile, |r, h, _| v128_load(p.add(2 * r + h)));
                }
                FusedKerSpec::ScalarMin(s) => {
                    each(&mut tile, |_, _, x| f32x4_min(f32x4_splat(s), x))
                }
                FusedKerSpec::ScalarMax(s) => {
                    each(&mut tile, |_, _, x| f32x4_max(f32x4_splat(s), x))
                }
                FusedKerSpec::ScalarAdd(s) => {
                    each(&mut tile, |_, _, x| f32x4_add(f32x4_splat(s), x))
                }
                FusedKerSpec::ScalarMul(s) => {
                    each(&mut tile, |_, _, x| f32x4_mul(f32x4_splat(s), x))
                }
                FusedKerSpec::ScalarSub(s) => {
                    each(&mut tile, |_, _, x| f32x4_sub(f32x4_splat(s), x))
                }
                FusedKerSpec::ScalarSubF(s) => {
                    each(&mut tile, |_, _, x| f32x4_sub(x, f32x4_splat(s)))
                }
                FusedKerSpec::LeakyRelu(alpha) => each(&mut tile, |_, _, x| {
                    v128_bitselect(x, f32x4_mul(f32x4_splat(alpha), x), f32x4_gt(x, zero))
                }),
                FusedKerSpec::PerRowMin(v) => per_row(&mut tile, v, |s, x| f32x4_min(s, x)),
                FusedKerSpec::PerRowMax(v) => per_row(&mut tile, v, |s, x| f32x4_max(s, x)),
                FusedKerSpec::PerRowAdd(v) => per_row(&mut tile, v, |s, x| f32x4_add(s, x)),
                FusedKerSpec::PerRowMul(v) => per_row(&mut tile, v, |s, x| f32x4_mul(s, x)),
                FusedKerSpec::PerRowSub(v) => per_row(&mut tile, v, |s, x| f32x4_sub(s, x)),
                FusedKerSpec::PerRowSubF(v) => per_row(&mut tile, v, |s, x| f32x4_sub(x, s)),
                FusedKerSpec::PerColMin(v) => per_col(&mut tile, v, |c, x| f32x4_min(c, x)),
                FusedKerSpec::PerColMax(v) => per_col(&mut tile, v, |c, x| f32x4_max(c, x)),
                FusedKerSpec::PerColAdd(v) => per_col(&mut tile, v, |c, x| f32x4_add(c, x)),
                FusedKerSpec::PerColMul(v) => per_col(&mut tile, v, |c, x| f32x4_mul(c, x)),
                FusedKerSpec::PerColSub(v) => per_col(&mut tile, v, |c, x| f32x4_sub(c, x)),
                FusedKerSpec::PerColSubF(v) => per_col(&mut tile, v, |c, x| f32x4_sub(x, c)),
                FusedKerSpec::QScale(..)
                | FusedKerSpec::RoundingShiftRight(..)
                | FusedKerSpec::ShiftLeft(..) => return 1,
                FusedKerSpec::AddUnicast(other) => {
                    if other.item_size != 4 {
                        return 1;
                    }
                    each(&mut tile, |r, h, x| {
                        let row = other.ptr.offset(other.row_byte_stride * r as isize);
                        let at = |c: usize| {
                            *(row.offset(other.col_byte_stride * (4 * h + c) as isize)
                                as *const f32)
                        };
                        f32x4_add(x, f32x4(at(0), at(1), at(2), at(3)))
                    });
                }
                FusedKerSpec::AddRowColProducts(rows, cols) => {
                    let c = [
                        v128_load(cols as *const v128),
                        v128_load(cols.add(4) as *const v128),
                    ];
                    each(&mut tile, |r, h, x| {
                        f32x4_add(x, f32x4_mul(f32x4_splat(*rows.add(r)), c[h]))
                    });
                }
                FusedKerSpec::Store(out) => {
                    if out.item_size != 4 {
                        return 1;
                    }
                    for (r, row) in tile.iter().enumerate() {
                        let row_ptr = out.ptr.offset(out.row_byte_stride * r as isize);
                        for (h, acc) in row.iter().enumerate() {
                            let lanes: [f32; 4] = std::mem::transmute(*acc);
                            for (c, value) in lanes.into_iter().enumerate() {
                                let at = out.col_byte_stride * (4 * h + c) as isize;
                                *(row_ptr.offset(at) as *mut f32) = value;
                            }
                        }
                    }
                }
                FusedKerSpec::AddMatMul {
                    k,
                    pa,
                    pb,
                    packing: _,
                } => add_mat_mul(&mut tile, k, pa as *const v128, pb as *const v128),
            }
        }
    }
    0
}

/// `tile += A · B` over `k` steps: each step one vector of A (a column of 4 rows) and two of B
/// (a row of 8 columns).
#[inline(always)]
unsafe fn add_mat_mul(tile: &mut Tile, k: usize, a: *const v128, b: *const v128) {
    let [
        [mut r0lo, mut r0hi],
        [mut r1lo, mut r1hi],
        [mut r2lo, mut r2hi],
        [mut r3lo, mut r3hi],
    ] = *tile;
    for i in 0..k {
        let (column, lo, hi) = unsafe {
            (
                v128_load(a.add(i)),
                v128_load(b.add(2 * i)),
                v128_load(b.add(2 * i + 1)),
            )
        };
        let s = i32x4_shuffle::<0, 0, 0, 0>(column, column);
        r0lo = f32x4_add(r0lo, f32x4_mul(s, lo));
        r0hi = f32x4_add(r0hi, f32x4_mul(s, hi));
        let s = i32x4_shuffle::<1, 1, 1, 1>(column, column);
        r1lo = f32x4_add(r1lo, f32x4_mul(s, lo));
        r1hi = f32x4_add(r1hi, f32x4_mul(s, hi));
        let s = i32x4_shuffle::<2, 2, 2, 2>(column, column);
        r2lo = f32x4_add(r2lo, f32x4_mul(s, lo));
        r2hi = f32x4_add(r2hi, f32x4_mul(s, hi));
        let s = i32x4_shuffle::<3, 3, 3, 3>(column, column);
        r3lo = f32x4_add(r3lo, f32x4_mul(s, lo));
        r3hi = f32x4_add(r3hi, f32x4_mul(s, hi));
    }
    *tile = [[r0lo, r0hi], [r1lo, r1hi], [r2lo, r2hi], [r3lo, r3hi]];
}

#[inline(always)]
unsafe fn per_row(tile: &mut Tile, values: *const f32, op: impl Fn(v128, v128) -> v128) {
    each(tile, |r, _, x| {
        op(f32x4_splat(unsafe { *values.add(r) }), x)
    });
}

#[inline(always)]
unsafe fn per_col(tile: &mut Tile, values: *const f32, op: impl Fn(v128, v128) -> v128) {
    let c = unsafe {
        [
            v128_load(values as *const v128),
            v128_load(values.add(4) as *const v128),
        ]
    };
    each(tile, |_, h, x| op(c[h], x));
}
