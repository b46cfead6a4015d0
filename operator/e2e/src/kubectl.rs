//! `kubectl` and `helm` as an admin runs them: the suite drives the cluster through the same
//! commands the docs tell admins to use, so their messages are what the assertions read.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// A command-line tool with a fixed kubeconfig.
#[derive(Debug, Clone)]
pub struct Tool {
    program: PathBuf,
    kubeconfig: PathBuf,
    env: Vec<(String, String)>,
}

/// What a command printed and whether it succeeded.
#[derive(Debug)]
pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Tool {
    pub fn new(program: impl Into<PathBuf>, kubeconfig: &Path) -> Self {
        Self { program: program.into(), kubeconfig: kubeconfig.to_owned(), env: Vec::new() }
    }

    pub fn with_env(mut self, name: &str, value: impl Into<String>) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    /// The same tool with another identity.
    pub fn as_user(&self, kubeconfig: &Path) -> Self {
        Self { kubeconfig: kubeconfig.to_owned(), ..self.clone() }
    }

    pub async fn output<S: AsRef<str>>(&self, args: &[S], stdin: Option<&str>) -> Result<Output> {
        let mut cmd = Command::new(&self.program);
        cmd.args(args.iter().map(AsRef::as_ref))
            .env("KUBECONFIG", &self.kubeconfig)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().with_context(|| format!("running {}", self.program.display()))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes()).await?;
        }
        let out = child.wait_with_output().await?;
        Ok(Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Runs and returns stdout; an error carries the command and its stderr.
    pub async fn run<S: AsRef<str>>(&self, args: &[S]) -> Result<String> {
        self.run_with(args, None).await
    }

    pub async fn run_with<S: AsRef<str>>(&self, args: &[S], stdin: Option<&str>) -> Result<String> {
        let out = self.output(args, stdin).await?;
        if !out.ok {
            bail!("`{} {}` failed: {}", self.name(), join(args), out.stderr.trim());
        }
        Ok(out.stdout)
    }

    /// Runs a command that must be refused; returns its stderr (the refusal's message).
    pub async fn refused<S: AsRef<str>>(&self, args: &[S], stdin: Option<&str>) -> Result<String> {
        let out = self.output(args, stdin).await?;
        if out.ok {
            bail!("`{} {}` was accepted, expected a refusal: {}", self.name(), join(args), out.stdout.trim());
        }
        Ok(out.stderr)
    }

    fn name(&self) -> String {
        self.program.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }
}

fn join<S: AsRef<str>>(args: &[S]) -> String {
    args.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(" ")
}
