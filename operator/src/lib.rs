//! `sector-operator`: The Kubernetes operator for SectorUniverse resources.

pub mod api_policy;
pub mod apply;
pub mod autoscale;
pub mod cache;
pub mod causes;
pub mod children;
pub mod control;
pub mod controller;
pub mod crd;
pub mod crd_install;
pub mod error;
pub mod game_config;
pub mod gateway_api;
pub mod http;
pub mod leader;
pub mod live;
pub mod metrics;
pub mod names;
pub mod redis_probe;
pub mod runner;
pub mod settings;
pub mod status;
pub mod telemetry;
pub mod validate;
pub mod workload_state;

/// Selects ring as rustls's process-wide crypto provider (kube's TLS client asks for the
/// default). Needed when the build enables more than one provider; harmless otherwise.
pub fn install_crypto_provider() {
    // Err means a provider was installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
