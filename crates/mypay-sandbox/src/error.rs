//! Why a sandbox could not start (or its server stopped). Once running, the
//! sandbox answers every request; a state file it cannot write is logged,
//! not fatal.

use std::path::PathBuf;

/// Why a sandbox could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The agent key (never shown).
    #[error("agent key: {0}")]
    Key(#[from] mypay_link::KeyError),
    /// The state file is there but cannot be read.
    #[error("cannot read {path}: {source}")]
    ReadState {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The state file is not one the sandbox wrote.
    #[error("{path} is not a sandbox state file: {source}")]
    BadState {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The state file cannot be written.
    #[error("cannot write the sandbox state {path}: {source}")]
    WriteState {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    /// The self-signed certificate of the HTTPS listener.
    #[error("cannot make the self-signed certificate: {0}")]
    Certificate(String),
    /// The HTTP client that posts callbacks.
    #[error("cannot make the callback client: {0}")]
    Client(#[from] reqwest::Error),
    /// A listener stopped.
    #[error("the {server} server failed: {source}")]
    Server {
        server: &'static str,
        source: std::io::Error,
    },
}
