//! Helpers the checks' tests share: the whole analysis of a small device, and settings
//! readings for the Windows host checks.

// What the checks' tests use, imported once for all of them (`use testing::*`).
pub(super) use crate::analysis::facts::Facts;
pub(super) use crate::analysis::fixture::{Device, profile_json, with_gsa};
use crate::analysis::{AnalysisOptions, assess_snapshot};
pub(super) use crate::assessment::{Check, Status};
pub(super) use crate::knowledge::{Knowledge, Os, SetupId};
pub(super) use crate::snapshot::{
    Host, PolicyValue, Reading, Section, ServiceState, Settings, Snapshot,
};

pub(super) fn checks(snapshot: &Snapshot, setup: Option<SetupId>) -> Vec<Check> {
    let options = AnalysisOptions {
        setup,
        ..AnalysisOptions::default()
    };
    assess_snapshot(snapshot, &Knowledge::embedded(), &options).checks
}

pub(super) fn find<'c>(checks: &'c [Check], id: &str) -> &'c Check {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id} in {checks:#?}"))
}

pub(super) fn status(snapshot: &Snapshot, setup: Option<SetupId>, id: &str) -> Status {
    find(&checks(snapshot, setup), id).status
}

pub(super) const GSA_EDGE: &str = "150.171.19.10:443";

pub(super) const RANGES: [&str; 8] = [
    "150.171.19.0/24",
    "150.171.20.0/24",
    "13.107.232.0/24",
    "13.107.233.0/24",
    "150.171.15.0/24",
    "150.171.18.0/24",
    "151.206.0.0/16",
    "6.6.0.0/16",
];

pub(super) fn globalprotect(exclusions: &[&str]) -> Device {
    let mut d = with_gsa(Device::windows().pangp())
        .process(4200, "PanGPS.exe")
        .route("0.0.0.0/0", "Ethernet 3", Some("10.200.0.1"), 1)
        .tcp(GSA_EDGE, Some(4100));
    for range in exclusions {
        d = d.route(range, "Ethernet", Some("192.168.1.1"), 1);
    }
    d
}

pub(super) fn snapshot(os: &str, settings: Settings) -> Snapshot {
    let at: jiff::Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
    Snapshot {
        taken_at: at,
        host: Host {
            name: "pc".into(),
            os: os.into(),
            os_version: None,
            elevated: true,
        },
        routes: Section::skipped("not read in this test"),
        interfaces: Section::skipped("not read in this test"),
        sockets: Section::skipped("not read in this test"),
        processes: Section::ok(Vec::new(), at, 0),
        dns: Section::skipped("not read in this test"),
        settings: Section::ok(settings, at, 0),
        probes: crate::snapshot::not_probed(),
        vendor_reports: Section::skipped("not read in this test"),
    }
}

/// The Windows host checks alone, as the analysis runs them.
pub(super) fn host_checks(snapshot: &Snapshot, setup: SetupId) -> Vec<Check> {
    let knowledge = Knowledge::embedded();
    let facts = Facts::new(snapshot, &knowledge);
    super::windows_host_checks(&facts, setup)
}

pub(super) fn service(name: &str, state: &str) -> ServiceState {
    ServiceState {
        name: name.into(),
        state: state.into(),
        pid: (state == "running").then_some(100),
        kind: Some(
            if name.ends_with("Driver") {
                "driver"
            } else {
                "service"
            }
            .into(),
        ),
        start_type: Some("auto".into()),
        detail: None,
    }
}

pub(super) fn gsa_services(driver_state: &str) -> Vec<ServiceState> {
    vec![
        service("GlobalSecureAccessTunnelingService", "running"),
        service("GlobalSecureAccessManagementService", "running"),
        service("GlobalSecureAccessForwardingProfileService", "running"),
        service("GlobalSecureAccessClientManagerService", "stopped"),
        service("GlobalSecureAccessDriver", driver_state),
    ]
}

pub(super) fn policy(scope: &str, name: &str, value: &str) -> PolicyValue {
    PolicyValue {
        scope: scope.into(),
        name: name.into(),
        value: value.into(),
        origin: None,
    }
}

pub(super) fn with(f: impl FnOnce(&mut Settings)) -> Settings {
    let mut settings = Settings::default();
    f(&mut settings);
    settings
}
