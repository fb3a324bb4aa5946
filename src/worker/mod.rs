//! The Cloudflare Worker (wasm32): the HTTP API of
//! `docs/http-api.md` on a `Router`, MYPAY's report URL, the admin API, and
//! the cron job that reconciles with MYPAY. Nothing in request handling
//! panics: every failure becomes a JSON error.

mod admin;
mod api;
mod config;
mod db;
mod http;
mod log;
mod mypay;
mod notify;
mod orders;
mod time;

use config::{Config, ConfigError};
use db::Db;
use http::{ApiError, ApiResult};
use serde_json::json;
use worker::{
    event, Context, Env, Method, Request, Response, RouteContext, Router, ScheduleContext,
    ScheduledEvent,
};

/// What every handler gets: the bindings, the request's context (for
/// `wait_until`) and the settings (or why they are unusable).
pub struct App {
    env: Env,
    ctx: Context,
    cfg: Result<Config, ConfigError>,
}

impl App {
    fn config(&self) -> ApiResult<&Config> {
        self.cfg.as_ref().map_err(config_error)
    }

    fn db(&self) -> ApiResult<Db> {
        self.env.d1("DB").map(Db).map_err(|_| {
            log::error(
                "config_error",
                json!({"binding": "DB", "problem": "no D1 binding named DB"}),
            );
            ApiError::new(
                500,
                "config_error",
                "the worker is misconfigured: D1 binding DB is missing",
            )
        })
    }

    /// Owned settings and database for work that outlives the response.
    fn detached(&self) -> Option<(Config, Db)> {
        Some((
            self.cfg.as_ref().ok()?.clone(),
            self.env.d1("DB").ok().map(Db)?,
        ))
    }
}

fn config_error(e: &ConfigError) -> ApiError {
    log::error(
        "config_error",
        json!({"binding": e.name, "problem": e.problem}),
    );
    ApiError::new(
        500,
        "config_error",
        format!("the worker is misconfigured: {e}"),
    )
}

fn respond(r: ApiResult<Response>) -> worker::Result<Response> {
    Ok(r.unwrap_or_else(ApiError::into_response))
}

fn param(rc: &RouteContext<App>, name: &str) -> String {
    rc.param(name).cloned().unwrap_or_default()
}

fn router(app: App) -> Router<'static, App> {
    Router::with_data(app)
        .get_async("/api/products", |req, rc| async move {
            respond(api::products(req, &rc.data).await)
        })
        .post_async("/api/quote", |req, rc| async move {
            respond(api::quote(req, &rc.data).await)
        })
        .post_async("/api/checkout", |req, rc| async move {
            respond(api::checkout(req, &rc.data).await)
        })
        .get_async("/api/orders/:id", |req, rc| async move {
            let id = param(&rc, "id");
            respond(api::order(req, &rc.data, &id).await)
        })
        .post_async("/mypay/notify", |req, rc| async move {
            respond(notify::notify(req, &rc.data).await)
        })
        .get_async("/admin/orders", |req, rc| async move {
            respond(admin::list_orders(req, &rc.data).await)
        })
        .get_async("/admin/orders/:id", |req, rc| async move {
            let id = param(&rc, "id");
            respond(admin::get_order(req, &rc.data, &id).await)
        })
        .post_async("/admin/orders/:id/refund", |req, rc| async move {
            let id = param(&rc, "id");
            respond(admin::refund(req, &rc.data, &id).await)
        })
        .post_async("/admin/orders/:id/manual-refund", |req, rc| async move {
            let id = param(&rc, "id");
            respond(admin::manual_refund(req, &rc.data, &id).await)
        })
        .put_async("/admin/test/clock", |req, rc| async move {
            respond(admin::set_clock(req, &rc.data).await)
        })
        .post_async("/admin/vouchers", |req, rc| async move {
            respond(admin::issue_vouchers(req, &rc.data).await)
        })
        .get_async("/admin/vouchers", |req, rc| async move {
            respond(admin::list_vouchers(req, &rc.data).await)
        })
        .post_async("/admin/reconcile", |req, rc| async move {
            respond(admin::reconcile(req, &rc.data).await)
        })
        .or_else_any_method("/*rest", |_, _| {
            Ok(ApiError::not_found("not_found", "no such endpoint").into_response())
        })
}

/// Reads the test clock's offset (only with `TEST_CLOCK=1`).
async fn sync_clock(cfg: &Config, env: &Env) {
    if !cfg.test_clock {
        time::set_offset(0);
        return;
    }
    #[derive(serde::Deserialize)]
    struct Row {
        offset_seconds: i64,
    }
    let Ok(d1) = env.d1("DB") else {
        return;
    };
    let row: Option<Row> = Db(d1)
        .first("SELECT offset_seconds FROM test_clock WHERE id = 1", &[])
        .await
        .ok()
        .flatten();
    time::set_offset(row.map(|r| r.offset_seconds).unwrap_or(0));
}

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let started = js_sys::Date::now();
    let path = req.path();
    let method = req.method();
    let origin = http::get_header(&req, "origin");
    let cfg = Config::from_env(&env);
    let cors_origin = match (&cfg, &origin) {
        (Ok(c), Some(o)) if path.starts_with("/api/") && c.origin_allowed(o) => Some(o.clone()),
        _ => None,
    };
    // Without a complete configuration nothing is served: a deploy with a
    // missing secret is noticed at once, not at the first payment.
    if let Err(e) = &cfg {
        let res = config_error(e).into_response();
        log::info(
            "request",
            json!({"method": method.to_string(), "path": path, "status": 500}),
        );
        return Ok(res);
    }
    if let Ok(c) = &cfg {
        sync_clock(c, &env).await;
    }
    if method == Method::Options {
        let res = match (&cors_origin, &cfg) {
            (Some(o), _) => http::preflight(o),
            (None, Err(e)) => config_error(e).into_response(),
            (None, Ok(_)) => ApiError::new(
                403,
                "origin_not_allowed",
                "this origin may not call the API",
            )
            .into_response(),
        };
        return Ok(res);
    }
    let mut res = match router(App {
        env: env.clone(),
        ctx,
        cfg,
    })
    .run(req, env)
    .await
    {
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
    let ms = (js_sys::Date::now() - started) as i64;
    log::info(
        "request",
        json!({"method": method.to_string(), "path": path, "status": res.status_code(), "ms": ms}),
    );
    Ok(res)
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let cfg = match Config::from_env(&env) {
        Ok(c) => c,
        Err(e) => {
            log::error(
                "config_error",
                json!({"binding": e.name, "problem": e.problem, "during": "cron"}),
            );
            return;
        }
    };
    let Ok(d1) = env.d1("DB") else {
        log::error(
            "config_error",
            json!({"binding": "DB", "problem": "no D1 binding named DB", "during": "cron"}),
        );
        return;
    };
    sync_clock(&cfg, &env).await;
    if let Err(e) = orders::reconcile(&cfg, &Db(d1), None, 50).await {
        log::error("cron_failed", json!({"code": e.code}));
    }
}
