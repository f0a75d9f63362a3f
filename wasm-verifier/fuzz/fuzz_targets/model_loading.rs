//! Any bytes as an ONNX model with a small JSON input: a typed error or a result, never a crash,
//! a hang or an allocation the limits should have prevented.
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
use poi_verifier::{Limits, verify};

static QUIET_PANICS: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    QUIET_PANICS.call_once(|| {
        if std::env::var_os("POI_FUZZ_PANICS").is_none() {
            // libFuzzer's hook aborts on any panic, even one `verify` catches.
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
    let input = NamedInput {
        name: "input".into(),
        format: InputFormat::Json,
        bytes: br#"{"dtype":"f32","shape":[1,4],"data":[1,2,3,4]}"#.to_vec(),
    };
    let limits = Limits {
        max_flops: 10_000_000,
        max_tensor_elements: 1 << 16,
        ..Limits::default()
    };
    let _ = verify(data, &[input], &[0; 32], &limits);
});
