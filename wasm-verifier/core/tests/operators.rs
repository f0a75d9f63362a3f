//! The operators poi adds to tract's (`src/ops`) and the tract fixes it carries, on models built
//! here one node at a time: each answers what the ONNX standard says, and each bad input is a
//! typed error rather than a panic or a read out of bounds. (The ONNX node suite runs them all
//! through the artefact, `wasm-verifier/host/tests/node_suite.rs`.)

use poi_verifier::encoding;
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier::{Limits, VerifyError, verify};
use prost::Message;
use tract_onnx::pb;

/// An ONNX element type, as the protobuf numbers it.
const F32: i32 = 1;
const U8: i32 = 2;
const I64: i32 = 7;
const BOOL: i32 = 9;

struct Node {
    op: &'static str,
    inputs: Vec<&'static str>,
    outputs: Vec<&'static str>,
    attributes: Vec<pb::AttributeProto>,
}

fn int(name: &str, i: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        i,
        ..Default::default()
    }
}

fn string(name: &str, s: &str) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: pb::attribute_proto::AttributeType::String as i32,
        s: s.into(),
        ..Default::default()
    }
}

fn value(name: &str, elem_type: i32, shape: &[i64]) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{Dimension, dimension};
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type,
                shape: Some(pb::TensorShapeProto {
                    dim: shape
                        .iter()
                        .map(|&d| Dimension {
                            value: Some(dimension::Value::DimValue(d)),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A one-node model at opset 26 taking `inputs` and giving `outputs` (name, type, shape).
fn model(node: Node, inputs: &[(&str, i32, &[i64])], outputs: &[(&str, i32, &[i64])]) -> Vec<u8> {
    let graph = pb::GraphProto {
        name: "g".into(),
        node: vec![pb::NodeProto {
            input: node.inputs.iter().map(|s| s.to_string()).collect(),
            output: node.outputs.iter().map(|s| s.to_string()).collect(),
            op_type: node.op.into(),
            attribute: node.attributes,
            ..Default::default()
        }],
        input: inputs.iter().map(|(n, t, s)| value(n, *t, s)).collect(),
        output: outputs.iter().map(|(n, t, s)| value(n, *t, s)).collect(),
        ..Default::default()
    };
    pb::ModelProto {
        ir_version: 10,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 26,
        }],
        graph: Some(graph),
        ..Default::default()
    }
    .encode_to_vec()
}

fn json(name: &str, dtype: &str, shape: &[usize], data: serde_json::Value) -> NamedInput {
    NamedInput {
        name: name.into(),
        format: InputFormat::Json,
        bytes: serde_json::json!({"dtype": dtype, "shape": shape, "data": data})
            .to_string()
            .into_bytes(),
    }
}

fn run(model: &[u8], inputs: &[NamedInput]) -> Result<Vec<Vec<f64>>, VerifyError> {
    let verification = verify(
        model,
        &encoding::sha256(model),
        inputs,
        &[0; 32],
        &Limits::default(),
    )?;
    Ok(encoding::decode(&verification.encoding)
        .unwrap()
        .into_iter()
        .map(|o| o.values)
        .collect())
}

fn nll(reduction: &str) -> Vec<u8> {
    model(
        Node {
            op: "NegativeLogLikelihoodLoss",
            inputs: vec!["x", "target", "weight"],
            outputs: vec!["loss"],
            attributes: vec![string("reduction", reduction), int("ignore_index", 2)],
        },
        &[
            ("x", F32, &[2, 3]),
            ("target", I64, &[2]),
            ("weight", F32, &[3]),
        ],
        &[("loss", F32, &[])],
    )
}

#[test]
fn the_loss_leaves_out_the_ignored_class_and_averages_over_the_weights_that_count() {
    let inputs = [
        json(
            "x",
            "f32",
            &[2, 3],
            serde_json::json!([-1.0, -2.0, -3.0, -4.0, -5.0, -6.0]),
        ),
        json("target", "i64", &[2], serde_json::json!([1, 2])),
        json("weight", "f32", &[3], serde_json::json!([1.0, 4.0, 3.0])),
    ];
    // Sample 0: class 1, loss 2 * 4; sample 1: class 2, ignored. Mean over the weights: 8 / 4.
    assert_eq!(run(&nll("mean"), &inputs).unwrap(), [vec![2.0]]);
    assert_eq!(run(&nll("sum"), &inputs).unwrap(), [vec![8.0]]);
}

#[test]
fn a_target_that_names_no_class_is_refused_not_read_past_the_scores() {
    let inputs = [
        json(
            "x",
            "f32",
            &[2, 3],
            serde_json::json!([-1.0, -2.0, -3.0, -4.0, -5.0, -6.0]),
        ),
        json("target", "i64", &[2], serde_json::json!([1, 7])),
        json("weight", "f32", &[3], serde_json::json!([1.0, 1.0, 1.0])),
    ];
    let result = run(&nll("sum"), &inputs);
    assert!(
        matches!(&result, Err(VerifyError::Inference { reason }) if reason.contains("target 7 is not one of the 3 classes")),
        "{result:?}"
    );
}

#[test]
fn bitcast_reads_float_bits_and_refuses_a_byte_that_is_no_boolean() {
    let to_int = model(
        Node {
            op: "BitCast",
            inputs: vec!["x"],
            outputs: vec!["y"],
            attributes: vec![int("to", 6)],
        },
        &[("x", F32, &[2])],
        &[("y", 6, &[2])],
    );
    let ones = run(
        &to_int,
        &[json("x", "f32", &[2], serde_json::json!([1.0, -2.0]))],
    )
    .unwrap();
    assert_eq!(
        ones,
        [vec![
            f32::to_bits(1.0) as i32 as f64,
            f32::to_bits(-2.0) as i32 as f64
        ]]
    );

    let to_bool = model(
        Node {
            op: "BitCast",
            inputs: vec!["x"],
            outputs: vec!["y"],
            attributes: vec![int("to", BOOL as i64)],
        },
        &[("x", U8, &[3])],
        &[("y", BOOL, &[3])],
    );
    assert_eq!(
        run(
            &to_bool,
            &[json("x", "u8", &[3], serde_json::json!([0, 1, 1]))]
        )
        .unwrap(),
        [vec![0.0, 1.0, 1.0]]
    );
    let result = run(
        &to_bool,
        &[json("x", "u8", &[3], serde_json::json!([0, 2, 1]))],
    );
    assert!(
        matches!(&result, Err(VerifyError::Inference { reason }) if reason.contains("byte 2 is not a boolean")),
        "{result:?}"
    );
}

#[test]
fn quantizing_divides_by_the_scale_as_the_standard_says() {
    // -2.5 / (5/255) is -127.49999 in f32, which rounds to -127; times the scale's reciprocal it
    // is -127.5, which rounds to -128. The scale is an input here, so the model is typed for it.
    let quantize = model(
        Node {
            op: "QuantizeLinear",
            inputs: vec!["x", "scale", "zero_point"],
            outputs: vec!["y"],
            attributes: vec![],
        },
        &[
            ("x", F32, &[2]),
            ("scale", F32, &[]),
            ("zero_point", U8, &[]),
        ],
        &[("y", U8, &[2])],
    );
    let inputs = [
        json("x", "f32", &[2], serde_json::json!([-2.5, 0.5])),
        json("scale", "f32", &[], serde_json::json!([5.0f32 / 255.0])),
        json("zero_point", "u8", &[], serde_json::json!([153])),
    ];
    assert_eq!(run(&quantize, &inputs).unwrap(), [vec![26.0, 179.0]]);
}

#[test]
fn the_max_of_an_empty_axis_is_minus_infinity() {
    let reduce = model(
        Node {
            op: "ReduceMax",
            inputs: vec!["x", "axes"],
            outputs: vec!["y"],
            attributes: vec![int("keepdims", 0)],
        },
        &[("x", F32, &[2, 0]), ("axes", I64, &[1])],
        &[("y", F32, &[2])],
    );
    let inputs = [
        json("x", "f32", &[2, 0], serde_json::json!([])),
        json("axes", "i64", &[1], serde_json::json!([1])),
    ];
    assert_eq!(
        run(&reduce, &inputs).unwrap(),
        [vec![f64::NEG_INFINITY, f64::NEG_INFINITY]]
    );
}

#[test]
fn an_attention_mask_that_does_not_fit_the_scores_is_refused() {
    let attention = |mask: &'static [i64]| {
        model(
            Node {
                op: "Attention",
                inputs: vec!["q", "k", "v", "mask"],
                outputs: vec!["y"],
                attributes: vec![],
            },
            &[
                ("q", F32, &[1, 2, 3, 4]),
                ("k", F32, &[1, 2, 5, 4]),
                ("v", F32, &[1, 2, 5, 4]),
                ("mask", F32, mask),
            ],
            &[("y", F32, &[1, 2, 3, 4])],
        )
    };
    let zeros = |name: &str, shape: &[usize]| {
        json(
            name,
            "f32",
            shape,
            serde_json::json!(vec![0.0; shape.iter().product()]),
        )
    };
    let qkv = || {
        [
            zeros("q", &[1, 2, 3, 4]),
            zeros("k", &[1, 2, 5, 4]),
            zeros("v", &[1, 2, 5, 4]),
        ]
    };
    // A mask for the 3 queries and 5 keys: attention over equal scores averages the values.
    let [q, k, v] = qkv();
    assert_eq!(
        run(&attention(&[3, 5]), &[q, k, v, zeros("mask", &[3, 5])]).unwrap()[0],
        vec![0.0; 24]
    );
    // One for 4 queries: refused when the run reaches it.
    let [q, k, v] = qkv();
    let result = run(&attention(&[4, 5]), &[q, k, v, zeros("mask", &[4, 5])]);
    assert!(
        matches!(&result, Err(VerifyError::Inference { reason }) if reason.contains("a mask of shape [4, 5]")),
        "{result:?}"
    );
}
