//! Snapshot tests (insta) of every child rendered for the example universes: a change to any
//! builder shows up as a reviewable diff of the manifests.

use std::path::PathBuf;

use sector_operator::children::{self, Credentials, Inputs};
use sector_operator::crd::SectorUniverse;
use sector_operator::game_config;
use sector_operator::settings::Settings;
use serde_json::Value;

fn example(file: &str) -> SectorUniverse {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples").join(file);
    let text = std::fs::read_to_string(&path).expect("example exists");
    let mut su: SectorUniverse = serde_yaml::from_str(&text).expect("example parses");
    // What the API server would have filled in.
    su.metadata.namespace = Some("games".into());
    su.metadata.uid = Some("00000000-0000-4000-8000-000000000001".into());
    su
}

/// The children as `id → manifest`, with fixed credentials (normally random).
fn render(su: &SectorUniverse, bot_replicas: i32) -> Vec<(String, Option<Value>)> {
    let settings = Settings { default_image: "sector:0.1.0".into(), ..Settings::default() };
    let credentials = Credentials {
        jwt_secret: "j".repeat(64),
        bot_token: "b".repeat(48),
        redis_password: "0123456789abcdef0123456789abcdef".into(),
        minter_api_key: "m".repeat(48),
    };
    let game = game_config::game_config(&su.spec.world).expect("example world is valid");
    let game_json = game_config::game_config_json(&game).expect("config serializes");
    let inputs = Inputs {
        universe: su,
        settings: &settings,
        credentials: &credentials,
        game_config: &game_json,
        bot_replicas,
    };
    children::build_all(&inputs)
        .expect("children build")
        .into_iter()
        .map(|c| {
            // The game config is long and has its own tests; keep the snapshot readable.
            let object = c.object.map(|mut o| {
                if c.id == "config-map" {
                    o["data"]["sim_config.json"] = Value::String(format!("<{} bytes>", game_json.len()));
                }
                o
            });
            (format!("{} {}", c.id, c.name), object)
        })
        .collect()
}

#[test]
fn minimal_universe_children() {
    insta::assert_yaml_snapshot!("minimal", render(&example("minimal.yaml"), 2));
}

#[test]
fn full_universe_children() {
    insta::assert_yaml_snapshot!("full", render(&example("full.yaml"), 5));
}

#[test]
fn gateway_universe_route() {
    let children = render(&example("gateway.yaml"), 1);
    let object = |id: &str| {
        children.iter().find(|(key, _)| key.split(' ').next() == Some(id)).and_then(|(_, o)| o.clone())
    };
    assert!(object("ingress").is_none() && object("api-ingress").is_none(), "the route replaces the Ingress");
    insta::assert_yaml_snapshot!("gateway_http_route", object("http-route").expect("an HTTPRoute"));
}
