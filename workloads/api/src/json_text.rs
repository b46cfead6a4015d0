//! JSON text handling for payloads the sim stored: they are passed through as text (no
//! re-encoding, so key order and number formatting stay exactly as the sim wrote them),
//! only compacted, as the reference wrote Python's spaced JSON (WIRE.md §3).

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

/// `text` without insignificant whitespace; `None` if it is not valid JSON.
pub fn compact(text: &str) -> Option<Cow<'_, str>> {
    serde_json::from_str::<IgnoredAny>(text).ok()?;
    Some(strip_whitespace(text))
}

/// Removes whitespace outside strings of valid JSON text (borrowed when there is none).
fn strip_whitespace(text: &str) -> Cow<'_, str> {
    let mut in_string = false;
    let mut escaped = false;
    let needs_work = text.bytes().any(|b| {
        let ws = !in_string && matches!(b, b' ' | b'\n' | b'\r' | b'\t');
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        }
        ws
    });
    if !needs_work {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[derive(Deserialize)]
struct TopLevel {
    id: Option<IgnoredAny>,
}

/// A stored event with its stream entry id added as the last member `"id"` (WIRE.md §8.8);
/// `None` if `text` is not a JSON object.
pub fn with_id(text: &str, id: &str) -> Option<String> {
    let top: TopLevel = serde_json::from_str(text).ok()?;
    if top.id.is_some() {
        // Rare (the sim's events have no `id`): replace it like the reference's `{**e, "id": id}`.
        let mut value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).ok()?;
        value.insert("id".to_owned(), serde_json::Value::String(id.to_owned()));
        return serde_json::to_string(&value).ok();
    }
    let body = strip_whitespace(text);
    let inner = body.strip_prefix('{')?.strip_suffix('}')?;
    let id = serde_json::to_string(id).ok()?;
    Some(if inner.is_empty() { format!("{{\"id\":{id}}}") } else { format!("{{{inner},\"id\":{id}}}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_keeps_strings_and_order() {
        assert_eq!(
            compact(r#"{"b": 1, "a": [1.0, 2e-05], "s": "x y \" z"}"#).as_deref(),
            Some(r#"{"b":1,"a":[1.0,2e-05],"s":"x y \" z"}"#)
        );
        assert!(matches!(compact(r#"{"a":1}"#), Some(Cow::Borrowed(_))));
        assert_eq!(compact("{"), None);
        assert_eq!(compact("{} x"), None);
    }

    #[test]
    fn ids_are_appended_last() {
        assert_eq!(
            with_id(r#"{"type": "delta", "tick": 3}"#, "1-0").as_deref(),
            Some(r#"{"type":"delta","tick":3,"id":"1-0"}"#)
        );
        assert_eq!(with_id("{}", "1-0").as_deref(), Some(r#"{"id":"1-0"}"#));
        assert_eq!(with_id("[1]", "1-0"), None);
        assert_eq!(with_id("nope", "1-0"), None);
        let replaced = with_id(r#"{"id": 5, "a": 1}"#, "2-1").unwrap();
        let v: serde_json::Value = serde_json::from_str(&replaced).unwrap();
        assert_eq!(v, serde_json::json!({"id": "2-1", "a": 1}));
    }
}
