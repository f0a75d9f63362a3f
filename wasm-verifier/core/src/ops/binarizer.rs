//! `Binarizer` (ai.onnx.ml): 1 where the input exceeds the threshold, 0 elsewhere, in the input's
//! type. An expansion: tract's greater-than against the threshold, cast back.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::cast::cast;
use tract_onnx::tract_core::ops::change_axes::wire_with_rank_broadcast;
use tract_onnx::tract_core::ops::logic::comp_gt;
use tract_onnx::tract_hir::internal::*;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("Binarizer", binarizer);
}

fn binarizer(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let threshold = node.get_attr_opt::<f32>("threshold")?.unwrap_or(0.0);
    Ok((
        expand(Binarizer {
            threshold: threshold.to_bits(),
        }),
        vec![],
    ))
}

#[derive(Debug, Clone, Hash)]
struct Binarizer {
    /// f32 bits, so the op can be hashed.
    threshold: u32,
}

impl Expansion for Binarizer {
    fn name(&self) -> StaticName {
        "Binarizer".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        check_output_arity(outputs, 1)?;
        s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
        s.equals(&outputs[0].shape, &inputs[0].shape)?;
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let dt = model.outlet_fact(inputs[0])?.datum_type;
        let threshold = tensor0(f32::from_bits(self.threshold))
            .cast_to_dt(dt)?
            .into_owned();
        let threshold = model.add_const(format!("{prefix}.threshold"), threshold)?;
        let above = wire_with_rank_broadcast(
            format!("{prefix}.above"),
            model,
            TypedBinOp(comp_gt(), None),
            &[inputs[0], threshold],
        )?;
        model.wire_node(prefix, cast(dt), &above)
    }
}
