//! Read-mostly views of the store, each read at most once per `READ_CACHE_MS` window:
//! - the snapshot as the API uses it: compact JSON text for `GET /snapshot`, the facts order
//!   validation needs (system count, faction ids) and the run's claimable factions;
//! - the claims view of the bot order path (universe id, human-held factions).
//!
//! Why: the snapshot changes once per tick (300 ms) and claims rarely, but both may be read
//! thousands of times per second; one store read per short window keeps the store's load
//! flat while no reader sees data older than the window. Refreshes are single-flight. The
//! claims view may lag a claim by one window: the sim drops bot orders for human factions
//! itself, so a bot order slipping through in that window has no effect.

use std::collections::BTreeSet;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use sector_store::{SnapshotStore, Store};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::error::ApiError;
use crate::json_text;
use crate::state::FactionInfo;

/// The stored snapshot, prepared once per refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotView {
    /// Compact JSON text.
    pub json: Bytes,
    /// Number of systems; `None` if the snapshot has no `systems` array.
    pub systems: Option<usize>,
    /// Ids of the registry's factions (configured, League, rebels).
    pub factions: Vec<String>,
    /// The factions humans may claim in the snapshot's run: its configured factions, in
    /// registry order. Empty if the snapshot lists no factions.
    pub claimable: Arc<[FactionInfo]>,
}

#[derive(Deserialize)]
struct Facts {
    systems: Option<Vec<IgnoredAny>>,
    #[serde(default)]
    factions: Vec<FactionFacts>,
}

#[derive(Deserialize)]
struct FactionFacts {
    id: String,
    #[serde(default)]
    name: String,
}

/// Whether `id` names a faction the sim adds during a run: the League (registered as `"L"`
/// whatever `league_faction_id` says, KNOWN_DEFECTS B17) or a rebel faction (`R1`, `R2`, …),
/// GAME_RULES.md §2.2–2.3.
fn is_dynamic(id: &str) -> bool {
    id == sector_core::faction::LEAGUE_REGISTRATION_ID
        || id.strip_prefix('R').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The configured factions of a run from its registry: the registry lists them first, then the
/// League and rebels as they appear (WIRE.md §4), so they are the entries before the first
/// dynamic one. This is what the sim plays, whatever the API's own game config says.
fn claimable(factions: &[FactionFacts]) -> Arc<[FactionInfo]> {
    factions
        .iter()
        .take_while(|f| !is_dynamic(&f.id))
        .map(|f| FactionInfo { id: f.id.clone(), name: f.name.clone() })
        .collect()
}

impl SnapshotView {
    /// `Err` when the stored text is not JSON (a foreign or broken writer).
    pub fn parse(data: &str) -> Result<Self, ApiError> {
        let json = json_text::compact(data)
            .ok_or_else(|| ApiError::Unavailable("stored snapshot is not valid JSON".into()))?;
        let (systems, factions, claimable) = match serde_json::from_str::<Facts>(&json) {
            Ok(facts) => (
                facts.systems.map(|s| s.len()),
                facts.factions.iter().map(|f| f.id.clone()).collect(),
                claimable(&facts.factions),
            ),
            Err(error) => {
                tracing::warn!(%error, "stored snapshot lacks the expected shape; order ids and factions unchecked");
                (None, Vec::new(), Arc::from([]))
            }
        };
        Ok(Self { json: Bytes::from(json.into_owned()), systems, factions, claimable })
    }
}

/// Universe id and its human-held factions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsView {
    pub universe: String,
    pub humans: BTreeSet<String>,
}

/// One cached value with single-flight refresh.
pub struct TtlCache<T> {
    ttl: Duration,
    slot: RwLock<Option<(Instant, T)>>,
    refresh: tokio::sync::Mutex<()>,
}

impl<T: Clone> TtlCache<T> {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, slot: RwLock::new(None), refresh: tokio::sync::Mutex::new(()) }
    }

    fn fresh(&self) -> Option<T> {
        let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
        match &*slot {
            Some((at, value)) if at.elapsed() < self.ttl => Some(value.clone()),
            _ => None,
        }
    }

    /// The cached value, or `load`'s (errors are not cached).
    pub async fn get<F, Fut>(&self, load: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        if self.ttl.is_zero() {
            return load().await;
        }
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let _refreshing = self.refresh.lock().await;
        // Another request may have refreshed while this one waited.
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        self.refresh(load).await
    }

    /// `load`'s value, stored as the cached one (errors are not cached).
    pub async fn refresh<F, Fut>(&self, load: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let value = load().await?;
        if !self.ttl.is_zero() {
            *self.slot.write().unwrap_or_else(PoisonError::into_inner) =
                Some((Instant::now(), value.clone()));
        }
        Ok(value)
    }
}

async fn load_snapshot<S: SnapshotStore>(store: &S) -> Result<Option<Arc<SnapshotView>>, ApiError> {
    match store.snapshot().await? {
        Some(stored) => Ok(Some(Arc::new(SnapshotView::parse(&stored.data)?))),
        None => Ok(None),
    }
}

/// The cached views.
pub struct ReadCache {
    snapshot: TtlCache<Option<Arc<SnapshotView>>>,
    claims: TtlCache<Arc<ClaimsView>>,
}

impl ReadCache {
    pub fn new(ttl: Duration) -> Self {
        Self { snapshot: TtlCache::new(ttl), claims: TtlCache::new(ttl) }
    }

    /// The current snapshot (`None` before the sim saved one).
    pub async fn snapshot<S: SnapshotStore>(&self, store: &S) -> Result<Option<Arc<SnapshotView>>, ApiError> {
        self.snapshot.get(|| load_snapshot(store)).await
    }

    /// The stored snapshot read now, bypassing (and refreshing) the cache: for when the cached
    /// one may be a tick behind what a caller already saw.
    pub async fn snapshot_now<S: SnapshotStore>(
        &self,
        store: &S,
    ) -> Result<Option<Arc<SnapshotView>>, ApiError> {
        self.snapshot.refresh(|| load_snapshot(store)).await
    }

    /// The current universe and its human-held factions.
    pub async fn claims<S: Store>(&self, store: &S) -> Result<Arc<ClaimsView>, ApiError> {
        self.claims
            .get(|| async {
                let universe = store.universe_id().await?;
                let humans = store.human_factions(&universe).await?.into_iter().collect();
                Ok(Arc::new(ClaimsView { universe, humans }))
            })
            .await
    }

    /// The universe the claims view last saw, to hint a player's order request
    /// (`PlayerOrders::universe_hint`): the store checks a hint, so a stale one is harmless.
    /// `None` when caching is off, where loading the view would cost more than it saves.
    pub async fn universe_hint<S: Store>(&self, store: &S) -> Result<Option<Arc<ClaimsView>>, ApiError> {
        if self.claims.ttl.is_zero() {
            return Ok(None);
        }
        self.claims(store).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cache_window_and_errors() {
        let cache = TtlCache::new(Duration::from_secs(60));
        assert_eq!(cache.get(|| async { Ok(1) }).await.unwrap(), 1);
        assert_eq!(cache.get(|| async { Ok(2) }).await.unwrap(), 1, "cached");
        let off = TtlCache::new(Duration::ZERO);
        assert!(off.get(|| async { Err::<i32, _>(ApiError::Unavailable("down".into())) }).await.is_err());
        assert_eq!(off.get(|| async { Ok(3) }).await.unwrap(), 3, "errors are not cached");
    }

    #[test]
    fn facts() {
        let view = SnapshotView::parse(
            r#"{"systems": [{"id": 0}, {"id": 1}], "factions": [{"id": "F1", "name": "x"}, {"id": "L"}]}"#,
        )
        .unwrap();
        assert_eq!(view.systems, Some(2));
        assert_eq!(view.factions, ["F1", "L"]);
        assert_eq!(&*view.claimable, [FactionInfo { id: "F1".into(), name: "x".into() }]);
        assert_eq!(
            &view.json[..],
            br#"{"systems":[{"id":0},{"id":1}],"factions":[{"id":"F1","name":"x"},{"id":"L"}]}"#
        );
        let odd = SnapshotView::parse(r#"{"systems": 3}"#).unwrap();
        assert_eq!((odd.systems, odd.factions.len()), (None, 0));
        assert!(SnapshotView::parse("{").is_err());
    }

    #[test]
    fn claimable_factions_stop_at_the_first_league_or_rebel() {
        let view = SnapshotView::parse(
            r#"{"factions": [{"id": "F1", "name": "Empire"}, {"id": "F2", "name": "Pirates"},
                {"id": "R1", "name": "Empire Rebels 1"}, {"id": "L", "name": "League"}, {"id": "R2"}]}"#,
        )
        .unwrap();
        let ids: Vec<&str> = view.claimable.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["F1", "F2"]);
        assert_eq!(view.claimable[1].name, "Pirates");
        assert_eq!(view.factions.len(), 5, "bots may still order every registry faction");
        // Template ids that merely start with R or L are configured factions.
        let view = SnapshotView::parse(r#"{"factions": [{"id": "Raiders"}, {"id": "Lords"}, {"id": "R"}]}"#)
            .unwrap();
        assert_eq!(view.claimable.len(), 3);
    }
}
