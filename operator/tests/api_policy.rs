//! The chart's ValidatingAdmissionPolicy for the universes' API accounts: the committed template
//! is what `policygen` generates from the CRD (so a new spec field cannot be left unguarded),
//! and its per-field rules behave in CEL as intended.

use std::path::PathBuf;

use kube::CustomResourceExt;
use sector_operator::api_policy::{self, ADMIN_FIELDS};
use sector_operator::crd::SectorUniverse;
use serde_json::{Value, json};

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn spec_properties() -> Vec<String> {
    let crd = serde_json::to_value(SectorUniverse::crd()).expect("crd serializes");
    let props = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
    let mut names: Vec<String> = props.as_object().expect("spec properties").keys().cloned().collect();
    names.sort();
    names
}

#[test]
fn committed_policy_matches_the_crd() {
    let committed = std::fs::read_to_string(repo_file(api_policy::TEMPLATE_PATH)).expect("template exists");
    let generated = api_policy::template().expect("template generates");
    assert!(
        committed == generated,
        "{} is stale (a spec field was added, renamed or removed?): run `cargo run -p sector-operator \
         --bin policygen -- {}`",
        api_policy::TEMPLATE_PATH,
        api_policy::TEMPLATE_PATH
    );
}

#[test]
fn every_spec_field_is_either_an_admin_field_or_guarded() {
    let guarded = api_policy::guarded_spec_fields().expect("fields");
    let template = api_policy::template().expect("template");
    for field in &guarded {
        assert!(template.contains(&format!("has(object.spec.{field}) ==")), "spec.{field} has no rule");
    }
    let mut all: Vec<String> =
        guarded.into_iter().chain(ADMIN_FIELDS.iter().map(|f| (*f).to_owned())).collect();
    all.sort();
    assert_eq!(
        all,
        spec_properties(),
        "the admin fields must exist in the spec, and nothing else is unguarded"
    );
}

/// The committed CRD schema with the policy's spec rules as transition rules on the root
/// (`self`/`oldSelf` for the policy's `object`/`oldObject`), evaluated by kube's CEL.
fn check(new: &Value, old: &Value) -> Result<(), String> {
    let text = std::fs::read_to_string(repo_file("crds/sectoruniverse.yaml")).expect("crd file");
    let crd: Value = serde_yaml::from_str(&text).expect("yaml");
    let mut schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone();
    let rules: Vec<Value> = api_policy::guarded_spec_fields()
        .expect("fields")
        .iter()
        .map(|f| json!({"rule": api_policy::unchanged("self.spec", "oldSelf.spec", f), "message": format!("spec.{f}")}))
        .collect();
    schema["x-kubernetes-validations"] = Value::Array(rules);
    kube::core::cel::Validator::new().validate(&schema, new, Some(old)).map_err(|e| e.to_string())
}

fn universe(spec: Value) -> Value {
    json!({"apiVersion": "sector.dev/v1alpha1", "kind": "SectorUniverse", "metadata": {"name": "blue"}, "spec": spec})
}

#[test]
fn the_rules_allow_admin_changes_and_refuse_the_rest() {
    let old = universe(json!({
        "image": "sector:1",
        "auth": {"admins": ["0x8ba1f109551bd432803012645ac136ddd64dba72"]},
        "restartGeneration": 1,
    }));
    let admin = universe(json!({
        "image": "sector:1",
        "auth": {"admins": ["0x8ba1f109551bd432803012645ac136ddd64dba72"]},
        "restartGeneration": 2, "restartSeed": "s", "paused": true, "botsOnly": true,
    }));
    assert_eq!(check(&admin, &old), Ok(()));
    let refused = [
        ("spec.image", json!({"image": "evil:1"})),
        ("spec.image", json!({"image": null})),
        ("spec.auth", json!({"auth": {"admins": ["0x0000000000000000000000000000000000000001"]}})),
        (
            "spec.auth",
            json!({"auth": {"admins": ["0x8ba1f109551bd432803012645ac136ddd64dba72"],
                                      "jwtSecretRef": {"name": "x", "key": "y"}}}),
        ),
        ("spec.world", json!({"world": {"systems": 40}})),
    ];
    for (field, change) in refused {
        let mut new = old.clone();
        for (k, v) in change.as_object().expect("object") {
            if v.is_null() {
                new["spec"].as_object_mut().expect("spec").remove(k);
            } else {
                new["spec"][k] = v.clone();
            }
        }
        let err = check(&new, &old).expect_err(field);
        assert!(err.contains(field), "{field}: {err}");
    }
}
