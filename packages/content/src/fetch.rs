//! Fetching bytes by URI: `file://`, a plain path, `http://` or `https://`.

use std::time::Duration;

use crate::sha256_hex;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("{uri}: only file://, http:// and https:// can be fetched")]
    UnsupportedScheme { uri: String },
    #[error("{uri} could not be fetched after {attempts} attempt(s): {reason}")]
    Unreachable {
        uri: String,
        attempts: u32,
        reason: String,
    },
    #[error("{uri} is larger than the limit of {limit} bytes")]
    TooLarge { uri: String, limit: u64 },
    #[error("{what} from {uri} hashes to {actual}, not the committed {expected}")]
    HashMismatch {
        what: String,
        uri: String,
        expected: String,
        actual: String,
    },
    #[error("content store {path}: {reason}")]
    Store { path: String, reason: String },
}

/// How hard to try, and how much to accept.
#[derive(Debug, Clone, Copy)]
pub struct FetchPolicy {
    /// Largest number of bytes accepted.
    pub max_bytes: u64,
    /// Attempts for a network fetch before giving up (at least one).
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each one after.
    pub backoff: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            max_bytes: 2 << 30,
            attempts: 3,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(60),
        }
    }
}

fn unreachable(uri: &str, attempts: u32, reason: impl ToString) -> ContentError {
    ContentError::Unreachable {
        uri: uri.to_string(),
        attempts,
        reason: reason.to_string(),
    }
}

/// The bytes behind `uri`, at most `policy.max_bytes`; network fetches are retried with backoff.
pub fn fetch(uri: &str, policy: &FetchPolicy) -> Result<Vec<u8>, ContentError> {
    if uri.starts_with("http://") || uri.starts_with("https://") {
        return fetch_http(uri, policy);
    }
    let path = match uri.strip_prefix("file://") {
        Some(path) => path,
        None if !uri.contains("://") => uri,
        None => {
            return Err(ContentError::UnsupportedScheme {
                uri: uri.to_string(),
            });
        }
    };
    let len = std::fs::metadata(path)
        .map_err(|e| unreachable(uri, 1, e))?
        .len();
    if len > policy.max_bytes {
        return Err(ContentError::TooLarge {
            uri: uri.to_string(),
            limit: policy.max_bytes,
        });
    }
    std::fs::read(path).map_err(|e| unreachable(uri, 1, e))
}

fn fetch_http(uri: &str, policy: &FetchPolicy) -> Result<Vec<u8>, ContentError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(policy.timeout))
        .build()
        .into();
    let attempts = policy.attempts.max(1);
    let mut wait = policy.backoff;
    let mut last = String::new();
    for attempt in 1..=attempts {
        match agent.get(uri).call() {
            Ok(mut response) => {
                return response
                    .body_mut()
                    .with_config()
                    .limit(policy.max_bytes)
                    .read_to_vec()
                    .map_err(|e| match e {
                        ureq::Error::BodyExceedsLimit(_) => ContentError::TooLarge {
                            uri: uri.to_string(),
                            limit: policy.max_bytes,
                        },
                        other => unreachable(uri, attempt, other),
                    });
            }
            // A server that says the content is not there will not change its mind on a retry.
            Err(ureq::Error::StatusCode(code)) if (400..500).contains(&code) => {
                return Err(unreachable(uri, attempt, format!("HTTP {code}")));
            }
            Err(e) => last = e.to_string(),
        }
        if attempt < attempts {
            std::thread::sleep(wait);
            wait *= 2;
        }
    }
    Err(unreachable(uri, attempts, last))
}

/// The bytes behind `uri`, which must hash to `sha256`: from `store` if it has them, else fetched
/// (and then kept in `store`).
pub fn fetch_verified(
    what: &str,
    uri: &str,
    sha256: &str,
    policy: &FetchPolicy,
    store: Option<&Store>,
) -> Result<Vec<u8>, ContentError> {
    if let Some(bytes) = store.and_then(|s| s.get(sha256)) {
        return Ok(bytes);
    }
    let bytes = fetch(uri, policy)?;
    let actual = sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(sha256) {
        return Err(ContentError::HashMismatch {
            what: what.to_string(),
            uri: uri.to_string(),
            expected: sha256.to_ascii_lowercase(),
            actual,
        });
    }
    if let Some(store) = store {
        store.put(&bytes)?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("poi-content-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        file
    }

    #[test]
    fn a_file_with_the_committed_hash_is_returned_and_kept() {
        let file = temp("model", b"weights");
        let store = Store::open(file.parent().unwrap().join("store")).unwrap();
        let uri = format!("file://{}", file.display());
        let hash = sha256_hex(b"weights");
        let bytes = fetch_verified("model", &uri, &hash, &FetchPolicy::default(), Some(&store));
        assert_eq!(bytes.unwrap(), b"weights");
        assert_eq!(store.get(&hash).unwrap(), b"weights");
    }

    #[test]
    fn bytes_with_another_hash_are_refused_and_not_kept() {
        let file = temp("input", b"tampered");
        let store = Store::open(file.parent().unwrap().join("store2")).unwrap();
        let committed = sha256_hex(b"original");
        let err = fetch_verified(
            "input x",
            file.to_str().unwrap(),
            &committed,
            &FetchPolicy::default(),
            Some(&store),
        )
        .unwrap_err();
        assert!(matches!(err, ContentError::HashMismatch { .. }), "{err}");
        assert!(store.get(&committed).is_none() && store.get(&sha256_hex(b"tampered")).is_none());
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let file = temp("big", &[0; 100]);
        let policy = FetchPolicy {
            max_bytes: 99,
            ..FetchPolicy::default()
        };
        let err = fetch(file.to_str().unwrap(), &policy).unwrap_err();
        assert!(matches!(err, ContentError::TooLarge { limit: 99, .. }));
    }

    #[test]
    fn unknown_schemes_and_dead_servers_are_typed_errors() {
        let policy = FetchPolicy {
            attempts: 2,
            backoff: Duration::from_millis(1),
            ..FetchPolicy::default()
        };
        assert!(matches!(
            fetch("ipfs://bafy", &policy),
            Err(ContentError::UnsupportedScheme { .. })
        ));
        // Port 9 on the loopback: nothing listens there.
        let err = fetch("http://127.0.0.1:9/model.onnx", &policy).unwrap_err();
        assert!(
            matches!(err, ContentError::Unreachable { attempts: 2, .. }),
            "{err}"
        );
    }
}
