//! `GET /admin/health` (admin token): what `mypay doctor` needs to know
//! about this deployment that only the Worker can see: its MYPAY settings
//! (never the key or the token), whether MYPAY accepts its key (an
//! `api/queryorder` for an order that cannot exist, which changes nothing),
//! the User-Agent it sends, the D1 migrations applied, the last cron run and
//! the key's issue date. Facts only: `mypay doctor` judges them with
//! [`mypay_link::deploy`]'s rules and adds what is seen from outside (the
//! report URL, HTTPS, redirects).

use super::admin::authorize;
use super::config::Config;
use super::db::{n, s, Db};
use super::http::{ok_json, ApiResult};
use super::mypay::{self, UpstreamError};
use super::{log, time};
use mypay_link::crypto::{AgentKey, KeyRing};
use mypay_link::deploy::{self, KeyProbe};
use mypay_link::reply::ReplyError;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Env, Request, Response};

/// The migrations this Worker needs (migrations/), in order. Each name is
/// checked against its file when the Worker is built; scripts/test-doctor.sh
/// checks that the list is the whole directory.
const MIGRATIONS: &[&str] = &[
    "0001_init.sql",
    "0002_lifecycle.sql",
    "0003_abuse.sql",
    "0004_health.sql",
    "0005_options.sql",
    "0006_webhooks.sql",
    "0007_console.sql",
];
const _: [usize; 7] = [
    include_str!("../../migrations/0001_init.sql").len(),
    include_str!("../../migrations/0002_lifecycle.sql").len(),
    include_str!("../../migrations/0003_abuse.sql").len(),
    include_str!("../../migrations/0004_health.sql").len(),
    include_str!("../../migrations/0005_options.sql").len(),
    include_str!("../../migrations/0006_webhooks.sql").len(),
    include_str!("../../migrations/0007_console.sql").len(),
];

/// The health mark the cron job writes.
const CRON_MARK: &str = "cron";

/// Records that the cron job runs now (best effort: a missing table is
/// logged and the job goes on).
pub async fn record_cron(db: &Db) {
    let r = db
        .run(
            "INSERT INTO health (name, at) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET at = excluded.at",
            &[s(CRON_MARK), n(time::now())],
        )
        .await;
    if let Err(e) = r {
        log::warn("health_mark_failed", json!({"mark": CRON_MARK, "op": e.op}));
    }
}

/// Asks MYPAY for an order that cannot exist under `key` alone.
async fn probe(cfg: &Config, key: &AgentKey) -> Value {
    let mut one = cfg.clone();
    one.keys = KeyRing::new(key.clone(), None);
    match mypay::query_order(&one, deploy::PROBE_UID, deploy::PROBE_KEY).await {
        Ok(_) => json!({"verdict": KeyProbe::Accepted}),
        Err(e) => {
            let verdict = e
                .failure()
                .map(|f| KeyProbe::from_outcome(Err(&f)))
                .unwrap_or(KeyProbe::Unclear);
            let (code, msg) = match &e {
                UpstreamError::Reply(ReplyError::Mypay { code, msg }) => {
                    (Some(code.clone()), Some(msg.clone()))
                }
                _ => (None, None),
            };
            json!({"verdict": verdict, "code": code, "message": msg, "error": e.log_code()})
        }
    }
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

#[derive(Deserialize)]
struct Mark {
    at: i64,
}

/// The migrations wrangler recorded in `d1_migrations` (None: no such table).
async fn applied_migrations(db: &Db) -> Option<Vec<String>> {
    db.all::<Name>("SELECT name FROM d1_migrations ORDER BY id", &[])
        .await
        .ok()
        .map(|rows| rows.into_iter().map(|r| r.name).collect())
}

pub async fn health(req: Request, env: &Env, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let now = time::now();
    let current = probe(cfg, &cfg.keys.current).await;
    let next = match &cfg.keys.next {
        Some(k) => probe(cfg, k).await,
        None => Value::Null,
    };
    let applied = applied_migrations(db).await;
    let missing: Vec<&str> = MIGRATIONS
        .iter()
        .copied()
        .filter(|m| !applied.iter().flatten().any(|a| a == m))
        .collect();
    let cron = db
        .first::<Mark>("SELECT at FROM health WHERE name = ?1", &[s(CRON_MARK)])
        .await;
    let (cron_table, last_cron) = match cron {
        Ok(m) => (true, m.map(|m| m.at)),
        Err(_) => (false, None),
    };
    let issued = env
        .var("MYPAY_AGENT_KEY_ISSUED")
        .ok()
        .map(|v| v.to_string().trim().to_owned())
        .filter(|v| !v.is_empty());
    let storefront_origin = deploy::origin_of(&cfg.storefront_url);
    let origin_allowed = storefront_origin
        .as_deref()
        .map(|o| cfg.origin_allowed(o))
        .unwrap_or(false);
    ok_json(
        200,
        &json!({
            "worker": {"version": env!("CARGO_PKG_VERSION"), "user_agent": mypay::USER_AGENT},
            "now": now,
            "mypay": {
                "endpoint": cfg.endpoint,
                "agent_uid": cfg.agent_uid,
                "store_uid": cfg.store_uid,
            },
            "key": {
                "probe": current,
                "next_set": cfg.keys.next.is_some(),
                "next_probe": next,
                "issued": issued,
            },
            "cors": {
                "storefront_url": cfg.storefront_url,
                "storefront_origin": storefront_origin,
                "allowed_origins": cfg.allowed_origins,
                "storefront_origin_allowed": origin_allowed,
            },
            "migrations": {
                "expected": MIGRATIONS,
                "recorded": applied.is_some(),
                "applied": applied.unwrap_or_default(),
                "missing": missing,
            },
            "cron": {
                "recorded": cron_table,
                "last_run_at": last_cron,
            },
        }),
    )
}
