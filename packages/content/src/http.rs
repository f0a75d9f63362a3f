//! The HTTP/1.1 both servers of this crate speak ([`crate::serve`] for a store, [`crate::site`]
//! for a static site): one request per connection, `GET` and `HEAD` only, single byte ranges.
//! Deliberately small: one thread per connection, no keep-alive, no chunked bodies.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// Most header bytes read from one request.
const MAX_HEAD: usize = 16 * 1024;

/// Accepts connections on `listener` until the process ends, each answered by `handle` on a
/// thread of its own; a connection that fails is dropped, never the server.
pub fn serve_each<H>(listener: TcpListener, handle: H) -> std::io::Result<()>
where
    H: Fn(TcpStream) -> std::io::Result<()> + Clone + Send + 'static,
{
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let handle = handle.clone();
        std::thread::spawn(move || {
            let _ = handle(stream);
        });
    }
    Ok(())
}

/// The parts of a request the servers look at.
pub struct Request {
    pub method: String,
    /// The path, without query string or fragment, percent-decoding left to the server.
    pub path: String,
    pub range: Option<String>,
}

impl Request {
    /// Reads the request line and headers (at most [`MAX_HEAD`] bytes, 10 s).
    pub fn read(stream: &TcpStream) -> std::io::Result<Self> {
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
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("");
        let path = target.split(['?', '#']).next().unwrap_or("").to_string();
        Ok(Request {
            method,
            path,
            range,
        })
    }

    /// Only `GET` and `HEAD` are served.
    pub fn is_read(&self) -> bool {
        self.method == "GET" || self.method == "HEAD"
    }
}

/// A byte range of a body of `len` bytes, from a `Range` header; `Err` if unsatisfiable.
fn parse_range(header: &str, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        // Several ranges would need a multipart answer; the whole body is a valid reply.
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

pub fn respond(
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

/// An answer with no body.
pub fn empty(stream: &mut TcpStream, status: &str) -> std::io::Result<()> {
    respond(stream, status, &[("Content-Length", "0".to_string())])
}

/// Where a body comes from.
pub enum Body<'a> {
    File(std::fs::File),
    Bytes(&'a [u8]),
}

/// Answers `request` with `body` (or the part its `Range` asks for) and `headers`, to which the
/// length, range and status headers are added.
pub fn send(
    stream: &mut TcpStream,
    request: &Request,
    mut body: Body,
    headers: &[(&str, String)],
) -> std::io::Result<()> {
    let len = match &body {
        Body::File(file) => file.metadata()?.len(),
        Body::Bytes(bytes) => bytes.len() as u64,
    };
    let (status, start, end) = match request.range.as_deref().map(|r| parse_range(r, len)) {
        None | Some(Ok(None)) => ("200 OK", 0, len.saturating_sub(1)),
        Some(Ok(Some((start, end)))) => ("206 Partial Content", start, end),
        Some(Err(())) => {
            return respond(
                stream,
                "416 Range Not Satisfiable",
                &[
                    ("Content-Range", format!("bytes */{len}")),
                    ("Content-Length", "0".into()),
                ],
            );
        }
    };
    let body_len = if len == 0 { 0 } else { end - start + 1 };
    let mut all = vec![
        ("Content-Length", body_len.to_string()),
        ("Accept-Ranges", "bytes".to_string()),
    ];
    all.extend(headers.iter().cloned());
    if status.starts_with("206") {
        all.push(("Content-Range", format!("bytes {start}-{end}/{len}")));
    }
    respond(stream, status, &all)?;
    if request.method == "GET" && body_len > 0 {
        match &mut body {
            Body::File(file) => {
                file.seek(SeekFrom::Start(start))?;
                std::io::copy(&mut file.take(body_len), stream)?;
            }
            Body::Bytes(bytes) => stream.write_all(&bytes[start as usize..=end as usize])?,
        }
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
}
