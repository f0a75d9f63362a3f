//! `Col2Im` (opset 18): the inverse of an image-to-columns unfolding. Input (batch, channels x
//! block size, blocks) holds, for each sliding block of the image, its values; each is added back
//! at its place in a (batch, channels, image shape) image, overlapping blocks summing. The image
//! and block shapes are inputs, so the model is typed for their values. Computed in f64.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::{coordinates, flat, known_shapes};

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("Col2Im", col2im);
}

fn col2im(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let ints = |name: &str| -> TractResult<Option<Vec<usize>>> {
        node.get_attr_opt_vec::<i64>(name)?
            .map(|v| {
                v.iter()
                    .map(|&x| usize::try_from(x).with_context(|| format!("Col2Im: {name} {x}")))
                    .collect()
            })
            .transpose()
    };
    let op = Col2Im {
        dilations: ints("dilations")?,
        pads: ints("pads")?,
        strides: ints("strides")?,
    };
    Ok((inference_wrap(op, 1, rules), vec![]))
}

fn rules<'p>(
    _op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    check_input_arity(inputs, 3)?;
    check_output_arity(outputs, 1)?;
    s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
    s.equals(&inputs[0].rank, 3)?;
    Ok(())
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct Col2Im {
    dilations: Option<Vec<usize>>,
    pads: Option<Vec<usize>>,
    strides: Option<Vec<usize>>,
}

/// Everything the fold needs, checked against the input's shape.
struct Geometry {
    batch: usize,
    channels: usize,
    image: Vec<usize>,
    block: Vec<usize>,
    blocks: Vec<usize>,
    strides: Vec<usize>,
    dilations: Vec<usize>,
    pads_before: Vec<usize>,
}

impl Col2Im {
    fn geometry(&self, input: &[usize], image: &Tensor, block: &Tensor) -> TractResult<Geometry> {
        let dims = |t: &Tensor| -> TractResult<Vec<usize>> {
            let t = t.cast_to::<i64>()?;
            t.try_as_plain_ram()?
                .as_slice::<i64>()?
                .iter()
                .map(|&d| {
                    usize::try_from(d)
                        .ok()
                        .filter(|d| *d > 0)
                        .with_context(|| format!("Col2Im: a dimension {d}"))
                })
                .collect()
        };
        let (image, block) = (dims(image)?, dims(block)?);
        let n = image.len();
        let or_ones = |v: &Option<Vec<usize>>| v.clone().unwrap_or_else(|| vec![1; n]);
        let (strides, dilations) = (or_ones(&self.strides), or_ones(&self.dilations));
        let pads = self.pads.clone().unwrap_or_else(|| vec![0; 2 * n]);
        if n == 0
            || block.len() != n
            || strides.len() != n
            || dilations.len() != n
            || pads.len() != 2 * n
            || strides.contains(&0)
            || input.len() != 3
        {
            bail!("Col2Im: inconsistent shapes or attributes for an input {input:?}");
        }
        let block_size: usize = block.iter().product();
        let mut blocks = Vec::with_capacity(n);
        for i in 0..n {
            let span = (block[i] - 1) * dilations[i] + 1;
            let padded = image[i] + pads[i] + pads[i + n];
            if padded < span {
                bail!("Col2Im: a block of {span} over {padded} positions");
            }
            blocks.push((padded - span) / strides[i] + 1);
        }
        if !input[1].is_multiple_of(block_size) || input[2] != blocks.iter().product::<usize>() {
            bail!("Col2Im: an input {input:?} for blocks of {block:?} over an image {image:?}");
        }
        Ok(Geometry {
            batch: input[0],
            channels: input[1] / block_size,
            image,
            block,
            blocks,
            strides,
            dilations,
            pads_before: pads[..n].to_vec(),
        })
    }
}

impl Op for Col2Im {
    fn name(&self) -> StaticName {
        "Col2Im".into()
    }

    op_as_typed_op!();
}

impl EvalOp for Col2Im {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let dt = inputs[0].datum_type();
        if !dt.is_float() {
            bail!("Col2Im: {dt:?} input");
        }
        let g = self.geometry(inputs[0].shape(), &inputs[1], &inputs[2])?;
        let x = inputs[0].cast_to::<f64>()?;
        let x = x.try_as_plain_ram()?.as_slice::<f64>()?;
        let pixels: usize = g.image.iter().product();
        let block_size: usize = g.block.iter().product();
        let blocks: usize = g.blocks.iter().product();
        let mut image = vec![0f64; g.batch * g.channels * pixels];
        for plane in 0..g.batch * g.channels {
            let column = &x[plane * block_size * blocks..][..block_size * blocks];
            let image = &mut image[plane * pixels..][..pixels];
            for k in 0..block_size {
                let tap = coordinates(k, &g.block);
                for b in 0..blocks {
                    let at = coordinates(b, &g.blocks);
                    let position: Option<Vec<usize>> = (0..g.image.len())
                        .map(|i| {
                            let p = (at[i] * g.strides[i] + tap[i] * g.dilations[i]) as i64
                                - g.pads_before[i] as i64;
                            usize::try_from(p).ok().filter(|p| *p < g.image[i])
                        })
                        .collect();
                    if let Some(position) = position {
                        image[flat(&position, &g.image)] += column[k * blocks + b];
                    }
                }
            }
        }
        let mut shape = vec![g.batch, g.channels];
        shape.extend(&g.image);
        let output = Tensor::from_shape(&shape, &image)?
            .cast_to_dt(dt)?
            .into_owned();
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for Col2Im {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let known = |f: &TypedFact| {
            f.konst
                .clone()
                .context("Col2Im: the image and block shapes must be known")
        };
        let shape = &known_shapes("Col2Im", &inputs[..1])?[0];
        let g = self.geometry(shape, &*known(inputs[1])?, &*known(inputs[2])?)?;
        let mut out: TVec<usize> = tvec![g.batch, g.channels];
        out.extend(g.image.iter().copied());
        Ok(tvec!(inputs[0].datum_type.fact(out)))
    }
}
