//! The request the artefact takes: encoded and decoded in `poi-verifier-abi`, which every caller
//! shares. A malformed request is a [`VerifyError`] like any other refusal.

pub use poi_verifier_abi::request::{MAGIC, Request, RequestError, VERSION};

use crate::VerifyError;

impl From<RequestError> for VerifyError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Malformed { reason } => VerifyError::Request { reason },
            RequestError::ModelTooLarge { bytes, max } => VerifyError::ModelTooLarge { bytes, max },
        }
    }
}
