//! Native tract and the artefact in wasmer on the benchmark's cases: the median milliseconds to
//! prepare a model and run it once, and the artefact's run of a model it holds prepared, as one
//! JSON line per engine and case; then the simd128 multiply-add peak of this machine in wasmer,
//! the limit a matrix kernel in the artefact can approach.
//!
//! Usage: `verifier-bench MANIFEST RUNS` (the manifest is written by
//! scripts/bench/verifier-prepare.py).

use std::path::PathBuf;
use std::time::Instant;

use poi_verifier::Limits;
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier_host::{HostConfig, PreparedModels, WasmVerifier};

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [manifest, runs] = args.as_slice() else {
        return Err("usage: verifier-bench MANIFEST RUNS".into());
    };
    let runs: usize = runs.parse()?;
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(manifest)?)?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let wasm = std::fs::read(root.join("artifacts/poi_verifier.wasm"))?;
    let cache = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/poi/wasmer"));
    let verifier = WasmVerifier::load(&wasm, None, HostConfig::default(), cache)?;
    let limits = Limits::default();

    for entry in manifest.as_array().ok_or("manifest is not a list")? {
        let case = entry["case"].as_str().unwrap_or_default();
        let model = std::fs::read(entry["model"].as_str().unwrap_or_default())?;
        let inputs = entry["inputs"]
            .as_array()
            .ok_or("inputs")?
            .iter()
            .map(|i| {
                Ok(NamedInput {
                    name: i["name"].as_str().unwrap_or_default().to_string(),
                    format: InputFormat::Npy,
                    bytes: std::fs::read(i["npy"].as_str().unwrap_or_default())?,
                })
            })
            .collect::<Result<Vec<_>, std::io::Error>>()?;
        // Native tract runs on a thread of its own. Its x86 kernels use AVX-512 and may leave
        // the upper halves of the vector registers in use; on Intel CPUs every SSE instruction
        // the thread runs afterwards then pays for it, and the JIT-compiled artefact is made of
        // them (measured: fifty times slower on the same thread).
        let native = std::thread::scope(|scope| {
            scope
                .spawn(|| -> Result<Vec<f64>, poi_verifier::VerifyError> {
                    let mut native = Vec::new();
                    // Run 0 is untimed, as in every engine of the benchmark (see scripts/bench-verifier.sh).
                    for run in 0..=runs {
                        let t = Instant::now();
                        let model_hash = poi_verifier::encoding::sha256(&model);
                        poi_verifier::verify(&model, &model_hash, &inputs, &[0; 32], &limits)?;
                        if run > 0 {
                            native.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                    Ok(native)
                })
                .join()
                .map_err(|_| "native tract panicked")
        })??;
        let mut wasmer = Vec::new();
        for run in 0..=runs {
            let t = Instant::now();
            verifier.verify(&model, &inputs, &limits)?;
            if run > 0 {
                wasmer.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        // An operator's later claims on the same model: prepared once, then only run.
        let mut held = PreparedModels::new(1);
        verifier.verify_prepared(&mut held, &model, &inputs, &limits)?;
        let mut prepared = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            verifier.verify_prepared(&mut held, &model, &inputs, &limits)?;
            prepared.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "{}",
            serde_json::json!({"engine": "tract-native", "case": case, "ms": median(native)})
        );
        println!(
            "{}",
            serde_json::json!({"engine": "artefact-wasmer", "case": case, "ms": median(wasmer)})
        );
        println!(
            "{}",
            serde_json::json!({"engine": "artefact-wasmer-prepared", "case": case, "ms": median(prepared)})
        );
    }
    println!(
        "{}",
        serde_json::json!({"engine": "simd128-peak", "case": "mul+add", "gflops": simd128_peak(runs)?})
    );
    Ok(())
}

/// Fourteen independent chains of `a = a * y + y` on f32x4, compiled as the artefact is (Cranelift,
/// no NaN canonicalisation; no metering, which only touches the loop header): as many multiplies
/// and adds in flight as the x86 vector registers hold, so the loop runs at the machine's
/// multiply and add throughput. GFLOP/s, median of `runs`.
fn simd128_peak(runs: usize) -> Result<f64, Box<dyn std::error::Error>> {
    use wasmer::sys::Cranelift;
    use wasmer::{Instance, Module, Store, imports};
    const CHAINS: usize = 14;
    const ITERATIONS: i32 = 20_000_000;
    let locals: String = (0..CHAINS).map(|i| format!("(local $a{i} v128)")).collect();
    let init: String = (0..CHAINS)
        .map(|i| format!("(local.set $a{i} (f32x4.splat (f32.const {i}.5)))"))
        .collect();
    let step: String = (0..CHAINS)
        .map(|i| {
            format!("(local.set $a{i} (f32x4.add (f32x4.mul (local.get $a{i}) (local.get $y)) (local.get $y)))")
        })
        .collect();
    let sum: String = (1..CHAINS)
        .map(|i| format!("(local.set $a0 (f32x4.add (local.get $a0) (local.get $a{i})))"))
        .collect();
    // y comes in as a parameter, so nothing folds; 0.5 keeps every chain finite (it tends to 1).
    let wat = format!(
        r#"(module (func (export "peak") (param $n i32) (param $y0 f32) (result f32)
            (local $y v128) {locals}
            (local.set $y (f32x4.splat (local.get $y0))) {init}
            (loop $again {step}
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $again (i32.gt_s (local.get $n) (i32.const 0))))
            {sum}
            (f32x4.extract_lane 0 (local.get $a0))))"#
    );
    let mut compiler = Cranelift::default();
    compiler.canonicalize_nans(false);
    let mut store = Store::new(wasmer::Engine::from(compiler));
    let module = Module::new(&store, wat::parse_str(&wat)?)?;
    let instance = Instance::new(&mut store, &module, &imports! {})?;
    let peak = instance
        .exports
        .get_typed_function::<(i32, f32), f32>(&store, "peak")?;
    let mut gflops = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        peak.call(&mut store, ITERATIONS, 0.5)?;
        let flops = ITERATIONS as f64 * CHAINS as f64 * 8.0;
        gflops.push(flops / t.elapsed().as_secs_f64() / 1e9);
    }
    Ok(median(gflops))
}
