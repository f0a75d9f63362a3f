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
//! A host that judges many claims on one model (an operator) uses two more, in place of
//! `poi_verify`: `poi_prepare(ptr, len)` verifies a request as `poi_verify` does and keeps its
//! model prepared in the instance, for its inputs' types and shapes (a failed preparation leaves
//! none); `poi_run(ptr, len)` takes a request with an empty model and the prepared model's hash,
//! and runs the prepared one (status 2 if none is). Results are read as above, and equal `poi_verify`'s for the same request.
//!
//! A request that makes the verifier panic traps (panics abort in this build); the host reports
//! the trap as an error, and must not use the instance again.

use std::cell::RefCell;

use poi_verifier::request::Request;
use poi_verifier::{Prepared, Verification, VerifyError, prepare, verify};

thread_local! {
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
}

/// Handles one request: the JSON result and the canonical encoding.
pub fn handle(request: &[u8]) -> (u32, Vec<u8>, Vec<u8>) {
    respond(
        Request::decode(request)
            .map_err(VerifyError::from)
            .and_then(|r| {
                verify(
                    &r.model,
                    &r.model_hash,
                    &r.inputs,
                    &r.verifier_hash,
                    &r.limits,
                )
            }),
    )
}

/// Handles one request and keeps its model prepared, in place of whatever was.
fn handle_prepare(request: &[u8]) -> (u32, Vec<u8>, Vec<u8>) {
    PREPARED.with(|p| p.borrow_mut().take());
    let outcome = Request::decode(request)
        .map_err(VerifyError::from)
        .and_then(|r| {
            prepare(
                &r.model,
                &r.model_hash,
                &r.inputs,
                &r.verifier_hash,
                &r.limits,
            )
        })
        .map(|(prepared, verification)| {
            PREPARED.with(|p| *p.borrow_mut() = Some(prepared));
            verification
        });
    respond(outcome)
}

/// Runs the prepared model on a request that carries no model but names it by its hash; `None` if
/// none is prepared.
fn handle_run(request: &[u8]) -> Option<(u32, Vec<u8>, Vec<u8>)> {
    PREPARED.with(|p| {
        let prepared = p.borrow();
        let prepared = prepared.as_ref()?;
        let outcome = Request::decode(request)
            .map_err(VerifyError::from)
            .and_then(|r| {
                if !r.model.is_empty() {
                    return Err(VerifyError::Request {
                        reason: "a run of the prepared model carries no model".into(),
                    });
                }
                if r.model_hash != *prepared.model_hash() {
                    return Err(VerifyError::Request {
                        reason: "the run names another model than the one prepared".into(),
                    });
                }
                prepared.run(&r.inputs, &r.verifier_hash, &r.limits)
            });
        Some(respond(outcome))
    })
}

fn respond(outcome: Result<Verification, VerifyError>) -> (u32, Vec<u8>, Vec<u8>) {
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

/// Takes the request at `ptr`, frees it, and keeps what `reply` answered for the getters.
///
/// # Safety
/// As for [`poi_verify`].
unsafe fn answer(
    ptr: *mut u8,
    len: usize,
    reply: impl FnOnce(&[u8]) -> Option<(u32, Vec<u8>, Vec<u8>)>,
) -> u32 {
    if ptr.is_null() {
        return 2;
    }
    let request = unsafe { Vec::from_raw_parts(ptr, len, len) };
    let answered = reply(&request);
    drop(request);
    let Some((status, result, output)) = answered else {
        return 2;
    };
    RESULT.with(|r| *r.borrow_mut() = result);
    OUTPUT.with(|o| *o.borrow_mut() = output);
    status
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
    unsafe { answer(ptr, len, |request| Some(handle(request))) }
}

/// # Safety
/// As for [`poi_verify`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn poi_prepare(ptr: *mut u8, len: usize) -> u32 {
    unsafe { answer(ptr, len, |request| Some(handle_prepare(request))) }
}

/// # Safety
/// As for [`poi_verify`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn poi_run(ptr: *mut u8, len: usize) -> u32 {
    unsafe { answer(ptr, len, handle_run) }
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
