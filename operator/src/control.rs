//! Admin fields of the spec → the universe's control hash. Pure: given the spec and the hash as
//! read, the patch to write (only fields that differ, so each change is written once) and the
//! actions it amounts to (one Kubernetes Event each).

use sector_store::{Control, ControlPatch};

use crate::crd::SectorUniverseSpec;

/// One admin action carried to the simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    Pause,
    Resume,
    BotsOnly,
    HumansAllowed,
    /// A new run was requested: the generation and the seed it will use (`None`: random).
    Restart {
        generation: i64,
        seed: Option<String>,
    },
}

impl AdminAction {
    /// Event reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Pause => "Paused",
            Self::Resume => "Resumed",
            Self::BotsOnly => "BotsOnlyEnabled",
            Self::HumansAllowed => "BotsOnlyDisabled",
            Self::Restart { .. } => "RestartRequested",
        }
    }

    /// Event note.
    pub fn note(&self) -> String {
        match self {
            Self::Pause => {
                "spec.paused=true written to the control hash; the simulation stops at its next tick".into()
            }
            Self::Resume => "spec.paused=false written to the control hash; the simulation resumes".into(),
            Self::BotsOnly => {
                "spec.botsOnly=true: human claims are cleared and refused; bots play every faction".into()
            }
            Self::HumansAllowed => "spec.botsOnly=false: players may claim factions again".into(),
            Self::Restart { generation, seed } => match seed {
                Some(seed) => format!("restartGeneration {generation}: a new run starts with seed {seed:?}"),
                None => format!("restartGeneration {generation}: a new run starts with a random seed"),
            },
        }
    }
}

/// The patch that brings the hash to the spec, and the actions it carries; `None` when the hash
/// already says what the spec says. A restart is only written when `restart_allowed` (the sim
/// runs the current template, so the new run gets the new world settings).
pub fn sync(
    spec: &SectorUniverseSpec,
    hash: &Control,
    restart_allowed: bool,
) -> Option<(ControlPatch, Vec<AdminAction>)> {
    let mut patch = ControlPatch::default();
    let mut actions = Vec::new();
    if spec.paused != hash.paused {
        patch.paused = Some(spec.paused);
        actions.push(if spec.paused { AdminAction::Pause } else { AdminAction::Resume });
    }
    if spec.bots_only != hash.bots_only {
        patch.bots_only = Some(spec.bots_only);
        actions.push(if spec.bots_only { AdminAction::BotsOnly } else { AdminAction::HumansAllowed });
    }
    if restart_pending(spec, hash) && restart_allowed {
        let seed = spec.restart_seed.clone().or_else(|| spec.world.seed.clone());
        patch.restart_generation = Some(spec.restart_generation);
        patch.restart_seed = Some(seed.clone());
        actions.push(AdminAction::Restart { generation: spec.restart_generation, seed });
    }
    (!actions.is_empty()).then_some((patch, actions))
}

/// The spec asks for a restart the hash has not been told about.
pub fn restart_pending(spec: &SectorUniverseSpec, hash: &Control) -> bool {
    spec.restart_generation > hash.restart_generation
}

/// A restart the simulation has not applied yet (asked in the spec or written to the hash).
pub fn restart_unapplied(spec: &SectorUniverseSpec, hash: &Control) -> bool {
    let applied = hash.status.applied_restart_generation.unwrap_or(0);
    spec.restart_generation > applied || hash.restart_pending()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::WorldSpec;

    #[test]
    fn nothing_to_write_when_the_hash_agrees() {
        assert_eq!(sync(&SectorUniverseSpec::default(), &Control::default(), true), None);
        let spec =
            SectorUniverseSpec { paused: true, restart_generation: 2, ..SectorUniverseSpec::default() };
        let hash = Control { paused: true, restart_generation: 2, ..Control::default() };
        assert_eq!(sync(&spec, &hash, true), None);
    }

    #[test]
    fn each_difference_is_one_field_and_one_action() {
        let spec = SectorUniverseSpec {
            paused: true,
            bots_only: true,
            restart_generation: 3,
            world: WorldSpec { seed: Some("alpha".into()), ..WorldSpec::default() },
            ..SectorUniverseSpec::default()
        };
        let (patch, actions) =
            sync(&spec, &Control { restart_generation: 2, ..Control::default() }, true).unwrap();
        assert_eq!(
            patch,
            ControlPatch {
                paused: Some(true),
                bots_only: Some(true),
                restart_generation: Some(3),
                restart_seed: Some(Some("alpha".into())),
            }
        );
        assert_eq!(
            actions,
            vec![
                AdminAction::Pause,
                AdminAction::BotsOnly,
                AdminAction::Restart { generation: 3, seed: Some("alpha".into()) }
            ]
        );
    }

    #[test]
    fn a_restart_waits_until_allowed_and_prefers_the_restart_seed() {
        let spec = SectorUniverseSpec {
            restart_generation: 1,
            restart_seed: Some("next".into()),
            world: WorldSpec { seed: Some("alpha".into()), ..WorldSpec::default() },
            ..SectorUniverseSpec::default()
        };
        assert_eq!(sync(&spec, &Control::default(), false), None);
        let (patch, _) = sync(&spec, &Control::default(), true).unwrap();
        assert_eq!(patch.restart_seed, Some(Some("next".into())));
        assert!(restart_unapplied(&spec, &Control { restart_generation: 1, ..Control::default() }));
    }

    #[test]
    fn a_lower_generation_is_never_written() {
        let spec = SectorUniverseSpec { restart_generation: 1, ..SectorUniverseSpec::default() };
        assert_eq!(sync(&spec, &Control { restart_generation: 4, ..Control::default() }, true), None);
    }
}
