//! `CumProd` (opset 26): the running product along an axis, optionally exclusive (each position
//! leaves itself out) and reversed (from the end). tract has the running sum (`CumSum`), not the
//! product, so this is an op of its own. Integers wrap on overflow, as they do in onnxruntime.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::prelude::f16;
use tract_onnx::tract_hir::internal::*;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("CumProd", cum_prod);
}

fn cum_prod(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let flag = |name: &str| -> TractResult<bool> { Ok(node.get_attr_opt::<i64>(name)? == Some(1)) };
    Ok((
        expand(CumProdExpansion {
            exclusive: flag("exclusive")?,
            reverse: flag("reverse")?,
        }),
        vec![],
    ))
}

/// The node as read: the axis is its second input, known once the model is typed.
#[derive(Debug, Clone, Hash)]
struct CumProdExpansion {
    exclusive: bool,
    reverse: bool,
}

impl Expansion for CumProdExpansion {
    fn name(&self) -> StaticName {
        "CumProd".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 2)?;
        check_output_arity(outputs, 1)?;
        s.equals(&inputs[0].datum_type, &outputs[0].datum_type)?;
        s.equals(&inputs[0].shape, &outputs[0].shape)?;
        s.equals(&inputs[1].rank, 0)?;
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let axis = model
            .outlet_fact(inputs[1])?
            .konst
            .as_ref()
            .context("CumProd: the axis must be known")?
            .cast_to_scalar::<i64>()?;
        let rank = model.outlet_fact(inputs[0])?.rank() as i64;
        let axis = usize::try_from(if axis < 0 { axis + rank } else { axis })
            .ok()
            .filter(|a| (*a as i64) < rank)
            .with_context(|| format!("CumProd: axis {axis} of a rank-{rank} input"))?;
        let op = CumProd {
            axis,
            exclusive: self.exclusive,
            reverse: self.reverse,
        };
        model.wire_node(prefix, op, &inputs[..1])
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct CumProd {
    axis: usize,
    exclusive: bool,
    reverse: bool,
}

/// Multiplication as `CumProd` does it: IEEE for floats, wrapping for integers.
trait Times: Datum + Copy {
    const ONE: Self;
    fn times(self, other: Self) -> Self;
}

macro_rules! times {
    (wrapping: $($t:ty),*) => { $(impl Times for $t {
        const ONE: Self = 1;
        fn times(self, other: Self) -> Self { self.wrapping_mul(other) }
    })* };
    (float: $($t:ty = $one:expr),*) => { $(impl Times for $t {
        const ONE: Self = $one;
        fn times(self, other: Self) -> Self { self * other }
    })* };
}
times!(wrapping: i8, u8, i16, u16, i32, u32, i64, u64);
times!(float: f16 = f16::ONE, f32 = 1.0, f64 = 1.0);

impl CumProd {
    fn scan<T: Times>(&self, input: &Tensor) -> TractResult<Tensor> {
        let shape = input.shape();
        let len = shape[self.axis];
        let inner: usize = shape[self.axis + 1..].iter().product();
        let outer: usize = shape[..self.axis].iter().product();
        let xs = input.try_as_plain_ram()?.as_slice::<T>()?;
        let mut ys = vec![T::ONE; xs.len()];
        for o in 0..outer {
            for i in 0..inner {
                let at = |k: usize| (o * len + k) * inner + i;
                let mut product = T::ONE;
                for step in 0..len {
                    let k = if self.reverse { len - 1 - step } else { step };
                    if self.exclusive {
                        ys[at(k)] = product;
                        product = product.times(xs[at(k)]);
                    } else {
                        product = product.times(xs[at(k)]);
                        ys[at(k)] = product;
                    }
                }
            }
        }
        Tensor::from_shape(shape, &ys)
    }
}

impl Op for CumProd {
    fn name(&self) -> StaticName {
        "CumProd".into()
    }

    op_as_typed_op!();
}

impl EvalOp for CumProd {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = &inputs[0];
        let output = match input.datum_type() {
            DatumType::I8 => self.scan::<i8>(input),
            DatumType::U8 => self.scan::<u8>(input),
            DatumType::I16 => self.scan::<i16>(input),
            DatumType::U16 => self.scan::<u16>(input),
            DatumType::I32 => self.scan::<i32>(input),
            DatumType::U32 => self.scan::<u32>(input),
            DatumType::I64 => self.scan::<i64>(input),
            DatumType::U64 => self.scan::<u64>(input),
            DatumType::F16 => self.scan::<f16>(input),
            DatumType::F32 => self.scan::<f32>(input),
            DatumType::F64 => self.scan::<f64>(input),
            dt => bail!("CumProd: {dt:?} inputs are not supported"),
        }?;
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for CumProd {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(inputs[0].without_value()))
    }
}
