//! Redis key names (WIRE.md §3), in one place so every service addresses the same keys.
//!
//! The prefix defaults to `sector`, giving exactly the reference's names, so readers written
//! against the reference (and operators poking at Redis by hand) keep working. The three keys the
//! reference made configurable through the environment (`EVENT_STREAM`, `ORDER_STREAM`,
//! `SNAPSHOT_KEY`) can be overridden one by one.

/// Default key prefix.
pub const DEFAULT_PREFIX: &str = "sector";

/// Default consumer group of the order stream (`ORDER_GROUP`).
pub const DEFAULT_ORDER_GROUP: &str = "sim";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
    events: String,
    orders: String,
    snapshot: String,
    order_group: String,
}

impl Default for Keys {
    fn default() -> Self {
        Self::new(DEFAULT_PREFIX)
    }
}

impl Keys {
    /// Keys under `prefix` (`{prefix}:universe_id`, `{prefix}:events`, ...).
    pub fn new(prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        Self {
            events: format!("{prefix}:events"),
            orders: format!("{prefix}:orders"),
            snapshot: format!("{prefix}:snapshot"),
            order_group: DEFAULT_ORDER_GROUP.to_owned(),
            prefix,
        }
    }

    /// Keys under `prefix` with the overrides a service's configuration names: `lookup` is asked
    /// for `EVENT_STREAM`, `ORDER_STREAM`, `SNAPSHOT_KEY` and `ORDER_GROUP` (e.g. the parsed
    /// environment); absent or empty values keep the defaults.
    pub fn from_lookup(prefix: impl Into<String>, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let mut keys = Self::new(prefix);
        if let Some(v) = get("EVENT_STREAM") {
            keys = keys.with_event_stream(v);
        }
        if let Some(v) = get("ORDER_STREAM") {
            keys = keys.with_order_stream(v);
        }
        if let Some(v) = get("SNAPSHOT_KEY") {
            keys = keys.with_snapshot_key(v);
        }
        if let Some(v) = get("ORDER_GROUP") {
            keys = keys.with_order_group(v);
        }
        keys
    }

    /// Overrides the event stream key (`EVENT_STREAM`).
    pub fn with_event_stream(mut self, key: impl Into<String>) -> Self {
        self.events = key.into();
        self
    }

    /// Overrides the order stream key (`ORDER_STREAM`).
    pub fn with_order_stream(mut self, key: impl Into<String>) -> Self {
        self.orders = key.into();
        self
    }

    /// Overrides the snapshot hash key (`SNAPSHOT_KEY`).
    pub fn with_snapshot_key(mut self, key: impl Into<String>) -> Self {
        self.snapshot = key.into();
        self
    }

    /// Overrides the order stream's consumer group (`ORDER_GROUP`).
    pub fn with_order_group(mut self, group: impl Into<String>) -> Self {
        self.order_group = group.into();
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn order_group(&self) -> &str {
        &self.order_group
    }

    pub fn events(&self) -> &str {
        &self.events
    }

    pub fn orders(&self) -> &str {
        &self.orders
    }

    pub fn snapshot(&self) -> &str {
        &self.snapshot
    }

    pub fn universe_id(&self) -> String {
        format!("{}:universe_id", self.prefix)
    }

    pub fn lease(&self) -> String {
        format!("{}:lease", self.prefix)
    }

    /// Monotonic fencing-token counter; never deleted, so tokens only grow.
    pub fn lease_token(&self) -> String {
        format!("{}:lease:token", self.prefix)
    }

    pub fn human_factions(&self, universe: &str) -> String {
        format!("{}:human_factions:{universe}", self.prefix)
    }

    pub fn player_faction_prefix(&self) -> String {
        format!("{}:player:faction", self.prefix)
    }

    pub fn player_faction(&self, universe: &str, address: &str) -> String {
        format!("{}:{universe}:{address}", self.player_faction_prefix())
    }

    pub fn faction_player_prefix(&self) -> String {
        format!("{}:faction:player", self.prefix)
    }

    pub fn faction_player(&self, universe: &str, faction: &str) -> String {
        format!("{}:{universe}:{faction}", self.faction_player_prefix())
    }

    pub fn nonce(&self, address: &str) -> String {
        format!("{}:auth:nonce:{address}", self.prefix)
    }

    pub fn session(&self, jti: &str) -> String {
        format!("{}:session:{jti}", self.prefix)
    }

    pub fn session_prefix(&self) -> String {
        format!("{}:session", self.prefix)
    }

    pub fn address_sessions(&self, address: &str) -> String {
        format!("{}:session:addr:{address}", self.prefix)
    }

    /// Applied-orders log of one run (one entry per tick).
    pub fn applied(&self, universe: &str) -> String {
        format!("{}:applied:{universe}", self.prefix)
    }

    /// Full saved world state (hash: `universe`, `tick`, `data`).
    pub fn state(&self) -> String {
        format!("{}:state", self.prefix)
    }

    /// Control hash: operator/API intent and the sim's applied status.
    pub fn control(&self) -> String {
        format!("{}:control", self.prefix)
    }

    /// Legacy pause flag of the reference (`PAUSE_KEY:{u}`).
    pub fn legacy_pause(&self, universe: &str) -> String {
        format!("{}:pause:{universe}", self.prefix)
    }

    /// Legacy bots-only flag of the reference (`BOTS_ONLY_KEY:{u}`).
    pub fn legacy_bots_only(&self, universe: &str) -> String {
        format!("{}:bots_only:{universe}", self.prefix)
    }

    /// Legacy restart request of the reference (`RESTART_KEY`).
    pub fn legacy_restart(&self) -> String {
        format!("{}:restart", self.prefix)
    }

    /// Live bot replicas (sorted set scored by expiry time in ms).
    pub fn bot_members(&self) -> String {
        format!("{}:bots:members", self.prefix)
    }

    /// Award jobs: a stream of runs won by a human-claimed faction, drained by the minter.
    pub fn awards(&self) -> String {
        format!("{}:awards", self.prefix)
    }

    /// Wins per player wallet address (sorted set, score = wins).
    pub fn leaderboard_players(&self) -> String {
        format!("{}:leaderboard:players", self.prefix)
    }

    /// Wins per faction id (sorted set, score = wins).
    pub fn leaderboard_factions(&self) -> String {
        format!("{}:leaderboard:factions", self.prefix)
    }

    /// The name each faction had when it last won (hash faction id → name).
    pub fn leaderboard_faction_names(&self) -> String {
        format!("{}:leaderboard:faction_names", self.prefix)
    }

    /// The minter's record of the award of one run (JSON), its idempotency key.
    pub fn mint_record(&self, universe: &str, run: &str) -> String {
        format!("{}:awards:minted:{universe}:{run}", self.prefix)
    }

    /// The lock a minter holds while it works on the award of one run.
    pub fn mint_lock(&self, universe: &str, run: &str) -> String {
        format!("{}:awards:lock:{universe}:{run}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_match_the_reference() {
        let k = Keys::default();
        assert_eq!(k.universe_id(), "sector:universe_id");
        assert_eq!(k.lease(), "sector:lease");
        assert_eq!(k.human_factions("3"), "sector:human_factions:3");
        assert_eq!(k.player_faction("3", "0xab"), "sector:player:faction:3:0xab");
        assert_eq!(k.faction_player("3", "ultra"), "sector:faction:player:3:ultra");
        assert_eq!(k.nonce("0xab"), "sector:auth:nonce:0xab");
        assert_eq!(k.session("j1"), "sector:session:j1");
        assert_eq!(k.address_sessions("0xab"), "sector:session:addr:0xab");
        assert_eq!(k.snapshot(), "sector:snapshot");
        assert_eq!(k.events(), "sector:events");
        assert_eq!(k.orders(), "sector:orders");
        assert_eq!(k.legacy_pause("3"), "sector:pause:3");
        assert_eq!(k.legacy_bots_only("3"), "sector:bots_only:3");
        assert_eq!(k.legacy_restart(), "sector:restart");
        assert_eq!(k.order_group(), "sim");
        assert_eq!(k.awards(), "sector:awards");
        assert_eq!(k.leaderboard_players(), "sector:leaderboard:players");
        assert_eq!(k.leaderboard_factions(), "sector:leaderboard:factions");
        assert_eq!(k.mint_record("blue", "5"), "sector:awards:minted:blue:5");
        assert_eq!(k.mint_lock("blue", "5"), "sector:awards:lock:blue:5");
    }

    #[test]
    fn prefix_and_overrides() {
        let k = Keys::new("u7")
            .with_event_stream("ev")
            .with_order_stream("or")
            .with_snapshot_key("snap")
            .with_order_group("g");
        assert_eq!(k.universe_id(), "u7:universe_id");
        assert_eq!(k.applied("2"), "u7:applied:2");
        assert_eq!((k.events(), k.orders(), k.snapshot(), k.order_group()), ("ev", "or", "snap", "g"));
    }

    #[test]
    fn overrides_from_a_lookup() {
        let k = Keys::from_lookup("sector", |name| match name {
            "EVENT_STREAM" => Some("blue:events".to_owned()),
            "SNAPSHOT_KEY" => Some(String::new()),
            _ => None,
        });
        assert_eq!(k.events(), "blue:events");
        assert_eq!(k.snapshot(), "sector:snapshot");
        assert_eq!(k.orders(), "sector:orders");
        assert_eq!(k.order_group(), "sim");
    }
}
