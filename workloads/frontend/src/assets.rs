//! The web UI's files, embedded in the binary (no CDN; works offline): `ui/index.html` at `/`,
//! every other file of `ui/` at `/assets/<path>`. Responses carry `etag` and `last-modified`
//! and answer conditional requests with 304; the page gets a Content-Security-Policy that
//! allows scripts only from this origin.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::FrontendError;

#[derive(RustEmbed)]
#[folder = "ui/"]
struct Ui;

/// Scripts only from this origin; connections anywhere (the page's `?api=` may name another
/// API origin); no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

pub async fn index(headers: HeaderMap) -> Result<Response, FrontendError> {
    serve("index.html", &headers)
}

pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, FrontendError> {
    if path == "index.html" {
        return Err(FrontendError::NotFound("Not Found"));
    }
    serve(&path, &headers)
}

fn serve(path: &str, request: &HeaderMap) -> Result<Response, FrontendError> {
    let file = Ui::get(path).ok_or(FrontendError::NotFound("Not Found"))?;
    let etag = etag(&file.metadata.sha256_hash());
    let last_modified = file
        .metadata
        .last_modified()
        .map(|secs| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs)));

    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Some(value) = last_modified.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert(header::LAST_MODIFIED, value);
    }
    if path.ends_with(".html") {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
        headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    }

    let not_modified = match request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(tags) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => false,
    };
    if not_modified {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    Ok((headers, Body::from(file.data.into_owned())).into_response())
}

fn etag(hash: &[u8; 32]) -> String {
    let mut tag = String::with_capacity(2 + 32);
    tag.push('"');
    for byte in &hash[..16] {
        let _ = write!(tag, "{byte:02x}");
    }
    tag.push('"');
    tag
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_hex() {
        let tag = etag(&[0xab; 32]);
        assert_eq!(tag.len(), 34);
        assert!(tag.starts_with("\"abab") && tag.ends_with('"'));
        assert_eq!(content_type("a/b.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x"), "application/octet-stream");
    }
}
