//! Request validation with the reference's error shapes and lax coercions (WIRE.md §1.1).
//!
//! Bodies are parsed into a `serde_json::Value` by the [`JsonBody`] extractor (content type,
//! empty body, malformed JSON), then each route's input type checks its fields with the
//! helpers here, collecting one [`FieldError`] per problem so a client sees all of them at
//! once. Query strings go through [`Query`]. Nothing in this module can fail with a 5xx.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use serde_json::{Map, Value, json};

use sector_store::Store;

use crate::error::ApiError;
use crate::state::AppState;

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
    pub fn new(kind: &'static str, loc: Vec<Value>, msg: impl Into<String>, input: Value) -> Self {
        Self { kind, loc, msg: msg.into(), input, ctx: None }
    }

    pub fn with_ctx(mut self, ctx: Value) -> Self {
        self.ctx = Some(ctx);
        self
    }

    pub fn missing(loc: Vec<Value>, input: Value) -> Self {
        Self::new("missing", loc, "Field required", input)
    }

    /// `greater_than_equal`: `input` < `ge`.
    pub fn too_small(loc: Vec<Value>, input: i64, ge: i64) -> Self {
        Self::new(
            "greater_than_equal",
            loc,
            format!("Input should be greater than or equal to {ge}"),
            json!(input),
        )
        .with_ctx(json!({ "ge": ge }))
    }

    /// `less_than_equal`: `input` > `le`.
    pub fn too_large(loc: Vec<Value>, input: i64, le: i64) -> Self {
        Self::new("less_than_equal", loc, format!("Input should be less than or equal to {le}"), json!(input))
            .with_ctx(json!({ "le": le }))
    }

    /// `less_than`: `input` ≥ `lt`.
    pub fn not_less_than(loc: Vec<Value>, input: i64, lt: i64) -> Self {
        Self::new("less_than", loc, format!("Input should be less than {lt}"), json!(input))
            .with_ctx(json!({ "lt": lt }))
    }
}

/// Builds a `loc` path: `loc(&["body".into()], "orders")`.
pub fn loc(prefix: &[Value], last: impl Into<Value>) -> Vec<Value> {
    let mut path = prefix.to_vec();
    path.push(last.into());
    path
}

/// `Err(Validation)` when any problem was collected.
pub fn finish<T>(errors: Vec<FieldError>, value: Option<T>) -> Result<T, ApiError> {
    match value {
        Some(v) if errors.is_empty() => Ok(v),
        _ => Err(ApiError::Validation(errors)),
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

/// A request body parsed as JSON (not yet validated against a route's shape).
#[derive(Debug, Clone)]
pub struct JsonBody(pub Value);

/// JSON when the content type is absent, `application/json` (any parameters) or
/// `application/*+json`.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else { return true };
    let Ok(text) = value.to_str() else { return false };
    let mime = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Character offset of a serde_json error (it reports 1-based line and column).
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

/// Parses `bytes` as the body of a request with `headers`.
pub fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::missing(vec![json!("body")], Value::Null)]));
    }
    if !is_json(headers) {
        let input = Value::String(String::from_utf8_lossy(bytes).into_owned());
        return Err(ApiError::Validation(vec![FieldError::new(
            "model_attributes_type",
            vec![json!("body")],
            "Input should be a valid dictionary or object to extract fields from",
            input,
        )]));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let text = String::from_utf8_lossy(bytes);
        let message = e.to_string();
        // serde_json appends " at line L column C"; the position is in `loc` already.
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        // At end of input serde_json points at the last character; the offset is past it.
        let offset = if e.is_eof() { text.chars().count() } else { char_offset(&text, e.line(), e.column()) };
        ApiError::Validation(vec![
            FieldError::new(
                "json_invalid",
                vec![json!("body"), json!(offset)],
                "JSON decode error",
                json!({}),
            )
            .with_ctx(json!({ "error": message })),
        ])
    })
}

impl<St: Store> FromRequest<AppState<St>> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState<St>) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let limit = state.config().max_body_bytes;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::bad_request(format!("cannot read the request body: {}", rejection.body_text()))
            }
        })?;
        parse_body(&headers, &bytes).map(JsonBody)
    }
}

/// The body as an object (`model_attributes_type` at `["body"]` otherwise).
pub fn body_object(value: &Value) -> Result<&Map<String, Value>, ApiError> {
    value.as_object().ok_or_else(|| ApiError::Validation(vec![not_an_object(vec![json!("body")], value)]))
}

pub fn not_an_object(loc: Vec<Value>, input: &Value) -> FieldError {
    FieldError::new(
        "model_attributes_type",
        loc,
        "Input should be a valid dictionary or object to extract fields from",
        input.clone(),
    )
}

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

/// The fields of one object at `prefix`, collecting problems into `errors`.
pub struct Fields<'a> {
    pub object: &'a Map<String, Value>,
    pub prefix: Vec<Value>,
    pub errors: &'a mut Vec<FieldError>,
}

impl Fields<'_> {
    fn whole(&self) -> Value {
        Value::Object(self.object.clone())
    }

    /// A required JSON string.
    pub fn required_str(&mut self, key: &str) -> Option<String> {
        match self.object.get(key) {
            None => {
                let e = FieldError::missing(loc(&self.prefix, key), self.whole());
                self.errors.push(e);
                None
            }
            Some(v) => self.string(key, v),
        }
    }

    /// An optional string: absent or null is `Some(None)`; `None` means invalid.
    pub fn optional_str(&mut self, key: &str) -> Option<Option<String>> {
        match self.object.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(v) => self.string(key, v).map(Some),
        }
    }

    fn string(&mut self, key: &str, value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                let e = FieldError::new(
                    "string_type",
                    loc(&self.prefix, key),
                    "Input should be a valid string",
                    other.clone(),
                );
                self.errors.push(e);
                None
            }
        }
    }

    /// A required integer (lax coercion).
    pub fn required_int(&mut self, key: &str) -> Option<i64> {
        match self.object.get(key) {
            None => {
                let e = FieldError::missing(loc(&self.prefix, key), self.whole());
                self.errors.push(e);
                None
            }
            Some(v) => self.int(key, v),
        }
    }

    /// An optional integer: absent or null is `Some(None)`; `None` means invalid.
    pub fn optional_int(&mut self, key: &str) -> Option<Option<i64>> {
        match self.object.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(v) => self.int(key, v).map(Some),
        }
    }

    fn int(&mut self, key: &str, value: &Value) -> Option<i64> {
        match coerce_int(value) {
            Ok(n) => Some(n),
            Err(kind) => {
                self.errors.push(kind.error(loc(&self.prefix, key), value.clone()));
                None
            }
        }
    }
}

/// Why a value is not an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntError {
    /// null, arrays, objects.
    Type,
    /// A string that is not an integer.
    Parsing,
    /// A number with a fractional part.
    FromFloat,
}

impl IntError {
    pub fn error(self, loc: Vec<Value>, input: Value) -> FieldError {
        match self {
            Self::Type => FieldError::new("int_type", loc, "Input should be a valid integer", input),
            Self::Parsing => FieldError::new(
                "int_parsing",
                loc,
                "Input should be a valid integer, unable to parse string as an integer",
                input,
            ),
            Self::FromFloat => FieldError::new(
                "int_from_float",
                loc,
                "Input should be a valid integer, got a number with a fractional part",
                input,
            ),
        }
    }
}

/// Lax integer coercion: integers, integral floats, booleans and integer strings. Values
/// beyond the i64 range saturate (the reference had no range limit; range checks then
/// reject them with a clear message).
pub fn coerce_int(value: &Value) -> Result<i64, IntError> {
    match value {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if n.as_u64().is_some() {
                Ok(i64::MAX)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.is_finite() && f.fract() == 0.0 { Ok(f as i64) } else { Err(IntError::FromFloat) }
            }
        }
        Value::String(s) => parse_int_str(s).ok_or(IntError::Parsing),
        _ => Err(IntError::Type),
    }
}

/// Integer strings as Python/pydantic read them: surrounding whitespace, a sign, `_` between
/// digits, and a fractional part of zeros (`"1.0"`) are allowed.
pub fn parse_int_str(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (whole, fraction) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    if fraction.is_some_and(|f| !f.bytes().all(|b| b == b'0')) {
        return None;
    }
    let bytes = whole.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_digit() || !bytes[bytes.len() - 1].is_ascii_digit() {
        return None;
    }
    let mut value: i64 = 0;
    let mut previous_underscore = false;
    for &b in bytes {
        match b {
            b'_' if !previous_underscore => previous_underscore = true,
            b'0'..=b'9' => {
                previous_underscore = false;
                let digit = i64::from(b - b'0');
                value = value.saturating_mul(10).saturating_add(digit);
            }
            _ => return None,
        }
    }
    Some(if negative { value.saturating_neg() } else { value })
}

/// WIRE.md §2.1 booleans (`true/false`, `1/0`, `yes/no`, `on/off`, `t/f`, `y/n`); anything
/// else, the empty string included, is not a boolean.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Query strings
// ---------------------------------------------------------------------------------------------

/// Parsed query parameters (the last of repeated names wins, as in the reference).
#[derive(Debug, Clone, Default)]
pub struct Query {
    params: HashMap<String, String>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        let params = form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
        Self { params }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// An integer parameter (default when absent) within `min..=max`.
    pub fn int_in(
        &self,
        name: &str,
        default: i64,
        min: i64,
        max: i64,
        errors: &mut Vec<FieldError>,
    ) -> Option<i64> {
        let Some(raw) = self.get(name) else { return Some(default) };
        let at = vec![json!("query"), json!(name)];
        let Some(n) = parse_int_str(raw) else {
            errors.push(IntError::Parsing.error(at, json!(raw)));
            return None;
        };
        if n < min {
            errors.push(FieldError::too_small(at, n, min));
            None
        } else if n > max {
            errors.push(FieldError::too_large(at, n, max));
            None
        } else {
            Some(n)
        }
    }

    /// An optional boolean parameter.
    pub fn bool(&self, name: &str, errors: &mut Vec<FieldError>) -> Option<Option<bool>> {
        let Some(raw) = self.get(name) else { return Some(None) };
        match parse_bool(raw) {
            Some(b) => Some(Some(b)),
            None => {
                errors.push(FieldError::new(
                    "bool_parsing",
                    vec![json!("query"), json!(name)],
                    "Input should be a valid boolean, unable to interpret input",
                    json!(raw),
                ));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_coercion_follows_the_lax_rules() {
        for (input, expected) in [
            (json!(5), Ok(5)),
            (json!(-3), Ok(-3)),
            (json!(2.0), Ok(2)),
            (json!(true), Ok(1)),
            (json!("5"), Ok(5)),
            (json!(" 5 "), Ok(5)),
            (json!("+3"), Ok(3)),
            (json!("1.0"), Ok(1)),
            (json!("1_000"), Ok(1000)),
            (json!("99999999999999999999"), Ok(i64::MAX)),
            (json!(1.5), Err(IntError::FromFloat)),
            (json!("1.5"), Err(IntError::Parsing)),
            (json!("0x10"), Err(IntError::Parsing)),
            (json!("abc"), Err(IntError::Parsing)),
            (json!("1__0"), Err(IntError::Parsing)),
            (json!("_1"), Err(IntError::Parsing)),
            (json!(""), Err(IntError::Parsing)),
            (json!(null), Err(IntError::Type)),
            (json!([1]), Err(IntError::Type)),
            (json!({}), Err(IntError::Type)),
        ] {
            assert_eq!(coerce_int(&input), expected, "{input}");
        }
    }

    #[test]
    fn bodies() {
        let h = HeaderMap::new();
        let Err(ApiError::Validation(e)) = parse_body(&h, b"") else { panic!() };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]"#
        );
        let Err(ApiError::Validation(e)) = parse_body(&h, b"{\n \"a\": }") else { panic!() };
        assert_eq!(e[0].kind, "json_invalid");
        assert_eq!(e[0].loc, vec![json!("body"), json!(8)]);
        let mut text = HeaderMap::new();
        text.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        let Err(ApiError::Validation(e)) = parse_body(&text, b"{}") else { panic!() };
        assert_eq!((e[0].kind, &e[0].input), ("model_attributes_type", &json!("{}")));
        let mut vendor = HeaderMap::new();
        vendor.insert(header::CONTENT_TYPE, "Application/Vnd.X+JSON; charset=utf-8".parse().unwrap());
        assert_eq!(parse_body(&vendor, b"{\"a\":1}").unwrap(), json!({"a": 1}));
    }

    #[test]
    fn fields_collect_every_problem() {
        let body = json!({"a": 1, "n": "x"});
        let mut errors = Vec::new();
        let mut f =
            Fields { object: body.as_object().unwrap(), prefix: vec![json!("body")], errors: &mut errors };
        assert_eq!(f.required_str("a"), None);
        assert_eq!(f.required_str("b"), None);
        assert_eq!(f.optional_int("n"), None);
        assert_eq!(f.optional_str("zz"), Some(None));
        let kinds: Vec<_> = errors.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["string_type", "missing", "int_parsing"]);
        assert_eq!(errors[1].input, body, "a missing field's input is the enclosing object");
    }

    #[test]
    fn query_values() {
        let q = Query::parse(Some("count=5&count=7&paused=Yes&bad=&x=%20"));
        let mut errors = Vec::new();
        assert_eq!(q.int_in("count", 100, 1, 1000, &mut errors), Some(7));
        assert_eq!(q.int_in("missing", 100, 1, 1000, &mut errors), Some(100));
        assert_eq!(q.bool("paused", &mut errors), Some(Some(true)));
        assert_eq!(q.bool("bad", &mut errors), None);
        assert_eq!(Query::parse(Some("count=0")).int_in("count", 1, 1, 1000, &mut errors), None);
        assert_eq!(errors.iter().map(|e| e.kind).collect::<Vec<_>>(), ["bool_parsing", "greater_than_equal"]);
    }
}
