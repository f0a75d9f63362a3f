//! `OptionalHasElement` and `OptionalGetElement` (opset 15 on) on plain tensors. poi's inputs and
//! outputs are tensors, so an optional is either a tensor that is there or an input the node does
//! not name: the first has an element (which `OptionalGetElement` hands on), the second has none.
//! Optional sequences are sequences, which tract does not have: refused as such.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::ops::identity::Identity;
use tract_onnx::tract_hir::ops::konst::Const;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("OptionalHasElement", has_element);
    registry.insert("OptionalGetElement", get_element);
}

fn given(node: &NodeProto) -> bool {
    node.input.first().is_some_and(|n| !n.is_empty())
}

fn has_element(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    if given(node) {
        // A tensor is always there; the op still reads it, so the graph stays connected.
        Ok((inference_wrap(HasElement, 1, has_element_rules), vec![]))
    } else {
        Ok((Box::new(Const::new(rctensor0(false))?), vec![]))
    }
}

fn has_element_rules<'p>(
    _op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    check_input_arity(inputs, 1)?;
    check_output_arity(outputs, 1)?;
    s.equals(&outputs[0].datum_type, bool::datum_type())?;
    s.equals(&outputs[0].rank, 0)?;
    Ok(())
}

fn get_element(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    if !given(node) {
        bail!("OptionalGetElement: an optional with no element has none to get");
    }
    Ok((Box::<Identity>::default(), vec![]))
}

/// `true` for any tensor.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct HasElement;

impl Op for HasElement {
    fn name(&self) -> StaticName {
        "OptionalHasElement".into()
    }

    op_as_typed_op!();
}

impl EvalOp for HasElement {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, _inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        Ok(tvec!(tensor0(true).into_tvalue()))
    }
}

impl TypedOp for HasElement {
    as_op!();

    fn output_facts(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(bool::datum_type().scalar_fact()))
    }
}
