//! Stream entry ids and entries, shared by the order, event and applied-orders streams.
//!
//! Ids have Redis's shape (`<milliseconds>-<sequence>`) in both backends, so a client can keep a
//! resume position across a switch of backend and the ids appear unchanged on the wire.

use std::fmt;
use std::str::FromStr;

use crate::error::StoreError;

/// A stream entry id, ordered like Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EntryId {
    pub ms: u64,
    pub seq: u64,
}

impl EntryId {
    /// `0-0`: "from the beginning".
    pub const ZERO: EntryId = EntryId { ms: 0, seq: 0 };

    pub const fn new(ms: u64, seq: u64) -> Self {
        Self { ms, seq }
    }

    /// The smallest id greater than `self`.
    pub fn next(self) -> Self {
        match self.seq.checked_add(1) {
            Some(seq) => Self { ms: self.ms, seq },
            None => Self { ms: self.ms.saturating_add(1), seq: 0 },
        }
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl FromStr for EntryId {
    type Err = StoreError;

    /// Accepts `ms-seq` and a bare `ms` (sequence 0), as Redis does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || StoreError::invalid("stream entry id", format!("{s:?} is not <ms>-<seq>"));
        let (ms, seq) = match s.split_once('-') {
            Some((ms, seq)) => (ms, seq),
            None => (s, "0"),
        };
        let ms = ms.parse().map_err(|_| bad())?;
        let seq = seq.parse().map_err(|_| bad())?;
        Ok(Self { ms, seq })
    }
}

impl serde::Serialize for EntryId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for EntryId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One stream entry. Sector's streams carry a single field `data` (JSON text); an entry written
/// by someone else without that field has `data: None` (the sim treats it as "no orders").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    pub id: EntryId,
    pub data: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_display_order() {
        let a: EntryId = "1700000000000-3".parse().unwrap_or_default();
        assert_eq!(a, EntryId::new(1_700_000_000_000, 3));
        assert_eq!(a.to_string(), "1700000000000-3");
        assert_eq!("42".parse::<EntryId>().ok(), Some(EntryId::new(42, 0)));
        assert!("x-1".parse::<EntryId>().is_err());
        assert!("1-".parse::<EntryId>().is_err());
        assert!(EntryId::new(1, 9) < EntryId::new(2, 0));
        assert_eq!(EntryId::new(1, u64::MAX).next(), EntryId::new(2, 0));
    }
}
