//! The canonical output encoding, the output hash and the receipt: the determinism contract.
//!
//! The encoding's layout is written down, and read back, in `poi_verifier_abi::output`.
//!
//! `output_hash = sha256(encoding)`; the receipt is
//! `sha256(model_hash ‖ sha256 of each input's bytes, in the model's input order ‖ verifier_hash ‖
//! output_hash)` and names the exact computation a vote is about.

use sha2::{Digest, Sha256};
use tract_onnx::prelude::*;

use crate::{VerifyError, dtype};

pub use poi_verifier_abi::output::{DecodedOutput, OutputSummary};

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The canonical bytes of one tensor's values: every NaN the canonical quiet NaN, every boolean 0
/// or 1. (`BitCast`, which reads a float's bits as data, reads these.)
pub(crate) fn canonical_values(tensor: &Tensor, out: &mut Vec<u8>) -> Result<(), VerifyError> {
    let bytes = tensor.as_bytes();
    match tensor.datum_type() {
        DatumType::F16 => {
            for c in bytes.chunks_exact(2) {
                let bits = u16::from_le_bytes([c[0], c[1]]);
                let nan = bits & 0x7c00 == 0x7c00 && bits & 0x03ff != 0;
                out.extend_from_slice(&if nan { 0x7e00u16 } else { bits }.to_le_bytes());
            }
        }
        DatumType::F32 => {
            for c in bytes.chunks_exact(4) {
                let x = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                let x = if x.is_nan() {
                    f32::from_bits(0x7fc0_0000)
                } else {
                    x
                };
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        DatumType::F64 => {
            for c in bytes.chunks_exact(8) {
                let x = f64::from_le_bytes(c.try_into().expect("8 bytes"));
                let x = if x.is_nan() {
                    f64::from_bits(0x7ff8_0000_0000_0000)
                } else {
                    x
                };
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        DatumType::Bool => out.extend(bytes.iter().map(|&b| u8::from(b != 0))),
        // Integers: the in-memory bytes are already little-endian on every target poi runs on
        // (x86_64, aarch64, wasm32).
        _ => out.extend_from_slice(bytes),
    }
    Ok(())
}

/// Encodes `outputs` (name, tensor) canonically.
pub fn encode(outputs: &[(String, Tensor)]) -> Result<(Vec<u8>, Vec<OutputSummary>), VerifyError> {
    let mut out = Vec::new();
    let mut summaries = Vec::with_capacity(outputs.len());
    out.extend_from_slice(&(outputs.len() as u32).to_le_bytes());
    for (name, tensor) in outputs {
        let dtype = dtype::name(tensor.datum_type())?;
        put_str(&mut out, name);
        put_str(&mut out, dtype);
        out.extend_from_slice(&(tensor.rank() as u32).to_le_bytes());
        for &d in tensor.shape() {
            out.extend_from_slice(&(d as u64).to_le_bytes());
        }
        canonical_values(tensor, &mut out)?;
        summaries.push(OutputSummary {
            name: name.clone(),
            dtype: dtype.to_string(),
            shape: tensor.shape().iter().map(|&d| d as u64).collect(),
        });
    }
    Ok((out, summaries))
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `sha256(model_hash ‖ input hashes ‖ verifier_hash ‖ output_hash)`.
pub fn receipt(
    model_hash: &[u8; 32],
    input_hashes: &[[u8; 32]],
    verifier_hash: &[u8; 32],
    output_hash: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(model_hash);
    for input in input_hashes {
        h.update(input);
    }
    h.update(verifier_hash);
    h.update(output_hash);
    h.finalize().into()
}

/// Reads an encoding back (`poi_verifier_abi::output::decode`), its damage a request error.
pub fn decode(bytes: &[u8]) -> Result<Vec<DecodedOutput>, VerifyError> {
    poi_verifier_abi::output::decode(bytes).map_err(|e| VerifyError::Request {
        reason: format!("output encoding: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nan_encodes_the_same_and_the_encoding_reads_back() {
        let a = tensor1(&[
            1.0f32,
            f32::from_bits(0x7fc0_0001),
            f32::from_bits(0xffc0_0000),
        ]);
        let b = tensor1(&[1.0f32, f32::NAN, f32::from_bits(0x7f80_0001)]);
        let (ea, summary) = encode(&[("y".into(), a)]).unwrap();
        let (eb, _) = encode(&[("y".into(), b)]).unwrap();
        assert_eq!(ea, eb);
        assert_eq!(summary[0].shape, vec![3]);
        let back = decode(&ea).unwrap();
        assert_eq!(back[0].values[0], 1.0);
        assert!(back[0].values[1].is_nan());
    }

    #[test]
    fn a_damaged_encoding_is_an_error() {
        let (e, _) = encode(&[("y".into(), tensor1(&[1i64, 2]))]).unwrap();
        assert!(decode(&e[..e.len() - 1]).is_err());
        let mut longer = e.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
    }
}
