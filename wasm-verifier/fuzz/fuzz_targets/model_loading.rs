//! Any bytes as an ONNX model, run on zero-filled inputs of the shapes the model itself declares:
//! a typed error or a result, never a crash, a hang or an allocation the limits should have
//! prevented. Seeded with real models (scripts/fuzz.sh), so mutations reach tract's translation,
//! compilation and kernels, not only the protobuf decoder.
//!
//! The core turns a panic inside tract into `VerifyError::Panicked` (the wasm build traps, and the
//! host reports the trap), so this target lets `verify` catch panics the way it does in
//! production, and libFuzzer reports what is left: aborts, stack overflows, out-of-memory (the run
//! is capped with `-rss_limit_mb`) and hangs (`-timeout`). Set `POI_FUZZ_PANICS=1` to have every
//! panic reported instead, to find the next one worth refusing before tract sees it.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier::{Limits, dtype, verify};
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;
use tract_onnx::tract_hir::internal::DimLike;

static QUIET_PANICS: Once = Once::new();

/// Zero-filled JSON inputs for the model's declared inputs, where it declares a supported element
/// type and a small concrete shape; otherwise a 1x4 f32 tensor under the input's name.
fn declared_inputs(model: &[u8]) -> Vec<NamedInput> {
    // Only a model the core's own checks accept is handed to tract here, so that with
    // POI_FUZZ_PANICS a panic found is one `verify` would meet too.
    if poi_verifier::model_inputs(model).is_err() {
        return Vec::new();
    }
    let Ok(Ok(model)) =
        std::panic::catch_unwind(|| tract_onnx::onnx().model_for_read(&mut &model[..]))
    else {
        return Vec::new();
    };
    let Ok(outlets) = model.input_outlets() else {
        return Vec::new();
    };
    outlets
        .iter()
        .enumerate()
        .map(|(i, outlet)| {
            let fact = model.input_fact(i).ok();
            let dt = fact
                .and_then(|f| f.datum_type.concretize())
                .and_then(|dt| dtype::name(dt).ok())
                .unwrap_or("f32");
            let shape: Vec<usize> = fact
                .and_then(|f| f.shape.concretize())
                .and_then(|dims| dims.iter().map(|d| d.to_usize().ok()).collect())
                .filter(|dims: &Vec<usize>| dims.iter().product::<usize>() <= 4096)
                .unwrap_or_else(|| vec![1, 4]);
            let zeros = vec![if dt == "bool" { "false" } else { "0" }; shape.iter().product()];
            NamedInput {
                name: model.node(outlet.node).name.clone(),
                format: InputFormat::Json,
                bytes: format!(
                    r#"{{"dtype":"{dt}","shape":{shape:?},"data":[{}]}}"#,
                    zeros.join(",")
                )
                .into_bytes(),
            }
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    QUIET_PANICS.call_once(|| {
        if std::env::var_os("POI_FUZZ_PANICS").is_none() {
            // libFuzzer's hook aborts on any panic, even one `verify` catches.
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
    let limits = Limits {
        max_flops: 10_000_000,
        max_tensor_elements: 1 << 16,
        ..Limits::default()
    };
    let _ = verify(data, &[0; 32], &declared_inputs(data), &[0; 32], &limits);
});
