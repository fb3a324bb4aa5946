//! `mypay listen`: a receiver for development, in one of two modes.
//!
//! - Reports (the default): prints every callback MYPAY (or the sandbox)
//!   posts, one JSON line each, and answers `8888` (or what `--answer`
//!   says, to watch the sender retry).
//! - Merchant webhooks (`--webhook-secret whsec_…`): checks each delivery
//!   as the Standard Webhooks specification says (with
//!   [`mypay_link::webhooks`], the rule the Worker signs with), prints it as
//!   one JSON line, and answers 204, or 400 when it does not verify (the
//!   sender then retries), as `stripe listen` does for Stripe.

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::routing::any;
use axum::Router;
use axum::http::StatusCode;
use mypay_link::form::form_to_map;
use mypay_link::webhooks::{
    Headers, Secret, DEFAULT_TOLERANCE_SECS, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct ListenArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8790)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The body to answer reports with. MYPAY counts only `8888` as delivered.
    #[arg(long, default_value = "8888")]
    answer: String,
    /// Receive the Worker's merchant webhooks instead of MYPAY's reports,
    /// verified with this secret (`whsec_…`, the MERCHANT_WEBHOOK_SECRET or
    /// the one the admin API showed when the endpoint was added).
    #[arg(long, env = "MYPAY_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// Webhooks: how far `webhook-timestamp` may be from this clock, in seconds.
    #[arg(long, default_value_t = DEFAULT_TOLERANCE_SECS)]
    tolerance: i64,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

struct Webhooks {
    secret: Secret,
    tolerance: i64,
}

/// One webhook delivery: verified, printed, answered.
async fn receive_webhook(
    State(wh): State<Arc<Webhooks>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let got = Headers {
        id: h(HEADER_ID),
        timestamp: h(HEADER_TIMESTAMP),
        signature: h(HEADER_SIGNATURE),
    };
    let now = unix_now();
    let checked = wh.secret.verify(got, &body, now, wh.tolerance);
    let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut line = json!({
        "time": now,
        "path": uri.path(),
        "webhook_id": got.id,
        "webhook_timestamp": got.timestamp,
        "verified": checked.is_ok(),
    });
    let answer = match checked {
        Ok(()) => {
            line["type"] = event["type"].clone();
            line["order_id"] = event["data"]["order_id"].clone();
            line["status"] = event["data"]["status"].clone();
            line["event"] = event;
            (StatusCode::NO_CONTENT, String::new())
        }
        Err(e) => {
            // Nothing unverified is shown as if it were an event.
            line["error"] = json!(e.code());
            line["message"] = json!(e.to_string());
            (
                StatusCode::BAD_REQUEST,
                json!({"error": {"code": e.code(), "message": e.to_string()}}).to_string(),
            )
        }
    };
    println!("{line}");
    answer
}

async fn receive(
    State(answer): State<Arc<String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> String {
    let text = String::from_utf8_lossy(&body);
    let fields = form_to_map(&text)
        .map(Value::Object)
        .unwrap_or_else(|e| json!({ "unreadable": e.to_string() }));
    let line = json!({
        "time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
        "path": uri.path(),
        "user_agent": headers.get("user-agent").and_then(|v| v.to_str().ok()),
        "prc": fields.get("prc"),
        "fields": fields,
        "answer": answer.as_str(),
    });
    println!("{line}");
    answer.as_str().to_owned()
}

pub async fn run(args: ListenArgs) -> anyhow::Result<()> {
    let webhooks = match &args.webhook_secret {
        None => None,
        Some(text) => Some(Webhooks {
            secret: Secret::parse(text).context("--webhook-secret")?,
            tolerance: args.tolerance.max(0),
        }),
    };
    let app = match webhooks {
        None => Router::new()
            .route("/", any(receive))
            .route("/{*path}", any(receive))
            .with_state(Arc::new(args.answer)),
        Some(wh) => Router::new()
            .route("/", any(receive_webhook))
            .route("/{*path}", any(receive_webhook))
            .with_state(Arc::new(wh)),
    };
    let what = if args.webhook_secret.is_some() {
        "set it as MERCHANT_WEBHOOK_URL"
    } else {
        "set it as the notify URL"
    };
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}/ ({what})");
    axum::serve(listener, app).await.context("server stopped")
}
