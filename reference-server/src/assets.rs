//! The widget's and inbox's files, as a browser should get them.
//!
//! `cargo xtask build-web` names every file but the entry points after its
//! content (`baton_widget_bg.3f9a0c1d2e.wasm`) and writes `.br` and `.gz`
//! copies beside each. Here:
//! - the precompressed copy is served when the browser accepts it
//!   (`Content-Encoding: br` or `gzip`, `Vary: Accept-Encoding`), with the
//!   original's type — `application/wasm` for the WebAssembly, so browsers
//!   compile it while it streams in;
//! - content-named files are cached for a year, `immutable` (a new build
//!   has new names);
//! - the entry points, whose names a site or bookmark holds (the loader
//!   `baton.js`, the inbox's `index.html`), are cached for minutes at most,
//!   so a deploy reaches every visitor quickly.
//!
//! A site serving the files from its own CDN must do the same; README's
//! "Serving the widget from your own CDN" lists it.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

/// `Cache-Control` of content-named files.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the loader: short, and served stale while it revalidates.
pub const LOADER: &str = "public, max-age=300, stale-while-revalidate=86400";
/// `Cache-Control` of the inbox page and anything else unnamed: revalidate.
pub const REVALIDATE: &str = "no-cache";

/// The widget's files (`/widget/…`).
pub fn widget(dir: &Path) -> ServeDir {
    ServeDir::new(dir).precompressed_br().precompressed_gzip()
}

/// The inbox's files (`/inbox/…`); any other path under it is the inbox page
/// (the inbox routes in the browser).
pub fn inbox(dir: &Path) -> ServeDir<ServeFile> {
    ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(
        ServeFile::new(dir.join("index.html"))
            .precompressed_br()
            .precompressed_gzip(),
    )
}

/// Whether a file name carries a content hash: `stem.<10 hex digits>.ext`.
pub fn is_content_named(name: &str) -> bool {
    let mut parts = name.rsplitn(3, '.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty() && hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The `Cache-Control` for a path under `/widget/` or `/inbox/`.
pub fn cache_control(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or_default();
    if is_content_named(name) {
        IMMUTABLE
    } else if name == "baton.js" {
        LOADER
    } else {
        REVALIDATE
    }
}

/// Whether a response is of a type a browser never renders as a page
/// (scripts, WebAssembly, style sheets; `nosniff` keeps it so): the
/// Content-Security-Policy, a policy for documents, is left off them. On
/// every widget file it was some 260 bytes that did nothing, sent to every
/// visitor of every site. (A script run as a worker takes its policy from
/// its own response; neither the widget nor the inbox starts one.)
pub fn never_a_document(headers: &axum::http::HeaderMap) -> bool {
    let Some(kind) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let kind = kind.split(';').next().unwrap_or_default().trim();
    [
        "text/javascript",
        "application/javascript",
        "application/wasm",
        "text/css",
    ]
    .iter()
    .any(|never| kind.eq_ignore_ascii_case(never))
}

/// Middleware on the static routes: caching and `Vary` on successful answers.
pub async fn headers(request: Request, next: Next) -> Response {
    let policy = cache_control(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(policy));
        headers
            .entry(header::VARY)
            .or_insert(HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_names_are_told_apart_from_entry_points() {
        assert!(is_content_named("baton_widget_bg.0123456789.wasm"));
        assert!(is_content_named("inbox.abcdef0123.css"));
        assert!(!is_content_named("baton.js"));
        assert!(!is_content_named("baton_widget_bg.wasm"));
        assert!(!is_content_named("x.0123456789abc.js"), "too long");
        assert!(!is_content_named("x.ABCDEF0123.js"), "upper case is not ours");
        assert!(!is_content_named(".0123456789.js"), "no stem");
        assert!(!is_content_named("index.html"));
    }

    #[test]
    fn only_scripts_wasm_and_styles_are_never_documents() {
        let typed = |kind: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(kind).expect("header"));
            never_a_document(&headers)
        };
        assert!(typed("text/javascript"));
        assert!(typed("application/javascript; charset=utf-8"));
        assert!(typed("application/wasm"));
        assert!(typed("Text/CSS"));
        assert!(!typed("text/html; charset=utf-8"));
        assert!(
            !typed("image/svg+xml"),
            "an SVG opened alone is a document that can run script"
        );
        assert!(!typed("text/plain"));
        assert!(!typed("application/json"));
        assert!(!never_a_document(&axum::http::HeaderMap::new()), "untyped: kept");
    }

    #[test]
    fn cache_policy_by_path() {
        assert_eq!(cache_control("/widget/baton_widget.0123456789.js"), IMMUTABLE);
        assert_eq!(cache_control("/widget/baton.js"), LOADER);
        assert_eq!(cache_control("/inbox/"), REVALIDATE);
        assert_eq!(cache_control("/inbox/index.html"), REVALIDATE);
        assert_eq!(cache_control("/inbox/team"), REVALIDATE);
    }
}
