//! The widget's and inbox's files over real HTTP: precompressed copies by
//! `Accept-Encoding`, the WebAssembly's type, and caching by name.

mod common;

use baton_server::assets::{IMMUTABLE, LOADER, REVALIDATE};
use common::Server;
use reqwest::StatusCode;
use std::path::Path;

const WASM: &str = "baton_widget_bg.0123456789.wasm";

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    std::fs::write(path, bytes).expect("write");
}

/// A built-looking web dir: each file and its `.br`/`.gz` copies hold
/// different bytes, so the test sees which one was served.
fn web_dir(dir: &Path) {
    let widget = dir.join("web/widget");
    write(&widget.join(WASM), b"\0asm plain");
    write(&widget.join(format!("{WASM}.br")), b"brotli bytes");
    write(&widget.join(format!("{WASM}.gz")), b"gzip bytes");
    write(&widget.join("baton.js"), b"// loader");
    write(&widget.join("baton.js.br"), b"loader as brotli");
    let inbox = dir.join("web/inbox");
    write(&inbox.join("index.html"), b"<!doctype html>inbox");
    write(&inbox.join("index.html.gz"), b"inbox page as gzip");
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

async fn get(server: &Server, path: &str, accept: Option<&str>) -> Answer {
    let mut request = reqwest::Client::new().get(format!("http://{}{path}", server.addr));
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    Answer { status, headers, body }
}

#[tokio::test]
async fn precompressed_copies_are_served_by_accept_encoding_with_the_original_type() {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    web_dir(&dir);
    let server = Server::start_in(&dir, 60_000).await;
    let path = format!("/widget/{WASM}");

    let br = get(&server, &path, Some("gzip, deflate, br")).await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(br.body, b"brotli bytes");
    assert_eq!(br.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(br.header("content-type").as_deref(), Some("application/wasm"));
    assert_eq!(br.header("cache-control").as_deref(), Some(IMMUTABLE));
    assert_eq!(br.header("vary").as_deref(), Some("accept-encoding"));
    // Never rendered as a page: no document policy, but never sniffed.
    assert_eq!(br.header("content-security-policy"), None);
    assert_eq!(br.header("x-content-type-options").as_deref(), Some("nosniff"));

    let gz = get(&server, &path, Some("gzip")).await;
    assert_eq!(gz.body, b"gzip bytes");
    assert_eq!(gz.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(gz.header("content-type").as_deref(), Some("application/wasm"));

    let plain = get(&server, &path, None).await;
    assert_eq!(plain.body, b"\0asm plain");
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary").as_deref(), Some("accept-encoding"));

    // The loader's name is what sites embed: cached briefly.
    let loader = get(&server, "/widget/baton.js", Some("br")).await;
    assert_eq!(loader.body, b"loader as brotli");
    assert_eq!(loader.header("cache-control").as_deref(), Some(LOADER));
    assert!(
        loader.header("content-type").is_some_and(|t| t.contains("javascript")),
        "the loader is JavaScript"
    );
    assert_eq!(loader.header("content-security-policy"), None);

    // Any inbox route is the inbox page, revalidated on every load.
    let page = get(&server, "/inbox/team", Some("gzip")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, b"inbox page as gzip");
    assert_eq!(page.header("cache-control").as_deref(), Some(REVALIDATE));
    assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    assert_eq!(
        page.header("content-security-policy").as_deref(),
        Some(baton_server::CONTENT_SECURITY_POLICY),
        "pages run under the policy"
    );
    assert_eq!(page.header("x-content-type-options").as_deref(), Some("nosniff"));

    // A missing file is not cached for a year.
    let missing = get(&server, "/widget/baton_widget.9999999999.js", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("cache-control"), None);
    server.stop().await;
}
