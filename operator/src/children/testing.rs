//! Unit-test support: every child of a universe built from a spec, with fixed credentials.

use serde_json::{Value, json};

use super::{Credentials, Inputs, build_all};
use crate::crd::SectorUniverse;
use crate::settings::Settings;

/// The universe `blue` in namespace `games` with this spec (JSON).
pub fn universe(spec: Value) -> SectorUniverse {
    serde_json::from_value(json!({
        "apiVersion": "sector.dev/v1alpha1",
        "kind": "SectorUniverse",
        "metadata": {"name": "blue", "namespace": "games", "uid": "u-1"},
        "spec": spec,
    }))
    .expect("a valid universe")
}

/// Every child of the universe with this spec, by id, with its desired content (`None`:
/// switched off).
pub fn children(spec: Value) -> Vec<(String, Option<Value>)> {
    let su = universe(spec);
    let settings = Settings::default();
    let credentials = Credentials {
        jwt_secret: "j".repeat(64),
        bot_token: "b".repeat(48),
        redis_password: "0".repeat(32),
        minter_api_key: "m".repeat(48),
    };
    let inputs = Inputs {
        universe: &su,
        settings: &settings,
        credentials: &credentials,
        game_config: "{}",
        bot_replicas: 1,
    };
    build_all(&inputs).expect("children build").into_iter().map(|c| (c.id.to_owned(), c.object)).collect()
}

/// The desired content of child `id` of the universe with this spec (`None`: switched off).
pub fn child(spec: Value, id: &str) -> Option<Value> {
    let found = children(spec).into_iter().find(|(found, _)| found == id);
    found.unwrap_or_else(|| panic!("no child {id}")).1
}
