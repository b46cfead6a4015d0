//! `sector-sim`: the simulation worker. It owns a universe's world while it holds the lease and
//! advances it tick by tick, reading orders from the order stream and publishing events,
//! snapshots and its full state through the store (`sector-store`), so that any standby worker
//! can take over exactly where it stopped.
//!
//! # Protocol (WIRE.md §7, with KNOWN_DEFECTS E and F fixed)
//!
//! - **Lease** (`lease_loop`, `leader`): a unique holder id (`WORKER_ID`, default host name plus a
//!   random suffix) and a fencing token. The leader renews every iteration; every write it makes
//!   is a fenced commit that succeeds only while that exact lease is stored: the run's data, its
//!   status, the removal of human claims and the consumption of a legacy restart request alike.
//!   A standby polls and takes over as soon as the lease expires (`LEASE_TTL_MS`, default 5 s)
//!   or is released; a leader that loses the lease becomes a standby again.
//! - **Orders** (`intake`, `tick`): read through the consumer group (`ORDER_GROUP`, consumer
//!   `ORDER_CONSUMER`, stable for the worker's lifetime), at most `ORDER_BATCH` messages per tick,
//!   parsed per WIRE.md §6.1; malformed messages are acknowledged, counted and logged, never
//!   fatal. Bot orders for human-claimed factions are dropped (GAME_RULES.md §11.1); routes are
//!   expanded with the engine's `RouteBook` (§11). Entries are acknowledged only in the fenced
//!   commit of the tick that applied them, together with that tick's applied-orders record: an
//!   entry is acknowledged exactly when it is in the applied-orders log. A new leader re-reads
//!   its own pending entries and claims (XAUTOCLAIM) those of dead consumers.
//! - **State** (`state`, `recovery`): world + route book + run flags, saved in the commit every
//!   `STATE_EVERY` ticks (default 10) and at run start and graceful stop. A new leader restores it
//!   and replays the applied-orders records after its tick, which reproduces the state bit for bit
//!   (same state hash as an uninterrupted run).
//! - **Control** (`control`, `restart`), checked every iteration before ticking: a decided run
//!   ends (`run_end` with the winner) and a new one starts; `restartGeneration` above
//!   `appliedRestartGeneration`, a legacy restart request, or a universe id moved by someone else
//!   start a new run (`run_end` with winner null); `paused` stops ticking within one tick;
//!   `botsOnly` clears human claims and opens the start gate. Each restart generation is applied
//!   once (recorded in the same commit as the new run). A legacy `{p}:restart` request is read
//!   without deleting it and consumed in the new run's commit (only if the key still holds the
//!   value read, so a newer request is kept); a worker that loses the lease first leaves it for
//!   its successor.
//! - **Claims**: claims of eliminated factions are revoked in the commit of the tick that
//!   eliminated them; bots-only clears claims in the iteration's tick or run-start commit (or a
//!   commit of its own while paused); a new run's commit clears the claims of the new universe and
//!   of the ended run. So claims change exactly when the run's data does, never by a worker that
//!   lost the lease (only players and admins, through the API, change them unfenced).
//! - **Awards** (`restart`): the commit that ends a decided run and publishes its `run_end` also
//!   scores it: a leaderboard win for the winning faction and, when a human held it, for that
//!   player's wallet plus an award job on `{p}:awards` for the minter (`sector minter`). The
//!   sim never waits for the chain; being in the fenced commit, each run is scored exactly once.
//! - **Events**: each tick appends a `delta` against the previous published frame, or a
//!   `snapshot` event when this worker has published none since it took over (WIRE.md §5).
//! - **Failure handling**: a tick is computed on a copy and adopted only after its commit
//!   succeeds. Store errors are retried with capped exponential backoff; afterwards the worker
//!   re-establishes its state from the store (a failed commit may have landed, a restarted Redis
//!   may have lost writes), so it never continues from a state the store does not have.
//!
//! # Orders posted while paused
//!
//! Pausing stops ticking, and with it the consumption of orders: orders posted while paused stay
//! in the order stream (the store never trims unconsumed entries) and are applied, oldest first
//! and at most `ORDER_BATCH` messages per tick, once the run resumes (KNOWN_DEFECTS F8 is kept
//! on purpose: nothing a player sent is dropped silently). Orders already read when the pause
//! began are applied in the first tick after it.
//!
//! # Start gate
//!
//! A new run waits at tick 0 until a human claims a faction or bots-only is set (F9 as in the
//! reference); after a winner in a bots-only run the next run starts on its own.
//!
//! # Differences from the reference worker (WIRE.md §7), and why
//!
//! - Start-up resumes the saved run instead of generating a world in memory (F1);
//!   `RESET_UNIVERSE_ON_START` only decides the universe id of a fresh run (no saved state).
//! - A held lease makes the worker wait as a standby, not exit; `LEASE_TTL_MS` defaults to 5 s
//!   (60 s blocked a replacement for a minute); holder ids are unique and fenced (F5).
//! - `ORDER_BLOCK_MS` defaults to 0: Redis resolves `BLOCK` timeouts at its `hz` (100 ms by
//!   default), so the reference's 1 ms cost up to 100 ms per idle tick.
//! - Malformed messages are acknowledged and skipped; the reference abandoned the whole tick and
//!   never acknowledged or re-delivered its messages (F2, F4).
//! - Ticks are paced at a fixed rate (start to start, `TICK_MS` or `tick_delay`); the reference
//!   slept `tick_delay` after each tick's processing.
//! - The first event after a takeover or a store recovery is a `snapshot` event: clients may hold
//!   frames this worker never saw, so a delta could not be trusted.
//! - A winner restart and a pending admin restart become one restart; a universe id moved by a
//!   legacy API without a surviving restart request gets its own new world (F6).
//! - Claims of eliminated factions are re-checked every tick, also after a revocation (F10).
//! - Claim removals and the legacy restart request's deletion are fenced (in the commits above);
//!   the reference revoked and cleared claims, and took (GETDEL) the request, unconditionally.
//! - Graceful shutdown saves the full state and releases the lease, so a standby takes over at
//!   once and replays nothing.

mod backoff;
mod config;
mod control;
mod error;
mod events;
mod frontend_wait;
mod handle;
mod http;
mod intake;
mod leader;
mod lease_loop;
mod metrics;
mod recovery;
mod restart;
mod seeds;
mod state;
mod status;
mod tick;
mod worker;

pub use config::{
    ConfigError, DEFAULT_HTTP_PORT, DEFAULT_LEASE_TTL, DEFAULT_ORDER_BATCH, DEFAULT_STATE_EVERY, SimConfig,
    parse_bool,
};
pub use error::SimError;
pub use handle::{SimHandle, run, run_with_store, spawn};
pub use intake::{BadMessage, IncomingOrder, Parsed, parse_entry};
pub use metrics::Metrics;
pub use seeds::random_seed;
pub use state::{STATE_VERSION, SimState, StateError, TickRecord};
pub use status::{Role, WorkerStatus};
