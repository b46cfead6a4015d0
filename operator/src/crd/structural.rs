//! A walk over an `openAPIV3Schema` that reports what an API server would reject as a
//! non-structural (or otherwise invalid) CRD schema, so a bad derive is caught by `cargo test`
//! instead of by `kubectl apply` on a cluster.
//!
//! The rules are those of "Specifying a structural schema" in the Kubernetes CRD documentation:
//! 1. every node has a non-empty `type` (root, each property, `additionalProperties`, `items`),
//!    except nodes with `x-kubernetes-int-or-string` or `x-kubernetes-preserve-unknown-fields`;
//! 2. a field or item named inside `allOf`/`anyOf`/`oneOf`/`not` is also specified outside;
//! 3. inside those junctors no `description`, `type`, `default`, `additionalProperties` or
//!    `nullable` (except the two int-or-string `anyOf` branches);
//! 4. under `metadata`, only `name` and `generateName` may be restricted;
//!
//! plus the apiextensions/v1 shape rules: only `JSONSchemaProps` keywords (no `$ref`, `$schema`,
//! `const`, ...), `properties` and `additionalProperties` not together, `items` a single schema,
//! no `uniqueItems: true`, every CEL rule non-empty.

use serde_json::{Map, Value};

/// Keywords of apiextensions.k8s.io/v1 `JSONSchemaProps`.
const ALLOWED_KEYS: &[&str] = &[
    "id",
    "description",
    "type",
    "format",
    "title",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "enum",
    "maxProperties",
    "minProperties",
    "required",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "properties",
    "additionalProperties",
    "patternProperties",
    "dependencies",
    "additionalItems",
    "definitions",
    "externalDocs",
    "example",
    "nullable",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
];

const TYPES: &[&str] = &["object", "array", "string", "integer", "number", "boolean"];
const JUNCTORS: &[&str] = &["allOf", "anyOf", "oneOf", "not"];
/// Keywords a junctor branch must not set (rule 3).
const FORBIDDEN_IN_JUNCTORS: &[&str] =
    &["description", "type", "default", "additionalProperties", "nullable"];

/// Problems found in `schema` (the CRD version's `openAPIV3Schema`), each with its JSON path.
/// Empty means structural.
pub fn check(schema: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    node(schema, "", false, &mut problems);
    if let Some(metadata) = schema.pointer("/properties/metadata") {
        check_metadata(metadata, &mut problems);
    }
    problems
}

fn node(value: &Value, path: &str, in_junctor: bool, problems: &mut Vec<String>) {
    let Some(obj) = value.as_object() else {
        problems.push(format!("{}: schema is not an object", display(path)));
        return;
    };
    for key in obj.keys() {
        if !ALLOWED_KEYS.contains(&key.as_str()) {
            problems.push(format!("{}: `{key}` is not a JSONSchemaProps field", display(path)));
        }
    }
    let int_or_string = flag(obj, "x-kubernetes-int-or-string");
    let preserve = flag(obj, "x-kubernetes-preserve-unknown-fields");

    if in_junctor {
        for key in FORBIDDEN_IN_JUNCTORS {
            if obj.contains_key(*key) && !is_int_or_string_branch(obj) {
                problems.push(format!("{}: `{key}` inside allOf/anyOf/oneOf/not", display(path)));
            }
        }
    } else {
        match obj.get("type") {
            Some(Value::String(t)) if TYPES.contains(&t.as_str()) => {}
            Some(other) => problems.push(format!("{}: invalid type {other}", display(path))),
            None if int_or_string || preserve => {}
            None => problems.push(format!("{}: missing type", display(path))),
        }
    }

    if obj.contains_key("properties") && obj.contains_key("additionalProperties") {
        problems.push(format!("{}: properties and additionalProperties together", display(path)));
    }
    if obj.get("uniqueItems") == Some(&Value::Bool(true)) {
        problems.push(format!("{}: uniqueItems: true is not allowed", display(path)));
    }
    if int_or_string && let Some(Value::Array(branches)) = obj.get("anyOf") {
        let allowed = branches.iter().all(|b| is_int_or_string_branch(b.as_object().unwrap_or(&Map::new())));
        if !allowed {
            problems.push(format!("{}: int-or-string anyOf may only hold integer and string", display(path)));
        }
    }

    if let Some(props) = obj.get("properties") {
        match props.as_object() {
            Some(props) => {
                for (name, child) in props {
                    node(child, &format!("{path}.{name}"), in_junctor, problems);
                }
            }
            None => problems.push(format!("{}: properties is not an object", display(path))),
        }
    }
    match obj.get("additionalProperties") {
        None | Some(Value::Bool(_)) => {}
        Some(child) => node(child, &format!("{path}.*"), in_junctor, problems),
    }
    match obj.get("items") {
        None => {
            if obj.get("type") == Some(&Value::String("array".into())) && !in_junctor {
                problems.push(format!("{}: array without items", display(path)));
            }
        }
        Some(Value::Array(_)) => problems.push(format!("{}: items must be a single schema", display(path))),
        Some(child) => node(child, &format!("{path}[]"), in_junctor, problems),
    }
    for junctor in JUNCTORS {
        let branches: Vec<&Value> = match obj.get(*junctor) {
            None => continue,
            Some(Value::Array(list)) => list.iter().collect(),
            Some(single) => vec![single],
        };
        for (i, branch) in branches.into_iter().enumerate() {
            let branch_path = format!("{path}.{junctor}[{i}]");
            node(branch, &branch_path, true, problems);
            specified_outside(branch, obj, &branch_path, problems);
        }
    }
    if let Some(rules) = obj.get("x-kubernetes-validations") {
        let ok = rules.as_array().is_some_and(|rules| {
            rules.iter().all(|r| r.get("rule").and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty()))
        });
        if !ok {
            problems.push(format!("{}: x-kubernetes-validations needs a non-empty rule each", display(path)));
        }
    }
}

/// Rule 2: properties and items named in a junctor branch must exist outside it.
fn specified_outside(branch: &Value, outer: &Map<String, Value>, path: &str, problems: &mut Vec<String>) {
    if let Some(props) = branch.get("properties").and_then(Value::as_object) {
        let outer_props = outer.get("properties").and_then(Value::as_object);
        for name in props.keys() {
            if !outer_props.is_some_and(|p| p.contains_key(name)) {
                problems.push(format!("{}: `{name}` only specified inside a junctor", display(path)));
            }
        }
    }
    if branch.get("items").is_some() && outer.get("items").is_none() {
        problems.push(format!("{}: items only specified inside a junctor", display(path)));
    }
}

/// Rule 4: `metadata` may only restrict `name` and `generateName`.
fn check_metadata(metadata: &Value, problems: &mut Vec<String>) {
    let Some(obj) = metadata.as_object() else { return };
    for key in obj.keys() {
        if !matches!(key.as_str(), "type" | "description" | "properties") {
            problems.push(format!(".metadata: `{key}` restricts metadata"));
        }
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for name in props.keys() {
            if name != "name" && name != "generateName" {
                problems.push(format!(".metadata.{name}: only name and generateName may be restricted"));
            }
        }
    }
}

fn is_int_or_string_branch(obj: &Map<String, Value>) -> bool {
    obj.len() == 1 && matches!(obj.get("type").and_then(Value::as_str), Some("integer" | "string"))
}

fn flag(obj: &Map<String, Value>, key: &str) -> bool {
    obj.get(key) == Some(&Value::Bool(true))
}

fn display(path: &str) -> &str {
    if path.is_empty() { "<root>" } else { path }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::check;

    fn problems(schema: serde_json::Value) -> Vec<String> {
        check(&schema)
    }

    #[test]
    fn a_structural_schema_passes() {
        let schema = json!({
            "type": "object",
            "properties": {
                "spec": {"type": "object", "properties": {
                    "n": {"type": "integer", "nullable": true},
                    "q": {"x-kubernetes-int-or-string": true,
                          "anyOf": [{"type": "integer"}, {"type": "string"}]},
                    "m": {"type": "object", "additionalProperties": {"type": "string"}},
                    "l": {"type": "array", "items": {"type": "string"}},
                    "free": {"x-kubernetes-preserve-unknown-fields": true},
                }},
                "metadata": {"type": "object"},
            },
        });
        assert_eq!(problems(schema), Vec::<String>::new());
    }

    #[test]
    fn each_non_structural_shape_is_reported() {
        let cases = [
            (json!({"type": "object", "properties": {"a": {}}}), ".a: missing type"),
            (json!({"type": "object", "properties": {"a": {"$ref": "#/x", "type": "string"}}}), "`$ref`"),
            (json!({"type": "thing"}), "invalid type"),
            (json!({"type": "array"}), "array without items"),
            (json!({"type": "array", "items": [{"type": "string"}]}), "single schema"),
            (
                json!({"type": "object", "properties": {}, "additionalProperties": {"type": "string"}}),
                "properties and additionalProperties",
            ),
            (json!({"type": "array", "items": {"type": "string"}, "uniqueItems": true}), "uniqueItems"),
            (
                json!({"type": "object", "properties": {"a": {"type": "string"}},
                       "anyOf": [{"properties": {"b": {"type": "string"}}}]}),
                "`b` only specified inside a junctor",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "string"}},
                       "oneOf": [{"properties": {"a": {"description": "x"}}}]}),
                "`description` inside",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "string", "nullable": true,
                       "anyOf": [{"type": "string"}, {"nullable": true}]}}}),
                "`nullable` inside",
            ),
            (
                json!({"type": "object", "properties": {"metadata": {"type": "object",
                       "properties": {"labels": {"type": "object"}}}}}),
                "only name and generateName",
            ),
            (json!({"type": "object", "const": 1}), "`const`"),
            (json!({"type": "object", "x-kubernetes-validations": [{"rule": ""}]}), "non-empty rule"),
        ];
        for (schema, expected) in cases {
            let found = problems(schema.clone());
            assert!(
                found.iter().any(|p| p.contains(expected)),
                "{schema}: expected {expected:?} in {found:?}"
            );
        }
    }
}
