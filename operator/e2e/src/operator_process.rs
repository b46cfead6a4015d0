//! The operator binary run as the chart deploys it: the chart Deployment's environment (field
//! references resolved as the kubelet would), the chart ServiceAccount's identity (a
//! TokenRequest token in its own kubeconfig, so a missing RBAC rule fails), and cluster DNS for
//! the universes' Redis Services (a private mount namespace with the suite's hosts file over
//! /etc/hosts, see `universe_redis`). Logs go to a file per replica.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::process::{Child, Command};

use crate::wait;

pub struct OperatorProcess {
    pub identity: String,
    pub log: PathBuf,
    child: Child,
}

/// How to start replicas.
#[derive(Debug, Clone)]
pub struct OperatorLaunch {
    pub binary: PathBuf,
    pub kubeconfig: PathBuf,
    pub hosts: PathBuf,
    /// The chart Deployment's env, with `POD_NAME`/`OPERATOR_NAMESPACE` resolved per replica.
    pub env: Vec<(String, String)>,
    pub log_dir: PathBuf,
}

impl OperatorLaunch {
    /// A value the chart's Deployment sets in the operator's environment.
    pub fn chart_env(&self, name: &str) -> Result<String> {
        let found = self.env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        found.with_context(|| format!("the chart sets no {name}"))
    }

    pub async fn start(&self, identity: &str) -> Result<OperatorProcess> {
        let metrics_port = free_port()?;
        let log = self.log_dir.join(format!("{identity}.log"));
        // Appended: a replica restarted under the same identity keeps its earlier log.
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&log)?;
        let mut cmd = Command::new("unshare");
        // `unshare` execs in place (no fork), so the child's pid is the operator's.
        cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(r#"mount --bind "$1" /etc/hosts && shift && exec "$@""#)
            .arg("sh")
            .arg(&self.hosts)
            .arg(&self.binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("POD_NAME", identity)
            .env("METRICS_PORT", metrics_port.to_string())
            .env("KUBECONFIG", &self.kubeconfig)
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .kill_on_drop(true);
        let child = cmd.spawn().context("starting the operator under unshare (needs root)")?;
        let mut process = OperatorProcess { identity: identity.to_owned(), log, child };
        let url = format!("http://127.0.0.1:{metrics_port}/health");
        let ready = wait::until("the operator's /health", Duration::from_secs(30), || {
            let url = url.clone();
            let exited = process.child.try_wait().ok().flatten();
            async move {
                if let Some(status) = exited {
                    bail!("exited with {status}");
                }
                Ok(http_get(&url).await.map(|_| ()))
            }
        })
        .await;
        if let Err(e) = ready {
            bail!("{e:#}; log {}:\n{}", process.log.display(), process.tail(40));
        }
        Ok(process)
    }
}

impl OperatorProcess {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Kills the process at once, as a node failure would (no lease release).
    pub async fn kill(&mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// SIGTERM and wait, as a pod deletion would.
    pub async fn stop(&mut self) -> Result<()> {
        if let Some(pid) = self.pid() {
            Command::new("kill").args(["-TERM", &pid.to_string()]).status().await?;
        }
        match tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        Ok(())
    }

    pub fn tail(&self, lines: usize) -> String {
        tail(&self.log, lines)
    }
}

pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A plain HTTP/1.0 GET on loopback: enough for the operator's /health.
async fn http_get(url: &str) -> Result<String, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").ok_or("not an http URL")?;
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut stream = tokio::net::TcpStream::connect(host).await.map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut body = String::new();
    stream.read_to_string(&mut body).await.map_err(|e| e.to_string())?;
    let (head, body) = body.split_once("\r\n\r\n").ok_or("no HTTP header")?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return Err(head.lines().next().unwrap_or_default().to_owned());
    }
    Ok(body.to_owned())
}
