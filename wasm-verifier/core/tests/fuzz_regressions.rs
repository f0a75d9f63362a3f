//! Models the model_loading fuzz target found tract failing on, kept so they stay refused: each
//! gives a typed error at once instead of a panic, gigabytes of memory or seconds of work.

use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier::{Limits, VerifyError, verify};

fn model(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fuzz-regressions/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn zeros(name: &str, shape: &[usize]) -> NamedInput {
    let count: usize = shape.iter().product();
    NamedInput {
        name: name.into(),
        format: InputFormat::Json,
        bytes: serde_json::json!({"dtype": "f32", "shape": shape, "data": vec![0.0; count]})
            .to_string()
            .into_bytes(),
    }
}

#[test]
fn a_transpose_that_repeats_an_axis_is_refused_before_tract_loops_on_it() {
    // perm [1, 1] on a 8x10 input; tract's optimiser grew past 4 GiB on it.
    let result = verify(
        &model("transpose-repeated-axis.onnx"),
        &[0; 32],
        &[zeros("", &[4, 10]), zeros("1", &[8, 10])],
        &[0; 32],
        &Limits::default(),
    );
    assert!(
        matches!(&result, Err(VerifyError::ModelDecode { reason }) if reason.contains("permutation")),
        "{result:?}"
    );
}

#[test]
fn a_tile_to_an_empty_but_absurd_shape_is_refused_before_it_runs() {
    // Repeats [5.6e14, -1.1e12, 83886335, 5] of a [1, 2, 3, 4] input: an empty tensor whose other
    // axes hold billions of elements, which tract spent seconds producing.
    let result = verify(
        &model("tile-negative-repeat.onnx"),
        &[0; 32],
        &[zeros("0", &[1, 2, 3, 4])],
        &[0; 32],
        &Limits::default(),
    );
    assert!(
        matches!(result, Err(VerifyError::TensorTooLarge { .. })),
        "{result:?}"
    );
}
