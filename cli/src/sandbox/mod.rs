//! `mypay sandbox`: a local MYPAY LINK (agent API, payment page, callbacks,
//! firewall emulation) with a JSON automation API, for development and tests.

mod admin;
mod agent;
pub mod clock;
mod faults;
mod notify;
mod page;
pub mod replies;
pub mod rules;
pub mod state;

use crate::keys::{
    key_from_file, optional_env_key, TEST_AGENT_KEY, TEST_AGENT_UID, TEST_STORE_UID,
};
use anyhow::Context;
use axum::routing::{get, post};
use axum::Router;
use mypay_link::{AgentKey, KeyRing};
use notify::Notifier;
use clock::Clock;
use serde::Serialize;
use state::{OrderRecord, Persist, Report, Store, TransitionError};
use time::OffsetDateTime;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// Locks a mutex; a poisoned lock (a panic elsewhere) still gives the data.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Default retry schedule after the first callback attempt (4 retries).
pub const DEFAULT_RETRY_SCHEDULE_MS: [u64; 4] = [2_000, 4_000, 6_000, 8_000];

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

/// Default `page_lifetime_seconds`: a payment page takes payments for a day.
pub const DEFAULT_PAGE_LIFETIME_SECONDS: u64 = 86_400;
/// Default `manual_refund_days`: a manual refund is done a week later.
pub const DEFAULT_MANUAL_REFUND_DAYS: u32 = 7;

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
#[derive(Clone, Debug, Serialize)]
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
}

/// The sandbox's shared state.
pub struct App {
    pub agent_uid: String,
    pub store_uid: String,
    pub keys: KeyRing,
    pub public_url: String,
    pub store: Mutex<Store>,
    pub persist: Persist,
    pub config: Mutex<Config>,
    pub faults: Mutex<faults::Faults>,
    pub requests: Mutex<Vec<agent::RequestEntry>>,
    pub notifier: Arc<Notifier>,
    pub clock: Clock,
}

impl App {
    /// The sandbox clock's now, in Taiwan time.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now_tw()
    }

    fn page_lifetime(&self) -> u64 {
        lock(&self.config).page_lifetime_seconds
    }

    /// Reads the store after applying what time did (expiries, due manual
    /// refunds; their reports are sent).
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
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
    pub fn write<T>(
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
    pub fn change(
        &self,
        f: impl FnOnce(&mut Store, OffsetDateTime) -> Result<OrderRecord, TransitionError>,
    ) -> Result<OrderRecord, TransitionError> {
        self.write(|store, now| match f(store, now) {
            Ok(o) => (Ok(o.clone()), vec![Report::State(o)]),
            Err(e) => (Err(e), Vec::new()),
        })
    }

    /// Saves the store (errors are logged: the sandbox keeps serving).
    pub fn save(&self, store: &Store) {
        if let Err(e) = self.persist.save(store) {
            tracing::warn!("cannot save the sandbox state: {e:#}");
        }
    }

    /// Sends the report for the order's current state.
    pub fn notify(&self, order: &OrderRecord) {
        self.send(&Report::State(order.clone()));
    }

    /// Sends a report in the background.
    pub fn send(&self, report: &Report) {
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
        *lock(&self.faults) = faults::Faults::default();
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

fn load_keys(args: &SandboxArgs) -> anyhow::Result<KeyRing> {
    let current = match &args.key_file {
        Some(p) => key_from_file(p)?,
        None => match optional_env_key(&args.key_env)? {
            Some(k) => k,
            None => AgentKey::new(TEST_AGENT_KEY).map_err(|e| anyhow::anyhow!("{e}"))?,
        },
    };
    let next = match &args.next_key_file {
        Some(p) => Some(key_from_file(p)?),
        None => optional_env_key(&args.next_key_env)?,
    };
    Ok(KeyRing::new(current, next))
}

/// The routes, shared by the HTTP and HTTPS listeners.
pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/api/agent", post(agent::agent).fallback(agent::not_post))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            agent::firewall,
        ));
    Router::new()
        .merge(api)
        .route("/", get(page::index))
        .route("/payment/{file}", get(page::show).post(page::submit))
        .route("/sandbox", get(admin::index))
        .route("/sandbox/orders", get(admin::list_orders))
        .route("/sandbox/orders/{uid}", get(admin::get_order))
        .route("/sandbox/orders/{uid}/pay", post(admin::pay))
        .route("/sandbox/orders/{uid}/settle", post(admin::settle))
        .route("/sandbox/orders/{uid}/abandon", post(admin::abandon))
        .route("/sandbox/orders/{uid}/notify", post(admin::renotify))
        .route("/sandbox/orders/{uid}/cancel", post(admin::cancel))
        .route("/sandbox/orders/{uid}/refund", post(admin::refund))
        .route(
            "/sandbox/orders/{uid}/refund/complete",
            post(admin::complete_refund),
        )
        .route(
            "/sandbox/clock",
            get(admin::get_clock).put(admin::put_clock),
        )
        .route("/sandbox/clock/advance", post(admin::advance_clock))
        .route("/sandbox/notifications", get(admin::notifications))
        .route("/sandbox/requests", get(admin::requests))
        .route(
            "/sandbox/config",
            get(admin::get_config).put(admin::put_config),
        )
        .route(
            "/sandbox/faults",
            get(admin::get_faults)
                .put(admin::put_faults)
                .delete(admin::delete_faults),
        )
        .route("/sandbox/reset", post(admin::reset))
        .with_state(app)
}

fn shown_addr(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    }
}

/// Starts the sandbox and serves until Ctrl-C.
pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let _ = rustls::crypto::ring::default_provider().install_default();

    let keys = load_keys(&args)?;
    let persist = if args.in_memory {
        Persist::in_dir(None)
    } else {
        Persist::in_dir(Some(
            &args
                .data_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(".sandbox")),
        ))
    };
    let store = match persist.load()? {
        Some(s) => s,
        None => {
            let s = Store::seeded(&args.store_uid);
            persist.save(&s).context("cannot write the sandbox state")?;
            s
        }
    };

    let http = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let http_addr = shown_addr(http.local_addr()?);
    let tls_listener = match args.tls_port {
        Some(p) => {
            let l = std::net::TcpListener::bind((args.host.as_str(), p))
                .with_context(|| format!("cannot listen on {}:{p}", args.host))?;
            l.set_nonblocking(true)?;
            Some(l)
        }
        None => None,
    };

    let retry = args
        .retry_schedule_ms
        .clone()
        .unwrap_or_else(|| DEFAULT_RETRY_SCHEDULE_MS.to_vec());
    let clock = Clock::new();
    let app = Arc::new(App {
        agent_uid: args.agent_uid.clone(),
        store_uid: args.store_uid.clone(),
        keys,
        public_url: args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{http_addr}")),
        store: Mutex::new(store),
        persist,
        config: Mutex::new(Config {
            notify_url: args.notify_url.clone(),
            retry_schedule_ms: retry,
            require_user_agent: !args.allow_no_user_agent,
            page_lifetime_seconds: DEFAULT_PAGE_LIFETIME_SECONDS,
            refund_mode: RefundMode::Instant,
            manual_refund_days: DEFAULT_MANUAL_REFUND_DAYS,
        }),
        faults: Mutex::new(faults::Faults::default()),
        requests: Mutex::new(Vec::new()),
        notifier: Arc::new(Notifier::new(clock.clone())?),
        clock,
    });
    let routes = router(app.clone());

    let mut line = format!("listening on http://{http_addr}");
    let mut tls_task = None;
    if let Some(listener) = tls_listener {
        let tls_addr = shown_addr(listener.local_addr()?);
        let names = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            args.host.clone(),
        ];
        let ck = rcgen::generate_simple_self_signed(names)
            .context("cannot make the self-signed certificate")?;
        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
            ck.cert.pem().into_bytes(),
            ck.key_pair.serialize_pem().into_bytes(),
        )
        .await
        .context("cannot load the self-signed certificate")?;
        let svc = routes.clone().into_make_service();
        tls_task = Some(tokio::spawn(async move {
            axum_server::from_tcp_rustls(listener, config)
                .serve(svc)
                .await
        }));
        line.push_str(&format!(" tls https://{tls_addr}"));
    }
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    tracing::info!(
        agent_uid = %app.agent_uid,
        store_uid = %app.store_uid,
        firewall = !args.allow_no_user_agent,
        "MYPAY LINK sandbox ready: POST /api/agent, GET /payment/<uid>.html, automation under /sandbox"
    );

    let http_task = tokio::spawn(async move { axum::serve(http, routes).await });
    tokio::select! {
        r = http_task => { r.context("the HTTP server stopped")?.context("the HTTP server failed")?; }
        r = async { match tls_task { Some(t) => t.await, None => std::future::pending().await } } => {
            r.context("the HTTPS server stopped")?.context("the HTTPS server failed")?;
        }
        _ = tokio::signal::ctrl_c() => { tracing::info!("stopping"); }
    }
    Ok(())
}
