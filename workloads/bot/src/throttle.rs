//! Rate limiting for repeated warnings: an unreachable API or store would otherwise log on
//! every iteration (several times a second with the Kubernetes settings).

use std::time::Duration;

use tokio::time::Instant;

/// Lets one warning through per `every`, counting the ones it held back.
#[derive(Debug, Clone)]
pub struct WarnThrottle {
    every: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl WarnThrottle {
    pub fn new(every: Duration) -> Self {
        Self { every, last: None, suppressed: 0 }
    }

    /// `Some(n)` if a warning may be logged now, `n` being how many were held back since the
    /// last one; `None` (and one more held back) otherwise.
    pub fn ready(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|last| now.duration_since(last) < self.every) {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }

    /// Forgets the last warning, so the next problem is reported at once (after a recovery).
    pub fn reset(&mut self) {
        self.last = None;
        self.suppressed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_per_period() {
        let mut throttle = WarnThrottle::new(Duration::from_secs(3600));
        assert_eq!(throttle.ready(), Some(0));
        assert_eq!(throttle.ready(), None);
        assert_eq!(throttle.ready(), None);
        throttle.reset();
        assert_eq!(throttle.ready(), Some(0));
        let mut always = WarnThrottle::new(Duration::ZERO);
        assert_eq!((always.ready(), always.ready()), (Some(0), Some(0)));
    }
}
