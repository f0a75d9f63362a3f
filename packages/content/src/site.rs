//! Serving a static site (a built folder, such as poi's browser app) over HTTP/1.1 on a local
//! address, with documents generated at start (such as the app's `networks.json`) served beside
//! the files. `/` and any path without an extension that names no file are the folder's
//! `index.html`, as single-page apps expect; nothing outside the folder is ever read.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::http::{self, Body, Request};

/// A folder and the generated documents served with it.
#[derive(Clone)]
pub struct Site {
    root: PathBuf,
    documents: Arc<BTreeMap<String, Vec<u8>>>,
}

impl Site {
    /// `documents` maps a path (such as `networks.json`) to its bytes; it wins over a file of the
    /// same name in `root`.
    pub fn new(root: PathBuf, documents: BTreeMap<String, Vec<u8>>) -> Self {
        Site {
            root,
            documents: Arc::new(documents),
        }
    }

    /// The file `path` names inside the folder, if it is one; `..` and absolute parts never are.
    fn file(&self, path: &str) -> Option<PathBuf> {
        let relative = Path::new(path.trim_start_matches('/'));
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return None;
        }
        let file = self.root.join(relative);
        if file.is_file() {
            return Some(file);
        }
        // An app route (`/claims/7`) is the app's page; a missing asset (`/x.js`) is a 404.
        let index = self.root.join("index.html");
        (relative.extension().is_none() && index.is_file()).then_some(index)
    }
}

/// Serves `site` on `listener` until the process ends.
pub fn serve(site: Site, listener: TcpListener) -> std::io::Result<()> {
    http::serve_each(listener, move |stream| handle(&site, stream))
}

/// The media type browsers need to use a file: scripts, workers and wasm are refused otherwise.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn handle(site: &Site, mut stream: TcpStream) -> std::io::Result<()> {
    let request = Request::read(&stream)?;
    if !request.is_read() {
        return http::empty(&mut stream, "405 Method Not Allowed");
    }
    // The app checks what it loads by hash; a stale copy must not outlive a rebuild.
    let cache = ("Cache-Control", "no-cache".to_string());
    let name = request.path.trim_start_matches('/');
    if let Some(bytes) = site.documents.get(name) {
        let headers = [
            ("Content-Type", content_type(Path::new(name)).to_string()),
            cache,
        ];
        return http::send(&mut stream, &request, Body::Bytes(bytes), &headers);
    }
    let Some(file) = site.file(&request.path) else {
        return http::empty(&mut stream, "404 Not Found");
    };
    let headers = [("Content-Type", content_type(&file).to_string()), cache];
    http::send(
        &mut stream,
        &request,
        Body::File(std::fs::File::open(&file)?),
        &headers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_with_app() -> (Site, PathBuf) {
        let dir = std::env::temp_dir().join(format!("poi-site-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html>app").unwrap();
        std::fs::write(dir.join("assets/app.js"), "export {}").unwrap();
        let documents = BTreeMap::from([("networks.json".to_string(), b"{}".to_vec())]);
        (Site::new(dir.clone(), documents), dir)
    }

    #[test]
    fn the_app_its_assets_and_its_documents_are_served_and_nothing_else() {
        let (site, _dir) = site_with_app();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(site, listener));
        let get = |path: &str| ureq::get(format!("http://{addr}{path}")).call();

        let mut script = get("/assets/app.js").unwrap();
        assert_eq!(
            script.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(script.body_mut().read_to_string().unwrap(), "export {}");
        let mut route = get("/claims/7?x=1").unwrap();
        assert_eq!(
            route.body_mut().read_to_string().unwrap(),
            "<!doctype html>app"
        );
        let mut networks = get("/networks.json").unwrap();
        assert_eq!(networks.headers()["content-type"], "application/json");
        assert_eq!(networks.body_mut().read_to_string().unwrap(), "{}");
        assert!(matches!(
            get("/assets/missing.js"),
            Err(ureq::Error::StatusCode(404))
        ));
        // However the client spells it, a path out of the folder reads nothing outside it.
        match get("/../../etc/passwd") {
            Ok(mut page) => assert_eq!(
                page.body_mut().read_to_string().unwrap(),
                "<!doctype html>app"
            ),
            Err(e) => assert!(matches!(e, ureq::Error::StatusCode(404)), "{e}"),
        }
        assert_eq!(site_with_app().0.file("/../index.html"), None);
    }
}
