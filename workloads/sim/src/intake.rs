//! Order intake: order-stream entries parsed per WIRE.md §6.1, held in an inbox until the tick
//! that applies them commits, and filtered per GAME_RULES.md §11.1.
//!
//! A malformed message (not JSON, not an object, `orders` not a list) never stops the loop: it
//! is consumed like any other entry, acknowledged in the commit of the tick that took it, counted
//! and logged. A malformed order inside a message (missing, unknown or mistyped field) skips that
//! order only.

use std::collections::BTreeMap;

use sector_core::Order;
use sector_store::{EntryId, StreamEntry};
use serde_json::{Map, Value};

/// Why a whole message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadMessage {
    InvalidJson,
    NotAnObject,
    OrdersNotAList,
}

impl BadMessage {
    pub fn as_str(self) -> &'static str {
        match self {
            BadMessage::InvalidJson => "invalid_json",
            BadMessage::NotAnObject => "not_an_object",
            BadMessage::OrdersNotAList => "orders_not_a_list",
        }
    }
}

/// An order as read from the stream, with the API's `source` tag.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingOrder {
    pub order: Order,
    pub source: Option<String>,
}

/// One parsed stream entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Orders {
        orders: Vec<IncomingOrder>,
        /// Orders skipped for bad fields.
        malformed: usize,
    },
    Bad(BadMessage),
}

/// Parses an entry's `data`. A missing field or a missing `orders` member is no orders.
pub fn parse_entry(data: Option<&str>) -> Parsed {
    let Some(data) = data else { return Parsed::Orders { orders: Vec::new(), malformed: 0 } };
    let value: Value = match serde_json::from_str(data) {
        Ok(value) => value,
        Err(_) => return Parsed::Bad(BadMessage::InvalidJson),
    };
    let Value::Object(message) = value else { return Parsed::Bad(BadMessage::NotAnObject) };
    let items = match message.get("orders") {
        None | Some(Value::Null) => return Parsed::Orders { orders: Vec::new(), malformed: 0 },
        Some(Value::Array(items)) => items,
        Some(_) => return Parsed::Bad(BadMessage::OrdersNotAList),
    };
    let mut orders = Vec::with_capacity(items.len());
    let mut malformed = 0;
    for item in items {
        match item.as_object().and_then(parse_order) {
            Some(order) => orders.push(order),
            None => malformed += 1,
        }
    }
    Parsed::Orders { orders, malformed }
}

/// The §6.1 keys; any other key, a missing required key or a wrong type skips the order.
fn parse_order(fields: &Map<String, Value>) -> Option<IncomingOrder> {
    const KEYS: [&str; 6] = ["faction", "origin_id", "target_id", "reason", "fleet_id", "source"];
    if fields.keys().any(|k| !KEYS.contains(&k.as_str())) {
        return None;
    }
    let faction = fields.get("faction")?.as_str()?.to_owned();
    let origin_id = integer(fields.get("origin_id")?)?;
    let target_id = integer(fields.get("target_id")?)?;
    let reason = optional(fields.get("reason"), |v| v.as_str().map(str::to_owned))?;
    let fleet_id = optional(fields.get("fleet_id"), integer)?;
    let source = optional(fields.get("source"), |v| v.as_str().map(str::to_owned))?;
    Some(IncomingOrder { order: Order { faction, origin_id, target_id, fleet_id, reason }, source })
}

/// An integer, also written as an integral float (`5.0`, as a Python writer might).
fn integer(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let f = value.as_f64()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

/// `Some(None)` for absent or null, `Some(Some(v))` for a valid value, `None` for a bad one.
fn optional<T>(value: Option<&Value>, read: impl Fn(&Value) -> Option<T>) -> Option<Option<T>> {
    match value {
        None | Some(Value::Null) => Some(None),
        Some(v) => read(v).map(Some),
    }
}

/// Drops bot orders for human-claimed factions (§11.1); returns the kept orders and how many
/// were dropped.
pub fn filter_for_humans(orders: Vec<IncomingOrder>, humans: &[String]) -> (Vec<Order>, usize) {
    let before = orders.len();
    let kept: Vec<Order> = orders
        .into_iter()
        .filter(|o| {
            humans.is_empty() || o.source.as_deref() != Some("bot") || !humans.contains(&o.order.faction)
        })
        .map(|o| o.order)
        .collect();
    let dropped = before - kept.len();
    (kept, dropped)
}

/// Entries read from the stream and not yet committed, oldest first. They stay pending in the
/// consumer group until the commit that applies them acknowledges them, so an inbox lost with
/// its worker is recovered from the group (own pending entries, or XAUTOCLAIM by a standby).
#[derive(Debug, Default)]
pub struct Inbox {
    entries: BTreeMap<EntryId, Parsed>,
}

impl Inbox {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds entries not already held; returns the refused messages among the new ones (for
    /// logging once per delivery).
    pub fn add(&mut self, entries: Vec<StreamEntry>) -> Vec<(EntryId, BadMessage)> {
        let mut bad = Vec::new();
        for entry in entries {
            if self.entries.contains_key(&entry.id) {
                continue;
            }
            let parsed = parse_entry(entry.data.as_deref());
            if let Parsed::Bad(reason) = parsed {
                bad.push((entry.id, reason));
            }
            self.entries.insert(entry.id, parsed);
        }
        bad
    }

    /// The oldest `count` entries (left in the inbox until [`Inbox::remove`]).
    pub fn peek(&self, count: usize) -> Vec<(EntryId, &Parsed)> {
        self.entries.iter().take(count).map(|(id, p)| (*id, p)).collect()
    }

    /// Forgets committed entries.
    pub fn remove(&mut self, ids: &[EntryId]) {
        for id in ids {
            self.entries.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orders(data: &str) -> (Vec<IncomingOrder>, usize) {
        match parse_entry(Some(data)) {
            Parsed::Orders { orders, malformed } => (orders, malformed),
            Parsed::Bad(reason) => panic!("refused: {reason:?}"),
        }
    }

    #[test]
    fn well_formed_batches() {
        let (list, bad) = orders(
            r#"{"orders": [{"faction": "F1", "origin_id": 1, "target_id": 2, "source": "human"},
            {"faction": "F2", "origin_id": 3.0, "target_id": 4, "reason": "r", "fleet_id": 7, "source": "bot"},
            {"faction": "F3", "origin_id": 5, "target_id": 6, "reason": null, "fleet_id": null}]}"#,
        );
        assert_eq!(bad, 0);
        assert_eq!(list.len(), 3);
        assert_eq!(list[1].order.origin_id, 3);
        assert_eq!(list[1].order.fleet_id, Some(7));
        assert_eq!(list[1].source.as_deref(), Some("bot"));
        assert_eq!(list[2].order, Order::new("F3", 5, 6));
        assert_eq!(parse_entry(None), Parsed::Orders { orders: vec![], malformed: 0 });
        assert_eq!(parse_entry(Some("{}")), Parsed::Orders { orders: vec![], malformed: 0 });
    }

    #[test]
    fn malformed_messages_and_orders() {
        assert_eq!(parse_entry(Some("{nope")), Parsed::Bad(BadMessage::InvalidJson));
        assert_eq!(parse_entry(Some("[1, 2]")), Parsed::Bad(BadMessage::NotAnObject));
        assert_eq!(parse_entry(Some(r#"{"orders": 5}"#)), Parsed::Bad(BadMessage::OrdersNotAList));
        let (list, bad) = orders(
            r#"{"orders": [5, {"faction": "F1", "origin_id": 1}, {"faction": 1, "origin_id": 1, "target_id": 2},
            {"faction": "F1", "origin_id": "1", "target_id": 2}, {"faction": "F1", "origin_id": 1.5, "target_id": 2},
            {"faction": "F1", "origin_id": 1, "target_id": 2, "extra": true},
            {"faction": "F1", "origin_id": 1, "target_id": 2, "fleet_id": "x"},
            {"faction": "F1", "origin_id": 1, "target_id": 2}]}"#,
        );
        assert_eq!((list.len(), bad), (1, 7));
    }

    #[test]
    fn bot_orders_for_humans_are_dropped() {
        let o = |faction: &str, source: Option<&str>| IncomingOrder {
            order: Order::new(faction, 0, 1),
            source: source.map(str::to_owned),
        };
        let input = vec![o("F1", Some("bot")), o("F1", Some("human")), o("F2", Some("bot")), o("F1", None)];
        let (kept, dropped) = filter_for_humans(input.clone(), &["F1".to_owned()]);
        assert_eq!(dropped, 1);
        assert_eq!(kept.iter().map(|o| o.faction.as_str()).collect::<Vec<_>>(), ["F1", "F2", "F1"]);
        assert_eq!(filter_for_humans(input, &[]).1, 0);
    }

    #[test]
    fn inbox_keeps_order_and_deduplicates() {
        let mut inbox = Inbox::default();
        let e = |ms, data: &str| StreamEntry { id: EntryId::new(ms, 0), data: Some(data.to_owned()) };
        let bad = inbox.add(vec![e(5, "{}"), e(2, "x"), e(9, "{}")]);
        assert_eq!(bad, vec![(EntryId::new(2, 0), BadMessage::InvalidJson)]);
        assert!(inbox.add(vec![e(5, "{}")]).is_empty());
        let first: Vec<EntryId> = inbox.peek(2).into_iter().map(|(id, _)| id).collect();
        assert_eq!(first, vec![EntryId::new(2, 0), EntryId::new(5, 0)]);
        inbox.remove(&first);
        assert_eq!(inbox.len(), 1);
    }
}
