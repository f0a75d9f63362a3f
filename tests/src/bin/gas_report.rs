//! Prints the gas of every message of a contract, measured on the optimised artefact in cosmwasm-vm, as
//! a Markdown table (used by `scripts/bench.sh` for docs/benchmarks.md).
//!
//! Usage: `gas-report registry|staking CONTRACT.wasm`, or `gas-report consensus ARTIFACTS_DIR` (the
//! consensus round needs all three artefacts).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [contract, path] = args.as_slice() else {
        eprintln!("usage: gas-report registry|staking CONTRACT.wasm | consensus ARTIFACTS_DIR");
        return ExitCode::from(2);
    };
    if contract == "consensus" {
        return consensus_report(std::path::Path::new(path));
    }
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
            let header: Vec<String> = sizes
                .iter()
                .map(|(n, k)| format!("size {n}, {k} strategies"))
                .collect();
            let (last_size, last_strategies) = sizes[sizes.len() - 1];
            println!(
                "| message | {} | ≈ SDK gas at size {last_size}, {last_strategies} strategies |",
                header.join(" | "),
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

/// One column per committee size, one row per message.
fn consensus_report(dir: &std::path::Path) -> ExitCode {
    let read = |name: &str| {
        std::fs::read(dir.join(name))
            .map_err(|e| format!("cannot read {}: {e}", dir.join(name).display()))
    };
    let report = || -> Result<(), String> {
        let (registry, staking, consensus) = (
            read("poi_registry.wasm")?,
            read("poi_staking.wasm")?,
            read("poi_consensus.wasm")?,
        );
        let sizes = poi_tests::consensus_gas::COMMITTEE_SIZES;
        let mut columns = Vec::new();
        for size in sizes {
            columns.push(poi_tests::consensus_gas::consensus_round_gas(
                &registry, &staking, &consensus, size,
            )?);
        }
        let header: Vec<String> = sizes.iter().map(|n| format!("committee {n}")).collect();
        println!(
            "| message | {} | ≈ SDK gas at {} |",
            header.join(" | "),
            sizes[sizes.len() - 1]
        );
        println!("|---|{}---:|", "---:|".repeat(sizes.len()));
        // Step names carry the sizes; rows are matched by position.
        for row in 0..columns[0].len() {
            let name = columns[0][row].step.split(" (").next().unwrap_or_default();
            let cells: Vec<String> = columns
                .iter()
                .map(|c| {
                    c.get(row).map_or("-".into(), |l| {
                        format!(
                            "{} ({})",
                            l.gas,
                            l.step
                                .split(" (")
                                .nth(1)
                                .unwrap_or(")")
                                .trim_end_matches(')')
                        )
                    })
                })
                .collect();
            let last = columns[columns.len() - 1]
                .get(row)
                .map_or(0, |l| l.gas.div_ceil(140_000));
            println!("| {name} | {} | {last} |", cells.join(" | "));
        }
        Ok(())
    };
    match report() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
