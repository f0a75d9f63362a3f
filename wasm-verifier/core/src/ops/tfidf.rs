//! `TfIdfVectorizer` (opset 9 on) over integer tokens: counts, in each row, the n-grams of the
//! model's pool (n from `min_gram_length` to `max_gram_length`, with tokens up to
//! `max_skip_count` apart), and weighs the counts as term frequencies, inverse document
//! frequencies or both. Unigrams count once, not once per skip distance, as the standard's
//! reference does. String pools are refused: poi's tensors hold no strings.

use std::collections::BTreeMap;

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::known_shapes;

pub fn register(registry: &mut OnnxOpRegister) {
    registry.insert("TfIdfVectorizer", tfidf_vectorizer);
}

fn tfidf_vectorizer(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    if node
        .get_attr_opt_vec::<String>("pool_strings")?
        .is_some_and(|p| !p.is_empty())
    {
        bail!("TfIdfVectorizer: string pools are not supported");
    }
    let count = |name: &str| -> TractResult<usize> {
        usize::try_from(node.get_attr::<i64>(name)?)
            .with_context(|| format!("TfIdfVectorizer: {name}"))
    };
    let weighting = match node.get_attr::<&str>("mode")? {
        "TF" => Weighting::Tf,
        "IDF" => Weighting::Idf,
        "TFIDF" => Weighting::TfIdf,
        other => bail!("TfIdfVectorizer: unknown mode {other:?}"),
    };
    let (min, max, skips) = (
        count("min_gram_length")?,
        count("max_gram_length")?,
        count("max_skip_count")?,
    );
    if min == 0 || min > max {
        bail!("TfIdfVectorizer: gram lengths {min}..={max}");
    }
    let pool = node
        .get_attr_opt_vec::<i64>("pool_int64s")?
        .unwrap_or_default();
    let starts = node.get_attr_vec::<i64>("ngram_counts")?;
    let indexes = node.get_attr_vec::<i64>("ngram_indexes")?;
    let weights = node.get_attr_opt_vec::<f32>("weights")?.unwrap_or_default();
    let output_size = indexes.iter().max().map_or(0, |m| *m + 1) as usize;
    if indexes.iter().any(|i| *i < 0) || (!weights.is_empty() && weights.len() < output_size) {
        bail!("TfIdfVectorizer: inconsistent ngram_indexes or weights");
    }
    // The pool holds the 1-grams, then the 2-grams, ...; `ngram_counts` says where each starts.
    // Every n-gram takes the next id (an index into `ngram_indexes`), kept or not.
    let mut grams = BTreeMap::new();
    let mut id = 0;
    for (i, &start) in starts.iter().enumerate() {
        let n = i + 1;
        let end = starts.get(i + 1).copied().unwrap_or(pool.len() as i64);
        let (start, end) = (usize::try_from(start)?, usize::try_from(end)?);
        if start > end || end > pool.len() {
            bail!(
                "TfIdfVectorizer: ngram_counts {starts:?} for a pool of {}",
                pool.len()
            );
        }
        for gram in pool[start..end].chunks_exact(n) {
            if (min..=max).contains(&n) {
                let column = *indexes
                    .get(id)
                    .context("TfIdfVectorizer: fewer ngram_indexes than n-grams")?;
                grams.insert(gram.to_vec(), column as usize);
            }
            id += 1;
        }
    }
    let op = TfIdf {
        grams,
        min,
        max,
        skips,
        weighting,
        weights: weights.iter().map(|w| w.to_bits()).collect(),
        output_size,
    };
    Ok((inference_wrap(op, 1, rules), vec![]))
}

fn rules<'p>(
    _op: &dyn Op,
    s: &mut Solver,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
) -> InferenceResult {
    check_input_arity(inputs, 1)?;
    check_output_arity(outputs, 1)?;
    s.equals(&outputs[0].datum_type, f32::datum_type())?;
    Ok(())
}

#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
enum Weighting {
    Tf,
    Idf,
    TfIdf,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct TfIdf {
    /// Each kept n-gram and its output column.
    grams: BTreeMap<Vec<i64>, usize>,
    min: usize,
    max: usize,
    skips: usize,
    weighting: Weighting,
    /// f32 bits, so the op can be hashed and compared.
    weights: Vec<u32>,
    output_size: usize,
}

impl TfIdf {
    fn rows(&self, shape: &[usize]) -> TractResult<(usize, usize, TVec<usize>)> {
        match *shape {
            [] => Ok((1, 1, tvec![self.output_size])),
            [c] => Ok((1, c, tvec![self.output_size])),
            [b, c] if b > 0 => Ok((b, c, tvec![b, self.output_size])),
            _ => bail!("TfIdfVectorizer: an input of shape {shape:?}"),
        }
    }

    fn count_row(&self, row: &[i64], counts: &mut [u64]) {
        let mut smallest = self.min;
        for skip in 1..=self.skips + 1 {
            for start in 0..row.len() {
                for n in smallest..=self.max {
                    let last = start + skip * (n - 1);
                    if last >= row.len() {
                        break;
                    }
                    let gram: Vec<i64> = (0..n).map(|k| row[start + k * skip]).collect();
                    if let Some(&column) = self.grams.get(&gram) {
                        counts[column] += 1;
                    }
                }
            }
            // Unigrams are the same at every distance: counted at the first only.
            if smallest == 1 {
                smallest = 2;
                if smallest > self.max {
                    break;
                }
            }
        }
    }
}

impl Op for TfIdf {
    fn name(&self) -> StaticName {
        "TfIdfVectorizer".into()
    }

    op_as_typed_op!();
}

impl EvalOp for TfIdf {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = &inputs[0];
        if !input.datum_type().is_integer() {
            bail!("TfIdfVectorizer: {:?} tokens", input.datum_type());
        }
        let (rows, width, shape) = self.rows(input.shape())?;
        let tokens = input.cast_to::<i64>()?;
        let tokens = tokens.try_as_plain_ram()?.as_slice::<i64>()?;
        let mut counts = vec![0u64; rows * self.output_size];
        for r in 0..rows {
            self.count_row(
                &tokens[r * width..][..width],
                &mut counts[r * self.output_size..][..self.output_size],
            );
        }
        let weight = |i: usize| {
            self.weights
                .get(i % self.output_size.max(1))
                .map(|w| f32::from_bits(*w))
        };
        let values: Vec<f32> = counts
            .iter()
            .enumerate()
            .map(|(i, &c)| match (self.weighting, weight(i)) {
                (Weighting::Tf, _) => c as f32,
                (Weighting::Idf, Some(w)) => {
                    if c > 0 {
                        w
                    } else {
                        0.0
                    }
                }
                (Weighting::Idf, None) => {
                    if c > 0 {
                        1.0
                    } else {
                        0.0
                    }
                }
                (Weighting::TfIdf, Some(w)) => w * c as f32,
                (Weighting::TfIdf, None) => c as f32,
            })
            .collect();
        Ok(tvec!(Tensor::from_shape(&shape, &values)?.into_tvalue()))
    }
}

impl TypedOp for TfIdf {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let shape = &known_shapes("TfIdfVectorizer", inputs)?[0];
        Ok(tvec!(f32::datum_type().fact(self.rows(shape)?.2)))
    }
}
