//! The CometBFT node a light client reads from: its JSON-RPC methods, through one async
//! [`Transport`] (a blocking HTTP client natively, `fetch` in a page), with the replies parsed
//! into light blocks and store proofs. It fetches; it decides nothing.

use serde_json::{Value, json};
use tendermint_light_client_verifier::types::{LightBlock, ValidatorSet};

use crate::error::LightClientError;
use crate::headers::BlockSource;
use crate::light_block::{
    VALIDATORS_PER_PAGE, ValidatorPages, light_block, parse_signed_header, parse_validators_page,
    rpc_peer, rpc_result,
};
use crate::proof::{StoreQuery, parse_store_query};

/// Largest JSON-RPC reply read, so a hostile server cannot exhaust memory.
pub const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// One HTTP round trip: POST a JSON body, get the JSON reply. The light client's only I/O; the
/// JSON-RPC envelope and the errors are [`Node`]'s, the same on every transport.
// Not `Send`: in a page the future holds JavaScript values, and nothing here needs threads.
#[allow(async_fn_in_trait)]
pub trait Transport: Clone {
    /// The reply to `body` POSTed to `url`, or why there is none (unreachable, an HTTP error, a
    /// reply over [`MAX_RESPONSE_BYTES`] or not JSON).
    async fn post(&self, url: &str, body: &Value) -> Result<Value, String>;
}

/// A node at one URL.
#[derive(Clone)]
pub struct Node<T> {
    url: String,
    transport: T,
}

impl<T: Transport> Node<T> {
    pub fn new(url: &str, transport: T) -> Self {
        Node {
            url: url.trim_end_matches('/').to_string(),
            transport,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The whole JSON-RPC reply (with `result` or `error`).
    async fn call(&self, method: &str, params: Value) -> Result<Value, LightClientError> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        self.transport
            .post(&self.url, &body)
            .await
            .map_err(|message| LightClientError::Rpc {
                url: self.url.clone(),
                message: format!("{method}: {message}"),
            })
    }

    pub async fn chain_id(&self) -> Result<String, LightClientError> {
        let reply = self.call("status", json!({})).await?;
        rpc_result(&reply)?
            .pointer("/node_info/network")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| LightClientError::malformed("status", "no node_info.network"))
    }

    pub async fn latest_height(&self) -> Result<u64, LightClientError> {
        let reply = self.call("status", json!({})).await?;
        rpc_result(&reply)?
            .pointer("/sync_info/latest_block_height")
            .and_then(Value::as_str)
            .and_then(|h| h.parse().ok())
            .ok_or_else(|| LightClientError::malformed("status", "no latest_block_height"))
    }

    /// The light block at `height`, unverified.
    pub async fn light_block(&self, height: u64) -> Result<LightBlock, LightClientError> {
        let commit = self
            .call("commit", json!({ "height": height.to_string() }))
            .await?;
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
        let validators = self.validators(height).await?;
        let next_validators = self.validators(height + 1).await?;
        Ok(light_block(
            signed_header,
            validators,
            next_validators,
            rpc_peer(),
        ))
    }

    async fn validators(&self, height: u64) -> Result<ValidatorSet, LightClientError> {
        let mut pages = ValidatorPages::default();
        loop {
            let reply = self
                .call(
                    "validators",
                    json!({
                        "height": height.to_string(),
                        "page": pages.next_page().to_string(),
                        "per_page": VALIDATORS_PER_PAGE.to_string(),
                    }),
                )
                .await?;
            if let Some(set) = pages.add(parse_validators_page(&reply)?)? {
                return Ok(set);
            }
        }
    }

    /// Raw `key` of the `wasm` store at `height`, with its proof.
    pub async fn query_wasm_store(
        &self,
        key: &[u8],
        height: u64,
    ) -> Result<StoreQuery, LightClientError> {
        let reply = self
            .call(
                "abci_query",
                json!({
                    "path": "/store/wasm/key",
                    "data": hex::encode(key),
                    "height": height.to_string(),
                    "prove": true,
                }),
            )
            .await?;
        parse_store_query(rpc_result(&reply)?)
    }
}

impl<T: Transport> BlockSource for Node<T> {
    async fn light_block(&self, height: u64) -> Result<LightBlock, LightClientError> {
        Node::light_block(self, height).await
    }
}
