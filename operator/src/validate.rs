//! Checks of a spec beyond what the CRD schema enforces (or for a CRD installed before a rule
//! existed), each problem as a sentence naming the field. An invalid spec is reported in the
//! Degraded condition and an Event; nothing is applied until it is fixed.

use crate::crd::SectorUniverse;
use crate::game_config;
use crate::names::MAX_UNIVERSE_NAME;

/// Every problem of the universe's spec; empty when it is valid.
pub fn problems(universe: &SectorUniverse) -> Vec<String> {
    let mut out = Vec::new();
    let name = universe.metadata.name.as_deref().unwrap_or_default();
    if !is_dns_label(name, MAX_UNIVERSE_NAME) {
        out.push(format!(
            "metadata.name {name:?} must be a lower-case DNS label of at most {MAX_UNIVERSE_NAME} characters"
        ));
    }
    let spec = &universe.spec;
    let bots = &spec.bots;
    if bots.min_replicas() < 0 {
        out.push(format!("bots.minReplicas must be at least 0, got {}", bots.min_replicas()));
    }
    if bots.max_replicas() < 1 {
        out.push(format!("bots.maxReplicas must be at least 1, got {}", bots.max_replicas()));
    }
    if bots.min_replicas() > bots.max_replicas() {
        out.push(format!(
            "bots.minReplicas ({}) must not exceed bots.maxReplicas ({})",
            bots.min_replicas(),
            bots.max_replicas()
        ));
    }
    if bots.factions_per_replica() < 1 {
        out.push(format!("bots.factionsPerReplica must be at least 1, got {}", bots.factions_per_replica()));
    }
    for (field, replicas) in
        [("api.replicas", spec.api.replicas()), ("frontend.replicas", spec.frontend.replicas())]
    {
        if replicas < 1 {
            out.push(format!("{field} must be at least 1, got {replicas}"));
        }
    }
    if spec.world.tick_ms() < 1 {
        out.push(format!("world.tickMs must be positive, got {}", spec.world.tick_ms()));
    }
    if let Err(e) = game_config::game_config(&spec.world) {
        out.push(format!("world: {e}"));
    }
    if spec.ingress.enabled && spec.ingress.host.is_none() {
        out.push("ingress.host is required when ingress.enabled is true".to_owned());
    }
    if let Some(gateway) = &spec.ingress.gateway {
        if gateway.parent_refs.is_empty() {
            out.push("ingress.gateway.parentRefs needs at least one Gateway".to_owned());
        }
        if spec.ingress.class_name.is_some() {
            out.push("ingress.className does not apply with ingress.gateway".to_owned());
        }
        if spec.ingress.tls_secret_name.is_some() {
            out.push(
                "ingress.tlsSecretName does not apply with ingress.gateway (the Gateway's listener terminates TLS)"
                    .to_owned(),
            );
        }
    }
    if spec.minter.enabled && (spec.minter.rpc_url.is_none() || spec.minter.private_key_ref.is_none()) {
        out.push(
            "minter.rpcUrl and minter.privateKeyRef are required when minter.enabled is true".to_owned(),
        );
    }
    for admin in &spec.auth.admins {
        let hex = admin.strip_prefix("0x").unwrap_or_default();
        if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push(format!("auth.admins: {admin:?} is not a wallet address (0x + 40 hex digits)"));
        }
    }
    out
}

fn is_dns_label(name: &str, max: usize) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes[0].is_ascii_lowercase()
        && bytes.last().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::{BotsSpec, SectorUniverseSpec, WorldSpec};

    fn universe(name: &str, spec: SectorUniverseSpec) -> SectorUniverse {
        SectorUniverse::new(name, spec)
    }

    #[test]
    fn a_default_spec_is_valid() {
        assert_eq!(problems(&universe("blue", SectorUniverseSpec::default())), Vec::<String>::new());
    }

    #[test]
    fn each_problem_names_its_field() {
        let spec = SectorUniverseSpec {
            bots: BotsSpec { min_replicas: Some(5), max_replicas: Some(2), ..BotsSpec::default() },
            world: WorldSpec { systems: Some(6), factions: Some(12), ..WorldSpec::default() },
            ..SectorUniverseSpec::default()
        };
        let found = problems(&universe("Blue_1", spec));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("metadata.name \"Blue_1\""));
        assert_eq!(found[1], "bots.minReplicas (5) must not exceed bots.maxReplicas (2)");
        assert!(found[2].contains("12 factions need at least as many systems, got 6"), "{}", found[2]);
    }

    #[test]
    fn gateway_excludes_the_ingress_only_fields() {
        use crate::crd::{GatewayParentRef, GatewaySpec, IngressSpec};
        let ingress = |parent_refs: Vec<GatewayParentRef>| IngressSpec {
            enabled: true,
            host: Some("blue.example".into()),
            class_name: Some("nginx".into()),
            tls_secret_name: Some("blue-tls".into()),
            gateway: Some(GatewaySpec { parent_refs }),
            ..IngressSpec::default()
        };
        let spec = SectorUniverseSpec { ingress: ingress(Vec::new()), ..SectorUniverseSpec::default() };
        let found = problems(&universe("blue", spec));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("ingress.gateway.parentRefs"));
        assert!(found[1].starts_with("ingress.className"));
        assert!(found[2].starts_with("ingress.tlsSecretName"));
        let mut fine =
            ingress(vec![GatewayParentRef { name: "public".into(), ..GatewayParentRef::default() }]);
        fine.class_name = None;
        fine.tls_secret_name = None;
        let spec = SectorUniverseSpec { ingress: fine, ..SectorUniverseSpec::default() };
        assert_eq!(problems(&universe("blue", spec)), Vec::<String>::new());
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("blue-7", 40));
        assert!(!is_dns_label("7blue", 40));
        assert!(!is_dns_label("blue-", 40));
        assert!(!is_dns_label(&"a".repeat(41), 40));
    }
}
