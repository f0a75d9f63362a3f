//! The element types the verifier takes and produces, and their names in encodings.

use tract_onnx::prelude::DatumType;

use poi_verifier_abi::ElementType;

use crate::VerifyError;

/// The element type of a supported datum type.
fn element(dt: DatumType) -> Option<ElementType> {
    Some(match dt {
        DatumType::Bool => ElementType::Bool,
        DatumType::U8 => ElementType::U8,
        DatumType::U16 => ElementType::U16,
        DatumType::U32 => ElementType::U32,
        DatumType::U64 => ElementType::U64,
        DatumType::I8 => ElementType::I8,
        DatumType::I16 => ElementType::I16,
        DatumType::I32 => ElementType::I32,
        DatumType::I64 => ElementType::I64,
        DatumType::F16 => ElementType::F16,
        DatumType::F32 => ElementType::F32,
        DatumType::F64 => ElementType::F64,
        _ => return None,
    })
}

/// The name of a supported element type, as used in the canonical encoding and in JSON inputs.
pub fn name(dt: DatumType) -> Result<&'static str, VerifyError> {
    element(dt)
        .map(ElementType::name)
        .ok_or_else(|| VerifyError::UnsupportedDtype {
            dtype: format!("{dt:?}"),
        })
}

pub fn from_name(name: &str) -> Option<DatumType> {
    ElementType::from_name(name).map(of_element)
}

/// The datum type of an element type.
pub fn of_element(wanted: ElementType) -> DatumType {
    [
        DatumType::Bool,
        DatumType::U8,
        DatumType::U16,
        DatumType::U32,
        DatumType::U64,
        DatumType::I8,
        DatumType::I16,
        DatumType::I32,
        DatumType::I64,
        DatumType::F16,
        DatumType::F32,
        DatumType::F64,
    ]
    .into_iter()
    .find(|&dt| element(dt) == Some(wanted))
    .expect("every element type has a datum type")
}
