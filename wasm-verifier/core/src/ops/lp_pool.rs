//! `LpPool` (opset 1 on): the p-norm of each pooling window, `(sum |x|^p)^(1/p)`, over the
//! spatial axes of (batch, channels, d1, .., dn), with the usual pooling geometry (kernel,
//! strides, dilations, explicit or automatic padding, ceil mode). Padding contributes nothing.
//! tract has the global p-norm pool only; this is the windowed one, computed in f64.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::Cost;
use tract_onnx::tract_hir::internal::*;

use super::{coordinates, known_shapes};

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("LpPool", lp_pool);
}

fn lp_pool(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let ints = |name: &str| -> TractResult<Option<Vec<usize>>> {
        node.get_attr_opt_vec::<i64>(name)?
            .map(|v| {
                v.iter()
                    .map(|&x| usize::try_from(x).with_context(|| format!("LpPool: {name} {x}")))
                    .collect()
            })
            .transpose()
    };
    let kernel = ints("kernel_shape")?.context("LpPool: kernel_shape is required")?;
    let padding = match node.get_attr_opt::<&str>("auto_pad")?.unwrap_or("NOTSET") {
        "NOTSET" => Padding::Explicit(ints("pads")?.unwrap_or_else(|| vec![0; 2 * kernel.len()])),
        "VALID" => Padding::Explicit(vec![0; 2 * kernel.len()]),
        "SAME_UPPER" => Padding::Same { extra_at_end: true },
        "SAME_LOWER" => Padding::Same {
            extra_at_end: false,
        },
        other => bail!("LpPool: unknown auto_pad {other:?}"),
    };
    let op = LpPool {
        strides: ints("strides")?.unwrap_or_else(|| vec![1; kernel.len()]),
        dilations: ints("dilations")?.unwrap_or_else(|| vec![1; kernel.len()]),
        p: node.get_attr_opt::<i64>("p")?.unwrap_or(2),
        ceil_mode: node.get_attr_opt::<i64>("ceil_mode")?.unwrap_or(0) == 1,
        kernel,
        padding,
    };
    if op.strides.len() != op.kernel.len()
        || op.dilations.len() != op.kernel.len()
        || op.strides.contains(&0)
        || op.dilations.contains(&0)
        || op.kernel.contains(&0)
        || matches!(&op.padding, Padding::Explicit(p) if p.len() != 2 * op.kernel.len())
        || op.p <= 0
    {
        bail!("LpPool: inconsistent attributes {op:?}");
    }
    Ok((inference_wrap(op, 1, rules), vec![]))
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
    s.equals(&outputs[0].rank, &inputs[0].rank)?;
    Ok(())
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
enum Padding {
    /// Before and after for each spatial axis: all the befores, then all the afters.
    Explicit(Vec<usize>),
    /// As much as keeps `ceil(length / stride)` windows, split evenly, the odd one at the end or
    /// at the start.
    Same { extra_at_end: bool },
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct LpPool {
    kernel: Vec<usize>,
    strides: Vec<usize>,
    dilations: Vec<usize>,
    padding: Padding,
    p: i64,
    ceil_mode: bool,
}

impl LpPool {
    /// For each spatial axis: the output length and the padding before.
    fn geometry(&self, spatial: &[usize]) -> TractResult<Vec<(usize, usize)>> {
        if spatial.len() != self.kernel.len() {
            bail!(
                "LpPool: a {}-d kernel for {} spatial axes",
                self.kernel.len(),
                spatial.len()
            );
        }
        (0..spatial.len())
            .map(|i| {
                let (len, stride) = (spatial[i], self.strides[i]);
                let window = (self.kernel[i] - 1) * self.dilations[i] + 1;
                match &self.padding {
                    Padding::Same { extra_at_end } => {
                        let out = len.div_ceil(stride);
                        let total = ((out.max(1) - 1) * stride + window).saturating_sub(len);
                        let before = if *extra_at_end {
                            total / 2
                        } else {
                            total.div_ceil(2)
                        };
                        Ok((out, before))
                    }
                    Padding::Explicit(pads) => {
                        let padded = len + pads[i] + pads[i + spatial.len()];
                        if padded < window {
                            bail!("LpPool: a window of {window} over {padded} positions");
                        }
                        let steps = padded - window;
                        let out = if self.ceil_mode {
                            steps.div_ceil(stride)
                        } else {
                            steps / stride
                        } + 1;
                        Ok((out, pads[i]))
                    }
                }
            })
            .collect()
    }

    fn output_shape(&self, shape: &[usize]) -> TractResult<TVec<usize>> {
        if shape.len() < 3 {
            bail!("LpPool: an input of shape {shape:?}");
        }
        let mut out: TVec<usize> = shape[..2].into();
        out.extend(self.geometry(&shape[2..])?.iter().map(|(len, _)| *len));
        Ok(out)
    }
}

impl Op for LpPool {
    fn name(&self) -> StaticName {
        "LpPool".into()
    }

    op_as_typed_op!();
}

impl EvalOp for LpPool {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = &inputs[0];
        let dt = input.datum_type();
        if !dt.is_float() {
            bail!("LpPool: {dt:?} input");
        }
        let shape = input.shape();
        let out_shape = self.output_shape(shape)?;
        let geometry = self.geometry(&shape[2..])?;
        let spatial = &shape[2..];
        let plane: usize = spatial.iter().product();
        let x = input.cast_to::<f64>()?;
        let x = x.try_as_plain_ram()?.as_slice::<f64>()?;
        let out_plane: usize = out_shape[2..].iter().product();
        let windows: usize = self.kernel.iter().product();
        let p = self.p as f64;
        let mut y = Vec::with_capacity(shape[0] * shape[1] * out_plane);
        for channel in 0..shape[0] * shape[1] {
            let x = &x[channel * plane..][..plane];
            for o in 0..out_plane {
                let at = coordinates(o, &out_shape[2..]);
                let mut sum = 0f64;
                for k in 0..windows {
                    let tap = coordinates(k, &self.kernel);
                    let mut index = 0;
                    let mut inside = true;
                    for axis in 0..spatial.len() {
                        let pos = (at[axis] * self.strides[axis] + tap[axis] * self.dilations[axis])
                            as i64
                            - geometry[axis].1 as i64;
                        if pos < 0 || pos >= spatial[axis] as i64 {
                            inside = false;
                            break;
                        }
                        index = index * spatial[axis] + pos as usize;
                    }
                    if inside {
                        sum += x[index].abs().powf(p);
                    }
                }
                y.push(sum.powf(1.0 / p));
            }
        }
        let output = Tensor::from_shape(&out_shape, &y)?
            .cast_to_dt(dt)?
            .into_owned();
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for LpPool {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let shape = &known_shapes("LpPool", inputs)?[0];
        Ok(tvec!(inputs[0].datum_type.fact(self.output_shape(shape)?)))
    }

    fn cost(&self, inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        // One power per window position of each output.
        let out = self.output_facts(inputs)?;
        let windows: usize = self.kernel.iter().product();
        let n = (out[0].shape.volume().to_usize()? as u64).saturating_mul(windows as u64);
        Ok(tvec!((
            Cost::FMA(f64::datum_type()),
            TDim::Val(n.min(i64::MAX as u64) as i64)
        )))
    }
}
