//! `mypay order …`: the three agent calls (create, query, refund) over HTTP,
//! with the replies parsed by `mypay_link::reply`.

use crate::keys::{KeyArgs, TEST_AGENT_UID};
use anyhow::{anyhow, Context};
use mypay_link::envelope::build_request;
use mypay_link::models::{OrderRequest, QueryRequest, RefundRequest};
use mypay_link::reply::{parse_order_reply, parse_query_reply, parse_refund_reply, ReplyError};
use mypay_link::validate::{validate_order, validate_refund};
use mypay_link::{Command, KeyRing};
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
            if !skip_validation {
                if let Err(problems) = validate_order(&order) {
                    return print_problems(&problems);
                }
            }
            finish(
                call_api(&call, Command::Orders, &order).await,
                |status, body| parse_order_reply(status, body).and_then(|r| to_pretty(&r)),
            )
        }
        OrderAction::Query { uid, key, call } => {
            let q = QueryRequest {
                uid: uid.into(),
                key,
            };
            finish(
                call_api(&call, Command::QueryOrder, &q).await,
                |status, body| parse_query_reply(status, body).and_then(|r| to_pretty(&r)),
            )
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
            if !skip_validation {
                if let Err(problems) = validate_refund(&refund, None) {
                    return print_problems(&problems);
                }
            }
            finish(
                call_api(&call, Command::Refund, &refund).await,
                |status, body| parse_refund_reply(status, body).and_then(|r| to_pretty(&r)),
            )
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

fn finish(
    sent: anyhow::Result<(u16, String)>,
    parse: impl Fn(u16, &str) -> Result<String, ReplyError>,
) -> ExitCode {
    let (status, body) = match sent {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match parse(status, &body) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code());
            if let ReplyError::NotJson { snippet, .. } = &e {
                eprintln!("  body starts: {}", snippet.replace('\n', " "));
            }
            ExitCode::FAILURE
        }
    }
}

/// Seals `payload` for `cmd` and posts it; returns the HTTP status and body.
pub async fn call_api<T: Serialize>(
    call: &CallArgs,
    cmd: Command,
    payload: &T,
) -> anyhow::Result<(u16, String)> {
    let keys: KeyRing = call.keys.load()?;
    let req = build_request(&call.agent_uid, keys.signing(), cmd.clone(), payload)
        .map_err(|e| anyhow!("{e}"))?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("mypay-edge-cli/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(call.timeout.max(1)))
        .danger_accept_invalid_certs(call.insecure)
        .build()
        .context("cannot build the HTTP client")?;
    let resp = client
        .post(&call.endpoint)
        .header(reqwest::header::CONTENT_TYPE, req.content_type)
        .body(req.body)
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
