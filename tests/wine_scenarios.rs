//! The Windows build, installed from its MSI under Wine, plays the scenario files that have a
//! `[wine]` table: the same network built in Linux network namespaces, the same stand-ins as
//! Windows programs and services, the table's registry values and services, and the same
//! expectations with `[wine.expect]` laid over them (see tests/scenarios/README.md).
//!
//! Needs root, wine64, mingw-w64 and the MSI in `SSETOP_WINE_MSI` (`.ci/run` builds it first);
//! without them each test prints `SKIPPED scenario NAME: …` on stderr and passes, and with
//! SSETOP_REQUIRE_SCENARIOS set (CI) fails instead. Linux only: Wine runs there.
#![cfg(target_os = "linux")]

mod harness;

use harness::spec::Scenario;

macro_rules! wine_scenarios {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                harness::run_wine($file, |_| Vec::new());
            }
        )*
        const FILES: &[&str] = &[$($file),*];
    };
}

wine_scenarios! {
    globalprotect_healthy_on_windows => "globalprotect-healthy",
    globalprotect_no_exclusions_on_windows => "globalprotect-no-exclusions",
    zscaler_private_on_windows => "zscaler-private",
    windows_gsa_health_rows => "windows-gsa-health-rows",
}

/// GSA installed on a device that is not joined, with its tunnel service and driver stopped,
/// no forwarding profile, a WinHTTP proxy in its way and DoH forced on; then the MSI's own
/// promises: `ssetop` found through the PATH entry it adds, and an uninstall that removes the
/// program and the entry.
#[test]
fn windows_gsa_broken_host_and_the_msi_path_entry_and_uninstall() {
    harness::run_wine("windows-gsa-broken-host", |runner| {
        let mut wrong = Vec::new();
        match runner.version_through_path() {
            Ok(out) if out.starts_with("ssetop ") => {}
            Ok(out) => wrong.push(format!("`ssetop --version` through PATH printed {out:?}")),
            Err(e) => wrong.push(format!("`ssetop` is not found through PATH: {e}")),
        }
        match runner.uninstall() {
            Ok((false, false)) => {}
            Ok((exe, path)) => wrong.push(format!(
                "after the uninstall: ssetop.exe left {exe}, PATH entry left {path}"
            )),
            Err(e) => wrong.push(format!("the uninstall failed: {e}")),
        }
        wrong
    });
}

#[test]
fn every_scenario_file_with_a_wine_table_has_a_test() {
    let mut with_wine: Vec<String> = Scenario::all_names()
        .into_iter()
        .filter(|name| {
            Scenario::load(name)
                .map(|s| s.wine.is_some())
                .unwrap_or(false)
        })
        .collect();
    with_wine.sort();
    let mut listed: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
    listed.push("windows-gsa-broken-host".into());
    listed.sort();
    assert_eq!(
        with_wine, listed,
        "add a line to `wine_scenarios!` in tests/wine_scenarios.rs for each file with [wine]"
    );
}
