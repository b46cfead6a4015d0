//! Shared state of the frontend's handlers. The store is type-erased behind [`Reader`] so the
//! handlers are not generic (the frontend only reads the snapshot and the event stream).

use std::sync::Arc;

use sector_store::{EventStore, SnapshotStore, StoreResult, StoredSnapshot, StreamEntry};
use tokio::sync::watch;

use crate::config::FrontendConfig;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::preview::Previews;
use crate::proxy::Proxy;

/// The store reads the HTTP routes make (the hub reads the stream itself).
pub trait Reader: Send + Sync + 'static {
    /// One cheap round trip to the store (readiness).
    fn ping(&self) -> futures_util::future::BoxFuture<'_, StoreResult<()>>;
    fn snapshot(&self) -> futures_util::future::BoxFuture<'_, StoreResult<Option<StoredSnapshot>>>;
    fn latest_events(
        &self,
        count: usize,
    ) -> futures_util::future::BoxFuture<'_, StoreResult<Vec<StreamEntry>>>;
}

impl<S: EventStore + SnapshotStore + Send + Sync + 'static> Reader for S {
    fn ping(&self) -> futures_util::future::BoxFuture<'_, StoreResult<()>> {
        Box::pin(async move { EventStore::event_stream_len(self).await.map(|_| ()) })
    }

    fn snapshot(&self) -> futures_util::future::BoxFuture<'_, StoreResult<Option<StoredSnapshot>>> {
        Box::pin(SnapshotStore::snapshot(self))
    }

    fn latest_events(
        &self,
        count: usize,
    ) -> futures_util::future::BoxFuture<'_, StoreResult<Vec<StreamEntry>>> {
        Box::pin(EventStore::latest_events(self, count))
    }
}

struct Inner {
    config: FrontendConfig,
    reader: Box<dyn Reader>,
    hub: Hub,
    metrics: Arc<Metrics>,
    proxy: Proxy,
    previews: Previews,
    /// Dropping it stops the hub's reader.
    _stop: watch::Sender<()>,
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("building the API proxy client: {0}")]
    Proxy(#[from] reqwest::Error),
}

impl AppState {
    /// Starts the hub on `store` and builds the handlers' state.
    pub fn new<S>(store: S, config: FrontendConfig) -> Result<Self, StateError>
    where
        S: EventStore + SnapshotStore + Clone + Send + Sync + 'static,
    {
        let metrics = Arc::new(Metrics::new());
        let (stop, stopped) = watch::channel(());
        let hub = Hub::start(
            store.clone(),
            config.ws.client_queue,
            config.ws.replay_events,
            config.ws.frame_resend(),
            metrics.clone(),
            stopped,
        );
        let proxy = Proxy::new(&config)?;
        let previews = Previews::new(&config);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                reader: Box::new(store),
                hub,
                metrics,
                proxy,
                previews,
                _stop: stop,
            }),
        })
    }

    pub fn config(&self) -> &FrontendConfig {
        &self.inner.config
    }

    pub fn reader(&self) -> &dyn Reader {
        self.inner.reader.as_ref()
    }

    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    pub fn proxy(&self) -> &Proxy {
        &self.inner.proxy
    }

    pub fn previews(&self) -> &Previews {
        &self.inner.previews
    }
}
