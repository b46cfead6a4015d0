//! Logging for the service subcommands: JSON lines in a cluster, human-readable locally.

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl LogFormat {
    /// `LOG_FORMAT=json|pretty`; without it, JSON inside Kubernetes (where a log pipeline
    /// parses lines) and pretty elsewhere.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("LOG_FORMAT") {
            Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
                "json" => Ok(LogFormat::Json),
                "pretty" | "text" => Ok(LogFormat::Pretty),
                other => Err(format!("LOG_FORMAT must be json or pretty, got {other:?}")),
            },
            Err(_) if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => Ok(LogFormat::Json),
            Err(_) => Ok(LogFormat::Pretty),
        }
    }
}

/// Installs the global subscriber; `RUST_LOG` filters (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (e.g. in tests) keeps the first subscriber; that is fine.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
