//! `Attention` (opset 23 on): scaled dot-product attention over query, key and value heads, with
//! an optional mask, a causal mask, a key/value cache passed in and out, grouped key/value heads,
//! a soft cap on the scores and, optionally, the scores themselves as an output.
//!
//! tract-onnx's own translation (behind its `transformers` feature, which the verifier leaves out)
//! refuses the soft cap and the score output, which exported models and the ONNX suite use. This
//! op computes the standard's definition directly, in f64 whatever the element type (as the ONNX
//! reference does once its square-rooted scale promotes the product), rounding once at the end.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::Cost;
use tract_onnx::tract_hir::internal::*;

use super::known_shapes;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("Attention", attention);
}

/// The node's optional inputs and outputs, by their place in the standard.
const MASK: usize = 3;
const PAST_KEY: usize = 4;
const PAST_VALUE: usize = 5;
const NONPAD_KV_SEQLEN: usize = 6;
const PRESENT_KEY: usize = 1;
const PRESENT_VALUE: usize = 2;
const QK_OUTPUT: usize = 3;

fn attention(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let given = |names: &[String], at: usize| names.get(at).is_some_and(|n| !n.is_empty());
    let heads = |name: &str| -> TractResult<Option<usize>> {
        node.get_attr_opt::<i64>(name)?
            .map(|n| usize::try_from(n).ok().filter(|n| *n > 0))
            .map(|n| n.with_context(|| format!("Attention: {name} must be positive")))
            .transpose()
    };
    let qk_output = match node
        .get_attr_opt::<i64>("qk_matmul_output_mode")?
        .unwrap_or(0)
    {
        0 | 1 => QkOutput::Scores,
        2 => QkOutput::WithBias,
        3 => QkOutput::Probabilities,
        other => bail!("Attention: unknown qk_matmul_output_mode {other}"),
    };
    if given(&node.input, PAST_KEY) != given(&node.input, PAST_VALUE) {
        bail!("Attention: past_key and past_value come together");
    }
    let op = AttentionOp {
        q_num_heads: heads("q_num_heads")?,
        kv_num_heads: heads("kv_num_heads")?,
        is_causal: node.get_attr_opt::<i64>("is_causal")?.unwrap_or(0) != 0,
        scale: node.get_attr_opt::<f32>("scale")?.map(f64::from),
        softcap: f64::from(node.get_attr_opt::<f32>("softcap")?.unwrap_or(0.0)),
        qk_output,
        has_mask: given(&node.input, MASK),
        has_past: given(&node.input, PAST_KEY),
        has_nonpad_kv_seqlen: given(&node.input, NONPAD_KV_SEQLEN),
        outputs_present: given(&node.output, PRESENT_KEY),
        outputs_present_value: given(&node.output, PRESENT_VALUE),
        outputs_qk: given(&node.output, QK_OUTPUT),
    };
    if op.outputs_present != op.outputs_present_value {
        bail!("Attention: present_key and present_value come together");
    }
    let outputs = op.output_count();
    Ok((inference_wrap(op, outputs, rules), vec![]))
}

fn rules<'p>(
    op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    let op = op
        .downcast_ref::<AttentionOp>()
        .context("Attention's rules on another op")?;
    check_input_arity(inputs, op.input_count())?;
    check_output_arity(outputs, op.output_count())?;
    s.equals(&inputs[1].datum_type, &inputs[0].datum_type)?;
    s.equals(&inputs[2].datum_type, &inputs[0].datum_type)?;
    s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
    s.equals(&outputs[0].rank, &inputs[0].rank)?;
    for output in &outputs[1..] {
        s.equals(&output.datum_type, &inputs[0].datum_type)?;
        s.equals(&output.rank, 4)?;
    }
    Ok(())
}

/// Which scores the optional fourth output holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QkOutput {
    /// Query times key, scaled and soft-capped.
    Scores,
    /// The scores with the mask added.
    WithBias,
    /// The softmax of those: the attention weights.
    Probabilities,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttentionOp {
    /// Heads of a rank-3 query and of a rank-3 key and value (rank-4 inputs carry their own).
    q_num_heads: Option<usize>,
    kv_num_heads: Option<usize>,
    is_causal: bool,
    /// What the product of query and key is scaled by; 1/sqrt(head size) when not given.
    scale: Option<f64>,
    /// Scores become `softcap * tanh(score / softcap)` when it is positive.
    softcap: f64,
    qk_output: QkOutput,
    has_mask: bool,
    has_past: bool,
    has_nonpad_kv_seqlen: bool,
    outputs_present: bool,
    outputs_present_value: bool,
    outputs_qk: bool,
}

impl Eq for AttentionOp {}

impl AttentionOp {
    fn output_count(&self) -> usize {
        1 + 2 * usize::from(self.outputs_present) + usize::from(self.outputs_qk)
    }

    fn input_count(&self) -> usize {
        3 + usize::from(self.has_mask)
            + 2 * usize::from(self.has_past)
            + usize::from(self.has_nonpad_kv_seqlen)
    }

    /// The shapes of everything, from the shapes of the inputs (in the order the node has them).
    fn geometry<S: AsRef<[usize]>>(&self, shapes: &[S]) -> TractResult<Geometry> {
        let shapes: Vec<&[usize]> = shapes.iter().map(AsRef::as_ref).collect();
        let (q, k, v) = (shapes[0], shapes[1], shapes[2]);
        if q.len() != k.len() || q.len() != v.len() || !(q.len() == 3 || q.len() == 4) {
            bail!("Attention: query, key and value must all be of rank 3 or all of rank 4");
        }
        let split = |shape: &[usize], heads: Option<usize>, what: &str| -> TractResult<Heads> {
            if shape.len() == 4 {
                return Ok(Heads {
                    batch: shape[0],
                    heads: shape[1],
                    seq: shape[2],
                    size: shape[3],
                });
            }
            let heads = heads
                .with_context(|| format!("Attention: a rank-3 {what} needs its number of heads"))?;
            if !shape[2].is_multiple_of(heads) {
                bail!(
                    "Attention: {what} hidden size {} is not a multiple of {heads} heads",
                    shape[2]
                );
            }
            Ok(Heads {
                batch: shape[0],
                heads,
                seq: shape[1],
                size: shape[2] / heads,
            })
        };
        let q = split(q, self.q_num_heads, "query")?;
        let k = split(k, self.kv_num_heads, "key")?;
        let v = split(v, self.kv_num_heads, "value")?;
        let past = if self.has_past {
            let at = 3 + usize::from(self.has_mask);
            let (pk, pv) = (shapes[at], shapes[at + 1]);
            if pk.len() != 4 || pv.len() != 4 {
                bail!("Attention: past_key and past_value must be of rank 4");
            }
            if pk[..2] != [k.batch, k.heads]
                || pk[3] != k.size
                || pv[..2] != [v.batch, v.heads]
                || pv[3] != v.size
                || pk[2] != pv[2]
            {
                bail!(
                    "Attention: past_key {pk:?} and past_value {pv:?} do not match key and value"
                );
            }
            pk[2]
        } else {
            0
        };
        if k.batch != q.batch
            || v.batch != q.batch
            || k.heads != v.heads
            || k.seq != v.seq
            || k.size != q.size
        {
            bail!("Attention: query {q:?}, key {k:?} and value {v:?} do not match");
        }
        if k.heads == 0 || !q.heads.is_multiple_of(k.heads) {
            bail!(
                "Attention: {} query heads cannot share {} key/value heads",
                q.heads,
                k.heads
            );
        }
        Ok(Geometry {
            rank: shapes[0].len(),
            q,
            k,
            v,
            past,
            total: past + k.seq,
        })
    }

    fn eval_f64(&self, inputs: &[&Tensor]) -> TractResult<Vec<Tensor>> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape()).collect();
        let g = self.geometry(&shapes)?;
        let values = |t: &Tensor| -> TractResult<Vec<f64>> {
            Ok(t.cast_to::<f64>()?
                .try_as_plain_ram()?
                .as_slice::<f64>()?
                .to_vec())
        };
        let q = values(inputs[0])?;
        let mut next = 3;
        let mask = if self.has_mask {
            next += 1;
            Some(Mask::new(inputs[next - 1], &g)?)
        } else {
            None
        };
        // The key and value the scores are taken over: the cache, then this step's.
        let (present_key, present_value) = {
            let (past_key, past_value) = if self.has_past {
                next += 2;
                (
                    Some(values(inputs[next - 2])?),
                    Some(values(inputs[next - 1])?),
                )
            } else {
                (None, None)
            };
            (
                g.concat(past_key.as_deref(), &values(inputs[1])?, g.k),
                g.concat(past_value.as_deref(), &values(inputs[2])?, g.v),
            )
        };
        let nonpad = if self.has_nonpad_kv_seqlen {
            let lengths = inputs[next].cast_to::<i64>()?;
            let lengths = lengths.try_as_plain_ram()?.as_slice::<i64>()?.to_vec();
            if lengths.len() != g.q.batch {
                bail!(
                    "Attention: nonpad_kv_seqlen has {} lengths for a batch of {}",
                    lengths.len(),
                    g.q.batch
                );
            }
            Some(lengths)
        } else {
            None
        };

        let scale = self
            .scale
            .unwrap_or_else(|| 1.0 / (g.q.size as f64).sqrt())
            .sqrt();
        let group = g.q.heads / g.k.heads;
        let (sq, total) = (g.q.seq, g.total);
        let mut y = vec![0f64; g.q.batch * g.q.heads * sq * g.v.size];
        let mut qk = vec![
            0f64;
            if self.outputs_qk {
                g.q.batch * g.q.heads * sq * total
            } else {
                0
            }
        ];
        let mut scores = vec![0f64; total];
        let mut bias = vec![0f64; total];
        for b in 0..g.q.batch {
            for h in 0..g.q.heads {
                let kv_head = h / group;
                for i in 0..sq {
                    let query = &q[g.query_row(b, h, i)..][..g.q.size];
                    for j in 0..total {
                        let key = &present_key[g.cache_row(b, kv_head, j, g.k.size)..][..g.k.size];
                        let dot: f64 = query
                            .iter()
                            .zip(key)
                            .map(|(q, k)| (q * scale) * (k * scale))
                            .sum();
                        scores[j] = if self.softcap > 0.0 {
                            self.softcap * (dot / self.softcap).tanh()
                        } else {
                            dot
                        };
                        let mut b_ij = mask.as_ref().map_or(0.0, |m| m.bias(b, h, i, j));
                        if self.is_causal && j > i + g.past {
                            b_ij += f64::NEG_INFINITY;
                        }
                        if nonpad.as_ref().is_some_and(|n| (j as i64) >= n[b]) {
                            b_ij += f64::NEG_INFINITY;
                        }
                        bias[j] = b_ij;
                    }
                    let row = ((b * g.q.heads + h) * sq + i) * total;
                    // Scores as they are, or with the masks' bias; the probabilities are written
                    // once the softmax has them, below.
                    if self.outputs_qk && self.qk_output != QkOutput::Probabilities {
                        let with_bias = self.qk_output == QkOutput::WithBias;
                        for j in 0..total {
                            qk[row + j] = if with_bias {
                                scores[j] + bias[j]
                            } else {
                                scores[j]
                            };
                        }
                    }
                    // Softmax over the keys; a row every key of which is masked attends to nothing.
                    let max = scores
                        .iter()
                        .zip(&bias)
                        .map(|(s, b)| s + b)
                        .fold(f64::NEG_INFINITY, f64::max);
                    let mut sum = 0.0;
                    for j in 0..total {
                        scores[j] = if max == f64::NEG_INFINITY {
                            0.0
                        } else {
                            (scores[j] + bias[j] - max).exp()
                        };
                        sum += scores[j];
                    }
                    for p in scores.iter_mut() {
                        if sum > 0.0 {
                            *p /= sum;
                        }
                    }
                    if self.qk_output == QkOutput::Probabilities && self.outputs_qk {
                        qk[row..row + total].copy_from_slice(&scores);
                    }
                    let out = &mut y[((b * g.q.heads + h) * sq + i) * g.v.size..][..g.v.size];
                    for (j, p) in scores.iter().enumerate() {
                        let value =
                            &present_value[g.cache_row(b, kv_head, j, g.v.size)..][..g.v.size];
                        for (o, v) in out.iter_mut().zip(value) {
                            *o += p * v;
                        }
                    }
                }
            }
        }
        let y = if g.rank == 3 {
            // (batch, heads, seq, size) back to (batch, seq, heads * size).
            Tensor::from_shape(&[g.q.batch, g.q.heads, sq, g.v.size], &y)?
                .permute_axes(&[0, 2, 1, 3])?
                .into_shape(&[g.q.batch, sq, g.q.heads * g.v.size])?
        } else {
            Tensor::from_shape(&[g.q.batch, g.q.heads, sq, g.v.size], &y)?
        };
        let mut outputs = vec![y];
        if self.outputs_present {
            outputs.push(Tensor::from_shape(
                &[g.k.batch, g.k.heads, total, g.k.size],
                &present_key,
            )?);
            outputs.push(Tensor::from_shape(
                &[g.v.batch, g.v.heads, total, g.v.size],
                &present_value,
            )?);
        }
        if self.outputs_qk {
            outputs.push(Tensor::from_shape(&[g.q.batch, g.q.heads, sq, total], &qk)?);
        }
        Ok(outputs)
    }
}

/// One of query, key or value, seen as heads whatever its rank.
#[derive(Debug, Clone, Copy)]
struct Heads {
    batch: usize,
    heads: usize,
    seq: usize,
    size: usize,
}

#[derive(Debug)]
struct Geometry {
    /// 3: inputs are (batch, seq, heads * size); 4: (batch, heads, seq, size).
    rank: usize,
    q: Heads,
    k: Heads,
    v: Heads,
    /// Positions in the cache before this step's keys.
    past: usize,
    total: usize,
}

impl Geometry {
    /// Where the `size` values of query head `h` at position `i` start.
    fn query_row(&self, b: usize, h: usize, i: usize) -> usize {
        let Heads {
            heads, seq, size, ..
        } = self.q;
        if self.rank == 3 {
            ((b * seq + i) * heads + h) * size
        } else {
            ((b * heads + h) * seq + i) * size
        }
    }

    /// Where position `j` of key/value head `h` starts in a (batch, heads, total, size) cache.
    fn cache_row(&self, b: usize, h: usize, j: usize, size: usize) -> usize {
        ((b * self.k.heads + h) * self.total + j) * size
    }

    /// The past and this step's key (or value) as one (batch, heads, total, size) cache.
    fn concat(&self, past: Option<&[f64]>, step: &[f64], shape: Heads) -> Vec<f64> {
        let mut cache = Vec::with_capacity(shape.batch * shape.heads * self.total * shape.size);
        for b in 0..shape.batch {
            for h in 0..shape.heads {
                if let Some(past) = past {
                    let at = (b * shape.heads + h) * self.past * shape.size;
                    cache.extend_from_slice(&past[at..at + self.past * shape.size]);
                }
                for j in 0..shape.seq {
                    let at = if self.rank == 3 {
                        ((b * shape.seq + j) * shape.heads + h) * shape.size
                    } else {
                        ((b * shape.heads + h) * shape.seq + j) * shape.size
                    };
                    cache.extend_from_slice(&step[at..at + shape.size]);
                }
            }
        }
        cache
    }
}

/// The attention mask: booleans (attend or not) or values added to the scores, broadcast from the
/// right to (batch, heads, query, key), and short of keys at the end if the cache outgrew it.
struct Mask {
    values: Vec<f64>,
    /// Strides into `values` for batch, head, query and key (0 where the mask broadcasts).
    strides: [usize; 4],
    keys: usize,
}

impl Mask {
    fn new(mask: &Tensor, g: &Geometry) -> TractResult<Mask> {
        let shape = mask.shape();
        let full = [g.q.batch, g.q.heads, g.q.seq, g.total];
        if shape.is_empty() || shape.len() > 4 || shape[shape.len() - 1] > g.total {
            bail!("Attention: a mask of shape {shape:?} for scores of shape {full:?}");
        }
        let values = if mask.datum_type() == bool::datum_type() {
            let allowed = mask.try_as_plain_ram()?.as_slice::<bool>()?;
            allowed
                .iter()
                .map(|a| if *a { 0.0 } else { f64::NEG_INFINITY })
                .collect()
        } else {
            mask.cast_to::<f64>()?
                .try_as_plain_ram()?
                .as_slice::<f64>()?
                .to_vec()
        };
        let mut strides = [0; 4];
        let mut stride = 1;
        for (axis, &dim) in shape.iter().enumerate().rev() {
            let at = 4 - shape.len() + axis;
            if at < 3 && dim != 1 && dim != full[at] {
                bail!("Attention: a mask of shape {shape:?} for scores of shape {full:?}");
            }
            strides[at] = if dim == 1 && at < 3 { 0 } else { stride };
            stride *= dim;
        }
        Ok(Mask {
            values,
            strides,
            keys: shape[shape.len() - 1],
        })
    }

    fn bias(&self, b: usize, h: usize, i: usize, j: usize) -> f64 {
        if j >= self.keys {
            return f64::NEG_INFINITY;
        }
        let [sb, sh, si, sj] = self.strides;
        self.values[b * sb + h * sh + i * si + j * sj]
    }
}

impl Op for AttentionOp {
    fn name(&self) -> StaticName {
        "Attention".into()
    }

    op_as_typed_op!();
}

impl EvalOp for AttentionOp {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let dt = inputs[0].datum_type();
        if !dt.is_float() {
            bail!("Attention: {dt:?} inputs");
        }
        let tensors: Vec<&Tensor> = inputs.iter().map(|t| &**t).collect();
        self.eval_f64(&tensors)?
            .into_iter()
            .map(|t| Ok(t.cast_to_dt(dt)?.into_owned().into_tvalue()))
            .collect()
    }
}

impl TypedOp for AttentionOp {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let dt = inputs[0].datum_type;
        let g = self.geometry(&known_shapes("Attention", inputs)?)?;
        let mut facts = tvec!(if g.rank == 3 {
            dt.fact([g.q.batch, g.q.seq, g.q.heads * g.v.size])
        } else {
            dt.fact([g.q.batch, g.q.heads, g.q.seq, g.v.size])
        });
        if self.outputs_present {
            facts.push(dt.fact([g.k.batch, g.k.heads, g.total, g.k.size]));
            facts.push(dt.fact([g.v.batch, g.v.heads, g.total, g.v.size]));
        }
        if self.outputs_qk {
            facts.push(dt.fact([g.q.batch, g.q.heads, g.q.seq, g.total]));
        }
        Ok(facts)
    }

    fn cost(&self, inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        // One multiply-add per query-key pair and head dimension, for the scores and the values;
        // counted in u64, which a 32-bit usize could not hold.
        let g = self.geometry(&known_shapes("Attention", inputs)?)?;
        let fmas = [g.q.batch, g.q.heads, g.q.seq, g.total, g.q.size + g.v.size]
            .iter()
            .fold(1u64, |n, &d| n.saturating_mul(d as u64));
        Ok(tvec!((
            Cost::FMA(f64::datum_type()),
            TDim::Val(fmas.min(i64::MAX as u64) as i64)
        )))
    }
}
