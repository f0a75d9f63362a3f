//! A CometBFT JSON-RPC client over HTTP: the native I/O layer. It fetches; it decides nothing.

use std::time::Duration;

use serde_json::{Value, json};
use tendermint_light_client_verifier::types::LightBlock;

use crate::error::LightClientError;
use crate::light_block::{
    VALIDATORS_PER_PAGE, collect_validators, light_block, parse_signed_header,
    parse_validators_page, rpc_peer, rpc_result,
};
use crate::proof::{StoreQuery, parse_store_query};
use crate::verifier::BlockSource;

/// Largest response read, so a hostile server cannot exhaust memory.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

pub struct RpcClient {
    url: String,
    agent: ureq::Agent,
}

impl RpcClient {
    pub fn new(url: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        RpcClient {
            url: url.trim_end_matches('/').to_string(),
            agent,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn error(&self, message: impl ToString) -> LightClientError {
        LightClientError::Rpc {
            url: self.url.clone(),
            message: message.to_string(),
        }
    }

    /// The whole JSON-RPC reply (with `result` or `error`).
    fn call(&self, method: &str, params: Value) -> Result<Value, LightClientError> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let mut response = self
            .agent
            .post(&self.url)
            .send_json(&body)
            .map_err(|e| self.error(e))?;
        response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_json()
            .map_err(|e| self.error(format!("{method}: {e}")))
    }

    pub fn chain_id(&self) -> Result<String, LightClientError> {
        let reply = self.call("status", json!({}))?;
        rpc_result(&reply)?
            .pointer("/node_info/network")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| LightClientError::malformed("status", "no node_info.network"))
    }

    pub fn latest_height(&self) -> Result<u64, LightClientError> {
        let reply = self.call("status", json!({}))?;
        rpc_result(&reply)?
            .pointer("/sync_info/latest_block_height")
            .and_then(Value::as_str)
            .and_then(|h| h.parse().ok())
            .ok_or_else(|| LightClientError::malformed("status", "no latest_block_height"))
    }

    pub fn fetch_light_block(&self, height: u64) -> Result<LightBlock, LightClientError> {
        let commit = self.call("commit", json!({ "height": height.to_string() }))?;
        let signed_header = parse_signed_header(&commit)?;
        if signed_header.header.height.value() != height {
            return Err(LightClientError::malformed(
                "commit",
                format!(
                    "asked for height {height}, got {}",
                    signed_header.header.height
                ),
            ));
        }
        let validators = self.validators(height)?;
        let next_validators = self.validators(height + 1)?;
        Ok(light_block(
            signed_header,
            validators,
            next_validators,
            rpc_peer(),
        ))
    }

    fn validators(
        &self,
        height: u64,
    ) -> Result<tendermint_light_client_verifier::types::ValidatorSet, LightClientError> {
        collect_validators(|page| {
            let reply = self.call(
                "validators",
                json!({
                    "height": height.to_string(),
                    "page": page.to_string(),
                    "per_page": VALIDATORS_PER_PAGE.to_string(),
                }),
            )?;
            parse_validators_page(&reply)
        })
    }

    /// Raw `key` of the `wasm` store at `height`, with its proof.
    pub fn query_wasm_store(
        &self,
        key: &[u8],
        height: u64,
    ) -> Result<StoreQuery, LightClientError> {
        let reply = self.call(
            "abci_query",
            json!({
                "path": "/store/wasm/key",
                "data": hex::encode(key),
                "height": height.to_string(),
                "prove": true,
            }),
        )?;
        parse_store_query(rpc_result(&reply)?)
    }
}

impl BlockSource for RpcClient {
    fn light_block(&mut self, height: u64) -> Result<LightBlock, LightClientError> {
        self.fetch_light_block(height)
    }
}
