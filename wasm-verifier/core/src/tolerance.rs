//! Comparing a recomputed output with a claimed one, for models verified with a tolerance:
//! every value `x` must satisfy `|x - y| <= atol + rtol * |y|` against the claimed `y`.

use serde::Serialize;

use crate::encoding::DecodedOutput;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub within: bool,
    /// The largest `|x - y|` over all values (NaN against NaN counts as equal).
    pub max_abs_deviation: f64,
    /// Where the first value out of tolerance is, if any: output name and flat index.
    pub first_violation: Option<(String, usize)>,
    /// Set when the outputs differ in names, types or shapes; values are then not compared.
    pub mismatch: Option<String>,
}

pub fn compare(
    recomputed: &[DecodedOutput],
    claimed: &[DecodedOutput],
    atol: f64,
    rtol: f64,
) -> Comparison {
    let mut result = Comparison {
        within: true,
        max_abs_deviation: 0.0,
        first_violation: None,
        mismatch: None,
    };
    if recomputed.len() != claimed.len() {
        result.within = false;
        result.mismatch = Some(format!(
            "{} outputs, claimed {}",
            recomputed.len(),
            claimed.len()
        ));
        return result;
    }
    for (x, y) in recomputed.iter().zip(claimed) {
        if x.summary != y.summary {
            result.within = false;
            result.mismatch = Some(format!("{:?} against claimed {:?}", x.summary, y.summary));
            return result;
        }
        for (i, (a, b)) in x.values.iter().zip(&y.values).enumerate() {
            let ok = if a.is_nan() || b.is_nan() {
                a.is_nan() && b.is_nan()
            } else if a.is_infinite() || b.is_infinite() {
                a == b
            } else {
                let d = (a - b).abs();
                result.max_abs_deviation = result.max_abs_deviation.max(d);
                d <= atol + rtol * b.abs()
            };
            if !ok {
                result.within = false;
                if result.first_violation.is_none() {
                    result.first_violation = Some((x.summary.name.clone(), i));
                }
                if a.is_nan() != b.is_nan() || a.is_infinite() || b.is_infinite() {
                    result.max_abs_deviation = f64::INFINITY;
                }
            }
        }
    }
    result
}
