//! The faction registry (GAME_RULES.md §2): configured factions, the League and rebels.
//!
//! Factions are referred to by their index in the registry ([`FactionIdx`]), which is
//! stable for a run: the registry only grows until the next run rebuilds it.

use serde::{Deserialize, Serialize};

use crate::config::{ConfiguredFaction, Personality};
use crate::rng::Mt19937;

/// Index of a faction in the run's registry (registration order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FactionIdx(pub u16);

impl FactionIdx {
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FactionKind {
    Configured,
    League,
    Rebel { number: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Faction {
    pub id: String,
    pub name: String,
    pub color: String,
    pub personality: Personality,
    pub kind: FactionKind,
}

pub const LEAGUE_NAME: &str = "League of Independents";
pub const LEAGUE_COLOR: &str = "#7fffd4";
/// The id the reference's League registration hard-codes (KNOWN_DEFECTS B17).
pub const LEAGUE_REGISTRATION_ID: &str = "L";
pub const LEAGUE_PERSONALITY: Personality =
    Personality { aggression: 0.65, expansionism: 0.35, greed: 0.6, caution: 0.65 };
const FALLBACK_PALETTE: [&str; 10] = [
    "#ff5555", "#f1fa8c", "#8be9fd", "#a6e22e", "#ff79c6", "#7fffd4", "#50fa7b", "#bd93f9", "#ffb86c",
    "#c0c0c0",
];
const REBEL_PALETTE: [&str; 4] = ["#ff79c6", "#50fa7b", "#bd93f9", "#ffb86c"];

fn fixed_color(id: &str) -> Option<&'static str> {
    Some(match id {
        "E" => "#ff5555",
        "P" => "#f1fa8c",
        "T" => "#8be9fd",
        "M" => "#a6e22e",
        "S" => "#ff79c6",
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    factions: Vec<Faction>,
    /// Rebel factions created this run (the counter `n` of §2.3).
    rebels_created: u32,
}

impl Registry {
    /// The registry at run start: configured factions only.
    pub fn new(configured: &[ConfiguredFaction]) -> Self {
        let mut factions = Vec::with_capacity(configured.len() + 8);
        for (assigned, faction) in configured.iter().enumerate() {
            let color = faction
                .color
                .clone()
                .or_else(|| fixed_color(&faction.id).map(String::from))
                .unwrap_or_else(|| FALLBACK_PALETTE[assigned % FALLBACK_PALETTE.len()].to_string());
            factions.push(Faction {
                id: faction.id.clone(),
                name: faction.name.clone(),
                color,
                personality: faction.personality,
                kind: FactionKind::Configured,
            });
        }
        Registry { factions, rebels_created: 0 }
    }

    pub fn len(&self) -> usize {
        self.factions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.factions.is_empty()
    }

    pub fn get(&self, idx: FactionIdx) -> &Faction {
        &self.factions[idx.index()]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (FactionIdx, &Faction)> {
        self.factions.iter().enumerate().map(|(i, f)| (FactionIdx(i as u16), f))
    }

    pub fn factions(&self) -> &[Faction] {
        &self.factions
    }

    pub fn find(&self, id: &str) -> Option<FactionIdx> {
        self.factions.iter().position(|f| f.id == id).map(|i| FactionIdx(i as u16))
    }

    pub fn id(&self, idx: FactionIdx) -> &str {
        &self.factions[idx.index()].id
    }

    pub fn name(&self, idx: FactionIdx) -> &str {
        &self.factions[idx.index()].name
    }

    pub fn rebels_created(&self) -> u32 {
        self.rebels_created
    }

    fn push(&mut self, faction: Faction) -> FactionIdx {
        let idx = FactionIdx(self.factions.len() as u16);
        self.factions.push(faction);
        idx
    }

    /// Registers the League under the hard-coded id "L" if it does not exist yet (§2.2).
    /// Returns its index and whether it was newly created.
    pub fn ensure_league(&mut self) -> (FactionIdx, bool) {
        if let Some(idx) = self.find(LEAGUE_REGISTRATION_ID) {
            return (idx, false);
        }
        let idx = self.push(Faction {
            id: LEAGUE_REGISTRATION_ID.to_string(),
            name: LEAGUE_NAME.to_string(),
            color: LEAGUE_COLOR.to_string(),
            personality: LEAGUE_PERSONALITY,
            kind: FactionKind::League,
        });
        (idx, true)
    }

    /// §2.3: a new rebel faction split from `parent`, or — at the cap — an existing rebel
    /// faction picked with the rules generator from the rebels in registration order.
    /// Returns the faction and whether it was newly created.
    pub fn register_rebel(
        &mut self,
        parent: FactionIdx,
        cap: usize,
        rng: &mut Mt19937,
    ) -> (FactionIdx, bool) {
        let existing: Vec<FactionIdx> = self
            .iter()
            .filter(|(_, f)| matches!(f.kind, FactionKind::Rebel { .. }))
            .map(|(i, _)| i)
            .collect();
        if !existing.is_empty() && self.rebels_created as usize >= cap {
            let pick = *rng.choice(&existing).expect("existing rebels are non-empty");
            return (pick, false);
        }
        self.rebels_created += 1;
        let n = self.rebels_created;
        let parent_faction = &self.factions[parent.index()];
        let label = if parent_faction.name.is_empty() { "Rebels" } else { parent_faction.name.as_str() };
        // Every registered faction carries a personality, so the reference's fallback
        // for parents without one (0.6/0.7/0.6/0.5) is never needed.
        let personality = parent_faction.personality;
        let faction = Faction {
            id: format!("R{n}"),
            name: format!("{label} Rebels {n}"),
            color: REBEL_PALETTE[(n as usize - 1) % REBEL_PALETTE.len()].to_string(),
            personality,
            kind: FactionKind::Rebel { number: n },
        };
        (self.push(faction), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn registry() -> Registry {
        Registry::new(&Config::default().configured_factions().unwrap())
    }

    #[test]
    fn configured_factions_get_palette_colours() {
        let r = registry();
        let colours: Vec<_> = r.factions().iter().map(|f| f.color.as_str()).collect();
        assert_eq!(colours, ["#ff5555", "#f1fa8c", "#8be9fd", "#a6e22e", "#ff79c6"]);
    }

    #[test]
    fn rebels_are_named_after_parent_and_capped() {
        let mut r = registry();
        let mut rng = Mt19937::from_seed(1);
        let (r1, new) = r.register_rebel(FactionIdx(0), 2, &mut rng);
        assert!(new);
        assert_eq!(r.get(r1).name, "Empire Rebels 1");
        assert_eq!(r.get(r1).color, "#ff79c6");
        assert_eq!(r.get(r1).personality, r.get(FactionIdx(0)).personality);
        let (r2, _) = r.register_rebel(r1, 2, &mut rng);
        assert_eq!(r.get(r2).name, "Empire Rebels 1 Rebels 2");
        let before = r.len();
        let (reused, new) = r.register_rebel(FactionIdx(1), 2, &mut rng);
        assert!(!new);
        assert!(reused == r1 || reused == r2);
        assert_eq!(r.len(), before);
    }

    #[test]
    fn league_is_registered_once() {
        let mut r = registry();
        let (l, created) = r.ensure_league();
        assert!(created);
        assert_eq!(r.id(l), "L");
        assert_eq!(r.ensure_league(), (l, false));
    }
}
