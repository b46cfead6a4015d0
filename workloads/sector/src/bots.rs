//! The bot AI as the conformance runner's player: one puppet per run, fed the engine world.

use sector_ai::{Puppet, to_orders};
use sector_core::{Order, World};

use crate::conformance::BotPlayer;

/// Plays every registry faction with the reference's puppet, as the golden games were made.
pub struct PuppetPlayer(Puppet);

impl PuppetPlayer {
    /// A fresh puppet for a newly generated world (KNOWN_DEFECTS D1: no memory carried over).
    pub fn for_world(world: &World) -> Self {
        PuppetPlayer(Puppet::new(world.generator_seed, &world.config))
    }
}

impl BotPlayer for PuppetPlayer {
    fn orders(&mut self, world: &World) -> Vec<Order> {
        to_orders(&self.0.decide(world))
    }
}

/// The factory `conformance::run` takes.
pub fn puppet_factory(world: &World) -> Box<dyn BotPlayer> {
    Box::new(PuppetPlayer::for_world(world))
}
