//! Alerts (conditions held over time) and the timeline's events.

use jiff::Timestamp;
use serde::Serialize;

use crate::knowledge::Vendor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warn,
    Fail,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub id: &'static str,
    pub severity: Severity,
    /// When GSA was (last seen) disconnected.
    pub since: Timestamp,
    pub summary: String,
    /// When GlobalProtect came up (outage only).
    pub globalprotect_up_at: Option<Timestamp>,
    /// How long GSA has been disconnected, at this snapshot.
    pub disconnected_secs: u64,
    pub threshold_secs: u64,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    InterfaceUp,
    InterfaceDown,
    InterfaceAdded,
    InterfaceRemoved,
    AddressAdded,
    AddressRemoved,
    RouteAdded,
    RouteRemoved,
    ProcessStarted,
    ProcessStopped,
    TunnelEstablished,
    TunnelLost,
    DnsChanged,
    AlertRaised,
    AlertEscalated,
    AlertClosed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub at: Timestamp,
    pub kind: EventKind,
    /// The vendor the event concerns, when it concerns one.
    pub vendor: Option<Vendor>,
    pub text: String,
}
