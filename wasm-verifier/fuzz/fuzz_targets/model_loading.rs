//! Any bytes as an ONNX model with a small JSON input: a typed error or a result, never a crash
//! (the core turns tract's panics into `VerifyError::Panicked`, so a crash here is a real bug).
#![no_main]

use libfuzzer_sys::fuzz_target;
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier::{Limits, verify};

fuzz_target!(|data: &[u8]| {
    let input = NamedInput {
        name: "input".into(),
        format: InputFormat::Json,
        bytes: br#"{"dtype":"f32","shape":[1,4],"data":[1,2,3,4]}"#.to_vec(),
    };
    let limits = Limits { max_flops: 10_000_000, max_tensor_elements: 1 << 16, ..Limits::default() };
    let _ = verify(data, &[input], &[0; 32], &limits);
});
