//! A universe's Redis as the operator reaches it: a real `redis-server` with the password from
//! the universe's generated Secret, on a loopback address of its own at the Redis port, and the
//! Service's cluster DNS name mapped to that address in the hosts file the operator sees (the
//! operator runs in a private mount namespace with that file over /etc/hosts, as cluster DNS
//! would answer inside a pod). The operator's code path is the production one: it resolves
//! `<name>-redis.<namespace>.svc.cluster.local` and connects.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sector_store::Keys;
use tokio::process::{Child, Command};

use crate::wait;

/// The hosts file shared by the operator processes. Lines are only appended, in place, so the
/// bind mount (same inode) shows every new name at the next lookup.
#[derive(Debug)]
pub struct HostsFile {
    path: PathBuf,
}

impl HostsFile {
    pub fn create(path: &Path) -> Result<Self> {
        let base = std::fs::read_to_string("/etc/hosts").unwrap_or_else(|_| "127.0.0.1 localhost\n".into());
        std::fs::write(path, format!("{base}\n# sector cluster e2e: universe Redis Services\n"))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(Self { path: path.to_owned() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn add(&self, address: &str, name: &str) -> Result<()> {
        let mut file = std::fs::OpenOptions::new().append(true).open(&self.path)?;
        writeln!(file, "{address} {name}")?;
        Ok(())
    }
}

/// A running `redis-server` for one universe; killed on drop.
pub struct UniverseRedis {
    pub url: String,
    pub keys: Keys,
    _process: Child,
    _dir: PathBuf,
}

impl UniverseRedis {
    pub async fn start(address: &str, password: &str, dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let port = sector_operator::names::REDIS_PORT.to_string();
        let process = Command::new("redis-server")
            .args(["--bind", address, "--port", &port, "--requirepass", password])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting redis-server (apt-get install -y redis-server)")?;
        let url = format!("redis://:{password}@{address}:{port}/0");
        let redis = Self { url, keys: Keys::default(), _process: process, _dir: dir.to_owned() };
        let redis_ref = &redis;
        wait::until("redis-server to answer", Duration::from_secs(10), || async move {
            Ok(match redis_ref.connection().await {
                Ok(mut c) => {
                    redis::cmd("PING").query_async::<String>(&mut c).await.map_err(|e| e.to_string())
                }
                Err(e) => Err(format!("{e:#}")),
            })
        })
        .await?;
        Ok(redis)
    }

    /// Lets clients in with `password` as well as the server's own: an ACL user may have
    /// several passwords, so one server can stand for many universes' Redis, each client
    /// authenticating with its own Secret's password. (A `nopass` user would not do: the
    /// one-argument `AUTH <password>` that a `redis://:password@` URL sends is refused when no
    /// password is configured.)
    pub async fn accept_password(
        connection: &mut redis::aio::MultiplexedConnection,
        password: &str,
    ) -> Result<()> {
        redis::cmd("ACL")
            .arg("SETUSER")
            .arg("default")
            .arg(format!(">{password}"))
            .query_async::<()>(connection)
            .await?;
        Ok(())
    }

    pub async fn connection(&self) -> Result<redis::aio::MultiplexedConnection> {
        let client = redis::Client::open(self.url.as_str())?;
        Ok(client.get_multiplexed_async_connection().await?)
    }

    /// The control hash as the simulation reads it.
    pub async fn control(&self) -> Result<sector_store::Control> {
        use sector_store::ControlStore;
        let store = sector_store::RedisStore::connect(&self.url, self.keys.clone()).await?;
        Ok(store.control("").await?)
    }

    /// How many `HSET` commands the server has executed. The operator writes the control hash
    /// with HSET; the test plays the simulation with HMSET, so the two never mix in this count.
    pub async fn hset_calls(&self) -> Result<u64> {
        let mut c = self.connection().await?;
        let info: String = redis::cmd("INFO").arg("commandstats").query_async(&mut c).await?;
        Ok(info
            .lines()
            .find_map(|l| l.strip_prefix("cmdstat_hset:"))
            .and_then(|rest| rest.split(',').find_map(|kv| kv.strip_prefix("calls=")))
            .map(|n| n.parse().unwrap_or(0))
            .unwrap_or(0))
    }

    /// Plays the simulation's side of the control hash and snapshot (what a running sim
    /// records): run, tick, phase, and a snapshot with this faction registry.
    pub async fn play_sim(&self, run: &str, tick: u64, phase: &str, factions: &[&str]) -> Result<()> {
        let mut c = self.connection().await?;
        let registry: Vec<_> = factions.iter().map(|id| serde_json::json!({ "id": id })).collect();
        let snapshot = serde_json::json!({ "tick": tick, "generator_seed": 7, "factions": registry });
        redis::cmd("HMSET")
            .arg(self.keys.control())
            .arg(vec!["run", run, "tick", &tick.to_string(), "phase", phase])
            .query_async::<()>(&mut c)
            .await?;
        redis::cmd("HMSET")
            .arg(self.keys.snapshot())
            .arg(vec!["data", &snapshot.to_string(), "tick", &tick.to_string()])
            .query_async::<()>(&mut c)
            .await?;
        Ok(())
    }

    /// Records, as the sim does when it applies a restart, the generation it applied.
    pub async fn play_restart_applied(&self, generation: i64, run: &str) -> Result<()> {
        let mut c = self.connection().await?;
        redis::cmd("HMSET")
            .arg(self.keys.control())
            .arg(vec!["appliedRestartGeneration", &generation.to_string(), "run", run])
            .query_async::<()>(&mut c)
            .await?;
        Ok(())
    }

    /// Human claims of `run`, as the API records them.
    pub async fn claim(&self, run: &str, factions: &[&str]) -> Result<()> {
        use sector_store::ClaimStore;
        let store = sector_store::RedisStore::connect(&self.url, self.keys.clone()).await?;
        for (i, faction) in factions.iter().enumerate() {
            let address = format!("0x{:040x}", 0xe2e0 + i);
            let outcome = store.claim_faction(run, &address, faction).await?;
            if outcome != sector_store::ClaimOutcome::Claimed {
                bail!("claiming {faction} for {address}: {outcome:?}");
            }
        }
        Ok(())
    }

    pub async fn release(&self, run: &str, count: usize) -> Result<()> {
        use sector_store::ClaimStore;
        let store = sector_store::RedisStore::connect(&self.url, self.keys.clone()).await?;
        for i in 0..count {
            store.release_claim(run, &format!("0x{:040x}", 0xe2e0 + i)).await?;
        }
        Ok(())
    }
}
