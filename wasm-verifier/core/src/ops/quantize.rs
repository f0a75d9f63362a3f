//! `QuantizeLinear` (opset 10 on): `saturate(round_half_to_even(x / scale) + zero_point)`, the
//! scale and zero point one value or one per slice along `axis`.
//!
//! tract-onnx's translation multiplies a single scale's reciprocal in (`x * (1 / scale)`), which
//! rounds some values to the neighbouring integer (the ONNX suite's `DynamicQuantizeLinear`
//! expansion shows one), and needs the scale and zero point to be constants. This one divides, as
//! the standard says, with tract's own element-wise ops, and takes them from any wire.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::cast::cast;
use tract_onnx::tract_core::ops::change_axes::{AxisOp, wire_with_rank_broadcast};
use tract_onnx::tract_core::ops::math::{add, div, max, min, round_half_to_even};
use tract_onnx::tract_hir::internal::*;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("QuantizeLinear", quantize_linear);
}

fn quantize_linear(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    if node.get_attr_opt::<i64>("block_size")?.unwrap_or(0) != 0 {
        bail!("QuantizeLinear: blocked quantization is not supported");
    }
    let output_dtype = match node.get_attr_opt::<i64>("output_dtype")?.unwrap_or(0) {
        0 => None,
        2 => Some(u8::datum_type()),
        3 => Some(i8::datum_type()),
        4 => Some(u16::datum_type()),
        5 => Some(i16::datum_type()),
        other => bail!("QuantizeLinear: output type {other} is not supported"),
    };
    let op = QuantizeLinear {
        axis: node.get_attr_opt::<i64>("axis")?.unwrap_or(1),
        has_zero_point: node.input.get(2).is_some_and(|n| !n.is_empty()),
        output_dtype,
    };
    Ok((expand(op), vec![]))
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
struct QuantizeLinear {
    /// The axis a scale of many values runs along.
    axis: i64,
    has_zero_point: bool,
    /// The `output_dtype` attribute; otherwise the zero point's type, or u8.
    output_dtype: Option<DatumType>,
}

impl QuantizeLinear {
    /// `param` (a scale or zero point), as f32, broadcastable against an input of rank `rank`:
    /// a single value as it is, one value per slice along `axis` moved onto that axis.
    fn broadcast(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        param: OutletId,
        rank: usize,
    ) -> TractResult<OutletId> {
        let fact = model.outlet_fact(param)?.clone();
        let mut wire =
            model.wire_node(format!("{prefix}.f32"), cast(f32::datum_type()), &[param])?[0];
        if fact.rank() == 1 {
            let axis = if self.axis < 0 {
                self.axis + rank as i64
            } else {
                self.axis
            };
            let axis = usize::try_from(axis)
                .ok()
                .filter(|a| *a < rank)
                .with_context(|| {
                    format!("QuantizeLinear: axis {} of a rank-{rank} input", self.axis)
                })?;
            for at in (0..axis).chain(axis + 1..rank) {
                wire = model.wire_node(format!("{prefix}.axis{at}"), AxisOp::Add(at), &[wire])?[0];
            }
        } else if fact.rank() != 0 {
            bail!(
                "QuantizeLinear: a scale or zero point of rank {}",
                fact.rank()
            );
        }
        Ok(wire)
    }
}

impl Expansion for QuantizeLinear {
    fn name(&self) -> StaticName {
        "QuantizeLinear".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 2 + usize::from(self.has_zero_point))?;
        check_output_arity(outputs, 1)?;
        s.equals(&inputs[0].shape, &outputs[0].shape)?;
        match (self.output_dtype, inputs.get(2)) {
            (Some(dt), Some(zero_point)) => {
                s.equals(&outputs[0].datum_type, dt)?;
                s.equals(&zero_point.datum_type, dt)?;
            }
            (Some(dt), None) => s.equals(&outputs[0].datum_type, dt)?,
            (None, Some(zero_point)) => s.equals(&outputs[0].datum_type, &zero_point.datum_type)?,
            (None, None) => s.equals(&outputs[0].datum_type, u8::datum_type())?,
        }
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let dt = match (self.output_dtype, inputs.get(2)) {
            (Some(dt), _) => dt,
            (None, Some(zero_point)) => model.outlet_fact(*zero_point)?.datum_type,
            (None, None) => u8::datum_type(),
        };
        let (lo, hi): (f32, f32) = match dt {
            DatumType::U8 => (u8::MIN.into(), u8::MAX.into()),
            DatumType::I8 => (i8::MIN.into(), i8::MAX.into()),
            DatumType::U16 => (u16::MIN.into(), u16::MAX.into()),
            DatumType::I16 => (i16::MIN.into(), i16::MAX.into()),
            _ => bail!("QuantizeLinear: {dt:?} outputs are not supported"),
        };
        let rank = model.outlet_fact(inputs[0])?.rank();
        let scale = self.broadcast(&format!("{prefix}.scale"), model, inputs[1], rank)?;
        let x = model.wire_node(format!("{prefix}.x"), cast(f32::datum_type()), &[inputs[0]])?;
        let mut wire =
            wire_with_rank_broadcast(format!("{prefix}.div"), model, div(), &[x[0], scale])?;
        wire = model.wire_node(format!("{prefix}.round"), round_half_to_even(), &wire)?;
        if let Some(zero_point) = inputs.get(2) {
            let zero_point =
                self.broadcast(&format!("{prefix}.zero_point"), model, *zero_point, rank)?;
            wire = wire_with_rank_broadcast(
                format!("{prefix}.add"),
                model,
                add(),
                &[wire[0], zero_point],
            )?;
        }
        let lo = model.add_const(format!("{prefix}.lo"), tensor0(lo))?;
        let hi = model.add_const(format!("{prefix}.hi"), tensor0(hi))?;
        wire = wire_with_rank_broadcast(format!("{prefix}.max"), model, max(), &[wire[0], lo])?;
        wire = wire_with_rank_broadcast(format!("{prefix}.min"), model, min(), &[wire[0], hi])?;
        model.wire_node(prefix, cast(dt), &wire)
    }
}
