//! Loading a model, checking it against the limits for the given inputs, and running it.

use serde::Serialize;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

use crate::encoding::{self, OutputSummary};
use crate::input::{self, NamedInput};
use crate::{Limits, VerifyError};

/// The result of one verified run.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    #[serde(with = "hex_bytes")]
    pub output_hash: [u8; 32],
    #[serde(with = "hex_bytes")]
    pub receipt: [u8; 32],
    pub outputs: Vec<OutputSummary>,
    /// The canonical encoding the output hash is taken of; it carries every output value.
    #[serde(skip)]
    pub encoding: Vec<u8>,
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }
}

fn unsupported(e: impl std::fmt::Display) -> VerifyError {
    VerifyError::ModelUnsupported {
        reason: format!("{e:#}"),
    }
}

/// Decodes an ONNX model and translates it for tract, refusing first what tract assumes away.
fn decode_model(bytes: &[u8]) -> Result<InferenceModel, VerifyError> {
    let decode = |e: TractError| VerifyError::ModelDecode {
        reason: format!("{e:#}"),
    };
    let onnx = crate::ops::onnx();
    let proto = onnx.proto_model_for_read(&mut &bytes[..]).map_err(decode)?;
    if let Some(graph) = &proto.graph {
        crate::graph_check::check_graph(graph)?;
    }
    onnx.model_for_proto_model(&proto).map_err(decode)
}

/// The names of a model's inputs, in the order it takes them.
pub fn model_inputs(model: &[u8]) -> Result<Vec<String>, VerifyError> {
    catching_panics(|| {
        let model = decode_model(model)?;
        Ok(model
            .input_outlets()
            .map_err(unsupported)?
            .iter()
            .map(|o| model.node(o.node).name.clone())
            .collect())
    })
}

/// Runs `model` on `inputs` and names the result: [`prepare`], with the prepared model dropped.
/// The receipt names two hashes the caller gives: `model_hash`, the sha256 of `model`, and
/// `verifier_hash`, the sha256 of the verifier build doing the run, which it cannot know of
/// itself ([`crate::request`] says why the model's is given too).
pub fn verify(
    model: &[u8],
    model_hash: &[u8; 32],
    inputs: &[NamedInput],
    verifier_hash: &[u8; 32],
    limits: &Limits,
) -> Result<Verification, VerifyError> {
    prepare(model, model_hash, inputs, verifier_hash, limits).map(|(_, verification)| verification)
}

/// Prepares `model` for inputs of the types and shapes of `inputs`, and runs it on them: the
/// first claim on a model pays for the preparation, later ones ([`Prepared::run`]) only for their
/// run. The verification is the one [`verify`] gives, by construction: `verify` is this.
pub fn prepare(
    model: &[u8],
    model_hash: &[u8; 32],
    inputs: &[NamedInput],
    verifier_hash: &[u8; 32],
    limits: &Limits,
) -> Result<(Prepared, Verification), VerifyError> {
    catching_panics(|| {
        let (prepared, decoded) = Prepared::build(model, model_hash, inputs, limits)?;
        let verification = prepared.run_decoded(decoded, verifier_hash)?;
        Ok((prepared, verification))
    })
}

/// tract reports bad models as errors, but a panic somewhere in it must not take down an operator
/// either. (In the wasm build a panic traps, and the host reports the trap.)
fn catching_panics<T>(run: impl FnOnce() -> Result<T, VerifyError>) -> Result<T, VerifyError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown".into());
        Err(VerifyError::Panicked { reason })
    })
}

/// A model decoded, typed for one set of input types and shapes, checked against the limits and
/// compiled into a plan: everything of a verification but the run. The plan is immutable (each run
/// has its own state), so runs on it are independent of each other and of the order they come in.
pub struct Prepared {
    model_hash: [u8; 32],
    /// The model's inputs in the order it takes them, each with the type and shape it was
    /// prepared for.
    inputs: Vec<(String, DatumType, Vec<usize>)>,
    /// Inputs the model was prepared for the values of (by position), when it could not be
    /// typed for their shapes alone: see [`Prepared::build`].
    fixed: Vec<(usize, Tensor)>,
    output_names: Vec<String>,
    plan: Arc<TypedRunnableModel>,
}

/// Inputs decoded in the model's order, with the sha256 of each as given.
struct DecodedInputs {
    tensors: TVec<TValue>,
    hashes: Vec<[u8; 32]>,
}

impl Prepared {
    /// The sha256 of the model this is prepared from, as its preparation was given it.
    pub fn model_hash(&self) -> &[u8; 32] {
        &self.model_hash
    }

    /// Runs the prepared model on `inputs`, which must have the types and shapes it was prepared
    /// for ([`VerifyError::NotPreparedFor`] otherwise: prepare again for them). The model's
    /// limits were checked when it was prepared; `limits` bounds the inputs' decoding.
    pub fn run(
        &self,
        inputs: &[NamedInput],
        verifier_hash: &[u8; 32],
        limits: &Limits,
    ) -> Result<Verification, VerifyError> {
        catching_panics(|| {
            let names: Vec<String> = self.inputs.iter().map(|(n, ..)| n.clone()).collect();
            let decoded = decode_inputs(&names, inputs, limits, |i, name, tensor| {
                let (_, dt, shape) = &self.inputs[i];
                if tensor.datum_type() != *dt || tensor.shape() != shape.as_slice() {
                    return Err(VerifyError::NotPreparedFor {
                        name: name.to_string(),
                        prepared: format!("{dt:?} {shape:?}"),
                        given: format!("{:?} {:?}", tensor.datum_type(), tensor.shape()),
                    });
                }
                if let Some((_, value)) = self.fixed.iter().find(|(at, _)| *at == i)
                    && value != tensor
                {
                    return Err(VerifyError::NotPreparedFor {
                        name: name.to_string(),
                        prepared: format!("the value {value:?}"),
                        given: format!("the value {tensor:?}"),
                    });
                }
                Ok(())
            })?;
            self.run_decoded(decoded, verifier_hash)
        })
    }

    fn build(
        model_bytes: &[u8],
        model_hash: &[u8; 32],
        inputs: &[NamedInput],
        limits: &Limits,
    ) -> Result<(Prepared, DecodedInputs), VerifyError> {
        if model_bytes.len() as u64 > limits.max_model_bytes {
            return Err(VerifyError::ModelTooLarge {
                bytes: model_bytes.len() as u64,
                max: limits.max_model_bytes,
            });
        }
        let model = decode_model(model_bytes)?;
        let nodes = model.nodes().len() as u64;
        if nodes > limits.max_nodes {
            return Err(VerifyError::TooManyNodes {
                nodes,
                max: limits.max_nodes,
            });
        }

        // Inputs in the model's order, each checked against what the model declares, and the
        // model specialised to their types and shapes.
        let input_names: Vec<String> = model
            .input_outlets()
            .map_err(unsupported)?
            .iter()
            .map(|o| model.node(o.node).name.clone())
            .collect();
        let decoded = decode_inputs(&input_names, inputs, limits, |i, name, tensor| {
            let declared = model.input_fact(i).map_err(unsupported)?.clone();
            check_input(name, &declared, tensor)?;
            Ok(())
        })?;
        let output_names: Vec<String> = model
            .output_outlets()
            .map_err(unsupported)?
            .iter()
            .map(|o| {
                model
                    .outlet_label(*o)
                    .map(str::to_string)
                    .unwrap_or_else(|| model.node(o.node).name.clone())
            })
            .collect();

        let (typed, fixed) = type_model(model, model_bytes, &decoded.tensors)?;
        check_costs(&typed, limits)?;
        let plan = compile_plan(typed).map_err(unsupported)?;
        let prepared = Prepared {
            model_hash: *model_hash,
            inputs: input_names
                .into_iter()
                .zip(&decoded.tensors)
                .map(|(name, t)| (name, t.datum_type(), t.shape().to_vec()))
                .collect(),
            fixed,
            output_names,
            plan,
        };
        Ok((prepared, decoded))
    }

    fn run_decoded(
        &self,
        inputs: DecodedInputs,
        verifier_hash: &[u8; 32],
    ) -> Result<Verification, VerifyError> {
        let outputs = self
            .plan
            .run(inputs.tensors)
            .map_err(|e| VerifyError::Inference {
                reason: format!("{e:#}"),
            })?;
        let named: Vec<(String, Tensor)> = self
            .output_names
            .iter()
            .cloned()
            .zip(outputs)
            .map(|(name, value)| Ok((name, as_declared(value.into_tensor())?)))
            .collect::<Result<_, VerifyError>>()?;
        let (encoding, summaries) = encoding::encode(&named)?;
        let output_hash = encoding::sha256(&encoding);
        Ok(Verification {
            output_hash,
            receipt: encoding::receipt(
                &self.model_hash,
                &inputs.hashes,
                verifier_hash,
                &output_hash,
            ),
            outputs: summaries,
            encoding,
        })
    }
}

/// `model` typed for `inputs`, and the inputs it is typed for the values of.
///
/// ONNX lets a model take shapes, axes or sizes as inputs (the opset-13 `Unsqueeze` and `Split`,
/// the opset-18 reductions, a window's length), and scales or parameters too (`Resize`'s scales,
/// quantisation scales, normalisation parameters given as inputs); tract types a graph, or knows
/// its shapes, only where they are known. Such a model is typed again with the values of its
/// integer inputs fixed and, if it cannot be typed at all, of all its inputs; it is then prepared
/// for those values, and a run with other values prepares it anew (`NotPreparedFor`). Which way a
/// model is typed depends only on the model and the inputs, so every engine takes the same way and
/// hashes alike, one-shot or prepared; one that types no way is refused with the first reason.
fn type_model(
    model: InferenceModel,
    model_bytes: &[u8],
    inputs: &[TValue],
) -> Result<(TypedModel, Vec<(usize, Tensor)>), VerifyError> {
    let mut model = Some(model);
    let mut first_error = None;
    // Typed for the inputs' shapes alone, but with shapes that depend on their values.
    let mut value_dependent = None;
    let mut last_fixed = None;
    for attempt in [Fixed::Nothing, Fixed::Integers, Fixed::All] {
        if value_dependent.is_some() && attempt == Fixed::All {
            break;
        }
        let fixed: Vec<(usize, Tensor)> = inputs
            .iter()
            .enumerate()
            .filter(|(_, t)| attempt.takes(t))
            .map(|(i, t)| (i, t.clone().into_tensor()))
            .collect();
        // An attempt fixing no more inputs than the last one would end as it did.
        if last_fixed == Some(fixed.len()) {
            continue;
        }
        last_fixed = Some(fixed.len());
        let model = match model.take() {
            Some(model) => model,
            None => decode_model(model_bytes)?,
        };
        match typed_for(model, inputs, attempt) {
            Ok(typed) if attempt == Fixed::Nothing && !shapes_known(&typed) => {
                value_dependent = Some((typed, fixed));
            }
            Ok(typed) => return Ok((typed, fixed)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    value_dependent.ok_or_else(|| unsupported(first_error.expect("the first attempt is made")))
}

/// Whether every tensor of `model` has a known shape.
fn shapes_known(model: &TypedModel) -> bool {
    model.nodes().iter().all(|n| {
        n.outputs
            .iter()
            .all(|o| o.fact.shape.as_concrete().is_some())
    })
}

/// Which inputs a model is typed for the values of, besides the types and shapes of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fixed {
    Nothing,
    Integers,
    All,
}

impl Fixed {
    fn takes(self, input: &TValue) -> bool {
        match self {
            Fixed::Nothing => false,
            Fixed::Integers => input.datum_type().is_integer(),
            Fixed::All => true,
        }
    }
}

/// `model` typed for the types and shapes of `inputs`, and for the values of those `fixed` takes.
fn typed_for(
    mut model: InferenceModel,
    inputs: &[TValue],
    fixed: Fixed,
) -> TractResult<TypedModel> {
    for (i, tensor) in inputs.iter().enumerate() {
        let fact = if fixed.takes(tensor) {
            InferenceFact::from(tensor.clone().into_tensor())
        } else {
            InferenceFact::dt_shape(tensor.datum_type(), tensor.shape())
        };
        model.set_input_fact(i, fact)?;
    }
    model.into_typed()
}

/// Decodes `given` in the order of `names`, each tensor passed to `check` (with its position and
/// name) before the next is decoded: an unknown or missing name is an error.
fn decode_inputs(
    names: &[String],
    given: &[NamedInput],
    limits: &Limits,
    mut check: impl FnMut(usize, &str, &Tensor) -> Result<(), VerifyError>,
) -> Result<DecodedInputs, VerifyError> {
    if let Some(extra) = given.iter().find(|i| !names.contains(&i.name)) {
        return Err(VerifyError::UnknownInput {
            name: extra.name.clone(),
        });
    }
    let mut decoded = DecodedInputs {
        tensors: TVec::new(),
        hashes: Vec::with_capacity(names.len()),
    };
    for (i, name) in names.iter().enumerate() {
        let input = given
            .iter()
            .find(|x| x.name == *name)
            .ok_or_else(|| VerifyError::MissingInput { name: name.clone() })?;
        let tensor = input::decode(input, limits.max_tensor_elements)?;
        check(i, name, &tensor)?;
        decoded.hashes.push(encoding::sha256(&input.bytes));
        decoded.tensors.push(tensor.into_tvalue());
    }
    Ok(decoded)
}

/// tract computes some int64 values (a cast to int64, a shape) as its symbolic dimensions, `TDim`.
/// ONNX has no such type: the model declared int64, and once run the values are plain integers.
fn as_declared(tensor: Tensor) -> Result<Tensor, VerifyError> {
    if tensor.datum_type() != DatumType::TDim {
        return Ok(tensor);
    }
    tensor
        .cast_to::<i64>()
        .map(|t| t.into_owned())
        .map_err(|e| VerifyError::Inference {
            reason: format!("an int64 output is still symbolic after the run: {e:#}"),
        })
}

/// Turns the typed model into a plan.
///
/// `into_optimized` would first run tract's declutter passes to a fixpoint; on real models that
/// costs several times the run itself (the PP-OCR classifier: 60 ms of declutter, dominated by
/// `ChangeAxes`, for a 2 ms run), and every one-shot verification (each check in a browser) pays
/// it. The codegen passes alone still pick the optimised kernels and fold constants. The run can
/// be slower (by up to a third, on DenseNet-121), but every verification measured is faster: twice
/// on the PP-OCR models (docs/verifier.md). The pipeline is part of what the verifier's hash
/// commits to, and prepared and one-shot runs share it, so they hash alike.
fn compile_plan(mut model: TypedModel) -> TractResult<Arc<TypedRunnableModel>> {
    model.optimize()?;
    model.into_runnable()
}

/// The given tensor must have the declared element type and rank, and every declared fixed
/// dimension; symbolic dimensions (a batch size, a sequence length) take any size.
fn check_input(name: &str, declared: &InferenceFact, tensor: &Tensor) -> Result<(), VerifyError> {
    let mismatch = |reason: String| VerifyError::InputMismatch {
        name: name.to_string(),
        reason,
    };
    if let Some(dt) = declared.datum_type.concretize()
        && dt != tensor.datum_type()
    {
        return Err(mismatch(format!(
            "the model takes {dt:?}, got {:?}",
            tensor.datum_type()
        )));
    }
    let dims: Vec<_> = declared.shape.dims().collect();
    if !declared.shape.is_open() && dims.len() != tensor.rank() {
        return Err(mismatch(format!(
            "the model takes rank {}, got shape {:?}",
            dims.len(),
            tensor.shape()
        )));
    }
    for (axis, (dim, &given)) in dims.iter().zip(tensor.shape()).enumerate() {
        if let Some(fixed) = dim.concretize().and_then(|d| d.to_i64().ok())
            && fixed != given as i64
        {
            return Err(mismatch(format!(
                "axis {axis} must be {fixed}, got shape {:?}",
                tensor.shape()
            )));
        }
    }
    Ok(())
}

/// Refuses a model whose tensors or multiply-adds, for these input shapes, exceed the limits.
fn check_costs(model: &TypedModel, limits: &Limits) -> Result<(), VerifyError> {
    let mut flops: u64 = 0;
    for node in model.nodes() {
        for fact in &node.outputs {
            if let Some(shape) = fact.fact.shape.as_concrete() {
                let elements = crate::limits::tensor_span(shape.iter().map(|&d| d as u64));
                if elements > limits.max_tensor_elements {
                    return Err(VerifyError::TensorTooLarge {
                        name: node.name.clone(),
                        elements,
                        max: limits.max_tensor_elements,
                    });
                }
            }
        }
        let inputs = model.node_input_facts(node.id).map_err(unsupported)?;
        // Ops that cannot say what they cost count as free; the tensor limit still bounds them.
        if let Ok(costs) = node.op.cost(&inputs) {
            for (cost, count) in costs {
                if matches!(cost, tract_onnx::tract_core::ops::Cost::FMA(_)) {
                    let n = count.to_i64().unwrap_or(i64::MAX).max(0) as u64;
                    flops = flops.saturating_add(n);
                }
            }
        }
    }
    if flops > limits.max_flops {
        return Err(VerifyError::TooManyFlops {
            flops,
            max: limits.max_flops,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(dims: &str) -> InferenceFact {
        // "N,3,?" : a symbol, a fixed size, an unknown size.
        let dims: TVec<tract_onnx::tract_hir::infer::DimFact> = dims
            .split(',')
            .map(|d| match d {
                "?" => tract_onnx::tract_hir::infer::GenericFactoid::Any,
                "N" => tract_onnx::tract_hir::infer::GenericFactoid::Only(TDim::Sym(
                    SymbolScope::default().sym("N"),
                )),
                n => tract_onnx::tract_hir::infer::GenericFactoid::Only(TDim::from(
                    n.parse::<i64>().unwrap(),
                )),
            })
            .collect();
        InferenceFact::dt(f32::datum_type())
            .with_shape(tract_onnx::tract_hir::infer::ShapeFactoid::closed(dims))
    }

    #[test]
    fn a_graph_output_that_nothing_defines_is_a_decode_error() {
        // The model_loading fuzzer's input: a graph whose outputs name no value.
        let model = b":\x00r\x00r\x00:\x00r\x00:\x02b\x00r\x00r\x00r\x00:\x00r\x00:\x00r\x00r\x00r\x00r\x00:\x00r\x00";
        let result = verify(model, &[0; 32], &[], &[0; 32], &Limits::default());
        assert!(
            matches!(result, Err(VerifyError::ModelDecode { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn symbolic_dimensions_take_any_size_and_fixed_ones_must_match() {
        let fact = declared("N,3,?");
        assert!(check_input("x", &fact, &Tensor::zero::<f32>(&[7, 3, 5]).unwrap()).is_ok());
        for bad in [
            Tensor::zero::<f32>(&[7, 4, 5]).unwrap(),
            Tensor::zero::<f32>(&[7, 3]).unwrap(),
            Tensor::zero::<i64>(&[7, 3, 5]).unwrap(),
        ] {
            assert!(matches!(
                check_input("x", &fact, &bad),
                Err(VerifyError::InputMismatch { .. })
            ));
        }
    }
}
