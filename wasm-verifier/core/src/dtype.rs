//! The element types the verifier takes and produces, and their names in encodings.

use tract_onnx::prelude::DatumType;

use crate::VerifyError;

/// The name of a supported element type, as used in the canonical encoding and in JSON inputs.
pub fn name(dt: DatumType) -> Result<&'static str, VerifyError> {
    Ok(match dt {
        DatumType::Bool => "bool",
        DatumType::U8 => "u8",
        DatumType::U16 => "u16",
        DatumType::U32 => "u32",
        DatumType::U64 => "u64",
        DatumType::I8 => "i8",
        DatumType::I16 => "i16",
        DatumType::I32 => "i32",
        DatumType::I64 => "i64",
        DatumType::F16 => "f16",
        DatumType::F32 => "f32",
        DatumType::F64 => "f64",
        other => {
            return Err(VerifyError::UnsupportedDtype {
                dtype: format!("{other:?}"),
            });
        }
    })
}

pub fn from_name(name: &str) -> Option<DatumType> {
    Some(match name {
        "bool" => DatumType::Bool,
        "u8" => DatumType::U8,
        "u16" => DatumType::U16,
        "u32" => DatumType::U32,
        "u64" => DatumType::U64,
        "i8" => DatumType::I8,
        "i16" => DatumType::I16,
        "i32" => DatumType::I32,
        "i64" => DatumType::I64,
        "f16" => DatumType::F16,
        "f32" => DatumType::F32,
        "f64" => DatumType::F64,
        _ => return None,
    })
}
