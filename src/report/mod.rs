//! The report: the `--once` output and the dashboard's export. Its JSON form is a versioned
//! contract (`ssetop.report.v1`) built from its own serde types, not the internal ones, so the
//! analysis can change without breaking scripts. Fields may be added, never renamed or removed.

pub(crate) mod explain;
pub(crate) mod flow_test;
pub(crate) mod text;

use jiff::Timestamp;
use serde::Serialize;

use crate::assessment::Assessment;
use crate::util::endpoint;

pub const SCHEMA: &str = "ssetop.report.v1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub ssetop_version: &'static str,
    /// The snapshot's time (RFC 3339).
    pub generated_at: Timestamp,
    pub host: Host,
    pub verdict: &'static str,
    pub setup: Setup,
    pub clients: Vec<Client>,
    pub checks: Vec<Check>,
    pub connections: Rows<Vec<crate::assessment::Connection>>,
    pub routes: Rows<crate::assessment::RouteRows>,
    pub interfaces: Vec<Interface>,
    pub gsa_ranges: Vec<RangePath>,
    pub dns: Vec<Dns>,
    pub alerts: Vec<Alert>,
    pub events: Vec<Event>,
    pub sources: Vec<Source>,
    pub notices: Vec<String>,
    pub knowledge: Knowledge,
    // --- vendor status tools (issue 13, part 4) ---
    /// What the vendors' own status commands said (added within v1).
    pub vendor_reports: Vec<VendorReport>,
    // --- end vendor status tools ---
    /// Set when the report comes from a capture (`--replay`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
}

/// Rows kept as the assessment made them, turned into the report's form one at a time as
/// they are written or read: at scale (tens of thousands of routes and connections) a second,
/// whole copy in the report's form would double the memory of a `--once` report.
#[derive(Debug, Clone)]
pub struct Rows<A>(A);

/// An assessment row and its form in the report.
pub trait ReportRow {
    type Row: Serialize;
    fn report_row(&self) -> Self::Row;
}

/// Rows as the assessment holds them: a vector of rows, or the routes and their vendors side
/// by side (`RouteRows`).
pub trait AssessedRows {
    type Row: Serialize;
    fn report_rows(&self) -> impl Iterator<Item = Self::Row> + '_;
    fn count(&self) -> usize;
}

impl<T: ReportRow> AssessedRows for Vec<T> {
    type Row = T::Row;
    fn report_rows(&self) -> impl Iterator<Item = T::Row> + '_ {
        self.iter().map(T::report_row)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl AssessedRows for crate::assessment::RouteRows {
    type Row = Route;
    fn report_rows(&self) -> impl Iterator<Item = Route> + '_ {
        self.iter().map(|row| row.report_row())
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl<A: AssessedRows> Rows<A> {
    /// The rows in the report's form.
    pub fn iter(&self) -> impl Iterator<Item = A::Row> + '_ {
        self.0.report_rows()
    }

    pub fn len(&self) -> usize {
        self.0.count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Rows<Vec<T>> {
    /// The assessment's rows, to change what a test reports.
    #[cfg(test)]
    pub(crate) fn assessed_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<A: AssessedRows> Serialize for Rows<A> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl ReportRow for crate::assessment::Connection {
    type Row = Connection;
    fn report_row(&self) -> Connection {
        Connection {
            protocol: self.socket.protocol.id(),
            local: endpoint(&self.socket.local),
            remote: self.socket.remote.as_ref().map(endpoint),
            state: self.socket.state.clone(),
            pid: self.pid,
            process: self.process.clone(),
            carrier: self.attribution.carrier.id(),
            channel: self.attribution.channel.map(|ch| ch.id()),
            confidence: self.attribution.confidence.id(),
            interface: self.attribution.interface.clone(),
            evidence: self.attribution.evidence.clone(),
            remote_name: self.remote_name.clone(),
            owner_note: self.owner_note.clone(),
            tunnel_of: self.attribution.tunnel_of.map(|t| t.id()),
        }
    }
}

impl ReportRow for crate::assessment::RouteRow<'_> {
    type Row = Route;
    fn report_row(&self) -> Route {
        Route {
            destination: self.route.destination.to_string(),
            gateway: self.route.gateway.map(|g| g.to_string()),
            interface: self.route.interface.as_deref().map(str::to_string),
            metric: self.route.metric,
            table: self.route.table,
            kind: self.route.kind.id(),
            vendor: self.vendor.map(|v| v.id()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Host {
    pub name: String,
    pub os: String,
    pub os_version: Option<String>,
    pub elevated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    pub id: &'static str,
    pub source: &'static str,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Process {
    pub pid: u32,
    pub name: String,
    pub started_at: Option<Timestamp>,
    pub role: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Client {
    pub vendor: &'static str,
    pub state: &'static str,
    pub processes: Vec<Process>,
    pub adapters: Vec<String>,
    pub services: Vec<Service>,
    pub tunnel_connections: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: String,
    pub status: &'static str,
    pub summary: String,
    pub evidence: Vec<String>,
    pub remedy: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    pub protocol: &'static str,
    pub local: String,
    pub remote: Option<String>,
    pub state: Option<String>,
    pub pid: Option<u32>,
    pub process: Option<String>,
    pub carrier: &'static str,
    pub channel: Option<&'static str>,
    pub confidence: &'static str,
    pub interface: Option<String>,
    pub evidence: Vec<String>,
    pub remote_name: Option<String>,
    pub owner_note: Option<String>,
    /// On a tunnel process's own connection, whose tunnel it is (`gsa`); where it differs
    /// from `carrier`, this tunnel runs inside the `carrier`'s (nested).
    pub tunnel_of: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub destination: String,
    pub gateway: Option<String>,
    pub interface: Option<String>,
    pub metric: Option<u32>,
    pub table: Option<u32>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub vendor: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Interface {
    /// The name routes and checks use (Windows: the friendly name, "Ethernet 2").
    pub name: String,
    /// The adapter's description ("PANGP Virtual Ethernet Adapter"), else a friendly name
    /// other than `name`.
    pub description: Option<String>,
    pub index: u32,
    /// As the OS reports it: ethernet, loopback, tunnel, wireless, ...
    pub kind: String,
    /// Operational state: up, down, dormant, unknown, ...
    pub state: String,
    /// The interface is enabled (the flag the analysis goes by; a tun device is `up` with
    /// state `unknown`).
    pub up: bool,
    /// CIDR strings, IPv4 first.
    pub addresses: Vec<String>,
    /// The vendor whose adapter it is recognised as.
    pub vendor: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RangePiece {
    pub net: String,
    pub outcome: &'static str,
    pub route: Option<String>,
    pub interface: Option<String>,
    pub vendor: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RangePath {
    pub range: String,
    pub pieces: Vec<RangePiece>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsAddress {
    pub address: String,
    pub in_gsa_ranges: bool,
    pub synthetic: Option<&'static str>,
    pub interface: Option<String>,
    pub vendor: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dns {
    pub name: String,
    pub status: &'static str,
    pub addresses: Vec<String>,
    pub elapsed_ms: u64,
    pub detail: Option<String>,
    pub answers: Vec<DnsAddress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub id: &'static str,
    pub severity: &'static str,
    pub since: Timestamp,
    pub summary: String,
    pub globalprotect_up_at: Option<Timestamp>,
    pub disconnected_secs: u64,
    pub threshold_secs: u64,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: Timestamp,
    pub kind: crate::assessment::EventKind,
    pub vendor: Option<&'static str>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub name: &'static str,
    pub status: crate::snapshot::SourceStatus,
    pub detail: String,
    pub elapsed_ms: u64,
}

// --- vendor status tools (issue 13, part 4) ---

/// One command of a vendor's status tool as run.
#[derive(Debug, Clone, Serialize)]
pub struct ToolRun {
    pub args: Vec<String>,
    pub ran_at: Timestamp,
    pub elapsed_ms: u64,
    /// `output`, `failed`, `timed_out`, `not_installed`.
    pub outcome: &'static str,
    pub exit_code: Option<i32>,
    pub detail: Option<String>,
    /// Bounded verbatim output (16 KiB stdout, 2 KiB stderr); `truncated` when cut.
    pub stdout: String,
    pub stderr: String,
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorService {
    pub name: String,
    pub said: String,
    pub state: &'static str,
}

/// What a vendor's status tool said: `state` in ssetop's terms, `said` in the tool's words.
#[derive(Debug, Clone, Serialize)]
pub struct VendorReport {
    pub vendor: &'static str,
    pub tool: String,
    pub installed: bool,
    /// `connected`, `connecting`, `disconnected`, `error`, `not_enabled`, `unknown`; `null`
    /// when the tool printed nothing.
    pub state: Option<&'static str>,
    pub said: Option<String>,
    pub services: Vec<VendorService>,
    /// Named values (`assigned_ip`, `gateway_ip`, `gateway`, `protocol`, `uptime`, …).
    pub fields: std::collections::BTreeMap<String, String>,
    pub error: Option<String>,
    pub runs: Vec<ToolRun>,
}

impl VendorReport {
    fn new(r: &crate::snapshot::VendorReport) -> VendorReport {
        let status = r.status.as_ref();
        VendorReport {
            vendor: r.vendor.id(),
            tool: r.tool.clone(),
            installed: r.installed,
            state: status.map(|s| s.state.id()),
            said: status.and_then(|s| s.said.clone()),
            services: status
                .map(|s| {
                    s.services
                        .iter()
                        .map(|x| VendorService {
                            name: x.name.clone(),
                            said: x.said.clone(),
                            state: x.state.id(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            fields: status
                .map(|s| {
                    s.fields
                        .iter()
                        .map(|f| (f.name.clone(), f.value.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            error: status.and_then(|s| s.error.clone()),
            runs: r
                .runs
                .iter()
                .map(|run| ToolRun {
                    args: run.args.clone(),
                    ran_at: run.ran_at,
                    elapsed_ms: run.elapsed_ms,
                    outcome: run.outcome.id(),
                    exit_code: run.exit_code,
                    detail: run.detail.clone(),
                    stdout: run.stdout.clone(),
                    stderr: run.stderr.clone(),
                    truncated: run.truncated,
                })
                .collect(),
        }
    }
}

// --- end vendor status tools ---

#[derive(Debug, Clone, Serialize)]
pub struct Knowledge {
    pub version: String,
    pub origin: String,
}

/// Where a replayed report comes from. Built in one place, from where the replay stands (the
/// replay module's `ReplayStatus::section`), for `--replay --once` and the dashboard's export.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    pub capture: String,
    /// The capture's own time of the snapshot reported.
    pub at: Timestamp,
    pub snapshots: usize,
    pub warnings: Vec<String>,
    /// The analysis options the replay judged with, and where each came from.
    pub options: Vec<ReplayOption>,
}

/// One analysis option of a replay: recorded in the capture, given again on the replay's
/// command line (which wins), or the default (a capture older than the recorded options).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayOption {
    /// The option's name without dashes: `setup`, `outage-threshold`, `outage-window`,
    /// `zpa-range`, `knowledge`.
    pub name: &'static str,
    pub value: String,
    /// `capture`, `command-line` or `default`.
    pub source: &'static str,
    /// What the capture recorded, when the command line replaced it.
    pub recorded: Option<String>,
}

impl ReplayOption {
    pub const CAPTURE: &'static str = "capture";
    pub const COMMAND_LINE: &'static str = "command-line";
    pub const DEFAULT: &'static str = "default";
}

/// One line for people: the options that did not come from the defaults, and where from.
pub fn describe_replay_options(options: &[ReplayOption]) -> Option<String> {
    let parts: Vec<String> = options
        .iter()
        .filter(|o| o.source != ReplayOption::DEFAULT)
        .map(|o| {
            let from = match (o.source, &o.recorded) {
                (ReplayOption::COMMAND_LINE, Some(recorded)) => {
                    format!("given here; recorded {recorded}")
                }
                (ReplayOption::COMMAND_LINE, None) => "given here".to_string(),
                _ => "recorded".to_string(),
            };
            format!("--{} {} ({from})", o.name, o.value)
        })
        .collect();
    (!parts.is_empty()).then(|| format!("replayed with {}", parts.join(", ")))
}

impl Report {
    pub fn new(a: &Assessment, knowledge_origin: &str) -> Report {
        Report::with_rows(
            a,
            Rows(a.connections.clone()),
            Rows(a.routes.clone()),
            knowledge_origin,
        )
    }

    /// As [`Report::new`], keeping the assessment's connection and route rows instead of
    /// copies (`--once`: at scale they are most of the report's memory).
    pub fn from_assessment(mut a: Assessment, knowledge_origin: &str) -> Report {
        let connections = Rows(std::mem::take(&mut a.connections));
        let routes = Rows(std::mem::take(&mut a.routes));
        Report::with_rows(&a, connections, routes, knowledge_origin)
    }

    fn with_rows(
        a: &Assessment,
        connections: Rows<Vec<crate::assessment::Connection>>,
        routes: Rows<crate::assessment::RouteRows>,
        knowledge_origin: &str,
    ) -> Report {
        Report {
            schema: SCHEMA,
            ssetop_version: env!("CARGO_PKG_VERSION"),
            generated_at: a.taken_at,
            host: Host {
                name: a.host.name.clone(),
                os: a.host.os.clone(),
                os_version: a.host.os_version.clone(),
                elevated: a.host.elevated,
            },
            verdict: a.verdict.id(),
            setup: Setup {
                id: a.setup.id.id(),
                source: match a.setup.source {
                    crate::assessment::SetupSource::Detected => "detected",
                    crate::assessment::SetupSource::Option => "option",
                },
                evidence: a.setup.evidence.clone(),
            },
            clients: a
                .clients
                .iter()
                .map(|c| Client {
                    vendor: c.vendor.id(),
                    state: c.state.id(),
                    processes: c
                        .processes
                        .iter()
                        .map(|p| Process {
                            pid: p.pid,
                            name: p.name.clone(),
                            started_at: p.started_at,
                            role: match p.role {
                                crate::knowledge::ProcessRole::Tunnel => "tunnel",
                                crate::knowledge::ProcessRole::Service => "service",
                                crate::knowledge::ProcessRole::Agent => "agent",
                                crate::knowledge::ProcessRole::Helper => "helper",
                            },
                        })
                        .collect(),
                    adapters: c.adapters.iter().map(|ad| ad.name.clone()).collect(),
                    services: c
                        .services
                        .iter()
                        .map(|s| Service {
                            name: s.name.clone(),
                            state: s.state.clone(),
                        })
                        .collect(),
                    tunnel_connections: c.tunnel_sockets.len(),
                })
                .collect(),
            checks: a
                .checks
                .iter()
                .map(|c| Check {
                    id: c.id.clone(),
                    status: c.status.id(),
                    summary: c.summary.clone(),
                    evidence: c.evidence.clone(),
                    remedy: c.remedy.clone(),
                })
                .collect(),
            connections,
            routes,
            interfaces: a
                .interfaces
                .iter()
                .map(|row| {
                    let i = &row.interface;
                    Interface {
                        name: i.name.clone(),
                        description: i
                            .description
                            .clone()
                            .or_else(|| i.friendly_name.clone().filter(|f| *f != i.name)),
                        index: i.index,
                        kind: i.kind.clone(),
                        state: i.oper_state.clone(),
                        up: i.up,
                        addresses: i.addresses.iter().map(ToString::to_string).collect(),
                        vendor: row.vendor.map(|v| v.id()),
                    }
                })
                .collect(),
            gsa_ranges: a
                .gsa_ranges
                .iter()
                .flatten()
                .map(|p| RangePath {
                    range: p.range.to_string(),
                    pieces: p
                        .pieces
                        .iter()
                        .map(|piece| RangePiece {
                            net: piece.net.to_string(),
                            outcome: piece.outcome,
                            route: piece.route.clone(),
                            interface: piece.interface.clone(),
                            vendor: piece.vendor.map(|v| v.id()),
                        })
                        .collect(),
                })
                .collect(),
            dns: a
                .dns
                .iter()
                .map(|d| Dns {
                    name: d.answer.name.clone(),
                    status: d.answer.status.id(),
                    addresses: d.answer.addresses.iter().map(ToString::to_string).collect(),
                    elapsed_ms: d.answer.elapsed_ms,
                    detail: d.answer.detail.clone(),
                    answers: d
                        .addresses
                        .iter()
                        .map(|x| DnsAddress {
                            address: x.address.to_string(),
                            in_gsa_ranges: x.gsa_range.is_some(),
                            synthetic: x.synthetic.map(|v| v.id()),
                            interface: x.interface.clone(),
                            vendor: x.vendor.map(|v| v.id()),
                        })
                        .collect(),
                })
                .collect(),
            alerts: a
                .alerts
                .iter()
                .map(|x| Alert {
                    id: x.id,
                    severity: x.severity.id(),
                    since: x.since,
                    summary: x.summary.clone(),
                    globalprotect_up_at: x.globalprotect_up_at,
                    disconnected_secs: x.disconnected_secs,
                    threshold_secs: x.threshold_secs,
                    details: x.details.clone(),
                })
                .collect(),
            events: a
                .events
                .iter()
                .map(|e| Event {
                    at: e.at,
                    kind: e.kind,
                    vendor: e.vendor.map(|v| v.id()),
                    text: e.text.clone(),
                })
                .collect(),
            sources: a
                .sources
                .iter()
                .map(|s| Source {
                    name: s.name,
                    status: s.status,
                    detail: s.detail.clone(),
                    elapsed_ms: s.elapsed_ms,
                })
                .collect(),
            notices: a.notices.clone(),
            vendor_reports: a.vendor_reports.iter().map(VendorReport::new).collect(),
            knowledge: Knowledge {
                version: a.knowledge_version.clone(),
                origin: knowledge_origin.to_string(),
            },
            replay: None,
        }
    }

    /// [`Report::to_json`]'s text written to `out` as it is made, never held whole (at scale
    /// the report is tens of megabytes).
    pub fn write_json(&self, out: impl std::io::Write) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(out, self)
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
