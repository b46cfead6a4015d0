//! Logging: JSON inside Kubernetes (or with `LOG_FORMAT=json`), human-readable otherwise;
//! `RUST_LOG` filters (default `info`).

use tracing_subscriber::EnvFilter;

pub fn init() -> Result<(), String> {
    let json = match std::env::var("LOG_FORMAT").ok().as_deref() {
        Some("json") => true,
        Some("pretty") => false,
        Some(other) => return Err(format!("LOG_FORMAT must be json or pretty, got {other:?}")),
        None => std::env::var_os("KUBERNETES_SERVICE_HOST").is_some(),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
    result.map_err(|e| e.to_string())
}
