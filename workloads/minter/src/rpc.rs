//! A minimal Ethereum JSON-RPC client over HTTP (reqwest), with errors sorted by what the caller
//! should do: unreachable (retry later), bad answer, or the node's own error object.
//!
//! Hand-written rather than taken from `ethers-providers`: the handful of calls the minter makes
//! do not justify that crate's second HTTP stack (hyper 0.14, reqwest 0.11) in the build.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

/// A failed call.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcError {
    /// Connection refused, timeout, or a gateway saying its node is down.
    Unreachable(String),
    /// Not a JSON-RPC answer.
    BadAnswer(String),
    /// The node's error object.
    Node { code: i64, message: String, data: Option<Value> },
}

pub struct Rpc {
    http: reqwest::Client,
    url: String,
    /// The URL without path or query, for messages: provider URLs often carry an API key.
    shown: String,
    next_id: AtomicU64,
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or(host);
    format!("{scheme}://{host}")
}

/// An error and its sources, on one line.
fn chain_of(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

impl Rpc {
    pub fn new(url: &str, timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| chain_of(&e))?;
        Ok(Self { http, url: url.to_owned(), shown: origin(url), next_id: AtomicU64::new(1) })
    }

    /// Calls `method` with `params` (a JSON array); the `result` member.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        let response = self
            .http
            .post(&self.url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                RpcError::Unreachable(format!("{} ({method}): {}", self.shown, chain_of(&e.without_url())))
            })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| {
            RpcError::Unreachable(format!(
                "{} ({method}): reading the answer: {}",
                self.shown,
                chain_of(&e.without_url())
            ))
        })?;
        if matches!(status.as_u16(), 502..=504) {
            return Err(RpcError::Unreachable(format!("{} ({method}): HTTP {status}", self.shown)));
        }
        let answer: Value = serde_json::from_slice(&bytes).map_err(|_| {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
            RpcError::BadAnswer(format!("{} ({method}): HTTP {status}, not JSON: {text:?}", self.shown))
        })?;
        if let Some(error) = answer.get("error").filter(|e| !e.is_null()) {
            return Err(RpcError::Node {
                code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: error.get("message").and_then(Value::as_str).unwrap_or("(no message)").to_owned(),
                data: error.get("data").cloned(),
            });
        }
        if !status.is_success() {
            return Err(RpcError::BadAnswer(format!("{} ({method}): HTTP {status}", self.shown)));
        }
        answer
            .get("result")
            .cloned()
            .ok_or_else(|| RpcError::BadAnswer(format!("{} ({method}): no `result` in {answer}", self.shown)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_hide_paths_and_credentials() {
        assert_eq!(origin("https://mainnet.example/v3/SECRETKEY"), "https://mainnet.example");
        assert_eq!(origin("http://user:pw@127.0.0.1:8545/"), "http://127.0.0.1:8545");
        assert_eq!(origin("http://127.0.0.1:8545?key=1"), "http://127.0.0.1:8545");
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let rpc = Rpc::new(&format!("http://127.0.0.1:{port}/secret-path"), Duration::from_secs(2)).unwrap();
        match rpc.call("eth_chainId", json!([])).await {
            Err(RpcError::Unreachable(message)) => {
                assert!(message.contains("eth_chainId") && !message.contains("secret-path"), "{message}")
            }
            other => panic!("expected Unreachable, got {other:?}"),
        }
    }
}
