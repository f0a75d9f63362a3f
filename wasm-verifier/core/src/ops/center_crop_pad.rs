//! `CenterCropPad` (opset 18 on): each chosen axis cropped or zero-padded to the given length,
//! keeping the centre (an odd difference puts the extra element at the end). An expansion: tract's
//! `Slice` where an axis is cropped, its `Pad` where it is padded.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::array::{Pad, PadMode, Slice};
use tract_onnx::tract_hir::internal::*;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("CenterCropPad", center_crop_pad);
}

fn center_crop_pad(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let axes = node.get_attr_opt_vec::<i64>("axes")?;
    Ok((expand(CenterCropPad { axes }), vec![]))
}

#[derive(Debug, Clone, Hash)]
struct CenterCropPad {
    /// The axes `shape` gives lengths for; all of them when not given.
    axes: Option<Vec<i64>>,
}

impl Expansion for CenterCropPad {
    fn name(&self) -> StaticName {
        "CenterCropPad".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 2)?;
        check_output_arity(outputs, 1)?;
        s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
        s.equals(&outputs[0].rank, &inputs[0].rank)?;
        s.equals(&inputs[1].rank, 1)?;
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let lengths = model
            .outlet_fact(inputs[1])?
            .konst
            .clone()
            .context("CenterCropPad: the shape must be known")?;
        let lengths = lengths.cast_to::<i64>()?;
        let lengths = lengths.try_as_plain_ram()?.as_slice::<i64>()?.to_vec();
        let fact = model.outlet_fact(inputs[0])?.clone();
        let rank = fact.rank();
        let axes: Vec<usize> = match &self.axes {
            Some(axes) => axes
                .iter()
                .map(|&a| {
                    let r = if a < 0 { a + rank as i64 } else { a };
                    usize::try_from(r)
                        .ok()
                        .filter(|r| *r < rank)
                        .with_context(|| format!("CenterCropPad: axis {a} of rank {rank}"))
                })
                .collect::<TractResult<_>>()?,
            None => (0..rank).collect(),
        };
        if axes.len() != lengths.len() {
            bail!(
                "CenterCropPad: {} lengths for {} axes",
                lengths.len(),
                axes.len()
            );
        }
        let mut wire = inputs[0];
        let mut pads = vec![(0, 0); rank];
        for (&axis, &length) in axes.iter().zip(&lengths) {
            let length = usize::try_from(length)
                .with_context(|| format!("CenterCropPad: length {length}"))?;
            let dim = fact.shape[axis]
                .to_usize()
                .context("CenterCropPad: input dimensions must be known")?;
            if length < dim {
                let start = (dim - length) / 2;
                wire = model.wire_node(
                    format!("{prefix}.crop{axis}"),
                    Slice::new(axis, start, start + length),
                    &[wire],
                )?[0];
            } else if length > dim {
                let before = (length - dim) / 2;
                pads[axis] = (before, length - dim - before);
            }
        }
        if pads.iter().any(|&p| p != (0, 0)) {
            let zero = Tensor::zero_dt(fact.datum_type, &[])?.into_arc_tensor();
            wire = model.wire_node(
                format!("{prefix}.pad"),
                Pad {
                    pads,
                    mode: PadMode::Constant(zero),
                },
                &[wire],
            )?[0];
        }
        if wire == inputs[0] {
            wire = model.wire_node(
                prefix,
                tract_onnx::tract_core::ops::identity::Identity,
                &[wire],
            )?[0];
        }
        Ok(tvec!(wire))
    }
}
