// The native `mypay` command (included by main.rs on non-wasm targets).

mod client;
mod doctor;
mod keys;
mod listen;
mod sandbox;
mod tools;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// The MYPAY LINK agent API (voucher mode) from the command line.
#[derive(Parser, Debug)]
#[command(name = "mypay", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a local MYPAY LINK (agent API, payment page, callbacks) for development and tests.
    Sandbox(Box<sandbox::SandboxArgs>),
    /// Encrypt stdin (plaintext JSON) into a MYPAY envelope field on stdout.
    Encrypt {
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
    /// Decrypt an envelope field, or a whole captured body
    /// (`agent_uid=…&service=…&encry_data=…` or its JSON form), from stdin.
    Decrypt {
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
    /// Check an order (or with --refund a refund) JSON file against the API text's rules.
    Validate {
        /// The JSON file to check.
        file: PathBuf,
        /// The file is a refund request (『交易退款-折價券模式』).
        #[arg(long)]
        refund: bool,
        /// Print the problems as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Receive reports (callbacks) on a local URL, print them, answer `8888`.
    Listen(listen::ListenArgs),
    /// Check a deployed Worker (or `make dev`) before going live: MYPAY host, ids, key,
    /// User-Agent, report URL, CORS, D1 migrations, cron, key age. Exit 0 when nothing failed.
    Doctor(doctor::DoctorArgs),
    /// Call the agent API: create, query or refund an order.
    Order {
        #[command(subcommand)]
        action: client::OrderAction,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sandbox(args) => {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return fail(&format!("cannot start the runtime: {e}")),
            };
            match rt.block_on(sandbox::run(*args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!("{e:#}")),
            }
        }
        Command::Listen(args) => {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return fail(&format!("cannot start the runtime: {e}")),
            };
            report(rt.block_on(listen::run(args)))
        }
        Command::Encrypt { keys } => report(keys.load().and_then(|k| tools::encrypt_stdin(&k))),
        Command::Decrypt { keys } => report(keys.load().and_then(|k| tools::decrypt_stdin(&k))),
        Command::Validate { file, refund, json } => tools::validate_file(&file, refund, json),
        Command::Doctor(args) => {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return fail(&format!("cannot start the runtime: {e}")),
            };
            rt.block_on(doctor::run(args))
        }
        Command::Order { action } => {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return fail(&format!("cannot start the runtime: {e}")),
            };
            rt.block_on(client::run(action))
        }
    }
}

fn report(r: anyhow::Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{e:#}")),
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}
