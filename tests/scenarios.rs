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
    dns_short_deadline => "dns-short-deadline",
    globalprotect_reconnect_outage => "globalprotect-reconnect-outage",
    gsa_profile_real_shape => "gsa-profile-real-shape",
    flow_test_globalprotect => "flow-test-globalprotect",
    flow_test_globalprotect_wrong => "flow-test-globalprotect-wrong",
    flow_test_globalprotect_m365_missing => "flow-test-globalprotect-m365-missing",
    flow_test_ila_private_access => "flow-test-ila-private-access",
    probe_globalprotect => "probe-globalprotect",
    probe_zscaler_takes_diagnostic => "probe-zscaler-takes-diagnostic",
}

#[test]
fn every_scenario_file_has_a_test() {
    let mut listed: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
    listed.sort();
    let on_linux: Vec<String> = Scenario::all_names()
        .into_iter()
        .filter(|name| Scenario::load(name).is_ok_and(|s| s.on_linux()))
        .collect();
    assert_eq!(
        on_linux, listed,
        "add a line to `scenarios!` in tests/scenarios.rs for each file in tests/scenarios/ \
         (those with [wine] only = true are played by tests/wine_scenarios.rs)"
    );
}

/// Runs everywhere, root or not: the files are valid and consistent.
#[test]
fn every_scenario_file_is_valid() {
    for name in Scenario::all_names() {
        Scenario::load(&name).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The harness catches a wrong verdict: with a knowledge file whose GlobalProtect adapter
/// pattern no longer matches `gpd0`, ssetop misses that GSA's ranges go into GlobalProtect's
/// tunnel, and the no-exclusions scenario must report exactly that difference.
#[test]
fn a_wrong_verdict_fails_the_scenario() {
    let dump = std::process::Command::new(env!("CARGO_BIN_EXE_ssetop"))
        .arg("--dump-knowledge")
        .output()
        .expect("ssetop --dump-knowledge runs");
    let knowledge = String::from_utf8(dump.stdout).expect("the knowledge base is UTF-8");
    assert!(
        knowledge.contains("pattern = \"gpd*\""),
        "the knowledge base recognises gpd0 by the pattern gpd*"
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let broken = dir.path().join("broken-knowledge.toml");
    std::fs::write(
        &broken,
        knowledge.replace("pattern = \"gpd*\"", "pattern = \"gpx*\""),
    )
    .expect("the broken knowledge file is written");
    let extra = [
        "--knowledge".to_string(),
        broken.to_str().expect("a UTF-8 path").to_string(),
    ];
    let Some(played) = harness::play_named(
        "globalprotect-no-exclusions",
        "globalprotect-no-exclusions-broken-knowledge",
        &extra,
    ) else {
        return;
    };
    let played = played.expect("the scenario is played");
    let said = played.wrong.join("\n");
    for expected in [
        "report: exit code 0 (expected 2)",
        "report: check bypass-route:150.171.19.0/24 is pass (expected fail)",
        "report: check gsa-tunnel is pass (expected fail)",
    ] {
        assert!(
            said.contains(expected),
            "the harness should report {expected:?}; it reported:\n{said}"
        );
    }
}
