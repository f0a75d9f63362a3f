//! Prints the gas of every message of a contract, measured on the optimised artefact in cosmwasm-vm, as
//! a Markdown table (used by `scripts/bench.sh` for docs/benchmarks.md).
//!
//! Usage: `gas-report registry|staking CONTRACT.wasm`

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [contract, path] = args.as_slice() else {
        eprintln!("usage: gas-report registry|staking CONTRACT.wasm");
        return ExitCode::from(2);
    };
    let wasm = match std::fs::read(path) {
        Ok(wasm) => wasm,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let report = match contract.as_str() {
        "registry" => poi_tests::vm::registry_gas_report(&wasm),
        "staking" => poi_tests::vm::staking_gas_report(&wasm),
        other => {
            eprintln!("unknown contract {other:?}: registry or staking");
            return ExitCode::from(2);
        }
    };
    match report {
        Ok(lines) => {
            println!("| message | CosmWasm gas | ≈ SDK gas (÷140 000) |");
            println!("|---|---:|---:|");
            for line in lines {
                println!(
                    "| {} | {} | {} |",
                    line.step,
                    line.gas,
                    line.gas.div_ceil(140_000)
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
