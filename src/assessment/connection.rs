//! A connection and what carries it: the attribution's answer.

use serde::Serialize;

use crate::knowledge::{Channel, Vendor};
use crate::snapshot::Socket;

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

/// What carries a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Carrier {
    Gsa,
    Zscaler,
    #[serde(rename = "globalprotect")]
    GlobalProtect,
    Direct,
    Local,
    Unknown,
}

impl Carrier {
    pub const ALL: [Carrier; 6] = [
        Carrier::Gsa,
        Carrier::Zscaler,
        Carrier::GlobalProtect,
        Carrier::Direct,
        Carrier::Local,
        Carrier::Unknown,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Carrier::Gsa => "gsa",
            Carrier::Zscaler => "zscaler",
            Carrier::GlobalProtect => "globalprotect",
            Carrier::Direct => "direct",
            Carrier::Local => "local",
            Carrier::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Carrier::Gsa => "GSA",
            Carrier::Zscaler => "Zscaler",
            Carrier::GlobalProtect => "GlobalProtect",
            Carrier::Direct => "direct",
            Carrier::Local => "local",
            Carrier::Unknown => "unknown",
        }
    }
}

impl From<Vendor> for Carrier {
    fn from(vendor: Vendor) -> Carrier {
        match vendor {
            Vendor::Gsa => Carrier::Gsa,
            Vendor::Zscaler => Carrier::Zscaler,
            Vendor::GlobalProtect => Carrier::GlobalProtect,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Owner process or synthetic range.
    Certain,
    /// A profile rule or a route.
    Likely,
    /// Only the setup's default.
    Inferred,
}

impl Confidence {
    pub fn id(self) -> &'static str {
        match self {
            Confidence::Certain => "certain",
            Confidence::Likely => "likely",
            Confidence::Inferred => "inferred",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    pub carrier: Carrier,
    pub channel: Option<Channel>,
    pub confidence: Confidence,
    /// The interface the connection leaves by, from the route lookup.
    pub interface: Option<String>,
    /// On a tunnel process's own connection: whose tunnel it is. Where it enters another
    /// client's tunnel, `carrier` is that outer tunnel and this the inner one (nested).
    pub tunnel_of: Option<Carrier>,
    pub evidence: Vec<String>,
}

impl Attribution {
    /// A tunnel carried inside another client's tunnel: `(inner, outer)`.
    pub fn nested(&self) -> Option<(Carrier, Carrier)> {
        self.tunnel_of
            .filter(|inner| *inner != self.carrier)
            .map(|inner| (inner, self.carrier))
    }
}

/// The attribution's steps, in the order they are tried (the first that decides wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttributionStep {
    /// 1. Loopback and link-local stay on the device, except Zscaler's local proxy.
    Local,
    /// 2. A vendor's tunnel process owns the socket (or, owner hidden, GSA's edge by address).
    TunnelProcess,
    /// 3. The remote address is in a vendor's synthetic range.
    SyntheticRange,
    /// 4. GSA's forwarding profile, or without one the Microsoft 365 ranges while GSA runs.
    ForwardingProfile,
    /// 5. The route the kernel would take, and whose adapter it leaves by.
    Route,
    /// 6. A packet-filter client carries the rest of the internet in this setup.
    PacketFilter,
    /// 7. Otherwise direct, via the route's interface.
    Direct,
    /// A socket without a peer (listener, unconnected UDP): none of the steps apply.
    NoPeer,
}

impl AttributionStep {
    pub fn id(self) -> &'static str {
        match self {
            AttributionStep::Local => "local",
            AttributionStep::TunnelProcess => "tunnel-process",
            AttributionStep::SyntheticRange => "synthetic-range",
            AttributionStep::ForwardingProfile => "forwarding-profile",
            AttributionStep::Route => "route",
            AttributionStep::PacketFilter => "packet-filter",
            AttributionStep::Direct => "direct",
            AttributionStep::NoPeer => "no-peer",
        }
    }
}

/// What a step did with the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepOutcome {
    /// The step gave the verdict; no later step ran.
    Decided,
    /// The step found something (its evidence) but left the verdict to the next steps.
    Noted,
    /// The step did not apply.
    Passed,
}

impl StepOutcome {
    pub fn id(self) -> &'static str {
        match self {
            StepOutcome::Decided => "decided",
            StepOutcome::Noted => "noted",
            StepOutcome::Passed => "passed",
        }
    }
}

/// One step of an attribution and what it found: the walk `explain` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFinding {
    pub step: AttributionStep,
    pub outcome: StepOutcome,
    /// The step's evidence, or why it did not apply.
    pub detail: String,
}
