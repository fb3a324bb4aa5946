//! The Cloudflare Worker (wasm32): the HTTP API of
//! `docs/http-api.md` on a `Router`, MYPAY's report URL, the admin API, and
//! the cron job that reconciles with MYPAY. Nothing in request handling
//! panics: every failure becomes a JSON error.

mod access;
mod admin;
mod admin_console;
mod api;
mod checkout;
mod config;
mod db;
mod guard;
mod health;
mod http;
mod log;
mod mypay;
mod notify;
mod orders;
mod time;
mod webhooks;

use config::{Config, ConfigError};
use db::Db;
use http::{ApiError, ApiResult};
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use worker::{
    event, Context, Env, MessageBatch, Method, Request, Response, RouteContext, Router,
    ScheduleContext, ScheduledEvent,
};

/// What every handler gets: the settings and the database, both checked
/// at the entry, and the request's context (for `wait_until`).
struct App {
    cfg: Rc<Config>,
    db: Db,
    ctx: Context,
}

thread_local! {
    /// The settings, read once per isolate: an isolate's variables, secrets
    /// and bindings never change (a deploy, a new secret or a changed
    /// variable starts new isolates). A configuration error is not kept, so
    /// every request reports it.
    static CONFIG: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

fn config(env: &Env) -> Result<Rc<Config>, ConfigError> {
    if let Some(cfg) = CONFIG.with(|c| c.borrow().clone()) {
        return Ok(cfg);
    }
    let cfg = Rc::new(Config::from_env(env)?);
    guard::check_bindings(env)?;
    CONFIG.with(|c| *c.borrow_mut() = Some(cfg.clone()));
    Ok(cfg)
}

/// The settings and the database, or the first binding that is missing or
/// malformed. Checked on every request and every cron run.
fn bindings(env: &Env) -> Result<(Rc<Config>, Db), ConfigError> {
    let cfg = config(env)?;
    let db = env.d1("DB").map(Db).map_err(|_| ConfigError {
        name: "DB",
        problem: "is not a D1 binding",
    })?;
    Ok((cfg, db))
}

fn respond(r: ApiResult<Response>) -> worker::Result<Response> {
    Ok(r.unwrap_or_else(ApiError::into_response))
}

fn param(rc: &RouteContext<App>, name: &str) -> String {
    rc.param(name).cloned().unwrap_or_default()
}

fn router(app: App) -> Router<'static, App> {
    Router::with_data(app)
        .get_async("/api/products", |_, rc| async move {
            respond(api::products(&rc.data.db).await)
        })
        .get("/api/config", |_, rc| respond(api::config(&rc.data.cfg)))
        .post_async("/api/quote", |req, rc| async move {
            respond(api::quote(req, &rc.data.cfg, &rc.data.db).await)
        })
        .post_async("/api/checkout", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(checkout::checkout(req, cfg, db).await)
        })
        .get_async("/api/orders/:id", |req, rc| async move {
            let id = param(&rc, "id");
            respond(api::order(req, &rc.data.db, &id).await)
        })
        .post_async("/mypay/notify", |req, rc| async move {
            let App { cfg, db, ctx } = &rc.data;
            respond(notify::notify(req, cfg, db, ctx, &rc.env).await)
        })
        .get_async("/admin/orders", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(admin::list_orders(req, cfg, db).await)
        })
        .get_async("/admin/orders/:id", |req, rc| async move {
            let id = param(&rc, "id");
            let App { cfg, db, .. } = &rc.data;
            respond(admin::get_order(req, cfg, db, &id).await)
        })
        .post_async("/admin/orders/:id/refund", |req, rc| async move {
            let id = param(&rc, "id");
            let App { cfg, db, .. } = &rc.data;
            respond(admin::refund(req, cfg, db, &id).await)
        })
        .get_async("/admin/orders/:id/refund-plan", |req, rc| async move {
            let id = param(&rc, "id");
            let App { cfg, db, .. } = &rc.data;
            respond(admin::refund_plan(req, cfg, db, &id).await)
        })
        .post_async("/admin/orders/:id/manual-refund", |req, rc| async move {
            let id = param(&rc, "id");
            let App { cfg, db, .. } = &rc.data;
            respond(admin::manual_refund(req, cfg, db, &id).await)
        })
        .put_async("/admin/test/clock", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(admin::set_clock(req, cfg, db).await)
        })
        .post_async("/admin/vouchers", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(admin::issue_vouchers(req, cfg, db).await)
        })
        .get_async("/admin/vouchers", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(admin::list_vouchers(req, cfg, db).await)
        })
        .get_async("/admin/health", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(health::health(req, &rc.env, cfg, db).await)
        })
        .post_async("/admin/reconcile", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            let mut res = respond(admin::reconcile(req, cfg, db).await)?;
            // A refused call (401, 400) ran nothing; anything else is a run.
            if !matches!(res.status_code(), 400..=499) {
                admin_console::record_admin_run(db, &mut res).await;
            }
            Ok(res)
        })
        .get_async("/admin/reconcile/runs", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(admin_console::runs(req, cfg, db).await)
        })
        .get_async("/admin/session", |req, rc| async move {
            let App { cfg, .. } = &rc.data;
            respond(admin_console::session(req, cfg).await)
        })
        .post_async("/admin/orders/:id/check", |req, rc| async move {
            let id = param(&rc, "id");
            let App { cfg, db, .. } = &rc.data;
            respond(admin_console::check_order(req, cfg, db, &id).await)
        })
        .get_async("/admin/export", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(admin_console::export(req, cfg, db).await)
        })
        .get_async("/admin/webhooks", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(webhooks::admin::overview(req, cfg, db).await)
        })
        .post_async("/admin/webhooks/endpoints", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(webhooks::admin::add_endpoint(req, cfg, db).await)
        })
        .delete_async("/admin/webhooks/endpoints/:id", |req, rc| async move {
            let id = param(&rc, "id");
            let App { cfg, db, .. } = &rc.data;
            respond(webhooks::admin::delete_endpoint(req, cfg, db, &id).await)
        })
        .get_async("/admin/webhooks/deliveries", |req, rc| async move {
            let App { cfg, db, .. } = &rc.data;
            respond(webhooks::admin::list_deliveries(req, cfg, db).await)
        })
        .post_async(
            "/admin/webhooks/deliveries/:id/replay",
            |req, rc| async move {
                let id = param(&rc, "id");
                let App { cfg, db, .. } = &rc.data;
                respond(webhooks::admin::replay(req, cfg, db, &id).await)
            },
        )
        .or_else_any_method("/*rest", |_, _| {
            Ok(ApiError::not_found("not_found", "no such endpoint").into_response())
        })
}

/// Reads the test clock's offset (only with `TEST_CLOCK=1`).
async fn sync_clock(cfg: &Config, db: &Db) {
    if !cfg.test_clock {
        time::set_offset(0);
        return;
    }
    #[derive(serde::Deserialize)]
    struct Row {
        offset_seconds: i64,
    }
    let row: Option<Row> = db
        .first("SELECT offset_seconds FROM test_clock WHERE id = 1", &[])
        .await
        .unwrap_or_else(|e| {
            e.log();
            None
        });
    time::set_offset(row.map(|r| r.offset_seconds).unwrap_or(0));
}

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let path = req.path();
    let method = req.method();
    // Without a complete configuration nothing is served: a deploy with a
    // missing secret is noticed at once, not at the first payment.
    let (cfg, db) = match bindings(&env) {
        Ok(b) => b,
        Err(e) => {
            return Ok(ApiError::config(&e).into_response());
        }
    };
    log::set_info(cfg.log_info);
    webhooks::bind(&env);
    let cors_origin = http::get_header(&req, "origin")
        .filter(|o| path.starts_with("/api/") && cfg.origin_allowed(o));
    if method == Method::Options {
        let res = match &cors_origin {
            Some(o) => http::preflight(o),
            None => ApiError::new(
                403,
                "origin_not_allowed",
                "this origin may not call the API",
            )
            .into_response(),
        };
        return Ok(res);
    }
    // Origin, content type and rate limits: before anything is read.
    if let Err(e) = guard::admit(&req, &env, &cfg, &path).await {
        let mut res = e.into_response();
        if let Some(o) = &cors_origin {
            http::add_cors(&mut res, o);
        }
        return Ok(res);
    }
    sync_clock(&cfg, &db).await;
    // Cloudflare Access's token on the admin API: verified here (it needs
    // a fetch and WebCrypto), accepted by `admin::authorize`.
    let marked = if path.starts_with("/admin/") {
        match access::admit(&req, &cfg).await {
            Ok(m) => m,
            Err(e) => return Ok(e.into_response()),
        }
    } else {
        None
    };
    let routed = router(App { cfg, db, ctx }).run(req, env).await;
    if let Some(m) = &marked {
        access::forget(m);
    }
    let mut res = match routed {
        Ok(r) => r,
        Err(e) => ApiError::internal("router", e).into_response(),
    };
    if res.status_code() == 405 {
        res = ApiError::new(
            405,
            "method_not_allowed",
            "this endpoint does not take that method",
        )
        .into_response();
    }
    if let Some(o) = &cors_origin {
        http::add_cors(&mut res, o);
    }
    Ok(res)
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let (cfg, db) = match bindings(&env) {
        Ok(b) => b,
        Err(e) => {
            log::error(
                "config_error",
                json!({"binding": e.name, "problem": e.problem, "during": "cron"}),
            );
            return;
        }
    };
    log::set_info(cfg.log_info);
    sync_clock(&cfg, &db).await;
    health::record_cron(&db).await;
    webhooks::bind(&env);
    match orders::reconcile(&cfg, &db, None, 50).await {
        Ok(report) => admin_console::record_run(&db, "cron", Ok(&report)).await,
        Err(e) => {
            e.log();
            log::error("cron_failed", json!({"code": "internal_error"}));
            admin_console::record_run(&db, "cron", Err("internal_error")).await;
        }
    }
    // Webhook deliveries the queue did not send (lost messages, restarts).
    if let Err(e) = webhooks::sweep(&cfg, &db).await {
        e.log();
        log::error("webhook_sweep_failed", json!({"code": "internal_error"}));
    }
}

/// The `WEBHOOK_QUEUE` consumer: sends merchant webhooks.
#[event(queue)]
async fn queue(batch: MessageBatch<webhooks::Job>, env: Env, _ctx: Context) -> worker::Result<()> {
    let (cfg, db) = match bindings(&env) {
        Ok(b) => b,
        Err(e) => {
            log::error(
                "config_error",
                json!({"binding": e.name, "problem": e.problem, "during": "queue"}),
            );
            // Unacknowledged messages come back; the rows stay pending.
            return Ok(());
        }
    };
    log::set_info(cfg.log_info);
    sync_clock(&cfg, &db).await;
    webhooks::bind(&env);
    webhooks::consume(&cfg, &db, batch).await;
    Ok(())
}
