//! The scale harness (`scripts/scale.sh`) itself, at a tiny size: it builds its namespace,
//! measures ssetop and the OS's tools, prints every figure with a ratio, and leaves no namespace
//! or process behind. The budgets are checked by CI's own run of the script on the release
//! build (`.ci/run`); this test runs the debug build, whose ratios mean nothing.
//!
//! Needs root (network namespaces), iproute2, procps, jq and GNU time; without them it prints
//! `SKIPPED` and passes, and fails under SSETOP_REQUIRE_SCENARIOS=1.

use std::path::Path;
use std::process::Command;

fn skip_or_fail(reason: &str) {
    if std::env::var_os("SSETOP_REQUIRE_SCENARIOS").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("the scale harness cannot run ({reason}) and SSETOP_REQUIRE_SCENARIOS is set");
    }
    eprintln!("\n    SKIPPED scale harness: {reason}\n");
}

fn scale_namespaces() -> Vec<String> {
    let listed = Command::new("ip").args(["netns", "list"]).output();
    listed
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("ssetop-scale-"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_scale_harness_measures_every_figure_and_cleans_up() {
    if !nix_is_root() {
        return skip_or_fail("needs root for network namespaces");
    }
    for tool in ["ip", "ss", "ps", "jq", "/usr/bin/time", "pgrep"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return skip_or_fail(&format!("{tool} is not installed"));
        }
    }
    let ssetop = env!("CARGO_BIN_EXE_ssetop");
    // `cargo test` builds the examples beside the test binaries.
    let holder = Path::new(ssetop)
        .parent()
        .unwrap()
        .join("examples/scale_holder");
    assert!(holder.exists(), "{} was not built", holder.display());
    let before = scale_namespaces();
    let output = Command::new("scripts/scale.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SSETOP_BIN", ssetop)
        .env("SCALE_HOLDER", &holder)
        .env("ROUTES", "400")
        .env("CONNECTIONS", "60")
        .env("HOLDERS", "3")
        .env("IDLE", "10")
        .env("ROUNDS", "2")
        .env("TICKS", "2")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "scale.sh failed:\n{stdout}\n{stderr}"
    );
    let routes: usize = stdout
        .lines()
        .find_map(|l| l.strip_prefix("built in "))
        .and_then(|l| l.split(": ").nth(1))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no route count:\n{stdout}"));
    assert!(
        routes >= 400,
        "400 routes asked, {routes} listed:\n{stdout}"
    );
    assert!(
        stdout.contains("120 established TCP sockets"),
        "60 connections are 120 established sockets:\n{stdout}"
    );
    for figure in [
        "--once wall vs ss -tanp; ip route show table all; ps -e",
        "routes, first read, vs ip route show table all",
        "sockets with owners, first read, vs ss -tanp",
        "processes vs ps -e",
        "routes per tick, table unchanged, vs ip route show",
        "sockets with owners per tick, steady, vs ss -tanp",
        "recording CPU per s vs the floor",
        "--once peak RSS (MiB",
        "recording peak RSS (MiB",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(figure))
            .unwrap_or_else(|| panic!("no line for {figure:?}:\n{stdout}"));
        assert!(!line.contains("nan"), "{figure:?} was not measured: {line}");
    }
    let after = scale_namespaces();
    assert!(
        after.iter().all(|n| before.contains(n)),
        "scale.sh left a namespace behind: {after:?}"
    );
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
