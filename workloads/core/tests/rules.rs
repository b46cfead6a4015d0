//! Unit tests of each game rule (GAME_RULES.md §5–§10) on small hand-made worlds, through
//! the public API only. Every random draw is predicted by cloning the world's rules
//! generator, or pinned by choosing a seed whose first draws fall where a test needs them.

use sector_core::economy::econ_value;
use sector_core::faction::FactionKind;
use sector_core::hash::{RestoreError, restore, save, state_hash};
use sector_core::outcome::{active_factions, eliminated, winner};
use sector_core::rng::Mt19937;
use sector_core::world::{EventKind, HistoryEvent};
use sector_core::{
    Config, FactionIdx, Fleet, FleetId, Order, Registry, System, SystemId, SystemKind, TickSummary, World,
};

const F1: FactionIdx = FactionIdx(0);
const F2: FactionIdx = FactionIdx(1);
const F3: FactionIdx = FactionIdx(2);
/// The first faction registered during a run (the League or R1) follows F1..F5.
const FIRST_DYNAMIC: FactionIdx = FactionIdx(5);

// ---------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------

/// `n` neutral systems (value 5, normal, fully stable, garrison 0 and maturity 0 — the state
/// of an unowned system after tick 1) joined by `lanes`, the shipped config and registry
/// (F1..F5), no fleets, and the rules generator seeded with `seed`.
fn world(n: usize, lanes: &[(SystemId, SystemId)], seed: i128) -> World {
    let config = Config::default();
    let registry = Registry::new(&config.configured_factions().unwrap());
    let mut lanes: Vec<(SystemId, SystemId)> = lanes.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    lanes.sort_unstable();
    let mut neighbors = vec![Vec::new(); n];
    for &(a, b) in &lanes {
        neighbors[a as usize].push(b);
        neighbors[b as usize].push(a);
    }
    let systems = neighbors
        .into_iter()
        .enumerate()
        .map(|(i, mut neighbors)| {
            neighbors.sort_unstable();
            System {
                id: i as SystemId,
                x: i as f64 / n as f64,
                y: 0.5,
                value: 5,
                kind: SystemKind::Normal,
                neighbors,
                owner: None,
                stability: 1.0,
                heat: 0.0,
                unrest: 0.0,
                reclaim_cooldown: 0,
                occupation_faction: None,
                occupation_progress: 0,
                garrison: 0.0,
                econ_maturity: 0,
            }
        })
        .collect();
    World {
        tick: 0,
        systems,
        lanes,
        fleets: Vec::new(),
        next_fleet_id: 0,
        build_stock: vec![0.0; registry.len()],
        registry,
        events: Default::default(),
        history: Default::default(),
        highlights: Vec::new(),
        generator_seed: seed as i64,
        rng: Mt19937::from_seed(seed),
        orders_applied: None,
        config,
    }
}

/// Systems 0 – 1 – … – n−1 on a line.
fn line(n: usize, seed: i128) -> World {
    let lanes: Vec<_> = (1..n as SystemId).map(|i| (i - 1, i)).collect();
    world(n, &lanes, seed)
}

fn system(w: &mut World, id: SystemId) -> &mut System {
    &mut w.systems[id as usize]
}

/// Gives `id` to `owner` as a settled system: full garrison (3.0) and full maturity (15).
fn own(w: &mut World, id: SystemId, owner: FactionIdx) -> &mut System {
    let s = system(w, id);
    s.owner = Some(owner);
    s.garrison = 3.0;
    s.econ_maturity = 15;
    s
}

fn add_fleet(w: &mut World, fleet: Fleet) -> FleetId {
    let id = fleet.id;
    w.fleets.push(fleet);
    w.next_fleet_id = id + 1;
    id
}

/// An idle fleet at full strength.
fn idle(w: &mut World, owner: FactionIdx, at: SystemId, strength: f64) -> FleetId {
    let id = w.next_fleet_id;
    add_fleet(
        w,
        Fleet {
            id,
            owner,
            system_id: Some(at),
            strength,
            max_strength: strength,
            enroute_from: None,
            enroute_to: None,
            eta: 0,
        },
    )
}

/// A fleet on the lane `from`→`to` that arrives during the next tick (eta 1).
fn arriving(w: &mut World, owner: FactionIdx, from: SystemId, to: SystemId, strength: f64) -> FleetId {
    let id = w.next_fleet_id;
    add_fleet(
        w,
        Fleet {
            id,
            owner,
            system_id: None,
            strength,
            max_strength: strength,
            enroute_from: Some(from),
            enroute_to: Some(to),
            eta: 1,
        },
    )
}

fn fleet(w: &World, id: FleetId) -> &Fleet {
    w.fleet(id).unwrap_or_else(|| panic!("fleet {id} is gone"))
}

fn gone(w: &World, id: FleetId) -> bool {
    w.fleet(id).is_none()
}

/// §6.8 on an idle fleet: ×(1 − 0.01), then ×(1 + 0.02) capped at max strength.
fn upkept(strength: f64, max_strength: f64) -> f64 {
    (strength * (1.0 - 0.01) * (1.0 + 0.02)).min(max_strength)
}

fn count(counter: &[u32], faction: FactionIdx) -> u32 {
    counter.get(faction.index()).copied().unwrap_or(0)
}

fn events_of_tick(w: &World) -> Vec<&HistoryEvent> {
    w.history.iter().filter(|e| e.tick == w.tick).collect()
}

fn kinds_of_tick(w: &World) -> Vec<EventKind> {
    events_of_tick(w).iter().map(|e| e.kind).collect()
}

fn battle_event(w: &World) -> &HistoryEvent {
    w.history
        .iter()
        .find(|e| matches!(e.kind, EventKind::FleetBattleWin | EventKind::FleetBattleLose))
        .expect("a battle was fought")
}

/// The first seed (from 0) whose fresh rules generator satisfies `pred`.
fn seed_where(pred: impl Fn(&mut Mt19937) -> bool) -> i128 {
    (0..1_000_000i128).find(|&seed| pred(&mut Mt19937::from_seed(seed))).expect("a suitable seed exists")
}

/// `rng` after `n` more `random()` draws.
fn after_draws(rng: &Mt19937, n: usize) -> Mt19937 {
    let mut rng = rng.clone();
    for _ in 0..n {
        rng.random();
    }
    rng
}

/// Asserts that the battle set up by `make(seed)` is fought at odds `p`: a roll just below
/// `p` wins, a roll just above loses, and the event reports `p` to two decimals.
fn assert_battle_odds(make: impl Fn(i128) -> World, p: f64) {
    let window = 0.003;
    let below = seed_where(|r| (p - window..p).contains(&r.random()));
    let above = seed_where(|r| (p..p + window).contains(&r.random()));
    for (seed, attacker_wins) in [(below, true), (above, false)] {
        let mut w = make(seed);
        let roll = w.rng.clone().random();
        w.advance(&[]);
        let battle = battle_event(&w);
        assert_eq!(
            battle.kind == EventKind::FleetBattleWin,
            attacker_wins,
            "roll {roll} against odds {p}: {}",
            battle.text
        );
        assert!(battle.text.contains(&format!("(local odds {p:.2})")), "{}", battle.text);
    }
}

// ---------------------------------------------------------------------------------------
// §7.2 Battle odds and the 8× rule
// ---------------------------------------------------------------------------------------

/// F1 attacks system 1 of the line 0–1–2 with `att` arriving this tick; F2 has `def` idle
/// there. Who owns system 1 (and its garrison) is up to each test.
fn assault(seed: i128, att: f64, def: f64) -> World {
    let mut w = line(3, seed);
    arriving(&mut w, F1, 0, 1, att);
    idle(&mut w, F2, 1, def);
    w
}

#[test]
fn equal_forces_away_from_home_fight_at_even_odds() {
    // System 1 belongs to F3, so F2 defends without home bonus and without garrison.
    assert_battle_odds(
        |seed| {
            let mut w = assault(seed, 10.0, 10.0);
            own(&mut w, 1, F3);
            w
        },
        0.5,
    );
}

#[test]
fn a_defender_at_home_gets_the_home_bonus() {
    // p = 0.5 + 0.3 × 0 − 0.05.
    assert_battle_odds(
        |seed| {
            let mut w = assault(seed, 10.0, 10.0);
            own(&mut w, 1, F2).garrison = 0.0;
            w
        },
        0.45,
    );
}

#[test]
fn the_home_garrison_adds_to_the_defence() {
    // ED = 10 + 2; p = 0.5 + 0.3 × (−2 / 22) − 0.05.
    assert_battle_odds(
        |seed| {
            let mut w = assault(seed, 10.0, 10.0);
            own(&mut w, 1, F2).garrison = 2.0;
            w
        },
        0.5 + 0.3 * (-2.0 / 22.0) - 0.05,
    );
}

#[test]
fn a_reclaim_cooldown_lowers_the_attackers_odds() {
    // p = 0.45 − 0.15.
    assert_battle_odds(
        |seed| {
            let mut w = assault(seed, 10.0, 10.0);
            let s = own(&mut w, 1, F2);
            s.garrison = 0.0;
            s.reclaim_cooldown = 2;
            w
        },
        0.30,
    );
}

#[test]
fn odds_are_clamped_below_at_one_in_five() {
    // Unclamped: 0.5 + 0.3 × (−6.5 / 8.5) − 0.05 − 0.15 ≈ 0.07; still no 8× (7.5 < 8).
    assert_battle_odds(
        |seed| {
            let mut w = assault(seed, 1.0, 7.5);
            let s = own(&mut w, 1, F2);
            s.garrison = 0.0;
            s.reclaim_cooldown = 1;
            w
        },
        0.2,
    );
}

#[test]
fn the_league_fights_with_a_tech_multiplier_of_1_3() {
    // League attacker: AP = 10 × 1.3 against ED = 10 at home.
    assert_battle_odds(
        |seed| {
            let mut w = line(3, seed);
            let (league, _) = w.registry.ensure_league();
            w.build_stock.push(0.0);
            arriving(&mut w, league, 0, 1, 10.0);
            idle(&mut w, F2, 1, 10.0);
            own(&mut w, 1, F2).garrison = 0.0;
            w
        },
        0.5 + 0.3 * (3.0 / 23.0) - 0.05,
    );
    // League defender at home: ED = 10 × 1.3 + garrison 1 × 1.3.
    assert_battle_odds(
        |seed| {
            let mut w = line(3, seed);
            let (league, _) = w.registry.ensure_league();
            w.build_stock.push(0.0);
            arriving(&mut w, F1, 0, 1, 10.0);
            idle(&mut w, league, 1, 10.0);
            own(&mut w, 1, league).garrison = 1.0;
            w
        },
        0.5 + 0.3 * ((10.0 - 14.3) / (10.0 + 14.3)) - 0.05,
    );
}

#[test]
fn eight_times_the_power_wins_outright_without_a_draw() {
    let mut w = assault(7, 8.0, 1.0);
    own(&mut w, 1, F3);
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_eq!(w.rng, rng_before, "an 8× battle consumes no random draw");
    let battle = battle_event(&w);
    assert_eq!(battle.kind, EventKind::FleetBattleWin);
    assert!(battle.text.contains("(local odds 0.50)"), "{}", battle.text);
    assert_eq!(w.systems[1].owner, Some(F1));
    assert_eq!(fleet(&w, 0).strength, upkept(8.0 - 0.35 * 1.0, 8.0));
}

#[test]
fn the_home_garrison_counts_towards_the_8x_rule() {
    // 16 ≥ 8 × (1 + 1): outright win.
    let mut w = assault(7, 16.0, 1.0);
    own(&mut w, 1, F2).garrison = 1.0;
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_eq!(w.rng, rng_before);
    assert_eq!(battle_event(&w).kind, EventKind::FleetBattleWin);

    // 15.9 < 16: a real battle with exactly one draw.
    let mut w = assault(7, 15.9, 1.0);
    own(&mut w, 1, F2).garrison = 1.0;
    let expected_rng = after_draws(&w.rng, 1);
    w.advance(&[]);
    assert_eq!(w.rng, expected_rng);
}

#[test]
fn the_league_tech_multiplier_counts_towards_the_8x_rule() {
    // 7 < 8, but 7 × 1.3 = 9.1 ≥ 8 × 1.
    let mut w = line(3, 7);
    let (league, _) = w.registry.ensure_league();
    w.build_stock.push(0.0);
    arriving(&mut w, league, 0, 1, 7.0);
    idle(&mut w, F2, 1, 1.0);
    own(&mut w, 1, F3);
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_eq!(w.rng, rng_before);
    assert_eq!(battle_event(&w).kind, EventKind::FleetBattleWin);
    assert_eq!(w.systems[1].owner, Some(league));
}

#[test]
fn eight_times_the_defence_loses_outright_without_a_draw() {
    let mut w = assault(7, 1.0, 8.0);
    own(&mut w, 1, F3);
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_eq!(w.rng, rng_before);
    let battle = battle_event(&w);
    assert_eq!(battle.kind, EventKind::FleetBattleLose);
    assert!(battle.text.contains("(local odds 0.50)"), "{}", battle.text);
    assert!(gone(&w, 0));
    // Away from home: eff = Att; survivor = max(3, 8 − 0.35 × 1).
    assert_eq!(fleet(&w, 1).strength, upkept(8.0 - 0.35 * 1.0, 8.0));
    assert_eq!(w.systems[1].owner, Some(F3));
}

// ---------------------------------------------------------------------------------------
// §7.2 Battle results
// ---------------------------------------------------------------------------------------

#[test]
fn a_winning_attack_collapses_into_its_strongest_fleet() {
    // Att = 6 + 9, Def = 10 at home with garrison 1: p = 0.5 + 0.3 × (4/26) − 0.05 ≈ 0.496.
    let make = |seed| {
        let mut w = line(3, seed);
        arriving(&mut w, F1, 0, 1, 6.0);
        arriving(&mut w, F1, 2, 1, 9.0);
        idle(&mut w, F2, 1, 10.0);
        own(&mut w, 1, F2).garrison = 1.0;
        w
    };
    let mut w = make(seed_where(|r| r.random() < 0.45));
    let summary = w.advance(&[]);
    assert_eq!(kinds_of_tick(&w), [EventKind::FleetBattleWin]);
    let survivor = (6.0 + 9.0) - 0.35 * 10.0;
    assert!(gone(&w, 0), "the weaker attacker is folded into the stronger one");
    assert!(gone(&w, 2), "the defender is destroyed");
    assert_eq!(fleet(&w, 1).strength, upkept(survivor, survivor));
    assert_eq!(fleet(&w, 1).max_strength, survivor);
    let s = &w.systems[1];
    assert_eq!(s.owner, Some(F1));
    assert_eq!(s.garrison, 0.0 + 0.1, "the garrison is wiped, then regrows");
    assert_eq!(s.econ_maturity, 1);
    let unrest = 0.0 + 0.25;
    assert_eq!(s.unrest, unrest * 0.9);
    assert_eq!(s.stability, (1.0 - 0.15) - 0.05 - 0.1 * unrest + 0.01);
    assert_eq!(s.heat, 2.0 * 0.85);
    assert_eq!((count(&summary.wins, F1), count(&summary.expansions, F1)), (1, 1));
    assert_eq!(count(&summary.losses, F2), 1);
}

#[test]
fn tied_attacking_fleets_collapse_into_the_lower_id() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 5.0);
    arriving(&mut w, F1, 2, 1, 5.0);
    idle(&mut w, F2, 1, 1.0);
    own(&mut w, 1, F3);
    w.advance(&[]); // 10 ≥ 8 × 1: outright win.
    assert_eq!(fleet(&w, 0).strength, upkept(10.0 - 0.35, 10.0 - 0.35));
    assert!(gone(&w, 1));
}

#[test]
fn a_winning_attacker_keeps_at_least_one_strength() {
    // 0.5 ≥ 8 × 0.05: outright win; 0.5 − 0.35 × 0.05 < 1 becomes 1.0.
    let mut w = assault(0, 0.5, 0.05);
    own(&mut w, 1, F3);
    w.advance(&[]);
    assert_eq!(fleet(&w, 0).strength, 1.0);
    assert_eq!(fleet(&w, 0).max_strength, 1.0);
}

#[test]
fn a_winning_defender_is_pooled_soaks_with_its_garrison_and_wipes_its_allies() {
    // F1 (10) attacks F2's home (garrison 3) where F2 (10) and a parked F3 fleet (4) sit.
    // ED = 14 + 3, p = 0.5 + 0.3 × (−7/27) − 0.05 ≈ 0.372.
    let make = |seed| {
        let mut w = assault(seed, 10.0, 10.0);
        idle(&mut w, F3, 1, 4.0);
        own(&mut w, 1, F2);
        w
    };
    let mut w = make(seed_where(|r| r.random() >= 0.4));
    let summary = w.advance(&[]);
    let battle = battle_event(&w);
    assert_eq!(battle.kind, EventKind::FleetBattleLose);
    assert_eq!(battle.factions, [F1, F2, F3]);
    let eff = 10.0 - 0.8 * 3.0;
    let survivor = (10.0 + 4.0) - 0.35 * eff;
    assert!(gone(&w, 0), "every attacker dies");
    assert!(gone(&w, 2), "the weaker defender of another faction is wiped too");
    assert_eq!(fleet(&w, 1).strength, upkept(survivor, survivor));
    assert_eq!(fleet(&w, 1).max_strength, survivor);
    let s = &w.systems[1];
    assert_eq!(s.owner, Some(F2));
    assert_eq!(s.garrison, 0.0 + 0.1, "garrison := max(0, 3 − 10), then regrows");
    assert_eq!(s.stability, 1.0 - 0.15 + 0.01);
    assert_eq!((count(&summary.wins, F2), count(&summary.wins, F3)), (1, 1));
    assert_eq!(count(&summary.losses, F1), 1);
}

#[test]
fn a_winning_defender_keeps_at_least_three_strength() {
    // Att 20 against Def 2 at home with garrison 1: ED = 3, no 8× (20 < 24).
    let make = |seed| {
        let mut w = assault(seed, 20.0, 2.0);
        own(&mut w, 1, F2).garrison = 1.0;
        w
    };
    let mut w = make(seed_where(|r| r.random() >= 0.7));
    w.advance(&[]);
    assert_eq!(battle_event(&w).kind, EventKind::FleetBattleLose);
    assert_eq!(fleet(&w, 1).strength, 3.0);
    assert_eq!(fleet(&w, 1).max_strength, 3.0);
}

#[test]
fn an_away_defender_gets_no_garrison_soak_but_the_garrison_still_suffers() {
    // F2 defends F3's system: eff = Att, survivor = max(3, 10 − 0.35 × 10).
    let make = |seed| {
        let mut w = assault(seed, 10.0, 10.0);
        own(&mut w, 1, F3);
        w
    };
    let mut w = make(seed_where(|r| r.random() >= 0.55));
    w.advance(&[]);
    assert_eq!(battle_event(&w).kind, EventKind::FleetBattleLose);
    assert_eq!(fleet(&w, 1).strength, upkept(10.0 - 0.35 * 10.0, 10.0));
    assert_eq!(w.systems[1].garrison, 0.0 + 0.1);
    assert_eq!(w.systems[1].owner, Some(F3));
}

// ---------------------------------------------------------------------------------------
// §7.1 Undefended systems and capture
// ---------------------------------------------------------------------------------------

#[test]
fn the_garrison_soaks_a_weak_attack_and_the_attacker_parks_undamaged() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 5.9);
    own(&mut w, 1, F2);
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_eq!(w.rng, rng_before);
    assert!(kinds_of_tick(&w).is_empty());
    assert!(w.highlights.is_empty());
    assert_eq!(w.systems[1].owner, Some(F2));
    assert_eq!(w.systems[1].garrison, 0.0 + 0.1, "soaked to 0 (5.9 − 3 < 3 fails), then regrows");
    assert_eq!(fleet(&w, 0).strength, 5.9, "the attacker takes no damage");
    assert_eq!(fleet(&w, 0).system_id, Some(1));
    // Nobody re-evaluates the parked fleet: the system stays F2's.
    for _ in 0..5 {
        w.advance(&[]);
    }
    assert_eq!(w.systems[1].owner, Some(F2));
    assert_eq!(fleet(&w, 0).system_id, Some(1));
}

#[test]
fn an_attack_smaller_than_the_garrison_only_wears_it_down() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 2.0);
    own(&mut w, 1, F2);
    w.advance(&[]);
    assert_eq!(w.systems[1].garrison, (3.0 - 2.0) + 0.1);
    assert_eq!(fleet(&w, 0).strength, 2.0);
    assert_eq!(w.systems[1].owner, Some(F2));
}

#[test]
fn six_strength_takes_a_fully_garrisoned_undefended_system() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 6.0);
    own(&mut w, 1, F2);
    let summary = w.advance(&[]);
    assert_eq!(w.systems[1].owner, Some(F1));
    assert_eq!(kinds_of_tick(&w), [EventKind::FleetCaptureNoDefense]);
    assert_eq!(fleet(&w, 0).strength, 6.0, "the attacker takes no damage");
    assert_eq!(count(&summary.expansions, F1), 1);
    assert_eq!(count(&summary.wins, F1), 1);
    assert_eq!(count(&summary.losses, F2), 1);
}

#[test]
fn fleets_already_parked_add_to_an_attack() {
    // A parked 3.0 plus an arriving 3.0 beat the full garrison together.
    let mut w = line(3, 0);
    idle(&mut w, F1, 1, 3.0);
    arriving(&mut w, F1, 0, 1, 3.0);
    own(&mut w, 1, F2);
    w.advance(&[]);
    assert_eq!(w.systems[1].owner, Some(F1));
}

#[test]
fn capture_applies_its_effects() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 7.0);
    let s = own(&mut w, 1, F2);
    s.kind = SystemKind::Relic;
    s.unrest = 0.1;
    s.stability = 0.9;
    s.heat = 1.0;
    let rng_before = w.rng.clone();
    w.advance(&[]);
    let unrest = (0.1 + 0.25f64).min(1.0);
    let stability = (0.9 - 0.05 - 0.1 * unrest).max(0.0);
    let s = &w.systems[1];
    assert_eq!(s.owner, Some(F1));
    assert_eq!(s.unrest, unrest * 0.9);
    assert_eq!(s.stability, stability + 0.01);
    assert_eq!(s.heat, (1.0 + 1.5) * 0.85);
    assert_eq!(s.garrison, (0.0 + 1.5) + 0.1);
    assert_eq!(s.econ_maturity, 1);
    assert_eq!(s.occupation_faction, None);
    assert_eq!(s.occupation_progress, 0);
    assert_eq!(w.rng, rng_before, "stable enough: the rebellion check draws nothing");
    let events = events_of_tick(&w);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].text, "t=1: Fleet of Empire secured relic world #1 via rapid occupation");
    assert_eq!(events[0].factions, [F1]);
    assert_eq!(w.highlights, [1]);
}

#[test]
fn capture_heat_is_capped_at_three() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 7.0);
    own(&mut w, 1, F2).heat = 2.0;
    w.advance(&[]);
    assert_eq!(w.systems[1].heat, 3.0 * 0.85);
}

#[test]
fn three_strength_captures_a_neutral_on_arrival() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 3.0);
    let summary = w.advance(&[]);
    assert_eq!(w.systems[1].owner, Some(F1));
    assert_eq!(kinds_of_tick(&w), [EventKind::FleetCaptureNoDefense]);
    assert_eq!(count(&summary.expansions, F1), 1);
    assert_eq!(count(&summary.wins, F1), 0, "no win without a previous owner");
    assert_eq!(w.systems[1].garrison, 1.5 + 0.1);
}

// ---------------------------------------------------------------------------------------
// §6.5 Auto-claim
// ---------------------------------------------------------------------------------------

#[test]
fn less_than_three_strength_auto_claims_a_neutral_instead() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 2.9);
    w.systems[1].stability = 0.5;
    let summary = w.advance(&[]);
    assert_eq!(kinds_of_tick(&w), [EventKind::AutoClaim]);
    assert_eq!(events_of_tick(&w)[0].text, "t=1: Empire claimed empty system #1 after securing orbit.");
    let unrest = 0.0 + 0.15;
    let s = &w.systems[1];
    assert_eq!(s.owner, Some(F1));
    assert_eq!(s.unrest, unrest * 0.9);
    assert_eq!(s.stability, (0.5 - 0.05 - 0.05 * unrest) + 0.01);
    assert_eq!(s.garrison, (0.0 + 1.5) + 0.1);
    assert_eq!(s.heat, 0.0, "auto-claim adds no heat");
    assert_eq!(s.econ_maturity, 1);
    assert_eq!(count(&summary.expansions, F1), 1);
    assert_eq!(w.highlights, [1]);
}

#[test]
fn an_auto_claim_never_triggers_a_rebellion_check() {
    // Stability 0 would make a capture run the rebellion check (and draw); a claim does not.
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 2.0);
    w.systems[1].stability = 0.0;
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_eq!(w.systems[1].owner, Some(F1));
    assert_eq!(w.rng, rng_before);

    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 3.0);
    w.systems[1].stability = 0.0;
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_ne!(w.rng, rng_before, "a capture at stability 0 draws for rebellion");
}

#[test]
fn a_parked_fleet_claims_its_neutral_without_moving() {
    let mut w = line(3, 0);
    idle(&mut w, F1, 2, 0.5);
    w.advance(&[]);
    assert_eq!(w.systems[2].owner, Some(F1));
    assert_eq!(kinds_of_tick(&w), [EventKind::AutoClaim]);
}

#[test]
fn a_reclaim_cooldown_blocks_auto_claim_until_it_runs_out() {
    let mut w = line(3, 0);
    idle(&mut w, F1, 2, 1.0);
    w.systems[2].reclaim_cooldown = 2;
    w.advance(&[]); // cooldown 2 at the claim step, then 1
    assert_eq!(w.systems[2].owner, None);
    w.advance(&[]); // cooldown 1 at the claim step, then 0
    assert_eq!(w.systems[2].owner, None);
    w.advance(&[]);
    assert_eq!(w.systems[2].owner, Some(F1));
}

#[test]
fn tied_stacks_at_a_neutral_are_settled_by_the_fail_safe_before_auto_claim() {
    // The exact-tie rule of §6.5 cannot be reached through `advance`: any neutral holding
    // idle fleets of two factions gets a fail-safe battle (§6.4) first, which always leaves
    // one faction. Here the tie is fought at even odds and the winner then claims.
    for (roll_wins, claimant) in [(true, F1), (false, F2)] {
        let seed = seed_where(|r| (r.random() < 0.5) == roll_wins);
        let mut w = line(3, seed);
        idle(&mut w, F1, 1, 2.0);
        idle(&mut w, F2, 1, 2.0);
        let expected_rng = after_draws(&w.rng, 1);
        w.advance(&[]);
        let battle = battle_event(&w);
        assert_eq!(battle.factions[0], F1, "first maximum: F1 attacks");
        assert!(battle.text.contains("(local odds 0.50)"));
        assert_eq!(w.rng, expected_rng);
        assert_eq!(w.systems[1].owner, Some(claimant));
    }
}

// ---------------------------------------------------------------------------------------
// §8 Rebellion and secession
// ---------------------------------------------------------------------------------------

/// F1 holds system 1 (stability 0.2) with 20 strength; a 1.0 F2 fleet is parked there. The
/// fail-safe battle is won outright by F1 (20 ≥ 8 × 1, no draw), which leaves stability
/// 0.05 ≤ 0.08: the rebellion check draws u1 (rebellion iff u1 ≤ 0.25) and then u2
/// (independence iff u2 > 0.2). A rebellion's fleet spawned during the fail-safe waits
/// for the next tick, so the end-of-tick state shows the rebellion's effects untouched.
fn unrest(seed: i128) -> World {
    let mut w = line(3, seed);
    own(&mut w, 1, F1).stability = 0.2;
    idle(&mut w, F1, 1, 20.0);
    idle(&mut w, F2, 1, 1.0);
    w
}

#[test]
fn no_rebellion_when_the_first_draw_exceeds_the_chance() {
    let seed = seed_where(|r| r.random() > 0.25);
    let mut w = unrest(seed);
    let expected_rng = after_draws(&w.rng, 1);
    w.advance(&[]);
    assert_eq!(w.rng, expected_rng, "one draw for the check, none for the outcome");
    assert_eq!(w.systems[1].owner, Some(F1));
    assert_eq!(w.registry.len(), 5);
}

#[test]
fn no_rebellion_check_draw_above_the_stability_threshold() {
    // Stability 0.24 − 0.15 = 0.09 > 0.08.
    let mut w = unrest(0);
    w.systems[1].stability = 0.24;
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_eq!(w.rng, rng_before);
}

#[test]
fn independence_joins_the_league_and_spawns_a_militia() {
    let seed = seed_where(|r| r.random() <= 0.25 && r.random() > 0.2);
    let mut w = unrest(seed);
    let expected_rng = after_draws(&w.rng, 2);
    let summary = w.advance(&[]);
    assert_eq!(w.rng, expected_rng);

    // The League is registered on first use.
    assert_eq!(w.registry.len(), 6);
    let league = w.registry.get(FIRST_DYNAMIC);
    assert_eq!((league.id.as_str(), league.name.as_str()), ("L", "League of Independents"));
    assert_eq!(league.color, "#7fffd4");
    assert_eq!(league.kind, FactionKind::League);
    assert_eq!(w.stock(FIRST_DYNAMIC), 0.0);

    let s = &w.systems[1];
    assert_eq!(s.owner, Some(FIRST_DYNAMIC));
    assert_eq!(s.stability, 0.7 + 0.01);
    assert_eq!(s.reclaim_cooldown, 6 - 1);
    assert_eq!(s.garrison, 3.0);
    assert_eq!(s.econ_maturity, 1);
    assert_eq!(s.unrest, 0.0, "unrest is left unchanged");
    assert_eq!(s.heat, 2.0 * 0.85, "heat from the battle only");

    // The militia takes the next fleet id and waits beside the F1 fleet.
    let militia = fleet(&w, 2);
    assert_eq!((militia.owner, militia.system_id, militia.eta), (FIRST_DYNAMIC, Some(1), 0));
    assert_eq!((militia.strength, militia.max_strength), (6.0, 6.0));
    assert_eq!(fleet(&w, 0).strength, upkept(20.0 - 0.35 * 1.0, 20.0));
    assert_eq!(w.next_fleet_id, 3);

    let last = w.history.back().unwrap();
    assert_eq!(last.kind, EventKind::RebellionIndependence);
    assert_eq!(last.factions, [F1, FIRST_DYNAMIC]);
    assert_eq!(
        last.text,
        "t=1: Rebellion in system #1! Empire lost control; the world joined the League of Independents."
    );
    assert_eq!(count(&summary.losses, F1), 1);
    assert_eq!(w.highlights, [1]);
}

#[test]
fn a_militia_spawned_during_the_fail_safe_fights_in_the_next_tick() {
    let seed = seed_where(|r| r.random() <= 0.25 && r.random() > 0.2);
    let mut w = unrest(seed);
    w.advance(&[]);
    assert_eq!(w.systems[1].owner, Some(FIRST_DYNAMIC));
    w.advance(&[]);
    assert!(
        kinds_of_tick(&w).iter().any(|k| matches!(k, EventKind::FleetBattleWin | EventKind::FleetBattleLose)),
        "the fail-safe pits F1 against the militia"
    );
}

#[test]
fn a_militia_spawned_during_arrivals_fights_in_the_same_tick() {
    // F1 (100) takes F2's unstable, ungarrisoned system: capture leaves stability 0.025,
    // the check rebels (u1 ≤ 0.25 × 1.25) to the League (u2 > 0.2), and the fail-safe of
    // the same tick lets F1 crush the militia outright: 100 ≥ 8 × (6 × 1.3 + 3 × 1.3).
    let seed = seed_where(|r| r.random() <= 0.3125 && r.random() > 0.2);
    let mut w = line(3, seed);
    arriving(&mut w, F1, 0, 1, 100.0);
    let s = own(&mut w, 1, F2);
    (s.stability, s.garrison) = (0.1, 0.0);
    let expected_rng = after_draws(&w.rng, 2);
    w.advance(&[]);
    assert_eq!(w.rng, expected_rng, "two rebellion draws; the 8× battle draws nothing");
    assert_eq!(
        kinds_of_tick(&w),
        [EventKind::FleetCaptureNoDefense, EventKind::RebellionIndependence, EventKind::FleetBattleWin]
    );
    assert_eq!(w.registry.id(FIRST_DYNAMIC), "L");
    assert_eq!(battle_event(&w).factions, [F1, FIRST_DYNAMIC]);
    assert_eq!(fleet(&w, 0).strength, upkept(100.0 - 0.35 * 6.0, 100.0));
    assert!(gone(&w, 1), "the militia is destroyed");
    let s = &w.systems[1];
    assert_eq!(s.owner, Some(F1));
    assert_eq!(s.reclaim_cooldown, 6 - 1, "the League's cooldown outlives its rule");
    assert_eq!(s.garrison, 0.0 + 0.1);
    assert_eq!(s.heat, 3.0 * 0.85);
    let unrest = ((0.0 + 0.25f64).min(1.0) + 0.25).min(1.0);
    assert_eq!(s.unrest, unrest * 0.9);
    assert_eq!(s.stability, ((0.7 - 0.15) - 0.05 - 0.1 * unrest) + 0.01);
}

#[test]
fn secession_creates_a_named_rebel_faction_with_fleet_and_stock() {
    let seed = seed_where(|r| r.random() <= 0.25 && r.random() <= 0.2);
    let mut w = unrest(seed);
    let expected_rng = after_draws(&w.rng, 2);
    let summary = w.advance(&[]);
    assert_eq!(w.rng, expected_rng);

    assert_eq!(w.registry.len(), 6);
    assert_eq!(w.registry.rebels_created(), 1);
    let rebel = w.registry.get(FIRST_DYNAMIC);
    assert_eq!((rebel.id.as_str(), rebel.name.as_str()), ("R1", "Empire Rebels 1"));
    assert_eq!(rebel.color, "#ff79c6");
    assert_eq!(rebel.personality, w.registry.get(F1).personality);
    // Registered mid-tick: not in this tick's faction list, so no accrual yet.
    assert_eq!(w.stock(FIRST_DYNAMIC), 5.0);

    let s = &w.systems[1];
    assert_eq!(s.owner, Some(FIRST_DYNAMIC));
    assert_eq!(s.stability, 0.8 + 0.01);
    assert_eq!(s.reclaim_cooldown, 3 - 1);
    assert_eq!(s.garrison, 3.0);
    assert_eq!(s.econ_maturity, 1);

    let rebels = fleet(&w, 2);
    assert_eq!((rebels.owner, rebels.system_id), (FIRST_DYNAMIC, Some(1)));
    assert_eq!((rebels.strength, rebels.max_strength), (8.0, 8.0));

    let last = w.history.back().unwrap();
    assert_eq!(last.kind, EventKind::RebellionSecession);
    assert_eq!(last.factions, [F1, FIRST_DYNAMIC]);
    assert_eq!(
        last.text,
        "t=1: Secession in system #1! A splinter of Empire joined the rebel faction Empire Rebels 1."
    );
    assert_eq!(count(&summary.expansions, FIRST_DYNAMIC), 1);
    assert_eq!(count(&summary.losses, F1), 1);
}

#[test]
fn at_the_rebel_cap_a_secession_reuses_a_rebel_faction_chosen_by_the_rules_generator() {
    let make = |seed| {
        let mut w = unrest(seed);
        let mut scratch = Mt19937::from_seed(0);
        for _ in 0..6 {
            w.registry.register_rebel(F2, 6, &mut scratch);
        }
        w.build_stock.resize(w.registry.len(), 1.0);
        w
    };
    // The reuse pick is the third draw; make it land on a rebel other than the first.
    let seed = seed_where(|r| r.random() <= 0.25 && r.random() <= 0.2 && r.randbelow(6) == 3);
    let mut w = make(seed);
    let reused = FactionIdx(FIRST_DYNAMIC.0 + 3);
    let mut expected_rng = w.rng.clone();
    expected_rng.random();
    expected_rng.random();
    expected_rng.randbelow(6);
    expected_rng.randbelow(1); // the reused rebel builds at once: its only system
    w.advance(&[]);
    assert_eq!(w.rng, expected_rng);
    assert_eq!(w.registry.len(), 11, "no new faction");
    assert_eq!(w.registry.rebels_created(), 6);
    assert_eq!(w.systems[1].owner, Some(reused));
    assert_eq!(w.registry.id(reused), "R4");
    // Stock: 1.0 + 5.0 from the secession, + 1.0 × 0.005 accrual (it is in this tick's
    // list), − 5.0 for a fleet that merges into the 8.0 secession fleet.
    assert_eq!(w.stock(reused), ((1.0 + 5.0) + 1.0 * 0.005) - 5.0);
    assert_eq!(fleet(&w, 2).owner, reused);
    assert_eq!(fleet(&w, 2).strength, 8.0 + 5.0);
    assert!(gone(&w, 3));
    assert_eq!(w.next_fleet_id, 4);
}

#[test]
fn overextension_raises_the_rebellion_chance_up_to_0_9() {
    // F1 owns 20 systems: chance = 0.25 × (1 + 0.08 × 5) = 0.35.
    let overextended = |seed, owned: SystemId, unrest: f64| {
        let mut w = line(owned as usize + 1, seed);
        for id in 1..=owned {
            own(&mut w, id, F1).econ_maturity = 0;
        }
        let s = system(&mut w, 1);
        s.stability = 0.2;
        s.unrest = unrest;
        idle(&mut w, F1, 1, 20.0);
        idle(&mut w, F2, 1, 1.0);
        w
    };
    let mut w = overextended(seed_where(|r| (0.26..0.35).contains(&r.random())), 20, 0.0);
    w.advance(&[]);
    assert_ne!(w.systems[1].owner, Some(F1), "a roll of 0.26..0.35 rebels when overextended");

    // 30 systems and full unrest: 0.25 × 2 × (1 + 0.08 × 15) = 1.1, capped at 0.9.
    let mut w = overextended(seed_where(|r| (0.85..0.9).contains(&r.random())), 30, 1.0);
    w.advance(&[]);
    assert_ne!(w.systems[1].owner, Some(F1));
    let mut w = overextended(seed_where(|r| r.random() > 0.9), 30, 1.0);
    w.advance(&[]);
    assert_eq!(w.systems[1].owner, Some(F1), "a roll above 0.9 never rebels");
}

// ---------------------------------------------------------------------------------------
// §5 Economy and production
// ---------------------------------------------------------------------------------------

#[test]
fn econ_value_multiplies_kind_stability_and_maturity() {
    let mut w = line(1, 0);
    let s = system(&mut w, 0);
    s.value = 7;
    s.kind = SystemKind::Forge;
    s.stability = 0.5;
    s.econ_maturity = 6;
    assert_eq!(econ_value(s, 15, 0.2), ((7.0 * 1.4) * (0.5 + 0.5 * 0.5)) * (0.2 + 0.8 * (6.0 / 15.0)));
    s.kind = SystemKind::Relic;
    s.stability = 1.0;
    s.econ_maturity = 15;
    assert_eq!(econ_value(s, 15, 0.2), 7.0 * 1.8);
    s.kind = SystemKind::Hive;
    assert_eq!(econ_value(s, 15, 0.2), 7.0 * 1.2);
    s.kind = SystemKind::Normal;
    s.econ_maturity = 0;
    assert_eq!(econ_value(s, 15, 0.2), 7.0 * 0.2);
}

#[test]
fn economic_power_is_one_plus_owned_values_with_an_overextension_penalty() {
    let mut w = line(17, 0);
    for id in 0..3 {
        own(&mut w, id, F1);
    }
    assert_eq!(w.economic_powers(5), [1.0 + 3.0 * 5.0, 1.0, 1.0, 1.0, 1.0]);
    // 16 mature systems of value 5: (1 + 80) × 1 / (1 + 0.04 × 1).
    for id in 0..16 {
        own(&mut w, id, F2);
    }
    assert_eq!(w.economic_powers(5)[1], 81.0 * (1.0 / (1.0 + 0.04)));
}

#[test]
fn production_places_a_new_fleet_at_a_random_owned_system() {
    // F1 owns 0, 2 and 4 (power 16); its stock crosses 5.0 this tick.
    let make = |seed| {
        let mut w = line(6, seed);
        for id in [0, 2, 4] {
            own(&mut w, id, F1);
        }
        w.build_stock[F1.index()] = 4.95;
        w
    };
    let seed = seed_where(|r| r.randbelow(3) == 2);
    let mut w = make(seed);
    assert_eq!(w.economic_powers(5)[0], 16.0);
    let mut expected_rng = w.rng.clone();
    assert_eq!(expected_rng.randbelow(3), 2);
    w.advance(&[]);
    assert_eq!(w.rng, expected_rng);
    let built = fleet(&w, 0);
    assert_eq!((built.owner, built.system_id, built.eta), (F1, Some(4), 0));
    assert_eq!((built.strength, built.max_strength), (5.0, 5.0));
    assert_eq!(w.stock(F1), (4.95 + 16.0 * 0.005) - 5.0);
}

#[test]
fn production_builds_one_fleet_per_full_build_cost() {
    let mut w = line(6, 3);
    for id in [0, 2, 4] {
        own(&mut w, id, F1);
    }
    w.build_stock[F1.index()] = 9.95;
    let mut expected_rng = w.rng.clone();
    let first = [0, 2, 4][expected_rng.randbelow(3) as usize];
    let second = [0, 2, 4][expected_rng.randbelow(3) as usize];
    w.advance(&[]);
    assert_eq!(w.rng, expected_rng);
    assert_eq!(w.stock(F1), ((9.95 + 16.0 * 0.005) - 5.0) - 5.0);
    if first == second {
        // Built fleets at one system merge at the end of the tick.
        assert_eq!(fleet(&w, 0).strength, 10.0);
        assert!(gone(&w, 1));
    } else {
        assert_eq!(fleet(&w, 0).system_id, Some(first));
        assert_eq!(fleet(&w, 1).system_id, Some(second));
    }
    assert_eq!(w.next_fleet_id, 2);
}

#[test]
fn a_faction_without_systems_loses_its_build_cost() {
    let mut w = line(3, 0);
    w.build_stock[F1.index()] = 4.999;
    let rng_before = w.rng.clone();
    w.advance(&[]);
    assert_eq!(w.rng, rng_before, "no draw without owned systems");
    assert!(w.fleets.is_empty());
    assert_eq!(w.stock(F1), (4.999 + 1.0 * 0.005) - 5.0);
}

#[test]
fn a_fleet_built_this_tick_can_be_launched_this_tick() {
    let mut w = line(3, 0);
    own(&mut w, 0, F1);
    w.build_stock[F1.index()] = 4.99;
    w.advance(&[Order::new("F1", 0, 1)]);
    let built = fleet(&w, 0);
    assert_eq!((built.system_id, built.enroute_from, built.enroute_to), (None, Some(0), Some(1)));
    assert_eq!(built.eta, 2);
}

// ---------------------------------------------------------------------------------------
// §6.7 Orders
// ---------------------------------------------------------------------------------------

#[test]
fn order_validation_checks_faction_systems_and_adjacency_only() {
    let mut w = line(3, 0);
    own(&mut w, 0, F1);
    let rejection = |o: Order| w.order_rejection(&o);
    assert!(rejection(Order::new("X", 0, 1)).unwrap().contains("faction"));
    assert!(rejection(Order::new("L", 0, 1)).unwrap().contains("faction"), "no League yet");
    assert!(rejection(Order::new("F1", -1, 0)).unwrap().contains("system"));
    assert!(rejection(Order::new("F1", 0, 3)).unwrap().contains("system"));
    assert!(rejection(Order::new("F1", 0, 2)).unwrap().contains("neighbour"));
    assert_eq!(rejection(Order::new("F1", 0, 1)), None);
    assert_eq!(rejection(Order::new("F1", 1, 0)), None);
    assert_eq!(rejection(Order::new("F5", 0, 1)), None, "origin ownership is not checked");
    w.registry.ensure_league();
    assert_eq!(w.order_rejection(&Order::new("L", 0, 1)), None);
}

#[test]
fn invalid_orders_launch_nothing() {
    let mut w = line(3, 0);
    own(&mut w, 0, F1);
    idle(&mut w, F1, 0, 10.0);
    w.advance(&[
        Order::new("X", 0, 1),
        Order::new("F1", 0, 2),
        Order::new("F1", 0, 7),
        Order::new("F2", 0, 1),
    ]);
    assert_eq!(fleet(&w, 0).system_id, Some(0));
    assert!(kinds_of_tick(&w).is_empty());
}

#[test]
fn a_launched_fleet_travels_two_ticks_without_upkeep() {
    let mut w = line(3, 0);
    own(&mut w, 0, F1);
    let id = idle(&mut w, F1, 0, 10.0);
    w.fleets[0].strength = 5.0; // damaged: repair would show
    let mut order = Order::new("F1", 0, 1);
    order.reason = Some("probe".into());
    w.advance(&[order]);
    let f = fleet(&w, id);
    assert_eq!((f.system_id, f.enroute_from, f.enroute_to, f.eta), (None, Some(0), Some(1), 2));
    assert_eq!(f.strength, 5.0);
    assert_eq!(
        events_of_tick(&w)[0].text,
        "t=1: Empire launched a fleet from system #0 to system #1 (strength 5.0). Reason: probe."
    );
    assert!(w.highlights.is_empty(), "moves are not highlighted");
    w.advance(&[]);
    assert_eq!((fleet(&w, id).eta, fleet(&w, id).strength), (1, 5.0));
    w.advance(&[]);
    let f = fleet(&w, id);
    assert_eq!((f.system_id, f.enroute_from, f.enroute_to, f.eta), (Some(1), None, None, 0));
    assert_eq!(f.strength, upkept(5.0, 10.0));
    assert_eq!(w.systems[1].owner, Some(F1), "5.0 captures the neutral on arrival");
}

#[test]
fn origin_ownership_is_not_checked() {
    // An F1 fleet parked at an F2 system can leave it.
    let mut w = line(3, 0);
    own(&mut w, 1, F2);
    idle(&mut w, F1, 1, 2.0);
    w.advance(&[Order::new("F1", 1, 0)]);
    assert_eq!(fleet(&w, 0).enroute_to, Some(0));
}

/// F1 owns system 1 with idle fleets 0 (10.0), 1 (2.0) and 2 (4.0) there.
fn stack() -> World {
    let mut w = line(3, 0);
    own(&mut w, 1, F1);
    idle(&mut w, F1, 1, 10.0);
    idle(&mut w, F1, 1, 2.0);
    idle(&mut w, F1, 1, 4.0);
    w
}

fn named(faction: &str, origin: i64, target: i64, fleet_id: i64) -> Order {
    let mut order = Order::new(faction, origin, target);
    order.fleet_id = Some(fleet_id);
    order
}

#[test]
fn a_single_order_moves_the_strongest_fleet_whatever_its_strength() {
    let mut w = line(3, 0);
    own(&mut w, 1, F1);
    idle(&mut w, F1, 1, 4.0);
    idle(&mut w, F1, 1, 7.0);
    idle(&mut w, F1, 1, 7.0);
    w.advance(&[Order::new("F1", 1, 0)]);
    assert_eq!(fleet(&w, 1).enroute_to, Some(0), "first maximum");
    assert_eq!(fleet(&w, 0).system_id, Some(1));

    let mut w = line(3, 0);
    idle(&mut w, F1, 1, 1.0);
    own(&mut w, 1, F1);
    w.advance(&[Order::new("F1", 1, 2)]);
    assert_eq!(fleet(&w, 0).enroute_to, Some(2), "no minimum strength for a lone order");
}

#[test]
fn several_orders_from_one_origin_take_fleets_strongest_first_and_consume_weak_ones() {
    let mut w = stack();
    w.advance(&[Order::new("F1", 1, 0), Order::new("F1", 1, 2), Order::new("F1", 1, 0)]);
    assert_eq!(fleet(&w, 0).enroute_to, Some(0));
    assert_eq!(fleet(&w, 2).enroute_to, Some(2));
    // The third order takes the 2.0 fleet (< 3.0) from the pool without launching it.
    assert_eq!(fleet(&w, 1).system_id, Some(1));
    assert_eq!(kinds_of_tick(&w), [EventKind::FleetMove, EventKind::FleetMove]);
}

#[test]
fn named_and_unnamed_orders_draw_from_one_pool_until_it_is_empty() {
    // Pool after sorting: 10, 4, 2. The named order takes the 10, the next the 4, the
    // third uses up the 2 without launching it, and the fourth finds the pool empty.
    let mut w = stack();
    w.advance(&[
        named("F1", 1, 0, 0),
        Order::new("F1", 1, 2),
        Order::new("F1", 1, 0),
        Order::new("F1", 1, 2),
    ]);
    assert_eq!(fleet(&w, 0).enroute_to, Some(0));
    assert_eq!(fleet(&w, 2).enroute_to, Some(2));
    assert_eq!(fleet(&w, 1).system_id, Some(1));
}

#[test]
fn a_named_fleet_launches_even_when_weak() {
    let mut w = stack();
    w.advance(&[named("F1", 1, 0, 1), Order::new("F1", 1, 2)]);
    assert_eq!(fleet(&w, 1).enroute_to, Some(0), "named: no minimum strength");
    assert_eq!(fleet(&w, 0).enroute_to, Some(2), "then the strongest remaining");
    assert_eq!(fleet(&w, 2).system_id, Some(1));
}

#[test]
fn a_named_fleet_not_in_the_pool_skips_its_order_only() {
    let mut w = stack();
    w.advance(&[named("F1", 1, 0, 99), Order::new("F1", 1, 2), Order::new("F1", 1, 0)]);
    assert_eq!(fleet(&w, 0).enroute_to, Some(2));
    assert_eq!(fleet(&w, 2).enroute_to, Some(0));
    assert_eq!(fleet(&w, 1).system_id, Some(1));

    // Alone, an order naming a missing fleet moves nothing.
    let mut w = stack();
    w.advance(&[named("F1", 1, 0, 99)]);
    assert!(w.fleets.iter().all(|f| f.system_id == Some(1)));
}

// ---------------------------------------------------------------------------------------
// §6.8 – §6.10 End of tick
// ---------------------------------------------------------------------------------------

#[test]
fn idle_fleets_pay_upkeep_then_repair_and_travelling_fleets_neither() {
    let mut w = line(4, 0);
    for id in 0..3 {
        own(&mut w, id, F1);
    }
    idle(&mut w, F1, 0, 10.0);
    idle(&mut w, F1, 1, 10.0);
    idle(&mut w, F1, 2, 10.0);
    arriving(&mut w, F1, 2, 3, 10.0);
    w.fleets[0].strength = 5.0;
    w.fleets[1].strength = 9.95;
    w.fleets[3].strength = 5.0;
    w.fleets[3].eta = 2;
    w.advance(&[]);
    assert_eq!(fleet(&w, 0).strength, 5.0 * (1.0 - 0.01) * (1.0 + 0.02));
    assert_eq!(fleet(&w, 1).strength, 10.0, "repair is capped at max strength");
    assert_eq!(fleet(&w, 2).strength, 10.0, "a full fleet stays full");
    assert_eq!((fleet(&w, 3).strength, fleet(&w, 3).eta), (5.0, 1));
}

#[test]
fn idle_stacks_merge_into_the_lowest_id() {
    let mut w = line(3, 0);
    own(&mut w, 1, F1);
    own(&mut w, 2, F1);
    idle(&mut w, F1, 1, 10.0); // 0: damaged to 4.0 below
    idle(&mut w, F1, 1, 6.0); // 1
    idle(&mut w, F1, 1, 2.0); // 2
    idle(&mut w, F1, 2, 3.0); // 3: another system
    arriving(&mut w, F1, 0, 1, 1.0); // 4: arrives and joins the stack
    w.fleets[0].strength = 4.0;
    w.advance(&[]);
    let mut strength = upkept(4.0, 10.0);
    let mut max_strength: f64 = 10.0;
    for (s, max) in [(6.0, 6.0), (2.0, 2.0), (1.0, 1.0)] {
        strength += upkept(s, max);
        max_strength = max_strength.max(max).max(strength);
    }
    assert_eq!(fleet(&w, 0).strength, strength);
    assert_eq!(fleet(&w, 0).max_strength, max_strength);
    assert!(max_strength < 10.0 + 6.0 + 2.0 + 1.0, "max strength is not the sum of maxima");
    assert!(gone(&w, 1) && gone(&w, 2) && gone(&w, 4));
    assert_eq!(fleet(&w, 3).strength, 3.0);
}

#[test]
fn a_merged_stack_keeps_the_largest_max_strength_when_damaged() {
    let mut w = line(3, 0);
    own(&mut w, 1, F1);
    idle(&mut w, F1, 1, 10.0);
    idle(&mut w, F1, 1, 1.0);
    w.fleets[0].strength = 2.0;
    w.advance(&[]);
    assert_eq!(fleet(&w, 0).strength, upkept(2.0, 10.0) + 1.0);
    assert_eq!(fleet(&w, 0).max_strength, 10.0);
}

#[test]
fn systems_decay_heat_and_unrest_count_down_and_grow_or_lose_garrison() {
    let mut w = line(4, 0);
    let s = own(&mut w, 0, F1);
    (s.heat, s.unrest, s.reclaim_cooldown, s.garrison, s.econ_maturity, s.stability) =
        (1.0, 0.5, 2, 2.95, 14, 0.5);
    let s = system(&mut w, 1); // unowned
    (s.heat, s.garrison, s.econ_maturity, s.stability) = (0.058, 3.0, 15, 0.995);
    let s = own(&mut w, 2, F1);
    (s.heat, s.garrison, s.econ_maturity) = (0.06, 1.0, 15);
    w.advance(&[]);
    let s = &w.systems[0];
    assert_eq!((s.heat, s.unrest, s.reclaim_cooldown), (1.0 * 0.85, 0.5 * 0.9, 1));
    assert_eq!((s.garrison, s.econ_maturity, s.stability), (3.0, 15, 0.5 + 0.01));
    let s = &w.systems[1];
    assert_eq!(s.heat, 0.0, "0.058 × 0.85 < 0.05 snaps to 0");
    assert_eq!((s.garrison, s.econ_maturity, s.stability), (0.0, 0, 1.0));
    let s = &w.systems[2];
    assert_eq!((s.heat, s.garrison, s.econ_maturity, s.reclaim_cooldown), (0.06 * 0.85, 1.0 + 0.1, 15, 0));
}

#[test]
fn empires_above_ten_systems_lose_stability_to_sprawl() {
    for (owned, expected) in [(10, 1.0), (11, 1.0 - 0.002 * 1.0), (12, 1.0 - 0.002 * 2.0)] {
        let mut w = line(13, 0);
        for id in 0..owned {
            own(&mut w, id, F1);
        }
        own(&mut w, 12, F2);
        w.advance(&[]);
        assert!(w.systems[..owned as usize].iter().all(|s| s.stability == expected), "{owned} systems");
        assert_eq!(w.systems[12].stability, 1.0);
    }
}

// ---------------------------------------------------------------------------------------
// §6.3 / §6.4 Simultaneous arrivals and the fail-safe
// ---------------------------------------------------------------------------------------

#[test]
fn two_enemies_arriving_at_a_neutral_fight_at_once_lower_id_attacking() {
    // F1 (id 0) and F2 (id 1) arrive at neutral system 1 in the same tick.
    let make = |seed| {
        let mut w = line(3, seed);
        arriving(&mut w, F1, 0, 1, 5.0);
        arriving(&mut w, F2, 2, 1, 5.0);
        w
    };
    // The attacker wins: it takes the system in the battle.
    let mut w = make(seed_where(|r| r.random() < 0.5));
    let expected_rng = after_draws(&w.rng, 1);
    let summary = w.advance(&[]);
    assert_eq!(w.rng, expected_rng);
    assert_eq!(kinds_of_tick(&w), [EventKind::FleetBattleWin]);
    assert_eq!(battle_event(&w).factions, [F1, F2]);
    assert!(battle_event(&w).text.contains("(local odds 0.50)"));
    assert_eq!(fleet(&w, 0).strength, upkept(5.0 - 0.35 * 5.0, 5.0));
    assert!(gone(&w, 1));
    assert_eq!(w.systems[1].owner, Some(F1));
    let unrest = 0.25;
    assert_eq!(w.systems[1].stability, ((1.0 - 0.15) - 0.05 - 0.1 * unrest) + 0.01);
    assert_eq!(count(&summary.expansions, F1), 1);

    // The defender wins: unowned, so it holds nothing yet; its own arrival then captures.
    let mut w = make(seed_where(|r| r.random() >= 0.5));
    w.advance(&[]);
    assert_eq!(kinds_of_tick(&w), [EventKind::FleetBattleLose, EventKind::FleetCaptureNoDefense]);
    assert!(gone(&w, 0));
    assert_eq!(fleet(&w, 1).strength, upkept(5.0 - 0.35 * 5.0, 5.0));
    assert_eq!(w.systems[1].owner, Some(F2));
    assert_eq!(w.systems[1].heat, 3.0 * 0.85, "battle heat 2 plus capture heat 1.5, capped");

    // With the ids swapped F2 attacks.
    let mut w = line(3, 0);
    arriving(&mut w, F2, 2, 1, 5.0);
    arriving(&mut w, F1, 0, 1, 5.0);
    w.advance(&[]);
    assert_eq!(battle_event(&w).factions, [F2, F1]);
}

/// F1 holds system 1 (garrison 3) with 10.0; a 3.0 F2 fleet is parked there.
fn standoff(seed: i128) -> World {
    let mut w = line(3, seed);
    own(&mut w, 1, F1);
    idle(&mut w, F1, 1, 10.0);
    idle(&mut w, F2, 1, 3.0);
    w
}

#[test]
fn a_second_faction_at_a_system_triggers_the_fail_safe_battle() {
    // F1 is the larger side and attacks; F2 is no owner, so no home bonus and no garrison:
    // p = 0.5 + 0.3 × (7/13).
    assert_battle_odds(standoff, 0.5 + 0.3 * (7.0 / 13.0));

    let mut w = standoff(seed_where(|r| r.random() < 0.6));
    let summary = w.advance(&[]);
    assert_eq!(battle_event(&w).factions, [F1, F2]);
    assert_eq!(fleet(&w, 0).strength, upkept(10.0 - 0.35 * 3.0, 10.0));
    assert!(gone(&w, 1));
    let s = &w.systems[1];
    assert_eq!(s.owner, Some(F1));
    assert_eq!(s.garrison, 0.0 + 0.1, "even the owner's win clears the garrison");
    assert_eq!(count(&summary.expansions, F1), 0);
    assert_eq!(count(&summary.wins, F1), 1);

    // The parked fleet wins as defender and keeps at least 3.0; F1 still owns the system.
    let mut w = standoff(seed_where(|r| r.random() >= 0.7));
    w.advance(&[]);
    assert!(gone(&w, 0));
    assert_eq!(fleet(&w, 1).strength, 3.0);
    assert_eq!(w.systems[1].owner, Some(F1));
}

#[test]
fn the_stronger_intruder_attacks_the_owner_in_the_fail_safe() {
    // F2 (12) outweighs F1 (10): F2 attacks, F1 defends at home with its garrison:
    // p = 0.5 + 0.3 × (−1/25) − 0.05.
    assert_battle_odds(
        |seed| {
            let mut w = standoff(seed);
            w.fleets[1].strength = 12.0;
            w.fleets[1].max_strength = 12.0;
            w
        },
        0.5 + 0.3 * (-1.0 / 25.0) - 0.05,
    );
}

// ---------------------------------------------------------------------------------------
// §10 Winner and elimination
// ---------------------------------------------------------------------------------------

#[test]
fn the_sole_system_owner_wins_when_others_have_less_than_two_strength() {
    let mut w = line(4, 0);
    own(&mut w, 0, F1);
    own(&mut w, 1, F1);
    assert_eq!(winner(&w), Some(F1), "no other fleets; neutrals do not matter");
    idle(&mut w, F2, 3, 1.0);
    arriving(&mut w, F3, 3, 2, 0.99); // travelling fleets count
    assert_eq!(winner(&w), Some(F1), "1.99 < 2.0");
    w.fleets[1].strength = 1.0;
    assert_eq!(winner(&w), None, "2.0 is not below 2.0");
    w.fleets[1].strength = 0.0;
    w.fleets[0].strength = 0.0;
    assert_eq!(winner(&w), Some(F1), "destroyed fleets do not count");
}

#[test]
fn without_a_sole_system_owner_the_sole_active_faction_wins() {
    let mut w = line(3, 0);
    idle(&mut w, F3, 0, 4.0);
    assert_eq!(winner(&w), Some(F3), "a fleet alone keeps a faction active");
    idle(&mut w, F2, 2, 4.0);
    assert_eq!(winner(&w), None);
    own(&mut w, 0, F3);
    own(&mut w, 1, F2);
    assert_eq!(winner(&w), None, "two system owners, both active");
    assert_eq!(active_factions(&w), [F2, F3]);
}

#[test]
fn factions_without_systems_or_live_fleets_are_eliminated() {
    let mut w = line(3, 0);
    own(&mut w, 0, F1);
    idle(&mut w, F2, 2, 4.0);
    idle(&mut w, F3, 1, 4.0);
    w.fleets[1].strength = 0.0;
    assert_eq!(eliminated(&w, ["F1", "F2", "F3", "F4"]), ["F3", "F4"]);
    assert_eq!(winner(&w), None);
}

// ---------------------------------------------------------------------------------------
// Save / restore
// ---------------------------------------------------------------------------------------

/// A small war on the line 0–4 with orders every tick, advanced six ticks.
fn war() -> (World, impl Fn(u64) -> Vec<Order>) {
    let mut w = line(5, 11);
    own(&mut w, 0, F1);
    own(&mut w, 4, F2).stability = 0.1;
    idle(&mut w, F1, 0, 30.0);
    idle(&mut w, F2, 4, 9.0);
    w.build_stock[F1.index()] = 4.9;
    let orders = |t: u64| -> Vec<Order> {
        let f1 = (t % 5) as i64;
        vec![Order::new("F1", f1, f1 + 1), Order::new("F2", 4, 3), Order::new("F2", 3, 2)]
    };
    for t in 0..6 {
        w.advance(&orders(t));
    }
    (w, orders)
}

/// The world without its configuration, which `restore` does not keep byte for byte.
fn game_state(w: &World) -> World {
    World { config: Config::default(), ..w.clone() }
}

#[test]
fn a_restored_world_plays_on_identically() {
    let (mut w, orders) = war();
    let mut copy = restore(&save(&w)).unwrap();
    assert_eq!(game_state(&copy), game_state(&w));
    for t in 6..40 {
        w.advance(&orders(t));
        copy.advance(&orders(t));
        assert_eq!(state_hash(&game_state(&copy)), state_hash(&game_state(&w)), "tick {}", w.tick);
    }
    assert_eq!(copy.snapshot(), w.snapshot());
}

#[test]
fn a_restored_world_continues_with_identical_state_hashes() {
    let (mut w, orders) = war();
    let mut copy = restore(&save(&w)).unwrap();
    assert_eq!(state_hash(&copy), state_hash(&w), "right after restore");
    for t in 6..40 {
        w.advance(&orders(t));
        copy.advance(&orders(t));
        assert_eq!(state_hash(&copy), state_hash(&w), "tick {}", w.tick);
    }
    assert_eq!(copy, w);
}

#[test]
fn restore_keeps_the_faction_template_order() {
    let w = line(2, 0);
    let copy = restore(&save(&w)).unwrap();
    let ids = |w: &World| w.config.factions.0.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&copy), ["E", "P", "T", "M", "S"]);
    // The consequence: a run restarted from a restored config gives F2 the wrong template.
    let personality = |w: &World| w.config.configured_factions().unwrap()[1].personality;
    assert_eq!(personality(&copy), personality(&w));
}

#[test]
fn restore_rejects_another_format_version() {
    let saved = String::from_utf8(save(&line(2, 0))).unwrap();
    let bumped = saved.replacen("\"version\":1", "\"version\":999", 1);
    assert!(matches!(restore(bumped.as_bytes()), Err(RestoreError::Version { found: 999 })));
    assert!(matches!(restore(b"not json"), Err(RestoreError::Invalid(_))));
}

#[test]
fn tick_summaries_are_indexed_by_registry_position() {
    let mut w = line(3, 0);
    arriving(&mut w, F1, 0, 1, 3.0);
    let summary: TickSummary = w.advance(&[]);
    assert_eq!(count(&summary.expansions, F1), 1);
    assert_eq!(count(&summary.expansions, F2), 0);
}
