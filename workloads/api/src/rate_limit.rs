//! Per-client-IP rate limits on `/auth/*` and `/orders` (KNOWN_DEFECTS A8): GCRA limiters
//! from `governor`, keyed by the peer address. A refused request gets 429
//! `{"detail": "rate limit exceeded"}` with `retry-after`.
//!
//! Requests with a valid bot token are not limited on `/orders`: the bot worker is one
//! trusted client posting for many factions, and its credential is the protection there.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sector_store::Store;

use crate::auth::is_bot;
use crate::config::RateLimit;
use crate::error::ApiError;
use crate::state::AppState;

/// Limiter keys are dropped once idle; this often (in checks) the map is swept.
const SWEEP_EVERY: u64 = 4096;

/// Which limit a route falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Auth,
    Orders,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Auth => "auth",
            Scope::Orders => "orders",
        }
    }
}

pub struct RateLimiters {
    auth: Option<DefaultKeyedRateLimiter<IpAddr>>,
    orders: Option<DefaultKeyedRateLimiter<IpAddr>>,
    checks: AtomicU64,
    trusted_proxy_hops: usize,
}

fn limiter(limit: Option<RateLimit>) -> Option<DefaultKeyedRateLimiter<IpAddr>> {
    let limit = limit?;
    let per_minute = NonZeroU32::new(limit.per_minute)?;
    let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
    Some(DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)))
}

impl RateLimiters {
    pub fn new(auth: Option<RateLimit>, orders: Option<RateLimit>, trusted_proxy_hops: usize) -> Self {
        Self { auth: limiter(auth), orders: limiter(orders), checks: AtomicU64::new(0), trusted_proxy_hops }
    }

    /// `Err(wait)` when `ip` has used up its allowance in `scope`.
    pub fn check(&self, scope: Scope, ip: IpAddr) -> Result<(), Duration> {
        let limiter = match scope {
            Scope::Auth => &self.auth,
            Scope::Orders => &self.orders,
        };
        let Some(limiter) = limiter else { return Ok(()) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter.check_key(&ip).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// The client's IP: the peer, or with `hops` trusted proxies in front, the address the
/// outermost of them saw (each appends its peer to `X-Forwarded-For`; entries further left
/// came from the client and are not trusted). Requests served without connection info
/// (in-process tests) share one key.
fn client_ip(req: &Request, hops: usize) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if hops == 0 {
        return peer;
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // The chain as the API sees it: forwarded entries, then the peer (the innermost proxy).
    match forwarded.len().checked_sub(hops) {
        Some(index) => forwarded[index].parse().unwrap_or(peer),
        None => forwarded.first().and_then(|ip| ip.parse().ok()).unwrap_or(peer),
    }
}

async fn limit<S: Store>(state: &AppState<S>, scope: Scope, req: Request, next: Next) -> Response {
    match state.limiters().check(scope, client_ip(&req, state.limiters().trusted_proxy_hops)) {
        Ok(()) => next.run(req).await,
        Err(retry_after) => {
            state.metrics().rate_limited(scope);
            ApiError::RateLimited { retry_after }.into_response()
        }
    }
}

/// Middleware for `/auth/*`.
pub async fn limit_auth<S: Store>(State(state): State<AppState<S>>, req: Request, next: Next) -> Response {
    limit(&state, Scope::Auth, req, next).await
}

/// Middleware for `/orders` (bot-token requests pass unlimited).
pub async fn limit_orders<S: Store>(State(state): State<AppState<S>>, req: Request, next: Next) -> Response {
    if is_bot(&state, req.headers()) {
        return next.run(req).await;
    }
    limit(&state, Scope::Orders, req, next).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_per_ip() {
        let limiters = RateLimiters::new(Some(RateLimit { per_minute: 60, burst: 2 }), None, 0);
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        assert!(limiters.check(Scope::Auth, a).is_ok());
        assert!(limiters.check(Scope::Auth, a).is_ok());
        let wait = limiters.check(Scope::Auth, a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiters.check(Scope::Auth, b).is_ok(), "per IP");
        assert!(limiters.check(Scope::Orders, a).is_ok(), "orders limit off");
    }

    fn request(forwarded: Option<&str>) -> Request {
        let mut builder = axum::http::Request::builder();
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let mut req = builder.body(axum::body::Body::empty()).unwrap();
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 9], 5000))));
        req
    }

    #[test]
    fn the_client_address_behind_trusted_proxies() {
        let peer: IpAddr = "10.0.0.9".parse().unwrap();
        assert_eq!(client_ip(&request(Some("1.2.3.4")), 0), peer, "no trusted proxy: the peer");
        assert_eq!(client_ip(&request(Some("1.2.3.4")), 1), "1.2.3.4".parse::<IpAddr>().unwrap());
        // A client-supplied entry on the left is ignored; the proxy appended the real address.
        assert_eq!(client_ip(&request(Some("6.6.6.6, 1.2.3.4")), 1), "1.2.3.4".parse::<IpAddr>().unwrap());
        assert_eq!(client_ip(&request(Some("1.2.3.4, 10.1.1.1")), 2), "1.2.3.4".parse::<IpAddr>().unwrap());
        assert_eq!(client_ip(&request(None), 1), peer, "reached directly: the peer");
        assert_eq!(client_ip(&request(Some("garbage")), 1), peer);
    }
}
