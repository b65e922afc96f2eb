//! The analysis: a pure function of (snapshot, knowledge, history) to an [`Assessment`].
//! It takes time from the snapshot only, never from the clock, so a replay gives the same
//! answer every time.

pub(crate) mod alerts;
pub mod attribution;
pub(crate) mod checks;
pub(crate) mod clients;
pub(crate) mod explain;
pub mod facts;
#[cfg(any(test, feature = "test-support"))]
pub mod fixture;
pub(crate) mod flow_test;
pub mod profile;
pub mod routing;
pub(crate) mod setup;
pub(crate) mod timeline;

use std::sync::Arc;

use crate::knowledge::{Knowledge, SetupId, Vendor};
use crate::snapshot::{Route, Snapshot, Socket};
use alerts::{OutageOptions, OutageTracker};
use attribution::Attributor;
use facts::Facts;
use timeline::{Digest, Timeline};

// The contract the analysis produces, under the names its callers have always used.
pub use crate::assessment::{
    Assessment, Connection, DnsRow, InterfaceRow, RouteRows, SourceInfo, Verdict,
};
use crate::assessment::{Severity, Status};

#[derive(Debug, Clone, Default)]
pub struct AnalysisOptions {
    /// `--setup`: overrides detection.
    pub setup: Option<SetupId>,
    pub outage: OutageOptions,
}

/// Keeps the history (previous snapshot, timeline, alerts) between snapshots.
pub struct Analyzer {
    knowledge: Arc<Knowledge>,
    options: AnalysisOptions,
    profiles: profile::ProfileCache,
    routes: routing::RouteCache,
    timeline: Timeline,
    outage: OutageTracker,
}

impl Analyzer {
    pub fn new(knowledge: Arc<Knowledge>, options: AnalysisOptions) -> Analyzer {
        Analyzer {
            outage: OutageTracker::new(options.outage.clone()),
            timeline: Timeline::default(),
            profiles: profile::ProfileCache::default(),
            routes: routing::RouteCache::default(),
            knowledge,
            options,
        }
    }

    /// The time by which the forwarding profile must be read and indexed (`--once`'s
    /// deadline); past it the `forwarding-profile` check says so and the rest stands.
    pub fn set_profile_deadline(&mut self, deadline: std::time::Instant) {
        self.profiles.set_deadline(Some(deadline));
    }

    /// `ssetop explain` on this analyser's caches (and the profile's deadline): see
    /// [`explain_snapshot`].
    pub fn explain(
        &mut self,
        snapshot: &Snapshot,
        query: &crate::assessment::ExplainQuery,
        resolution: crate::assessment::Resolution,
    ) -> crate::assessment::Explanation {
        let facts = Facts::with_cache(
            snapshot,
            &self.knowledge,
            &mut self.profiles,
            &mut self.routes,
        );
        let setup = setup::decide(&facts, self.options.setup);
        let attributor = Attributor::new(&facts, setup.id);
        explain::explain(&facts, &attributor, &setup, query, resolution)
    }

    /// Intelligent Local Access: the forwarding profile's network definitions (their DNS
    /// probes), for `explain` and `flow-test` to resolve; empty without a readable profile.
    pub(crate) fn ila_networks(&mut self, snapshot: &Snapshot) -> Vec<profile::NetworkDefinition> {
        let facts = Facts::with_cache(
            snapshot,
            &self.knowledge,
            &mut self.profiles,
            &mut self.routes,
        );
        facts
            .parsed_profile()
            .map(|p| p.network_definitions.clone())
            .unwrap_or_default()
    }

    /// `--probe`: what to probe on this device (its GSA channels' edges and diagnostic URIs),
    /// planned from the snapshot's forwarding profile or the knowledge base.
    pub(crate) fn probe_plan(&mut self, snapshot: &Snapshot) -> Vec<crate::snapshot::ProbeTarget> {
        let facts = Facts::with_cache(
            snapshot,
            &self.knowledge,
            &mut self.profiles,
            &mut self.routes,
        );
        let setup = setup::decide(&facts, self.options.setup);
        checks::probes::plan(&facts, setup.id)
    }

    /// Analyses the next snapshot in time order.
    pub fn assess(&mut self, snapshot: &Snapshot) -> Assessment {
        let assessment = assess_with(
            snapshot,
            &self.knowledge,
            &self.options,
            &mut self.profiles,
            &mut self.routes,
        )
        .with_routes_of(snapshot);
        let digest = Digest::of(&assessment);
        let assessment = self.judge_history(assessment, &digest);
        self.timeline.remember(digest);
        assessment
    }

    /// Analyses the last snapshot (`--once`): the same assessment as [`Analyzer::assess`], but
    /// nothing is kept for a next snapshot that will not come. The route index borrows the
    /// snapshot's routes instead of copying them, the routes then move into the assessment
    /// instead of being copied, and the timeline's digest is not kept: at scale (tens of
    /// thousands of routes) each copy would be megabytes.
    pub fn assess_last(mut self, snapshot: Snapshot) -> Assessment {
        self.routes = routing::RouteCache::off();
        let unrouted = assess_with(
            &snapshot,
            &self.knowledge,
            &self.options,
            &mut self.profiles,
            &mut self.routes,
        );
        self.profiles = profile::ProfileCache::default();
        let assessment = unrouted.with_routes_from(snapshot);
        let digest = Digest::of(&assessment);
        self.judge_history(assessment, &digest)
    }

    /// The history's part: the timeline's events since the previous snapshot, the alerts, and
    /// the verdict they raise.
    fn judge_history(&mut self, mut assessment: Assessment, digest: &Digest) -> Assessment {
        let new_events = self.timeline.advance(digest);
        let (alerts, alert_events) = self.outage.update(digest, &new_events);
        self.timeline.push(alert_events);
        assessment.alerts = alerts;
        assessment.events = self.timeline.events().to_vec();
        if assessment
            .alerts
            .iter()
            .any(|a| a.severity == Severity::Fail)
        {
            assessment.verdict = Verdict::Fail;
        } else if !assessment.alerts.is_empty() {
            assessment.verdict = assessment.verdict.max(Verdict::Warn);
        }
        assessment
    }
}

/// `ssetop explain`: the walk for a new connection to each address of `resolution`, judged
/// with the same facts and attribution as [`assess_snapshot`]. `resolution` comes from the
/// caller (the live side resolves names; the analysis sends nothing).
pub fn explain_snapshot(
    snapshot: &Snapshot,
    knowledge: &Knowledge,
    options: &AnalysisOptions,
    query: &crate::assessment::ExplainQuery,
    resolution: crate::assessment::Resolution,
) -> crate::assessment::Explanation {
    let facts = Facts::new(snapshot, knowledge);
    let setup = setup::decide(&facts, options.setup);
    let attributor = Attributor::new(&facts, setup.id);
    explain::explain(&facts, &attributor, &setup, query, resolution)
}

/// The part of the analysis that needs no history.
pub fn assess_snapshot(
    snapshot: &Snapshot,
    knowledge: &Knowledge,
    options: &AnalysisOptions,
) -> Assessment {
    assess_with(
        snapshot,
        knowledge,
        options,
        &mut profile::ProfileCache::default(),
        &mut routing::RouteCache::off(),
    )
    .with_routes_of(snapshot)
}

/// An assessment but for its route rows, with the vendor of each route's interface to make
/// them with: the caller copies the routes from a snapshot it keeps, or moves them out of one
/// it is done with.
struct Unrouted {
    assessment: Assessment,
    route_vendors: Vec<Option<Vendor>>,
}

impl Unrouted {
    /// The route rows copied from `snapshot` (the one judged).
    fn with_routes_of(self, snapshot: &Snapshot) -> Assessment {
        let routes = snapshot.routes.get().map(|r| r.routes.clone());
        self.with_routes(routes.unwrap_or_default())
    }

    /// The route rows moved out of `snapshot` (the one judged), which ends here.
    fn with_routes_from(self, snapshot: Snapshot) -> Assessment {
        let routes = snapshot.routes.data.map(|r| r.routes);
        self.with_routes(routes.unwrap_or_default())
    }

    fn with_routes(self, routes: Vec<Route>) -> Assessment {
        let Unrouted {
            mut assessment,
            route_vendors,
        } = self;
        assessment.routes = RouteRows::new(routes, route_vendors);
        assessment
    }
}

fn assess_with(
    snapshot: &Snapshot,
    knowledge: &Knowledge,
    options: &AnalysisOptions,
    profiles: &mut profile::ProfileCache,
    routes: &mut routing::RouteCache,
) -> Unrouted {
    let facts = Facts::with_cache(snapshot, knowledge, profiles, routes);
    let setup = setup::decide(&facts, options.setup);
    let attributor = Attributor::new(&facts, setup.id);
    let paths = facts.routes.as_ref().map(|index| {
        routing::range_paths(
            index,
            knowledge.file.gsa.service_ranges.iter().map(|r| r.cidr),
            |interface| facts.adapter_vendor(interface),
        )
    });
    let names = checks::judge_names(&facts);
    let checks = checks::run(
        &facts,
        &setup,
        &attributor,
        paths.as_deref(),
        names.as_deref(),
    );
    let connections = facts
        .sockets()
        .iter()
        .map(|socket| connection(&facts, &attributor, socket))
        .collect();
    let route_vendors = snapshot
        .routes
        .get()
        .map(|r| {
            r.routes
                .iter()
                .map(|route| {
                    route
                        .interface
                        .as_deref()
                        .and_then(|d| facts.adapter_vendor(d))
                })
                .collect()
        })
        .unwrap_or_default();
    let dns = names
        .into_iter()
        .flatten()
        .map(|judged| judged.row)
        .collect();
    let verdict = checks
        .iter()
        .map(|c| match c.status {
            Status::Fail => Verdict::Fail,
            Status::Warn => Verdict::Warn,
            Status::Pass | Status::Skip => Verdict::Ok,
        })
        .max()
        .unwrap_or(Verdict::Ok);
    let assessment = Assessment {
        taken_at: snapshot.taken_at,
        host: snapshot.host.clone(),
        knowledge_version: knowledge.file.version.clone(),
        verdict,
        clients: facts.clients.clone(),
        checks,
        connections,
        routes: RouteRows::default(),
        interfaces: snapshot
            .interfaces
            .get()
            .into_iter()
            .flatten()
            .map(|interface| InterfaceRow {
                vendor: facts.adapter_vendor(&interface.name),
                interface: interface.clone(),
            })
            .collect(),
        gsa_ranges: paths,
        dns,
        alerts: Vec::new(),
        events: Vec::new(),
        sources: sources(snapshot),
        notices: notices(snapshot),
        vendor_reports: snapshot.vendor_reports.get().cloned().unwrap_or_default(),
        setup,
    };
    Unrouted {
        assessment,
        route_vendors,
    }
}

fn connection(facts: &Facts, attributor: &Attributor, socket: &Socket) -> Connection {
    let pid = socket.pids.first().copied();
    let process = pid.and_then(|p| facts.process_names.get(&p).map(|n| n.to_string()));
    let owner_note = match (pid, &process) {
        (None, _) if !facts.snapshot.host.elevated => {
            Some("owner hidden: another user's socket (run elevated to see it)".to_string())
        }
        (None, _) => Some("no owning process reported by the OS".to_string()),
        (Some(p), None) => Some(format!("process {p} ended or is hidden")),
        _ => None,
    };
    Connection {
        pid,
        process,
        owner_note,
        remote_name: socket
            .remote
            .and_then(|r| facts.names_by_ip.get(&r.ip()).cloned()),
        attribution: attributor.attribute(socket),
        socket: socket.clone(),
    }
}

fn sources(snapshot: &Snapshot) -> Vec<SourceInfo> {
    macro_rules! info {
        ($name:literal, $section:expr) => {
            SourceInfo {
                name: $name,
                status: $section.status,
                has_data: $section.data.is_some(),
                detail: $section.describe(),
                elapsed_ms: $section.elapsed_ms,
            }
        };
    }
    vec![
        info!("routes", snapshot.routes),
        info!("interfaces", snapshot.interfaces),
        info!("sockets", snapshot.sockets),
        info!("processes", snapshot.processes),
        info!("dns", snapshot.dns),
        info!("settings", snapshot.settings),
        info!("vendor_tools", snapshot.vendor_reports),
    ]
}

fn notices(snapshot: &Snapshot) -> Vec<String> {
    let mut notices = Vec::new();
    if !snapshot.host.elevated {
        notices.push(format!(
            "running without elevation: other users' sockets show no process and some OS settings may be unreadable; run {} to see everything",
            if snapshot.host.os == "windows" {
                "from an elevated prompt (Run as administrator)"
            } else {
                "as root (sudo)"
            }
        ));
    }
    // Windows' UDP tables (and netstat2) give no peer: said once here, not as a finding per
    // socket.
    let peerless_udp = snapshot.sockets.get().is_some_and(|sockets| {
        sockets
            .iter()
            .any(|s| s.protocol == crate::snapshot::Protocol::Udp && s.remote.is_none())
    });
    if snapshot.host.os != "linux" && peerless_udp {
        notices.push(format!(
            "{}'s UDP tables give no peer address: connected UDP flows (QUIC, Z-Tunnel 2.0 DTLS, GlobalProtect IPsec) show without a destination and are not attributed",
            if snapshot.host.os == "windows" { "Windows" } else { "this OS" }
        ));
    }
    notices
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::Device;

    /// The dashboard's analysis (caches kept between snapshots) says exactly what a fresh
    /// analysis of each snapshot says, also when the routing table changes and changes back.
    #[test]
    fn cached_indexes_give_the_same_assessment_as_a_fresh_analysis() {
        let before = Device::windows().pangp().tcp("8.8.8.8:443", None);
        let after = Device::windows()
            .pangp()
            .route("0.0.0.0/1", "Ethernet 3", None, 1)
            .tcp("8.8.8.8:443", None);
        let snapshots = [
            before.build(),
            Device::windows().pangp().tcp("8.8.8.8:443", None).build(),
            after.build(),
            Device::windows().pangp().tcp("8.8.8.8:443", None).build(),
        ];
        let knowledge = Arc::new(Knowledge::embedded());
        let options = AnalysisOptions::default();
        let mut analyzer = Analyzer::new(knowledge.clone(), options.clone());
        let mut previous: Option<Arc<routing::RouteIndex>> = None;
        for (i, snapshot) in snapshots.iter().enumerate() {
            let fresh = assess_snapshot(snapshot, &knowledge, &options);
            let cached = analyzer.assess(snapshot);
            // Everything but the history (timeline and alerts).
            let without_history = |a: &Assessment| {
                let mut value = serde_json::to_value(a).unwrap();
                let fields = value.as_object_mut().unwrap();
                fields.remove("events");
                fields.remove("alerts");
                value
            };
            assert_eq!(
                without_history(&cached),
                without_history(&fresh),
                "snapshot {i}"
            );
            let interface = cached.connections[0].attribution.interface.as_deref();
            let expected = if i == 2 { "Ethernet 3" } else { "Ethernet" };
            assert_eq!(interface, Some(expected), "snapshot {i}");
            let index = analyzer.routes.index(snapshot.routes.get().unwrap());
            if i == 1 {
                assert!(Arc::ptr_eq(previous.as_ref().unwrap(), &index));
            } else if let Some(previous) = &previous {
                assert!(!Arc::ptr_eq(previous, &index), "snapshot {i}");
            }
            previous = Some(index);
        }
    }

    /// Connected UDP sockets (sock_diag gives their peer on Linux) are attributed like TCP,
    /// and a tunnel process's UDP transport shows in its client's row.
    #[test]
    fn connected_udp_is_attributed_like_tcp_and_names_the_tunnels_transport() {
        use crate::snapshot::Protocol;
        let snapshot = Device::windows()
            .pangp()
            .process(4200, "PanGPS.exe")
            .process(5000, "chrome.exe")
            .route("0.0.0.0/1", "Ethernet 3", Some("10.200.0.1"), 1)
            .socket(
                Protocol::Udp,
                "192.168.1.50:4501",
                Some("198.51.100.10:4501"),
                None,
                Some(4200),
            )
            .socket(
                Protocol::Udp,
                "10.200.0.7:50000",
                Some("93.184.216.34:443"),
                None,
                Some(5000),
            )
            .build();
        let a = assess_snapshot(
            &snapshot,
            &Knowledge::embedded(),
            &AnalysisOptions::default(),
        );
        let gp = a
            .clients
            .iter()
            .find(|c| c.vendor == crate::knowledge::Vendor::GlobalProtect)
            .unwrap();
        assert_eq!(gp.tunnel_sockets.len(), 1);
        assert!(
            gp.evidence.iter().any(|e| e
                == "tunnel transport: UDP 198.51.100.10:4501 (GlobalProtect IPsec, ESP over UDP)"),
            "{:?}",
            gp.evidence
        );
        let quic = a
            .connections
            .iter()
            .find(|c| c.socket.remote.is_some_and(|r| r.port() == 443))
            .unwrap();
        assert_eq!(
            quic.attribution.carrier,
            crate::assessment::Carrier::GlobalProtect
        );
        assert_eq!(quic.attribution.interface.as_deref(), Some("Ethernet 3"));
        let ipsec = a
            .connections
            .iter()
            .find(|c| c.socket.remote.is_some_and(|r| r.port() == 4501))
            .unwrap();
        assert_eq!(
            ipsec.attribution.tunnel_of,
            Some(crate::assessment::Carrier::GlobalProtect)
        );
    }

    /// `--once`'s analysis of the last snapshot (caches released, routes moved, no digest
    /// kept) says exactly what the dashboard's says of it after the same history.
    #[test]
    fn the_last_snapshots_assessment_is_the_dashboards_assessment_of_it() {
        let snapshots = [
            Device::windows().pangp().tcp("8.8.8.8:443", None).build(),
            Device::windows()
                .pangp()
                .route("0.0.0.0/1", "Ethernet 3", Some("10.200.0.1"), 1)
                .tcp("8.8.8.8:443", None)
                .build(),
        ];
        let knowledge = Arc::new(Knowledge::embedded());
        let options = AnalysisOptions::default();
        let mut dashboard = Analyzer::new(knowledge.clone(), options.clone());
        let mut once = Analyzer::new(knowledge, options);
        dashboard.assess(&snapshots[0]);
        once.assess(&snapshots[0]);
        let expected = dashboard.assess(&snapshots[1]);
        let last = once.assess_last(snapshots[1].clone());
        assert!(!expected.events.is_empty() && expected.routes.len() > 1);
        assert!(expected.routes.iter().any(|r| r.vendor.is_some()));
        assert_eq!(
            serde_json::to_value(&last).unwrap(),
            serde_json::to_value(&expected).unwrap()
        );
    }

    #[test]
    fn udp_without_a_peer_on_windows_is_said_once_in_the_notices() {
        use crate::snapshot::Protocol;
        let snapshot = Device::windows()
            .socket(Protocol::Udp, "192.168.1.50:5353", None, None, None)
            .socket(Protocol::Udp, "192.168.1.50:5354", None, None, None)
            .build();
        let a = assess_snapshot(
            &snapshot,
            &Knowledge::embedded(),
            &AnalysisOptions::default(),
        );
        let said: Vec<&String> = a
            .notices
            .iter()
            .filter(|n| n.contains("UDP tables give no peer address"))
            .collect();
        assert_eq!(said.len(), 1, "{:?}", a.notices);
        let linux = Device::new("linux")
            .socket(Protocol::Udp, "192.168.1.50:5353", None, None, None)
            .build();
        let a = assess_snapshot(&linux, &Knowledge::embedded(), &AnalysisOptions::default());
        assert!(!a.notices.iter().any(|n| n.contains("UDP tables")));
    }
}
