//! Decoding inputs: NumPy `.npy`, ONNX `TensorProto` (`.pb`, the ONNX test-data format) and JSON.
//!
//! Every decoder checks the declared shape against the bytes before allocating, so a header that
//! claims a huge tensor is an error, not an allocation.

use serde::Deserialize;
use tract_onnx::prelude::*;

use poi_verifier_abi::ElementType;

use crate::{VerifyError, dtype};

pub use poi_verifier_abi::{InputFormat, NamedInput};

/// Elements of `shape`, if the count fits in `max`.
fn element_count(name: &str, shape: &[usize], max: u64) -> Result<usize, VerifyError> {
    let span = crate::limits::tensor_span(shape.iter().map(|&d| d as u64));
    if span > max {
        return Err(VerifyError::TensorTooLarge {
            name: name.to_string(),
            elements: span,
            max,
        });
    }
    Ok(if shape.contains(&0) { 0 } else { span as usize })
}

/// A tensor of `dt` from little-endian element bytes; booleans are normalised to 0 or 1.
fn from_le_bytes(
    name: &str,
    dt: DatumType,
    shape: &[usize],
    data: &[u8],
) -> Result<Tensor, VerifyError> {
    let expected = shape.iter().product::<usize>() * dt.size_of();
    if data.len() != expected {
        return Err(VerifyError::decode(
            name,
            format!(
                "{} bytes of data for shape {shape:?} of {dt:?}, expected {expected}",
                data.len()
            ),
        ));
    }
    let decoded = if dt == DatumType::Bool {
        // SAFETY: u8 has no invalid bit patterns and the length was checked above.
        unsafe { Tensor::from_raw_dt(DatumType::U8, shape, data) }
            .and_then(|t| t.into_plain_array::<u8>())
            .map(|a| a.mapv(|x| x != 0).into())
    } else {
        // SAFETY: every other supported type is plain old data, and the length was checked.
        unsafe { Tensor::from_raw_dt(dt, shape, data) }
    };
    decoded.map_err(|e| VerifyError::decode(name, e))
}

/// Decodes one input, refusing anything larger than `max_elements` before allocating for it.
pub fn decode(input: &NamedInput, max_elements: u64) -> Result<Tensor, VerifyError> {
    match input.format {
        InputFormat::Npy => npy(&input.name, &input.bytes, max_elements),
        InputFormat::OnnxPb => onnx_pb(&input.name, &input.bytes, max_elements),
        InputFormat::Json => json(&input.name, &input.bytes, max_elements),
    }
}

/// NumPy's `.npy` format, versions 1 to 3, little-endian, C order.
fn npy(name: &str, bytes: &[u8], max_elements: u64) -> Result<Tensor, VerifyError> {
    let bad = |reason: &str| VerifyError::decode(name, format!("not a .npy file: {reason}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("no magic"));
    }
    let (header_len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err(bad("unknown version")),
    };
    let header = bytes
        .get(start..start.saturating_add(header_len))
        .ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not text"))?;
    let value_of = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}'"))? + key.len() + 2;
        Some(header[at..].trim_start().strip_prefix(':')?.trim_start())
    };
    let descr = value_of("descr")
        .and_then(|v| v.strip_prefix('\''))
        .and_then(|v| v.split('\'').next())
        .ok_or_else(|| bad("no descr"))?;
    if value_of("fortran_order").is_some_and(|v| v.starts_with("True")) {
        return Err(VerifyError::decode(
            name,
            "Fortran-ordered arrays are not supported",
        ));
    }
    let shape_text = value_of("shape")
        .and_then(|v| v.strip_prefix('('))
        .and_then(|v| v.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|d| {
            d.parse::<usize>()
                .map_err(|_| bad("shape is not a tuple of sizes"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let dt = ElementType::from_npy_descr(descr)
        .map(dtype::of_element)
        .ok_or_else(|| {
            VerifyError::decode(
                name,
                format!(
                    "element type {descr} is not supported (little-endian numbers and bools are)"
                ),
            )
        })?;
    element_count(name, &shape, max_elements)?;
    from_le_bytes(name, dt, &shape, &bytes[start + header_len..])
}

/// An ONNX `TensorProto`, as in the ONNX test data (`input_0.pb`). External data is refused: all
/// bytes must be in the request.
fn onnx_pb(name: &str, bytes: &[u8], max_elements: u64) -> Result<Tensor, VerifyError> {
    let proto =
        tract_onnx::tensor::proto_from_reader(bytes).map_err(|e| VerifyError::decode(name, e))?;
    // FLOAT, UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, FLOAT16, DOUBLE, UINT32, UINT64.
    if !matches!(proto.data_type, 1..=7 | 9..=13) {
        return Err(VerifyError::UnsupportedDtype {
            dtype: format!("ONNX data type {}", proto.data_type),
        });
    }
    let shape = proto
        .dims
        .iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| VerifyError::decode(name, format!("dimension {d}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    element_count(name, &shape, max_elements)?;
    let resolver = tract_onnx::data_resolver::FopenDataResolver;
    tract_onnx::tensor::load_tensor(&resolver, &proto, None)
        .map_err(|e| VerifyError::decode(name, e))
}

/// A JSON number, or for floats also "NaN", "Infinity" and "-Infinity".
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonValue {
    Number(serde_json::Number),
    Bool(bool),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTensor {
    dtype: String,
    shape: Vec<usize>,
    /// The elements in C order, flat.
    data: Vec<JsonValue>,
}

/// `{"dtype": "f32", "shape": [1, 2], "data": [0.5, "NaN"]}`.
fn json(name: &str, bytes: &[u8], max_elements: u64) -> Result<Tensor, VerifyError> {
    let t: JsonTensor = serde_json::from_slice(bytes).map_err(|e| VerifyError::decode(name, e))?;
    let dt = dtype::from_name(&t.dtype)
        .ok_or_else(|| VerifyError::decode(name, format!("unknown dtype {:?}", t.dtype)))?;
    let count = element_count(name, &t.shape, max_elements)?;
    if t.data.len() != count {
        return Err(VerifyError::decode(
            name,
            format!("{} values for shape {:?}", t.data.len(), t.shape),
        ));
    }
    let float = |v: &JsonValue| -> Result<f64, VerifyError> {
        match v {
            JsonValue::Number(n) => n
                .as_f64()
                .ok_or_else(|| VerifyError::decode(name, "not a number")),
            JsonValue::Text(s) => match s.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                other => Err(VerifyError::decode(
                    name,
                    format!("{other:?} is not a number"),
                )),
            },
            JsonValue::Bool(_) => Err(VerifyError::decode(name, "a bool where a number belongs")),
        }
    };
    let int = |v: &JsonValue| -> Result<i128, VerifyError> {
        match v {
            JsonValue::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .ok_or_else(|| VerifyError::decode(name, format!("{n} is not an integer"))),
            JsonValue::Bool(b) => Ok(i128::from(*b)),
            JsonValue::Text(s) => Err(VerifyError::decode(
                name,
                format!("{s:?} is not an integer"),
            )),
        }
    };
    macro_rules! ints {
        ($t:ty) => {{
            let mut out = Vec::with_capacity(count * std::mem::size_of::<$t>());
            for v in &t.data {
                let x = int(v)?;
                let x = <$t>::try_from(x).map_err(|_| {
                    VerifyError::decode(name, format!("{x} does not fit {}", t.dtype))
                })?;
                out.extend_from_slice(&x.to_le_bytes());
            }
            out
        }};
    }
    let bytes: Vec<u8> = match dt {
        DatumType::F32 => t
            .data
            .iter()
            .map(|v| float(v).map(|x| (x as f32).to_le_bytes()))
            .collect::<Result<Vec<_>, _>>()?
            .concat(),
        DatumType::F64 => t
            .data
            .iter()
            .map(|v| float(v).map(f64::to_le_bytes))
            .collect::<Result<Vec<_>, _>>()?
            .concat(),
        DatumType::F16 => t
            .data
            .iter()
            .map(|v| float(v).map(|x| tract_onnx::prelude::f16::from_f64(x).to_le_bytes()))
            .collect::<Result<Vec<_>, _>>()?
            .concat(),
        DatumType::Bool => t
            .data
            .iter()
            .map(|v| match v {
                JsonValue::Bool(b) => Ok(u8::from(*b)),
                other => int(other).and_then(|x| match x {
                    0 | 1 => Ok(x as u8),
                    _ => Err(VerifyError::decode(name, format!("{x} is not a bool"))),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?,
        DatumType::U8 => ints!(u8),
        DatumType::U16 => ints!(u16),
        DatumType::U32 => ints!(u32),
        DatumType::U64 => ints!(u64),
        DatumType::I8 => ints!(i8),
        DatumType::I16 => ints!(i16),
        DatumType::I32 => ints!(i32),
        DatumType::I64 => ints!(i64),
        other => {
            return Err(VerifyError::UnsupportedDtype {
                dtype: format!("{other:?}"),
            });
        }
    };
    from_le_bytes(name, dt, &t.shape, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy_bytes(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn input(format: InputFormat, bytes: Vec<u8>) -> NamedInput {
        NamedInput {
            name: "x".into(),
            format,
            bytes,
        }
    }

    #[test]
    fn npy_f32_decodes_with_its_shape() {
        let data: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let t = decode(
            &input(InputFormat::Npy, npy_bytes("<f4", "(2, 2)", &data)),
            100,
        )
        .unwrap();
        assert_eq!(
            (t.datum_type(), t.shape()),
            (DatumType::F32, &[2usize, 2][..])
        );
    }

    #[test]
    fn npy_claiming_more_than_it_holds_is_refused_before_allocating() {
        let huge = input(
            InputFormat::Npy,
            npy_bytes("<f4", "(100000, 100000, 100000)", &[0; 8]),
        );
        assert!(matches!(
            decode(&huge, 1 << 20),
            Err(VerifyError::TensorTooLarge { .. })
        ));
        let short = input(InputFormat::Npy, npy_bytes("<f4", "(4,)", &[0; 8]));
        assert!(matches!(
            decode(&short, 1 << 20),
            Err(VerifyError::InputDecode { .. })
        ));
        let truncated = input(InputFormat::Npy, b"\x93NUMPY\x01\x00\xff\x00{".to_vec());
        assert!(matches!(
            decode(&truncated, 1 << 20),
            Err(VerifyError::InputDecode { .. })
        ));
        let big_endian = input(InputFormat::Npy, npy_bytes(">f4", "(1,)", &[0; 4]));
        assert!(matches!(
            decode(&big_endian, 1 << 20),
            Err(VerifyError::InputDecode { .. })
        ));
    }

    #[test]
    fn json_takes_nan_and_refuses_wrong_counts_and_types() {
        let ok = br#"{"dtype":"f32","shape":[3],"data":[1.5,"NaN","-Infinity"]}"#.to_vec();
        let t = decode(&input(InputFormat::Json, ok), 100).unwrap();
        assert_eq!(t.len(), 3);
        for bad in [
            br#"{"dtype":"f32","shape":[2],"data":[1.5]}"#.to_vec(),
            br#"{"dtype":"i8","shape":[1],"data":[300]}"#.to_vec(),
            br#"{"dtype":"q8","shape":[1],"data":[1]}"#.to_vec(),
            br#"{"dtype":"f32","shape":[1],"data":["one"]}"#.to_vec(),
            b"not json".to_vec(),
        ] {
            assert!(matches!(
                decode(&input(InputFormat::Json, bad), 100),
                Err(VerifyError::InputDecode { .. })
            ));
        }
    }

    #[test]
    fn an_empty_tensor_with_absurd_other_axes_is_refused() {
        // The fuzzer's input: an INT64 TensorProto of shape [93, 93, 1202, 2521602354, 91, 0].
        let proto = b"\x08\x5d\x08\x5d\x0a\x09\xb2\x09\xb2\xb2\xb2\xb2\x09\x5b\x00\x28\x3e\xb2\x00\x00\x10\x03\x10\x0d";
        let huge = decode(&input(InputFormat::OnnxPb, proto.to_vec()), 1 << 20);
        assert!(
            matches!(huge, Err(VerifyError::TensorTooLarge { .. })),
            "{huge:?}"
        );
        let empty = npy_bytes("<f4", "(3, 0)", &[]);
        let t = decode(&input(InputFormat::Npy, empty), 100).unwrap();
        assert_eq!(t.shape(), &[3, 0]);
    }

    #[test]
    fn a_corrupt_tensor_proto_is_an_error() {
        for bad in [vec![0xff; 7], vec![], b"\x08\x01\x10\x01".to_vec()] {
            assert!(decode(&input(InputFormat::OnnxPb, bad), 100).is_err());
        }
    }
}
