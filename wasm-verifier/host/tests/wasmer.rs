//! The verifier artefact in wasmer: the same hash on every run, native tract within tolerance of
//! it, and every hostile model or input a typed error, never a crash or a hang.

use std::path::PathBuf;
use std::sync::OnceLock;

use poi_verifier::encoding;
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier::tolerance::compare;
use poi_verifier::{Limits, model_inputs, prepare, verify};
use poi_verifier_host::{HostConfig, HostError, PreparedModels, WasmVerifier};

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
        // The receipt names the model by the sha256 the host computed and sent, the artefact by
        // its own, and the inputs (in the model's order) and the output by what the artefact read
        // and wrote.
        let input_hashes: Vec<[u8; 32]> =
            inputs.iter().map(|i| encoding::sha256(&i.bytes)).collect();
        let artefact_hash: [u8; 32] = hex::decode(verifier().sha256_hex())
            .unwrap()
            .try_into()
            .unwrap();
        let receipt = encoding::receipt(
            &encoding::sha256(&model),
            &input_hashes,
            &artefact_hash,
            &encoding::sha256(&first.encoding),
        );
        assert_eq!(first.receipt, hex::encode(receipt), "{name}: receipt");

        let native = verify(
            &model,
            &encoding::sha256(&model),
            &inputs,
            &[0; 32],
            &Limits::default(),
        )
        .unwrap();
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

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`) and the ONNX test data (`make setup`); `make test` runs it"]
fn a_prepared_model_answers_every_later_claim_as_a_one_shot_run_does() {
    let v = verifier();
    let mut held = PreparedModels::new(2);
    let limits = Limits::default();
    // Twice over the cases, so each model is prepared once and then only run; with room for two
    // models, every case after the second evicts one and the second pass prepares them again.
    for pass in 0..2 {
        for (suite, name) in CASES {
            let (model, inputs) = case(suite, name);
            let one_shot = v.verify(&model, &inputs, &limits).unwrap();
            let prepared = v
                .verify_prepared(&mut held, &model, &inputs, &limits)
                .unwrap();
            let again = v
                .verify_prepared(&mut held, &model, &inputs, &limits)
                .unwrap();
            for run in [&prepared, &again] {
                assert_eq!(run.output_hash, one_shot.output_hash, "{name}, pass {pass}");
                assert_eq!(run.receipt, one_shot.receipt, "{name}, pass {pass}");
                assert_eq!(run.encoding, one_shot.encoding, "{name}, pass {pass}");
            }
            assert!(
                again.points_used < prepared.points_used,
                "{name}: the second claim was prepared again"
            );
            // Natively too: tract's own build of the core, prepared once and run again.
            let hash = encoding::sha256(&model);
            let (native, first_native) =
                prepare(&model, &hash, &inputs, &[0; 32], &limits).unwrap();
            let again_native = native.run(&inputs, &[0; 32], &limits).unwrap();
            let one_shot_native = verify(&model, &hash, &inputs, &[0; 32], &limits).unwrap();
            for run in [&first_native, &again_native] {
                assert_eq!(run.receipt, one_shot_native.receipt, "{name}, natively");
                assert_eq!(run.encoding, one_shot_native.encoding, "{name}, natively");
            }
        }
    }
    assert_eq!(held.models().len(), 2);
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`) and the ONNX test data (`make setup`); `make test` runs it"]
fn inputs_of_another_shape_prepare_the_model_again() {
    let v = verifier();
    let mut held = PreparedModels::new(2);
    let limits = Limits::default();
    // The PP-OCR direction classifier takes any batch size and image size.
    let path = cache().join("real-models/ch_ppocr_mobile_v2.0_cls_infer.onnx");
    let model = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run 'make setup'", path.display()));
    let images = |shape: [usize; 4]| {
        let n: usize = shape.iter().product();
        vec![NamedInput {
            name: "x".into(),
            format: InputFormat::Json,
            bytes: serde_json::json!({
                "dtype": "f32",
                "shape": shape,
                "data": (0..n).map(|i| (i % 251) as f32 / 251.0).collect::<Vec<_>>(),
            })
            .to_string()
            .into_bytes(),
        }]
    };
    let (one, two) = (images([1, 3, 48, 192]), images([2, 3, 48, 160]));
    for inputs in [&one, &two, &one] {
        let one_shot = v.verify(&model, inputs, &limits).unwrap();
        let prepared = v
            .verify_prepared(&mut held, &model, inputs, &limits)
            .unwrap();
        assert_eq!(prepared.receipt, one_shot.receipt);
        assert_eq!(prepared.encoding, one_shot.encoding);
    }
    assert_eq!(
        held.models().len(),
        1,
        "one model, prepared for the last shapes"
    );
    // A typed refusal on a prepared model leaves it prepared.
    assert_eq!(
        kind_of(v.verify_prepared(&mut held, &model, &[], &limits)),
        "missing_input"
    );
    assert_eq!(held.models().len(), 1);
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`) and the ONNX test data (`make setup`); `make test` runs it"]
fn a_model_that_takes_its_axes_as_an_input_is_prepared_for_their_values() {
    let v = verifier();
    let mut held = PreparedModels::new(1);
    let limits = Limits::default();
    // ReduceSum (opset 13) reading the axes to sum over from its second input.
    let (model, mut inputs) = case("node", "test_reduce_sum_do_not_keepdims_example");
    let over_axis_1 = v.verify(&model, &inputs, &limits).unwrap();
    inputs[1] = NamedInput {
        name: inputs[1].name.clone(),
        format: InputFormat::Json,
        bytes: br#"{"dtype": "i64", "shape": [1], "data": [2]}"#.to_vec(),
    };
    let over_axis_2 = v.verify(&model, &inputs, &limits).unwrap();
    assert_ne!(over_axis_1.output_hash, over_axis_2.output_hash);
    assert_eq!(over_axis_2.outputs[0].shape, vec![3, 2]);
    // Prepared for axis 2, the model is prepared again for axis 1: neither claim gets the
    // other's sum.
    for one_shot in [&over_axis_2, &over_axis_2] {
        let prepared = v
            .verify_prepared(&mut held, &model, &inputs, &limits)
            .unwrap();
        assert_eq!(prepared.encoding, one_shot.encoding);
    }
    let (_, axis_1) = case("node", "test_reduce_sum_do_not_keepdims_example");
    let prepared = v
        .verify_prepared(&mut held, &model, &axis_1, &limits)
        .unwrap();
    assert_eq!(prepared.encoding, over_axis_1.encoding);
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`) and the ONNX test data (`make setup`); `make test` runs it"]
fn a_trap_discards_the_prepared_model() {
    let v = verifier();
    let mut held = PreparedModels::new(2);
    let limits = Limits::default();
    let (model, inputs) = case("light", "light_squeezenet");
    let first = v
        .verify_prepared(&mut held, &model, &inputs, &limits)
        .unwrap();
    assert_eq!(held.models().len(), 1);
    // An input the instance has no memory left for: the allocation fails and the module traps.
    let oversized = vec![NamedInput {
        name: inputs[0].name.clone(),
        format: InputFormat::Npy,
        bytes: vec![0; (1 << 31) - (1 << 16)],
    }];
    assert!(matches!(
        v.verify_prepared(&mut held, &model, &oversized, &limits),
        Err(HostError::Trap(_))
    ));
    assert!(held.models().is_empty(), "a trapped instance is not reused");
    let after = v
        .verify_prepared(&mut held, &model, &inputs, &limits)
        .unwrap();
    assert_eq!(after.receipt, first.receipt);
    assert_eq!(
        after.points_used, first.points_used,
        "prepared anew after the trap"
    );
}

#[test]
#[ignore = "needs artifacts/poi_verifier.wasm (`make wasm`) and the ONNX test data (`make setup`); `make test` runs it"]
fn a_claim_near_the_metering_budget_gets_the_one_shot_verdict_though_its_model_is_prepared() {
    // Box suppression costs more the more boxes survive, so two claims with inputs of the same
    // shapes cost different points. The budget is exactly what the cheap claim costs one-shot:
    // an operator preparing the model on it has room, and the costly claim does not fit a
    // one-shot verification, though its run alone would fit the budget.
    let (model, _) = case("nan", "nan_boxes");
    let claim = |boxes: [[f32; 4]; 5]| {
        let json = |shape: &[usize], data: Vec<f32>| {
            serde_json::json!({"dtype": "f32", "shape": shape, "data": data})
                .to_string()
                .into_bytes()
        };
        vec![
            NamedInput {
                name: "boxes".into(),
                format: InputFormat::Json,
                bytes: json(&[1, 5, 4], boxes.concat()),
            },
            NamedInput {
                name: "scores".into(),
                format: InputFormat::Json,
                bytes: json(&[1, 1, 5], vec![0.9, 0.8, 0.7, 0.6, 0.5]),
            },
        ]
    };
    let apart = claim(std::array::from_fn(|i| [10.0 * i as f32, 0.0, 1.0, 1.0]));
    let stacked = claim([[0.0, 0.0, 1.0, 1.0]; 5]);
    let limits = Limits::default();
    let points = |inputs: &[NamedInput]| {
        verifier()
            .verify(&model, inputs, &limits)
            .unwrap()
            .points_used
    };
    let order = points(&apart).cmp(&points(&stacked));
    let (cheap, costly) = match order {
        std::cmp::Ordering::Less => (apart, stacked),
        std::cmp::Ordering::Greater => (stacked, apart),
        std::cmp::Ordering::Equal => panic!("the claims must cost different points"),
    };
    let budget = points(&cheap);
    let tight = WasmVerifier::load(
        &artefact(),
        None,
        HostConfig {
            metering_limit: budget,
            ..HostConfig::default()
        },
        Some(cache().join("wasmer")),
    )
    .unwrap();
    assert!(matches!(
        tight.verify(&model, &costly, &limits),
        Err(HostError::OutOfPoints { .. })
    ));

    assert_eq!(
        tight.verify(&model, &cheap, &limits).unwrap().points_used,
        budget,
        "a claim may use its budget to the last point"
    );
    let mut held = PreparedModels::new(1);
    tight
        .verify_prepared(&mut held, &model, &cheap, &limits)
        .unwrap();
    assert_eq!(held.models().len(), 1);
    assert!(
        matches!(
            tight.verify_prepared(&mut held, &model, &costly, &limits),
            Err(HostError::OutOfPoints { .. })
        ),
        "the costly claim's verdict does not depend on the model being prepared"
    );
    let again = tight
        .verify_prepared(&mut held, &model, &cheap, &limits)
        .unwrap();
    assert_eq!(again.points_used, budget, "the cheap claim, one-shot again");
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
    let native = verify(&mm, &encoding::sha256(&mm), &nan_inputs, &[0; 32], &limits).unwrap();
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
fn a_run_stops_within_the_documented_distance_of_its_budget() {
    // docs/verifier.md ("Guards") promises that a run whose points are spent stops within 100 000
    // operators: the artefact's longest function must stay under that.
    let longest = poi_verifier_host::metering::longest_uncharged_stretch(&artefact()).unwrap();
    println!("the artefact's longest function body: {longest} operators");
    assert!(longest > 0 && longest <= 100_000, "{longest}");
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
