//! The coexistence setups rebuilt on real kernel objects: each file in tests/scenarios/ is
//! built in Linux network namespaces (as root), ssetop runs inside, and its report must say
//! what the file expects. Without root (or `ip`, `dnsmasq`) each scenario prints
//! `SKIPPED scenario NAME: …` on stderr and passes; with SSETOP_REQUIRE_SCENARIOS set (CI) it
//! fails instead. See tests/scenarios/README.md.

mod harness;

use harness::spec::Scenario;

macro_rules! scenarios {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                harness::run($file);
            }
        )*
        const FILES: &[&str] = &[$($file),*];
    };
}

scenarios! {
    globalprotect_healthy => "globalprotect-healthy",
    globalprotect_no_exclusions => "globalprotect-no-exclusions",
    globalprotect_partial_exclusions => "globalprotect-partial-exclusions",
    zscaler_private => "zscaler-private",
    zscaler_internet => "zscaler-internet",
    zscaler_intercepts_edge_name => "zscaler-intercepts-edge-name",
    dns_down => "dns-down",
    dns_unroutable => "dns-unroutable",
    globalprotect_reconnect_outage => "globalprotect-reconnect-outage",
}

#[test]
fn every_scenario_file_has_a_test() {
    let mut listed: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
    listed.sort();
    assert_eq!(
        Scenario::all_names(),
        listed,
        "add a line to `scenarios!` in tests/scenarios.rs for each file in tests/scenarios/"
    );
}

/// Runs everywhere, root or not: the files are valid and consistent.
#[test]
fn every_scenario_file_is_valid() {
    for name in Scenario::all_names() {
        Scenario::load(&name).unwrap_or_else(|e| panic!("{e}"));
    }
}
