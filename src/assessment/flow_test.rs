//! `ssetop flow-test`'s results: one row per destination of the coexistence guide's "Test
//! traffic flow" (or given with `--destination`), where it must go, where the attribution says
//! it goes, and, with `--connect`, where a real connection went. The analysis
//! (`crate::analysis::flow_test`) judges each row; the view (`crate::report::flow_test`) only
//! shows them.

use std::net::IpAddr;

use serde::Serialize;

use super::{Carrier, SetupDecision};
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
    /// Where the real connection went (`--connect`), or `None`.
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
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowTest {
    pub setup: SetupDecision,
    /// Whether real connections were opened (`--connect`).
    pub connect: bool,
    pub results: Vec<FlowTestResult>,
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
