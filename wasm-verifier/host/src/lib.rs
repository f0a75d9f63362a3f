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
//! - each run gets a fresh instance, so a trap or a leak cannot affect the next.

pub mod metering;

use std::path::PathBuf;
use std::sync::Arc;

use poi_verifier::Limits;
use poi_verifier::encoding::OutputSummary;
use poi_verifier::input::NamedInput;
use poi_verifier::request::Request;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmer::sys::{CompilerConfig, Cranelift};
use wasmer::{Engine, ExternType, Instance, Module, Store, TypedFunction, imports};

use crate::metering::{Fuel, LoopMetering, fuel, set_fuel};

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
        compiler.push_middleware(Arc::new(LoopMetering::default()));
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
                let module =
                    Module::new(&engine, wasm).map_err(|e| HostError::Compile(e.to_string()))?;
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
        let request = Request {
            verifier_hash: self.sha256,
            limits: *limits,
            model: model.to_vec(),
            inputs: inputs.to_vec(),
        }
        .encode();
        let len = u32::try_from(request.len()).map_err(|_| {
            HostError::Abi("a request over 4 GiB cannot be passed to wasm32".into())
        })?;

        let mut store = Store::new(self.engine.clone());
        let instance = Instance::new(&mut store, &self.module, &imports! {})
            .map_err(|e| HostError::Trap(e.to_string()))?;
        set_fuel(&mut store, &instance, self.config.metering_limit).map_err(HostError::Abi)?;
        let abi = |e: wasmer::ExportError| HostError::Abi(e.to_string());
        let memory = instance.exports.get_memory("memory").map_err(abi)?.clone();
        let alloc: TypedFunction<u32, u32> = instance
            .exports
            .get_typed_function(&store, "poi_alloc")
            .map_err(abi)?;
        let verify: TypedFunction<(u32, u32), u32> = instance
            .exports
            .get_typed_function(&store, "poi_verify")
            .map_err(abi)?;
        let getter = |name: &str| -> Result<TypedFunction<(), u32>, HostError> {
            instance
                .exports
                .get_typed_function(&store, name)
                .map_err(abi)
        };
        let (result_ptr, result_len) = (getter("poi_result_ptr")?, getter("poi_result_len")?);
        let (output_ptr, output_len) = (getter("poi_output_ptr")?, getter("poi_output_len")?);

        let trapped = |store: &mut Store, e: wasmer::RuntimeError| match fuel(store, &instance) {
            Ok(Fuel::Exhausted) => HostError::OutOfPoints {
                limit: self.config.metering_limit,
            },
            Ok(Fuel::Remaining(_)) => HostError::Trap(e.message()),
            Err(abi) => HostError::Abi(abi),
        };
        let ptr = alloc
            .call(&mut store, len)
            .map_err(|e| trapped(&mut store, e))?;
        memory
            .view(&store)
            .write(u64::from(ptr), &request)
            .map_err(|e| HostError::Abi(format!("writing the request: {e}")))?;
        drop(request);
        let status = verify
            .call(&mut store, ptr, len)
            .map_err(|e| trapped(&mut store, e))?;
        let points_used = match fuel(&mut store, &instance).map_err(HostError::Abi)? {
            Fuel::Remaining(left) => self.config.metering_limit.saturating_sub(left),
            Fuel::Exhausted => self.config.metering_limit,
        };
        let read = |store: &mut Store,
                    p: &TypedFunction<(), u32>,
                    l: &TypedFunction<(), u32>|
         -> Result<Vec<u8>, HostError> {
            let (p, l) = (
                p.call(&mut *store)
                    .map_err(|e| HostError::Trap(e.message()))?,
                l.call(&mut *store)
                    .map_err(|e| HostError::Trap(e.message()))?,
            );
            let mut out = vec![0u8; l as usize];
            memory
                .view(&*store)
                .read(u64::from(p), &mut out)
                .map_err(|e| HostError::Abi(format!("reading the result: {e}")))?;
            Ok(out)
        };
        let result = read(&mut store, &result_ptr, &result_len)?;
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
                    encoding: read(&mut store, &output_ptr, &output_len)?,
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
            other => Err(HostError::Abi(format!("poi_verify returned {other}"))),
        }
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
