//! `ssetop flow-test`'s results: one row per destination of the coexistence guide's "Test
//! traffic flow" (or given with `--destination`), where it must go, where the attribution says
//! it goes, and, with `--connect`, where a real connection went. The analysis
//! (`crate::analysis::flow_test`) judges each row; the view (`crate::report::flow_test`) only
//! shows them.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::{Carrier, IlaState, SetupDecision};
use crate::knowledge::Channel;

/// One row's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowStatus {
    Pass,
    Skip,
    Warn,
    Fail,
}

impl FlowStatus {
    pub fn id(self) -> &'static str {
        match self {
            FlowStatus::Pass => "pass",
            FlowStatus::Skip => "skip",
            FlowStatus::Warn => "warn",
            FlowStatus::Fail => "fail",
        }
    }
}

/// Where a row's destination goes, as one of the three columns says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FlowPath {
    pub carrier: Carrier,
    pub channel: Option<Channel>,
}

/// One destination's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowTestResult {
    /// The name (or address) as tested; a skipped `{tenant}` row keeps its placeholder.
    pub destination: String,
    pub port: u16,
    /// Always TCP: the guides browse to each name.
    pub protocol: &'static str,
    pub expected: FlowPath,
    /// Where the attribution sends a new connection to the row's first address, or `None`
    /// when nothing was predicted (skipped, not resolved).
    pub predicted: Option<FlowPath>,
    /// Where the real connection went (`--connect`): the deciding address's (the worst of
    /// `attempts`, else the first connected), or `None`.
    pub observed: Option<FlowPath>,
    pub status: FlowStatus,
    pub addresses: Vec<IpAddr>,
    /// One sentence: why this status.
    pub detail: String,
    pub evidence: Vec<String>,
    /// What to change, and where, when the row fails (from the knowledge base).
    pub remedy: Option<String>,
    /// Where the row comes from: the knowledge entry's source, or `--destination`.
    pub source: String,
    /// `--connect`: one per address the name resolved to (IPv4 first), in the order tried;
    /// empty without `--connect`.
    pub attempts: Vec<FlowAttempt>,
}

/// How a connection to one address went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttemptOutcome {
    Connected,
    Refused,
    Timeout,
    Failed,
    /// `--deadline` left no time for it.
    NotTried,
}

impl AttemptOutcome {
    pub fn id(self) -> &'static str {
        match self {
            AttemptOutcome::Connected => "connected",
            AttemptOutcome::Refused => "refused",
            AttemptOutcome::Timeout => "timeout",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::NotTried => "not-tried",
        }
    }
}

/// `--connect`'s connection to one address of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowAttempt {
    pub address: IpAddr,
    pub outcome: AttemptOutcome,
    /// This address's verdict (`skip` when not tried); the row's is the worst of them.
    pub status: FlowStatus,
    /// The connection's local endpoint, when it connected.
    pub local: Option<SocketAddr>,
    /// Where the connection went, as the analysis attributed it in the socket table.
    pub observed: Option<FlowPath>,
    /// The interface the kernel chose.
    pub interface: Option<String>,
    /// The TLS certificate's issuer (port 443).
    pub issuer: Option<String>,
    pub detail: String,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowTest {
    pub setup: SetupDecision,
    /// Whether real connections were opened (`--connect`).
    pub connect: bool,
    pub results: Vec<FlowTestResult>,
    /// Intelligent Local Access now (the profile's probe names resolved), `None` when the
    /// forwarding profile defines no ILA network.
    pub ila: Option<IlaState>,
}

impl FlowTest {
    /// The worst row: 0 all pass (or skipped), 1 a warning, 2 a failure (as `--once`).
    pub fn exit_code(&self) -> u8 {
        match self.results.iter().map(|r| r.status).max() {
            Some(FlowStatus::Fail) => 2,
            Some(FlowStatus::Warn) => 1,
            _ => 0,
        }
    }
}
