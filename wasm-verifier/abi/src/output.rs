//! What the artefact answers with: the canonical output encoding (the determinism contract; the
//! artefact writes it, see `poi_verifier::encoding`) and its element types, read back here so that
//! hosts, the CLI and the page can show and compare outputs without tract.
//!
//! Encoding, all integers little-endian:
//!
//! ```text
//! u32 number of outputs
//! per output, in graph order:
//!   u32 name length, name (UTF-8)
//!   u32 dtype name length, dtype name ("f32", "i64", "bool", ...)
//!   u32 rank, then u64 per dimension
//!   the values in C order, little-endian; bools as one byte 0 or 1;
//!   every NaN replaced by the canonical quiet NaN (f16 0x7e00, f32 0x7fc00000,
//!   f64 0x7ff8000000000000)
//! ```

use serde::{Deserialize, Serialize};

/// The element types the verifier takes and produces, by their names in encodings and inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementType {
    Bool,
    U8,
    U16,
    U32,
    U64,
    I8,
    I16,
    I32,
    I64,
    F16,
    F32,
    F64,
}

impl ElementType {
    pub const ALL: [ElementType; 12] = [
        ElementType::Bool,
        ElementType::U8,
        ElementType::U16,
        ElementType::U32,
        ElementType::U64,
        ElementType::I8,
        ElementType::I16,
        ElementType::I32,
        ElementType::I64,
        ElementType::F16,
        ElementType::F32,
        ElementType::F64,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ElementType::Bool => "bool",
            ElementType::U8 => "u8",
            ElementType::U16 => "u16",
            ElementType::U32 => "u32",
            ElementType::U64 => "u64",
            ElementType::I8 => "i8",
            ElementType::I16 => "i16",
            ElementType::I32 => "i32",
            ElementType::I64 => "i64",
            ElementType::F16 => "f16",
            ElementType::F32 => "f32",
            ElementType::F64 => "f64",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Its type in NumPy's `.npy` header (`descr`): little-endian, bools and bytes without order.
    pub fn npy_descr(self) -> &'static str {
        match self {
            ElementType::Bool => "|b1",
            ElementType::U8 => "|u1",
            ElementType::U16 => "<u2",
            ElementType::U32 => "<u4",
            ElementType::U64 => "<u8",
            ElementType::I8 => "|i1",
            ElementType::I16 => "<i2",
            ElementType::I32 => "<i4",
            ElementType::I64 => "<i8",
            ElementType::F16 => "<f2",
            ElementType::F32 => "<f4",
            ElementType::F64 => "<f8",
        }
    }

    /// The element type of a `.npy` `descr`; single bytes may be written with either order mark.
    pub fn from_npy_descr(descr: &str) -> Option<Self> {
        let descr = match descr {
            "<u1" => "|u1",
            "<i1" => "|i1",
            other => other,
        };
        Self::ALL.into_iter().find(|t| t.npy_descr() == descr)
    }

    /// Bytes per value in the encoding.
    pub fn size(self) -> usize {
        match self {
            ElementType::Bool | ElementType::U8 | ElementType::I8 => 1,
            ElementType::U16 | ElementType::I16 | ElementType::F16 => 2,
            ElementType::U32 | ElementType::I32 | ElementType::F32 => 4,
            ElementType::U64 | ElementType::I64 | ElementType::F64 => 8,
        }
    }

    /// One encoded value (`size()` bytes), widened to f64.
    fn widen(self, c: &[u8]) -> f64 {
        let bytes = |n: usize| -> [u8; 8] {
            let mut b = [0u8; 8];
            b[..n].copy_from_slice(&c[..n]);
            b
        };
        let b = bytes(self.size());
        match self {
            ElementType::Bool | ElementType::U8 => c[0] as f64,
            ElementType::I8 => c[0] as i8 as f64,
            ElementType::U16 => u16::from_le_bytes([b[0], b[1]]) as f64,
            ElementType::I16 => i16::from_le_bytes([b[0], b[1]]) as f64,
            ElementType::F16 => f16_to_f64(u16::from_le_bytes([b[0], b[1]])),
            ElementType::U32 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            ElementType::I32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            ElementType::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            ElementType::U64 => u64::from_le_bytes(b) as f64,
            ElementType::I64 => i64::from_le_bytes(b) as f64,
            ElementType::F64 => f64::from_le_bytes(b),
        }
    }
}

/// IEEE 754 half precision, exactly (every f16 is an f64).
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let fraction = f64::from(bits & 0x3ff);
    match exponent {
        0 => sign * fraction * 2f64.powi(-24),
        0x1f if fraction == 0.0 => sign * f64::INFINITY,
        0x1f => f64::NAN,
        e => sign * (1.0 + fraction / 1024.0) * 2f64.powi(e - 15),
    }
}

/// What an output is, without its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputSummary {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
}

/// An output as it stands in an encoding: its values' canonical little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedOutput<'a> {
    pub summary: OutputSummary,
    pub element: ElementType,
    pub bytes: &'a [u8],
}

impl EncodedOutput<'_> {
    /// The output as a NumPy `.npy` file (version 1), an input format the verifier takes: the
    /// values are copied as they are, so a run fed with it gets the exact tensor back.
    pub fn npy(&self) -> Vec<u8> {
        let shape: Vec<String> = self.summary.shape.iter().map(u64::to_string).collect();
        // A one-element tuple keeps its comma.
        let shape = match shape.len() {
            1 => format!("{},", shape[0]),
            _ => shape.join(", "),
        };
        let mut header = format!(
            "{{'descr': '{}', 'fortran_order': False, 'shape': ({shape}), }}",
            self.element.npy_descr()
        );
        // The header ends with a newline and pads the data's start to a multiple of 64 bytes.
        let unpadded = 10 + header.len() + 1;
        header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(self.bytes);
        out
    }

    /// The values widened to f64.
    pub fn widened(&self) -> Vec<f64> {
        self.bytes
            .chunks_exact(self.element.size())
            .map(|c| self.element.widen(c))
            .collect()
    }
}

/// An output read back from an encoding, its values widened to f64 for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedOutput {
    pub summary: OutputSummary,
    pub values: Vec<f64>,
}

/// Why bytes are not an output encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    #[error("truncated")]
    Truncated,
    #[error("{0} is not UTF-8")]
    NotUtf8(&'static str),
    #[error("unknown dtype {0:?}")]
    UnknownDtype(String),
    #[error("rank over 64")]
    RankTooLarge,
    #[error("shape overflows")]
    ShapeOverflows,
    #[error("trailing bytes")]
    TrailingBytes,
}

/// Reads an encoding back, values widened to f64.
pub fn decode(bytes: &[u8]) -> Result<Vec<DecodedOutput>, OutputError> {
    Ok(read(bytes)?
        .into_iter()
        .map(|o| DecodedOutput {
            values: o.widened(),
            summary: o.summary,
        })
        .collect())
}

/// Reads an encoding into its outputs. Any inconsistency is an error: the bytes may come from
/// anywhere.
pub fn read(bytes: &[u8]) -> Result<Vec<EncodedOutput<'_>>, OutputError> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], OutputError> {
        let end = at
            .checked_add(n)
            .filter(|&e| e <= bytes.len())
            .ok_or(OutputError::Truncated)?;
        let slice = &bytes[at..end];
        at = end;
        Ok(slice)
    };
    fn u32_of(b: &[u8]) -> usize {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    }
    let count = u32_of(take(4)?);
    let mut outputs = Vec::new();
    for _ in 0..count {
        let len = u32_of(take(4)?);
        let name =
            String::from_utf8(take(len)?.to_vec()).map_err(|_| OutputError::NotUtf8("name"))?;
        let len = u32_of(take(4)?);
        let dtype =
            String::from_utf8(take(len)?.to_vec()).map_err(|_| OutputError::NotUtf8("dtype"))?;
        let element = ElementType::from_name(&dtype)
            .ok_or_else(|| OutputError::UnknownDtype(dtype.clone()))?;
        let rank = u32_of(take(4)?);
        if rank > 64 {
            return Err(OutputError::RankTooLarge);
        }
        let mut shape = Vec::with_capacity(rank);
        for _ in 0..rank {
            let d = take(8)?;
            shape.push(u64::from_le_bytes([
                d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7],
            ]));
        }
        let size = shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| n.checked_mul(element.size()))
            .ok_or(OutputError::ShapeOverflows)?;
        outputs.push(EncodedOutput {
            summary: OutputSummary { name, dtype, shape },
            element,
            bytes: take(size)?,
        });
    }
    if at != bytes.len() {
        return Err(OutputError::TrailingBytes);
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_element_type_is_named_once_and_read_back_by_its_name() {
        for t in ElementType::ALL {
            assert_eq!(ElementType::from_name(t.name()), Some(t));
        }
        assert_eq!(ElementType::from_name("bf16"), None);
    }

    #[test]
    fn half_precision_values_are_exact() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x7bff), 65504.0);
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
    }

    #[test]
    fn an_encoding_is_read_back_and_any_damage_is_named() {
        let mut e = Vec::new();
        e.extend_from_slice(&1u32.to_le_bytes());
        for s in ["y", "i16"] {
            e.extend_from_slice(&(s.len() as u32).to_le_bytes());
            e.extend_from_slice(s.as_bytes());
        }
        e.extend_from_slice(&1u32.to_le_bytes());
        e.extend_from_slice(&2u64.to_le_bytes());
        e.extend_from_slice(&(-3i16).to_le_bytes());
        e.extend_from_slice(&7i16.to_le_bytes());
        let back = decode(&e).unwrap();
        assert_eq!(back[0].summary.shape, vec![2]);
        assert_eq!(back[0].values, vec![-3.0, 7.0]);
        assert_eq!(decode(&e[..e.len() - 1]), Err(OutputError::Truncated));
        let mut longer = e.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(OutputError::TrailingBytes));
    }
}
