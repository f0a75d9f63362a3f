//! Checks optimised contract artefacts the way a chain will when they are uploaded.
//!
//! Runs cosmwasm-vm's static checks (exports, imports, interface version, memories, tables, required
//! capabilities: the ones `cosmwasm-check` runs) against the capabilities wasmd offers, compiles each
//! module with the VM's engine, and fails on any artefact over the size budget.
//!
//! Usage: `check-wasm [--capabilities a,b,c] FILE.wasm...`

use std::collections::HashSet;
use std::process::ExitCode;

use cosmwasm_vm::internals::{Logger, check_wasm, compile, make_compiling_engine};
use cosmwasm_vm::{WasmLimits, capabilities_from_csv};

/// What wasmd v0.70 offers (`x/wasm/keeper/capabilities.go`). Contracts are built without
/// cosmwasm-std's `cosmwasm_3_0` feature so they stay within this set.
const WASMD_CAPABILITIES: &str = "iterator,staking,stargate,cosmwasm_1_1,cosmwasm_1_2,cosmwasm_1_3,cosmwasm_1_4,cosmwasm_2_0,cosmwasm_2_1,cosmwasm_2_2,ibc2";

/// Artefacts above this size are refused: big enough for a contract, small enough to upload cheaply.
const MAX_ARTIFACT_BYTES: usize = 800 * 1024;

fn check(path: &str, capabilities: &HashSet<String>) -> Result<usize, String> {
    let wasm = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if wasm.len() > MAX_ARTIFACT_BYTES {
        return Err(format!(
            "{} bytes, over the {} byte budget",
            wasm.len(),
            MAX_ARTIFACT_BYTES
        ));
    }
    check_wasm(&wasm, capabilities, &WasmLimits::default(), Logger::Off)
        .map_err(|e| format!("static check failed: {e}"))?;
    compile(&make_compiling_engine(None, None), &wasm)
        .map_err(|e| format!("does not compile: {e}"))?;
    Ok(wasm.len())
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut capabilities = capabilities_from_csv(WASMD_CAPABILITIES);
    if let Some(i) = args.iter().position(|a| a == "--capabilities") {
        let Some(csv) = args.get(i + 1).cloned() else {
            eprintln!("--capabilities needs a comma-separated list");
            return ExitCode::from(2);
        };
        capabilities = capabilities_from_csv(&csv);
        args.drain(i..=i + 1);
    }
    if args.is_empty() {
        eprintln!("usage: check-wasm [--capabilities a,b,c] FILE.wasm...");
        return ExitCode::from(2);
    }

    let mut failed = false;
    for path in &args {
        match check(path, &capabilities) {
            Ok(size) => println!("ok    {path} ({size} bytes)"),
            Err(reason) => {
                println!("FAIL  {path}: {reason}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
