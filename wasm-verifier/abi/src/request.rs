//! The bytes the wasm module's `poi_verify` takes: one self-describing request, so the ABI needs no
//! strings, no JSON parser in JavaScript and no second call to pass inputs.
//!
//! ```text
//! "POIV" version u8 (2)
//! verifier_hash: 32 bytes (the sha256 of the module doing the run; it goes into the receipt)
//! model_hash: 32 bytes (the sha256 of the model bytes below; it goes into the receipt)
//! limits: max_model_bytes, max_nodes, max_tensor_elements, max_flops, each u64 (0 = default)
//! u64 model length, model bytes (ONNX)
//! u32 input count; per input: u8 format (0 npy, 1 onnx pb, 2 json),
//!     u32 name length, name (UTF-8), u64 data length, data
//! ```
//!
//! All integers little-endian.
//!
//! The receipt names two hashes the artefact takes on its host's word. It cannot know its own
//! hash, and the model's is one every host has already computed, natively, to check the model
//! against the claim (or to find the instance it holds the model prepared in); hashing 10 MB again
//! in wasm cost a sixth of a verification, and would not make a lying host any less able to lie,
//! since the host runs the artefact. Version 1 requests, which carried no model hash, are refused.

use std::borrow::Cow;

use crate::{InputFormat, Limits, NamedInput};

/// Why bytes are not a request the verifier can take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("malformed request: {reason}")]
    Malformed { reason: String },
    /// The model is larger than the request's own limit allows.
    #[error("the model is {bytes} bytes, over the limit of {max}")]
    ModelTooLarge { bytes: u64, max: u64 },
}

pub const MAGIC: &[u8; 4] = b"POIV";
pub const VERSION: u8 = 2;

/// A request. The model is borrowed where it can be: it is most of a request's bytes, and
/// neither the host encoding it nor the artefact reading it needs a copy of its own.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub verifier_hash: [u8; 32],
    pub model_hash: [u8; 32],
    pub limits: Limits,
    pub model: Cow<'a, [u8]>,
    pub inputs: Vec<NamedInput>,
}

impl<'a> Request<'a> {
    pub fn encode(&self) -> Vec<u8> {
        let inputs: usize = self
            .inputs
            .iter()
            .map(|i| i.name.len() + i.bytes.len() + 13)
            .sum();
        let mut out = Vec::with_capacity(self.model.len() + inputs + 128);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.verifier_hash);
        out.extend_from_slice(&self.model_hash);
        for limit in [
            self.limits.max_model_bytes,
            self.limits.max_nodes,
            self.limits.max_tensor_elements,
            self.limits.max_flops,
        ] {
            out.extend_from_slice(&limit.to_le_bytes());
        }
        out.extend_from_slice(&(self.model.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.model);
        out.extend_from_slice(&(self.inputs.len() as u32).to_le_bytes());
        for input in &self.inputs {
            out.push(input.format.code());
            out.extend_from_slice(&(input.name.len() as u32).to_le_bytes());
            out.extend_from_slice(input.name.as_bytes());
            out.extend_from_slice(&(input.bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(&input.bytes);
        }
        out
    }

    /// Reads a request; every length is checked against the bytes actually there. The model is
    /// borrowed from `bytes`.
    pub fn decode(bytes: &'a [u8]) -> Result<Request<'a>, RequestError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(bad("not a poi verifier request"));
        }
        let version = r.take(1)?[0];
        if version != VERSION {
            return Err(RequestError::Malformed {
                reason: format!("request version {version}; this verifier takes version {VERSION}"),
            });
        }
        let verifier_hash: [u8; 32] = r.take(32)?.try_into().expect("32 bytes");
        let model_hash: [u8; 32] = r.take(32)?.try_into().expect("32 bytes");
        let defaults = Limits::default();
        let or_default = |v: u64, d: u64| if v == 0 { d } else { v };
        let limits = Limits {
            max_model_bytes: or_default(r.u64()?, defaults.max_model_bytes),
            max_nodes: or_default(r.u64()?, defaults.max_nodes),
            max_tensor_elements: or_default(r.u64()?, defaults.max_tensor_elements),
            max_flops: or_default(r.u64()?, defaults.max_flops),
        };
        let model_len = r.u64()?;
        if model_len > limits.max_model_bytes {
            return Err(RequestError::ModelTooLarge {
                bytes: model_len,
                max: limits.max_model_bytes,
            });
        }
        let model = Cow::Borrowed(r.take(model_len)?);
        let count = r.u32()?;
        if count > 1024 {
            return Err(bad("more than 1024 inputs"));
        }
        let mut inputs = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let format =
                InputFormat::from_code(r.take(1)?[0]).ok_or_else(|| bad("unknown input format"))?;
            let name_len = r.u32()?;
            let name = String::from_utf8(r.take(u64::from(name_len))?.to_vec())
                .map_err(|_| bad("input name is not UTF-8"))?;
            let data_len = r.u64()?;
            let data = r.take(data_len)?.to_vec();
            inputs.push(NamedInput {
                name,
                format,
                bytes: data,
            });
        }
        if r.at != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        Ok(Request {
            verifier_hash,
            model_hash,
            limits,
            model,
            inputs,
        })
    }
}

fn bad(reason: &str) -> RequestError {
    RequestError::Malformed {
        reason: reason.to_string(),
    }
}

/// Reads fields off the front of a request, never past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], RequestError> {
        let n = usize::try_from(n).map_err(|_| bad("length too large"))?;
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| bad("truncated"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, RequestError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, RequestError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_back_and_every_truncation_is_an_error() {
        let request = Request {
            verifier_hash: [7; 32],
            model_hash: [9; 32],
            limits: Limits::default(),
            model: Cow::Borrowed(&[1, 2, 3]),
            inputs: vec![NamedInput {
                name: "x".into(),
                format: InputFormat::Json,
                bytes: b"{}".to_vec(),
            }],
        };
        let bytes = request.encode();
        let back = Request::decode(&bytes).unwrap();
        assert_eq!(
            (
                back.verifier_hash,
                back.model_hash,
                &back.model[..],
                back.inputs[0].name.as_str()
            ),
            ([7; 32], [9; 32], &[1, 2, 3][..], "x")
        );
        for cut in 0..bytes.len() {
            assert!(Request::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn a_version_1_request_without_a_model_hash_is_refused_by_its_version() {
        let mut bytes = Request {
            verifier_hash: [7; 32],
            model_hash: [9; 32],
            limits: Limits::default(),
            model: Cow::Borrowed(&[]),
            inputs: vec![],
        }
        .encode();
        bytes[4] = 1;
        let error = Request::decode(&bytes).unwrap_err();
        assert_eq!(
            error.to_string(),
            "malformed request: request version 1; this verifier takes version 2"
        );
    }
}
