//! The PyTorch-exported models of the ONNX backend test data (`pytorch-converted`,
//! `pytorch-operator`, and the `light` architectures), run through the verifier and compared with
//! the outputs shipped with them: within 1e-4 relative (plus 1e-5 absolute, for values near zero).
//!
//! `tests/conformance.expected` records every case's outcome. A case recorded as passing must keep
//! passing; `POI_BLESS=1` rewrites the record after a deliberate change. The data is laid out by
//! `scripts/onnx-test-data.py` (run by `make setup`) under `$POI_CACHE/onnx-data`.

use std::collections::BTreeMap;
use std::path::Path;

use poi_verifier::{Limits, VerifyError, encoding, verify};

#[path = "support/onnx_case.rs"]
mod onnx_case;
use onnx_case::{Run, cases, data_dir, hold_to_record, run_case};

const RTOL: f64 = 1e-4;
const ATOL: f64 = 1e-5;
const SUITES: [&str; 3] = ["pytorch-converted", "pytorch-operator", "light"];

#[test]
#[ignore = "needs the ONNX test data that `make setup` lays out; `make test` runs it"]
fn shipped_pytorch_models_match_their_reference_outputs() {
    let data = data_dir();
    let mut outcomes = BTreeMap::new();
    for suite in SUITES {
        for case in cases(&data.join(suite)) {
            let name = format!("{suite}/{}", case.file_name().unwrap().to_string_lossy());
            let outcome = run_case(&case, RTOL, ATOL, |model, inputs| {
                match verify(
                    model,
                    &encoding::sha256(model),
                    inputs,
                    &[0; 32],
                    &Limits::default(),
                ) {
                    Ok(result) => Run::Encoding(result.encoding),
                    Err(e @ VerifyError::Panicked { .. }) => Run::Crash(e.to_string()),
                    Err(e) => Run::Refused(e.to_string()),
                }
            });
            outcomes.insert(name, outcome.record());
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
    hold_to_record(&record, &report, |case| {
        outcomes.get(case).map(String::as_str) == Some("pass")
    });
}
