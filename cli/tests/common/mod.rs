//! Test helpers: start the real `mypay sandbox` on ephemeral ports, call its
//! agent API with sealed envelopes, and receive its callbacks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub use mypay_sandbox::testing::*;
use std::io::{BufRead, BufReader, Read};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_mypay");

/// A running sandbox; killed on drop.
pub struct Sandbox {
    child: Child,
    api: Http,
    pub stdout: Arc<Mutex<String>>,
    pub stderr_path: PathBuf,
}

impl Deref for Sandbox {
    type Target = Http;

    fn deref(&self) -> &Http {
        &self.api
    }
}

impl Sandbox {
    /// `mypay sandbox --port 0 --tls-port 0 --in-memory <args>`
    pub fn start(args: &[&str]) -> Sandbox {
        let mut all = vec!["--in-memory"];
        all.extend_from_slice(args);
        Self::start_with(&all, &[])
    }

    /// `mypay sandbox --port 0 --tls-port 0 <args>` with extra environment.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Sandbox {
        let dir = temp_dir("stderr");
        let stderr_path = dir.join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(["sandbox", "--port", "0", "--tls-port", "0"])
            .args(args)
            .env_remove("MYPAY_SANDBOX_KEY")
            .env_remove("MYPAY_SANDBOX_NEXT_KEY")
            .env_remove("MYPAY_SANDBOX_NOTIFY_URL")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start mypay sandbox");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = Arc::new(Mutex::new(String::new()));
        let sink = stdout.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(out);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            sink.lock().unwrap().push_str(&first);
            let _ = tx.send(first);
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            sink.lock().unwrap().push_str(&rest);
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        assert!(
            line.starts_with("listening on http://"),
            "first stdout line was {line:?}; stderr: {}",
            std::fs::read_to_string(&stderr_path).unwrap_or_default()
        );
        let words: Vec<&str> = line.split_whitespace().collect();
        let http = words[2].to_string();
        let https = words
            .iter()
            .position(|w| *w == "tls")
            .map(|i| words[i + 1].to_string())
            .unwrap_or_default();
        Sandbox {
            child,
            api: Http::new(http, https),
            stdout,
            stderr_path,
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = self.stderr_path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs the `mypay` binary with `args`, stdin and environment; returns (code, stdout, stderr).
pub fn run_cli(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args)
        .env_remove("MYPAY_AGENT_KEY")
        .env_remove("MYPAY_AGENT_NEXT_KEY")
        .env_remove("MYPAY_ENDPOINT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    // The command may exit before reading stdin (a usage error): ignore EPIPE.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn write_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}
