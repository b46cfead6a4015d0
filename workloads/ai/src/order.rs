//! The AI's output: one direct order per line, with a reason for logs and the UI.

use sector_core::Order;
use serde::{Deserialize, Serialize};

/// An order for `faction`: move its stack at `origin_id` to the neighbour `target_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotOrder {
    pub faction: String,
    pub origin_id: u32,
    pub target_id: u32,
    pub reason: String,
}

impl BotOrder {
    /// The order as the rules take it: no fleet id (the rules pick the stack), with reason.
    pub fn to_order(&self) -> Order {
        Order {
            faction: self.faction.clone(),
            origin_id: i64::from(self.origin_id),
            target_id: i64::from(self.target_id),
            fleet_id: None,
            reason: Some(self.reason.clone()),
        }
    }
}

impl From<BotOrder> for Order {
    fn from(order: BotOrder) -> Self {
        Order {
            faction: order.faction,
            origin_id: i64::from(order.origin_id),
            target_id: i64::from(order.target_id),
            fleet_id: None,
            reason: Some(order.reason),
        }
    }
}

/// Converts a whole list, keeping its order (the order decides which stack moves where).
pub fn to_orders(orders: &[BotOrder]) -> Vec<Order> {
    orders.iter().map(BotOrder::to_order).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_without_fleet_id_and_with_reason() {
        let bot = BotOrder { faction: "F3".into(), origin_id: 4, target_id: 9, reason: "why".into() };
        let order = bot.to_order();
        assert_eq!(order, Order::from(bot.clone()));
        assert_eq!(order.fleet_id, None);
        assert_eq!(order.reason.as_deref(), Some("why"));
        assert_eq!((order.faction.as_str(), order.origin_id, order.target_id), ("F3", 4, 9));
        assert_eq!(to_orders(&[bot]), vec![order]);
    }
}
