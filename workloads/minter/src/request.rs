//! `POST /mint` bodies: parsed and type-checked with the reference's 422 shapes (WIRE.md §1.1,
//! §11), then checked for meaning (400): a real address, ids that fit in key names, bounded
//! sizes. Nothing here can fail with a 5xx.

use axum::http::{HeaderMap, header};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::chain::normalize_address;
use crate::config::{UNIVERSE_NAME_RULE, is_universe_name};
use crate::error::HttpError;

/// Longest id or name accepted (they end up in keys, records and on chain).
const MAX_ID_LEN: usize = 128;
const MAX_LABEL_LEN: usize = 256;

/// One validation problem: `{"type", "loc", "msg", "input"[, "ctx"]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub loc: Vec<Value>,
    pub msg: String,
    pub input: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

impl FieldError {
    fn new(kind: &'static str, loc: Vec<Value>, msg: &str, input: Value) -> Self {
        Self { kind, loc, msg: msg.to_owned(), input, ctx: None }
    }
}

/// The request as received, after type checks: the eight fields of WIRE.md §11 in their order
/// (echoed back as `request`), plus the optional `universe` this minter adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MintFields {
    pub universe_id: String,
    pub winner: String,
    pub winner_label: Option<String>,
    pub tick: Option<i64>,
    pub address: String,
    pub faction: String,
    pub timestamp: Option<i64>,
    pub metadata: Option<Map<String, Value>>,
    #[serde(skip)]
    pub universe: Option<String>,
}

/// A mint request checked for meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct MintRequest {
    /// The universe name (the request's `universe`, else the minter's `MINTER_UNIVERSE`).
    pub universe: String,
    /// The run (`universe_id`).
    pub run: String,
    /// Recipient, lower-case.
    pub address: String,
    pub fields: MintFields,
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else { return true };
    let Ok(text) = value.to_str() else { return false };
    let mime = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Character offset of a serde_json error position (1-based line and column).
fn char_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return offset + l.chars().take(column.saturating_sub(1)).count();
        }
        offset += l.chars().count() + 1;
    }
    offset
}

/// Lax integers (WIRE.md §1.1): JSON integers, integral floats, booleans, integer strings.
fn int(value: &Value) -> Result<i64, (&'static str, &'static str)> {
    const PARSING: (&str, &str) =
        ("int_parsing", "Input should be a valid integer, unable to parse string as an integer");
    match value {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Ok(i),
            (None, Some(_), _) => Ok(i64::MAX),
            (_, _, Some(f)) if f.is_finite() && f.fract() == 0.0 => Ok(f as i64),
            _ => Err((
                "int_from_float",
                "Input should be a valid integer, got a number with a fractional part",
            )),
        },
        Value::String(s) => int_str(s).ok_or(PARSING),
        _ => Err(("int_type", "Input should be a valid integer")),
    }
}

/// Integer strings as the reference read them: surrounding whitespace, a sign, `_` between
/// digits and a fraction of zeros (`"1.0"`) are allowed; out-of-range values saturate.
fn int_str(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (whole, fraction) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
    if fraction.is_some_and(|f| !f.bytes().all(|b| b == b'0')) {
        return None;
    }
    let bytes = whole.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_digit) || !bytes.last().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut value: i64 = 0;
    let mut after_underscore = false;
    for &b in bytes {
        match b {
            b'_' if !after_underscore => after_underscore = true,
            b'0'..=b'9' => {
                after_underscore = false;
                value = value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
            }
            _ => return None,
        }
    }
    Some(if negative { value.saturating_neg() } else { value })
}

/// The body's fields, type-checked, every problem collected.
pub fn parse(headers: &HeaderMap, bytes: &[u8]) -> Result<MintFields, HttpError> {
    if bytes.is_empty() {
        return Err(HttpError::Validation(vec![FieldError::new(
            "missing",
            vec![json!("body")],
            "Field required",
            Value::Null,
        )]));
    }
    if !is_json(headers) {
        let input = Value::String(String::from_utf8_lossy(bytes).into_owned());
        return Err(HttpError::Validation(vec![FieldError::new(
            "model_attributes_type",
            vec![json!("body")],
            "Input should be a valid dictionary or object to extract fields from",
            input,
        )]));
    }
    let body: Value = serde_json::from_slice(bytes).map_err(|e| {
        let text = String::from_utf8_lossy(bytes);
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        let offset = if e.is_eof() { text.chars().count() } else { char_offset(&text, e.line(), e.column()) };
        let mut item = FieldError::new(
            "json_invalid",
            vec![json!("body"), json!(offset)],
            "JSON decode error",
            json!({}),
        );
        item.ctx = Some(json!({ "error": message }));
        HttpError::Validation(vec![item])
    })?;
    let Some(object) = body.as_object() else {
        return Err(HttpError::Validation(vec![FieldError::new(
            "model_attributes_type",
            vec![json!("body")],
            "Input should be a valid dictionary or object to extract fields from",
            body.clone(),
        )]));
    };

    let mut errors = Vec::new();
    let loc = |key: &str| vec![json!("body"), json!(key)];
    let string = |key: &str, required: bool, errors: &mut Vec<FieldError>| -> Option<Option<String>> {
        match object.get(key) {
            None | Some(Value::Null) if !required => Some(None),
            None => {
                errors.push(FieldError::new("missing", loc(key), "Field required", body.clone()));
                None
            }
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(other) => {
                errors.push(FieldError::new(
                    "string_type",
                    loc(key),
                    "Input should be a valid string",
                    other.clone(),
                ));
                None
            }
        }
    };
    let universe_id = string("universe_id", true, &mut errors);
    let winner = string("winner", true, &mut errors);
    let winner_label = string("winner_label", false, &mut errors);
    let address = string("address", true, &mut errors);
    let faction = string("faction", true, &mut errors);
    let universe = string("universe", false, &mut errors);
    let integer = |key: &str, errors: &mut Vec<FieldError>| -> Option<Option<i64>> {
        match object.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(v) => match int(v) {
                Ok(n) => Some(Some(n)),
                Err((kind, msg)) => {
                    errors.push(FieldError::new(kind, loc(key), msg, v.clone()));
                    None
                }
            },
        }
    };
    let tick = integer("tick", &mut errors);
    let timestamp = integer("timestamp", &mut errors);
    let metadata = match object.get("metadata") {
        None | Some(Value::Null) => Some(None),
        Some(Value::Object(map)) => Some(Some(map.clone())),
        Some(other) => {
            errors.push(FieldError::new(
                "dict_type",
                loc("metadata"),
                "Input should be a valid dictionary",
                other.clone(),
            ));
            None
        }
    };
    match (universe_id, winner, winner_label, tick, address, faction, timestamp, metadata, universe) {
        (
            Some(Some(universe_id)),
            Some(Some(winner)),
            Some(winner_label),
            Some(tick),
            Some(Some(address)),
            Some(Some(faction)),
            Some(timestamp),
            Some(metadata),
            Some(universe),
        ) if errors.is_empty() => Ok(MintFields {
            universe_id,
            winner,
            winner_label,
            tick,
            address,
            faction,
            timestamp,
            metadata,
            universe,
        }),
        _ => Err(HttpError::Validation(errors)),
    }
}

fn check_id(value: &str, name: &str, max: usize) -> Result<(), HttpError> {
    if value.trim().is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(HttpError::BadRequest(format!("{name} must be 1 to {max} printable characters")));
    }
    Ok(())
}

impl MintRequest {
    /// Checks the fields' meaning; `default_universe` is used when the body names none.
    pub fn check(fields: MintFields, default_universe: &str) -> Result<Self, HttpError> {
        let address =
            normalize_address(fields.address.trim()).map_err(|m| HttpError::BadRequest(m.to_owned()))?;
        check_id(&fields.universe_id, "universe_id", MAX_ID_LEN)?;
        check_id(&fields.winner, "winner", MAX_ID_LEN)?;
        check_id(&fields.faction, "faction", MAX_ID_LEN)?;
        if let Some(label) = &fields.winner_label
            && (label.chars().count() > MAX_LABEL_LEN || label.chars().any(char::is_control))
        {
            return Err(HttpError::BadRequest(format!(
                "winner_label must be at most {MAX_LABEL_LEN} printable characters"
            )));
        }
        let universe = fields.universe.clone().unwrap_or_else(|| default_universe.to_owned());
        if !is_universe_name(&universe) {
            return Err(HttpError::BadRequest(format!("universe must be {UNIVERSE_NAME_RULE}")));
        }
        Ok(Self { universe, run: fields.universe_id.clone(), address, fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: Value) -> Result<MintFields, HttpError> {
        parse(&HeaderMap::new(), body.to_string().as_bytes())
    }

    fn kinds(result: Result<MintFields, HttpError>) -> Vec<(&'static str, Vec<Value>)> {
        match result {
            Err(HttpError::Validation(items)) => items.into_iter().map(|i| (i.kind, i.loc)).collect(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    fn good() -> Value {
        json!({"universe_id": "5", "winner": "F1", "address": "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1",
            "faction": "F1", "extra": [1]})
    }

    #[test]
    fn valid_bodies_keep_wire_order_and_drop_unknown_fields() {
        let f = fields(good()).unwrap();
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"universe_id":"5","winner":"F1","winner_label":null,"tick":null,"address":"0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1","faction":"F1","timestamp":null,"metadata":null}"#
        );
        let mut body = good();
        body["tick"] = json!("1_000");
        body["timestamp"] = json!(2.0);
        body["metadata"] = json!({"k": 1});
        body["universe"] = json!("blue");
        let f = fields(body).unwrap();
        assert_eq!((f.tick, f.timestamp, f.universe.as_deref()), (Some(1000), Some(2), Some("blue")));
    }

    #[test]
    fn type_problems_are_422_with_every_item() {
        let body = json!({"universe_id": 5, "winner": "F1", "faction": null, "tick": "1.5", "metadata": [1]});
        assert_eq!(
            kinds(fields(body)),
            vec![
                ("string_type", vec![json!("body"), json!("universe_id")]),
                ("missing", vec![json!("body"), json!("address")]),
                ("string_type", vec![json!("body"), json!("faction")]),
                ("int_parsing", vec![json!("body"), json!("tick")]),
                ("dict_type", vec![json!("body"), json!("metadata")]),
            ]
        );
        assert_eq!(kinds(parse(&HeaderMap::new(), b"")), vec![("missing", vec![json!("body")])]);
        assert_eq!(
            kinds(parse(&HeaderMap::new(), b"[1]")),
            vec![("model_attributes_type", vec![json!("body")])]
        );
        assert_eq!(
            kinds(parse(&HeaderMap::new(), b"{\"a\": }")),
            vec![("json_invalid", vec![json!("body"), json!(6)])]
        );
        let mut text = HeaderMap::new();
        text.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert_eq!(kinds(parse(&text, b"{}")), vec![("model_attributes_type", vec![json!("body")])]);
        assert_eq!(
            kinds(fields(
                json!({"universe_id": "1", "winner": "F", "address": "0x", "faction": "F", "tick": 1.5})
            )),
            vec![("int_from_float", vec![json!("body"), json!("tick")])]
        );
    }

    #[test]
    fn meaning_problems_are_400() {
        let check = |patch: Value| {
            let mut body = good();
            body.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
            MintRequest::check(fields(body).unwrap(), "default")
        };
        let ok = check(json!({})).unwrap();
        assert_eq!((ok.universe.as_str(), ok.run.as_str()), ("default", "5"));
        assert_eq!(ok.address, "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1");
        for patch in [
            json!({"address": "not-an-address"}),
            json!({"address": "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9c1"}),
            json!({"address": "0x0000000000000000000000000000000000000000"}),
            json!({"universe_id": ""}),
            json!({"universe_id": "a\nb"}),
            json!({"faction": "x".repeat(200)}),
            json!({"universe": "a:b"}),
            json!({"winner_label": "x".repeat(300)}),
        ] {
            assert!(matches!(check(patch.clone()), Err(HttpError::BadRequest(_))), "{patch}");
        }
    }
}
