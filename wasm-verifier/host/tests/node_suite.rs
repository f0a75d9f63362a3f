//! The ONNX node tests (`onnx/backend/test/data/node`, one operator per case: the suite every ONNX
//! runtime reports against) run through the artefact in wasmer and compared with their shipped
//! outputs (rtol 1e-3, atol 1e-4).
//!
//! `tests/node-suite.expected` records every case's outcome, headed by the share of the cases
//! onnxruntime passes (`tests/node-suite.onnxruntime`, written by
//! `scripts/node-suite-onnxruntime.py`) that the artefact passes too. A case recorded as passing
//! must keep passing; no case may crash the artefact, run it out of points (a hang, in a suite of
//! single small operators) or give outputs other than the shipped ones: the artefact answers
//! right or refuses with a typed error. `POI_BLESS=1` rewrites the record after a deliberate
//! change. The data is laid out by `scripts/onnx-test-data.py` (run by `make setup`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use poi_verifier::Limits;
use poi_verifier_host::{HostConfig, HostError, WasmVerifier};

#[path = "../../core/tests/support/onnx_case.rs"]
mod onnx_case;
use onnx_case::{Outcome, Run, cases, data_dir, hold_to_record, run_case};

const RTOL: f64 = 1e-3;
const ATOL: f64 = 1e-4;

fn record(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm and the node tests `make setup` lays out; `make test` runs it"]
fn the_onnx_node_tests_run_in_the_artefact_as_recorded() {
    let wasm = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../artifacts/poi_verifier.wasm"
    ))
    .expect("artifacts/poi_verifier.wasm: build it with 'make wasm'");
    let cache = data_dir().join("../wasmer");
    // One operator on small tensors needs a few million points; a case that would need more than
    // a thousand times that is stopped and recorded as out of points rather than waited for.
    let config = HostConfig {
        metering_limit: 10_000_000_000,
        ..HostConfig::default()
    };
    let verifier = WasmVerifier::load(&wasm, None, config, Some(cache)).unwrap();

    let mut outcomes = BTreeMap::new();
    for case in cases(&data_dir().join("node")) {
        let name = format!("node/{}", case.file_name().unwrap().to_string_lossy());
        let outcome = run_case(&case, RTOL, ATOL, |model, inputs| {
            match verifier.verify(model, inputs, &Limits::default()) {
                Ok(verification) => Run::Encoding(verification.encoding),
                Err(
                    e @ (HostError::Trap(_) | HostError::Abi(_) | HostError::OutOfPoints { .. }),
                ) => Run::Crash(e.to_string()),
                Err(e) => Run::Refused(e.to_string()),
            }
        });
        outcomes.insert(name, outcome);
    }

    let onnxruntime = std::fs::read_to_string(record("node-suite.onnxruntime"))
        .expect("tests/node-suite.onnxruntime: run scripts/node-suite-onnxruntime.py");
    let theirs: BTreeSet<&str> = onnxruntime
        .lines()
        .filter_map(|l| l.strip_suffix(": pass"))
        .collect();
    let both = theirs
        .iter()
        .filter(|case| outcomes.get(**case) == Some(&Outcome::Pass))
        .count();
    let count = |f: fn(&Outcome) -> bool| outcomes.values().filter(|o| f(o)).count();
    let passed = count(|o| *o == Outcome::Pass);
    let mut report = format!(
        "# the artefact passes {passed} of {} node tests (rtol {RTOL:e}, atol {ATOL:e}); of the {} \
         onnxruntime passes, {both} ({:.1}%); refused {}, mismatched {}, crashed {}\n",
        outcomes.len(),
        theirs.len(),
        100.0 * both as f64 / theirs.len().max(1) as f64,
        count(|o| matches!(o, Outcome::Refused(_) | Outcome::ReferenceUnreadable(_))),
        count(|o| matches!(o, Outcome::Mismatch(_))),
        count(|o| matches!(o, Outcome::Crash(_))),
    );
    for (case, outcome) in &outcomes {
        report.push_str(&format!("{case}: {}\n", outcome.record()));
    }
    hold_to_record(&record("node-suite.expected"), &report, |case| {
        outcomes.get(case) == Some(&Outcome::Pass)
    });
    let wrong: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Crash(_) | Outcome::Mismatch(_)))
        .collect();
    assert!(
        wrong.is_empty(),
        "cases crashed or hung the artefact, or it answered them wrongly: {wrong:?}"
    );
}
