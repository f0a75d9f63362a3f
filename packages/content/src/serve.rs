//! Serving a [`Store`] over HTTP/1.1 on a local address: `GET` and `HEAD` of `/<sha256>` (or
//! `/<sha256>.<ext>`: the extension is a hint for readers that tell formats by name, and is
//! ignored), with `Content-Length` and single byte ranges (`Range: bytes=a-b`, `a-`, `-n`), so a
//! client can resume a large model or read one chunk of a dataset.
//!
//! Deliberately small: one thread per connection, one request per connection, no directory
//! listing, nothing but hash-named files.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::store::Store;

/// Most header bytes read from one request.
const MAX_HEAD: usize = 16 * 1024;

/// Serves `store` on `listener` until the process ends.
pub fn serve(store: Store, listener: TcpListener) -> std::io::Result<()> {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let store = store.clone();
        std::thread::spawn(move || {
            let _ = handle(&store, stream);
        });
    }
    Ok(())
}

/// A byte range of a file of `len` bytes, from a `Range` header; `Err` if unsatisfiable.
fn parse_range(header: &str, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        // Several ranges would need a multipart answer; the whole file is a valid reply.
        return Ok(None);
    }
    let (start, end) = spec.split_once('-').ok_or(())?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| ())?;
            (len.saturating_sub(n), len.checked_sub(1).ok_or(())?)
        }
        (start, "") => (
            start.parse().map_err(|_| ())?,
            len.checked_sub(1).ok_or(())?,
        ),
        (start, end) => (
            start.parse().map_err(|_| ())?,
            end.parse::<u64>()
                .map_err(|_| ())?
                .min(len.saturating_sub(1)),
        ),
    };
    if start > end || start >= len {
        return Err(());
    }
    Ok(Some((start, end)))
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())
}

fn handle(store: &Store, mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(MAX_HEAD as u64));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("range")
        {
            range = Some(value.trim().to_string());
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let empty = [("Content-Length", "0".to_string())];
    if method != "GET" && method != "HEAD" {
        return respond(&mut stream, "405 Method Not Allowed", &empty);
    }
    let file_name = target.trim_start_matches('/');
    let name = file_name
        .split_once('.')
        .map_or(file_name, |(hash, _)| hash);
    let Some(path) = store.path_of(name).filter(|p| p.is_file()) else {
        return respond(&mut stream, "404 Not Found", &empty);
    };
    let mut file = std::fs::File::open(&path)?;
    let len = file.metadata()?.len();
    let (status, start, end) = match range.as_deref().map(|r| parse_range(r, len)) {
        None | Some(Ok(None)) => ("200 OK", 0, len.saturating_sub(1)),
        Some(Ok(Some((start, end)))) => ("206 Partial Content", start, end),
        Some(Err(())) => {
            return respond(
                &mut stream,
                "416 Range Not Satisfiable",
                &[
                    ("Content-Range", format!("bytes */{len}")),
                    ("Content-Length", "0".into()),
                ],
            );
        }
    };
    let body_len = if len == 0 { 0 } else { end - start + 1 };
    let mut headers = vec![
        ("Content-Length", body_len.to_string()),
        ("Content-Type", "application/octet-stream".to_string()),
        ("Accept-Ranges", "bytes".to_string()),
        ("ETag", format!("\"{name}\"")),
        // Content under its hash never changes.
        (
            "Cache-Control",
            "public, max-age=31536000, immutable".to_string(),
        ),
        ("Access-Control-Allow-Origin", "*".to_string()),
    ];
    if status.starts_with("206") {
        headers.push(("Content-Range", format!("bytes {start}-{end}/{len}")));
    }
    respond(&mut stream, status, &headers)?;
    if method == "GET" && body_len > 0 {
        file.seek(SeekFrom::Start(start))?;
        std::io::copy(&mut file.take(body_len), &mut stream)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_http_defines_them() {
        assert_eq!(parse_range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=95-200", 100), Ok(Some((95, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Err(()));
        assert_eq!(parse_range("bytes=5-2", 100), Err(()));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(parse_range("items=0-1", 100), Ok(None));
    }

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
