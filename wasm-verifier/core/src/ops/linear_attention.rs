//! `LinearAttention` (opset 26): attention as a recurrence over a (key size x value size) state
//! per key/value head, one time step after the other: the state decays (`gated`), corrects what it
//! already holds for the key (`delta`), takes in the key times the value, and is read by the query.
//! The state goes in and comes out, so a decoder can run one step per call.
//!
//! Computed in f32 whatever the element type, as the standard's reference does, and rounded to the
//! input's type at the end. tract has no op for the recurrence (the standard's own expansion is a
//! `Scan`), so this is an op of its own.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::known_shapes;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("LinearAttention", linear_attention);
}

const PAST_STATE: usize = 3;
const DECAY: usize = 4;
const BETA: usize = 5;

fn linear_attention(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let given = |at: usize| node.input.get(at).is_some_and(|n| !n.is_empty());
    let heads = |name: &str| -> TractResult<usize> {
        node.get_attr::<i64>(name)
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0)
            .with_context(|| format!("LinearAttention: {name} must be given and positive"))
    };
    let rule = node
        .get_attr_opt::<&str>("update_rule")?
        .unwrap_or("gated_delta");
    let (gated, delta) = match rule {
        "linear" => (false, false),
        "gated" => (true, false),
        "delta" => (false, true),
        "gated_delta" => (true, true),
        other => bail!("LinearAttention: unknown update_rule {other:?}"),
    };
    if gated != given(DECAY) || delta != given(BETA) {
        bail!(
            "LinearAttention: update rule {rule:?} takes decay if gated and beta if delta, and only then"
        );
    }
    let op = LinearAttention {
        q_num_heads: heads("q_num_heads")?,
        kv_num_heads: heads("kv_num_heads")?,
        scale: node.get_attr_opt::<f32>("scale")?.filter(|s| *s != 0.0),
        gated,
        delta,
        has_past_state: given(PAST_STATE),
        outputs_state: node.output.get(1).is_some_and(|n| !n.is_empty()),
    };
    if !op.q_num_heads.is_multiple_of(op.kv_num_heads) {
        bail!(
            "LinearAttention: {} query heads cannot share {} key/value heads",
            op.q_num_heads,
            op.kv_num_heads
        );
    }
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
        .downcast_ref::<LinearAttention>()
        .context("LinearAttention's rules on another op")?;
    let count = 3 + usize::from(op.has_past_state) + usize::from(op.gated) + usize::from(op.delta);
    check_input_arity(inputs, count)?;
    check_output_arity(outputs, 1 + usize::from(op.outputs_state))?;
    s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
    s.equals(&outputs[0].rank, 3)?;
    if let Some(state) = outputs.get(1) {
        let from = if op.has_past_state {
            &inputs[3]
        } else {
            &inputs[0]
        };
        s.equals(&state.datum_type, &from.datum_type)?;
        s.equals(&state.rank, 4)?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinearAttention {
    q_num_heads: usize,
    kv_num_heads: usize,
    /// What the read is scaled by; 1/sqrt(key size) when not given.
    scale: Option<f32>,
    gated: bool,
    delta: bool,
    has_past_state: bool,
    outputs_state: bool,
}

impl Eq for LinearAttention {}

/// Sizes, from the query, key and value shapes (batch, time, heads * size).
#[derive(Debug, Clone, Copy)]
struct Sizes {
    batch: usize,
    time: usize,
    key: usize,
    value: usize,
}

impl LinearAttention {
    fn sizes(&self, q: &[usize], k: &[usize], v: &[usize]) -> TractResult<Sizes> {
        if q.len() != 3 || k.len() != 3 || v.len() != 3 {
            bail!("LinearAttention: query, key and value must be of rank 3");
        }
        if k[..2] != q[..2] || v[..2] != q[..2] {
            bail!("LinearAttention: query {q:?}, key {k:?} and value {v:?} do not match");
        }
        let key = q[2] / self.q_num_heads;
        if q[2] != key * self.q_num_heads
            || k[2] != key * self.kv_num_heads
            || !v[2].is_multiple_of(self.kv_num_heads)
        {
            bail!(
                "LinearAttention: query {q:?}, key {k:?} and value {v:?} do not split into heads"
            );
        }
        Ok(Sizes {
            batch: q[0],
            time: q[1],
            key,
            value: v[2] / self.kv_num_heads,
        })
    }

    fn run(&self, inputs: &[&Tensor]) -> TractResult<(Tensor, Tensor)> {
        let s = self.sizes(inputs[0].shape(), inputs[1].shape(), inputs[2].shape())?;
        let (hq, hkv) = (self.q_num_heads, self.kv_num_heads);
        let f32s = |t: &Tensor| -> TractResult<Vec<f32>> {
            Ok(t.cast_to::<f32>()?
                .try_as_plain_ram()?
                .as_slice::<f32>()?
                .to_vec())
        };
        let (q, k, v) = (f32s(inputs[0])?, f32s(inputs[1])?, f32s(inputs[2])?);
        let mut next = 3;
        let state_len = s.batch * hkv * s.key * s.value;
        let mut state = if self.has_past_state {
            next += 1;
            let past = inputs[next - 1];
            if past.shape() != [s.batch, hkv, s.key, s.value] {
                bail!(
                    "LinearAttention: past_state {:?} for ({}, {hkv}, {}, {})",
                    past.shape(),
                    s.batch,
                    s.key,
                    s.value
                );
            }
            f32s(past)?
        } else {
            vec![0f32; state_len]
        };
        let state_dt = if self.has_past_state {
            inputs[3].datum_type()
        } else {
            inputs[0].datum_type()
        };
        // Decay: one value per key/value head, or one per head and key dimension.
        let decay = if self.gated {
            next += 1;
            let d = inputs[next - 1];
            let per = match d.shape() {
                [b, t, n] if [*b, *t] == [s.batch, s.time] && *n == hkv => 1,
                [b, t, n] if [*b, *t] == [s.batch, s.time] && *n == hkv * s.key => s.key,
                shape => bail!("LinearAttention: decay {shape:?}"),
            };
            Some((f32s(d)?, per))
        } else {
            None
        };
        // Beta: one value per key/value head, or one for all.
        let beta = if self.delta {
            let b = inputs[next];
            let heads = match b.shape() {
                [b, t, n] if [*b, *t] == [s.batch, s.time] && (*n == hkv || *n == 1) => *n,
                shape => bail!("LinearAttention: beta {shape:?}"),
            };
            Some((f32s(b)?, heads))
        } else {
            None
        };

        let scale = self.scale.unwrap_or_else(|| 1.0 / (s.key as f32).sqrt());
        let group = hq / hkv;
        let mut out = vec![0f32; s.batch * s.time * hq * s.value];
        let mut step_value = vec![0f32; s.value];
        for b in 0..s.batch {
            for t in 0..s.time {
                for h in 0..hkv {
                    let st = &mut state[(b * hkv + h) * s.key * s.value..][..s.key * s.value];
                    if let Some((decay, per)) = &decay {
                        let at = ((b * s.time + t) * hkv + h) * per;
                        for d in 0..s.key {
                            let g = decay[at + if *per == 1 { 0 } else { d }].exp();
                            st[d * s.value..][..s.value]
                                .iter_mut()
                                .for_each(|x| *x *= g);
                        }
                    }
                    let key = &k[((b * s.time + t) * hkv + h) * s.key..][..s.key];
                    step_value
                        .copy_from_slice(&v[((b * s.time + t) * hkv + h) * s.value..][..s.value]);
                    if let Some((beta, heads)) = &beta {
                        let beta = beta[(b * s.time + t) * heads + if *heads == 1 { 0 } else { h }];
                        for (m, value) in step_value.iter_mut().enumerate() {
                            let retrieved: f32 =
                                (0..s.key).map(|d| st[d * s.value + m] * key[d]).sum();
                            *value = beta * (*value - retrieved);
                        }
                    }
                    for d in 0..s.key {
                        for m in 0..s.value {
                            st[d * s.value + m] += key[d] * step_value[m];
                        }
                    }
                    for qh in h * group..(h + 1) * group {
                        let query = &q[((b * s.time + t) * hq + qh) * s.key..][..s.key];
                        let o = &mut out[((b * s.time + t) * hq + qh) * s.value..][..s.value];
                        for (m, o) in o.iter_mut().enumerate() {
                            let read: f32 =
                                (0..s.key).map(|d| query[d] * st[d * s.value + m]).sum();
                            *o = scale * read;
                        }
                    }
                }
            }
        }
        let output = Tensor::from_shape(&[s.batch, s.time, hq * s.value], &out)?
            .cast_to_dt(inputs[0].datum_type())?
            .into_owned();
        let state = Tensor::from_shape(&[s.batch, hkv, s.key, s.value], &state)?
            .cast_to_dt(state_dt)?
            .into_owned();
        Ok((output, state))
    }
}

impl Op for LinearAttention {
    fn name(&self) -> StaticName {
        "LinearAttention".into()
    }

    op_as_typed_op!();
}

impl EvalOp for LinearAttention {
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

impl TypedOp for LinearAttention {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let shapes = known_shapes("LinearAttention", &inputs[..3])?;
        let s = self.sizes(&shapes[0], &shapes[1], &shapes[2])?;
        let mut facts =
            tvec!(
                inputs[0]
                    .datum_type
                    .fact([s.batch, s.time, self.q_num_heads * s.value])
            );
        if self.outputs_state {
            let dt = if self.has_past_state {
                inputs[3].datum_type
            } else {
                inputs[0].datum_type
            };
            facts.push(dt.fact([s.batch, self.kv_num_heads, s.key, s.value]));
        }
        Ok(facts)
    }
}
