//! Test support: a real local chain (npm `ganache`, started and killed by the test), the award
//! contract compiled from `contracts/SectorAward.sol` by solc-js and deployed on it, and an HTTP
//! helper. Nothing is skipped: without `node_modules` (run `npm ci` at the repository root) or
//! `node`, the tests fail and say so.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sector_minter::{Chain, Secret};

/// ganache `--wallet.deterministic` accounts: (address, private key).
pub const ACCOUNTS: [(&str, &str); 3] = [
    (
        "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1",
        "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d",
    ),
    (
        "0xffcf8fdee72ac11b5c542428b35eef5769c409f0",
        "6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1",
    ),
    (
        "0x22d491bde2303f2f43325b2108d26f1eaba1e32b",
        "6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c",
    ),
];
/// Deployer and minter.
pub const MINTER_KEY: &str = ACCOUNTS[0].1;
pub const MINTER_ADDRESS: &str = ACCOUNTS[0].0;
/// The winning player (EIP-55 spelling, as a wallet hands it out).
pub const WINNER: &str = "0xFFcf8FDEE72ac11b5c542428B35EEF5769C409f0";

const READY_TIMEOUT: Duration = Duration::from_secs(90);

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A ganache process on a free port; killed (by pid) on drop.
pub struct Ganache {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Ganache {
    pub async fn start() -> Self {
        let bin = repo_root().join("node_modules/.bin/ganache");
        assert!(
            bin.exists(),
            "ganache not found at {}: run `npm ci` at the repository root (it installs ganache, solc and ethers)",
            bin.display()
        );
        let dir = tempfile::Builder::new().prefix("sector-ganache-").tempdir().expect("temp dir");
        let log = dir.path().join("ganache.log");
        let port = free_port();
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--wallet.deterministic"])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} (is `node` installed?): {e}", bin.display()));
        let mut ganache = Self { child: Some(child), port, log, _dir: dir };
        ganache.wait_ready().await;
        ganache
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let answer = client
                .post(self.url())
                .header("content-type", "application/json")
                .body(r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#)
                .send()
                .await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            let exited = self.child.as_mut().is_none_or(|c| matches!(c.try_wait(), Ok(Some(_))));
            if exited || Instant::now() >= deadline {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!(
                    "ganache did not become ready on port {} ({}): {log}",
                    self.port,
                    if exited { "exited" } else { "timed out" }
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the chain (like an outage).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Ganache {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The creation bytecode of `SectorAward`, compiled once per test process by
/// `node contracts/build.js` (solc-js, EVM version paris).
pub fn bytecode() -> &'static str {
    static BYTECODE: OnceLock<String> = OnceLock::new();
    BYTECODE.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("SectorAward-{}.json", std::process::id()));
        let script = repo_root().join("contracts/build.js");
        let status = Command::new("node").arg(&script).arg(&out).status().unwrap_or_else(|e| {
            panic!("cannot run `node {}` (install Node.js, then `npm ci`): {e}", script.display())
        });
        assert!(
            status.success(),
            "compiling the contract failed ({status}); run `npm ci` at the repository root"
        );
        let artifact: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).expect("artifact written"))
                .expect("artifact is JSON");
        let _ = std::fs::remove_file(&out);
        assert_eq!(artifact["evmVersion"], "paris");
        artifact["bytecode"].as_str().expect("bytecode").to_owned()
    })
}

/// Deploys a fresh award contract (soulbound) with the minter key; its address.
pub async fn deploy(ganache: &Ganache) -> String {
    Chain::deploy_award(
        &ganache.url(),
        &Secret::new(MINTER_KEY),
        bytecode(),
        ("Sector Award", "SECTOR", true),
        Duration::from_secs(30),
    )
    .await
    .expect("deploy SectorAward")
}

/// A client for reading the contract.
pub fn reader(ganache: &Ganache, contract: &str) -> Chain {
    Chain::new(&ganache.url(), contract, &Secret::new(MINTER_KEY), Duration::from_secs(10), None)
        .expect("chain client")
}

/// `POST /mint` to a minter; (status, JSON body).
pub async fn post_mint(
    addr: SocketAddr,
    auth: Option<&str>,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let (status, text) = post_mint_text(addr, auth, body).await;
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {status} {text:?}")))
}

/// `POST /mint` to a minter; (status, body text).
pub async fn post_mint_text(addr: SocketAddr, auth: Option<&str>, body: &serde_json::Value) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(format!("http://{addr}/mint"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let response = request.send().await.expect("minter answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

pub async fn get(addr: SocketAddr, path: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.expect("minter answers");
    let status = response.status().as_u16();
    (status, serde_json::from_str(&response.text().await.expect("body")).unwrap_or(serde_json::Value::Null))
}
