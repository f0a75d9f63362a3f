//! Verifying one commit of 4, 32, 100 and 150 validators (adjacent headers, so at least two
//! thirds of the power must sign): ours, with one ed25519-zebra batch, against tendermint's
//! ProdVerifier, which checks one signature at a time. Both run the same predicates.
//!
//! `cargo bench -p poi-light-client --bench commit_verification -- [--fixtures DIR] [--runs N]`
//! prints one JSON line per size; with `--fixtures`, it also writes each size's trusted state and
//! untrusted block for the wasm run in Node (scripts/bench/light-client.mjs).

#[path = "../tests/support/commits.rs"]
mod commits;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use commits::{adjacent_blocks, options, soon_after};
use poi_light_client::headers::{TrustOptions, verify_step};
use poi_light_client::store::TrustedState;
use tendermint_light_client_verifier::{ProdVerifier, Verdict, Verifier as _};

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let fixtures = value_of("--fixtures").map(PathBuf::from);
    let runs: usize = value_of("--runs").map_or(40, |r| r.parse().expect("--runs N"));

    for validators in [4usize, 32, 100, 150] {
        let (trusted, untrusted) = adjacent_blocks(validators);
        let now = soon_after(&untrusted);
        let options = options();

        if let Some(dir) = &fixtures {
            std::fs::create_dir_all(dir).unwrap();
            let state = TrustedState {
                chain_id: commits::CHAIN_ID.into(),
                options: TrustOptions {
                    trust_threshold: (1, 3),
                    trusting_period_secs: options.trusting_period.as_secs(),
                    clock_drift_secs: options.clock_drift.as_secs(),
                },
                primary: String::new(),
                witnesses: vec![],
                light_block: trusted.clone(),
            };
            let fixture = serde_json::json!({
                "validators": validators,
                "state": state.to_json().unwrap(),
                "untrusted": serde_json::to_string(&untrusted).unwrap(),
                "now_ms": now.unix_timestamp_nanos() / 1_000_000,
            });
            std::fs::write(
                dir.join(format!("commit-{validators}.json")),
                fixture.to_string(),
            )
            .unwrap();
        }

        let ours = || {
            black_box(verify_step(&trusted, &untrusted, &options, now)).expect("verifies");
        };
        let prod = || {
            let verdict = ProdVerifier::default().verify_update_header(
                untrusted.as_untrusted_state(),
                trusted.as_trusted_state(),
                &options,
                now,
            );
            assert_eq!(black_box(verdict), Verdict::Success);
        };
        for _ in 0..3 {
            ours();
            prod();
        }
        // Interleaved, so drift in the machine's speed affects both alike.
        let (mut ours_ms, mut prod_ms) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let start = Instant::now();
            ours();
            ours_ms.push(start.elapsed().as_secs_f64() * 1e3);
            let start = Instant::now();
            prod();
            prod_ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
        let (ours_ms, prod_ms) = (median(ours_ms), median(prod_ms));
        println!(
            "{}",
            serde_json::json!({
                "engine": "native",
                "validators": validators,
                "ours_ms": ours_ms,
                "prod_ms": prod_ms,
                "speedup": prod_ms / ours_ms,
            })
        );
    }
}
