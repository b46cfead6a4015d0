//! The universe's ConfigMap: the game config file every workload mounts.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;

use super::Inputs;
use super::meta::universe_meta;
use crate::names::SIM_CONFIG_FILE;

pub fn config_map(i: &Inputs) -> ConfigMap {
    ConfigMap {
        metadata: universe_meta(i, i.names().config_map()),
        data: Some(BTreeMap::from([(SIM_CONFIG_FILE.to_owned(), i.game_config.to_owned())])),
        ..ConfigMap::default()
    }
}
