//! The award token's metadata: an ERC-721 metadata JSON document embedded in the token URI as a
//! `data:` URI, so the token describes itself with nothing to host or keep online.

use base64::Engine;
use serde_json::{Map, Value, json};

/// Largest token URI accepted; it is stored on chain, and gas grows with its length.
pub const MAX_TOKEN_URI_BYTES: usize = 8 * 1024;

/// What the metadata describes.
pub struct AwardFacts<'a> {
    pub universe: &'a str,
    pub run: &'a str,
    pub faction: &'a str,
    pub label: Option<&'a str>,
    pub tick: Option<i64>,
    pub address: &'a str,
    pub metadata: Option<&'a Map<String, Value>>,
}

/// `data:application/json;base64,…` of the award's metadata; `Err` when it would be too large.
pub fn token_uri(facts: &AwardFacts<'_>) -> Result<String, String> {
    let label = facts.label.filter(|l| !l.is_empty()).unwrap_or(facts.faction);
    let mut attributes = vec![
        json!({"trait_type": "Universe", "value": facts.universe}),
        json!({"trait_type": "Run", "value": facts.run}),
        json!({"trait_type": "Faction", "value": facts.faction}),
        json!({"trait_type": "Faction name", "value": label}),
    ];
    if let Some(tick) = facts.tick {
        attributes.push(json!({"trait_type": "Final tick", "display_type": "number", "value": tick}));
    }
    let mut document = json!({
        "name": format!("Sector award: {label} won run {}", facts.run),
        "description": format!(
            "Awarded to {} for winning run {} of the Sector universe {} as {label} ({}).",
            facts.address, facts.run, facts.universe, facts.faction
        ),
        "attributes": attributes,
    });
    if let Some(extra) = facts.metadata.filter(|m| !m.is_empty()) {
        document["properties"] = Value::Object(extra.clone());
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(document.to_string());
    let uri = format!("data:application/json;base64,{encoded}");
    if uri.len() > MAX_TOKEN_URI_BYTES {
        return Err(format!(
            "the award's metadata is too large ({} bytes as a token URI, at most {MAX_TOKEN_URI_BYTES}): shorten `metadata` or `winner_label`",
            uri.len()
        ));
    }
    Ok(uri)
}

/// The JSON document inside a token URI made by [`token_uri`] (for checks and tests).
pub fn decode_token_uri(uri: &str) -> Option<Value> {
    let encoded = uri.strip_prefix("data:application/json;base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(metadata: Option<&'a Map<String, Value>>) -> AwardFacts<'a> {
        AwardFacts {
            universe: "blue",
            run: "5",
            faction: "F1",
            label: Some("Empire"),
            tick: Some(120),
            address: "0xabc",
            metadata,
        }
    }

    #[test]
    fn describes_the_win() {
        let uri = token_uri(&facts(None)).unwrap();
        let doc = decode_token_uri(&uri).unwrap();
        assert_eq!(doc["name"], "Sector award: Empire won run 5");
        assert_eq!(
            doc["attributes"][4],
            json!({"trait_type": "Final tick", "display_type": "number", "value": 120})
        );
        assert!(doc.get("properties").is_none());
        let extra = json!({"season": 2}).as_object().cloned().unwrap();
        let doc = decode_token_uri(&token_uri(&facts(Some(&extra))).unwrap()).unwrap();
        assert_eq!(doc["properties"], json!({"season": 2}));
    }

    #[test]
    fn too_large_is_refused() {
        let extra = json!({"blob": "x".repeat(MAX_TOKEN_URI_BYTES)}).as_object().cloned().unwrap();
        assert!(token_uri(&facts(Some(&extra))).unwrap_err().contains("too large"));
    }
}
