//! `mypay order …`: the three agent calls (create, query, refund) over HTTP.
//! What is checked before sending, how a reply is read, what is retried and
//! the resend under the next key are the protocol crate's [`Call`] policy,
//! the same as the Worker's.

use crate::keys::{KeyArgs, TEST_AGENT_UID};
use anyhow::{anyhow, Context};
use mypay_link::call::{build_request, Call, CallError, Failure};
use mypay_link::models::{OrderRequest, QueryRequest, RefundRequest};
use mypay_link::reply::ReplyError;
use mypay_link::KeyRing;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The API text's order (the samples' `getRawData`), as a template.
pub const EXAMPLE_ORDER: &str = r#"{
  "store_uid": "289151880002",
  "items": [
    {
      "id": "1",
      "name": "好棒棒麻辣鍋湯包",
      "cost": "1000",
      "amount": "1",
      "total": "1000"
    }
  ],
  "user_id": "userid",
  "order_id": "1234567890",
  "ip": "192.168.0.1",
  "pfn": "0",
  "cost": 900,
  "agent_sms_fee_type": 1,
  "agent_charge_fee_type": 1,
  "agent_charge_fee": 90,
  "voucher_type": "1",
  "voucher_paid": [
    {
      "product_id": "P01",
      "serial_number": "P1635306439",
      "name": "好食券",
      "cost": 50,
      "issuer": "1",
      "refund_return_type": "3"
    }
  ],
  "voucher_free": [
    {
      "product_id": "F01",
      "serial_number": "F1635306439",
      "name": "VIP免費券",
      "cost": 50,
      "issuer": "1"
    }
  ],
  "voucher_invoice_type": "1"
}"#;

/// Options every call shares.
#[derive(clap::Args, Debug, Clone)]
pub struct CallArgs {
    /// The agent API URL.
    #[arg(
        long,
        env = "MYPAY_ENDPOINT",
        default_value = "http://127.0.0.1:8788/api/agent"
    )]
    pub endpoint: String,
    /// The agent's 商務代號.
    #[arg(long, env = "MYPAY_AGENT_UID", default_value = TEST_AGENT_UID)]
    pub agent_uid: String,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Accept any TLS certificate (for the sandbox's self-signed https port).
    #[arg(long)]
    pub insecure: bool,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// `mypay order …`
#[derive(clap::Subcommand, Debug)]
pub enum OrderAction {
    /// Create a PayPage order in voucher mode (api/orders) from a JSON file.
    Create {
        file: PathBuf,
        /// Send even when local validation finds problems.
        #[arg(long)]
        skip_validation: bool,
        #[command(flatten)]
        call: CallArgs,
    },
    /// Query an order (api/queryorder).
    Query {
        #[arg(long)]
        uid: String,
        /// The order's 32-hex transaction key returned at creation.
        #[arg(long)]
        key: String,
        #[command(flatten)]
        call: CallArgs,
    },
    /// Refund a paid order in full (api/refund) from a JSON file.
    Refund {
        file: PathBuf,
        /// Send even when local validation finds problems.
        #[arg(long)]
        skip_validation: bool,
        #[command(flatten)]
        call: CallArgs,
    },
    /// Print the API text's example order as a template for `order create`.
    Example,
}

/// Runs an `order` subcommand; exit 0 success, 1 MYPAY refused or the call
/// failed, 2 bad input.
pub async fn run(action: OrderAction) -> ExitCode {
    match action {
        OrderAction::Example => {
            println!("{EXAMPLE_ORDER}");
            ExitCode::SUCCESS
        }
        OrderAction::Create {
            file,
            skip_validation,
            call,
        } => {
            let order: OrderRequest = match read_json(&file) {
                Ok(o) => o,
                Err(e) => return input_error(e),
            };
            send_and_print(&call, &order, skip_validation).await
        }
        OrderAction::Query { uid, key, call } => {
            let q = QueryRequest {
                uid: uid.into(),
                key,
            };
            send_and_print(&call, &q, false).await
        }
        OrderAction::Refund {
            file,
            skip_validation,
            call,
        } => {
            let refund: RefundRequest = match read_json(&file) {
                Ok(o) => o,
                Err(e) => return input_error(e),
            };
            send_and_print(&call, &refund, skip_validation).await
        }
    }
}

/// Checks `payload` (unless told not to), sends it and prints the reply.
async fn send_and_print<C: Call>(call: &CallArgs, payload: &C, skip_validation: bool) -> ExitCode
where
    C::Reply: Serialize,
{
    if !skip_validation {
        if let Err(problems) = payload.check() {
            return print_problems(&problems);
        }
    }
    match send(call, payload).await {
        Ok(reply) => match to_pretty(&reply) {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Err(Sent::Transport(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
        Err(Sent::Reply(CallError::Http(status))) => {
            eprintln!("error [upstream_http]: MYPAY answered HTTP {status} with no readable reply");
            ExitCode::FAILURE
        }
        Err(Sent::Reply(CallError::Reply(e))) => {
            eprintln!("error [{}]: {e}", e.code());
            if let ReplyError::NotJson { snippet, .. } = &e {
                eprintln!("  body starts: {}", snippet.replace('\n', " "));
            }
            ExitCode::FAILURE
        }
    }
}

/// Why a call gave no reply.
enum Sent {
    /// No answer (timeout, connection), or the request could not be built.
    Transport(anyhow::Error),
    /// An answer that is not the reply.
    Reply(CallError),
}

/// Sends `payload` under the current key (and once more under the next one
/// if MYPAY cannot open it), repeating it as [`Call::RETRY`] allows.
async fn send<C: Call>(call: &CallArgs, payload: &C) -> Result<C::Reply, Sent> {
    let keys: KeyRing = call.keys.load().map_err(Sent::Transport)?;
    let mut made = 0;
    loop {
        made += 1;
        let mut outcome = Err(Sent::Transport(anyhow!("no key")));
        for key in std::iter::once(&keys.current).chain(keys.next.as_ref()) {
            let req = build_request(&call.agent_uid, key, payload)
                .map_err(|e| Sent::Transport(anyhow!("{e}")))?;
            outcome = match post(call, &C::command().to_string(), req.content_type, req.body).await
            {
                // The reply as MYPAY's parser reads it: an error page stays
                // `NotJson`, with its status and the start of its body.
                Ok((status, body)) => {
                    C::parse_reply(status, &body).map_err(|e| Sent::Reply(CallError::Reply(e)))
                }
                Err(e) => Err(e),
            };
            if !matches!(&outcome, Err(Sent::Reply(e)) if e.resend_under_next_key()) {
                break;
            }
        }
        let err = match outcome {
            Ok(r) => return Ok(r),
            Err(e) => e,
        };
        let failure = match &err {
            Sent::Transport(_) => Failure::Network,
            // An error page counts as its HTTP status (as `read_reply` has it).
            Sent::Reply(CallError::Reply(ReplyError::NotJson { status, .. })) if *status >= 400 => {
                Failure::Http(*status)
            }
            Sent::Reply(e) => e.failure(),
        };
        match C::RETRY.next_delay_ms(made, &failure) {
            Some(ms) => tokio::time::sleep(Duration::from_millis(u64::from(ms))).await,
            None => return Err(err),
        }
    }
}

fn to_pretty<T: Serialize>(v: &T) -> Result<String, ReplyError> {
    serde_json::to_string_pretty(v).map_err(|e| ReplyError::Malformed(e.to_string()))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not the expected JSON", path.display()))
}

fn input_error(e: anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::from(2)
}

fn print_problems(problems: &[mypay_link::Problem]) -> ExitCode {
    eprintln!("error: the request has problems (use --skip-validation to send it anyway):");
    for p in problems {
        eprintln!("  {}\t{}\t{}", p.path, p.code, p.message);
    }
    ExitCode::from(2)
}

/// Posts one request; returns the HTTP status and body.
async fn post(
    call: &CallArgs,
    cmd: &str,
    content_type: &str,
    body: String,
) -> Result<(u16, String), Sent> {
    post_raw(call, cmd, content_type, body)
        .await
        .map_err(Sent::Transport)
}

async fn post_raw(
    call: &CallArgs,
    cmd: &str,
    content_type: &str,
    body: String,
) -> anyhow::Result<(u16, String)> {
    let client = reqwest::Client::builder()
        .user_agent(concat!("mypay-edge-cli/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(call.timeout.max(1)))
        .danger_accept_invalid_certs(call.insecure)
        .build()
        .context("cannot build the HTTP client")?;
    let resp = client
        .post(&call.endpoint)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                anyhow!(
                    "{cmd} to {}: no answer within {} s (timeout)",
                    call.endpoint,
                    call.timeout
                )
            } else {
                anyhow!("{cmd} to {}: {e}", call.endpoint)
            }
        })?;
    let status = resp.status().as_u16();
    let body = resp
        .text()
        .await
        .map_err(|e| anyhow!("{cmd}: cannot read the answer: {e}"))?;
    Ok((status, body))
}
