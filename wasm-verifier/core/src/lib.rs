//! poi's verifier core: run an ONNX model with tract and name the result by a hash that is the same
//! on every machine that runs the same verifier build.
//!
//! No I/O, clock, threads or randomness: everything comes in as bytes and goes out as bytes, so the
//! same code runs natively and, compiled to `poi_verifier.wasm`, in wasmer and in browsers.
//!
//! - [`limits`]: what a model may cost before it is run at all.
//! - [`input`]: decoding inputs from NumPy `.npy`, ONNX `TensorProto` `.pb` and JSON.
//! - [`encoding`]: the canonical output encoding, `output_hash` and the receipt.
//! - [`run`]: loading, checking and running a model, once or [`Prepared`] for many runs.
//! - [`request`]: the byte format the wasm module's ABI takes.
//! - [`tolerance`]: comparing a recomputed output with a claimed one.
//! - `kernels`: the wasm build's own matrix kernel, registered into tract-linalg.
//! - `ops`: the ONNX operators poi adds to tract-onnx's, registered into its op registry.

pub mod dtype;
pub mod encoding;
pub mod error;
pub mod graph_check;
pub mod input;
mod kernels;
pub mod limits;
mod ops;
pub mod request;
pub mod run;
pub mod tolerance;

pub use error::VerifyError;
pub use limits::Limits;
pub use run::{Prepared, Verification, model_inputs, prepare, verify};
