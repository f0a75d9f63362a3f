//! `NegativeLogLikelihoodLoss` and `SoftmaxCrossEntropyLoss` (opset 12 on).
//!
//! Both pick, for each sample, the score of its target class out of `(N, C, d1, .., dk)` scores,
//! negate it and weigh it by the class's weight; a target equal to `ignore_index` counts for
//! nothing. `SoftmaxCrossEntropyLoss` is the same on the log-softmax of the scores over the class
//! axis, which it can also output. tract has no gather-by-target-with-weights op, so the loss is
//! an op of its own ([`NllLoss`]); the log-softmax is tract's.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::nn::{Softmax, SoftmaxKind};
use tract_onnx::tract_hir::internal::*;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("NegativeLogLikelihoodLoss", negative_log_likelihood_loss);
    registry.insert("SoftmaxCrossEntropyLoss", softmax_cross_entropy_loss);
}

/// What a loss over many samples is reduced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reduction {
    /// One loss per sample, in the target's shape.
    None,
    Sum,
    /// The sum divided by the sum of the weights that counted (not by the number of samples).
    Mean,
}

fn loss_attributes(node: &NodeProto) -> TractResult<NllLoss> {
    let reduction = match node.get_attr_opt::<&str>("reduction")?.unwrap_or("mean") {
        "none" => Reduction::None,
        "sum" => Reduction::Sum,
        "mean" => Reduction::Mean,
        other => bail!("{}: unknown reduction {other:?}", node.op_type),
    };
    Ok(NllLoss {
        ignore_index: node.get_attr_opt::<i64>("ignore_index")?,
        reduction,
    })
}

fn negative_log_likelihood_loss(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    Ok((expand(LossExpansion::Nll(loss_attributes(node)?)), vec![]))
}

fn softmax_cross_entropy_loss(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let loss = loss_attributes(node)?;
    let log_prob = node.output.get(1).is_some_and(|name| !name.is_empty());
    Ok((
        expand(LossExpansion::SoftmaxCrossEntropy { loss, log_prob }),
        vec![],
    ))
}

/// The two ONNX operators as tract reads them, before typing.
#[derive(Debug, Clone, Hash)]
enum LossExpansion {
    Nll(NllLoss),
    /// `log_prob`: the node also outputs the log-softmax of the scores.
    SoftmaxCrossEntropy {
        loss: NllLoss,
        log_prob: bool,
    },
}

impl LossExpansion {
    fn loss(&self) -> &NllLoss {
        match self {
            LossExpansion::Nll(loss) | LossExpansion::SoftmaxCrossEntropy { loss, .. } => loss,
        }
    }
}

impl Expansion for LossExpansion {
    fn name(&self) -> StaticName {
        match self {
            LossExpansion::Nll(_) => "NegativeLogLikelihoodLoss".into(),
            LossExpansion::SoftmaxCrossEntropy { .. } => "SoftmaxCrossEntropyLoss".into(),
        }
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(match self {
            LossExpansion::SoftmaxCrossEntropy { log_prob: true, .. } => 2,
            _ => 1,
        })
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        if inputs.len() != 2 && inputs.len() != 3 {
            bail!(
                "{}: expected 2 or 3 inputs, got {}",
                self.name(),
                inputs.len()
            );
        }
        check_output_arity(outputs, self.nboutputs()?)?;
        s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
        if let Some(weight) = inputs.get(2) {
            s.equals(&weight.datum_type, &inputs[0].datum_type)?;
            s.equals(&weight.rank, 1)?;
        }
        s.equals(&inputs[1].rank, inputs[0].rank.bex() - 1)?;
        if self.loss().reduction == Reduction::None {
            s.equals(&outputs[0].shape, &inputs[1].shape)?;
        } else {
            s.equals(&outputs[0].rank, 0)?;
        }
        if let Some(log_prob) = outputs.get(1) {
            s.equals(&log_prob.datum_type, &inputs[0].datum_type)?;
            s.equals(&log_prob.shape, &inputs[0].shape)?;
        }
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        match self {
            LossExpansion::Nll(loss) => model.wire_node(prefix, loss.clone(), inputs),
            LossExpansion::SoftmaxCrossEntropy { loss, log_prob } => {
                let log_softmax = Softmax {
                    axes: tvec!(1),
                    quant_output_dt: None,
                    kind: SoftmaxKind::LogSoftmax,
                };
                let scores =
                    model.wire_node(format!("{prefix}.log_prob"), log_softmax, &inputs[..1])?[0];
                let mut loss_inputs: TVec<OutletId> = inputs.into();
                loss_inputs[0] = scores;
                let mut outputs = model.wire_node(prefix, loss.clone(), &loss_inputs)?;
                if *log_prob {
                    outputs.push(scores);
                }
                Ok(outputs)
            }
        }
    }
}

/// The negative log-likelihood loss of log-probabilities `(N, C, d1, .., dk)` for target classes
/// `(N, d1, .., dk)`, with optional class weights `(C)`.
///
/// Computed in f64 whatever the element type, and rounded to it once at the end, so a sum over
/// many samples loses nothing to the order it is taken in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NllLoss {
    pub ignore_index: Option<i64>,
    pub reduction: Reduction,
}

impl Op for NllLoss {
    fn name(&self) -> StaticName {
        "NegativeLogLikelihoodLoss".into()
    }

    op_as_typed_op!();
}

impl EvalOp for NllLoss {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let dt = inputs[0].datum_type();
        let shape = inputs[0].shape();
        let target_shape = inputs[1].shape();
        if shape.len() < 2
            || target_shape.len() != shape.len() - 1
            || target_shape[0] != shape[0]
            || target_shape[1..] != shape[2..]
        {
            bail!(
                "NegativeLogLikelihoodLoss: scores {shape:?} and targets {target_shape:?} do not match"
            );
        }
        let (samples, classes) = (shape[0], shape[1]);
        let positions: usize = shape[2..].iter().product();
        let scores = inputs[0].cast_to::<f64>()?;
        let scores = scores.try_as_plain_ram()?.as_slice::<f64>()?;
        let targets = inputs[1].cast_to::<i64>()?;
        let targets = targets.try_as_plain_ram()?.as_slice::<i64>()?;
        let weights = match inputs.get(2) {
            Some(w) if w.shape() != [classes] => {
                bail!(
                    "NegativeLogLikelihoodLoss: {} weights for {classes} classes",
                    w.len()
                )
            }
            Some(w) => Some(w.cast_to::<f64>()?.into_owned()),
            None => None,
        };
        let weights = weights
            .as_ref()
            .map(|w| w.try_as_plain_ram()?.as_slice::<f64>())
            .transpose()?;

        let mut losses = Vec::with_capacity(targets.len());
        let mut weight_sum = 0f64;
        for n in 0..samples {
            for d in 0..positions {
                let target = targets[n * positions + d];
                if Some(target) == self.ignore_index {
                    losses.push(0.0);
                    continue;
                }
                let class = usize::try_from(target)
                    .ok()
                    .filter(|c| *c < classes)
                    .with_context(|| {
                        format!("NegativeLogLikelihoodLoss: target {target} is not one of the {classes} classes")
                    })?;
                let weight = weights.map_or(1.0, |w| w[class]);
                losses.push(-scores[(n * classes + class) * positions + d] * weight);
                weight_sum += weight;
            }
        }
        let loss = match self.reduction {
            Reduction::None => Tensor::from_shape(target_shape, &losses)?,
            Reduction::Sum => tensor0(losses.iter().sum::<f64>()),
            Reduction::Mean => tensor0(losses.iter().sum::<f64>() / weight_sum),
        };
        Ok(tvec!(loss.cast_to_dt(dt)?.into_owned().into_tvalue()))
    }
}

impl TypedOp for NllLoss {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let dt = inputs[0].datum_type;
        Ok(tvec!(match self.reduction {
            Reduction::None => dt.fact(inputs[1].shape.clone()),
            Reduction::Sum | Reduction::Mean => dt.scalar_fact(),
        }))
    }
}
