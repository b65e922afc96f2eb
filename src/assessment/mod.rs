//! The contract between the analysis and the views: everything the report, the dashboard and
//! the export read, for one snapshot. The analysis (`crate::analysis`) produces these types and
//! makes every judgement; the views only show them, and name nothing under `crate::analysis`.

mod alert;
mod check;
mod client;
mod connection;
mod explain;
mod flow_test;
mod rows;
mod setup;

use jiff::Timestamp;
use serde::Serialize;

use crate::snapshot::{Host, SourceStatus};

pub use alert::{Alert, Event, EventKind, Severity};
pub use check::{Check, Status};
pub use client::{Client, ClientState, VendorAdapter, VendorProcess};
pub use connection::{
    Attribution, AttributionStep, Carrier, Confidence, Connection, StepFinding, StepOutcome,
};
pub use explain::{
    ExplainPath, ExplainQuery, Explanation, IlaProbeAnswer, IlaState, Resolution, ResolutionStatus,
    RouteRef, RuleRef,
};
pub use flow_test::{AttemptOutcome, FlowAttempt, FlowPath, FlowStatus, FlowTest, FlowTestResult};
pub use rows::{
    AnswerAddress, DnsRow, InterfaceRow, PathPiece, RangePath, RouteRow, RouteRows, table_name,
};
pub(crate) use rows::{TABLE_DEFAULT, TABLE_LOCAL, TABLE_MAIN};
pub use setup::{SetupDecision, SetupSource};

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
    pub routes: RouteRows,
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
    // --- vendor status tools (issue 13, part 4) ---
    /// What the vendors' own status commands said, as recorded (judged by the
    /// `vendor-status:<vendor>` checks).
    pub vendor_reports: Vec<crate::snapshot::VendorReport>,
    // --- end vendor status tools ---
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
            || self.vendor_reports != other.vendor_reports
            || self
                .sources
                .iter()
                .zip(&other.sources)
                .any(|(a, b)| a.status != b.status || a.detail != b.detail)
    }
}
