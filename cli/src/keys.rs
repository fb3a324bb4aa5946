//! Where the agent key comes from: an environment variable or a file, never
//! a command-line value (which would show in `ps` and shell history).

use anyhow::{anyhow, Context};
use mypay_link::{AgentKey, KeyRing};
use std::path::{Path, PathBuf};

/// The published test agent of MYPAY's test area (the sandbox's default).
pub use mypay_sandbox::TEST_AGENT_UID;

/// How a command finds the agent key.
#[derive(clap::Args, Debug, Clone)]
pub struct KeyArgs {
    /// Name of the environment variable that holds the agent key.
    #[arg(long, value_name = "NAME", default_value = "MYPAY_AGENT_KEY")]
    pub key_env: String,
    /// File that holds the agent key (wins over --key-env).
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Name of the environment variable that holds the next key during
    /// MYPAY's yearly rotation (optional; decryption tries both).
    #[arg(long, value_name = "NAME", default_value = "MYPAY_AGENT_NEXT_KEY")]
    pub next_key_env: String,
}

impl KeyArgs {
    /// Loads the current key (required) and the next key (optional).
    pub fn load(&self) -> anyhow::Result<KeyRing> {
        let current = match &self.key_file {
            Some(path) => key_from_file(path)?,
            None => match std::env::var(&self.key_env) {
                Ok(v) if !v.trim().is_empty() => key_from_env(&self.key_env, &v)?,
                _ => {
                    return Err(anyhow!(
                        "no agent key: set the environment variable {} or pass --key-file PATH",
                        self.key_env
                    ))
                }
            },
        };
        let next = optional_env_key(&self.next_key_env)?;
        Ok(KeyRing::new(current, next))
    }
}

/// Reads a key file. Errors name the file and the length, never the content.
pub fn key_from_file(path: &Path) -> anyhow::Result<AgentKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    AgentKey::from_secret(&text).map_err(|e| anyhow!("key file {}: {e}", path.display()))
}

/// Reads a key from the value of an environment variable.
pub fn key_from_env(name: &str, value: &str) -> anyhow::Result<AgentKey> {
    AgentKey::from_secret(value).map_err(|e| anyhow!("environment variable {name}: {e}"))
}

/// The key in `name`, if that variable is set and not empty.
pub fn optional_env_key(name: &str) -> anyhow::Result<Option<AgentKey>> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => key_from_env(name, &v).map(Some),
        _ => Ok(None),
    }
}
