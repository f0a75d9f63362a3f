//! The verifier artefact in wasmer: the same hash on every run, native tract within tolerance of
//! it, and every hostile model or input a typed error, never a crash or a hang.

use std::path::PathBuf;
use std::sync::OnceLock;

use poi_verifier::encoding;
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier::tolerance::compare;
use poi_verifier::{Limits, model_inputs, verify};
use poi_verifier_host::{HostConfig, HostError, WasmVerifier};

fn cache() -> PathBuf {
    std::env::var_os("POI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/poi")
        })
}

fn artefact() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../artifacts/poi_verifier.wasm"
    );
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}; build it with 'make wasm'"))
}

fn verifier() -> &'static WasmVerifier {
    static VERIFIER: OnceLock<WasmVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        WasmVerifier::load(
            &artefact(),
            None,
            HostConfig::default(),
            Some(cache().join("wasmer")),
        )
        .unwrap()
    })
}

/// A test model and its first data set's inputs, named as the model names them.
fn case(suite: &str, name: &str) -> (Vec<u8>, Vec<NamedInput>) {
    let dir = cache().join("onnx-data").join(suite).join(name);
    let model = std::fs::read(dir.join("model.onnx"))
        .unwrap_or_else(|e| panic!("{}: {e}; run 'make setup'", dir.display()));
    let inputs = model_inputs(&model)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, name)| NamedInput {
            name,
            format: InputFormat::OnnxPb,
            bytes: std::fs::read(dir.join(format!("test_data_set_0/input_{i}.pb"))).unwrap(),
        })
        .collect();
    (model, inputs)
}

const CASES: [(&str, &str); 6] = [
    ("light", "light_squeezenet"),
    ("light", "light_shufflenet"),
    ("light", "light_inception_v1"),
    ("pytorch-converted", "test_Conv2d"),
    ("pytorch-converted", "test_Embedding"),
    ("pytorch-operator", "test_operator_mm"),
];

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`) and the ONNX test data (`make setup`); `make test` runs it"]
fn the_artefact_gives_the_same_hash_every_run_and_native_tract_agrees_within_tolerance() {
    for (suite, name) in CASES {
        let (model, inputs) = case(suite, name);
        let first = verifier()
            .verify(&model, &inputs, &Limits::default())
            .unwrap();
        let again = verifier()
            .verify(&model, &inputs, &Limits::default())
            .unwrap();
        assert_eq!(
            first.output_hash, again.output_hash,
            "{name}: two runs differ"
        );
        assert_eq!(first.encoding, again.encoding);
        assert_eq!(
            hex::encode(encoding::sha256(&first.encoding)),
            first.output_hash
        );

        let native = verify(&model, &inputs, &[0; 32], &Limits::default()).unwrap();
        let c = compare(
            &encoding::decode(&native.encoding).unwrap(),
            &encoding::decode(&first.encoding).unwrap(),
            1e-5,
            1e-4,
        );
        assert!(
            c.within,
            "{name}: native tract is off by {:e}",
            c.max_abs_deviation
        );
    }
}

fn kind_of(result: Result<poi_verifier_host::HostVerification, HostError>) -> String {
    match result {
        Err(HostError::Verify { kind, .. }) => kind,
        Err(other) => format!("{other:?}"),
        Ok(v) => format!("ok {}", v.output_hash),
    }
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`) and the ONNX test data (`make setup`); `make test` runs it"]
fn hostile_models_and_inputs_are_typed_errors() {
    let (model, inputs) = case("light", "light_squeezenet");
    let v = verifier();
    let run = |model: &[u8], inputs: &[NamedInput], limits: &Limits| {
        kind_of(v.verify(model, inputs, limits))
    };
    let limits = Limits::default();

    assert_eq!(
        run(&model[..model.len() / 2], &inputs, &limits),
        "model_decode"
    );
    assert_eq!(
        run(b"definitely not onnx", &inputs, &limits),
        "model_decode"
    );
    let mut flipped = model.clone();
    for b in flipped.iter_mut().skip(100).step_by(997) {
        *b ^= 0xa5;
    }
    assert!(
        !run(&flipped, &inputs, &limits).starts_with("Trap"),
        "a corrupt model must not trap"
    );

    let with = |format, bytes: &[u8]| {
        vec![NamedInput {
            name: inputs[0].name.clone(),
            format,
            bytes: bytes.to_vec(),
        }]
    };
    let wrong_shape = br#"{"dtype":"f32","shape":[1,3,2,2],"data":[0,0,0,0,0,0,0,0,0,0,0,0]}"#;
    assert_eq!(
        run(&model, &with(InputFormat::Json, wrong_shape), &limits),
        "input_mismatch"
    );
    let wrong_dtype = br#"{"dtype":"i64","shape":[1],"data":[1]}"#;
    assert_eq!(
        run(&model, &with(InputFormat::Json, wrong_dtype), &limits),
        "input_mismatch"
    );
    let absurd = br#"{"dtype":"f32","shape":[4294967295,4294967295,4294967295],"data":[]}"#;
    assert_eq!(
        run(&model, &with(InputFormat::Json, absurd), &limits),
        "tensor_too_large"
    );
    assert_eq!(
        run(
            &model,
            &with(InputFormat::Npy, b"\x93NUMPY garbage"),
            &limits
        ),
        "input_decode"
    );
    assert_eq!(run(&model, &[], &limits), "missing_input");
    let mut extra = inputs.clone();
    extra.push(NamedInput {
        name: "nope".into(),
        format: InputFormat::Json,
        bytes: b"{}".to_vec(),
    });
    assert_eq!(run(&model, &extra, &limits), "unknown_input");

    let tight = Limits {
        max_model_bytes: 1_000,
        ..Limits::default()
    };
    assert_eq!(run(&model, &inputs, &tight), "model_too_large");
    let tight = Limits {
        max_flops: 1_000,
        ..Limits::default()
    };
    assert_eq!(run(&model, &inputs, &tight), "too_many_flops");
    let tight = Limits {
        max_nodes: 3,
        ..Limits::default()
    };
    assert_eq!(run(&model, &inputs, &tight), "too_many_nodes");

    // NaN and infinite inputs run, and every NaN is encoded the same way.
    let (mm, mm_inputs) = case("pytorch-operator", "test_operator_mm");
    let nan = |name: &str, shape: &[u64]| {
        let n: u64 = shape.iter().product();
        let data: Vec<&str> = (0..n)
            .map(|i| if i % 2 == 0 { "NaN" } else { "Infinity" })
            .collect();
        NamedInput {
            name: name.to_string(),
            format: InputFormat::Json,
            bytes: serde_json::json!({"dtype": "f32", "shape": shape, "data": data})
                .to_string()
                .into_bytes(),
        }
    };
    let shapes = [[2u64, 3], [3, 4]];
    let nan_inputs: Vec<NamedInput> = mm_inputs
        .iter()
        .zip(shapes)
        .map(|(i, s)| nan(&i.name, &s))
        .collect();
    let first = v.verify(&mm, &nan_inputs, &limits).unwrap();
    let native = verify(&mm, &nan_inputs, &[0; 32], &limits).unwrap();
    assert_eq!(
        first.output_hash,
        hex::encode(native.output_hash),
        "NaNs are canonical in both"
    );
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`) and the ONNX test data (`make setup`); `make test` runs it"]
fn a_run_that_uses_up_its_points_stops_with_an_error() {
    let config = HostConfig {
        metering_limit: 1_000_000,
        ..HostConfig::default()
    };
    let v = WasmVerifier::load(&artefact(), None, config, Some(cache().join("wasmer"))).unwrap();
    let (model, inputs) = case("light", "light_squeezenet");
    assert!(matches!(
        v.verify(&model, &inputs, &Limits::default()),
        Err(HostError::OutOfPoints { .. })
    ));
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`); `make test` runs it"]
fn only_the_expected_artefact_is_loaded() {
    let wrong = "00".repeat(32);
    assert!(matches!(
        WasmVerifier::load(&artefact(), Some(&wrong), HostConfig::default(), None),
        Err(HostError::WrongArtefact { .. })
    ));
    let tiny_cap = HostConfig {
        memory_cap_bytes: 1 << 20,
        ..HostConfig::default()
    };
    assert!(matches!(
        WasmVerifier::load(&artefact(), None, tiny_cap, Some(cache().join("wasmer"))),
        Err(HostError::MemoryCapExceeded { .. })
    ));
}
