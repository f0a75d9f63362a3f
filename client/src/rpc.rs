//! A small CometBFT JSON-RPC client: just the calls poi needs, with typed errors, over one or more
//! endpoints of the same chain.
//!
//! Everything the server says is treated as untrusted input: malformed or missing fields become
//! [`RpcError::Malformed`], never a panic. An endpoint that cannot be reached is skipped for the
//! next one; the one that answered is used first from then on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("cannot reach {url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("{method}: server error {code}: {message} {data}")]
    Server {
        method: String,
        code: i64,
        message: String,
        data: String,
    },
    #[error("{method}: malformed response: {reason}")]
    Malformed { method: String, reason: String },
    #[error("query {path} failed with code {code}: {log}")]
    QueryFailed {
        path: String,
        code: u32,
        log: String,
    },
}

/// The result of an ABCI query that succeeded.
pub struct AbciResponse {
    pub value: Vec<u8>,
}

/// What the mempool said about a broadcast transaction.
pub struct CheckTx {
    pub code: u32,
    pub codespace: String,
    pub log: String,
    pub hash: String,
}

/// A transaction included in a block.
#[derive(Debug, Clone)]
pub struct TxResult {
    pub height: u64,
    pub code: u32,
    pub codespace: String,
    pub log: String,
    pub gas_used: u64,
    pub gas_wanted: u64,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub kind: String,
    pub attributes: Vec<(String, String)>,
}

pub struct Status {
    pub chain_id: String,
    pub latest_height: u64,
}

pub struct Rpc {
    endpoints: Vec<String>,
    /// The endpoint that answered last.
    current: AtomicUsize,
    agent: ureq::Agent,
}

fn field<'a>(method: &str, value: &'a Value, path: &[&str]) -> Result<&'a Value, RpcError> {
    let mut cur = value;
    for key in path {
        cur = cur.get(key).ok_or_else(|| RpcError::Malformed {
            method: method.to_string(),
            reason: format!("missing field {}", path.join(".")),
        })?;
    }
    Ok(cur)
}

fn str_field(method: &str, value: &Value, path: &[&str]) -> Result<String, RpcError> {
    Ok(match field(method, value, path)? {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// CometBFT encodes 64-bit integers as strings and small ones sometimes as numbers.
fn int_field(method: &str, value: &Value, path: &[&str]) -> Result<u64, RpcError> {
    let v = field(method, value, path)?;
    let parsed = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        Value::Null => Some(0),
        _ => None,
    };
    parsed.ok_or_else(|| RpcError::Malformed {
        method: method.to_string(),
        reason: format!("{} is not an integer: {v}", path.join(".")),
    })
}

fn optional_int(method: &str, value: &Value, path: &[&str]) -> Result<u64, RpcError> {
    match field(method, value, path) {
        Ok(_) => int_field(method, value, path),
        Err(_) => Ok(0),
    }
}

impl Rpc {
    pub fn new(url: &str) -> Self {
        Self::with_endpoints(vec![url.to_string()])
    }

    /// Endpoints of one chain, tried in this order until one answers. At least one is needed.
    pub fn with_endpoints(endpoints: Vec<String>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            endpoints: endpoints
                .into_iter()
                .map(|url| url.trim_end_matches('/').to_string())
                .collect(),
            current: AtomicUsize::new(0),
            agent,
        }
    }

    /// The endpoint in use.
    pub fn url(&self) -> &str {
        let i = self.current.load(Ordering::Relaxed);
        self.endpoints.get(i).map_or("", String::as_str)
    }

    /// Calls `method` on the endpoint in use, failing over to the others when it cannot be
    /// reached. An endpoint that answers, even with an error, is not failed over from: the chain
    /// said no.
    fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let first = self.current.load(Ordering::Relaxed);
        let mut last = RpcError::Transport {
            url: String::new(),
            reason: "no RPC endpoint configured".into(),
        };
        for offset in 0..self.endpoints.len() {
            let i = (first + offset) % self.endpoints.len();
            match self.call_endpoint(&self.endpoints[i], method, &params) {
                Err(e @ RpcError::Transport { .. }) => last = e,
                answered => {
                    self.current.store(i, Ordering::Relaxed);
                    return answered;
                }
            }
        }
        Err(last)
    }

    fn call_endpoint(&self, url: &str, method: &str, params: &Value) -> Result<Value, RpcError> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let transport = |reason: String| RpcError::Transport {
            url: url.to_string(),
            reason,
        };
        let mut response = self
            .agent
            .post(url)
            .send_json(&body)
            .map_err(|e| transport(e.to_string()))?;
        let reply: Value = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_json()
            .map_err(|e| RpcError::Malformed {
                method: method.into(),
                reason: e.to_string(),
            })?;
        if let Some(error) = reply.get("error") {
            return Err(RpcError::Server {
                method: method.into(),
                code: error
                    .get("code")
                    .and_then(Value::as_i64)
                    .unwrap_or_default(),
                message: error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
                data: error
                    .get("data")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
            });
        }
        reply
            .get("result")
            .cloned()
            .ok_or_else(|| RpcError::Malformed {
                method: method.into(),
                reason: "neither result nor error".into(),
            })
    }

    pub fn status(&self) -> Result<Status, RpcError> {
        let r = self.call("status", json!({}))?;
        Ok(Status {
            chain_id: str_field("status", &r, &["node_info", "network"])?,
            latest_height: int_field("status", &r, &["sync_info", "latest_block_height"])?,
        })
    }

    /// Runs a gRPC query through ABCI, at the latest height.
    pub fn abci_query(&self, path: &str, data: &[u8]) -> Result<AbciResponse, RpcError> {
        let m = "abci_query";
        let r = self.call(
            m,
            json!({ "path": path, "data": hex::encode(data), "prove": false }),
        )?;
        let code = int_field(m, &r, &["response", "code"])? as u32;
        if code != 0 {
            return Err(RpcError::QueryFailed {
                path: path.into(),
                code,
                log: str_field(m, &r, &["response", "log"])?,
            });
        }
        let value = str_field(m, &r, &["response", "value"])?;
        let value = BASE64.decode(value).map_err(|e| RpcError::Malformed {
            method: m.into(),
            reason: format!("value is not base64: {e}"),
        })?;
        Ok(AbciResponse { value })
    }

    pub fn broadcast_tx_sync(&self, tx: &[u8]) -> Result<CheckTx, RpcError> {
        let m = "broadcast_tx_sync";
        let r = self.call(m, json!({ "tx": BASE64.encode(tx) }))?;
        Ok(CheckTx {
            code: int_field(m, &r, &["code"])? as u32,
            codespace: str_field(m, &r, &["codespace"]).unwrap_or_default(),
            log: str_field(m, &r, &["log"]).unwrap_or_default(),
            hash: str_field(m, &r, &["hash"])?,
        })
    }

    /// The transaction with this hash (hex), or `None` while it is not in a block yet.
    pub fn tx(&self, hash_hex: &str) -> Result<Option<TxResult>, RpcError> {
        let m = "tx";
        let hash = hex::decode(hash_hex).map_err(|e| RpcError::Malformed {
            method: m.into(),
            reason: e.to_string(),
        })?;
        let r = match self.call(m, json!({ "hash": BASE64.encode(hash), "prove": false })) {
            Ok(r) => r,
            Err(RpcError::Server { data, message, .. })
                if data.contains("not found") || message.contains("not found") =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let result = field(m, &r, &["tx_result"])?;
        let mut events = Vec::new();
        if let Some(list) = result.get("events").and_then(Value::as_array) {
            for event in list {
                let kind = str_field(m, event, &["type"])?;
                let mut attributes = Vec::new();
                for attr in event
                    .get("attributes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    attributes.push((
                        str_field(m, attr, &["key"])?,
                        str_field(m, attr, &["value"])?,
                    ));
                }
                events.push(Event { kind, attributes });
            }
        }
        Ok(Some(TxResult {
            height: int_field(m, &r, &["height"])?,
            code: optional_int(m, result, &["code"])? as u32,
            codespace: str_field(m, result, &["codespace"]).unwrap_or_default(),
            log: str_field(m, result, &["log"]).unwrap_or_default(),
            gas_used: optional_int(m, result, &["gas_used"])?,
            gas_wanted: optional_int(m, result, &["gas_wanted"])?,
            events,
        }))
    }
}

impl TxResult {
    /// The first value of `key` in an event of type `kind`.
    pub fn attribute(&self, kind: &str, key: &str) -> Option<&str> {
        self.events
            .iter()
            .filter(|e| e.kind == kind)
            .flat_map(|e| e.attributes.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}
