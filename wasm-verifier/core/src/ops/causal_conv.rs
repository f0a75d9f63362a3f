//! `CausalConvWithState` (opset 26): a depthwise 1-D convolution over (batch, channels, length)
//! that sees only the past: the input is prefixed with the last `kernel - 1` positions of the
//! previous call (the state, zeros when none is given), and those of this call are handed out as
//! the next state. An optional SiLU follows. tract has the convolution but not the state, so this
//! is an op of its own.
//!
//! As the standard's reference does, the convolution is rounded to the input's type before the
//! activation, which is computed in f32.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::known_shapes;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("CausalConvWithState", causal_conv_with_state);
}

const BIAS: usize = 2;
const PAST_STATE: usize = 3;

fn causal_conv_with_state(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let given = |at: usize| node.input.get(at).is_some_and(|n| !n.is_empty());
    let silu = match node.get_attr_opt::<&str>("activation")?.unwrap_or("none") {
        "none" => false,
        "silu" | "swish" => true,
        other => bail!("CausalConvWithState: unknown activation {other:?}"),
    };
    let op = CausalConvWithState {
        silu,
        has_bias: given(BIAS),
        has_past_state: given(PAST_STATE),
        outputs_state: node.output.get(1).is_some_and(|n| !n.is_empty()),
    };
    let outputs = 1 + usize::from(op.outputs_state);
    Ok((inference_wrap(op, outputs, rules), vec![]))
}

fn rules<'p>(
    op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    let op = op
        .downcast_ref::<CausalConvWithState>()
        .context("CausalConvWithState's rules on another op")?;
    check_input_arity(
        inputs,
        2 + usize::from(op.has_bias) + usize::from(op.has_past_state),
    )?;
    check_output_arity(outputs, 1 + usize::from(op.outputs_state))?;
    for output in outputs {
        s.equals(&output.datum_type, &inputs[0].datum_type)?;
        s.equals(&output.rank, 3)?;
    }
    s.equals(&outputs[0].shape, &inputs[0].shape)?;
    Ok(())
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct CausalConvWithState {
    silu: bool,
    has_bias: bool,
    has_past_state: bool,
    outputs_state: bool,
}

impl CausalConvWithState {
    /// (batch, channels, length, kernel), checked against the weight and state shapes.
    fn sizes<S: AsRef<[usize]>>(&self, shapes: &[S]) -> TractResult<[usize; 4]> {
        let shapes: Vec<&[usize]> = shapes.iter().map(AsRef::as_ref).collect();
        let (input, weight) = (shapes[0], shapes[1]);
        let [batch, channels, length] = *input else {
            bail!("CausalConvWithState: input of shape {input:?}, not (batch, channels, length)");
        };
        let [c, 1, kernel] = *weight else {
            bail!("CausalConvWithState: weight of shape {weight:?}, not (channels, 1, kernel)");
        };
        if c != channels || kernel == 0 {
            bail!("CausalConvWithState: weight {weight:?} for input {input:?}");
        }
        let mut next = 2;
        if self.has_bias {
            if shapes[next] != [channels] {
                bail!(
                    "CausalConvWithState: bias {:?} for {channels} channels",
                    shapes[next]
                );
            }
            next += 1;
        }
        if self.has_past_state && shapes[next] != [batch, channels, kernel - 1] {
            bail!(
                "CausalConvWithState: past_state {:?}, not {:?}",
                shapes[next],
                [batch, channels, kernel - 1]
            );
        }
        Ok([batch, channels, length, kernel])
    }

    fn run(&self, inputs: &[&Tensor]) -> TractResult<(Tensor, Tensor)> {
        let dt = inputs[0].datum_type();
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape()).collect();
        let [batch, channels, length, kernel] = self.sizes(&shapes)?;
        let f32s = |t: &Tensor| -> TractResult<Vec<f32>> {
            Ok(t.cast_to::<f32>()?
                .try_as_plain_ram()?
                .as_slice::<f32>()?
                .to_vec())
        };
        let (x, w) = (f32s(inputs[0])?, f32s(inputs[1])?);
        let bias = if self.has_bias {
            Some(f32s(inputs[2])?)
        } else {
            None
        };
        let past = if self.has_past_state {
            Some(f32s(inputs[2 + usize::from(self.has_bias)])?)
        } else {
            None
        };
        let span = kernel - 1 + length;
        let mut out = Vec::with_capacity(batch * channels * length);
        let mut state = Vec::with_capacity(batch * channels * (kernel - 1));
        let mut padded = vec![0f32; span];
        for b in 0..batch {
            for c in 0..channels {
                let row = b * channels + c;
                match &past {
                    Some(p) => {
                        padded[..kernel - 1].copy_from_slice(&p[row * (kernel - 1)..][..kernel - 1])
                    }
                    None => padded[..kernel - 1].fill(0.0),
                }
                padded[kernel - 1..].copy_from_slice(&x[row * length..][..length]);
                let taps = &w[c * kernel..][..kernel];
                for t in 0..length {
                    let sum: f32 = taps.iter().zip(&padded[t..]).map(|(w, x)| w * x).sum();
                    out.push(sum + bias.as_ref().map_or(0.0, |b| b[c]));
                }
                state.extend_from_slice(&padded[span - (kernel - 1)..]);
            }
        }
        let mut output = Tensor::from_shape(&[batch, channels, length], &out)?
            .cast_to_dt(dt)?
            .into_owned();
        if self.silu {
            let conv = f32s(&output)?;
            let activated: Vec<f32> = conv
                .iter()
                .map(|x| x * (1.0 / (1.0 + (-x).exp())))
                .collect();
            output = Tensor::from_shape(&[batch, channels, length], &activated)?
                .cast_to_dt(dt)?
                .into_owned();
        }
        let state = Tensor::from_shape(&[batch, channels, kernel - 1], &state)?
            .cast_to_dt(dt)?
            .into_owned();
        Ok((output, state))
    }
}

impl Op for CausalConvWithState {
    fn name(&self) -> StaticName {
        "CausalConvWithState".into()
    }

    op_as_typed_op!();
}

impl EvalOp for CausalConvWithState {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let tensors: Vec<&Tensor> = inputs.iter().map(|t| &**t).collect();
        let (output, state) = self.run(&tensors)?;
        let mut outputs = tvec!(output.into_tvalue());
        if self.outputs_state {
            outputs.push(state.into_tvalue());
        }
        Ok(outputs)
    }
}

impl TypedOp for CausalConvWithState {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let [batch, channels, length, kernel] =
            self.sizes(&known_shapes("CausalConvWithState", inputs)?)?;
        let dt = inputs[0].datum_type;
        let mut facts = tvec!(dt.fact([batch, channels, length]));
        if self.outputs_state {
            facts.push(dt.fact([batch, channels, kernel - 1]));
        }
        Ok(facts)
    }
}
