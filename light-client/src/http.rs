//! The native [`Transport`]: JSON-RPC over blocking HTTP (ureq), and [`block_on`] to run the
//! client's futures on the calling thread.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use serde_json::Value;

use crate::node::{MAX_RESPONSE_BYTES, Transport};

#[derive(Clone)]
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl Default for HttpTransport {
    fn default() -> Self {
        HttpTransport {
            agent: ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(30)))
                .http_status_as_error(false)
                .build()
                .into(),
        }
    }
}

impl Transport for HttpTransport {
    async fn post(&self, url: &str, body: &Value) -> Result<Value, String> {
        let mut response = self
            .agent
            .post(url)
            .send_json(body)
            .map_err(|e| e.to_string())?;
        // CometBFT answers some JSON-RPC errors with an HTTP error status and the error as JSON:
        // the reply is read whatever the status, and only a reply that is not JSON is an error.
        let status = response.status();
        response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_json()
            .map_err(|e| format!("HTTP {status}: {e}"))
    }
}

/// Runs `future` to completion on this thread. With [`HttpTransport`] every step completes when
/// first polled; the thread parks only for a future that waits on something else.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}
