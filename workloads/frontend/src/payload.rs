//! A `/ws` message as the hub shares it between clients: its JSON text and, for clients of the
//! deflated lean protocol, the same text raw-deflated (RFC 1951), made by the first client that
//! needs it and shared from then on, so a message is compressed at most once per process.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes};
use flate2::Compression;
use flate2::write::DeflateEncoder;

#[derive(Debug, Clone)]
pub struct Payload {
    text: Utf8Bytes,
    deflated: Arc<OnceLock<Bytes>>,
}

impl Payload {
    pub fn new(text: Utf8Bytes) -> Self {
        Self { text, deflated: Arc::default() }
    }

    pub fn text(&self) -> &Utf8Bytes {
        &self.text
    }

    /// The text raw-deflated (no zlib or gzip wrapper: what a browser's
    /// `DecompressionStream('deflate-raw')` reads).
    pub fn deflated(&self) -> Bytes {
        self.deflated.get_or_init(|| deflate(self.text.as_bytes())).clone()
    }

    /// The WebSocket message: a text frame, or a binary frame of the deflated text.
    pub fn message(&self, deflated: bool) -> Message {
        if deflated { Message::Binary(self.deflated()) } else { Message::Text(self.text.clone()) }
    }
}

fn deflate(data: &[u8]) -> Bytes {
    let mut encoder = DeflateEncoder::new(Vec::with_capacity(data.len() / 2 + 64), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    Bytes::from(encoder.finish().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_deflated_form_inflates_to_the_text_and_is_made_once() {
        let text = format!("{{\"events\":[{}]}}", vec!["\"the same line again\""; 50].join(","));
        let payload = Payload::new(Utf8Bytes::from(text.clone()));
        let copy = payload.clone();
        let deflated = payload.deflated();
        assert!(deflated.len() * 10 < text.len(), "{} bytes from {}", deflated.len(), text.len());
        assert_eq!(copy.deflated().as_ptr(), deflated.as_ptr(), "clones share the one compression");
        let mut inflated = String::new();
        flate2::read::DeflateDecoder::new(&deflated[..]).read_to_string(&mut inflated).unwrap();
        assert_eq!(inflated, text);
        assert!(matches!(payload.message(false), Message::Text(t) if t.as_str() == text));
        assert!(matches!(payload.message(true), Message::Binary(b) if b == deflated));
    }
}
