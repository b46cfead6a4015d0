//! The Lua scripts, one file each under `lua/`. Each is hashed once; `redis::Script` runs it by
//! EVALSHA and reloads it when a restarted server has forgotten it.

use std::sync::LazyLock;

use ::redis::Script;

macro_rules! script {
    ($name:ident, $file:literal) => {
        pub(crate) static $name: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!($file)));
    };
    // A script that calls functions of `lua/lib/` files: those are prepended (Redis scripts
    // cannot call one another).
    ($name:ident, $file:literal, uses $($lib:literal),+) => {
        pub(crate) static $name: LazyLock<Script> =
            LazyLock::new(|| Script::new(concat!($(include_str!($lib), "\n",)+ include_str!($file))));
    };
}

script!(LEASE_ACQUIRE, "lua/lease_acquire.lua");
script!(LEASE_RENEW, "lua/lease_renew.lua");
script!(LEASE_RELEASE, "lua/lease_release.lua");
script!(ORDERS_APPEND, "lua/orders_append.lua", uses "lua/lib/append_orders.lua");
script!(PLAYER_ORDERS, "lua/player_orders.lua", uses "lua/lib/append_orders.lua");
script!(ORDERS_PRUNE, "lua/orders_prune.lua");
script!(COMMIT, "lua/commit.lua");
script!(CLAIM, "lua/claim.lua");
script!(CLAIM_RELEASE, "lua/claim_release.lua");
script!(CLAIM_REVOKE, "lua/claim_revoke.lua");
script!(CLAIM_CLEAR, "lua/claim_clear.lua");
script!(SESSION_CREATE, "lua/session_create.lua");
script!(SESSION_REVOKE, "lua/session_revoke.lua");
script!(SESSION_REVOKE_ALL, "lua/session_revoke_all.lua");
script!(MEMBERS_HEARTBEAT, "lua/members_heartbeat.lua");
script!(MEMBERS_LIVE, "lua/members_live.lua");
script!(LEADERBOARD, "lua/leaderboard.lua");
script!(MINT_RECORD_PUT, "lua/mint_record_put.lua");
