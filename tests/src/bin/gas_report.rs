//! Prints the gas of every registry message, measured on the optimised artefact in cosmwasm-vm, as
//! a Markdown table (used by `scripts/bench.sh` for docs/benchmarks.md).
//!
//! Usage: `gas-report artifacts/poi_registry.wasm`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: gas-report CONTRACT.wasm");
        return ExitCode::from(2);
    };
    let wasm = match std::fs::read(&path) {
        Ok(wasm) => wasm,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match poi_tests::vm::registry_gas_report(&wasm) {
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
