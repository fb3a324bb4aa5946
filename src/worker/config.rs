//! The worker's settings, read from `Env` into a typed struct once per
//! request (and per cron run), at the entry: the handlers get a plain
//! `&Config`. A missing or malformed binding is a `ConfigError` naming the
//! binding (never its value); the entry answers 500 `config_error` (the
//! cron logs it) and nothing else runs.

use crate::order_state::Settings;
use crate::pricing::StoreOptions;
use mypay_link::crypto::{AgentKey, KeyRing};
use std::fmt;
use worker::Env;

/// Everything the handlers need from the environment.
#[derive(Clone)]
pub struct Config {
    /// The agent API, e.g. `https://pay.usecase.cc/api/agent`.
    pub endpoint: String,
    pub agent_uid: String,
    pub store_uid: String,
    /// Base URL of the storefront (return URLs point at its order page).
    pub storefront_url: String,
    /// Origins allowed by CORS on `/api/*`; `*` allows any.
    pub allowed_origins: Vec<String>,
    pub keys: KeyRing,
    pub admin_token: String,
    /// Time allowed for one MYPAY call (`MYPAY_TIMEOUT_MS`, default 10 s).
    pub timeout_ms: i32,
    /// How long an order may wait for payment before a pending code arrives
    /// (`ORDER_TTL_SECONDS`, default 1800).
    pub order_ttl_secs: i64,
    /// How old an unanswered Idempotency-Key entry must be before a retry
    /// may take it over (`IDEMPOTENCY_RECLAIM_SECONDS`, default 60 s or
    /// twice `MYPAY_TIMEOUT_MS`, whichever is longer).
    pub idempotency_reclaim_secs: i64,
    /// The order lifecycle's settings (`ORDER_TTL_SECONDS`,
    /// `VOUCHER_HOLD_SECONDS`, `PENDING_REVIEW_SECONDS`).
    pub lifecycle: Settings,
    /// `TEST_CLOCK=1`: the worker's clock can be moved through
    /// `PUT /admin/test/clock`. Refused unless `MYPAY_ENDPOINT` is on this
    /// machine (the sandbox), so it can never be on against MYPAY.
    pub test_clock: bool,
    /// Cloudflare Turnstile on checkout, when `TURNSTILE_SITE_KEY` and the
    /// secret `TURNSTILE_SECRET_KEY` are both set.
    pub turnstile: Option<Turnstile>,
    /// `LOG_LEVEL`: `info` writes a line per checkout, MYPAY call, report
    /// and transition; `warn` (the default) only warnings and errors.
    pub log_info: bool,
    /// The order settings (`CREDITCARD_INSTALLMENTS`, `PAYMENT_METHODS`,
    /// `LIMIT_PAY_DAYS`, `CURRENCY`, the invoice and agent-fee settings):
    /// see [`crate::pricing::SETTINGS`].
    pub options: StoreOptions,
    /// The merchant's webhook endpoint from the settings
    /// (`MERCHANT_WEBHOOK_URL` and the secret `MERCHANT_WEBHOOK_SECRET`,
    /// both or neither). More endpoints come through the admin API.
    pub webhook: Option<WebhookSetting>,
    /// `WEBHOOK_RETRY_SCHEDULE`: seconds to wait after each failed attempt
    /// (comma-separated); when they run out the delivery is failed.
    pub webhook_retry_secs: Vec<i64>,
    /// `WEBHOOK_TIMEOUT_MS`: how long one delivery attempt may wait for the
    /// receiver's answer before it counts as failed (`timeout`) and is
    /// retried (default 10 s).
    pub webhook_timeout_ms: u32,
    /// Endpoints added through the admin API may be plain http to this
    /// machine: only when MYPAY_ENDPOINT is on this machine too (the
    /// sandbox: development and tests).
    pub webhook_allow_loopback_http: bool,
    /// Cloudflare Access in front of `/admin/*`, when `ACCESS_TEAM_DOMAIN`
    /// and `ACCESS_AUD` are both set: the admin API then also accepts the
    /// `Cf-Access-Jwt-Assertion` Access adds.
    pub access: Option<Access>,
}

/// The webhook endpoint the settings name.
#[derive(Clone)]
pub struct WebhookSetting {
    pub url: String,
    pub secret: mypay_link::webhooks::Secret,
}

/// The Access application whose tokens the admin API accepts.
#[derive(Clone, Debug)]
pub struct Access {
    /// `myteam.cloudflareaccess.com` (bare: no scheme, no slash).
    pub team_domain: String,
    /// The application's audience tag (`aud`).
    pub aud: String,
    /// The team's JWKS: `https://<team>/cdn-cgi/access/certs`, unless
    /// `ACCESS_CERTS_URL` says otherwise (tests serve their own).
    pub certs_url: String,
}

/// Turnstile's keys and where tokens are checked.
#[derive(Clone)]
pub struct Turnstile {
    /// Public: the storefront renders the widget with it.
    pub site_key: String,
    pub secret_key: String,
    /// `TURNSTILE_VERIFY_URL`, default Cloudflare's siteverify.
    pub verify_url: String,
}

/// Cloudflare's Turnstile siteverify endpoint.
pub const TURNSTILE_VERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("endpoint", &self.endpoint)
            .field("agent_uid", &self.agent_uid)
            .field("store_uid", &self.store_uid)
            .field("storefront_url", &self.storefront_url)
            .field("allowed_origins", &self.allowed_origins)
            .field("keys", &"<redacted>")
            .field("admin_token", &"<redacted>")
            .field(
                "turnstile_site_key",
                &self.turnstile.as_ref().map(|t| t.site_key.as_str()),
            )
            .finish()
    }
}

/// A binding that is missing or malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.problem)
    }
}

fn text(env: &Env, name: &'static str, secret: bool) -> Result<Option<String>, ConfigError> {
    let got = if secret {
        env.secret(name).map(|s| s.to_string())
    } else {
        env.var(name).map(|v| v.to_string())
    };
    match got {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v.trim().to_owned())),
        Err(_) => Ok(None),
    }
}

fn required(env: &Env, name: &'static str, secret: bool) -> Result<String, ConfigError> {
    text(env, name, secret)?.ok_or(ConfigError {
        name,
        problem: "is not set",
    })
}

/// A whole number of seconds from 1 to `max` (`default` when unset).
fn seconds(
    env: &Env,
    name: &'static str,
    default: i64,
    max: i64,
    problem: &'static str,
) -> Result<i64, ConfigError> {
    match text(env, name, false)? {
        None => Ok(default),
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|t| (1..=max).contains(t))
            .ok_or(ConfigError { name, problem }),
    }
}

/// Whether `url` is https, or http to this machine (the local sandbox).
fn acceptable_url(url: &str) -> bool {
    if url.starts_with("https://") {
        return url.len() > "https://".len();
    }
    is_loopback(url)
}

/// Whether `url` is plain http to this machine.
pub(super) fn is_loopback(url: &str) -> bool {
    ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| {
            url.strip_prefix(p)
                .map(|rest| rest.is_empty() || rest.starts_with(':') || rest.starts_with('/'))
                .unwrap_or(false)
        })
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let endpoint = required(env, "MYPAY_ENDPOINT", false)?;
        if !acceptable_url(&endpoint) {
            return Err(ConfigError {
                name: "MYPAY_ENDPOINT",
                problem: "must be an https URL (or http to 127.0.0.1/localhost for the sandbox)",
            });
        }
        let agent_uid = required(env, "MYPAY_AGENT_UID", false)?;
        let store_uid = required(env, "MYPAY_STORE_UID", false)?;
        for (name, v) in [
            ("MYPAY_AGENT_UID", &agent_uid),
            ("MYPAY_STORE_UID", &store_uid),
        ] {
            if v.len() > 32 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(ConfigError {
                    name,
                    problem: "must be letters and digits",
                });
            }
        }
        let storefront_url = required(env, "STOREFRONT_URL", false)?
            .trim_end_matches('/')
            .to_owned();
        if !storefront_url.starts_with("https://") && !storefront_url.starts_with("http://") {
            return Err(ConfigError {
                name: "STOREFRONT_URL",
                problem: "must be an http(s) URL",
            });
        }
        let allowed_origins: Vec<String> = text(env, "ALLOWED_ORIGINS", false)?
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().trim_end_matches('/').to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let current =
            AgentKey::from_secret(&required(env, "MYPAY_AGENT_KEY", true)?).map_err(|_| {
                ConfigError {
                    name: "MYPAY_AGENT_KEY",
                    problem: "must be the 32-character key MYPAY issued",
                }
            })?;
        let next = match text(env, "MYPAY_AGENT_KEY_NEXT", true)? {
            None => None,
            Some(k) => Some(AgentKey::from_secret(&k).map_err(|_| ConfigError {
                name: "MYPAY_AGENT_KEY_NEXT",
                problem: "must be the 32-character key MYPAY issued",
            })?),
        };
        let admin_token = required(env, "ADMIN_TOKEN", true)?;
        if admin_token.len() < 16 {
            return Err(ConfigError {
                name: "ADMIN_TOKEN",
                problem: "must be at least 16 characters",
            });
        }
        let defaults = Settings::default();
        let order_ttl_secs = seconds(
            env,
            "ORDER_TTL_SECONDS",
            defaults.order_ttl_secs,
            7 * 86_400,
            "must be 1 to 604800 seconds",
        )?;
        let voucher_hold_secs = seconds(
            env,
            "VOUCHER_HOLD_SECONDS",
            defaults.voucher_hold_secs,
            90 * 86_400,
            "must be 1 to 7776000 seconds",
        )?;
        let pending_review_secs = seconds(
            env,
            "PENDING_REVIEW_SECONDS",
            defaults.pending_review_secs,
            90 * 86_400,
            "must be 1 to 7776000 seconds",
        )?;
        let test_clock = match text(env, "TEST_CLOCK", false)?.as_deref() {
            None | Some("0") => false,
            Some("1") if is_loopback(&endpoint) => true,
            Some("1") => {
                return Err(ConfigError {
                    name: "TEST_CLOCK",
                    problem: "is only allowed with a MYPAY_ENDPOINT on this machine (the sandbox)",
                })
            }
            Some(_) => {
                return Err(ConfigError {
                    name: "TEST_CLOCK",
                    problem: "must be 0 or 1",
                })
            }
        };
        let timeout_ms = match text(env, "MYPAY_TIMEOUT_MS", false)? {
            None => 10_000,
            Some(t) => t
                .parse::<i32>()
                .ok()
                .filter(|t| (100..=60_000).contains(t))
                .ok_or(ConfigError {
                    name: "MYPAY_TIMEOUT_MS",
                    problem: "must be 100 to 60000 milliseconds",
                })?,
        };
        let idempotency_reclaim_secs = match text(env, "IDEMPOTENCY_RECLAIM_SECONDS", false)? {
            None => (i64::from(timeout_ms) * 2 / 1000).max(60),
            Some(t) => t
                .parse::<i64>()
                .ok()
                .filter(|t| (1..=3600).contains(t))
                .ok_or(ConfigError {
                    name: "IDEMPOTENCY_RECLAIM_SECONDS",
                    problem: "must be 1 to 3600 seconds",
                })?,
        };
        let turnstile = match (
            text(env, "TURNSTILE_SITE_KEY", false)?,
            text(env, "TURNSTILE_SECRET_KEY", true)?,
        ) {
            (None, None) => None,
            (Some(site_key), Some(secret_key)) => {
                let verify_url = text(env, "TURNSTILE_VERIFY_URL", false)?
                    .unwrap_or_else(|| TURNSTILE_VERIFY_URL.to_owned());
                if !acceptable_url(&verify_url) {
                    return Err(ConfigError {
                        name: "TURNSTILE_VERIFY_URL",
                        problem: "must be an https URL (or http to 127.0.0.1/localhost)",
                    });
                }
                Some(Turnstile {
                    site_key,
                    secret_key,
                    verify_url,
                })
            }
            (Some(_), None) => {
                return Err(ConfigError {
                    name: "TURNSTILE_SECRET_KEY",
                    problem: "is not set, but TURNSTILE_SITE_KEY is (set both, or neither)",
                })
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    name: "TURNSTILE_SITE_KEY",
                    problem: "is not set, but TURNSTILE_SECRET_KEY is (set both, or neither)",
                })
            }
        };
        let log_info = match text(env, "LOG_LEVEL", false)?.as_deref() {
            None | Some("warn") => false,
            Some("info") => true,
            Some(_) => {
                return Err(ConfigError {
                    name: "LOG_LEVEL",
                    problem: "must be info or warn",
                })
            }
        };
        let access = match (
            text(env, "ACCESS_TEAM_DOMAIN", false)?,
            text(env, "ACCESS_AUD", false)?,
        ) {
            (None, None) => None,
            (Some(domain), Some(aud)) => {
                if !crate::access_rules::valid_domain(&domain) {
                    return Err(ConfigError {
                        name: "ACCESS_TEAM_DOMAIN",
                        problem: "must be the team's host name, e.g. myteam.cloudflareaccess.com",
                    });
                }
                let team_domain = crate::access_rules::bare_domain(&domain).to_owned();
                let certs_url = text(env, "ACCESS_CERTS_URL", false)?
                    .unwrap_or_else(|| crate::access_rules::certs_url(&team_domain));
                if !acceptable_url(&certs_url) {
                    return Err(ConfigError {
                        name: "ACCESS_CERTS_URL",
                        problem: "must be an https URL (or http to 127.0.0.1/localhost)",
                    });
                }
                Some(Access {
                    team_domain,
                    aud,
                    certs_url,
                })
            }
            (Some(_), None) => {
                return Err(ConfigError {
                    name: "ACCESS_AUD",
                    problem: "is not set, but ACCESS_TEAM_DOMAIN is (set both, or neither)",
                })
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    name: "ACCESS_TEAM_DOMAIN",
                    problem: "is not set, but ACCESS_AUD is (set both, or neither)",
                })
            }
        };
        let options = StoreOptions::from_settings(|name| env.var(name).ok().map(|v| v.to_string()))
            .map_err(|e| ConfigError {
                name: e.name,
                problem: e.problem,
            })?;
        let webhook = match (
            text(env, "MERCHANT_WEBHOOK_URL", false)?,
            text(env, "MERCHANT_WEBHOOK_SECRET", true)?,
        ) {
            (None, None) => None,
            (Some(url), Some(secret)) => {
                if !acceptable_url(&url) {
                    return Err(ConfigError {
                        name: "MERCHANT_WEBHOOK_URL",
                        problem: "must be an https URL (or http to 127.0.0.1/localhost)",
                    });
                }
                let secret =
                    mypay_link::webhooks::Secret::parse(&secret).map_err(|_| ConfigError {
                        name: "MERCHANT_WEBHOOK_SECRET",
                        problem: "must be whsec_ followed by the base64 of a 24 to 64 byte key",
                    })?;
                Some(WebhookSetting { url, secret })
            }
            (Some(_), None) => {
                return Err(ConfigError {
                    name: "MERCHANT_WEBHOOK_SECRET",
                    problem: "is not set, but MERCHANT_WEBHOOK_URL is (set both, or neither)",
                })
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    name: "MERCHANT_WEBHOOK_URL",
                    problem: "is not set, but MERCHANT_WEBHOOK_SECRET is (set both, or neither)",
                })
            }
        };
        let webhook_retry_secs = match text(env, "WEBHOOK_RETRY_SCHEDULE", false)? {
            None => super::webhooks::DEFAULT_RETRY_SCHEDULE.to_vec(),
            Some(t) => {
                let steps: Option<Vec<i64>> = t
                    .split(',')
                    .map(|p| {
                        p.trim()
                            .parse::<i64>()
                            .ok()
                            .filter(|s| (1..=43_200).contains(s))
                    })
                    .collect();
                steps
                    .filter(|s| (1..=30).contains(&s.len()))
                    .ok_or(ConfigError {
                        name: "WEBHOOK_RETRY_SCHEDULE",
                        problem: "must be 1 to 30 comma-separated waits of 1 to 43200 seconds",
                    })?
            }
        };
        let webhook_timeout_ms = match text(env, "WEBHOOK_TIMEOUT_MS", false)? {
            None => super::webhooks::DEFAULT_ATTEMPT_TIMEOUT_MS,
            Some(t) => t
                .parse::<u32>()
                .ok()
                .filter(|t| (100..=super::webhooks::MAX_ATTEMPT_TIMEOUT_MS).contains(t))
                .ok_or(ConfigError {
                    name: "WEBHOOK_TIMEOUT_MS",
                    problem: "must be 100 to 20000 milliseconds",
                })?,
        };
        Ok(Self {
            access,
            options,
            webhook,
            webhook_retry_secs,
            webhook_timeout_ms,
            webhook_allow_loopback_http: is_loopback(&endpoint),
            log_info,
            turnstile,
            timeout_ms,
            idempotency_reclaim_secs,
            order_ttl_secs,
            lifecycle: Settings {
                order_ttl_secs,
                voucher_hold_secs,
                pending_review_secs,
            },
            test_clock,
            endpoint,
            agent_uid,
            store_uid,
            storefront_url,
            allowed_origins,
            keys: KeyRing::new(current, next),
            admin_token,
        })
    }

    /// Whether a browser on `origin` may call `/api/*`.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|o| o == "*" || o.eq_ignore_ascii_case(origin.trim_end_matches('/')))
    }
}
