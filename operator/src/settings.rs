//! The operator's configuration, parsed once from environment variables into a typed struct.
//! Every problem names the variable.

use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{var}={value:?}: {reason}")]
    Invalid { var: &'static str, value: String, reason: &'static str },
}

/// Operator-wide settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `SECTOR_IMAGE`: image of the workloads when a universe names none.
    pub default_image: String,
    /// `REDIS_IMAGE`: Redis image when a universe names none.
    pub redis_image: String,
    /// `OPERATOR_NAMESPACE` (downward API): where the operator runs; its pods may reach every
    /// universe's Redis.
    pub operator_namespace: String,
    /// `CLUSTER_DOMAIN`: DNS suffix of Services, for the operator's Redis connections.
    pub cluster_domain: String,
    /// `WATCH_NAMESPACE`: only this namespace (empty: all).
    pub watch_namespace: Option<String>,
    /// `POD_NAME` (downward API): this replica's identity in the leader Lease and in Events.
    pub pod_name: String,
    /// `METRICS_PORT`: `/metrics` and `/health`.
    pub metrics_port: u16,
    /// `RESYNC_SECONDS`: how often a healthy universe is reconciled to refresh its status and
    /// bot count.
    pub resync: Duration,
    /// `REAPPLY_SECONDS`: children unchanged since they were applied are applied again after
    /// this long anyway (drift repair beyond what watch events report).
    pub reapply: Duration,
    /// `BOT_SCALE_DOWN_WINDOW_SECONDS`: bots scale down only to the highest count recommended
    /// within this window (scale-up is immediate).
    pub bot_scale_down_window: Duration,
    /// `LEADER_ELECTION`: take a coordination Lease before reconciling (the chart runs 2 replicas).
    pub leader_election: bool,
    /// `LEASE_NAME`: the Lease in `OPERATOR_NAMESPACE`.
    pub lease_name: String,
    /// `LEASE_DURATION_SECONDS`: how long a leader's claim lasts without renewal.
    pub lease_duration: Duration,
    /// `RECONCILE_CONCURRENCY`: universes reconciled at once.
    pub concurrency: u16,
    /// `STATUS_TICK_REFRESH_SECONDS`: `status.tick` alone moving does not cause a status write;
    /// it is refreshed at most this often (a status written for any other reason carries the
    /// current tick). 0: on every reconcile.
    pub status_tick_refresh: Duration,
    /// `MANAGE_CRD`: apply the operator's own SectorUniverse CRD at start (server-side apply,
    /// so an upgraded operator upgrades its CRD) and wait until it is Established.
    pub manage_crd: bool,
    /// `REDIS_TIMEOUT_MS`: the longest a reconcile waits on a universe's Redis (name lookup,
    /// connect and reads together), so one unreachable Redis cannot hold a reconcile slot.
    pub redis_timeout: Duration,
    /// `REDIS_RETRY_MAX_SECONDS`: while a universe's Redis stays unreachable it is tried again
    /// after 5 s, 10 s, 20 s … up to this (sooner when its StatefulSet becomes ready).
    pub redis_retry_max: Duration,
    /// How long a child just applied may be missing from the watch cache before the operator
    /// believes the cache (not an env var: watch events trail writes by well under this; tests
    /// with a cache they fill themselves set it to zero).
    pub cache_lag: Duration,
    /// How long a reconcile waits for its universe's Redis read before going on without it
    /// (not an env var: the read goes on and triggers a reconcile when it ends; tests on a
    /// loaded machine wait longer so each reconcile sees its read).
    pub redis_wait: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_image: "sector:latest".to_owned(),
            redis_image: "redis:7.2-alpine".to_owned(),
            operator_namespace: "sector-system".to_owned(),
            cluster_domain: "cluster.local".to_owned(),
            watch_namespace: None,
            pod_name: "sector-operator".to_owned(),
            metrics_port: 8080,
            resync: Duration::from_secs(30),
            reapply: Duration::from_secs(600),
            bot_scale_down_window: Duration::from_secs(120),
            leader_election: true,
            lease_name: "sector-operator".to_owned(),
            lease_duration: Duration::from_secs(15),
            concurrency: 32,
            status_tick_refresh: Duration::from_secs(300),
            manage_crd: true,
            redis_timeout: Duration::from_millis(1500),
            redis_retry_max: Duration::from_secs(60),
            cache_lag: Duration::from_secs(15),
            redis_wait: Duration::from_millis(200),
        }
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(std::env::vars())
    }

    /// Parses the given variables (names case-sensitive, as Kubernetes sets them).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, SettingsError> {
        let env: HashMap<String, String> = vars
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect();
        let mut s = Self::default();
        let text = |var: &str, target: &mut String| {
            if let Some(v) = env.get(var) {
                *target = v.clone();
            }
        };
        text("SECTOR_IMAGE", &mut s.default_image);
        text("REDIS_IMAGE", &mut s.redis_image);
        text("OPERATOR_NAMESPACE", &mut s.operator_namespace);
        text("CLUSTER_DOMAIN", &mut s.cluster_domain);
        text("POD_NAME", &mut s.pod_name);
        text("LEASE_NAME", &mut s.lease_name);
        s.watch_namespace = env.get("WATCH_NAMESPACE").cloned();
        let number = |var: &'static str, min: u64| -> Result<Option<u64>, SettingsError> {
            let Some(raw) = env.get(var) else { return Ok(None) };
            match raw.parse::<u64>() {
                Ok(n) if n >= min => Ok(Some(n)),
                Ok(_) => Err(SettingsError::Invalid { var, value: raw.clone(), reason: "too small" }),
                Err(_) => {
                    Err(SettingsError::Invalid { var, value: raw.clone(), reason: "expected a whole number" })
                }
            }
        };
        if let Some(port) = number("METRICS_PORT", 1)? {
            s.metrics_port = u16::try_from(port).map_err(|_| SettingsError::Invalid {
                var: "METRICS_PORT",
                value: port.to_string(),
                reason: "not a port",
            })?;
        }
        if let Some(secs) = number("RESYNC_SECONDS", 1)? {
            s.resync = Duration::from_secs(secs);
        }
        if let Some(secs) = number("REAPPLY_SECONDS", 0)? {
            s.reapply = Duration::from_secs(secs);
        }
        if let Some(secs) = number("BOT_SCALE_DOWN_WINDOW_SECONDS", 0)? {
            s.bot_scale_down_window = Duration::from_secs(secs);
        }
        if let Some(secs) = number("LEASE_DURATION_SECONDS", 2)? {
            s.lease_duration = Duration::from_secs(secs);
        }
        if let Some(n) = number("RECONCILE_CONCURRENCY", 1)? {
            s.concurrency = u16::try_from(n).unwrap_or(u16::MAX);
        }
        if let Some(ms) = number("REDIS_TIMEOUT_MS", 50)? {
            s.redis_timeout = Duration::from_millis(ms);
        }
        if let Some(secs) = number("REDIS_RETRY_MAX_SECONDS", 1)? {
            s.redis_retry_max = Duration::from_secs(secs);
        }
        if let Some(secs) = number("STATUS_TICK_REFRESH_SECONDS", 0)? {
            s.status_tick_refresh = Duration::from_secs(secs);
        }
        let flag = |var: &'static str, target: &mut bool| -> Result<(), SettingsError> {
            if let Some(raw) = env.get(var) {
                *target = sector_store::parse_bool(raw).ok_or_else(|| SettingsError::Invalid {
                    var,
                    value: raw.clone(),
                    reason: "expected true or false",
                })?;
            }
            Ok(())
        };
        flag("LEADER_ELECTION", &mut s.leader_election)?;
        flag("MANAGE_CRD", &mut s.manage_crd)?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(Settings::from_vars(vars(&[])).unwrap(), Settings::default());
        let s = Settings::from_vars(vars(&[
            ("SECTOR_IMAGE", "sector:1.2"),
            ("RESYNC_SECONDS", "10"),
            ("LEADER_ELECTION", "false"),
            ("WATCH_NAMESPACE", "games"),
            ("METRICS_PORT", " "),
            ("STATUS_TICK_REFRESH_SECONDS", "0"),
            ("MANAGE_CRD", "false"),
        ]))
        .unwrap();
        assert_eq!(s.status_tick_refresh, Duration::ZERO);
        assert!(!s.manage_crd);
        let defaults = Settings::default();
        assert_eq!((defaults.status_tick_refresh, defaults.manage_crd), (Duration::from_secs(300), true));
        assert_eq!(s.default_image, "sector:1.2");
        assert_eq!(s.resync, Duration::from_secs(10));
        assert!(!s.leader_election);
        assert_eq!(s.watch_namespace.as_deref(), Some("games"));
        assert_eq!(s.metrics_port, 8080);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = Settings::from_vars(vars(&[("RESYNC_SECONDS", "soon")])).unwrap_err();
        assert_eq!(err.to_string(), "RESYNC_SECONDS=\"soon\": expected a whole number");
        let err = Settings::from_vars(vars(&[("MANAGE_CRD", "sometimes")])).unwrap_err();
        assert_eq!(err.to_string(), "MANAGE_CRD=\"sometimes\": expected true or false");
        let err = Settings::from_vars(vars(&[("METRICS_PORT", "70000")])).unwrap_err();
        assert!(err.to_string().starts_with("METRICS_PORT"), "{err}");
    }
}
