//! Serving a [`Store`] over HTTP/1.1 on a local address: `GET` and `HEAD` of `/<sha256>` (or
//! `/<sha256>.<ext>`: the extension is a hint for readers that tell formats by name, and is
//! ignored), with `Content-Length` and single byte ranges (`Range: bytes=a-b`, `a-`, `-n`), so a
//! client can resume a large model or read one chunk of a dataset.
//!
//! Deliberately small: one thread per connection, one request per connection, no directory
//! listing, nothing but hash-named files.

use std::net::{TcpListener, TcpStream};

use crate::http::{self, Body, Request};
use crate::store::Store;

/// Serves `store` on `listener` until the process ends.
pub fn serve(store: Store, listener: TcpListener) -> std::io::Result<()> {
    http::serve_each(listener, move |stream| handle(&store, stream))
}

fn handle(store: &Store, mut stream: TcpStream) -> std::io::Result<()> {
    let request = Request::read(&stream)?;
    if !request.is_read() {
        return http::empty(&mut stream, "405 Method Not Allowed");
    }
    let file_name = request.path.trim_start_matches('/');
    let name = file_name
        .split_once('.')
        .map_or(file_name, |(hash, _)| hash);
    let Some(path) = store.path_of(name).filter(|p| p.is_file()) else {
        return http::empty(&mut stream, "404 Not Found");
    };
    let headers = [
        ("Content-Type", "application/octet-stream".to_string()),
        ("ETag", format!("\"{name}\"")),
        // Content under its hash never changes.
        (
            "Cache-Control",
            "public, max-age=31536000, immutable".to_string(),
        ),
        ("Access-Control-Allow-Origin", "*".to_string()),
    ];
    http::send(
        &mut stream,
        &request,
        Body::File(std::fs::File::open(&path)?),
        &headers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_served_file_is_fetched_whole_and_by_range() {
        let dir = std::env::temp_dir().join(format!("poi-serve-{}", std::process::id()));
        let store = Store::open(&dir).unwrap();
        let bytes: Vec<u8> = (0..=255).collect();
        let hash = store.put(&bytes).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(store, listener));
        let url = format!("http://{addr}/{hash}");
        let whole = crate::fetch(&url, &crate::FetchPolicy::default()).unwrap();
        assert_eq!(whole, bytes);
        let hinted = crate::fetch(&format!("{url}.npy"), &crate::FetchPolicy::default());
        assert_eq!(hinted.unwrap(), bytes);
        let mut part = ureq::get(&url)
            .header("Range", "bytes=10-19")
            .call()
            .unwrap();
        assert_eq!(part.status(), 206);
        assert_eq!(part.body_mut().read_to_vec().unwrap(), &bytes[10..20]);
        let missing = ureq::get(format!("http://{addr}/{}", "0".repeat(64))).call();
        assert!(matches!(missing, Err(ureq::Error::StatusCode(404))));
        let escape = ureq::get(format!("http://{addr}/../etc/passwd")).call();
        assert!(matches!(escape, Err(ureq::Error::StatusCode(404))));
    }
}
