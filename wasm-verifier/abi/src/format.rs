//! How an input's bytes encode its tensor, and the one rule that tells it from a file name.

#[cfg(not(feature = "schema"))]
use serde::{Deserialize, Serialize};

/// How an input's bytes encode its tensor. Named in each input of a claim (content-addressed and
/// signed URLs have no extension to tell it by) and, by its code, in every request to the verifier.
// With `schema`, the derives every contract message type has (serde's snake case among them).
#[cfg_attr(feature = "schema", cosmwasm_schema::cw_serde)]
#[cfg_attr(
    not(feature = "schema"),
    derive(Debug, Clone, PartialEq, Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
#[derive(Copy, Eq)]
pub enum InputFormat {
    /// NumPy `.npy`.
    Npy,
    /// A serialised ONNX `TensorProto` (the ONNX test-data `.pb` files).
    OnnxPb,
    /// JSON: `{"dtype", "shape", "data"}`.
    Json,
}

impl InputFormat {
    /// Its code in a request.
    pub fn code(self) -> u8 {
        match self {
            InputFormat::Npy => 0,
            InputFormat::OnnxPb => 1,
            InputFormat::Json => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(InputFormat::Npy),
            1 => Some(InputFormat::OnnxPb),
            2 => Some(InputFormat::Json),
            _ => None,
        }
    }

    /// The format a file name's extension (`.npy`, `.pb`, `.json`) says: how clients name local
    /// files, and how claims made before inputs named their format were read.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "npy" => Some(InputFormat::Npy),
            "pb" => Some(InputFormat::OnnxPb),
            "json" => Some(InputFormat::Json),
            _ => None,
        }
    }
}

/// One input as given: its name in the model, its format, its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedInput {
    pub name: String,
    pub format: InputFormat,
    pub bytes: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_one_code_and_one_extension() {
        for format in [InputFormat::Npy, InputFormat::OnnxPb, InputFormat::Json] {
            assert_eq!(InputFormat::from_code(format.code()), Some(format));
        }
        assert_eq!(InputFormat::from_code(3), None);
        assert_eq!(
            InputFormat::from_file_name("digit.NPY"),
            Some(InputFormat::Npy)
        );
        assert_eq!(
            InputFormat::from_file_name("input_0.pb"),
            Some(InputFormat::OnnxPb)
        );
        assert_eq!(
            InputFormat::from_file_name("x.json"),
            Some(InputFormat::Json)
        );
        assert_eq!(InputFormat::from_file_name("x.onnx"), None);
        assert_eq!(InputFormat::from_file_name("npy"), None);
    }
}
