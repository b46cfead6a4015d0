//! The CRD: the committed YAML matches the Rust types, its schema is structural, its CEL rules
//! accept and refuse what they should (evaluated with kube's CEL interpreter, as an API server
//! would), and the example universes pass it.

use std::path::PathBuf;

use kube::CustomResourceExt;
use sector_operator::crd::{self, SectorUniverse, structural};
use serde_json::{Value, json};

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn schema() -> Value {
    let crd = SectorUniverse::crd();
    let schema = crd.spec.versions[0].schema.as_ref().and_then(|s| s.open_api_v3_schema.as_ref());
    serde_json::to_value(schema.expect("derived CRDs carry a schema")).expect("schema serializes")
}

/// The schema as the committed file has it (what a cluster gets).
fn committed_schema() -> Value {
    let text = std::fs::read_to_string(repo_file(crd::CRD_PATH)).expect("crds/sectoruniverse.yaml exists");
    let crd: Value = serde_yaml::from_str(&text).expect("the CRD file is YAML");
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
}

fn universe(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "sector.dev/v1alpha1", "kind": "SectorUniverse", "metadata": {"name": name}, "spec": spec})
}

fn check(object: &Value, old: Option<&Value>) -> Result<(), String> {
    kube::core::cel::Validator::new().validate(&committed_schema(), object, old).map_err(|e| e.to_string())
}

#[test]
fn committed_crd_matches_the_types() {
    let committed =
        std::fs::read_to_string(repo_file(crd::CRD_PATH)).expect("crds/sectoruniverse.yaml exists");
    let generated = crd::crd_yaml().expect("CRD serializes");
    assert!(
        committed == generated,
        "crds/sectoruniverse.yaml is stale: run `cargo run -p sector-operator --bin crdgen -- \
         crds/sectoruniverse.yaml charts/sector-operator/crds/sectoruniverse.yaml`"
    );
}

#[test]
fn chart_ships_the_same_crd() {
    let committed =
        std::fs::read_to_string(repo_file(crd::CRD_PATH)).expect("crds/sectoruniverse.yaml exists");
    let chart = std::fs::read_to_string(repo_file("charts/sector-operator/crds/sectoruniverse.yaml"))
        .expect("the chart has the CRD");
    assert!(
        chart == committed,
        "stale chart CRD: run crdgen with both paths (see committed_crd_matches_the_types)"
    );
}

#[test]
fn schema_is_structural() {
    assert_eq!(structural::check(&schema()), Vec::<String>::new());
}

#[test]
fn names_columns_and_subresources() {
    let crd = SectorUniverse::crd();
    assert_eq!(crd.spec.names.short_names, Some(vec!["su".to_owned(), "universe".to_owned()]));
    assert_eq!(crd.spec.scope, "Namespaced");
    let version = &crd.spec.versions[0];
    let columns: Vec<&str> =
        version.additional_printer_columns.iter().flatten().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["Phase", "Run", "Tick", "Paused", "BotsOnly", "Bots", "URL", "Age"]);
    assert!(version.subresources.as_ref().and_then(|s| s.status.as_ref()).is_some());
    // Every spec field explains itself to `kubectl explain`.
    let spec = &schema()["properties"]["spec"]["properties"];
    for (field, body) in spec.as_object().expect("spec has properties") {
        assert!(
            body.get("description").is_some_and(|d| d.as_str().is_some_and(|d| !d.is_empty())),
            "{field}"
        );
    }
}

#[test]
fn cel_bot_bounds() {
    assert!(check(&universe("blue", json!({"bots": {"minReplicas": 2, "maxReplicas": 3}})), None).is_ok());
    let err =
        check(&universe("blue", json!({"bots": {"minReplicas": 5, "maxReplicas": 3}})), None).unwrap_err();
    assert!(err.contains("bots.minReplicas must not exceed bots.maxReplicas"), "{err}");
    // Against the default maximum (4).
    assert!(check(&universe("blue", json!({"bots": {"minReplicas": 6}})), None).is_err());
}

#[test]
fn cel_restart_generation_never_decreases() {
    let old = universe("blue", json!({"restartGeneration": 3}));
    assert!(check(&universe("blue", json!({"restartGeneration": 4})), Some(&old)).is_ok());
    let err = check(&universe("blue", json!({"restartGeneration": 2})), Some(&old)).unwrap_err();
    assert!(err.contains("may only increase"), "{err}");
    assert!(check(&universe("blue", json!({})), Some(&old)).is_err(), "removing it counts as 0");
}

#[test]
fn cel_seed_is_fixed_within_a_run() {
    let old = universe("blue", json!({"world": {"seed": "a"}, "restartGeneration": 1}));
    let same_run = universe("blue", json!({"world": {"seed": "b"}, "restartGeneration": 1}));
    let err = check(&same_run, Some(&old)).unwrap_err();
    assert!(err.contains("spec.world.seed is fixed within a run"), "{err}");
    let new_run = universe("blue", json!({"world": {"seed": "b"}, "restartGeneration": 2}));
    assert!(check(&new_run, Some(&old)).is_ok());
    let other_change =
        universe("blue", json!({"world": {"seed": "a", "systems": 40}, "restartGeneration": 1}));
    assert!(check(&other_change, Some(&old)).is_ok());
}

#[test]
fn cel_name_ingress_and_minter() {
    assert!(check(&universe(&"a".repeat(41), json!({})), None).is_err());
    assert!(check(&universe("Blue", json!({})), None).is_err());
    let err = check(&universe("blue", json!({"ingress": {"enabled": true}})), None).unwrap_err();
    assert!(err.contains("ingress.host is required"), "{err}");
    assert!(
        check(&universe("blue", json!({"ingress": {"enabled": true, "host": "b.example"}})), None).is_ok()
    );
    assert!(check(&universe("blue", json!({"minter": {"enabled": true}})), None).is_err());
}

#[test]
fn cel_redis_storage_is_fixed_once_the_universe_exists() {
    let with = |storage: Value| universe("blue", json!({"redis": {"storage": storage}}));
    let old = with(json!({"size": "1Gi"}));
    let refused = [
        ("a new size", with(json!({"size": "2Gi"}))),
        ("a storage class", with(json!({"size": "1Gi", "storageClassName": "fast"}))),
        ("no storage", universe("blue", json!({"redis": {"appendOnly": true}}))),
        ("no redis section", universe("blue", json!({}))),
    ];
    for (what, new) in refused {
        let err = check(&new, Some(&old)).expect_err(what);
        assert!(err.contains("spec.redis.storage is fixed once the universe exists"), "{what}: {err}");
    }
    // Added later, also when the old universe had no redis section at all.
    for old in [universe("blue", json!({})), universe("blue", json!({"redis": {"appendOnly": true}}))] {
        let err = check(&with(json!({"size": "1Gi"})), Some(&old)).expect_err("storage added");
        assert!(err.contains("spec.redis.storage"), "{err}");
    }
    // The retention policy and everything else may change; a new universe may pick any storage.
    assert!(check(&with(json!({"size": "1Gi", "retentionPolicy": "Delete"})), Some(&old)).is_ok());
    let other = universe("blue", json!({"paused": true, "redis": {"storage": {"size": "1Gi"}}}));
    assert!(check(&other, Some(&old)).is_ok());
    assert!(check(&with(json!({"size": "5Gi", "storageClassName": "fast"})), None).is_ok());
    // The enum is the schema's business (not CEL's): the types refuse other values too.
    let bad = with(json!({"size": "1Gi", "retentionPolicy": "Sometimes"}));
    assert!(serde_json::from_value::<SectorUniverse>(bad).is_err());
    let enum_values = &schema()["properties"]["spec"]["properties"]["redis"]["properties"]["storage"]["properties"]
        ["retentionPolicy"]["enum"];
    assert_eq!(enum_values, &json!(["Retain", "Delete", null]));
}

#[test]
fn cel_gateway_excludes_ingress_only_fields() {
    let ingress = |extra: Value| {
        let mut ingress = json!({"enabled": true, "host": "b.example",
                                 "gateway": {"parentRefs": [{"name": "public", "sectionName": "https"}]}});
        for (k, v) in extra.as_object().expect("object") {
            ingress[k] = v.clone();
        }
        universe("blue", json!({"ingress": ingress}))
    };
    assert!(check(&ingress(json!({"annotations": {"external-dns/hostname": "b.example"}})), None).is_ok());
    let err = check(&ingress(json!({"className": "nginx"})), None).unwrap_err();
    assert!(err.contains("ingress.className selects an IngressClass"), "{err}");
    let err = check(&ingress(json!({"tlsSecretName": "blue-tls"})), None).unwrap_err();
    assert!(err.contains("the Gateway's listener terminates TLS"), "{err}");
}

/// Every `examples/*.yaml`, by file name.
fn examples() -> Vec<(String, Value)> {
    let dir = repo_file("examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "examples found: {files:?}");
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("example readable");
            let value: Value =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
            (path.file_name().expect("file name").to_string_lossy().into_owned(), value)
        })
        .collect()
}

#[test]
fn examples_deserialize_and_pass_the_schema_rules() {
    for (file, value) in examples() {
        let typed: SectorUniverse = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{file}: not a SectorUniverse: {e}"));
        assert_eq!(sector_operator::validate::problems(&typed), Vec::<String>::new(), "{file}");
        check(&value, None).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

#[test]
fn examples_leave_the_image_to_the_operator() {
    // A pinned image would outlive operator upgrades: the universe would keep running the old
    // workloads against a newer operator's children.
    for (file, value) in examples() {
        let typed: SectorUniverse = serde_json::from_value(value).expect("a SectorUniverse");
        assert_eq!(typed.spec.image, None, "{file} pins spec.image");
    }
}
