//! Every check's pass, warn, fail and skip, from small made-up devices.

use super::*;
use crate::analysis::fixture::{Device, profile_json, with_gsa};
use crate::analysis::{AnalysisOptions, assess_snapshot};
use crate::knowledge::Knowledge;
use crate::snapshot::{DnsStatus, Reading, Snapshot};

fn checks(snapshot: &Snapshot, setup: Option<SetupId>) -> Vec<Check> {
    let options = AnalysisOptions {
        setup,
        ..AnalysisOptions::default()
    };
    assess_snapshot(snapshot, &Knowledge::embedded(), &options).checks
}

fn find<'a>(checks: &'a [Check], id: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn status(snapshot: &Snapshot, setup: Option<SetupId>, id: &str) -> Status {
    find(&checks(snapshot, setup), id).status
}

const GSA_EDGE: &str = "150.171.19.10:443";
const RANGES: [&str; 8] = [
    "150.171.19.0/24",
    "150.171.20.0/24",
    "13.107.232.0/24",
    "13.107.233.0/24",
    "150.171.15.0/24",
    "150.171.18.0/24",
    "151.206.0.0/16",
    "6.6.0.0/16",
];

fn globalprotect(exclusions: &[&str]) -> Device {
    let mut d = with_gsa(Device::windows().pangp())
        .process(4200, "PanGPS.exe")
        .route("0.0.0.0/0", "Ethernet 3", Some("10.200.0.1"), 1)
        .tcp(GSA_EDGE, Some(4100));
    for range in exclusions {
        d = d.route(range, "Ethernet", Some("192.168.1.1"), 1);
    }
    d
}

#[test]
fn client_checks_from_absent_to_connected() {
    let nothing = Device::windows().build();
    let c = checks(&nothing, None);
    assert_eq!(find(&c, "client:gsa").status, Status::Fail);
    assert_eq!(find(&c, "client:zscaler").status, Status::Skip);
    assert_eq!(find(&c, "client:globalprotect").status, Status::Skip);
    // GSA services without the tunneling service: fail, naming it.
    let no_tunnel = Device::windows()
        .process(4101, "GlobalSecureAccessEngineService.exe")
        .build();
    let gsa = find(&checks(&no_tunnel, None), "client:gsa").clone();
    assert_eq!(gsa.status, Status::Fail);
    assert!(
        gsa.remedy
            .unwrap()
            .contains("GlobalSecureAccessTunnelingService")
    );
    // Running without a tunnel connection: warn. Connected: pass.
    let running = with_gsa(Device::windows()).build();
    assert_eq!(status(&running, None, "client:gsa"), Status::Warn);
    let connected = with_gsa(Device::windows())
        .tcp(GSA_EDGE, Some(4100))
        .build();
    assert_eq!(status(&connected, None, "client:gsa"), Status::Pass);
    // The other vendor expected by --setup but absent: fail.
    assert_eq!(
        status(
            &connected,
            Some(SetupId::GlobalProtect),
            "client:globalprotect"
        ),
        Status::Fail
    );
    // Installed (services) but not running: stopped.
    let stopped = Device::windows()
        .settings(|s| {
            s.services = Reading::Value(vec![crate::snapshot::ServiceState {
                name: "PanGPS".into(),
                state: "stopped".into(),
                pid: None,
                kind: None,
                start_type: None,
                detail: None,
            }])
        })
        .build();
    let c = checks(&stopped, Some(SetupId::GlobalProtect));
    assert_eq!(find(&c, "client:globalprotect").status, Status::Fail);
    assert!(
        find(&c, "client:globalprotect")
            .summary
            .contains("not running")
    );
}

#[test]
fn a_running_client_whose_tunnel_may_hide_among_ownerless_sockets_is_not_called_down() {
    // Every socket has its owner: the tunnel is not up.
    let seen = Device::windows()
        .process(4300, "ZSATunnel.exe")
        .process(5000, "firefox.exe")
        .tcp("203.0.113.80:443", Some(5000))
        .build();
    let zscaler = find(&checks(&seen, None), "client:zscaler").clone();
    assert_eq!(zscaler.status, Status::Warn);
    assert!(
        zscaler.summary.contains("tunnel is not up"),
        "{}",
        zscaler.summary
    );
    // A socket without an owner may be its tunnel: say what is seen, and why.
    let hidden = Device::windows()
        .process(4300, "ZSATunnel.exe")
        .tcp("198.51.100.20:443", None)
        .build();
    let zscaler = find(&checks(&hidden, None), "client:zscaler").clone();
    assert_eq!(zscaler.status, Status::Warn);
    assert!(
        zscaler
            .summary
            .contains("no tunnel connection of its is seen"),
        "{}",
        zscaler.summary
    );
    assert!(
        zscaler
            .evidence
            .iter()
            .any(|e| e.contains("1 socket(s) have no visible owner")),
        "{:?}",
        zscaler.evidence
    );
}

#[test]
fn bypass_routes_pass_with_exclusions_and_fail_naming_the_route_without() {
    let healthy = globalprotect(&RANGES).build();
    let c = checks(&healthy, None);
    for range in RANGES {
        let check = find(&c, &format!("bypass-route:{range}"));
        assert_eq!(check.status, Status::Pass, "{check:?}");
        assert!(check.summary.contains("Ethernet"));
    }
    let broken = globalprotect(&[]).build();
    let c = checks(&broken, None);
    for range in RANGES {
        let check = find(&c, &format!("bypass-route:{range}"));
        assert_eq!(check.status, Status::Fail);
        assert!(
            check
                .summary
                .contains("0.0.0.0/0 via 10.200.0.1 dev Ethernet 3"),
            "{}",
            check.summary
        );
        assert!(
            check
                .remedy
                .as_ref()
                .unwrap()
                .contains("Strata Cloud Manager")
        );
    }
}

#[test]
fn bypass_route_fails_when_only_part_of_a_range_is_excluded() {
    // Half of 150.171.19.0/24 excluded: the other half still goes into the tunnel.
    let partial = globalprotect(&["150.171.19.0/25"]).build();
    let check = find(&checks(&partial, None), "bypass-route:150.171.19.0/24").clone();
    assert_eq!(check.status, Status::Fail);
    assert!(
        check
            .summary
            .contains("part of 150.171.19.0/24 (from 150.171.19.128/25)"),
        "{}",
        check.summary
    );
    assert!(
        check
            .evidence
            .iter()
            .any(|e| e.starts_with("150.171.19.0/25: route 150.171.19.0/25"))
    );
}

#[test]
fn bypass_route_fails_when_a_range_is_dropped_and_skips_without_routes() {
    let dropped = Device::windows()
        .route_kind(
            "6.6.0.0/16",
            "Ethernet",
            crate::snapshot::RouteKind::Blackhole,
        )
        .build();
    assert_eq!(
        status(&dropped, None, "bypass-route:6.6.0.0/16"),
        Status::Fail
    );
    let blind = Device::windows().without_routes().build();
    let check = find(&checks(&blind, None), "bypass-route:6.6.0.0/16").clone();
    assert_eq!(check.status, Status::Skip);
    assert!(check.summary.contains("routes unavailable"));
}

#[test]
fn edge_dns_judges_each_answer() {
    let name = "m365.edgediagnostic.globalsecureaccess.microsoft.com";
    let id = format!("edge-dns:{name}");
    let answer = |status: DnsStatus, addresses: &[&str]| {
        Device::windows().dns(name, status, addresses).build()
    };
    assert_eq!(
        status(&answer(DnsStatus::Resolved, &["150.171.19.2"]), None, &id),
        Status::Pass
    );
    // Outside GSA's ranges: warn.
    assert_eq!(
        status(&answer(DnsStatus::Resolved, &["20.1.1.1"]), None, &id),
        Status::Warn
    );
    // In ZPA's synthetic range: intercepted by Zscaler.
    let intercepted = find(
        &checks(&answer(DnsStatus::Resolved, &["100.64.0.9"]), None),
        &id,
    )
    .clone();
    assert_eq!(intercepted.status, Status::Fail);
    assert!(intercepted.summary.contains("intercepted"));
    // Does not resolve: fail for a required name, warn for a newer optional one.
    for s in [
        DnsStatus::Nxdomain,
        DnsStatus::Timeout,
        DnsStatus::Refused,
        DnsStatus::Error,
    ] {
        assert_eq!(status(&answer(s, &[]), None, &id), Status::Fail, "{s:?}");
    }
    let optional = Device::windows()
        .dns(
            "auth.edgediagnostic.globalsecureaccess.microsoft.com",
            DnsStatus::Nxdomain,
            &[],
        )
        .build();
    assert_eq!(
        status(
            &optional,
            None,
            "edge-dns:auth.edgediagnostic.globalsecureaccess.microsoft.com"
        ),
        Status::Warn
    );
    // An answer that leaves through GlobalProtect's adapter: fail.
    let through = globalprotect(&[])
        .dns(name, DnsStatus::Resolved, &["150.171.19.2"])
        .build();
    let check = find(&checks(&through, None), &id).clone();
    assert_eq!(check.status, Status::Fail);
    assert!(check.summary.contains("Ethernet 3"), "{}", check.summary);
}

#[test]
fn gsa_tunnel_check() {
    assert_eq!(
        status(&Device::windows().build(), None, "gsa-tunnel"),
        Status::Skip
    );
    assert_eq!(
        status(&with_gsa(Device::windows()).build(), None, "gsa-tunnel"),
        Status::Warn
    );
    let up = with_gsa(Device::windows())
        .tcp(GSA_EDGE, Some(4100))
        .build();
    assert_eq!(status(&up, None, "gsa-tunnel"), Status::Pass);
    // Owners hidden: the edge connection counts, a flow to a synthetic address does not.
    let hidden = with_gsa(Device::windows())
        .tcp(GSA_EDGE, None)
        .tcp("6.6.0.10:443", None)
        .build();
    let check = find(&checks(&hidden, None), "gsa-tunnel").clone();
    assert_eq!(check.status, Status::Pass);
    assert!(
        check.summary.starts_with("1 tunnel connection(s)"),
        "{}",
        check.summary
    );
    let inside = globalprotect(&[]).build();
    let check = find(&checks(&inside, None), "gsa-tunnel").clone();
    assert_eq!(check.status, Status::Fail);
    assert!(check.summary.contains("inside GlobalProtect's tunnel"));
}

#[test]
fn forwarding_profile_check() {
    let skip = Device::new("linux").build();
    assert_eq!(status(&skip, None, "forwarding-profile"), Status::Skip);
    let missing = with_gsa(Device::windows())
        .settings(|s| s.forwarding_profile = Reading::Missing("no value".into()))
        .build();
    assert_eq!(status(&missing, None, "forwarding-profile"), Status::Fail);
    let denied = Device::windows()
        .settings(|s| s.forwarding_profile = Reading::Unavailable("access denied".into()))
        .build();
    assert_eq!(status(&denied, None, "forwarding-profile"), Status::Warn);
    let broken = Device::windows().profile("{\"policy\": ").build();
    let check = find(&checks(&broken, None), "forwarding-profile").clone();
    assert_eq!(check.status, Status::Fail);
    assert!(check.summary.contains("line 1"));
    let none_enabled = Device::windows()
        .profile(&profile_json(&[("m365", false)], ""))
        .build();
    assert_eq!(
        status(&none_enabled, None, "forwarding-profile"),
        Status::Fail
    );
    let m365 = profile_json(&[("m365", true), ("internet", false)], "");
    let good = Device::windows().profile(&m365).build();
    assert_eq!(
        status(&good, Some(SetupId::GlobalProtect), "forwarding-profile"),
        Status::Pass
    );
    // zscaler-private needs Internet Access on.
    let check = find(
        &checks(&good, Some(SetupId::ZscalerPrivate)),
        "forwarding-profile",
    )
    .clone();
    assert_eq!(check.status, Status::Warn);
    assert!(
        check.summary.contains("internet is off"),
        "{}",
        check.summary
    );
}

#[test]
fn ipv4_preference_check() {
    let with = |reading: Reading<u32>| {
        Device::windows()
            .settings(move |s| s.ipv6_disabled_components = reading)
            .build()
    };
    assert_eq!(
        status(&with(Reading::Value(0x20)), None, "ipv4-preference"),
        Status::Pass
    );
    assert_eq!(
        status(&with(Reading::Value(0)), None, "ipv4-preference"),
        Status::Warn
    );
    assert_eq!(
        status(
            &with(Reading::Missing("unset".into())),
            None,
            "ipv4-preference"
        ),
        Status::Warn
    );
    assert_eq!(
        status(
            &with(Reading::NotApplicable("linux".into())),
            None,
            "ipv4-preference"
        ),
        Status::Skip
    );
}

#[test]
fn setup_check_warns_when_both_other_clients_run() {
    let both = Device::windows()
        .process(4200, "PanGPS.exe")
        .process(4300, "ZSATunnel.exe")
        .build();
    assert_eq!(status(&both, None, "setup"), Status::Warn);
    assert_eq!(
        status(&Device::windows().build(), None, "setup"),
        Status::Pass
    );
}
