//! The ONNX operators poi runs beyond tract-onnx's own: each family in one file, each registered
//! here into tract-onnx's op registry, so a model is read exactly as tract would read it except
//! for the operators named below.
//!
//! A family is translated into tract's core ops where that computes what the ONNX standard says
//! (an expansion), and is a small op of its own where it does not. Either way the op reports a bad
//! input (a class index out of range, say) as an error, never a panic, and never reads outside a
//! tensor.

use tract_onnx::model::OnnxOpRegister;

mod affine_grid;
mod attention;
mod binarizer;
mod bitcast;
mod causal_conv;
mod center_crop_pad;
mod col2im;
mod cumulative;
mod det;
mod linear_attention;
mod loss;
mod lp_pool;
mod optional;
mod quantize;
mod sequence;
mod tfidf;

/// tract-onnx's framework with poi's operators registered into it.
pub fn onnx() -> tract_onnx::Onnx {
    let mut onnx = tract_onnx::onnx();
    register(&mut onnx.op_register);
    onnx
}

fn register(registry: &mut OnnxOpRegister) {
    affine_grid::register(registry);
    attention::register(registry);
    binarizer::register(registry);
    bitcast::register(registry);
    causal_conv::register(registry);
    center_crop_pad::register(registry);
    col2im::register(registry);
    cumulative::register(registry);
    det::register(registry);
    linear_attention::register(registry);
    loss::register(registry);
    lp_pool::register(registry);
    optional::register(registry);
    quantize::register(registry);
    sequence::register(registry);
    tfidf::register(registry);
}

/// The shapes of an op's typed inputs, which an op sizing its outputs from them needs known (they
/// are: the verifier types a model for its inputs' shapes).
fn known_shapes(
    op: &str,
    inputs: &[&tract_onnx::prelude::TypedFact],
) -> tract_onnx::prelude::TractResult<Vec<tract_onnx::prelude::TVec<usize>>> {
    use tract_onnx::tract_hir::internal::*;
    inputs
        .iter()
        .map(|f| {
            let shape = f.shape.as_concrete();
            Ok(shape
                .with_context(|| format!("{op}: input shapes must be known"))?
                .into())
        })
        .collect()
}

/// A tensor of `shape`, of `input`'s element type, whose element `i` (in row-major order) is
/// `input`'s element `from(i)`, or zero where `from` gives none: the data movement of reversals,
/// crops and pads, written once. Copies bytes, so it takes only plain element types.
fn gathered(
    input: &tract_onnx::prelude::Tensor,
    shape: &[usize],
    from: impl Fn(usize) -> Option<usize>,
) -> tract_onnx::prelude::TractResult<tract_onnx::prelude::Tensor> {
    use tract_onnx::prelude::*;
    let dt = input.datum_type();
    if !dt.is_copy() {
        tract_onnx::tract_hir::internal::bail!("{dt:?} elements cannot be moved as bytes");
    }
    let size = dt.size_of();
    let mut output = Tensor::zero_dt(dt, shape)?;
    let source = input.as_bytes();
    let target = output.as_bytes_mut();
    for (i, element) in target.chunks_exact_mut(size).enumerate() {
        if let Some(j) = from(i) {
            element.copy_from_slice(&source[j * size..][..size]);
        }
    }
    Ok(output)
}

/// `index` (row-major, in `shape`) as coordinates.
fn coordinates(mut index: usize, shape: &[usize]) -> Vec<usize> {
    let mut coords = vec![0; shape.len()];
    for (c, &d) in coords.iter_mut().zip(shape).rev() {
        *c = index % d;
        index /= d;
    }
    coords
}

/// The row-major index of `coords` in `shape`.
fn flat(coords: &[usize], shape: &[usize]) -> usize {
    coords.iter().zip(shape).fold(0, |i, (&c, &d)| i * d + c)
}
