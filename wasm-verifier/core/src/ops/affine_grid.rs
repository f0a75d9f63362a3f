//! `AffineGrid` (opset 20): the sampling grid of a batch of affine maps, for `GridSample`. Each
//! output point is `theta` times the homogeneous coordinates of a point of the normalised
//! [-1, 1] grid of the given size (pixel centres, or corners with `align_corners`). Computed in
//! f64; the size is an input, so the model is typed for its value.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::{coordinates, known_shapes};

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("AffineGrid", affine_grid);
}

fn affine_grid(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let align_corners = node.get_attr_opt::<i64>("align_corners")?.unwrap_or(0) == 1;
    Ok((
        inference_wrap(AffineGrid { align_corners }, 1, rules),
        vec![],
    ))
}

fn rules<'p>(
    _op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    check_input_arity(inputs, 2)?;
    check_output_arity(outputs, 1)?;
    s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
    s.equals(&inputs[0].rank, 3)?;
    s.equals(&inputs[1].rank, 1)?;
    Ok(())
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct AffineGrid {
    align_corners: bool,
}

impl AffineGrid {
    /// The spatial sizes (h, w) or (d, h, w) of `size`, checked against `theta`'s shape.
    fn spatial(&self, theta: &[usize], size: &Tensor) -> TractResult<Vec<usize>> {
        let size = size.cast_to::<i64>()?;
        let size = size.try_as_plain_ram()?.as_slice::<i64>()?;
        let dims: Vec<usize> = size
            .iter()
            .map(|&d| usize::try_from(d).with_context(|| format!("AffineGrid: size {size:?}")))
            .collect::<TractResult<_>>()?;
        let n = dims.len().saturating_sub(2);
        if !(n == 2 || n == 3) || theta != [dims[0], n, n + 1] {
            bail!("AffineGrid: theta {theta:?} for size {size:?}");
        }
        Ok(dims[2..].to_vec())
    }

    /// The normalised coordinate of position `i` of `len`.
    fn coordinate(&self, i: usize, len: usize) -> f64 {
        if self.align_corners {
            if len == 1 {
                -1.0
            } else {
                -1.0 + 2.0 * i as f64 / (len - 1) as f64
            }
        } else {
            -1.0 + (2 * i + 1) as f64 / len as f64
        }
    }
}

impl Op for AffineGrid {
    fn name(&self) -> StaticName {
        "AffineGrid".into()
    }

    op_as_typed_op!();
}

impl EvalOp for AffineGrid {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let dt = inputs[0].datum_type();
        if !dt.is_float() {
            bail!("AffineGrid: {dt:?} theta");
        }
        let spatial = self.spatial(inputs[0].shape(), &inputs[1])?;
        let n = spatial.len();
        let batch = inputs[0].shape()[0];
        let theta = inputs[0].cast_to::<f64>()?;
        let theta = theta.try_as_plain_ram()?.as_slice::<f64>()?;
        let points: usize = spatial.iter().product();
        let mut grid: Vec<f64> = Vec::with_capacity(batch * points * n);
        for b in 0..batch {
            let theta = &theta[b * n * (n + 1)..][..n * (n + 1)];
            for p in 0..points {
                let at = coordinates(p, &spatial);
                // Homogeneous coordinates, x (the last axis) first.
                let mut point: Vec<f64> = (0..n)
                    .rev()
                    .map(|axis| self.coordinate(at[axis], spatial[axis]))
                    .collect();
                point.push(1.0);
                for row in theta.chunks(n + 1) {
                    grid.push(row.iter().zip(&point).map(|(t, x)| t * x).sum());
                }
            }
        }
        let mut shape = vec![batch];
        shape.extend(&spatial);
        shape.push(n);
        let output = Tensor::from_shape(&shape, &grid)?
            .cast_to_dt(dt)?
            .into_owned();
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for AffineGrid {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let size = inputs[1]
            .konst
            .as_ref()
            .context("AffineGrid: the size must be known")?;
        let theta = &known_shapes("AffineGrid", &inputs[..1])?[0];
        let spatial = self.spatial(theta, size)?;
        let mut shape: TVec<usize> = tvec![theta[0]];
        shape.extend(spatial.iter().copied());
        shape.push(spatial.len());
        Ok(tvec!(inputs[0].datum_type.fact(shape)))
    }
}
