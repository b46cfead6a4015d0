//! Test support (feature `testing`): a throw-away `redis-server` per test.
//!
//! [`RedisServer::start`] launches `redis-server --bind 127.0.0.1 --port <free port> --save ''
//! --appendonly no --dir <tempdir>`, waits until it answers PING, and kills it by pid when
//! dropped. It never skips: without a `redis-server` binary it returns an error telling how to
//! install one, so a test using it fails loudly instead of passing vacuously.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::StoreResult;
use crate::keys::Keys;
use crate::redis::{RedisOptions, RedisStore};

/// Writes that only a reference-era (legacy) writer makes, for tests of how the store and the sim
/// treat them; implemented by both backends.
pub trait LegacyKeys {
    /// Sets the reference's one-shot restart request key `{p}:restart` to `raw`.
    fn set_legacy_restart(&self, raw: &str) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Environment variable naming the `redis-server` binary to use instead of searching PATH.
pub const REDIS_SERVER_ENV: &str = "REDIS_SERVER";

const READY_TIMEOUT: Duration = Duration::from_secs(10);
const START_ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum TestingError {
    #[error(
        "redis-server not found (searched ${REDIS_SERVER_ENV} and PATH): install it, e.g. \
         `apt-get update && apt-get install -y redis-server`, or set {REDIS_SERVER_ENV} to its path"
    )]
    NotInstalled,
    #[error("redis-server did not become ready on port {port}: {detail}")]
    NotReady { port: u16, detail: String },
    #[error("test redis i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// A running `redis-server` owned by the test; killed (by pid) on drop.
#[derive(Debug)]
pub struct RedisServer {
    binary: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port.
    pub fn start() -> Result<Self, TestingError> {
        let binary = find_binary().ok_or(TestingError::NotInstalled)?;
        let dir = tempfile::Builder::new().prefix("sector-redis-").tempdir()?;
        let mut server = Self { binary, dir, port: 0, child: None };
        let mut last_error = None;
        // A port found free can be taken before redis binds it; try a few.
        for _ in 0..START_ATTEMPTS {
            server.port = free_port()?;
            match server.launch() {
                Ok(()) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or(TestingError::NotReady { port: 0, detail: "no attempt made".into() }))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/0`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server (SIGKILL, like a crash) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a stopped server again on the same port (with empty data: nothing is persisted).
    pub fn restart(&mut self) -> Result<(), TestingError> {
        self.stop();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match self.launch() {
                Ok(()) => return Ok(()),
                // The port may linger for a moment after the kill.
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// A store on this server with test-friendly options: short timeouts and fast reconnects.
    pub async fn store(&self, keys: Keys) -> StoreResult<RedisStore> {
        let options = RedisOptions {
            response_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_millis(500),
            reconnect_retries: 1,
            reconnect_min_delay: Duration::from_millis(20),
            reconnect_max_delay: Duration::from_millis(100),
        };
        RedisStore::connect_with(&self.url(), keys, options).await
    }

    fn launch(&mut self) -> Result<(), TestingError> {
        let log = self.dir.path().join(format!("redis-{}.log", self.port));
        let child = Command::new(&self.binary)
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &self.port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--logfile", &log.to_string_lossy()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        match self.wait_ready(&log) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.stop();
                Err(e)
            }
        }
    }

    fn wait_ready(&mut self, log: &Path) -> Result<(), TestingError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if ping(self.port) {
                return Ok(());
            }
            let exited = self.child.as_mut().map(|c| matches!(c.try_wait(), Ok(Some(_)))).unwrap_or(true);
            if exited || Instant::now() >= deadline {
                let detail = std::fs::read_to_string(log).unwrap_or_default();
                let tail: Vec<&str> = detail.lines().rev().take(5).collect();
                let detail = if exited { "exited" } else { "timed out" }.to_owned()
                    + ": "
                    + &tail.into_iter().rev().collect::<Vec<_>>().join(" | ");
                return Err(TestingError::NotReady { port: self.port, detail });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(REDIS_SERVER_ENV) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/usr/sbin", "/usr/local/bin"].map(PathBuf::from))
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    Ok(listener.local_addr()?.port())
}

fn ping(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(100)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    stream.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// Checks a service README's configuration section against the variables its parser reads:
/// every variable named there (in backticks; `*_KEY` matches any name ending in `_KEY`) must be
/// read, and every variable read must be named. Panics listing the differences, so a README
/// row or a variable added without the other fails the service's tests.
#[track_caller]
pub fn assert_readme_documents(readme: &str, section: &str, read: &[&str]) {
    let start = readme.find(section).unwrap_or_else(|| panic!("the README has no {section:?} section"));
    let body = &readme[start + section.len()..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let named: Vec<&str> = body
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| {
            t.bytes().any(|b| b.is_ascii_uppercase())
                && t.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'*')
        })
        .collect();
    let matches = |name: &str, var: &str| match name.strip_prefix('*') {
        Some(suffix) => var.ends_with(suffix),
        None => name == var,
    };
    let unread: Vec<&str> =
        named.iter().copied().filter(|name| !read.iter().any(|var| matches(name, var))).collect();
    let undocumented: Vec<&str> =
        read.iter().copied().filter(|var| !named.iter().any(|name| matches(name, var))).collect();
    assert!(
        unread.is_empty() && undocumented.is_empty(),
        "README {section:?} and the configuration parser disagree: named but not read {unread:?}; \
         read but not named {undocumented:?}"
    );
}
