//! Everything that can go wrong, as a value: a hostile model or input is an error, never a crash.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VerifyError {
    #[error("the request is malformed: {reason}")]
    Request { reason: String },

    #[error("the model is {bytes} bytes, over the limit of {max}")]
    ModelTooLarge { bytes: u64, max: u64 },

    #[error("the model cannot be read: {reason}")]
    ModelDecode { reason: String },

    #[error("the model cannot be prepared for these inputs: {reason}")]
    ModelUnsupported { reason: String },

    #[error("the model has {nodes} nodes, over the limit of {max}")]
    TooManyNodes { nodes: u64, max: u64 },

    #[error("tensor {name} would hold {elements} elements, over the limit of {max}")]
    TensorTooLarge {
        name: String,
        elements: u64,
        max: u64,
    },

    #[error("the model needs about {flops} multiply-adds, over the limit of {max}")]
    TooManyFlops { flops: u64, max: u64 },

    #[error("the model's input {name} was not given")]
    MissingInput { name: String },

    #[error("the model has no input named {name}")]
    UnknownInput { name: String },

    #[error("input {name} cannot be decoded: {reason}")]
    InputDecode { name: String, reason: String },

    #[error("input {name} does not fit the model: {reason}")]
    InputMismatch { name: String, reason: String },

    /// A prepared model runs only on inputs of the types and shapes it was prepared for.
    #[error("input {name} is {given}, but the model was prepared for {prepared}")]
    NotPreparedFor {
        name: String,
        prepared: String,
        given: String,
    },

    #[error("element type {dtype} is not supported")]
    UnsupportedDtype { dtype: String },

    #[error("inference failed: {reason}")]
    Inference { reason: String },

    #[error("the verifier panicked: {reason}")]
    Panicked { reason: String },
}

impl VerifyError {
    pub(crate) fn decode(name: &str, reason: impl ToString) -> Self {
        VerifyError::InputDecode {
            name: name.to_string(),
            reason: reason.to_string(),
        }
    }
}
