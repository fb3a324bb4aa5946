//! Test helpers: start the sandbox in this process on ephemeral ports (HTTP
//! and HTTPS); the client, callback receiver and checks are
//! `mypay_sandbox::testing`'s.
#![allow(dead_code)]

pub use mypay_sandbox::testing::*;
use mypay_sandbox::{spawn, Listen, Running, Settings};
use std::ops::Deref;

/// A sandbox served by this process; it stops when dropped.
pub struct Sandbox {
    running: Running,
    api: Http,
}

impl Deref for Sandbox {
    type Target = Http;

    fn deref(&self) -> &Http {
        &self.api
    }
}

impl Sandbox {
    /// The default settings (test credentials, in memory), HTTP and HTTPS.
    pub async fn start() -> Sandbox {
        Self::with(Settings::default()).await
    }

    /// These settings, HTTP and HTTPS on free ports of 127.0.0.1.
    pub async fn with(settings: Settings) -> Sandbox {
        let running = spawn(settings, &Listen::local().with_tls(0))
            .await
            .expect("start the sandbox");
        let api = Http::new(running.url(), running.https_url().unwrap_or_default());
        Sandbox { running, api }
    }

    /// Stops serving (and waits until it has).
    pub async fn stop(self) {
        self.running.shutdown().await;
    }
}

/// A default sandbox whose callbacks go, with fast retries, to a receiver
/// answering `8888`.
pub async fn with_receiver() -> (Sandbox, Receiver) {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.set_notify(&rx.url, &[50, 50, 50, 50]).await;
    (sb, rx)
}
