//! Hand-written captures (tests/captures, made by generate.py) replayed through the real binary:
//! setups, attribution, checks, the timeline and the alerts at given capture times. No test
//! sleeps: time comes from the captures.

mod common;

use common::*;
use serde_json::Value;

fn carrier(report: &Value, remote: &str) -> (String, Option<String>, String) {
    let c = connection(report, remote);
    (
        c["carrier"].as_str().unwrap().to_string(),
        c["channel"].as_str().map(str::to_string),
        c["confidence"].as_str().unwrap().to_string(),
    )
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn globalprotect_healthy_passes_and_attributes_each_tunnel() {
    let (code, r) = replay("globalprotect-healthy", &[]);
    assert_eq!(code, 0, "{:#}", r["checks"]);
    assert_eq!(r["setup"]["id"], "globalprotect");
    assert_eq!(r["setup"]["source"], "detected");
    // GSA's own tunnel, by its owner process; the edge name tells the channel.
    assert_eq!(
        carrier(&r, "150.171.19.10:443"),
        (s("gsa"), Some(s("m365")), s("certain"))
    );
    assert_eq!(
        connection(&r, "150.171.19.10:443")["remote_name"],
        "6b1e4f0a-1111-2222-3333-444455556666.m365.client.globalsecureaccess.microsoft.com"
    );
    // Exchange Online by the forwarding profile's rule.
    assert_eq!(
        carrier(&r, "52.96.10.10:443"),
        (s("gsa"), Some(s("m365")), s("likely"))
    );
    // Everything else by the route through the PANGP adapter.
    assert_eq!(
        carrier(&r, "142.250.1.1:443"),
        (s("globalprotect"), None, s("likely"))
    );
    assert_eq!(connection(&r, "142.250.1.1:443")["interface"], "Ethernet 3");
    // GlobalProtect's own tunnel by PanGPS.
    assert_eq!(
        carrier(&r, "203.0.113.10:443"),
        (s("globalprotect"), None, s("certain"))
    );
    for range in ["150.171.19.0/24", "151.206.0.0/16", "6.6.0.0/16"] {
        assert_eq!(status(&r, &format!("bypass-route:{range}")), "pass");
    }
    let gp = r["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["vendor"] == "globalprotect")
        .unwrap();
    assert_eq!(gp["state"], "connected");
    assert_eq!(gp["adapters"][0], "Ethernet 3");
}

#[test]
fn zscaler_private_healthy_carries_private_apps_by_zpa() {
    let (code, r) = replay("zscaler-private-healthy", &[]);
    assert_eq!(code, 0, "{:#}", r["checks"]);
    assert_eq!(r["setup"]["id"], "zscaler-private");
    assert_eq!(
        carrier(&r, "100.64.1.5:22"),
        (s("zscaler"), Some(s("zpa")), s("certain"))
    );
    assert_eq!(
        carrier(&r, "165.225.1.1:443"),
        (s("zscaler"), None, s("certain"))
    );
    // GSA Internet Access carries the rest by the profile's catch-all rule.
    assert_eq!(
        carrier(&r, "142.250.1.1:443"),
        (s("gsa"), Some(s("internet")), s("likely"))
    );
}

#[test]
fn zscaler_internet_healthy_sees_the_local_proxy_as_zia() {
    let (code, r) = replay("zscaler-internet-healthy", &[]);
    assert_eq!(code, 0, "{:#}", r["checks"]);
    assert_eq!(r["setup"]["id"], "zscaler-internet");
    assert_eq!(
        carrier(&r, "127.0.0.1:9000"),
        (s("zscaler"), Some(s("zia")), s("certain"))
    );
    assert_eq!(check(&r, "forwarding-profile")["status"], "pass");
}

#[test]
fn globalprotect_without_exclusions_fails_every_range_naming_the_adapter() {
    let (code, r) = replay("globalprotect-no-exclusions", &[]);
    assert_eq!(code, 2);
    for range in [
        "150.171.19.0/24",
        "150.171.20.0/24",
        "13.107.232.0/24",
        "13.107.233.0/24",
        "150.171.15.0/24",
        "150.171.18.0/24",
        "151.206.0.0/16",
        "6.6.0.0/16",
    ] {
        let c = check(&r, &format!("bypass-route:{range}"));
        assert_eq!(c["status"], "fail", "{c}");
        let summary = c["summary"].as_str().unwrap();
        assert!(summary.contains("Ethernet 3"), "{summary}");
        assert!(summary.contains("GlobalProtect"), "{summary}");
        assert!(c["remedy"].as_str().unwrap().contains("Split Tunneling"));
    }
    // GSA's tunnel itself runs inside GlobalProtect's.
    let tunnel = check(&r, "gsa-tunnel");
    assert_eq!(tunnel["status"], "fail");
    assert!(tunnel["summary"].as_str().unwrap().contains("inside"));
    assert_eq!(
        status(
            &r,
            "edge-dns:m365.edgediagnostic.globalsecureaccess.microsoft.com"
        ),
        "fail"
    );
}

#[test]
fn zscaler_intercepting_an_edge_name_fails_that_name_only() {
    let (code, r) = replay("zscaler-intercepts-edge-name", &[]);
    assert_eq!(code, 2);
    let c = check(
        &r,
        "edge-dns:m365.edgediagnostic.globalsecureaccess.microsoft.com",
    );
    assert_eq!(c["status"], "fail");
    assert!(
        c["summary"].as_str().unwrap().contains("intercepted"),
        "{c}"
    );
    assert_eq!(
        status(
            &r,
            "edge-dns:internet.edgediagnostic.globalsecureaccess.microsoft.com"
        ),
        "pass"
    );
}

#[test]
fn outage_is_raised_when_gsa_drops_after_globalprotect_comes_up() {
    // GlobalProtect up at +60 s, GSA's tunnel gone at +70 s.
    let (_, before) = replay("outage-heals", &["--at", "+69s"]);
    assert!(alert(&before, "globalprotect-reconnect-outage").is_none());
    let (code, r) = replay("outage-heals", &["--at", "+70s"]);
    assert_eq!(code, 1);
    let a = alert(&r, "globalprotect-reconnect-outage").expect("raised");
    assert_eq!(a["severity"], "warn");
    assert_eq!(a["since"], "2026-11-02T09:01:10Z");
    assert_eq!(a["globalprotect_up_at"], "2026-11-02T09:01:00Z");
    assert_eq!(a["disconnected_secs"], 0);
    let summary = a["summary"].as_str().unwrap();
    assert!(
        summary.contains("known GlobalProtect coexistence behaviour"),
        "{summary}"
    );
    assert!(summary.contains("09:01:00"), "{summary}");
    assert!(alert(&r, "gsa-tunnel-lost").is_none());
}

#[test]
fn outage_figure_runs_and_alert_closes_with_its_duration() {
    let (_, r) = replay("outage-heals", &["--at", "+200s"]);
    let a = alert(&r, "globalprotect-reconnect-outage").expect("still open");
    assert_eq!(a["disconnected_secs"], 130);
    assert_eq!(a["severity"], "warn");
    assert!(a["summary"].as_str().unwrap().contains("2m 10s"));
    // Back at +230 s: closed, 2 min 40 s on the timeline.
    let (code, end) = replay("outage-heals", &[]);
    assert_eq!(code, 0, "{:#}", end["alerts"]);
    assert!(end["alerts"].as_array().unwrap().is_empty());
    let closed = events_of_kind(&end, "alert_closed");
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["at"], "2026-11-02T09:03:50Z");
    assert!(
        closed[0]["text"].as_str().unwrap().contains("2m 40s"),
        "{}",
        closed[0]
    );
    // The timeline tells the story in order.
    let kinds: Vec<&str> = end["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    let position = |k: &str| kinds.iter().position(|x| *x == k).unwrap();
    assert!(position("interface_up") < position("tunnel_lost"));
    assert!(position("tunnel_lost") < position("alert_raised"));
    assert!(position("alert_raised") < position("alert_closed"));
    let gp_started = events_of_kind(&end, "process_started");
    assert!(
        gp_started
            .iter()
            .any(|e| e["text"].as_str().unwrap().contains("PanGPS"))
    );
}

#[test]
fn outage_escalates_to_fail_after_the_threshold() {
    // Dropped at +70 s; 5 minutes later is +370 s.
    let (code, r) = replay("outage-no-heal", &["--at", "+360s"]);
    assert_eq!(code, 1);
    assert_eq!(
        alert(&r, "globalprotect-reconnect-outage").unwrap()["severity"],
        "warn"
    );
    let (code, r) = replay("outage-no-heal", &["--at", "+370s"]);
    assert_eq!(code, 2);
    let a = alert(&r, "globalprotect-reconnect-outage").unwrap();
    assert_eq!(a["severity"], "fail");
    assert_eq!(a["disconnected_secs"], 300);
    assert_eq!(events_of_kind(&r, "alert_escalated").len(), 1);
    // A shorter threshold escalates sooner.
    let (_, r) = replay(
        "outage-no-heal",
        &["--at", "+130s", "--outage-threshold", "1m"],
    );
    assert_eq!(
        alert(&r, "globalprotect-reconnect-outage").unwrap()["severity"],
        "fail"
    );
}

#[test]
fn gsa_drop_without_globalprotect_is_a_different_alert() {
    let (code, r) = replay("gsa-drop-without-globalprotect", &["--at", "+50s"]);
    assert_eq!(code, 1);
    assert!(alert(&r, "globalprotect-reconnect-outage").is_none());
    let a = alert(&r, "gsa-tunnel-lost").expect("raised");
    assert!(
        a["summary"]
            .as_str()
            .unwrap()
            .contains("no GlobalProtect event")
    );
    let (_, end) = replay("gsa-drop-without-globalprotect", &[]);
    let closed = events_of_kind(&end, "alert_closed");
    assert!(
        closed[0]["text"].as_str().unwrap().contains("40s"),
        "{}",
        closed[0]
    );
}

#[test]
fn a_drop_outside_the_window_is_not_the_outage() {
    // The same story with a 5-second window: the drop at +70 s is 10 s after GlobalProtect.
    let (_, r) = replay("outage-heals", &["--at", "+100s", "--outage-window", "5s"]);
    assert!(alert(&r, "globalprotect-reconnect-outage").is_none());
    assert!(alert(&r, "gsa-tunnel-lost").is_some());
}

#[test]
fn once_judges_the_outage_from_process_start_times() {
    // One snapshot: PanGPS started 95 s ago, GSA runs without a tunnel.
    let (code, r) = replay("once-outage-young", &[]);
    assert_eq!(code, 1);
    let a = alert(&r, "globalprotect-reconnect-outage").expect("raised from one snapshot");
    assert_eq!(a["severity"], "warn");
    assert_eq!(a["disconnected_secs"], 95);
    assert!(a["summary"].as_str().unwrap().contains("at least 1m 35s"));
    // Started 7 minutes ago: older than the threshold.
    let (code, r) = replay("once-outage-old", &[]);
    assert_eq!(code, 2);
    assert_eq!(
        alert(&r, "globalprotect-reconnect-outage").unwrap()["severity"],
        "fail"
    );
}

#[test]
fn at_before_the_capture_and_a_bad_at_exit_3() {
    let path = capture("outage-heals");
    let out = run(&[
        "--once",
        "--replay",
        path.to_str().unwrap(),
        "--at",
        "2020-01-01T00:00:00Z",
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("starts later"));
    let out = run(&[
        "--once",
        "--replay",
        path.to_str().unwrap(),
        "--at",
        "yesterday",
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("yesterday"));
}

#[test]
fn replay_reports_say_they_are_replays() {
    let (_, r) = replay("globalprotect-healthy", &[]);
    assert!(
        r["replay"]["capture"]
            .as_str()
            .unwrap()
            .ends_with("globalprotect-healthy.ndjson")
    );
    assert_eq!(r["replay"]["snapshots"], 2);
    assert_eq!(r["generated_at"], "2026-11-02T09:00:10Z");
}
