//! The sandbox's shared state: the store and its file, the run-time config,
//! the faults, the log of agent calls, the callback sender and the clock.
//! Every read and change of the store goes through [`App::read`] /
//! [`App::write`], which first apply what time did and afterwards save the
//! store and send the reports.

use crate::agent::RequestEntry;
use crate::clock::Clock;
use crate::config::{Config, Settings, DEFAULT_PUBLIC_URL, TEST_AGENT_KEY};
use crate::error::Error;
use crate::faults::Faults;
use crate::notify::Notifier;
use crate::order::store::{Report, Store, TransitionError};
use crate::order::OrderRecord;
use crate::persist::Persist;
use mypay_link::{AgentKey, KeyRing};
use std::sync::{Arc, Mutex, MutexGuard};
use time::OffsetDateTime;

/// Locks a mutex; a poisoned lock (a panic elsewhere) still gives the data.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One sandbox: what [`crate::router`] serves.
pub struct App {
    pub(crate) agent_uid: String,
    pub(crate) store_uid: String,
    pub(crate) keys: KeyRing,
    pub(crate) public_url: String,
    pub(crate) store: Mutex<Store>,
    pub(crate) persist: Persist,
    pub(crate) config: Mutex<Config>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) requests: Mutex<Vec<RequestEntry>>,
    pub(crate) notifier: Arc<Notifier>,
    pub(crate) clock: Clock,
}

impl App {
    /// A sandbox with these settings: its state loaded from
    /// `settings.data_dir` (seeded, and written, when there is none yet).
    /// Callbacks are sent from tokio tasks, so requests must be served
    /// inside a tokio runtime.
    pub fn new(settings: Settings) -> Result<Arc<App>, Error> {
        let keys = match &settings.keys {
            Some(k) => k.clone(),
            None => KeyRing::new(AgentKey::new(TEST_AGENT_KEY)?, None),
        };
        let persist = Persist::in_dir(settings.data_dir.as_deref());
        let store = match persist.load()? {
            Some(s) => s,
            None => {
                let s = Store::seeded(&settings.store_uid);
                persist.save(&s)?;
                s
            }
        };
        let clock = Clock::default();
        Ok(Arc::new(App {
            config: Mutex::new(settings.initial_config()),
            public_url: settings
                .public_url
                .clone()
                .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned()),
            agent_uid: settings.agent_uid,
            store_uid: settings.store_uid,
            keys,
            store: Mutex::new(store),
            persist,
            faults: Mutex::new(Faults::default()),
            requests: Mutex::new(Vec::new()),
            notifier: Arc::new(Notifier::new(clock.clone())?),
            clock,
        }))
    }

    /// The agent the sandbox accepts.
    pub fn agent_uid(&self) -> &str {
        &self.agent_uid
    }

    /// The store orders must name.
    pub fn store_uid(&self) -> &str {
        &self.store_uid
    }

    /// The base URL of payment page links.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The run-time settings now (`GET /sandbox/config`).
    pub fn config(&self) -> Config {
        lock(&self.config).clone()
    }

    /// The sandbox clock's now.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    fn page_lifetime(&self) -> u64 {
        lock(&self.config).page_lifetime_seconds
    }

    /// Reads the store after applying what time did (expiries, due manual
    /// refunds; their reports are sent).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        let lifetime = self.page_lifetime();
        let now = self.now();
        let mut store = lock(&self.store);
        let reports = store.sweep(now, lifetime);
        if !reports.is_empty() {
            self.save(&store);
            for r in &reports {
                self.send(r);
            }
        }
        f(&store)
    }

    /// Changes the store (after what time did), saves it and sends the
    /// reports, in order, while still holding it.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut Store, OffsetDateTime) -> (T, Vec<Report>),
    ) -> T {
        let lifetime = self.page_lifetime();
        let now = self.now();
        let mut store = lock(&self.store);
        let mut reports = store.sweep(now, lifetime);
        let (out, more) = f(&mut store, now);
        reports.extend(more);
        self.save(&store);
        for r in &reports {
            self.send(r);
        }
        out
    }

    /// Applies a change of one order's state and sends its report.
    pub(crate) fn change(
        &self,
        f: impl FnOnce(&mut Store, OffsetDateTime) -> Result<OrderRecord, TransitionError>,
    ) -> Result<OrderRecord, TransitionError> {
        self.write(|store, now| match f(store, now) {
            Ok(o) => (Ok(o.clone()), vec![Report::State(o)]),
            Err(e) => (Err(e), Vec::new()),
        })
    }

    /// Saves the store (errors are logged: the sandbox keeps serving).
    fn save(&self, store: &Store) {
        if let Err(e) = self.persist.save(store) {
            tracing::warn!("cannot save the sandbox state: {e}");
        }
    }

    /// Sends the report for the order's current state.
    pub(crate) fn notify(&self, order: &OrderRecord) {
        self.send(&Report::State(order.clone()));
    }

    /// Sends a report in the background.
    fn send(&self, report: &Report) {
        let note = report.notification();
        let (url, schedule) = {
            let c = lock(&self.config);
            (c.notify_url.clone(), c.retry_schedule_ms.clone())
        };
        let fault = lock(&self.faults).take_callback();
        self.notifier.dispatch(note, url, schedule, fault);
    }

    /// Back to the seeded state: orders, logs, faults and the clock (config
    /// stays).
    pub fn reset(&self) {
        self.clock.set_offset(0);
        let mut store = lock(&self.store);
        *store = Store::seeded(&self.store_uid);
        self.save(&store);
        lock(&self.requests).clear();
        *lock(&self.faults) = Faults::default();
        self.notifier.clear();
    }

    /// The payment page of an order.
    pub fn payment_url(&self, uid: u64) -> String {
        format!(
            "{}/payment/{uid}.html",
            self.public_url.trim_end_matches('/')
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::order::seed::seed_request;

    #[test]
    fn a_new_app_is_seeded_with_the_test_credentials() {
        let app = App::new(Settings::default()).unwrap();
        assert_eq!(app.agent_uid(), "518169081001");
        assert_eq!(app.store_uid(), "289151880002");
        assert_eq!(app.public_url(), DEFAULT_PUBLIC_URL);
        assert_eq!(
            app.payment_url(95300),
            "http://127.0.0.1:8788/payment/95300.html"
        );
        assert_eq!(app.read(|s| s.orders.len()), 2);
        assert_eq!(app.config(), Settings::default().initial_config());
    }

    #[tokio::test]
    async fn reads_apply_time_and_reset_goes_back_to_the_seeds() {
        let app = App::new(Settings::default().public_url("http://sb.test/")).unwrap();
        assert_eq!(app.payment_url(1), "http://sb.test/payment/1.html");
        let uid = app.write(|s, now| {
            let (uid, _) = s.create(seed_request("289151880002", "1", "1"), now);
            (uid, Vec::new())
        });
        app.clock.advance(2 * 86_400);
        assert_eq!(
            lock(&app.store).orders[&uid].prc.code(),
            "200",
            "nothing happens until someone looks"
        );
        // The page lifetime (a day) passed: A0002 when read, and reported.
        assert_eq!(app.read(|s| s.orders[&uid].prc.code().to_owned()), "A0002");
        for _ in 0..100 {
            if !app.notifier.attempts().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let attempts = app.notifier.attempts();
        assert_eq!(attempts.len(), 1);
        assert_eq!(
            (attempts[0].prc.as_str(), attempts[0].url.as_deref()),
            ("A0002", None)
        );
        app.reset();
        assert_eq!(app.clock.offset_seconds(), 0);
        assert_eq!(app.read(|s| s.orders.len()), 2);
        assert!(app.notifier.attempts().is_empty());
    }
}
