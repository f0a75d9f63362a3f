//! Native tract and the artefact in wasmer on the benchmark's cases: the median milliseconds to
//! prepare a model and run it once, as one JSON line per engine and case.
//!
//! Usage: `verifier-bench MANIFEST RUNS` (the manifest is written by
//! scripts/bench/verifier-prepare.py).

use std::path::PathBuf;
use std::time::Instant;

use poi_verifier::Limits;
use poi_verifier::input::{InputFormat, NamedInput};
use poi_verifier_host::{HostConfig, WasmVerifier};

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
        let mut native = Vec::new();
        let mut wasmer = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            poi_verifier::verify(&model, &inputs, &[0; 32], &limits)?;
            native.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            verifier.verify(&model, &inputs, &limits)?;
            wasmer.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "{}",
            serde_json::json!({"engine": "tract-native", "case": case, "ms": median(native)})
        );
        println!(
            "{}",
            serde_json::json!({"engine": "artefact-wasmer", "case": case, "ms": median(wasmer)})
        );
    }
    Ok(())
}
