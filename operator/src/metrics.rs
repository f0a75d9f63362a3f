//! Prometheus metrics: counters and sums kept in memory, served as the text exposition format on
//! `GET /metrics`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::OperatorError;

/// What each metric means, in `# HELP` order.
const HELP: &[(&str, &str, &str)] = &[
    ("poi_operator_height", "gauge", "Latest block height seen."),
    (
        "poi_operator_claims_seen_total",
        "counter",
        "Committee seats found for this operator.",
    ),
    (
        "poi_operator_votes_total",
        "counter",
        "Votes committed and revealed, by step and basis.",
    ),
    (
        "poi_operator_abstentions_total",
        "counter",
        "Seats not voted on, by reason.",
    ),
    (
        "poi_operator_missed_total",
        "counter",
        "Seats whose window passed before the operator acted.",
    ),
    (
        "poi_operator_finalizations_total",
        "counter",
        "Finalize transactions this operator sent.",
    ),
    (
        "poi_operator_settled_total",
        "counter",
        "Claims voted on that settled, by agreement with the final verdict.",
    ),
    (
        "poi_operator_slashes",
        "gauge",
        "Slashes on this operator's record in the consensus contract.",
    ),
    (
        "poi_operator_stage_seconds_sum",
        "counter",
        "Time spent in each stage (compute, commit, reveal, finalize).",
    ),
    (
        "poi_operator_stage_seconds_count",
        "counter",
        "Times each stage ran.",
    ),
    (
        "poi_operator_rpc_errors_total",
        "counter",
        "Failed reads of the chain.",
    ),
    (
        "poi_operator_tx_failures_total",
        "counter",
        "Transactions the chain refused, by message.",
    ),
    (
        "poi_operator_reward_claims_total",
        "counter",
        "Staking rewards claimed (on the schedule).",
    ),
];

#[derive(Clone, Default)]
pub struct Metrics {
    series: Arc<Mutex<BTreeMap<(String, String), f64>>>,
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", inner.join(","))
}

impl Metrics {
    fn update(&self, name: &str, pairs: &[(&str, &str)], change: impl FnOnce(&mut f64)) {
        if let Ok(mut series) = self.series.lock() {
            change(series.entry((name.to_string(), labels(pairs))).or_default());
        }
    }

    pub fn inc(&self, name: &str, pairs: &[(&str, &str)]) {
        self.update(name, pairs, |v| *v += 1.0);
    }

    pub fn set(&self, name: &str, pairs: &[(&str, &str)], value: f64) {
        self.update(name, pairs, |v| *v = value);
    }

    /// Records that `stage` took `elapsed`.
    pub fn observe(&self, stage: &str, elapsed: Duration) {
        let pairs = [("stage", stage)];
        self.update("poi_operator_stage_seconds_sum", &pairs, |v| {
            *v += elapsed.as_secs_f64()
        });
        self.inc("poi_operator_stage_seconds_count", &pairs);
    }

    /// The value of one series, for `poi operator status` and tests.
    pub fn get(&self, name: &str, pairs: &[(&str, &str)]) -> f64 {
        self.series
            .lock()
            .ok()
            .and_then(|s| s.get(&(name.to_string(), labels(pairs))).copied())
            .unwrap_or_default()
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let series = self.series.lock().map(|s| s.clone()).unwrap_or_default();
        let mut out = String::new();
        for (name, kind, help) in HELP {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            for ((n, l), v) in &series {
                if n == name {
                    out.push_str(&format!("{n}{l} {v}\n"));
                }
            }
        }
        out
    }

    /// Serves `/metrics` on `addr` from a thread of its own.
    pub fn serve(&self, addr: &str) -> Result<std::net::SocketAddr, OperatorError> {
        let error = |e: std::io::Error| OperatorError::Metrics {
            addr: addr.to_string(),
            reason: e.to_string(),
        };
        let listener = TcpListener::bind(addr).map_err(error)?;
        let bound = listener.local_addr().map_err(error)?;
        let metrics = self.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut line = String::new();
                let Ok(clone) = stream.try_clone() else {
                    continue;
                };
                let mut reader = BufReader::new(clone);
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // Drain the headers, so the client sees a clean close.
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let (status, body) = if line.starts_with("GET /metrics") {
                    ("200 OK", metrics.render())
                } else {
                    ("404 Not Found", String::new())
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Ok(bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_render_with_their_help_and_labels() {
        let m = Metrics::default();
        m.inc(
            "poi_operator_votes_total",
            &[("step", "commit"), ("basis", "computed")],
        );
        m.inc(
            "poi_operator_votes_total",
            &[("step", "commit"), ("basis", "computed")],
        );
        m.set("poi_operator_height", &[], 42.0);
        let text = m.render();
        assert!(text.contains("poi_operator_votes_total{step=\"commit\",basis=\"computed\"} 2\n"));
        assert!(text.contains("# TYPE poi_operator_height gauge\npoi_operator_height 42\n"));
    }

    #[test]
    fn the_endpoint_serves_the_metrics() {
        let m = Metrics::default();
        m.set("poi_operator_height", &[], 7.0);
        let addr = m.serve("127.0.0.1:0").unwrap();
        let body = ureq::get(format!("http://{addr}/metrics"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        assert!(body.contains("poi_operator_height 7"), "{body}");
    }
}
