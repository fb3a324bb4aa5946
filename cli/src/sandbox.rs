//! `mypay sandbox`: serves the local MYPAY LINK (the `mypay-sandbox` crate:
//! agent API, payment page, callbacks, firewall emulation, automation API)
//! until Ctrl-C. This file only turns flags into settings.

use crate::keys::{key_from_file, optional_env_key};
use anyhow::{anyhow, Context};
use mypay_link::{AgentKey, KeyRing};
use mypay_sandbox::{
    Listen, Settings, DEFAULT_RETRY_SCHEDULE_MS, TEST_AGENT_KEY, TEST_AGENT_UID, TEST_STORE_UID,
};
use std::io::Write;
use std::path::PathBuf;

/// `mypay sandbox …`
#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// HTTP port (0: any free port; the first stdout line names it).
    #[arg(long, default_value_t = 8788)]
    pub port: u16,
    /// Also serve the same app over HTTPS with a self-signed certificate (0: any free port).
    #[arg(long)]
    pub tls_port: Option<u16>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Where callbacks (主動回報) are posted.
    #[arg(long, env = "MYPAY_SANDBOX_NOTIFY_URL")]
    pub notify_url: Option<String>,
    /// Directory for the state file (default `.sandbox`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Keep state in memory only.
    #[arg(long, conflicts_with = "data_dir")]
    pub in_memory: bool,
    /// Turn off the firewall emulation (403 to requests without a User-Agent).
    #[arg(long)]
    pub allow_no_user_agent: bool,
    /// The agent the sandbox accepts.
    #[arg(long, env = "MYPAY_SANDBOX_AGENT_UID", default_value = TEST_AGENT_UID)]
    pub agent_uid: String,
    /// The store orders must name.
    #[arg(long, env = "MYPAY_SANDBOX_STORE_UID", default_value = TEST_STORE_UID)]
    pub store_uid: String,
    /// Environment variable with the agent key (unset: the published test key).
    #[arg(long, value_name = "NAME", default_value = "MYPAY_SANDBOX_KEY")]
    pub key_env: String,
    /// File with the agent key (wins over --key-env).
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Environment variable with the next key (accepted beside the current one).
    #[arg(long, value_name = "NAME", default_value = "MYPAY_SANDBOX_NEXT_KEY")]
    pub next_key_env: String,
    /// File with the next key.
    #[arg(long, value_name = "PATH")]
    pub next_key_file: Option<PathBuf>,
    /// Milliseconds between callback retries, comma-separated (default 2000,4000,6000,8000).
    #[arg(long, value_delimiter = ',')]
    pub retry_schedule_ms: Option<Vec<u64>>,
    /// Base URL for payment page links (default: the HTTP address).
    #[arg(long)]
    pub public_url: Option<String>,
}

impl SandboxArgs {
    /// The current key (file, environment, else the published test key)
    /// and the next one (file or environment), if any.
    fn keys(&self) -> anyhow::Result<KeyRing> {
        let current = match &self.key_file {
            Some(p) => key_from_file(p)?,
            None => match optional_env_key(&self.key_env)? {
                Some(k) => k,
                None => AgentKey::new(TEST_AGENT_KEY).map_err(|e| anyhow!("{e}"))?,
            },
        };
        let next = match &self.next_key_file {
            Some(p) => Some(key_from_file(p)?),
            None => optional_env_key(&self.next_key_env)?,
        };
        Ok(KeyRing::new(current, next))
    }

    /// What the sandbox starts with.
    fn settings(&self) -> anyhow::Result<Settings> {
        Ok(Settings {
            agent_uid: self.agent_uid.clone(),
            store_uid: self.store_uid.clone(),
            keys: Some(self.keys()?),
            public_url: self.public_url.clone(),
            data_dir: if self.in_memory {
                None
            } else {
                Some(
                    self.data_dir
                        .clone()
                        .unwrap_or_else(|| PathBuf::from(".sandbox")),
                )
            },
            notify_url: self.notify_url.clone(),
            retry_schedule_ms: self
                .retry_schedule_ms
                .clone()
                .unwrap_or_else(|| DEFAULT_RETRY_SCHEDULE_MS.to_vec()),
            require_user_agent: !self.allow_no_user_agent,
        })
    }

    fn listen(&self) -> Listen {
        Listen {
            host: self.host.clone(),
            port: self.port,
            tls_port: self.tls_port,
        }
    }
}

/// Starts the sandbox, prints `listening on http://… [tls https://…]` as
/// the first stdout line, and serves until Ctrl-C.
pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();

    let settings = args.settings()?;
    let running = mypay_sandbox::spawn(settings, &args.listen()).await?;
    let mut line = format!("listening on {}", running.url());
    if let Some(https) = running.https_url() {
        line.push_str(&format!(" tls {https}"));
    }
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    tracing::info!(
        agent_uid = %running.app().agent_uid(),
        store_uid = %running.app().store_uid(),
        firewall = !args.allow_no_user_agent,
        "MYPAY LINK sandbox ready: POST /api/agent, GET /payment/<uid>.html, automation under /sandbox"
    );
    tokio::select! {
        r = running.wait() => r.context("the sandbox stopped")?,
        _ = tokio::signal::ctrl_c() => tracing::info!("stopping"),
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        args: SandboxArgs,
    }

    fn parse(flags: &[&str]) -> SandboxArgs {
        let mut argv = vec!["sandbox", "--key-env", "MYPAY_TEST_UNSET_KEY"];
        argv.extend_from_slice(&["--next-key-env", "MYPAY_TEST_UNSET_NEXT_KEY"]);
        argv.extend_from_slice(flags);
        Cmd::try_parse_from(argv).unwrap().args
    }

    #[test]
    fn defaults_are_the_published_test_area_kept_in_dot_sandbox() {
        let a = parse(&[]);
        let s = a.settings().unwrap();
        assert_eq!(s.agent_uid, TEST_AGENT_UID);
        assert_eq!(s.store_uid, TEST_STORE_UID);
        assert_eq!(s.data_dir, Some(PathBuf::from(".sandbox")));
        assert_eq!(s.retry_schedule_ms, DEFAULT_RETRY_SCHEDULE_MS);
        assert!(s.require_user_agent && s.notify_url.is_none() && s.public_url.is_none());
        let test_key = AgentKey::new(TEST_AGENT_KEY).unwrap();
        assert_eq!(s.keys.unwrap().signing(), &test_key);
        let l = a.listen();
        assert_eq!((l.host.as_str(), l.port, l.tls_port), ("127.0.0.1", 8788, None));
    }

    #[test]
    fn flags_become_settings() {
        let a = parse(&[
            "--port",
            "0",
            "--tls-port",
            "0",
            "--in-memory",
            "--allow-no-user-agent",
            "--retry-schedule-ms",
            "40,40",
            "--notify-url",
            "http://127.0.0.1:9/notify",
            "--public-url",
            "http://sandbox.test",
            "--agent-uid",
            "1",
            "--store-uid",
            "2",
        ]);
        let s = a.settings().unwrap();
        assert_eq!(s.data_dir, None);
        assert!(!s.require_user_agent);
        assert_eq!(s.retry_schedule_ms, [40, 40]);
        assert_eq!(s.notify_url.as_deref(), Some("http://127.0.0.1:9/notify"));
        assert_eq!(s.public_url.as_deref(), Some("http://sandbox.test"));
        assert_eq!((s.agent_uid.as_str(), s.store_uid.as_str()), ("1", "2"));
        assert_eq!(a.listen().tls_port, Some(0));
        let a = parse(&["--data-dir", "/tmp/sb"]);
        assert_eq!(a.settings().unwrap().data_dir, Some(PathBuf::from("/tmp/sb")));
        let both = ["sandbox", "--data-dir", "/tmp/sb", "--in-memory"];
        assert!(Cmd::try_parse_from(both).is_err());
    }

    #[test]
    fn key_files_are_read_and_named_in_errors() {
        let dir = std::env::temp_dir().join(format!("mypay-cli-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("key");
        std::fs::write(&good, "CustomKeyCustomKeyCustomKey12345\n").unwrap();
        let bad = dir.join("bad");
        std::fs::write(&bad, "short").unwrap();
        let a = parse(&["--key-file", good.to_str().unwrap()]);
        let custom = AgentKey::new("CustomKeyCustomKeyCustomKey12345").unwrap();
        assert_eq!(a.keys().unwrap().signing(), &custom);
        let a = parse(&["--next-key-file", bad.to_str().unwrap()]);
        let e = a.keys().unwrap_err().to_string();
        assert!(e.contains("bad") && !e.contains("short"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
