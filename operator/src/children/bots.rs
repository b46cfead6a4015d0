//! Bot workers. Replicas come from the autoscaler; each replica registers in Redis under its pod
//! name and drives its rendezvous share of the bot-played factions. The bot serves no HTTP, so
//! it has no probes: a crashed bot restarts, a hung one stops heartbeating and its factions move
//! to the other replicas.

use k8s_openapi::api::apps::v1::Deployment;

use super::Inputs;
use super::pod::{bot_token_env, env, env_field, resources, sector_container};
use super::workload::{self, Rollout, Workload};
use crate::names::{API_PORT, Component};

pub fn deployment(i: &Inputs) -> Deployment {
    let spec = i.spec();
    let vars = vec![
        env("BOT_API_URL", i.names().service_url(Component::Api, API_PORT)),
        bot_token_env(i),
        env_field("BOT_MEMBER_ID", "metadata.name"),
    ];
    let mut container = sector_container(i, Component::Bots, vars);
    container.resources = Some(resources(spec.bots.resources.as_ref(), ["100m", "64Mi", "1", "256Mi"]));
    workload::deployment(
        i,
        Workload {
            component: Component::Bots,
            replicas: i.bot_replicas,
            container,
            rollout: Rollout::RollingUpdate,
            service_account: None,
        },
    )
}
