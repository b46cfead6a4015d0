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
    binary: PathBuf,
    child: Child,
}

/// What the operator process uses, from /proc.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub rss_kib: u64,
    pub peak_rss_kib: u64,
    /// User and system CPU time since it started.
    pub cpu_seconds: f64,
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
        let mut process =
            OperatorProcess { identity: identity.to_owned(), log, binary: self.binary.clone(), child };
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

    /// The operator binary's own process. `unshare` and `sh` exec in place, so it is normally
    /// the child itself; should a wrapper fork instead, it is found among the descendants.
    pub fn operator_pid(&self) -> Option<u32> {
        let wanted = self.binary.file_name()?.to_string_lossy().into_owned();
        let mut queue = vec![self.pid()?];
        while let Some(pid) = queue.pop() {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            // A rebuilt binary shows as `… (deleted)`.
            let exe = exe.to_string_lossy();
            let name = exe.trim_end_matches(" (deleted)").rsplit('/').next().unwrap_or_default();
            if name == wanted {
                return Some(pid);
            }
            for task in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
                let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
                queue.extend(children.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
            }
        }
        None
    }

    /// Resident memory (VmRSS, VmHWM) and CPU time (utime + stime) of the operator process.
    pub fn usage(&self) -> Result<Usage> {
        let pid = self.operator_pid().context("no operator process found")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib = |field: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the command name (in parentheses, which may hold spaces): state is
        // field 3, utime and stime are fields 14 and 15.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        Ok(Usage {
            rss_kib: kib("VmRSS:"),
            peak_rss_kib: kib("VmHWM:"),
            cpu_seconds: (ticks(11) + ticks(12)) as f64 / clock_ticks(),
        })
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

/// Clock ticks per second, the unit of CPU times in /proc (`getconf CLK_TCK`, almost always 100).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
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
