//! Where randomness enters: the seeds of new runs and this worker's id. The engine never draws
//! from the OS (KNOWN_DEFECTS E1/E4); a random seed is drawn here, once per run, and recorded
//! (in the snapshot's `generator_seed` and the run's first applied-orders record), so the run
//! can always be replayed.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use sector_core::seed::{SEED_MASK, normalize_seed_json, normalize_seed_str};

/// 64 bits from the OS-seeded hasher keys, the clock and the process id (not cryptographic;
/// enough for map seeds and id suffixes).
fn entropy() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    hasher.write_u128(now);
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// A fresh map seed in [0, 2^48), like the reference's random seeds (WIRE.md §4).
pub fn random_seed() -> i64 {
    (entropy() & SEED_MASK) as i64
}

/// What decides a new run's seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedSource {
    /// Supplied with a restart request: used when it normalizes to a seed, else random
    /// (GAME_RULES.md §10.3 step 3: not the configured one).
    Requested(String),
    /// The configured seed (`SECTOR_SEED`, else the game config's `sector_seed`), else random.
    Configured,
}

/// The effective seed for a new run, and whether it was drawn at random.
pub fn choose(source: &SeedSource, config: &crate::SimConfig) -> (i64, bool) {
    let fixed = match source {
        SeedSource::Requested(text) => normalize_seed_str(text),
        SeedSource::Configured => match &config.seed {
            Some(text) => normalize_seed_str(text),
            None => config.game.sector_seed.as_ref().and_then(normalize_seed_json),
        },
    };
    match fixed {
        Some(seed) => (seed, false),
        None => (random_seed(), true),
    }
}

/// Host name plus a random suffix: unique per process even when two workers share a host
/// name (KNOWN_DEFECTS F5).
pub fn default_worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "sim".to_owned());
    format!("{host}-{:06x}", entropy() & 0xff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_seeds_fit_48_bits_and_vary() {
        let seeds: Vec<i64> = (0..8).map(|_| random_seed()).collect();
        assert!(seeds.iter().all(|s| (0..1 << 48).contains(s)));
        assert!(seeds.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn seed_choice() {
        let mut config = crate::SimConfig::new(sector_core::Config::default());
        assert_eq!(choose(&SeedSource::Requested("42".into()), &config), (42, false));
        assert!(choose(&SeedSource::Requested("  ".into()), &config).1, "blank request ⇒ random");
        assert!(choose(&SeedSource::Configured, &config).1, "nothing configured ⇒ random");
        config.game.sector_seed = Some(serde_json::json!(7));
        assert_eq!(choose(&SeedSource::Configured, &config), (7, false));
        config.seed = Some("9".into());
        assert_eq!(choose(&SeedSource::Configured, &config), (9, false));
        assert!(
            choose(&SeedSource::Requested("".into()), &config).1,
            "blank request is not the configured seed"
        );
    }

    #[test]
    fn worker_ids_differ() {
        assert_ne!(default_worker_id(), default_worker_id());
    }
}
