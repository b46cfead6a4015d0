//! Bot autoscaling: replicas = clamp(ceil(bot-played factions / factionsPerReplica), min, max),
//! with a scale-down stabilization window (like the HorizontalPodAutoscaler's): scaling up is
//! immediate, scaling down goes only to the highest recommendation of the last window, so a
//! claim made and released within the window moves nothing.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::crd::BotsSpec;

/// The replica count for `bot_played` factions, within the spec's bounds.
pub fn recommended(spec: &BotsSpec, bot_played: i32) -> i32 {
    let per = spec.factions_per_replica().max(1);
    let wanted = if bot_played <= 0 { 0 } else { (bot_played + per - 1) / per };
    let (min, max) = (spec.min_replicas().max(0), spec.max_replicas().max(0));
    wanted.clamp(min, max.max(min))
}

/// Recent recommendations of one universe.
#[derive(Debug, Clone, Default)]
pub struct Stabilizer {
    history: VecDeque<(Instant, i32)>,
}

impl Stabilizer {
    /// A stabilizer that remembers `current` (e.g. the last desired count in status, after an
    /// operator restart) as recommended now, so a restart never scales down at once.
    pub fn starting_at(current: i32, now: Instant) -> Self {
        Self { history: VecDeque::from([(now, current)]) }
    }

    /// Records `recommendation` at `now` and returns the count to use: the highest
    /// recommendation within `window` (which includes this one).
    /// The stabilized value as of the last recommendation, without recording one: `None`
    /// before the first.
    pub fn peek(&self) -> Option<i32> {
        self.history.iter().map(|(_, r)| *r).max()
    }

    pub fn stabilize(&mut self, recommendation: i32, now: Instant, window: Duration) -> i32 {
        self.history.push_back((now, recommendation));
        while let Some((at, _)) = self.history.front() {
            if now.saturating_duration_since(*at) > window {
                self.history.pop_front();
            } else {
                break;
            }
        }
        self.history.iter().map(|(_, r)| *r).max().unwrap_or(recommendation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(min: i32, max: i32, per: i32) -> BotsSpec {
        BotsSpec {
            min_replicas: Some(min),
            max_replicas: Some(max),
            factions_per_replica: Some(per),
            resources: None,
        }
    }

    #[test]
    fn replicas_follow_bot_played_factions_within_bounds() {
        let s = spec(1, 4, 3);
        assert_eq!(recommended(&s, 0), 1);
        assert_eq!(recommended(&s, 3), 1);
        assert_eq!(recommended(&s, 4), 2);
        assert_eq!(recommended(&s, 7), 3);
        assert_eq!(recommended(&s, 100), 4);
        assert_eq!(recommended(&spec(0, 4, 3), 0), 0);
        assert_eq!(recommended(&BotsSpec::default(), 6), 2);
    }

    #[test]
    fn scale_up_is_immediate_and_scale_down_waits_for_the_window() {
        let window = Duration::from_secs(120);
        let t0 = Instant::now();
        let mut s = Stabilizer::starting_at(2, t0);
        assert_eq!(s.stabilize(3, t0 + Duration::from_secs(1), window), 3);
        // Claims taken: fewer bot-played factions, but 3 was recommended within the window.
        assert_eq!(s.stabilize(1, t0 + Duration::from_secs(30), window), 3);
        assert_eq!(s.stabilize(1, t0 + Duration::from_secs(100), window), 3);
        // The window has passed since the last 3.
        assert_eq!(s.stabilize(1, t0 + Duration::from_secs(122), window), 1);
        assert_eq!(s.stabilize(4, t0 + Duration::from_secs(123), window), 4);
        assert_eq!(Stabilizer::default().stabilize(2, t0, Duration::ZERO), 2);
    }
}
