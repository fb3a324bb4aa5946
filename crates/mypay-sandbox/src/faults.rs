//! Injected faults: agent calls that fail (HTTP 500, no answer, garbage, the
//! firewall's 403 page) or are answered without identifying fields, and
//! callbacks that are duplicated, reordered or lost.

use serde::{Deserialize, Serialize};

/// How an agent call fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentFaultMode {
    /// HTTP 500 with an HTML error page; the call is not processed.
    Http500,
    /// No answer for `delay_ms` (default 30 s), then HTTP 504; not processed.
    Timeout,
    /// HTTP 200 with a body that is not JSON; not processed.
    Garbage,
    /// The firewall's HTTP 403 HTML page; not processed.
    Html403,
    /// Processed and answered as usual, but the reply leaves out identifying
    /// fields: `order_id` and `cost` for api/queryorder (other commands'
    /// replies are sent whole).
    Partial,
}

/// The next `count` agent calls (of `cmd`, when given) fail with `mode`;
/// with `sticky: true` or `count: 0`, every call until `DELETE
/// /sandbox/faults`. With `after_processing: true` the call is processed
/// first (an order is created, a refund done) and only its answer is lost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentFault {
    pub mode: AgentFaultMode,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub sticky: bool,
    #[serde(default)]
    pub cmd: Option<String>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub after_processing: bool,
}

impl AgentFault {
    /// Applies until cleared.
    pub fn is_sticky(&self) -> bool {
        self.sticky || self.count == 0
    }
}

/// What happens to a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallbackFaultMode {
    /// The report is delivered twice (two deliveries, each with retries).
    Duplicate,
    /// The report waits until the next report's first attempt (at most 5 s).
    Reorder,
    /// The report is never sent (recorded with `fault: "drop"`).
    Drop,
}

/// The next `count` callbacks get `mode` (`sticky: true` or `count: 0`:
/// every callback until cleared).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackFault {
    pub mode: CallbackFaultMode,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub sticky: bool,
}

fn one() -> u32 {
    1
}

/// The active faults (`PUT /sandbox/faults` replaces them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    #[serde(default)]
    pub agent: Option<AgentFault>,
    #[serde(default)]
    pub callbacks: Option<CallbackFault>,
}

impl Faults {
    /// Takes one use of the agent fault if it applies to `cmd`.
    pub fn take_agent(&mut self, cmd: &str) -> Option<AgentFault> {
        let f = self.agent.as_mut()?;
        if f.cmd.as_deref().map(|c| c != cmd).unwrap_or(false) {
            return None;
        }
        if f.is_sticky() {
            return Some(f.clone());
        }
        f.count -= 1;
        let out = f.clone();
        if f.count == 0 {
            self.agent = None;
        }
        Some(out)
    }

    /// Takes one use of the callback fault.
    pub fn take_callback(&mut self) -> Option<CallbackFaultMode> {
        let f = self.callbacks.as_mut()?;
        if f.sticky || f.count == 0 {
            return Some(f.mode);
        }
        f.count -= 1;
        let mode = f.mode;
        if f.count == 0 {
            self.callbacks = None;
        }
        Some(mode)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn agent_fault_counts_down_and_filters_by_cmd() {
        let mut f: Faults =
            serde_json::from_str(r#"{"agent":{"mode":"http500","count":2,"cmd":"api/refund"}}"#)
                .unwrap();
        assert_eq!(f.take_agent("api/orders"), None);
        assert_eq!(
            f.take_agent("api/refund").map(|a| a.mode),
            Some(AgentFaultMode::Http500)
        );
        assert!(f.take_agent("api/refund").is_some());
        assert_eq!(f.take_agent("api/refund"), None);
        assert_eq!(f.agent, None);
    }

    #[test]
    fn partial_is_an_agent_mode() {
        let mut f: Faults = serde_json::from_str(
            r#"{"agent":{"mode":"partial","count":2,"cmd":"api/queryorder"}}"#,
        )
        .unwrap();
        assert_eq!(f.take_agent("api/refund"), None);
        assert_eq!(
            f.take_agent("api/queryorder").map(|a| a.mode),
            Some(AgentFaultMode::Partial)
        );
        assert!(f.take_agent("api/queryorder").is_some());
        assert_eq!(f.agent, None);
        assert_eq!(
            serde_json::to_value(AgentFaultMode::Partial).unwrap(),
            "partial"
        );
    }

    #[test]
    fn callback_fault_counts_down() {
        let mut f: Faults = serde_json::from_str(r#"{"callbacks":{"mode":"drop"}}"#).unwrap();
        assert_eq!(f.take_callback(), Some(CallbackFaultMode::Drop));
        assert_eq!(f.take_callback(), None);
        assert!(serde_json::from_str::<Faults>(r#"{"agent":{"mode":"nope"}}"#).is_err());
    }

    #[test]
    fn sticky_faults_stay_until_cleared() {
        for spec in [
            r#"{"agent":{"mode":"http500","sticky":true,"cmd":"api/queryorder"},"callbacks":{"mode":"drop","count":0}}"#,
            r#"{"agent":{"mode":"http500","count":0,"cmd":"api/queryorder"},"callbacks":{"mode":"drop","sticky":true}}"#,
        ] {
            let mut f: Faults = serde_json::from_str(spec).unwrap();
            for _ in 0..5 {
                assert!(f.take_agent("api/queryorder").is_some());
                assert_eq!(f.take_callback(), Some(CallbackFaultMode::Drop));
            }
            assert!(f.take_agent("api/refund").is_none());
            assert!(f.agent.is_some());
        }
        assert!(serde_json::from_str::<Faults>(r#"{"agent":{"mode":"http500","cnt":1}}"#).is_err());
    }
}
