//! Which `/ws` messages a client gets, negotiated by WebSocket subprotocol at the upgrade.
//!
//! A client that offers none of ours gets the reference's messages unchanged, so the original
//! web page and any client built for it keep working. Ours, in the server's order of preference:
//! - `sector.lean.deflate.v1`: lean deltas ([`crate::lean`]), every message sent as a binary
//!   frame of its raw-deflated JSON text (each message compressed alone, once per process);
//! - `sector.lean.v1`: the same messages as JSON text frames.
//!
//! Lean clients resume by event id and are resynced when behind, so they are not sent the
//! keep-alive frames the reference's clients get when the feed is idle or a run starts.

use axum::http::HeaderValue;

/// The lean protocol with JSON text frames.
pub const LEAN: &str = "sector.lean.v1";
/// The lean protocol with each message raw-deflated in a binary frame.
pub const LEAN_DEFLATE: &str = "sector.lean.deflate.v1";

/// Our subprotocols, most preferred first.
pub const OFFERED: [&str; 2] = [LEAN_DEFLATE, LEAN];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// The reference's messages, byte for byte (no subprotocol of ours asked for).
    #[default]
    Original,
    Lean,
    LeanDeflate,
}

impl Protocol {
    /// The protocol of the subprotocol the upgrade agreed to, if any.
    pub fn selected(subprotocol: Option<&HeaderValue>) -> Self {
        match subprotocol.and_then(|value| value.to_str().ok()) {
            Some(LEAN) => Protocol::Lean,
            Some(LEAN_DEFLATE) => Protocol::LeanDeflate,
            _ => Protocol::Original,
        }
    }

    pub fn is_lean(self) -> bool {
        self != Protocol::Original
    }

    /// Whether messages go out deflated in binary frames.
    pub fn deflates(self) -> bool {
        self == Protocol::LeanDeflate
    }
}
