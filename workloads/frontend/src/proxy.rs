//! `/api/*`: a reverse proxy to the API (WIRE.md §9.1 with KNOWN_DEFECTS G4 fixed).
//!
//! Every method is forwarded with the query string, the body and all end-to-end request headers
//! (`Authorization`, `Content-Type`, `X-Bot-Token`, `Origin`, …), plus `X-Forwarded-For`,
//! `X-Forwarded-Proto` and `X-Forwarded-Host`. The upstream status, body and end-to-end response
//! headers come back unchanged. An unreachable API is a 502 and a slow one a 504, each with a
//! `{"detail"}` body, instead of the reference's 500.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::config::FrontendConfig;
use crate::error::FrontendError;
use crate::state::AppState;

/// Connection-level headers (RFC 9110 §7.6.1) and ones the proxy sets itself.
const NOT_FORWARDED: [&str; 11] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

pub struct Proxy {
    client: reqwest::Client,
    base: String,
    timeout: Duration,
    max_body: usize,
}

impl Proxy {
    pub fn new(config: &FrontendConfig) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.proxy_timeout.min(Duration::from_secs(2)))
            .timeout(config.proxy_timeout)
            // The API answers 307 between `/x` and `/x/` with its own absolute URL, which the
            // browser cannot reach; follow such redirects here, as the reference did.
            .redirect(reqwest::redirect::Policy::limited(5))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            client,
            base: config.api_url.clone(),
            timeout: config.proxy_timeout,
            max_body: config.max_proxy_body,
        })
    }
}

fn forwardable(name: &HeaderName) -> bool {
    !NOT_FORWARDED.contains(&name.as_str()) && !name.as_str().starts_with("x-forwarded-")
}

/// `/api` (no slash) → `/api/`, as the reference did.
pub async fn redirect_root(request: Request) -> Redirect {
    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::temporary(&format!("/api/{query}"))
}

pub async fn handler(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Result<Response, FrontendError> {
    let proxy = state.proxy();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().strip_prefix("/api").unwrap_or(parts.uri.path());
    let mut url = format!("{}{}", proxy.base, path);
    if let Some(query) = parts.uri.query() {
        url.push('?');
        url.push_str(query);
    }
    let body = axum::body::to_bytes(body, proxy.max_body).await.map_err(|_| {
        state.metrics().proxy("too_large");
        FrontendError::PayloadTooLarge { limit: proxy.max_body }
    })?;

    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if forwardable(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let forwarded_for = match parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(chain) => format!("{chain}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
        headers.insert("x-forwarded-for", value);
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    if let Some(host) = parts.headers.get(header::HOST) {
        headers.insert("x-forwarded-host", host.clone());
    }

    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes())
        .map_err(|_| FrontendError::BadGateway(format!("method {} cannot be proxied", parts.method)))?;
    let upstream = proxy.client.request(method, &url).headers(headers).body(body).send().await;
    let upstream = match upstream {
        Ok(response) => response,
        Err(error) => return Err(upstream_error(&state, &error, proxy.timeout)),
    };
    let status = StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response_headers = HeaderMap::new();
    for (name, value) in upstream.headers() {
        if forwardable(name) {
            response_headers.append(name.clone(), value.clone());
        }
    }
    let bytes: Bytes = match upstream.bytes().await {
        Ok(bytes) => bytes,
        Err(error) => return Err(upstream_error(&state, &error, proxy.timeout)),
    };
    state.metrics().proxy(if status.is_server_error() { "upstream_5xx" } else { "ok" });
    let mut response = (status, Body::from(bytes)).into_response();
    *response.headers_mut() = response_headers;
    if parts.method == Method::HEAD {
        *response.body_mut() = Body::empty();
    }
    Ok(response)
}

fn upstream_error(state: &AppState, error: &reqwest::Error, timeout: Duration) -> FrontendError {
    if error.is_timeout() {
        state.metrics().proxy("timeout");
        tracing::warn!(%error, "API request timed out");
        FrontendError::GatewayTimeout(format!("the API did not answer within {} ms", timeout.as_millis()))
    } else {
        state.metrics().proxy("unreachable");
        tracing::warn!(%error, "API request failed");
        FrontendError::BadGateway("the API is unreachable; try again shortly".into())
    }
}
