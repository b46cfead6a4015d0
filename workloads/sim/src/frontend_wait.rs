//! `WAIT_FOR_FRONTEND` (WIRE.md §2.3): block start-up until the frontend answers a plain HTTP
//! `GET` with a status below 500. Host, port (default 80) and path of the URL are used; scheme
//! and query are ignored. 2 s timeout per attempt; 2 s pause after a connection error, a short
//! one after a 5xx.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

const TIMEOUT: Duration = Duration::from_secs(2);

/// (host, port, path) of a URL like `http://frontend:9000/x?y`.
pub(crate) fn target(url: &str) -> (String, u16, String) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = path.split('?').next().unwrap_or("/");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().unwrap_or(80)),
        None => (authority, 80),
    };
    (host.to_owned(), port, if path.is_empty() { "/".to_owned() } else { path.to_owned() })
}

async fn status_code(host: &str, port: u16, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect((host, port)).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).await?;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no HTTP status line"))
}

/// Returns `false` if shutdown was requested while waiting.
pub(crate) async fn wait(url: &str, shutdown: &mut watch::Receiver<bool>) -> bool {
    let (host, port, path) = target(url);
    tracing::info!(url, "waiting for the frontend");
    loop {
        if *shutdown.borrow() {
            return false;
        }
        let pause = match tokio::time::timeout(TIMEOUT, status_code(&host, port, &path)).await {
            Ok(Ok(code)) if code < 500 => {
                tracing::info!(code, "frontend is up");
                return true;
            }
            Ok(Ok(code)) => {
                tracing::debug!(code, "frontend not ready");
                Duration::from_millis(100)
            }
            Ok(Err(error)) => {
                tracing::debug!(%error, "frontend unreachable");
                Duration::from_secs(2)
            }
            Err(_) => Duration::ZERO,
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts() {
        assert_eq!(target("http://frontend:9000/"), ("frontend".into(), 9000, "/".into()));
        assert_eq!(target("https://x/health?q=1"), ("x".into(), 80, "/health".into()));
        assert_eq!(target("frontend"), ("frontend".into(), 80, "/".into()));
    }
}
