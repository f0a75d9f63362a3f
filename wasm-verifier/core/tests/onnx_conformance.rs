//! The PyTorch-exported models of the ONNX backend test data (`pytorch-converted`,
//! `pytorch-operator`, and the `light` architectures), run through the verifier and compared with
//! the outputs shipped with them: within 1e-4 relative (plus 1e-5 absolute, for values near zero).
//!
//! `tests/conformance.expected` records every case's outcome. A case recorded as passing must keep
//! passing; `POI_BLESS=1` rewrites the record after a deliberate change. The data is laid out by
//! `scripts/onnx-test-data.py` (run by `make setup`) under `$POI_CACHE/onnx-data`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use poi_verifier::encoding::{self, DecodedOutput};
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier::tolerance::compare;
use poi_verifier::{Limits, model_inputs, verify};

const RTOL: f64 = 1e-4;
const ATOL: f64 = 1e-5;
const SUITES: [&str; 3] = ["pytorch-converted", "pytorch-operator", "light"];

fn data_dir() -> PathBuf {
    let cache = std::env::var_os("POI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/poi")
        });
    let dir = cache.join("onnx-data");
    assert!(dir.is_dir(), "{} missing: run 'make setup'", dir.display());
    dir
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

/// "pass", or why not.
fn run_case(dir: &Path) -> String {
    let model = std::fs::read(dir.join("model.onnx")).unwrap();
    let set = dir.join("test_data_set_0");
    let names = match model_inputs(&model) {
        Ok(names) => names,
        Err(e) => return format!("unsupported: {e}"),
    };
    let inputs: Vec<NamedInput> = numbered(&set, "input_")
        .into_iter()
        .zip(&names)
        .map(|(path, name)| NamedInput {
            name: name.clone(),
            format: InputFormat::OnnxPb,
            bytes: std::fs::read(path).unwrap(),
        })
        .collect();
    let result = match verify(
        &model,
        &encoding::sha256(&model),
        &inputs,
        &[0; 32],
        &Limits::default(),
    ) {
        Ok(result) => result,
        Err(e) => return format!("unsupported: {e}"),
    };
    let ours = encoding::decode(&result.encoding).unwrap();
    let expected: Vec<DecodedOutput> = match numbered(&set, "output_")
        .iter()
        .map(|p| decoded(p))
        .collect()
    {
        Ok(e) => e,
        Err(e) => return format!("reference unreadable: {e}"),
    };
    if ours.len() != expected.len() {
        return format!(
            "mismatch: {} outputs, expected {}",
            ours.len(),
            expected.len()
        );
    }
    for (mut o, e) in ours.into_iter().zip(expected) {
        // Names in the reference files are not always the graph's; values, types and shapes are.
        o.summary.name = e.summary.name.clone();
        let c = compare(&[o], &[e], ATOL, RTOL);
        if !c.within {
            return match c.mismatch {
                Some(m) => format!("mismatch: {m}"),
                None => format!("mismatch: deviation {:.3e}", c.max_abs_deviation),
            };
        }
    }
    "pass".into()
}

#[test]
#[ignore = "needs the ONNX test data that `make setup` lays out; `make test` runs it"]
fn shipped_pytorch_models_match_their_reference_outputs() {
    let data = data_dir();
    let mut outcomes = BTreeMap::new();
    for suite in SUITES {
        let mut cases: Vec<_> = std::fs::read_dir(data.join(suite))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cases.sort();
        for case in cases {
            let name = format!("{suite}/{}", case.file_name().unwrap().to_string_lossy());
            // One line per case; long tract messages are cut to their first line.
            let outcome = run_case(&case)
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect::<String>();
            outcomes.insert(name, outcome);
        }
    }
    let passed = outcomes.values().filter(|o| *o == "pass").count();
    let mut report = format!(
        "# {passed} of {} cases pass (rtol {RTOL:e}, atol {ATOL:e})\n",
        outcomes.len()
    );
    for (case, outcome) in &outcomes {
        report.push_str(&format!("{case}: {outcome}\n"));
    }
    let record = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance.expected");
    if std::env::var_os("POI_BLESS").is_some() {
        std::fs::write(&record, &report).unwrap();
    }
    println!("{report}");
    let expected =
        std::fs::read_to_string(&record).expect("tests/conformance.expected: run with POI_BLESS=1");
    for line in expected.lines().filter(|l| l.ends_with(": pass")) {
        let case = line.trim_end_matches(": pass");
        assert_eq!(
            outcomes.get(case).map(String::as_str),
            Some("pass"),
            "{case} used to pass"
        );
    }
}
