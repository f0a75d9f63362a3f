//! `poi verify`: run a model on inputs with the verifier and say whether the result is the one
//! expected. Exit status: 0 match (or nothing expected), 1 mismatch, 2 error.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, ValueEnum};
use poi_verifier::encoding::{self, DecodedOutput, OutputSummary};
use poi_verifier::input::NamedInput;
use poi_verifier::tolerance;
use poi_verifier_host::{HostConfig, WasmVerifier};

#[derive(Clone, Copy, ValueEnum)]
pub enum Engine {
    /// The approved artefact in wasmer: the hash that counts on chain.
    Wasm,
    /// tract compiled into this binary: fast, for tolerance checks; its low bits may differ.
    Native,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The ONNX model.
    #[arg(long)]
    model: PathBuf,
    /// NAME=PATH, once per model input (.npy, .pb or .json by extension).
    #[arg(long = "input", required = true)]
    inputs: Vec<String>,
    #[arg(long, value_enum, default_value = "wasm")]
    engine: Engine,
    /// The verifier artefact.
    #[arg(
        long,
        env = "POI_VERIFIER",
        default_value = "artifacts/poi_verifier.wasm"
    )]
    verifier: PathBuf,
    /// Refuse a verifier artefact whose sha256 is not this (the one approved in the registry).
    #[arg(long)]
    verifier_sha256: Option<String>,
    /// The output hash the result must have.
    #[arg(long, conflicts_with = "expect_output")]
    expect_hash: Option<String>,
    /// NAME=PATH of a claimed output tensor; the recomputed one must be within tolerance of it.
    #[arg(long = "expect-output")]
    expect_output: Vec<String>,
    /// Write the outputs' canonical encoding (the bytes the output hash is the sha256 of) to this
    /// file: what a tolerance claim's `--output-uri` serves.
    #[arg(long)]
    write_output: Option<PathBuf>,
    #[arg(long, default_value_t = 1e-5)]
    atol: f64,
    #[arg(long, default_value_t = 1e-4)]
    rtol: f64,
}

fn named_file(raw: &str, what: &str) -> Result<NamedInput> {
    let (name, path) = raw
        .split_once('=')
        .ok_or_else(|| anyhow!("{what} {raw:?}: expected NAME=PATH"))?;
    let format = poi_types::consensus::InputFormat::from_file_name(path)
        .ok_or_else(|| anyhow!("{what} {path}: use a .npy, .pb or .json file"))?;
    Ok(NamedInput {
        name: name.to_string(),
        format,
        bytes: std::fs::read(path).with_context(|| format!("reading {path}"))?,
    })
}

/// Prints a note on a terminal if `work` takes over a second.
fn with_progress<T>(what: &str, work: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let what = what.to_string();
    let printer = std::thread::spawn(move || {
        let mut waited = 0;
        while !flag.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            waited += 100;
            if waited >= 1000 && waited % 1000 == 0 {
                eprint!("\r{what}… {}s", waited / 1000);
            }
        }
        if waited >= 1000 {
            eprintln!();
        }
    });
    let out = work();
    done.store(true, Ordering::Relaxed);
    let _ = printer.join();
    out
}

/// Runs the verification and reports it; `Ok(false)` is a mismatch.
pub fn run(args: VerifyArgs, json: bool) -> Result<bool> {
    let model =
        std::fs::read(&args.model).with_context(|| format!("reading {}", args.model.display()))?;
    let inputs = args
        .inputs
        .iter()
        .map(|i| named_file(i, "input"))
        .collect::<Result<Vec<_>>>()?;
    let limits = poi_verifier::Limits::default();
    let (output_hash, receipt, outputs, encoding, verifier_sha256): (
        String,
        String,
        Vec<OutputSummary>,
        Vec<u8>,
        String,
    ) = match args.engine {
        Engine::Wasm => {
            let wasm = std::fs::read(&args.verifier).with_context(|| {
                format!(
                    "reading {} (build it with 'make wasm')",
                    args.verifier.display()
                )
            })?;
            let cache =
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/poi/wasmer"));
            let verifier = with_progress("compiling the verifier", || {
                WasmVerifier::load(
                    &wasm,
                    args.verifier_sha256.as_deref(),
                    HostConfig::default(),
                    cache,
                )
            })?;
            let r = with_progress("running the model", || {
                verifier.verify(&model, &inputs, &limits)
            })?;
            (
                r.output_hash,
                r.receipt,
                r.outputs,
                r.encoding,
                verifier.sha256_hex(),
            )
        }
        Engine::Native => {
            if args.expect_hash.is_some() {
                bail!(
                    "output hashes are defined by the wasm verifier; use --engine wasm with --expect-hash"
                );
            }
            let r = with_progress("running the model", || {
                poi_verifier::verify(
                    &model,
                    &poi_verifier::encoding::sha256(&model),
                    &inputs,
                    &[0; 32],
                    &limits,
                )
            })?;
            (
                hex::encode(r.output_hash),
                hex::encode(r.receipt),
                r.outputs,
                r.encoding,
                "native".into(),
            )
        }
    };

    if let Some(path) = &args.write_output {
        std::fs::write(path, &encoding).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut matched = true;
    let mut comparison = None;
    if let Some(expected) = &args.expect_hash {
        matched = expected.eq_ignore_ascii_case(&output_hash);
    }
    if !args.expect_output.is_empty() {
        let ours = encoding::decode(&encoding)?;
        let mut claimed: Vec<DecodedOutput> = Vec::new();
        for raw in &args.expect_output {
            let file = named_file(raw, "expected output")?;
            let tensor = poi_verifier::input::decode(&file, u64::MAX)?;
            let (bytes, _) = encoding::encode(&[(file.name.clone(), tensor)])?;
            claimed.extend(encoding::decode(&bytes)?);
        }
        let ours: Vec<DecodedOutput> = claimed
            .iter()
            .map(|c| {
                ours.iter()
                    .find(|o| o.summary.name == c.summary.name)
                    .cloned()
                    .ok_or_else(|| anyhow!("the model has no output named {}", c.summary.name))
            })
            .collect::<Result<_>>()?;
        let c = tolerance::compare(&ours, &claimed, args.atol, args.rtol);
        matched &= c.within;
        comparison = Some(c);
    }

    if json {
        let out = serde_json::json!({
            "output_hash": output_hash,
            "receipt": receipt,
            "outputs": outputs,
            "verifier": verifier_sha256,
            "matched": matched,
            "comparison": comparison,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("output_hash {output_hash}");
        println!("receipt     {receipt}");
        for o in &outputs {
            println!("output      {} {} {:?}", o.name, o.dtype, o.shape);
        }
        if let Some(c) = &comparison {
            println!(
                "tolerance   {} (largest deviation {:e}{})",
                if c.within { "within" } else { "EXCEEDED" },
                c.max_abs_deviation,
                c.mismatch
                    .as_deref()
                    .map(|m| format!("; {m}"))
                    .unwrap_or_default()
            );
        }
        if args.expect_hash.is_some() {
            println!(
                "hash        {}",
                if matched { "matches" } else { "DIFFERS" }
            );
        }
    }
    Ok(matched)
}
