//! Runs `poi_verifier.wasm` in wasmer, the way an operator or a light client does.
//!
//! The same bytes that browsers run, so the hashes agree; and guarded, because the model comes
//! from whoever made the claim:
//! - the artefact's sha256 is checked before anything runs (it must be the approved one);
//! - no NaN canonicalisation, as in every browser: a NaN's bits may differ between CPUs, and the
//!   verifier never lets them decide a result (docs/verifier.md, "Determinism contract");
//! - memory is capped: the artefact must declare a maximum memory no larger than the host's cap
//!   (it declares 2 GiB; see scripts/build-verifier.sh), so the engine refuses to grow past it;
//! - execution is metered: every loop iteration, every call and every 64 bytes of a bulk memory
//!   operation cost a point (see `metering`), and a run that uses up its points traps instead of
//!   hanging the host;
//! - a one-shot run ([`WasmVerifier::verify`]) gets a fresh instance, so a trap or a leak cannot
//!   affect the next; a prepared model ([`WasmVerifier::verify_prepared`], [`PreparedModels`])
//!   keeps its instance for later claims on the same model, and loses it on any trap.

pub mod metering;

use std::collections::VecDeque;
use std::path::PathBuf;

use poi_verifier::Limits;
use poi_verifier::encoding::OutputSummary;
use poi_verifier::input::NamedInput;
use poi_verifier::request::Request;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmer::sys::Cranelift;
use wasmer::{Engine, ExternType, Instance, Module, Store, TypedFunction, imports};

use crate::metering::{Fuel, fuel, set_fuel};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HostError {
    #[error("the verifier's sha256 is {actual}, not the expected {expected}")]
    WrongArtefact { expected: String, actual: String },
    #[error("the verifier does not compile: {0}")]
    Compile(String),
    #[error("the verifier declares no maximum memory; refusing to run it without a cap")]
    NoMemoryCap,
    #[error("the verifier may grow to {declared} bytes of memory, over the host's cap of {cap}")]
    MemoryCapExceeded { declared: u64, cap: u64 },
    #[error("the verifier does not have the expected ABI: {0}")]
    Abi(String),
    #[error("the run used up its {limit} metering points")]
    OutOfPoints { limit: u64 },
    #[error("the verifier trapped: {0}")]
    Trap(String),
    /// The verifier's own typed error, as it reported it.
    #[error("{message}")]
    Verify { kind: String, message: String },
}

#[derive(Debug, Clone, Copy)]
pub struct HostConfig {
    pub memory_cap_bytes: u64,
    /// Points per run; one per loop iteration, per call and per 64 bytes of `memory.copy`/`fill`.
    pub metering_limit: u64,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            memory_cap_bytes: 2 << 30,
            // About thirty times what a model at the core's FLOPs limit needs (ResNet-50, 4 GFMA, uses
            // 2.3e8 points), and about eight minutes of one core of the benchmark machine.
            metering_limit: 100_000_000_000,
        }
    }
}

/// What a run of the artefact produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostVerification {
    pub output_hash: String,
    pub receipt: String,
    pub outputs: Vec<OutputSummary>,
    /// The canonical encoding (see `poi_verifier::encoding`).
    #[serde(skip)]
    pub encoding: Vec<u8>,
    pub points_used: u64,
}

/// A compiled verifier artefact, ready to run requests.
pub struct WasmVerifier {
    engine: Engine,
    module: Module,
    sha256: [u8; 32],
    config: HostConfig,
}

/// Instances of verifiers holding a prepared model, for [`WasmVerifier::verify_prepared`]. Each
/// holds its instance's memory (the model's weights and the largest run's tensors), so there are
/// at most `capacity`, the least recently used dropped first. It stays on the thread that made it,
/// as a wasmer store does.
pub struct PreparedModels {
    capacity: usize,
    /// Most recently used first.
    held: VecDeque<Held>,
}

/// An instance holding a model prepared.
struct Held {
    verifier: [u8; 32],
    model: [u8; 32],
    session: Session,
    /// The metering points of the call that prepared the model and ran its first claim. With a
    /// later run's points, at least what a one-shot verification of that claim uses (it prepares
    /// and runs once).
    prepare_points: u64,
}

impl PreparedModels {
    pub fn new(capacity: usize) -> Self {
        PreparedModels {
            capacity,
            held: VecDeque::new(),
        }
    }

    /// The sha256 (hex) of each model held prepared, most recently used first.
    pub fn models(&self) -> Vec<String> {
        self.held
            .iter()
            .map(|held| hex::encode(held.model))
            .collect()
    }
}

impl WasmVerifier {
    /// Checks and compiles `wasm`. With `cache_dir`, the compiled module is kept there by
    /// sha256, so later loads skip the compilation.
    pub fn load(
        wasm: &[u8],
        expected_sha256: Option<&str>,
        config: HostConfig,
        cache_dir: Option<PathBuf>,
    ) -> Result<Self, HostError> {
        let sha256: [u8; 32] = Sha256::digest(wasm).into();
        let actual = hex::encode(sha256);
        if let Some(expected) = expected_sha256
            && !expected.eq_ignore_ascii_case(&actual)
        {
            return Err(HostError::WrongArtefact {
                expected: expected.to_string(),
                actual,
            });
        }
        let mut compiler = Cranelift::default();
        // Off, like V8 and every other browser engine: canonicalising cost a fifth of a run (a
        // compare and a select after every float operation) and bought nothing, since the output
        // encoding erases NaN bits and nothing before it reads them.
        compiler.canonicalize_nans(false);
        let engine: Engine = compiler.into();

        let cached = cache_dir.map(|d| {
            d.join(format!(
                "{actual}-wasmer-7.4.2-cranelift-{}.bin",
                metering::SCHEME
            ))
        });
        // SAFETY: the cache file was written by `Module::serialize` of this same wasmer build and
        // configuration (both are in its name), under the artefact's own sha256.
        let from_cache = cached
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| unsafe { Module::deserialize(&engine, bytes) }.ok());
        let module = match from_cache {
            Some(module) => module,
            None => {
                let metered =
                    metering::instrument(wasm).map_err(|e| HostError::Compile(e.to_string()))?;
                let module = Module::new(&engine, &metered)
                    .map_err(|e| HostError::Compile(e.to_string()))?;
                if let (Some(path), Ok(bytes)) = (&cached, module.serialize()) {
                    if let Some(dir) = path.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    // Written aside and renamed into place, so a process loading the cache while
                    // this one writes it never reads a partial module. A failed write only costs a
                    // compilation next time.
                    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
                    if std::fs::write(&tmp, &bytes).is_ok() {
                        let _ = std::fs::rename(&tmp, path);
                    }
                }
                module
            }
        };
        check_memory(&module, config.memory_cap_bytes)?;
        if module.imports().count() > 0 {
            return Err(HostError::Abi("the verifier must import nothing".into()));
        }
        Ok(WasmVerifier {
            engine,
            module,
            sha256,
            config,
        })
    }

    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    /// Runs `model` on `inputs` in a fresh instance.
    pub fn verify(
        &self,
        model: &[u8],
        inputs: &[NamedInput],
        limits: &Limits,
    ) -> Result<HostVerification, HostError> {
        let mut session = Session::new(self)?;
        let model_sha256 = Sha256::digest(model).into();
        session.call(
            Export::Verify,
            &self.request(model, &model_sha256, inputs, limits),
        )
    }

    /// Runs `model` on `inputs` as [`verify`](Self::verify) does, with the same result, but
    /// keeps the model prepared (decoded, typed and compiled) in its instance in `prepared`: a
    /// later claim on the same model with inputs of the same types and shapes pays only for its
    /// run. A trap or an exhausted metering budget discards the instance; inputs of other shapes
    /// prepare the model anew.
    ///
    /// The metering budget is a one-shot verification's, preparation included, so that every
    /// operator reaches the same verdict on a claim whatever it holds prepared: a prepared run
    /// that, with the preparation's points, may not fit the budget is verified one-shot instead.
    pub fn verify_prepared(
        &self,
        prepared: &mut PreparedModels,
        model: &[u8],
        inputs: &[NamedInput],
        limits: &Limits,
    ) -> Result<HostVerification, HostError> {
        let model_sha256: [u8; 32] = Sha256::digest(model).into();
        let held = prepared
            .held
            .iter()
            .position(|h| h.verifier == self.sha256 && h.model == model_sha256);
        if let Some(at) = held {
            let mut held = prepared.held.remove(at).expect("found above");
            let outcome = held.session.call(
                Export::Run,
                &self.request(&[], &model_sha256, inputs, limits),
            );
            match outcome {
                // Prepared for other shapes: prepare again, below.
                Err(HostError::Verify { kind, .. }) if kind == "not_prepared_for" => {}
                outcome => {
                    let instance_lost = matches!(
                        outcome,
                        Err(HostError::Trap(_) | HostError::OutOfPoints { .. } | HostError::Abi(_))
                    );
                    let near_the_budget = matches!(&outcome, Ok(run)
                        if held.prepare_points.saturating_add(run.points_used)
                            > self.config.metering_limit);
                    if !instance_lost {
                        prepared.held.push_front(held);
                    }
                    if near_the_budget {
                        return self.verify(model, inputs, limits);
                    }
                    return outcome;
                }
            }
        }
        let mut session = Session::new(self)?;
        let verification = session.call(
            Export::Prepare,
            &self.request(model, &model_sha256, inputs, limits),
        )?;
        if prepared.capacity > 0 {
            prepared.held.truncate(prepared.capacity - 1);
            prepared.held.push_front(Held {
                verifier: self.sha256,
                model: model_sha256,
                session,
                prepare_points: verification.points_used,
            });
        }
        Ok(verification)
    }

    /// The request for a run of `model`, named by its sha256 (which the host computes natively:
    /// see [`Request`] for why the artefact takes it on the host's word).
    fn request(
        &self,
        model: &[u8],
        model_sha256: &[u8; 32],
        inputs: &[NamedInput],
        limits: &Limits,
    ) -> Vec<u8> {
        Request {
            verifier_hash: self.sha256,
            model_hash: *model_sha256,
            limits: *limits,
            model: model.into(),
            inputs: inputs.to_vec(),
        }
        .encode()
    }
}

/// The artefact's entry points that take a request.
#[derive(Debug, Clone, Copy)]
enum Export {
    Verify,
    Prepare,
    Run,
}

impl Export {
    fn name(self) -> &'static str {
        match self {
            Export::Verify => "poi_verify",
            Export::Prepare => "poi_prepare",
            Export::Run => "poi_run",
        }
    }
}

/// One instance of the artefact and its exports.
struct Session {
    store: Store,
    instance: Instance,
    memory: wasmer::Memory,
    metering_limit: u64,
}

impl Session {
    fn new(verifier: &WasmVerifier) -> Result<Self, HostError> {
        let mut store = Store::new(verifier.engine.clone());
        let instance = Instance::new(&mut store, &verifier.module, &imports! {})
            .map_err(|e| HostError::Trap(e.to_string()))?;
        let memory = instance
            .exports
            .get_memory("memory")
            .map_err(|e| HostError::Abi(e.to_string()))?
            .clone();
        Ok(Session {
            store,
            instance,
            memory,
            metering_limit: verifier.config.metering_limit,
        })
    }

    fn function<Args, Rets>(&self, name: &str) -> Result<TypedFunction<Args, Rets>, HostError>
    where
        Args: wasmer::WasmTypeList,
        Rets: wasmer::WasmTypeList,
    {
        self.instance
            .exports
            .get_typed_function(&self.store, name)
            .map_err(|e| HostError::Abi(e.to_string()))
    }

    /// Why a call trapped: its metering points ran out, or something else.
    fn trapped(&mut self, e: wasmer::RuntimeError) -> HostError {
        match fuel(&mut self.store, &self.instance) {
            Ok(Fuel::Exhausted) => HostError::OutOfPoints {
                limit: self.metering_limit,
            },
            Ok(Fuel::Remaining(_)) => HostError::Trap(e.message()),
            Err(abi) => HostError::Abi(abi),
        }
    }

    /// Writes `request` into the instance, calls `export` on it with a full metering allowance,
    /// and reads the answer.
    fn call(&mut self, export: Export, request: &[u8]) -> Result<HostVerification, HostError> {
        let len = u32::try_from(request.len()).map_err(|_| {
            HostError::Abi("a request over 4 GiB cannot be passed to wasm32".into())
        })?;
        set_fuel(&mut self.store, &self.instance, self.metering_limit).map_err(HostError::Abi)?;
        let alloc = self.function::<u32, u32>("poi_alloc")?;
        let entry = self.function::<(u32, u32), u32>(export.name())?;

        let ptr = alloc
            .call(&mut self.store, len)
            .map_err(|e| self.trapped(e))?;
        self.memory
            .view(&self.store)
            .write(u64::from(ptr), request)
            .map_err(|e| HostError::Abi(format!("writing the request: {e}")))?;
        let status = entry
            .call(&mut self.store, ptr, len)
            .map_err(|e| self.trapped(e))?;
        let points_used = match fuel(&mut self.store, &self.instance).map_err(HostError::Abi)? {
            Fuel::Remaining(left) => self.metering_limit.saturating_sub(left),
            Fuel::Exhausted => self.metering_limit,
        };
        // Reading the answer is the host's bookkeeping, not the claim's cost: a run that used its
        // budget to the last point still has its answer read.
        set_fuel(&mut self.store, &self.instance, self.metering_limit).map_err(HostError::Abi)?;
        let result = self.read("poi_result_ptr", "poi_result_len")?;
        let json: serde_json::Value = serde_json::from_slice(&result)
            .map_err(|e| HostError::Abi(format!("result is not JSON: {e}")))?;
        match status {
            0 => {
                let outputs: Vec<OutputSummary> =
                    serde_json::from_value(json["outputs"].clone())
                        .map_err(|e| HostError::Abi(format!("outputs: {e}")))?;
                Ok(HostVerification {
                    output_hash: json["output_hash"].as_str().unwrap_or_default().to_string(),
                    receipt: json["receipt"].as_str().unwrap_or_default().to_string(),
                    outputs,
                    encoding: self.read("poi_output_ptr", "poi_output_len")?,
                    points_used,
                })
            }
            1 => Err(HostError::Verify {
                kind: json["error"]["kind"]
                    .as_str()
                    .unwrap_or("unknown")
                    .to_string(),
                message: json["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            }),
            other => Err(HostError::Abi(format!(
                "{} returned {other}",
                export.name()
            ))),
        }
    }

    /// The bytes a pointer and a length getter name.
    fn read(&mut self, ptr: &str, len: &str) -> Result<Vec<u8>, HostError> {
        let (ptr, len) = (
            self.function::<(), u32>(ptr)?,
            self.function::<(), u32>(len)?,
        );
        let trap = |e: wasmer::RuntimeError| HostError::Trap(e.message());
        let (p, l) = (
            ptr.call(&mut self.store).map_err(trap)?,
            len.call(&mut self.store).map_err(trap)?,
        );
        let mut out = vec![0u8; l as usize];
        self.memory
            .view(&self.store)
            .read(u64::from(p), &mut out)
            .map_err(|e| HostError::Abi(format!("reading the result: {e}")))?;
        Ok(out)
    }
}

/// The artefact's memory must have a declared maximum within the cap.
fn check_memory(module: &Module, cap: u64) -> Result<(), HostError> {
    for export in module.exports() {
        if let ExternType::Memory(memory) = export.ty() {
            let max = memory.maximum.ok_or(HostError::NoMemoryCap)?;
            let declared = max.bytes().0 as u64;
            if declared > cap {
                return Err(HostError::MemoryCapExceeded { declared, cap });
            }
        }
    }
    Ok(())
}
