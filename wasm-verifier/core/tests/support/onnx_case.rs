//! One case of the ONNX backend test data (`<case>/model.onnx`, `<case>/test_data_set_<n>/
//! input_<i>.pb, output_<i>.pb`), run by a verifier on each data set and compared with the outputs
//! shipped with it.
//! Shared by the conformance test (the core, natively) and the node-suite test (the artefact, in
//! wasmer): `#[path]`-included by both, so the reading and the comparison are written once.

use std::path::{Path, PathBuf};

use poi_verifier::encoding::{self, DecodedOutput};
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier::model_inputs;
use poi_verifier::tolerance::compare;

/// `$POI_CACHE/onnx-data`, laid out by `scripts/onnx-test-data.py` (run by `make setup`).
pub fn data_dir() -> PathBuf {
    let cache = std::env::var_os("POI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/poi")
        });
    let dir = cache.join("onnx-data");
    assert!(dir.is_dir(), "{} missing: run 'make setup'", dir.display());
    dir
}

/// The cases of a suite, sorted by name.
pub fn cases(suite: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<_> = std::fs::read_dir(suite)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("model.onnx").is_file())
        .collect();
    cases.sort();
    cases
}

fn numbered(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<(usize, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?.to_string();
            let n = name
                .strip_prefix(prefix)?
                .strip_suffix(".pb")?
                .parse()
                .ok()?;
            Some((n, path))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

fn decoded(path: &Path) -> Result<DecodedOutput, String> {
    let input = NamedInput {
        name: "expected".into(),
        format: InputFormat::OnnxPb,
        bytes: std::fs::read(path).map_err(|e| e.to_string())?,
    };
    let tensor = poi_verifier::input::decode(&input, u64::MAX).map_err(|e| e.to_string())?;
    let (bytes, _) = encoding::encode(&[("expected".into(), tensor)]).map_err(|e| e.to_string())?;
    Ok(encoding::decode(&bytes)
        .map_err(|e| e.to_string())?
        .remove(0))
}

/// How a case ended. `Refused` and `Mismatch` carry the reason, cut to one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// A typed error of the verifier: the model or its inputs are not taken.
    Refused(String),
    /// The verifier ran the case and its outputs differ from the shipped ones.
    Mismatch(String),
    /// The verifier trapped or panicked: never acceptable.
    Crash(String),
    /// The shipped outputs are of a kind the encoding cannot hold (strings, for one).
    ReferenceUnreadable(String),
}

impl Outcome {
    /// The outcome as a record line: its first line, at most 160 characters, since tract's
    /// messages can run long.
    pub fn record(&self) -> String {
        let full = match self {
            Outcome::Pass => "pass".to_string(),
            Outcome::Refused(why) => format!("unsupported: {why}"),
            Outcome::Mismatch(why) => format!("mismatch: {why}"),
            Outcome::Crash(why) => format!("crash: {why}"),
            Outcome::ReferenceUnreadable(why) => format!("reference unreadable: {why}"),
        };
        full.lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(160)
            .collect()
    }
}

/// What a verifier made of a case: the canonical encoding of its outputs, or why it made none.
pub enum Run {
    Encoding(Vec<u8>),
    Refused(String),
    Crash(String),
}

/// Runs the case in `dir` with `verify` on each of its data sets (a language model's generation has
/// one per step) and compares its outputs with the shipped ones; the first set that does not pass
/// is the case's outcome.
pub fn run_case(
    dir: &Path,
    rtol: f64,
    atol: f64,
    mut verify: impl FnMut(&[u8], &[NamedInput]) -> Run,
) -> Outcome {
    let model = std::fs::read(dir.join("model.onnx")).unwrap();
    let names = match model_inputs(&model) {
        Ok(names) => names,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let sets: Vec<PathBuf> = (0..)
        .map(|n| dir.join(format!("test_data_set_{n}")))
        .take_while(|set| set.is_dir())
        .collect();
    if sets.is_empty() {
        return Outcome::ReferenceUnreadable("no test_data_set_0".into());
    }
    for (n, set) in sets.iter().enumerate() {
        match run_set(&model, &names, set, rtol, atol, &mut verify) {
            Outcome::Pass => {}
            Outcome::Mismatch(why) if n > 0 => {
                return Outcome::Mismatch(format!("test_data_set_{n}: {why}"));
            }
            outcome => return outcome,
        }
    }
    Outcome::Pass
}

fn run_set(
    model: &[u8],
    names: &[String],
    set: &Path,
    rtol: f64,
    atol: f64,
    verify: &mut impl FnMut(&[u8], &[NamedInput]) -> Run,
) -> Outcome {
    let inputs: Vec<NamedInput> = numbered(set, "input_")
        .into_iter()
        .zip(names)
        .map(|(path, name)| NamedInput {
            name: name.clone(),
            format: InputFormat::OnnxPb,
            bytes: std::fs::read(path).unwrap(),
        })
        .collect();
    let ours = match verify(model, &inputs) {
        Run::Encoding(bytes) => encoding::decode(&bytes).unwrap(),
        Run::Refused(why) => return Outcome::Refused(why),
        Run::Crash(why) => return Outcome::Crash(why),
    };
    let expected: Vec<DecodedOutput> = match numbered(set, "output_")
        .iter()
        .map(|p| decoded(p))
        .collect()
    {
        Ok(e) => e,
        Err(e) => return Outcome::ReferenceUnreadable(e),
    };
    if ours.len() != expected.len() {
        return Outcome::Mismatch(format!(
            "{} outputs, expected {}",
            ours.len(),
            expected.len()
        ));
    }
    for (mut o, e) in ours.into_iter().zip(expected) {
        // Names in the reference files are not always the graph's; values, types and shapes are.
        o.summary.name = e.summary.name.clone();
        let c = compare(&[o], &[e], atol, rtol);
        if !c.within {
            return Outcome::Mismatch(match c.mismatch {
                Some(m) => m,
                None => format!("deviation {:.3e}", c.max_abs_deviation),
            });
        }
    }
    Outcome::Pass
}

/// Holds a suite to its record at `path`: under `POI_BLESS` the record becomes `report`; then every
/// case the record lists as passing must pass now (`passes`).
pub fn hold_to_record(path: &Path, report: &str, passes: impl Fn(&str) -> bool) {
    if std::env::var_os("POI_BLESS").is_some() {
        std::fs::write(path, report).unwrap();
    }
    println!("{report}");
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with POI_BLESS=1", path.display()));
    for line in expected.lines().filter(|l| l.ends_with(": pass")) {
        let case = line.trim_end_matches(": pass");
        assert!(passes(case), "{case} used to pass");
    }
}
