//! `Det` (opset 11 on): the determinant of each square matrix in the last two axes, by Gaussian
//! elimination with partial pivoting in f64, rounded to the input's type once.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("Det", det);
}

fn det(
    _ctx: &ParsingContext,
    _node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    Ok((inference_wrap(Det, 1, rules), vec![]))
}

fn rules<'p>(
    _op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    check_input_arity(inputs, 1)?;
    check_output_arity(outputs, 1)?;
    s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
    s.equals(&outputs[0].rank, inputs[0].rank.bex() - 2)?;
    Ok(())
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct Det;

/// The determinant of the `n` x `n` row-major matrix `m`, which it works in.
fn determinant(m: &mut [f64], n: usize) -> f64 {
    let mut det = 1.0;
    for col in 0..n {
        let pivot = (col..n)
            // Compared with partial_cmp, NaNs alike: their sign bit is the CPU's choice.
            .max_by(|&a, &b| {
                let (a, b) = (m[a * n + col].abs(), m[b * n + col].abs());
                a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
            })
            .unwrap_or(col);
        if m[pivot * n + col] == 0.0 {
            return 0.0;
        }
        if pivot != col {
            for k in 0..n {
                m.swap(pivot * n + k, col * n + k);
            }
            det = -det;
        }
        let p = m[col * n + col];
        det *= p;
        for row in col + 1..n {
            let factor = m[row * n + col] / p;
            for k in col..n {
                m[row * n + k] -= factor * m[col * n + k];
            }
        }
    }
    det
}

impl Op for Det {
    fn name(&self) -> StaticName {
        "Det".into()
    }

    op_as_typed_op!();
}

impl EvalOp for Det {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = &inputs[0];
        let dt = input.datum_type();
        let shape = input.shape();
        let rank = shape.len();
        if !dt.is_float() || rank < 2 || shape[rank - 1] != shape[rank - 2] {
            bail!("Det: a {dt:?} tensor of shape {shape:?}, not square float matrices");
        }
        let n = shape[rank - 1];
        let values = input.cast_to::<f64>()?;
        let values = values.try_as_plain_ram()?.as_slice::<f64>()?;
        let dets: Vec<f64> = if n == 0 {
            vec![1.0; shape[..rank - 2].iter().product()]
        } else {
            values
                .chunks(n * n)
                .map(|m| determinant(&mut m.to_vec(), n))
                .collect()
        };
        let output = Tensor::from_shape(&shape[..rank - 2], &dets)?
            .cast_to_dt(dt)?
            .into_owned();
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for Det {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let rank = inputs[0].rank();
        if rank < 2 {
            bail!("Det: an input of rank {rank}");
        }
        Ok(tvec!(
            inputs[0].datum_type.fact(&inputs[0].shape[..rank - 2])
        ))
    }
}
