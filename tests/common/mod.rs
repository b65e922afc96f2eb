//! Helpers shared by the integration tests: run the real binary, read its JSON.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub(crate) fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_ssetop")
}

pub(crate) fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures")
        .join(format!("{name}.ndjson"))
}

/// Runs ssetop with `args` and no stdin; never touches the network beyond what args ask.
pub(crate) fn run(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .env_remove("SSETOP_THEME")
        .stdin(Stdio::null())
        .output()
        .expect("ssetop runs")
}

pub(crate) fn code(output: &Output) -> i32 {
    output
        .status
        .code()
        .expect("ssetop exits with a code, not a signal")
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// `ssetop --once --replay <capture> --format json [extra]`: (exit code, report).
pub(crate) fn replay(name: &str, extra: &[&str]) -> (i32, Value) {
    let path = capture(name);
    let path = path.to_str().expect("utf-8 path");
    let mut args = vec!["--once", "--replay", path, "--format", "json"];
    args.extend_from_slice(extra);
    let output = run(&args);
    let report = json(&output);
    (code(&output), report)
}

pub(crate) fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks is an array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {:#}", report["checks"]))
}

pub(crate) fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["status"]
        .as_str()
        .expect("status is text")
}

/// The connection whose remote endpoint is `remote`.
pub(crate) fn connection<'a>(report: &'a Value, remote: &str) -> &'a Value {
    report["connections"]
        .as_array()
        .expect("connections is an array")
        .iter()
        .find(|c| c["remote"] == remote)
        .unwrap_or_else(|| panic!("no connection to {remote}"))
}

pub(crate) fn alert<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["alerts"]
        .as_array()
        .expect("alerts is an array")
        .iter()
        .find(|a| a["id"] == id)
}

pub(crate) fn events_of_kind<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["events"]
        .as_array()
        .expect("events is an array")
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

/// `ssetop --once --no-dns --format json --record FILE [extra]`: the live report.
/// A headless recording of this device for one second (`--no-dns`), at `interval`; its output.
pub(crate) fn record_headless(path: &Path, interval: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--record",
        path.to_str().unwrap(),
        "--duration",
        "1s",
        "--interval",
        interval,
        "--no-dns",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

pub(crate) fn record_once(path: &std::path::Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "--once",
        "--no-dns",
        "--format",
        "json",
        "--record",
        path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!([0, 1, 2].contains(&code(&out)), "{}", stderr(&out));
    json(&out)
}
