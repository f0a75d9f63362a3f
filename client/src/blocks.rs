//! Knowing when a new block is committed: a CometBFT websocket subscription to `NewBlock` events,
//! with polling as the fallback.
//!
//! The subscription only says *when* to look; what a block holds is always read through the RPC
//! (and a node that sends garbage on the socket merely loses the subscription). A `ws://`
//! subscription is made for `http://` endpoints; for `https://` ones, and whenever the socket
//! fails, the caller polls.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// How long to wait before trying the subscription again after it failed.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(30);

/// Waits for new blocks from one RPC endpoint.
pub struct BlockWatcher {
    ws_url: Option<String>,
    socket: Option<WebSocket<MaybeTlsStream<TcpStream>>>,
    failed_at: Option<Instant>,
}

/// How the last wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// The node announced the block at this height.
    NewBlock(u64),
    /// The time was up (or there is no subscription): look for yourself.
    Poll,
}

/// `ws://host:port/websocket` for an `http://host:port` RPC endpoint.
pub fn websocket_url(rpc: &str) -> Option<String> {
    rpc.strip_prefix("http://")
        .map(|rest| format!("ws://{}/websocket", rest.trim_end_matches('/')))
}

/// The height of a `NewBlock` event message, if that is what `text` is.
fn new_block_height(text: &str) -> Option<u64> {
    let v: Value = serde_json::from_str(text).ok()?;
    let height = v
        .pointer("/result/data/value/block/header/height")
        .or_else(|| v.pointer("/result/data/value/block/last_commit/height"))?;
    match height {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

impl BlockWatcher {
    pub fn new(rpc: &str) -> Self {
        BlockWatcher {
            ws_url: websocket_url(rpc),
            socket: None,
            failed_at: None,
        }
    }

    /// Whether a subscription is open now.
    pub fn subscribed(&self) -> bool {
        self.socket.is_some()
    }

    fn subscribe(&mut self) -> Option<()> {
        let url = self.ws_url.as_deref()?;
        if self
            .failed_at
            .is_some_and(|at| at.elapsed() < RESUBSCRIBE_AFTER)
        {
            return None;
        }
        let attempt = || -> Result<WebSocket<MaybeTlsStream<TcpStream>>, tungstenite::Error> {
            let (mut socket, _) = tungstenite::connect(url)?;
            socket.send(Message::text(
                r#"{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"query":"tm.event='NewBlock'"}}"#,
            ))?;
            Ok(socket)
        };
        match attempt() {
            Ok(socket) => {
                self.socket = Some(socket);
                self.failed_at = None;
                Some(())
            }
            Err(_) => {
                self.failed_at = Some(Instant::now());
                None
            }
        }
    }

    /// Returns when the node announces a new block, or after `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Wakeup {
        let deadline = Instant::now() + timeout;
        if self.socket.is_none() && self.subscribe().is_none() {
            std::thread::sleep(timeout);
            return Wakeup::Poll;
        }
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Some(socket) = self.socket.as_mut() else {
                break;
            };
            if let MaybeTlsStream::Plain(tcp) = socket.get_mut() {
                let _ = tcp.set_read_timeout(Some(left.max(Duration::from_millis(1))));
            }
            match socket.read() {
                Ok(Message::Text(text)) => {
                    if let Some(height) = new_block_height(text.as_str()) {
                        return Wakeup::NewBlock(height);
                    }
                }
                Ok(Message::Close(_)) => self.lose_subscription(),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Wakeup::Poll;
                }
                Err(_) => self.lose_subscription(),
            }
        }
        Wakeup::Poll
    }

    fn lose_subscription(&mut self) {
        self.socket = None;
        self.failed_at = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_is_beside_a_plain_http_endpoint_only() {
        assert_eq!(
            websocket_url("http://127.0.0.1:26657/").as_deref(),
            Some("ws://127.0.0.1:26657/websocket")
        );
        assert_eq!(websocket_url("https://rpc.example"), None);
    }

    #[test]
    fn a_new_block_event_gives_its_height_and_anything_else_none() {
        let event = r#"{"jsonrpc":"2.0","id":1,"result":{"query":"tm.event='NewBlock'","data":{"type":"tendermint/event/NewBlock","value":{"block":{"header":{"height":"42"}}}}}}"#;
        assert_eq!(new_block_height(event), Some(42));
        assert_eq!(
            new_block_height(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#),
            None
        );
        assert_eq!(new_block_height("not json"), None);
    }

    #[test]
    fn without_a_node_the_watcher_falls_back_to_polling() {
        let mut watcher = BlockWatcher::new("http://127.0.0.1:9");
        assert_eq!(watcher.wait(Duration::from_millis(10)), Wakeup::Poll);
        assert!(!watcher.subscribed());
    }
}
