//! `BitCast` (opset 26): the same bytes read as another element type of the same width. Every
//! engine reads them little-endian (wasm is, and so are the machines poi runs on). A NaN's sign
//! and payload are the CPU's choice, so a float is read with its NaNs canonical, as the output
//! encoding writes them; and a byte that is neither 0 nor 1 is no boolean: cast to `bool` refuses
//! it rather than invent a value.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::prelude::f16;
use tract_onnx::tract_hir::internal::*;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("BitCast", bit_cast);
}

fn bit_cast(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let to = node.get_attr::<DatumType>("to")?;
    Ok((inference_wrap(BitCast { to }, 1, rules), vec![]))
}

fn rules<'p>(
    op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    check_input_arity(inputs, 1)?;
    check_output_arity(outputs, 1)?;
    let to = op
        .downcast_ref::<BitCast>()
        .context("BitCast rules on another op")?
        .to;
    s.equals(&outputs[0].datum_type, to)?;
    s.equals(&inputs[0].shape, &outputs[0].shape)?;
    s.given(&inputs[0].datum_type, move |_, from| {
        if from.size_of() != to.size_of() || !bit_castable(from) || !bit_castable(to) {
            bail!("BitCast: {from:?} to {to:?} (only between types of the same width)");
        }
        Ok(())
    })
}

fn bit_castable(dt: DatumType) -> bool {
    use DatumType::*;
    matches!(
        dt,
        Bool | I8 | U8 | I16 | U16 | I32 | U32 | I64 | U64 | F16 | F32 | F64
    )
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct BitCast {
    to: DatumType,
}

/// Little-endian bytes into values of type `T`.
fn read<T: Datum + Copy, const N: usize>(
    bytes: &[u8],
    shape: &[usize],
    from: impl Fn([u8; N]) -> T,
) -> TractResult<Tensor> {
    let values: Vec<T> = bytes
        .chunks_exact(N)
        .map(|c| from(c.try_into().expect("chunks of N")))
        .collect();
    Tensor::from_shape(shape, &values)
}

impl Op for BitCast {
    fn name(&self) -> StaticName {
        "BitCast".into()
    }

    op_as_typed_op!();
}

impl EvalOp for BitCast {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = &inputs[0];
        let from = input.datum_type();
        if from.size_of() != self.to.size_of() || !bit_castable(from) {
            bail!("BitCast: {from:?} to {:?}", self.to);
        }
        let mut canonical = Vec::with_capacity(input.len() * from.size_of());
        crate::encoding::canonical_values(input, &mut canonical)
            .map_err(|e| format_err!("BitCast: {e}"))?;
        let bytes = &canonical[..];
        let shape = input.shape();
        let output = match self.to {
            DatumType::Bool => {
                if let Some(b) = bytes.iter().find(|b| **b > 1) {
                    bail!("BitCast: the byte {b} is not a boolean");
                }
                read(bytes, shape, |[b]: [u8; 1]| b == 1)
            }
            DatumType::I8 => read(bytes, shape, i8::from_le_bytes),
            DatumType::U8 => read(bytes, shape, u8::from_le_bytes),
            DatumType::I16 => read(bytes, shape, i16::from_le_bytes),
            DatumType::U16 => read(bytes, shape, u16::from_le_bytes),
            DatumType::I32 => read(bytes, shape, i32::from_le_bytes),
            DatumType::U32 => read(bytes, shape, u32::from_le_bytes),
            DatumType::I64 => read(bytes, shape, i64::from_le_bytes),
            DatumType::U64 => read(bytes, shape, u64::from_le_bytes),
            DatumType::F16 => read(bytes, shape, f16::from_le_bytes),
            DatumType::F32 => read(bytes, shape, f32::from_le_bytes),
            DatumType::F64 => read(bytes, shape, f64::from_le_bytes),
            to => bail!("BitCast: to {to:?}"),
        }?;
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for BitCast {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(self.to.fact(inputs[0].shape.clone())))
    }
}
