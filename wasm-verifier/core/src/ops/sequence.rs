//! Ops on sequences held in a tensor axis: `ReverseSequence` (opset 10 on), which reverses the
//! first `sequence_lens[b]` steps of each batch entry, and `TensorScatter` (opset 24), which
//! writes this step's keys or values into a key/value cache at each batch entry's write index
//! (wrapping around in `circular` mode).

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::{coordinates, flat, gathered};

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("ReverseSequence", reverse_sequence);
    registry.insert("TensorScatter", tensor_scatter);
}

fn axis(node: &NodeProto, name: &str, default: i64) -> TractResult<i64> {
    Ok(node.get_attr_opt::<i64>(name)?.unwrap_or(default))
}

/// `axis` of a rank-`rank` tensor, counted from the end when negative.
fn resolve(axis: i64, rank: usize, what: &str) -> TractResult<usize> {
    let resolved = if axis < 0 { axis + rank as i64 } else { axis };
    usize::try_from(resolved)
        .ok()
        .filter(|a| *a < rank)
        .with_context(|| format!("{what}: axis {axis} of a rank-{rank} tensor"))
}

fn reverse_sequence(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let op = ReverseSequence {
        batch_axis: axis(node, "batch_axis", 1)?,
        time_axis: axis(node, "time_axis", 0)?,
    };
    Ok((inference_wrap(op, 1, same_as_first_input), vec![]))
}

fn tensor_scatter(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let circular = match node.get_attr_opt::<&str>("mode")?.unwrap_or("linear") {
        "linear" => false,
        "circular" => true,
        other => bail!("TensorScatter: unknown mode {other:?}"),
    };
    let op = TensorScatter {
        axis: axis(node, "axis", -2)?,
        circular,
    };
    Ok((inference_wrap(op, 1, same_as_first_input), vec![]))
}

fn same_as_first_input<'p>(
    _op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    if inputs.len() < 2 || inputs.len() > 3 {
        bail!("expected 2 or 3 inputs, got {}", inputs.len());
    }
    check_output_arity(outputs, 1)?;
    s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
    s.equals(&outputs[0].shape, &inputs[0].shape)?;
    Ok(())
}

/// Integers of a tensor, checked to lie in `0..=max`.
fn indices(t: &Tensor, max: usize, what: &str) -> TractResult<Vec<usize>> {
    let values = t.cast_to::<i64>()?;
    values
        .try_as_plain_ram()?
        .as_slice::<i64>()?
        .iter()
        .map(|&v| {
            usize::try_from(v)
                .ok()
                .filter(|v| *v <= max)
                .with_context(|| format!("{what} {v} is not in 0..={max}"))
        })
        .collect()
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct ReverseSequence {
    batch_axis: i64,
    time_axis: i64,
}

impl Op for ReverseSequence {
    fn name(&self) -> StaticName {
        "ReverseSequence".into()
    }

    op_as_typed_op!();
}

impl EvalOp for ReverseSequence {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (data, lens) = (&inputs[0], &inputs[1]);
        let shape = data.shape();
        let batch = resolve(self.batch_axis, shape.len(), "ReverseSequence")?;
        let time = resolve(self.time_axis, shape.len(), "ReverseSequence")?;
        if batch == time || lens.shape() != [shape[batch]] {
            bail!(
                "ReverseSequence: sequence_lens {:?} for data {shape:?}",
                lens.shape()
            );
        }
        let lens = indices(lens, shape[time], "ReverseSequence: a sequence length")?;
        let output = gathered(data, shape, |i| {
            let mut at = coordinates(i, shape);
            let len = lens[at[batch]];
            if at[time] < len {
                at[time] = len - 1 - at[time];
            }
            Some(flat(&at, shape))
        })?;
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for ReverseSequence {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(inputs[0].without_value()))
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct TensorScatter {
    axis: i64,
    circular: bool,
}

impl Op for TensorScatter {
    fn name(&self) -> StaticName {
        "TensorScatter".into()
    }

    op_as_typed_op!();
}

impl EvalOp for TensorScatter {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (cache, update) = (&inputs[0], &inputs[1]);
        let (shape, step) = (cache.shape(), update.shape());
        let axis = resolve(self.axis, shape.len(), "TensorScatter")?;
        let fits = step.len() == shape.len()
            && axis > 0
            && (0..shape.len()).all(|a| {
                if a == axis {
                    step[a] <= shape[a]
                } else {
                    step[a] == shape[a]
                }
            })
            && cache.datum_type() == update.datum_type();
        if !fits {
            bail!("TensorScatter: an update {step:?} for a cache {shape:?} along axis {axis}");
        }
        let capacity = shape[axis];
        let writes = match inputs.get(2) {
            Some(w) if w.shape() != [shape[0]] => bail!(
                "TensorScatter: write_indices {:?} for a batch of {}",
                w.shape(),
                shape[0]
            ),
            Some(w) => indices(w, capacity, "TensorScatter: a write index")?,
            None => vec![0; shape[0]],
        };
        // Where each update position lands, checked before anything is written.
        let mut landing = vec![None; cache.len()];
        for u in 0..update.len() {
            let mut at = coordinates(u, step);
            let mut position = writes[at[0]] + at[axis];
            if self.circular {
                position %= capacity;
            } else if position >= capacity {
                bail!("TensorScatter: writing position {position} of a cache of {capacity}");
            }
            at[axis] = position;
            landing[flat(&at, shape)] = Some(u);
        }
        let written = gathered(update, shape, |i| landing[i])?;
        let kept = gathered(cache, shape, |i| landing[i].is_none().then_some(i))?;
        // Each element comes from exactly one of the two; the other holds zero bytes there.
        let mut output = kept;
        for (o, w) in output.as_bytes_mut().iter_mut().zip(written.as_bytes()) {
            *o |= w;
        }
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for TensorScatter {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(inputs[0].without_value()))
    }
}
