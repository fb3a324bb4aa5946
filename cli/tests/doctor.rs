//! `mypay doctor` from outside: what it says of a Worker URL that cannot be
//! reached, that redirects or that answers an HTML page, and of a report URL
//! that acknowledges any report. (The checks against the real Worker in
//! workerd and the real sandbox are scripts/test-doctor.sh.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run_cli, BIN};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TOKEN: (&str, &str) = ("ADMIN_TOKEN", "a-token-of-sixteen-chars");

/// A plain HTTP server answering every request with `response`.
fn serve(response: &'static str) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut s) = stream else { continue };
            s.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let _ = s.write_all(response.as_bytes());
        }
    });
    url
}

fn closed_port_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

#[test]
fn doctor_needs_a_worker_and_a_token() {
    let (code, _, err) = run_cli(&["doctor"], "", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--worker"), "{err}");
    let (code, out, _) = run_cli(&["doctor", "--help"], "", &[]);
    assert_eq!(code, 0);
    for opt in ["--worker", "--admin-token", "--report-url", "--live"] {
        assert!(out.contains(opt), "{opt} in --help");
    }
}

#[test]
fn an_unreachable_worker_fails_and_nothing_passes() {
    let url = closed_port_url();
    let (code, out, _) = run_cli(
        &["doctor", "--worker", &url, "--timeout", "5"],
        "",
        &[TOKEN],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✘ worker: "), "{out}");
    assert!(out.contains("✘ report-url: "), "{out}");
    assert!(out.contains("    fix: check --worker"), "{out}");
    assert!(out.contains("2 failed, 0 warnings, 0 passed"), "{out}");
}

#[test]
fn redirects_fail_the_worker_and_the_report_url() {
    let url = serve(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://elsewhere.example/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let (code, out, _) = run_cli(&["doctor", "--worker", &url], "", &[TOKEN]);
    assert_eq!(code, 1, "{out}");
    let report = out
        .lines()
        .find(|l| l.starts_with("✘ report-url: "))
        .unwrap();
    assert!(
        report.contains("redirects (301 to https://elsewhere.example/)"),
        "{report}"
    );
    let worker = out.lines().find(|l| l.starts_with("✘ worker: ")).unwrap();
    assert!(worker.contains("redirects"), "{worker}");
}

#[test]
fn an_html_page_is_not_the_report_url() {
    let url = serve(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 15\r\nConnection: close\r\n\r\n<!doctype html>",
    );
    let (code, out, _) = run_cli(&["doctor", "--worker", &url], "", &[TOKEN]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("answers an HTML page (HTTP 200)"), "{out}");
}

struct Listener(Child);

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_report_url_that_acknowledges_any_report_fails() {
    // `mypay listen` answers 8888 to everything: not the Worker's notify.
    let mut child = Command::new(BIN)
        .args(["listen", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    // Keep reading what it prints (a closed pipe would stop it).
    std::thread::spawn(move || for _ in lines.lines() {});
    let _guard = Listener(child);
    let listen_url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let worker = closed_port_url();
    let (code, out, _) = run_cli(
        &[
            "doctor",
            "--worker",
            &worker,
            "--report-url",
            &listen_url,
            "--timeout",
            "5",
        ],
        "",
        &[TOKEN],
    );
    assert_eq!(code, 1, "{out}");
    let report = out
        .lines()
        .find(|l| l.starts_with("✘ report-url: "))
        .unwrap();
    assert!(
        report.contains("acknowledged (8888) a report for an order that does not exist"),
        "{report}"
    );
}

#[test]
fn the_admin_token_is_never_sent_in_clear_to_another_machine() {
    // 192.0.2.1 (TEST-NET-1) is never reached: the command refuses first.
    let (code, out, _) = run_cli(
        &[
            "doctor",
            "--worker",
            "http://192.0.2.1",
            "--report-url",
            &closed_port_url(),
            "--timeout",
            "5",
        ],
        "",
        &[TOKEN],
    );
    assert_eq!(code, 1, "{out}");
    let worker = out.lines().find(|l| l.starts_with("✘ worker: ")).unwrap();
    assert!(
        worker.contains("is not https: the admin token is not sent"),
        "{worker}"
    );
}
