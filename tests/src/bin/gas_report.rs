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
        "registry" => poi_tests::vm::registry_gas_report(&wasm).map(|lines| {
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
        }),
        "staking" => poi_tests::vm::staking_gas_report(&wasm).map(|table| {
            let sizes = poi_tests::vm::STAKING_SIZES;
            let header: Vec<String> = sizes.iter().map(|n| format!("state size {n}")).collect();
            println!(
                "| message | {} | ≈ SDK gas at {} |",
                header.join(" | "),
                sizes[sizes.len() - 1]
            );
            println!("|---|{}---:|", "---:|".repeat(sizes.len()));
            for (step, gas) in table {
                let cells: Vec<String> = gas.iter().map(u64::to_string).collect();
                let last = gas.last().copied().unwrap_or_default();
                println!(
                    "| {step} | {} | {} |",
                    cells.join(" | "),
                    last.div_ceil(140_000)
                );
            }
        }),
        other => {
            eprintln!("unknown contract {other:?}: registry or staking");
            return ExitCode::from(2);
        }
    };
    match report {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
