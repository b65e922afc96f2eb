//! The analysis: a pure function of (snapshot, knowledge, history) to an [`Assessment`].
//! It takes time from the snapshot only, never from the clock, so a replay gives the same
//! answer every time.

pub mod alerts;
pub mod attribution;
pub mod checks;
pub mod clients;
pub mod facts;
#[cfg(test)]
pub mod fixture;
pub mod profile;
pub mod routing;
pub mod setup;
pub mod timeline;

use std::net::IpAddr;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use crate::knowledge::{Knowledge, SetupId, Vendor};
use crate::snapshot::{DnsAnswer, Host, Interface, Route, Snapshot, Socket, SourceStatus};
use alerts::{Alert, OutageOptions, OutageTracker};
use attribution::{Attribution, Attributor};
use checks::{Check, RangePath, Status};
use clients::Client;
use facts::Facts;
use routing::FlowContext;
use setup::SetupDecision;
use timeline::{Digest, Event, Timeline};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

impl Verdict {
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }

    /// The `--once` exit code: 0 ok, 1 warning, 2 failure.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::Warn => 1,
            Verdict::Fail => 2,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AnalysisOptions {
    /// `--setup`: overrides detection.
    pub setup: Option<SetupId>,
    pub outage: OutageOptions,
}

/// One socket with what carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub socket: Socket,
    pub pid: Option<u32>,
    pub process: Option<String>,
    /// Why the owner is unknown, when it is.
    pub owner_note: Option<String>,
    /// The name the remote address was resolved from, when ssetop resolved it.
    pub remote_name: Option<String>,
    pub attribution: Attribution,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteRow {
    pub route: Route,
    /// The vendor whose adapter the route leaves by.
    pub vendor: Option<Vendor>,
}

/// An interface, with the vendor whose adapter it is recognised as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterfaceRow {
    pub interface: Interface,
    pub vendor: Option<Vendor>,
}

/// One answer address of an edge name, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerAddress {
    pub address: IpAddr,
    pub gsa_range: Option<ipnet::IpNet>,
    /// The vendor whose synthetic range holds it.
    pub synthetic: Option<Vendor>,
    pub interface: Option<String>,
    pub vendor: Option<Vendor>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DnsRow {
    pub answer: DnsAnswer,
    pub addresses: Vec<AnswerAddress>,
}

/// A collector's state, for the header and the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceInfo {
    pub name: &'static str,
    pub status: SourceStatus,
    /// Data is present (perhaps older than the snapshot).
    pub has_data: bool,
    pub detail: String,
    pub elapsed_ms: u64,
}

/// Everything the views show, for one snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub taken_at: Timestamp,
    pub host: Host,
    pub knowledge_version: String,
    pub setup: SetupDecision,
    pub verdict: Verdict,
    pub clients: Vec<Client>,
    pub checks: Vec<Check>,
    pub connections: Vec<Connection>,
    pub routes: Vec<RouteRow>,
    /// In the collector's order (by index).
    pub interfaces: Vec<InterfaceRow>,
    pub gsa_ranges: Option<Vec<RangePath>>,
    pub dns: Vec<DnsRow>,
    pub alerts: Vec<Alert>,
    /// The timeline so far, oldest first.
    pub events: Vec<Event>,
    pub sources: Vec<SourceInfo>,
    /// Said once: what running elevated would add, and similar.
    pub notices: Vec<String>,
}

impl Assessment {
    /// Whether anything a view shows differs, apart from the time and collectors' timings:
    /// the dashboard redraws only then.
    pub fn differs_from(&self, other: &Assessment) -> bool {
        self.verdict != other.verdict
            || self.setup != other.setup
            || self.clients != other.clients
            || self.checks != other.checks
            || self.connections != other.connections
            || self.routes != other.routes
            || self.interfaces != other.interfaces
            || self.dns != other.dns
            || self.alerts != other.alerts
            || self.events.len() != other.events.len()
            || self.notices != other.notices
            || self
                .sources
                .iter()
                .zip(&other.sources)
                .any(|(a, b)| a.status != b.status || a.detail != b.detail)
    }
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

    /// Analyses the next snapshot in time order.
    pub fn assess(&mut self, snapshot: &Snapshot) -> Assessment {
        let mut assessment = assess_with(
            snapshot,
            &self.knowledge,
            &self.options,
            &mut self.profiles,
            &mut self.routes,
        );
        let digest = Digest::of(&assessment);
        let new_events = self.timeline.advance(digest.clone());
        let (alerts, alert_events) = self.outage.update(&digest, &new_events);
        self.timeline.push(alert_events);
        assessment.alerts = alerts;
        assessment.events = self.timeline.events().to_vec();
        if assessment
            .alerts
            .iter()
            .any(|a| a.severity == alerts::Severity::Fail)
        {
            assessment.verdict = Verdict::Fail;
        } else if !assessment.alerts.is_empty() {
            assessment.verdict = assessment.verdict.max(Verdict::Warn);
        }
        assessment
    }
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
        &mut routing::RouteCache::default(),
    )
}

fn assess_with(
    snapshot: &Snapshot,
    knowledge: &Knowledge,
    options: &AnalysisOptions,
    profiles: &mut profile::ProfileCache,
    routes: &mut routing::RouteCache,
) -> Assessment {
    let facts = Facts::with_cache(snapshot, knowledge, profiles, routes);
    let setup = setup::decide(&facts, options.setup);
    let attributor = Attributor::new(&facts, setup.id);
    let paths = checks::range_paths(&facts);
    let checks = checks::run(&facts, &setup, &attributor, paths.as_deref());
    let connections = facts
        .sockets()
        .iter()
        .map(|socket| connection(&facts, &attributor, socket))
        .collect();
    let routes = snapshot
        .routes
        .get()
        .map(|r| {
            r.routes
                .iter()
                .map(|route| RouteRow {
                    vendor: route
                        .interface
                        .as_deref()
                        .and_then(|d| facts.adapter_vendor(d)),
                    route: route.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let dns = snapshot
        .dns
        .get()
        .into_iter()
        .flatten()
        .map(|answer| DnsRow {
            addresses: answer
                .addresses
                .iter()
                .map(|ip| {
                    let interface = facts
                        .egress(*ip, FlowContext::default())
                        .and_then(|(_, dev)| dev);
                    AnswerAddress {
                        address: *ip,
                        gsa_range: facts.gsa_range(*ip),
                        synthetic: facts.synthetic(*ip).map(|r| r.vendor),
                        vendor: interface.as_deref().and_then(|d| facts.adapter_vendor(d)),
                        interface,
                    }
                })
                .collect(),
            answer: answer.clone(),
        })
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
    Assessment {
        taken_at: snapshot.taken_at,
        host: snapshot.host.clone(),
        knowledge_version: knowledge.file.version.clone(),
        verdict,
        clients: facts.clients.clone(),
        checks,
        connections,
        routes,
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
        setup,
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
}
