//! `mypay doctor --worker URL`: checks a deployed Worker (or `make dev`)
//! before going live. The Worker's `GET /admin/health` gives what only it
//! can see (its MYPAY settings, a key probe against MYPAY, migrations, the
//! last cron run, the key's issue date); this command judges those facts
//! with [`mypay_link::deploy`]'s rules and adds what is seen from outside:
//! the report URL over HTTPS, without redirects, refusing a report for an
//! unknown order as the Worker's `/mypay/notify` does.
//!
//! Each check prints ✔, ⚠ or ✘, and for ⚠ and ✘ the fix on the next line;
//! the exit status is 0 when nothing failed (warnings allowed), 1 otherwise.

use mypay_link::deploy::{
    self, check_agent_uid, check_endpoint, check_store_uid, key_age, EndpointCheck, IdCheck,
    KeyAge, KeyProbe, LIVE_HOST, TEST_AGENT_UID, TEST_HOST,
};
use serde::Deserialize;
use serde_json::Value;
use std::process::ExitCode;
use std::time::Duration;

/// How long ago the cron job may have run last (it runs every 5 minutes).
pub const CRON_MAX_AGE_SECS: i64 = 15 * 60;

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// The Worker's base URL: its workers.dev or custom domain, or
    /// http://127.0.0.1:8787 for `make dev`.
    #[arg(long, env = "MYPAY_WORKER_URL")]
    pub worker: String,
    /// The Worker's ADMIN_TOKEN (better from the environment variable).
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: String,
    /// The report URL entered in MYPAY's admin panel (default: the Worker's
    /// /mypay/notify).
    #[arg(long)]
    pub report_url: Option<String>,
    /// Going live: MYPAY_ENDPOINT must be MYPAY's live host (ka.mypay.tw).
    #[arg(long)]
    pub live: bool,
    /// Seconds to wait for each answer (the Worker asks MYPAY meanwhile).
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
}

/// A check's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Pass,
    Warn,
    Fail,
}

impl Level {
    fn mark(self) -> &'static str {
        match self {
            Level::Pass => "✔",
            Level::Warn => "⚠",
            Level::Fail => "✘",
        }
    }
}

/// One line of the report (and its fix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub level: Level,
    pub message: String,
    pub fix: Option<String>,
}

fn pass(name: &'static str, message: impl Into<String>) -> Check {
    Check {
        name,
        level: Level::Pass,
        message: message.into(),
        fix: None,
    }
}

fn warn(name: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name,
        level: Level::Warn,
        message: message.into(),
        fix: Some(fix.into()),
    }
}

fn fail(name: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name,
        level: Level::Fail,
        message: message.into(),
        fix: Some(fix.into()),
    }
}

/// What `GET /admin/health` answers (see src/worker/health.rs).
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct Health {
    pub worker: WorkerFacts,
    pub now: i64,
    pub mypay: MypayFacts,
    pub key: KeyFacts,
    pub cors: CorsFacts,
    pub migrations: MigrationFacts,
    pub cron: CronFacts,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct WorkerFacts {
    pub version: String,
    pub user_agent: String,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct MypayFacts {
    pub endpoint: String,
    pub agent_uid: String,
    pub store_uid: String,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Probe {
    pub verdict: KeyProbe,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

impl Probe {
    fn answer(&self) -> String {
        match (&self.code, &self.message, &self.error) {
            (Some(c), Some(m), _) => format!("MYPAY answered {c} {m}"),
            (_, _, Some(e)) => format!("the call failed: {e}"),
            _ => "MYPAY answered with an order".into(),
        }
    }
}

#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct KeyFacts {
    pub probe: Option<Probe>,
    pub next_set: bool,
    pub next_probe: Option<Probe>,
    pub issued: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct CorsFacts {
    pub storefront_url: String,
    pub storefront_origin: Option<String>,
    pub allowed_origins: Vec<String>,
    pub storefront_origin_allowed: bool,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct MigrationFacts {
    pub expected: Vec<String>,
    pub recorded: bool,
    pub applied: Vec<String>,
    pub missing: Vec<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct CronFacts {
    pub recorded: bool,
    pub last_run_at: Option<i64>,
}

/// Whether a URL is plain http to this machine (`make dev`).
pub fn is_local_http(url: &str) -> bool {
    url.trim().to_ascii_lowercase().starts_with("http://")
        && matches!(
            deploy::classify_endpoint(url),
            deploy::Host::Local
        )
}

const SECRET_FIX: &str = "wrangler secret put NAME (make dev: .dev.vars)";
const MIGRATE_FIX: &str =
    "npx wrangler d1 migrations apply DB --remote [--env production] (make dev applies them with --local)";

fn endpoint_check(h: &Health, live: bool) -> Check {
    let e = &h.mypay.endpoint;
    let name = "endpoint";
    let hosts = format!(
        "MYPAY_ENDPOINT is https://{TEST_HOST}/api/agent (test) or https://{LIVE_HOST}/api/agent (live)"
    );
    match check_endpoint(e, &h.mypay.agent_uid, live) {
        EndpointCheck::Test => pass(name, format!("{e} is MYPAY's test host (test keys only)")),
        EndpointCheck::Live => pass(name, format!("{e} is MYPAY's live host (live keys only)")),
        EndpointCheck::Local => pass(name, format!("{e} is the local sandbox (mypay sandbox)")),
        EndpointCheck::LegacyLive => warn(
            name,
            format!("{e} is the live host of older manuals"),
            format!("set MYPAY_ENDPOINT to https://{LIVE_HOST}/api/agent"),
        ),
        EndpointCheck::TestAgentOnLive => fail(
            name,
            format!("{e} is MYPAY's live host, but the agent is the published test agent {TEST_AGENT_UID}"),
            format!("for live: your own MYPAY_AGENT_UID, MYPAY_STORE_UID and live key; for tests: MYPAY_ENDPOINT = https://{TEST_HOST}/api/agent"),
        ),
        EndpointCheck::NotLive => fail(
            name,
            format!("--live: {e} is not MYPAY's live host"),
            format!("[env.production.vars] MYPAY_ENDPOINT = \"https://{LIVE_HOST}/api/agent\", then deploy with --env production"),
        ),
        EndpointCheck::WrongPath => fail(name, format!("{e} is not the agent API's path /api/agent"), hosts),
        EndpointCheck::UnknownHost => fail(name, format!("{e} is not a MYPAY host"), hosts),
    }
}

fn id_check(h: &Health) -> Check {
    let name = "ids";
    let describe = |var: &str, v: &str, c: IdCheck| match c {
        IdCheck::Ok => None,
        IdCheck::Empty => Some((Level::Fail, format!("{var} is empty"))),
        IdCheck::NotDigits => Some((Level::Fail, format!("{var} = {v:?} is not digits"))),
        IdCheck::TooLong => Some((Level::Fail, format!("{var} = {v} is longer than MYPAY's ids"))),
        IdCheck::UnusualLength => Some((
            Level::Warn,
            format!("{var} = {v} is not 12 digits like MYPAY's samples"),
        )),
    };
    let problems: Vec<(Level, String)> = [
        describe(
            "MYPAY_AGENT_UID",
            &h.mypay.agent_uid,
            check_agent_uid(&h.mypay.agent_uid),
        ),
        describe(
            "MYPAY_STORE_UID",
            &h.mypay.store_uid,
            check_store_uid(&h.mypay.store_uid),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let fix = "copy 商務代號 (MYPAY_AGENT_UID) and 特約商店代碼 (MYPAY_STORE_UID) from MYPAY's admin panel into wrangler.toml [vars]";
    match problems.iter().map(|p| p.0).max() {
        None => pass(
            name,
            format!(
                "agent {} and store {} are MYPAY-style ids",
                h.mypay.agent_uid, h.mypay.store_uid
            ),
        ),
        Some(level) => {
            let msg = problems
                .into_iter()
                .map(|p| p.1)
                .collect::<Vec<_>>()
                .join("; ");
            Check {
                name,
                level,
                message: msg,
                fix: Some(fix.into()),
            }
        }
    }
}

fn key_check(h: &Health) -> Check {
    let name = "key";
    let Some(cur) = &h.key.probe else {
        return fail(
            name,
            "the Worker did not report a key probe",
            "deploy this version of mypay-edge",
        );
    };
    let host = match deploy::classify_endpoint(&h.mypay.endpoint) {
        deploy::Host::Test => "a test key works only on the test host",
        deploy::Host::Live | deploy::Host::LegacyLive => "a live key works only on the live host",
        _ => "the sandbox's key is its MYPAY_SANDBOX_KEY, by default the published test key",
    };
    let wrong_fix = format!(
        "set MYPAY_AGENT_KEY to the key MYPAY issued for agent {} ({host}): {}",
        h.mypay.agent_uid,
        SECRET_FIX.replace("NAME", "MYPAY_AGENT_KEY")
    );
    let next = h.key.next_probe.as_ref().map(|p| p.verdict);
    match cur.verdict {
        KeyProbe::Accepted => match next {
            Some(KeyProbe::WrongKey) => warn(
                name,
                "MYPAY accepts MYPAY_AGENT_KEY; it does not accept MYPAY_AGENT_KEY_NEXT (yet)",
                "normal until MYPAY switches keys; otherwise check MYPAY_AGENT_KEY_NEXT",
            ),
            _ => pass(
                name,
                format!(
                    "MYPAY accepts MYPAY_AGENT_KEY (a query for an order that cannot exist: {})",
                    cur.answer()
                ),
            ),
        },
        KeyProbe::WrongKey if next == Some(KeyProbe::Accepted) => warn(
            name,
            "MYPAY accepts only MYPAY_AGENT_KEY_NEXT now (the Worker resends under it)",
            "make the next key MYPAY_AGENT_KEY and remove MYPAY_AGENT_KEY_NEXT; update MYPAY_AGENT_KEY_ISSUED",
        ),
        KeyProbe::WrongKey => fail(
            name,
            format!("MYPAY cannot decrypt requests under MYPAY_AGENT_KEY ({})", cur.answer()),
            wrong_fix,
        ),
        KeyProbe::UnknownAgent => fail(
            name,
            format!("MYPAY does not know agent {} ({})", h.mypay.agent_uid, cur.answer()),
            "MYPAY_AGENT_UID from MYPAY's admin panel (test and live agents differ)",
        ),
        KeyProbe::Firewall => fail(
            name,
            "MYPAY's firewall refused the Worker's request (HTTP 403)",
            "MYPAY refuses requests without a User-Agent: deploy a mypay-edge that sends one",
        ),
        KeyProbe::Unreachable => fail(
            name,
            format!("MYPAY did not answer the Worker ({})", cur.answer()),
            "check MYPAY_ENDPOINT and that MYPAY (or, in make dev, the sandbox) is up",
        ),
        KeyProbe::Unclear => warn(
            name,
            format!(
                "{}: this tells neither a wrong key nor an unknown order",
                cur.answer()
            ),
            "run again; if it stays, create a test order (mypay order create) to try the key",
        ),
    }
}

fn user_agent_check(h: &Health) -> Check {
    let name = "user-agent";
    let ua = h.worker.user_agent.trim();
    let refused = h
        .key
        .probe
        .as_ref()
        .map(|p| p.verdict == KeyProbe::Firewall)
        .unwrap_or(false);
    if ua.is_empty() || refused {
        fail(
            name,
            "the Worker's calls to MYPAY carry no User-Agent (MYPAY's firewall answers 403)",
            "deploy a mypay-edge that sets one (src/worker/mypay.rs USER_AGENT)",
        )
    } else {
        pass(name, format!("the Worker sends User-Agent: {ua}"))
    }
}

fn cors_check(h: &Health) -> Check {
    let name = "cors";
    let c = &h.cors;
    let Some(origin) = &c.storefront_origin else {
        return fail(
            name,
            format!("STOREFRONT_URL {:?} is not an http(s) URL", c.storefront_url),
            "STOREFRONT_URL = \"https://your-shop.example\" in wrangler.toml [vars]",
        );
    };
    if c.allowed_origins.iter().any(|o| o == "*") {
        return warn(
            name,
            "ALLOWED_ORIGINS is *: any site may call /api/*",
            format!("ALLOWED_ORIGINS = \"{origin}\""),
        );
    }
    if c.storefront_origin_allowed {
        pass(
            name,
            format!("STOREFRONT_URL's origin {origin} is in ALLOWED_ORIGINS"),
        )
    } else {
        fail(
            name,
            format!(
                "STOREFRONT_URL's origin {origin} is not in ALLOWED_ORIGINS ({})",
                if c.allowed_origins.is_empty() {
                    "empty".to_owned()
                } else {
                    c.allowed_origins.join(",")
                }
            ),
            format!("add {origin} to ALLOWED_ORIGINS (comma-separated) in wrangler.toml [vars]"),
        )
    }
}

fn migrations_check(h: &Health) -> Check {
    let name = "migrations";
    let m = &h.migrations;
    if !m.recorded {
        return fail(
            name,
            "no migration was applied to this D1 database (no d1_migrations table)",
            MIGRATE_FIX,
        );
    }
    if !m.missing.is_empty() {
        return fail(
            name,
            format!("not applied: {}", m.missing.join(", ")),
            MIGRATE_FIX,
        );
    }
    let unknown: Vec<&str> = m
        .applied
        .iter()
        .filter(|a| !m.expected.contains(a))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return warn(
            name,
            format!(
                "the database has migrations this Worker does not know: {}",
                unknown.join(", ")
            ),
            "deploy the Worker built from the same checkout as migrations/",
        );
    }
    pass(
        name,
        format!("all {} applied ({})", m.expected.len(), m.expected.join(", ")),
    )
}

fn cron_check(h: &Health, worker: &str) -> Check {
    let name = "cron";
    let fix = if is_local_http(worker) {
        format!(
            "make dev runs no cron by itself: curl {}/cdn-cgi/local/scheduled (or wrangler dev --test-scheduled, /__scheduled)",
            worker.trim_end_matches('/')
        )
    } else {
        "wrangler.toml [triggers] crons = [\"*/5 * * * *\"] (and [env.production.triggers]), then deploy".to_owned()
    };
    if !h.cron.recorded {
        return fail(
            name,
            "the Worker cannot record its cron runs (no health table: migration 0004_health.sql)",
            MIGRATE_FIX,
        );
    }
    match h.cron.last_run_at {
        None => fail(name, "the cron job has never run", fix),
        Some(at) => {
            let age = h.now - at;
            if age > CRON_MAX_AGE_SECS {
                fail(
                    name,
                    format!("the cron job last ran {} minutes ago", age / 60),
                    fix,
                )
            } else {
                pass(
                    name,
                    format!("the cron job ran {}s ago", age.max(0)),
                )
            }
        }
    }
}

fn key_age_check(h: &Health) -> Check {
    let name = "key-age";
    let issued = h.key.issued.as_deref();
    let date = issued.unwrap_or_default();
    let next_fix = format!(
        "ask MYPAY for the next key and set it as MYPAY_AGENT_KEY_NEXT: {}",
        SECRET_FIX.replace("NAME", "MYPAY_AGENT_KEY_NEXT")
    );
    match key_age(issued, h.now) {
        KeyAge::Unknown => warn(
            name,
            "MYPAY_AGENT_KEY_ISSUED is not set: nothing warns before MYPAY's yearly key rotation",
            "MYPAY_AGENT_KEY_ISSUED = \"YYYY-MM-DD\" (the day MYPAY issued the key) in wrangler.toml [vars]",
        ),
        KeyAge::Malformed => fail(
            name,
            format!("MYPAY_AGENT_KEY_ISSUED = {date:?} is not a YYYY-MM-DD date"),
            "MYPAY_AGENT_KEY_ISSUED = \"YYYY-MM-DD\" in wrangler.toml [vars]",
        ),
        KeyAge::Future => fail(
            name,
            format!("MYPAY_AGENT_KEY_ISSUED = {date} is in the future"),
            "the day MYPAY issued the key, as YYYY-MM-DD",
        ),
        KeyAge::Fresh { days } => pass(
            name,
            format!(
                "issued {date}, {days} days ago (MYPAY rotates keys yearly; a warning from day {})",
                deploy::KEY_ROTATION_WARN_DAYS
            ),
        ),
        KeyAge::RotationNear { days } if h.key.next_set => pass(
            name,
            format!("issued {date}, {days} days ago; the next key is set for MYPAY's rotation"),
        ),
        KeyAge::RotationNear { days } => warn(
            name,
            format!("issued {date}, {days} days ago: MYPAY rotates keys yearly, 7 days before expiry"),
            next_fix,
        ),
        KeyAge::PastRotation { days } => warn(
            name,
            format!("issued {date}, {days} days ago: MYPAY has rotated it by now"),
            "set MYPAY's new key as MYPAY_AGENT_KEY and its date as MYPAY_AGENT_KEY_ISSUED",
        ),
    }
}

/// The checks on the Worker's health report.
pub fn judge(h: &Health, worker: &str, live: bool) -> Vec<Check> {
    vec![
        endpoint_check(h, live),
        id_check(h),
        key_check(h),
        user_agent_check(h),
        cors_check(h),
        migrations_check(h),
        cron_check(h, worker),
        key_age_check(h),
    ]
}

/// The report for an order that cannot exist, as MYPAY posts reports.
pub const PROBE_REPORT: &str =
    "uid=0&key=00000000000000000000000000000000&prc=250&order_id=MYPAYDOCTOR&cost=1";

/// What the report URL answered to [`PROBE_REPORT`].
#[derive(Debug, Clone)]
pub struct ReportAnswer {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: String,
}

/// Judges the report URL from its scheme and its answer.
pub fn judge_report(url: &str, answer: Result<&ReportAnswer, &str>) -> Check {
    let name = "report-url";
    let notify_fix = "the report URL in MYPAY's admin panel must be the Worker's https://…/mypay/notify (wrangler.toml [assets] run_worker_first keeps /mypay/* on the Worker)";
    let a = match answer {
        Err(e) => {
            return fail(
                name,
                format!("{url} cannot be reached: {e}"),
                "check the URL; MYPAY must reach it from the internet over HTTPS",
            )
        }
        Ok(a) => a,
    };
    let snippet: String = a.body.chars().take(80).collect();
    let refused = a.status == 400
        && serde_json::from_str::<Value>(&a.body)
            .ok()
            .and_then(|v| v.pointer("/error/code").and_then(Value::as_str).map(str::to_owned))
            .as_deref()
            == Some("bad_report");
    let answer_check = if (300..400).contains(&a.status) {
        fail(
            name,
            format!(
                "{url} redirects ({} to {}): MYPAY does not follow redirects",
                a.status,
                a.location.as_deref().unwrap_or("?")
            ),
            "enter the final https URL (…/mypay/notify) in MYPAY's admin panel",
        )
    } else if a.content_type.to_ascii_lowercase().contains("text/html") {
        fail(
            name,
            format!("{url} answers an HTML page (HTTP {})", a.status),
            notify_fix,
        )
    } else if a.status == 200 && a.body.trim() == "8888" {
        fail(
            name,
            format!("{url} acknowledged (8888) a report for an order that does not exist"),
            notify_fix,
        )
    } else if a.status >= 500 {
        fail(
            name,
            format!("{url} fails (HTTP {} {snippet:?})", a.status),
            "see the Worker's log (wrangler tail); unapplied D1 migrations make /mypay/notify fail",
        )
    } else if refused {
        pass(
            name,
            format!("{url} refuses a report for an unknown order (400 bad_report), no redirect"),
        )
    } else {
        fail(
            name,
            format!(
                "{url} answered HTTP {} {snippet:?}, not the Worker's refusal of an unknown report",
                a.status
            ),
            notify_fix,
        )
    };
    if answer_check.level == Level::Fail {
        return answer_check;
    }
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("https://") {
        answer_check
    } else if is_local_http(url) {
        warn(
            name,
            format!("{url} is plain http (fine for make dev; it refuses unknown reports as it should)"),
            "MYPAY posts reports only to an https URL: check the deployed Worker before going live",
        )
    } else {
        fail(
            name,
            format!("{url} is not https"),
            "use the Worker's https:// URL as the report URL",
        )
    }
}

/// The Worker's answer to `GET /admin/health`, or the check that failed.
fn read_health(url: &str, status: u16, location: Option<&str>, body: &str) -> Result<Health, Check> {
    let name = "worker";
    let error = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        let e = v.get("error")?;
        Some((
            e.get("code")?.as_str()?.to_owned(),
            e.get("message").and_then(Value::as_str).unwrap_or_default().to_owned(),
        ))
    });
    match status {
        200 => serde_json::from_str::<Health>(body).map_err(|e| {
            fail(
                name,
                format!("{url} answered a health report this command cannot read: {e}"),
                "use the mypay CLI of the same version as the Worker",
            )
        }),
        300..=399 => Err(fail(
            name,
            format!("{url} redirects (HTTP {status} to {})", location.unwrap_or("?")),
            "pass the final URL as --worker",
        )),
        401 => Err(fail(
            name,
            "the Worker refused the admin token",
            "pass the Worker's ADMIN_TOKEN (env ADMIN_TOKEN or --admin-token); wrangler secret put ADMIN_TOKEN sets it",
        )),
        404 => Err(fail(
            name,
            format!("{url} has no /admin/health"),
            "deploy this version of mypay-edge (it adds GET /admin/health), and check --worker",
        )),
        500 if error.as_ref().map(|e| e.0.as_str()) == Some("config_error") => {
            let msg = error.map(|e| e.1).unwrap_or_default();
            Err(fail(
                name,
                format!("the Worker's configuration is incomplete: {msg}"),
                format!("set it in wrangler.toml [vars] or as a secret: {SECRET_FIX}"),
            ))
        }
        _ => Err(fail(
            name,
            format!(
                "{url} answered HTTP {status} {:?}",
                body.chars().take(80).collect::<String>()
            ),
            "check --worker: it is the Worker's base URL",
        )),
    }
}

fn print(c: &Check) {
    println!("{} {}: {}", c.level.mark(), c.name, c.message);
    if let Some(fix) = &c.fix {
        if c.level != Level::Pass {
            println!("    fix: {fix}");
        }
    }
}

/// Runs every check and prints the report; exit 0 when none failed.
pub async fn run(args: DoctorArgs) -> ExitCode {
    let base = args.worker.trim().trim_end_matches('/').to_owned();
    let client = match reqwest::Client::builder()
        .user_agent(concat!("mypay-doctor/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(args.timeout.max(1)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot build the HTTP client: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("mypay doctor: {base}");
    let mut checks = Vec::new();

    let health_url = format!("{base}/admin/health");
    let cleartext = !base.to_ascii_lowercase().starts_with("https://") && !is_local_http(&base);
    let health = if cleartext {
        // The admin token never travels in clear to another machine.
        Err(fail(
            "worker",
            format!("{base} is not https: the admin token is not sent to it"),
            "pass the Worker's https:// URL as --worker",
        ))
    } else {
        match client
        .get(&health_url)
        .bearer_auth(args.admin_token.trim())
        .send()
        .await
    {
        Err(e) => Err(fail(
            "worker",
            format!("{health_url} cannot be reached: {}", error_chain(&e)),
            "check --worker (make dev serves http://127.0.0.1:8787; wrangler deploy prints the URL)",
        )),
        Ok(res) => {
            let status = res.status().as_u16();
            let location = header(&res, "location");
            let body = res.text().await.unwrap_or_default();
            read_health(&health_url, status, location.as_deref(), &body)
        }
    }
    };
    match &health {
        Ok(h) => {
            checks.push(pass(
                "worker",
                format!(
                    "mypay-edge {} answers GET /admin/health",
                    h.worker.version
                ),
            ));
            checks.extend(judge(h, &base, args.live));
        }
        Err(c) => checks.push(c.clone()),
    }

    let report_url = args
        .report_url
        .clone()
        .unwrap_or_else(|| format!("{base}/mypay/notify"));
    let answer = match client
        .post(&report_url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(PROBE_REPORT)
        .send()
        .await
    {
        Err(e) => Err(error_chain(&e)),
        Ok(res) => {
            let status = res.status().as_u16();
            let content_type = header(&res, "content-type").unwrap_or_default();
            let location = header(&res, "location");
            let body = res.text().await.unwrap_or_default();
            Ok(ReportAnswer {
                status,
                content_type,
                location,
                body,
            })
        }
    };
    let report = judge_report(&report_url, answer.as_ref().map_err(String::as_str));
    // In the order of the checks: after the User-Agent (or the worker line).
    let at = checks
        .iter()
        .position(|c| c.name == "user-agent")
        .map(|i| i + 1)
        .unwrap_or(checks.len());
    checks.insert(at, report);

    for c in &checks {
        print(c);
    }
    let count = |l: Level| checks.iter().filter(|c| c.level == l).count();
    let (failed, warned, passed) = (count(Level::Fail), count(Level::Warn), count(Level::Pass));
    if health.is_err() {
        println!("(the Worker's own checks did not run)");
    }
    println!("{failed} failed, {warned} warnings, {passed} passed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The error and its causes on one line (reqwest's own says little).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests;
