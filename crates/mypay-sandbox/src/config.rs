//! What a sandbox starts with ([`Settings`]: the agent, the store, the keys,
//! where its state lives, where callbacks go) and the settings changeable at
//! run time ([`Config`], `GET|PUT /sandbox/config`).

use mypay_link::KeyRing;
use serde::Serialize;
use std::path::PathBuf;

/// The published test key of MYPAY's test area (the API text's samples).
pub const TEST_AGENT_KEY: &str = "2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG";
/// The published test agent.
pub const TEST_AGENT_UID: &str = "518169081001";
/// The published test store.
pub const TEST_STORE_UID: &str = "289151880002";

/// Default retry schedule after the first callback attempt (4 retries).
pub const DEFAULT_RETRY_SCHEDULE_MS: [u64; 4] = [2_000, 4_000, 6_000, 8_000];
/// Default `page_lifetime_seconds`: a payment page takes payments for a day.
pub const DEFAULT_PAGE_LIFETIME_SECONDS: u64 = 86_400;
/// Default `manual_refund_days`: a manual refund is done a week later.
pub const DEFAULT_MANUAL_REFUND_DAYS: u32 = 7;
/// Base URL of payment page links when [`Settings::public_url`] is unset and
/// the app is not started by [`crate::spawn`] (which uses its HTTP address).
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8788";

/// What a sandbox starts with. `Settings::default()` is the published test
/// agent, store and key, state in memory, the firewall on, callbacks
/// nowhere until `PUT /sandbox/config` names a URL.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The agent the sandbox accepts.
    pub agent_uid: String,
    /// The store orders must name.
    pub store_uid: String,
    /// The agent key (and the next one during a rotation); `None`: the
    /// published test key.
    pub keys: Option<KeyRing>,
    /// Base URL of payment page links; `None`: the HTTP address (or
    /// [`DEFAULT_PUBLIC_URL`]).
    pub public_url: Option<String>,
    /// Directory of the state file (`state.json`); `None`: in memory only.
    pub data_dir: Option<PathBuf>,
    /// Where callbacks (主動回報) are posted.
    pub notify_url: Option<String>,
    /// Milliseconds between callback retries.
    pub retry_schedule_ms: Vec<u64>,
    /// The firewall emulation: 403 to agent calls without a User-Agent.
    pub require_user_agent: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            agent_uid: TEST_AGENT_UID.into(),
            store_uid: TEST_STORE_UID.into(),
            keys: None,
            public_url: None,
            data_dir: None,
            notify_url: None,
            retry_schedule_ms: DEFAULT_RETRY_SCHEDULE_MS.to_vec(),
            require_user_agent: true,
        }
    }
}

impl Settings {
    /// The agent the sandbox accepts.
    pub fn agent_uid(mut self, agent_uid: impl Into<String>) -> Self {
        self.agent_uid = agent_uid.into();
        self
    }

    /// The store orders must name.
    pub fn store_uid(mut self, store_uid: impl Into<String>) -> Self {
        self.store_uid = store_uid.into();
        self
    }

    /// The agent key ring instead of the published test key.
    pub fn keys(mut self, keys: KeyRing) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Base URL of payment page links.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Keep the state in `dir/state.json` (loaded at start, replaced on
    /// every change).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Where callbacks are posted.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Milliseconds between callback retries.
    pub fn retry_schedule_ms(mut self, schedule: Vec<u64>) -> Self {
        self.retry_schedule_ms = schedule;
        self
    }

    /// Turns the firewall emulation on or off.
    pub fn require_user_agent(mut self, on: bool) -> Self {
        self.require_user_agent = on;
        self
    }

    /// The run-time settings a sandbox starts with.
    pub(crate) fn initial_config(&self) -> Config {
        Config {
            notify_url: self.notify_url.clone(),
            retry_schedule_ms: self.retry_schedule_ms.clone(),
            require_user_agent: self.require_user_agent,
            page_lifetime_seconds: DEFAULT_PAGE_LIFETIME_SECONDS,
            refund_mode: RefundMode::Instant,
            manual_refund_days: DEFAULT_MANUAL_REFUND_DAYS,
            issue_invoices: true,
        }
    }
}

/// How `api/refund` answers a refund it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundMode {
    /// B200 with `row_data` (refund_type 1); done at once.
    Instant,
    /// B200 with `row_data` (refund_type 2 cards, 3 cash-type, and an
    /// `expected_refund_date`); done on that date or on
    /// `POST /sandbox/orders/{uid}/refund/complete`.
    Manual,
    /// B200 without `row_data`; done as in `manual`.
    NoRowData,
}

impl RefundMode {
    /// `instant`, `manual` or `no_row_data`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "instant" => Some(Self::Instant),
            "manual" => Some(Self::Manual),
            "no_row_data" => Some(Self::NoRowData),
            _ => None,
        }
    }
}

/// Settings changeable at run time (`PUT /sandbox/config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Config {
    pub notify_url: Option<String>,
    pub retry_schedule_ms: Vec<u64>,
    pub require_user_agent: bool,
    /// How long an unpaid order's payment page takes payments; after it,
    /// the order is abandoned (A0002).
    pub page_lifetime_seconds: u64,
    pub refund_mode: RefundMode,
    /// Days from a manual refund to its `expected_refund_date`.
    pub manual_refund_days: u32,
    /// The store's e-invoice setting in MYPAY's admin panel: what an order
    /// with `issue_invoice_state` 2 (依系統設定, the default) gets.
    pub issue_invoices: bool,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_published_test_area() {
        let s = Settings::default();
        assert_eq!(s.agent_uid, "518169081001");
        assert_eq!(s.store_uid, "289151880002");
        assert!(s.keys.is_none() && s.data_dir.is_none() && s.notify_url.is_none());
        assert!(s.require_user_agent);
        let c = s.initial_config();
        assert_eq!(c.retry_schedule_ms, [2_000, 4_000, 6_000, 8_000]);
        assert_eq!(c.page_lifetime_seconds, 86_400);
        assert_eq!(c.refund_mode, RefundMode::Instant);
        assert_eq!(c.manual_refund_days, 7);
    }

    #[test]
    fn the_builder_sets_each_field() {
        let s = Settings::default()
            .agent_uid("1")
            .store_uid("2")
            .public_url("http://x")
            .data_dir("/tmp/d")
            .notify_url("http://n")
            .retry_schedule_ms(vec![40])
            .require_user_agent(false);
        assert_eq!((s.agent_uid.as_str(), s.store_uid.as_str()), ("1", "2"));
        assert_eq!(s.public_url.as_deref(), Some("http://x"));
        assert_eq!(s.data_dir, Some(PathBuf::from("/tmp/d")));
        let c = s.initial_config();
        assert_eq!(c.notify_url.as_deref(), Some("http://n"));
        assert_eq!(c.retry_schedule_ms, [40]);
        assert!(!c.require_user_agent);
    }

    #[test]
    fn refund_modes_parse_and_serialize_alike() {
        for m in [
            RefundMode::Instant,
            RefundMode::Manual,
            RefundMode::NoRowData,
        ] {
            let name = serde_json::to_value(m).unwrap();
            assert_eq!(RefundMode::parse(name.as_str().unwrap()), Some(m));
        }
        assert_eq!(RefundMode::parse("later"), None);
    }
}
