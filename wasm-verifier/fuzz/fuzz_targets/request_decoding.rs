//! Any bytes as a verifier request, and as each input format: an error or a value, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use poi_verifier::input::{InputFormat, NamedInput, decode};
use poi_verifier::request::Request;

fuzz_target!(|data: &[u8]| {
    let _ = Request::decode(data);
    let _ = poi_verifier::encoding::decode(data);
    for format in [InputFormat::Npy, InputFormat::OnnxPb, InputFormat::Json] {
        let input = NamedInput {
            name: "x".into(),
            format,
            bytes: data.to_vec(),
        };
        let _ = decode(&input, 1 << 20);
    }
});
