//! `mypay listen`: a report receiver for development. It prints every
//! callback MYPAY (or the sandbox) posts, one JSON line each, and answers
//! `8888` (or what `--answer` says, to watch the sender retry).

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::routing::any;
use axum::Router;
use mypay_link::form::form_to_map;
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
    /// The body to answer with. MYPAY counts only `8888` as delivered.
    #[arg(long, default_value = "8888")]
    answer: String,
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
    let app = Router::new()
        .route("/", any(receive))
        .route("/{*path}", any(receive))
        .with_state(Arc::new(args.answer));
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}/ (set it as the notify URL)");
    axum::serve(listener, app).await.context("server stopped")
}
