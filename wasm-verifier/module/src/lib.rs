//! The ABI of `poi_verifier.wasm`. The module imports nothing; a host (wasmer, a browser, Node)
//! drives it with these exports:
//!
//! 1. `poi_alloc(len) -> ptr`: memory for the request, which the host writes there
//!    (the format is [`poi_verifier::request`]).
//! 2. `poi_verify(ptr, len) -> status`: runs it and frees the request; 0 on success, 1 on a
//!    typed error, 2 on a malformed call.
//! 3. `poi_result_ptr()` / `poi_result_len()`: a JSON object, `{"ok": true, "output_hash",
//!    "receipt", "outputs": [{"name", "dtype", "shape"}]}` or `{"ok": false, "error": {"kind",
//!    "message", ...}}`.
//! 4. `poi_output_ptr()` / `poi_output_len()`: the canonical output encoding (empty on error),
//!    whose sha256 is the output hash; it carries every output value, for tolerance checks.
//!
//! A request that makes the verifier panic traps (panics abort in this build); the host reports
//! the trap as an error.

use std::cell::RefCell;

use poi_verifier::request::Request;
use poi_verifier::{VerifyError, verify};

thread_local! {
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Handles one request: the JSON result and the canonical encoding.
pub fn handle(request: &[u8]) -> (u32, Vec<u8>, Vec<u8>) {
    let outcome = Request::decode(request)
        .map_err(VerifyError::from)
        .and_then(|r| verify(&r.model, &r.inputs, &r.verifier_hash, &r.limits));
    match outcome {
        Ok(v) => {
            let json = serde_json::json!({
                "ok": true,
                "output_hash": hex_of(&v.output_hash),
                "receipt": hex_of(&v.receipt),
                "outputs": v.outputs,
            });
            (0, json.to_string().into_bytes(), v.encoding)
        }
        Err(e) => (1, error_json(&e).into_bytes(), Vec::new()),
    }
}

fn hex_of(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn error_json(e: &VerifyError) -> String {
    let mut error = serde_json::to_value(e).unwrap_or_default();
    if let Some(object) = error.as_object_mut() {
        object.insert("message".into(), e.to_string().into());
    }
    serde_json::json!({ "ok": false, "error": error }).to_string()
}

#[unsafe(no_mangle)]
pub extern "C" fn poi_alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len);
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// # Safety
/// `ptr` and `len` must come from one `poi_alloc` call not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn poi_free(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        drop(unsafe { Vec::from_raw_parts(ptr, 0, len) });
    }
}

/// # Safety
/// `ptr` and `len` must come from one `poi_alloc(len)` call, with `len` bytes written; the
/// buffer is freed here.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn poi_verify(ptr: *mut u8, len: usize) -> u32 {
    if ptr.is_null() {
        return 2;
    }
    let request = unsafe { Vec::from_raw_parts(ptr, len, len) };
    let (status, result, output) = handle(&request);
    drop(request);
    RESULT.with(|r| *r.borrow_mut() = result);
    OUTPUT.with(|o| *o.borrow_mut() = output);
    status
}

#[unsafe(no_mangle)]
pub extern "C" fn poi_result_ptr() -> *const u8 {
    RESULT.with(|r| r.borrow().as_ptr())
}

#[unsafe(no_mangle)]
pub extern "C" fn poi_result_len() -> usize {
    RESULT.with(|r| r.borrow().len())
}

#[unsafe(no_mangle)]
pub extern "C" fn poi_output_ptr() -> *const u8 {
    OUTPUT.with(|o| o.borrow().as_ptr())
}

#[unsafe(no_mangle)]
pub extern "C" fn poi_output_len() -> usize {
    OUTPUT.with(|o| o.borrow().len())
}

/// The verifier asks for no randomness, but tract's dependencies link getrandom; on wasm32 it is
/// answered here, always with an error, so the module imports nothing.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
unsafe extern "Rust" fn __getrandom_v03_custom(
    _dest: *mut u8,
    _len: usize,
) -> Result<(), getrandom::Error> {
    Err(getrandom::Error::UNSUPPORTED)
}
