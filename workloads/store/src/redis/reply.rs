//! Decoding of raw Redis replies (stream entries, script results).
//!
//! Stream replies are decoded by hand rather than through `redis::streams` types so that entries
//! without a `data` field or whose fields are nil (deleted but still pending) decode instead of
//! failing the whole read, and both RESP2 arrays and RESP3 maps are accepted.

use ::redis::Value;

use crate::error::{StoreError, StoreResult};
use crate::stream::{EntryId, StreamEntry};

fn bad(what: &str, value: &Value) -> StoreError {
    StoreError::invalid("redis reply", format!("expected {what}, got {value:?}"))
}

/// A string-like value.
pub(crate) fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Okay => Some("OK".to_owned()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// An integer-like value (scripts return integers; some commands return numeric strings).
pub(crate) fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        other => text(other).and_then(|s| s.parse().ok()),
    }
}

pub(crate) fn entry_id(value: &Value) -> StoreResult<EntryId> {
    text(value).ok_or_else(|| bad("an entry id", value))?.parse()
}

/// Items of an array-like value.
pub(crate) fn items(value: Value) -> StoreResult<Vec<Value>> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(bad("an array", &other)),
    }
}

/// The value of `field` in a flat field/value list or a map; `None` if absent.
fn field(fields: &Value, name: &str) -> Option<String> {
    match fields {
        Value::Array(flat) => flat
            .chunks(2)
            .find(|pair| text(&pair[0]).as_deref() == Some(name))
            .and_then(|pair| pair.get(1))
            .and_then(text),
        Value::Map(pairs) => {
            pairs.iter().find(|(k, _)| text(k).as_deref() == Some(name)).and_then(|(_, v)| text(v))
        }
        _ => None,
    }
}

/// One `[id, [field, value, ...]]` entry, keeping `field` (normally `data`).
pub(crate) fn entry_with(value: Value, name: &str) -> StoreResult<(EntryId, Option<String>)> {
    let parts = items(value)?;
    let id = parts.first().ok_or_else(|| bad("an entry", &Value::Nil)).and_then(entry_id)?;
    let data = parts.get(1).and_then(|fields| field(fields, name));
    Ok((id, data))
}

/// Entries of an XRANGE-shaped reply (also the entry list inside XREAD and XAUTOCLAIM replies).
pub(crate) fn entries(value: Value) -> StoreResult<Vec<StreamEntry>> {
    items(value)?
        .into_iter()
        .map(|v| entry_with(v, "data").map(|(id, data)| StreamEntry { id, data }))
        .collect()
}

/// Entries of an XREAD / XREADGROUP reply for a single stream (nil when nothing arrived).
pub(crate) fn read_entries(value: Value) -> StoreResult<Vec<StreamEntry>> {
    match value {
        Value::Nil => Ok(Vec::new()),
        Value::Map(mut pairs) => match pairs.pop() {
            Some((_, list)) => entries(list),
            None => Ok(Vec::new()),
        },
        Value::Array(streams) => match streams.into_iter().next() {
            Some(stream) => {
                let mut parts = items(stream)?;
                if parts.len() < 2 {
                    return Err(StoreError::invalid("redis reply", "XREAD stream without entries"));
                }
                entries(parts.swap_remove(1))
            }
            None => Ok(Vec::new()),
        },
        other => Err(bad("an XREAD reply", &other)),
    }
}
