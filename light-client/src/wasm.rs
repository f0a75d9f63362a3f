//! JavaScript bindings (wasm-bindgen): the light client of [`crate::client`], unchanged, over
//! `fetch` ([`FetchTransport`]) and localStorage ([`BrowserStore`]). The page creates a
//! `LightClient` and calls it; every verification, proof, retry rule and record layout stays in
//! Rust. Failures are thrown as `Error`s with a `kind` (`BadSignature`, `Fork`, `Proof`, …; see
//! [`LightClientError::kind`]).
//!
//! `decodeOutputs` reads a verifier result's outputs back, for the page to show them;
//! `chainInputs` feeds them on as the next run's inputs (a generation's next step).
//!
//! The single-step functions at the end (`trustCheckpoint`, `verifyHeader`, `headerHash`) are the
//! pure verification core on its own, for the CometBFT trace test and the benchmark.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use serde_json::{Value, json};
use tendermint::Time;
use tendermint_light_client_verifier::types::LightBlock;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use crate::checkpoint::check_checkpoint;
use crate::client::{Checkpoint, LightClient};
use crate::error::LightClientError;
use crate::headers::{StepFailure, TrustOptions, bisection_pivot, verify_step};
use crate::node::{MAX_RESPONSE_BYTES, Transport};
use crate::records::read_height;
use crate::store::{TrustStore, TrustedState};

/// A JavaScript `Error` whose `kind` names the variant.
fn thrown(e: LightClientError) -> JsValue {
    error_of_kind(e.kind(), &e.to_string())
}

/// A JavaScript `Error` with `message` whose `kind` the page branches on.
fn error_of_kind(kind: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    let _ = Reflect::set(&error, &"kind".into(), &kind.into());
    error.into()
}

fn malformed(what: &'static str, e: impl ToString) -> JsValue {
    thrown(LightClientError::malformed(what, e))
}

/// `value` as a plain JavaScript object.
fn to_js(value: &impl serde::Serialize) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| malformed("result", e))?;
    js_sys::JSON::parse(&text)
}

/// A JavaScript number that must be a whole, non-negative, exactly representable integer.
fn whole(what: &'static str, n: f64) -> Result<u64, JsValue> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 {
        Ok(n as u64)
    } else {
        Err(malformed(what, format!("{n} is not a whole number")))
    }
}

fn now() -> Result<Time, JsValue> {
    time_from_unix_ms(js_sys::Date::now())
}

fn time_from_unix_ms(ms: f64) -> Result<Time, JsValue> {
    let ms = ms as i64;
    Time::from_unix_timestamp(
        ms.div_euclid(1000),
        (ms.rem_euclid(1000) * 1_000_000) as u32,
    )
    .map_err(|e| malformed("time", e))
}

#[wasm_bindgen]
extern "C" {
    // The global `fetch`: a page's and a worker's alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &web_sys::Request) -> Promise;
}

/// JSON-RPC over `fetch`.
#[derive(Clone, Copy, Default)]
pub struct FetchTransport;

impl FetchTransport {
    /// The status and body of the reply.
    async fn post_text(url: &str, body: &str) -> Result<(u16, String), String> {
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(body));
        let headers = web_sys::Headers::new().map_err(describe)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(describe)?;
        init.set_headers(&headers);
        let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(describe)?;
        let response: web_sys::Response = JsFuture::from(global_fetch(&request))
            .await
            .map_err(describe)?
            .dyn_into()
            .map_err(describe)?;
        let announced = response
            .headers()
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|n| n.parse::<u64>().ok());
        if announced.is_some_and(|n| n > MAX_RESPONSE_BYTES) {
            return Err(format!("a reply of over {MAX_RESPONSE_BYTES} bytes"));
        }
        let text = JsFuture::from(response.text().map_err(describe)?)
            .await
            .map_err(describe)?
            .as_string()
            .unwrap_or_default();
        if text.len() as u64 > MAX_RESPONSE_BYTES {
            return Err(format!("a reply of over {MAX_RESPONSE_BYTES} bytes"));
        }
        Ok((response.status(), text))
    }
}

/// The message of a JavaScript exception (a failed `fetch` is a `TypeError`).
fn describe(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

impl Transport for FetchTransport {
    async fn post(&self, url: &str, body: &Value) -> Result<Value, String> {
        // As natively: CometBFT may send a JSON-RPC error with an HTTP error status.
        let (status, text) = Self::post_text(url, &body.to_string()).await?;
        serde_json::from_str(&text).map_err(|e| format!("HTTP {status}: {e}"))
    }
}

/// The trusted state in localStorage under a key of the page's choosing, or only in memory where
/// there is none (no key, a worker, Node).
pub struct BrowserStore {
    key: Option<String>,
    memory: RefCell<Option<TrustedState>>,
}

impl BrowserStore {
    fn new(key: Option<String>) -> Self {
        BrowserStore {
            key,
            memory: RefCell::new(None),
        }
    }

    fn storage(&self) -> Option<(web_sys::Storage, &str)> {
        let key = self.key.as_deref()?;
        let storage = web_sys::window()?.local_storage().ok()??;
        Some((storage, key))
    }

    fn error(&self, message: impl ToString) -> LightClientError {
        LightClientError::Store {
            path: self.location(),
            message: message.to_string(),
        }
    }
}

impl TrustStore for BrowserStore {
    fn load(&self) -> Result<Option<TrustedState>, LightClientError> {
        let Some((storage, key)) = self.storage() else {
            return Ok(self.memory.borrow().clone());
        };
        match storage.get_item(key).map_err(|e| self.error(describe(e)))? {
            Some(json) => TrustedState::from_json(&json)
                .map(Some)
                .map_err(|e| self.error(e)),
            None => Ok(None),
        }
    }

    fn save(&self, state: &TrustedState) -> Result<(), LightClientError> {
        *self.memory.borrow_mut() = Some(state.clone());
        if let Some((storage, key)) = self.storage() {
            storage
                .set_item(key, &state.to_json()?)
                .map_err(|e| self.error(describe(e)))?;
        }
        Ok(())
    }

    fn location(&self) -> String {
        match &self.key {
            Some(key) => format!("localStorage[{key:?}]"),
            None => "memory".into(),
        }
    }
}

type PageClient = LightClient<FetchTransport, BrowserStore>;

/// The light client, for JavaScript. Every method that talks to the chain returns a promise.
#[wasm_bindgen(js_name = LightClient)]
pub struct WebLightClient {
    inner: Rc<PageClient>,
}

#[wasm_bindgen(js_class = LightClient)]
impl WebLightClient {
    /// Starts from a checkpoint (`height`, header `hash`) fetched from `rpc` and confirmed by
    /// every witness; the trusted state is kept in localStorage under `storageKey` if given.
    #[wasm_bindgen(js_name = fromCheckpoint)]
    pub async fn from_checkpoint(
        rpc: String,
        witnesses: Vec<String>,
        height: f64,
        hash: String,
        #[wasm_bindgen(js_name = chainId)] chain_id: Option<String>,
        #[wasm_bindgen(js_name = storageKey)] storage_key: Option<String>,
        #[wasm_bindgen(js_name = trustingPeriodSecs)] trusting_period_secs: Option<f64>,
    ) -> Result<WebLightClient, JsValue> {
        let mut options = TrustOptions::default();
        if let Some(secs) = trusting_period_secs {
            options.trusting_period_secs = whole("trusting period", secs)?;
        }
        let checkpoint = Checkpoint {
            height: whole("checkpoint height", height)?,
            hash,
        };
        let client = PageClient::init(
            BrowserStore::new(storage_key),
            FetchTransport,
            &rpc,
            &witnesses,
            chain_id.as_deref(),
            &checkpoint,
            options,
        )
        .await
        .map_err(thrown)?;
        Ok(WebLightClient {
            inner: Rc::new(client),
        })
    }

    /// Resumes from localStorage; `undefined` if nothing is kept under `storageKey`.
    pub fn restore(
        #[wasm_bindgen(js_name = storageKey)] storage_key: String,
    ) -> Result<Option<WebLightClient>, JsValue> {
        let store = BrowserStore::new(Some(storage_key));
        if store.load().map_err(thrown)?.is_none() {
            return Ok(None);
        }
        let client = PageClient::open(store, FetchTransport).map_err(thrown)?;
        Ok(Some(WebLightClient {
            inner: Rc::new(client),
        }))
    }

    /// `{chain_id, height, time, header_hash, app_hash, read_height, primary, witnesses}` of the
    /// trusted header.
    #[wasm_bindgen(getter)]
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        let state = self.inner.state();
        let header = &state.light_block.signed_header.header;
        to_js(&json!({
            "chain_id": state.chain_id,
            "height": state.height(),
            "time": header.time.to_rfc3339(),
            "header_hash": state.header_hash(),
            "app_hash": hex::encode_upper(header.app_hash.as_bytes()),
            "read_height": read_height(&state.light_block).ok(),
            "primary": state.primary,
            "witnesses": state.witnesses,
        }))
    }

    /// Verifies up to the primary's latest header (or `target`), bisecting where it cannot skip,
    /// and cross-checks it with the witnesses: the sync report.
    pub fn sync(&self, target: Option<f64>) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let target = target.map(|t| whole("target height", t)).transpose()?;
            let report = inner.sync(target, now()?).await.map_err(thrown)?;
            to_js(&report)
        })
    }

    /// Claim `id` with every round's committee and ballots, proven at the height below the
    /// trusted header: `{claim, rounds, proof}`.
    pub fn claim(&self, consensus: String, id: f64) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let id = whole("claim id", id)?;
            to_js(&inner.claim(&consensus, id).await.map_err(thrown)?)
        })
    }

    /// Up to `limit` claims with ids below `before` (the newest when absent), newest first:
    /// `{claims, total, next_before, proof}`.
    pub fn claims(&self, consensus: String, before: Option<f64>, limit: u32) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let before = before.map(|b| whole("claim id", b)).transpose()?;
            to_js(
                &inner
                    .claims(&consensus, before, limit)
                    .await
                    .map_err(thrown)?,
            )
        })
    }

    /// Registry asset `id`, proven: `{asset, proof}`.
    pub fn asset(&self, registry: String, id: f64) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let id = whole("asset id", id)?;
            to_js(&inner.asset(&registry, id).await.map_err(thrown)?)
        })
    }

    /// An approved verifier build by its sha256, proven: `{verifier, proof}`.
    pub fn verifier(&self, registry: String, hash: String) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(
            async move { to_js(&inner.verifier(&registry, &hash).await.map_err(thrown)?) },
        )
    }
}

/// The input format a file's name implies (`npy`, `onnx_pb` or `json`), the one rule
/// `poi-types` gives; `undefined` for any other name.
#[wasm_bindgen(js_name = inputFormatOf)]
pub fn input_format_of(#[wasm_bindgen(js_name = fileName)] file_name: &str) -> Option<String> {
    let format = poi_types::consensus::InputFormat::from_file_name(file_name)?;
    serde_json::to_value(format)
        .ok()?
        .as_str()
        .map(str::to_string)
}

/// The request `poi_verifier.wasm`'s `poi_verify` takes (the encoding of `poi-verifier-abi`, the one
/// the wasmer host sends): `verifierHash` is the artefact's sha256 (hex), `modelHash` the model's
/// (hex; the caller computes it, natively with WebCrypto, as the wasmer host does), `inputs` an array of
/// `{name, format, bytes}` with `format` one of `npy`, `onnx_pb`, `json`, and `limits` an optional
/// `{max_model_bytes, max_nodes, max_tensor_elements, max_flops}` (absent or 0: the default).
#[wasm_bindgen(js_name = encodeVerifierRequest)]
pub fn encode_verifier_request(
    #[wasm_bindgen(js_name = verifierHash)] verifier_hash: &str,
    #[wasm_bindgen(js_name = modelHash)] model_hash: &str,
    model: Vec<u8>,
    inputs: Vec<JsValue>,
    limits: JsValue,
) -> Result<Vec<u8>, JsValue> {
    use poi_verifier_abi::{InputFormat, Limits, NamedInput, Request};
    let request_error = |reason: String| error_of_kind("request", &reason);
    let sha256 = |what: &str, hash: &str| -> Result<[u8; 32], JsValue> {
        hex::decode(hash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| request_error(format!("{what} hash {hash:?} is not 32 bytes of hex")))
    };
    let verifier_hash = sha256("verifier", verifier_hash)?;
    let model_hash = sha256("model", model_hash)?;
    let field =
        |object: &JsValue, name: &str| Reflect::get(object, &name.into()).unwrap_or_default();
    let inputs = inputs
        .iter()
        .map(|input| {
            let name = field(input, "name")
                .as_string()
                .ok_or_else(|| request_error("an input without a name".into()))?;
            let format_name = field(input, "format").as_string().unwrap_or_default();
            let format: InputFormat = serde_json::from_value(Value::String(format_name.clone()))
                .map_err(|_| {
                    request_error(format!(
                        "input {name}: unknown input format {format_name:?} (npy, onnx_pb or json)"
                    ))
                })?;
            let bytes = field(input, "bytes")
                .dyn_into::<js_sys::Uint8Array>()
                .map_err(|_| request_error(format!("input {name}: bytes are not a Uint8Array")))?
                .to_vec();
            Ok(NamedInput {
                name,
                format,
                bytes,
            })
        })
        .collect::<Result<Vec<_>, JsValue>>()?;
    // 0 asks the artefact for its own default.
    let limit = |name: &str| -> Result<u64, JsValue> {
        let value = if limits.is_object() {
            field(&limits, name)
        } else {
            JsValue::UNDEFINED
        };
        match value.as_f64() {
            None => Ok(0),
            Some(n) => whole("limit", n),
        }
    };
    Ok(Request {
        verifier_hash,
        model_hash,
        limits: Limits {
            max_model_bytes: limit("max_model_bytes")?,
            max_nodes: limit("max_nodes")?,
            max_tensor_elements: limit("max_tensor_elements")?,
            max_flops: limit("max_flops")?,
        },
        model: model.into(),
        inputs,
    }
    .encode())
}

/// A value as its own precision writes it: an f32 widened to f64 has digits it never had.
fn shown(dtype: &str, value: f64) -> String {
    match dtype {
        "f16" | "f32" => (value as f32).to_string(),
        _ => value.to_string(),
    }
}

/// The outputs of a verifier run, read from its canonical output encoding (the artefact's
/// `encoding`): `[{name, dtype, shape, elements, preview}]`, with the first `previewCount` values of
/// each output as text (`NaN` and infinities spelt out, which JSON numbers cannot hold). Damaged
/// bytes throw an Error of kind `output`.
#[wasm_bindgen(js_name = decodeOutputs)]
pub fn decode_outputs(
    encoding: &[u8],
    #[wasm_bindgen(js_name = previewCount)] preview_count: u32,
) -> Result<JsValue, JsValue> {
    let outputs = poi_verifier_abi::output::decode(encoding)
        .map_err(|e| error_of_kind("output", &format!("output encoding: {e}")))?;
    let shown: Vec<Value> = outputs
        .iter()
        .map(|o| {
            json!({
                "name": o.summary.name,
                "dtype": o.summary.dtype,
                "shape": o.summary.shape,
                "elements": o.values.len(),
                "preview": o.values.iter().take(preview_count as usize)
                    .map(|v| shown(&o.summary.dtype, *v)).collect::<Vec<_>>(),
            })
        })
        .collect();
    to_js(&shown)
}

/// The inputs of the run that goes on from a verifier result (its canonical output `encoding`):
/// `links` maps each output that feeds the next run to the input it becomes (`{"next_token":
/// "input_ids", "present_key.0": "past_key.0", ...}`, as a generation step's token and cache).
/// Returns `[{name, format: "npy", bytes}]`, ready for `verify`; a missing output or damaged
/// bytes throw an Error of kind `output`.
#[wasm_bindgen(js_name = chainInputs)]
pub fn chain_inputs(encoding: &[u8], links: JsValue) -> Result<js_sys::Array, JsValue> {
    use poi_verifier_abi::chain::{Link, next_inputs};
    let links: Vec<Link> =
        js_sys::Object::entries(&links.dyn_into::<js_sys::Object>().map_err(|_| {
            error_of_kind(
                "output",
                "links must be an object of output name: input name",
            )
        })?)
        .iter()
        .map(|entry| {
            let pair = js_sys::Array::from(&entry);
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(output), Some(input)) => Ok(Link { output, input }),
                _ => Err(error_of_kind("output", "links must map names to names")),
            }
        })
        .collect::<Result<_, _>>()?;
    let inputs =
        next_inputs(encoding, &links).map_err(|e| error_of_kind("output", &e.to_string()))?;
    let array = js_sys::Array::new();
    for input in inputs {
        let object = js_sys::Object::new();
        let format =
            serde_json::to_value(input.format).map_err(|e| malformed("input format", e))?;
        Reflect::set(&object, &"name".into(), &input.name.into())?;
        Reflect::set(
            &object,
            &"format".into(),
            &format.as_str().unwrap_or_default().into(),
        )?;
        Reflect::set(
            &object,
            &"bytes".into(),
            &js_sys::Uint8Array::from(&input.bytes[..]),
        )?;
        array.push(&object);
    }
    Ok(array)
}

fn parse_block(json: &str) -> Result<LightBlock, JsValue> {
    serde_json::from_str(json).map_err(|e| malformed("light block", e))
}

fn to_json(value: &impl serde::Serialize) -> Result<String, JsValue> {
    serde_json::to_string(value).map_err(|e| malformed("result", e))
}

/// Starts trusting `block` (a light block's JSON) if it hashes to `trustHash`; returns the
/// trusted state. `options` is JSON
/// (`{"trust_threshold":[1,3],"trusting_period_secs":…,"clock_drift_secs":…}`), or absent for the
/// defaults.
#[wasm_bindgen(js_name = trustCheckpoint)]
pub fn trust_checkpoint(
    block: &str,
    trust_hash: &str,
    chain_id: Option<String>,
    options: Option<String>,
    primary: &str,
    witnesses: Vec<String>,
) -> Result<String, JsValue> {
    let block = parse_block(block)?;
    check_checkpoint(&block, trust_hash, chain_id.as_deref()).map_err(thrown)?;
    let options: TrustOptions = match options {
        Some(json) => serde_json::from_str(&json).map_err(|e| malformed("trust options", e))?,
        None => TrustOptions::default(),
    };
    options.to_options().map_err(thrown)?;
    TrustedState {
        chain_id: block.signed_header.header.chain_id.to_string(),
        options,
        primary: primary.to_string(),
        witnesses,
        light_block: block,
    }
    .to_json()
    .map_err(thrown)
}

/// Verifies `untrusted` from the trusted state at `nowMs`. Returns
/// `{"status":"verified","state":…}` with the new state, or `{"status":"not_enough_trust",
/// "pivot":H}` when a header in between must be verified first.
#[wasm_bindgen(js_name = verifyHeader)]
pub fn verify_header(state: &str, untrusted: &str, now_ms: f64) -> Result<String, JsValue> {
    let mut state = TrustedState::from_json(state).map_err(thrown)?;
    let untrusted = parse_block(untrusted)?;
    let options = state.options.to_options().map_err(thrown)?;
    let now = time_from_unix_ms(now_ms)?;
    match verify_step(&state.light_block, &untrusted, &options, now) {
        Ok(()) => {
            state.light_block = untrusted;
            to_json(&json!({ "status": "verified", "state": state }))
        }
        Err(StepFailure::NotEnoughTrust) => {
            let pivot =
                bisection_pivot(state.height(), untrusted.height().value()).ok_or_else(|| {
                    thrown(LightClientError::InvalidHeader {
                        height: untrusted.height().value(),
                        detail: "not enough trust in an adjacent header".into(),
                    })
                })?;
            to_json(&json!({ "status": "not_enough_trust", "pivot": pivot }))
        }
        Err(StepFailure::Invalid(e)) => Err(thrown(e)),
    }
}

/// The header hash of a light block, to compare a witness's block with the verified one.
#[wasm_bindgen(js_name = headerHash)]
pub fn header_hash(block: &str) -> Result<String, JsValue> {
    let block = parse_block(block)?;
    Ok(block.signed_header.header.hash().to_string())
}

/// The same step with tendermint's ProdVerifier, for the benchmark only.
#[cfg(feature = "bench-prod-verifier")]
#[wasm_bindgen(js_name = verifyHeaderProd)]
pub fn verify_header_prod(state: &str, untrusted: &str, now_ms: f64) -> Result<bool, JsValue> {
    use tendermint_light_client_verifier::{ProdVerifier, Verdict, Verifier as _};
    let state = TrustedState::from_json(state).map_err(thrown)?;
    let untrusted = parse_block(untrusted)?;
    let options = state.options.to_options().map_err(thrown)?;
    let verdict = ProdVerifier::default().verify_update_header(
        untrusted.as_untrusted_state(),
        state.light_block.as_trusted_state(),
        &options,
        time_from_unix_ms(now_ms)?,
    );
    Ok(verdict == Verdict::Success)
}
