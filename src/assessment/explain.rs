//! `ssetop explain DEST`: where a new connection to a destination would go, and why, walked
//! through the same attribution steps as every real connection.

use std::net::IpAddr;

use serde::Serialize;

use super::{Carrier, Confidence, StepFinding};
use crate::knowledge::Channel;
use crate::snapshot::Protocol;

/// What to explain: a host name or an address, a port and a transport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainQuery {
    /// As given (without the port): a name or a literal address.
    pub destination: String,
    pub port: u16,
    pub protocol: Protocol,
}

/// How the destination became addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResolutionStatus {
    /// An address was given: nothing was resolved.
    Literal,
    Resolved,
    Nxdomain,
    Refused,
    Timeout,
    Error,
    /// `--no-dns`: no query was sent.
    Skipped,
}

impl ResolutionStatus {
    pub fn id(self) -> &'static str {
        match self {
            ResolutionStatus::Literal => "literal",
            ResolutionStatus::Resolved => "resolved",
            ResolutionStatus::Nxdomain => "nxdomain",
            ResolutionStatus::Refused => "refused",
            ResolutionStatus::Timeout => "timeout",
            ResolutionStatus::Error => "error",
            ResolutionStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolution {
    pub status: ResolutionStatus,
    pub addresses: Vec<IpAddr>,
    pub elapsed_ms: u64,
    /// The resolver's error, or why nothing was resolved.
    pub detail: Option<String>,
}

impl Resolution {
    /// A destination given as an address.
    pub fn literal(address: IpAddr) -> Resolution {
        Resolution {
            status: ResolutionStatus::Literal,
            addresses: vec![address],
            elapsed_ms: 0,
            detail: None,
        }
    }
}

/// The forwarding-profile rule that decided (or bypassed) a flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleRef {
    pub id: String,
    /// As written in the profile (`69`, `2.5`), `null` when missing.
    pub order: Option<f64>,
    /// `tunnel`, `bypass` or `block`.
    pub action: &'static str,
    /// The channel (`m365`, `internet`, `private`), or the profile's channel id.
    pub channel: String,
}

/// The route the kernel would use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteRef {
    /// The route's prefix.
    pub destination: String,
    pub gateway: Option<IpAddr>,
    pub interface: Option<String>,
    pub table: Option<u32>,
    pub metric: Option<u32>,
    /// The vendor whose adapter `interface` is.
    pub vendor: Option<String>,
}

/// One address of the destination: the walk and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainPath {
    pub address: IpAddr,
    /// The source address the kernel's route would choose, where known.
    pub source: Option<IpAddr>,
    /// The address's class: `gsa-synthetic`, `zpa-synthetic`, `gsa-edge`, `loopback`,
    /// `link-local`, `private`, `ordinary`.
    pub class: &'static str,
    pub carrier: Carrier,
    pub channel: Option<Channel>,
    pub confidence: Confidence,
    pub interface: Option<String>,
    pub rule: Option<RuleRef>,
    /// The rules that also matched, beaten by `rule` (lower order wins).
    pub beaten_rules: Vec<RuleRef>,
    pub route: Option<RouteRef>,
    pub steps: Vec<StepFinding>,
    pub evidence: Vec<String>,
    /// What the verdict depends on that ssetop cannot see from the device.
    pub unseen: Vec<String>,
}

/// The answer to one query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub query: ExplainQuery,
    pub resolution: Resolution,
    /// One per address, in the resolver's (sorted) order.
    pub paths: Vec<ExplainPath>,
    /// Said once for the whole answer: the setup, a profile not readable, and similar.
    pub notes: Vec<String>,
    /// Intelligent Local Access: whether GSA would now consider the device on a corporate
    /// network (and let Private Access go direct); `None` when the profile defines none.
    pub ila: Option<IlaState>,
}

/// Intelligent Local Access now: each network definition's DNS probe and its current answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IlaState {
    /// `Some(true)` when a probe answered inside its expected ranges (GSA does not tunnel
    /// Private Access then); `Some(false)` when every probe was answered outside them or not at
    /// all (NXDOMAIN); `None` when an answer is missing (not asked, timed out) and none applied.
    pub applies: Option<bool>,
    pub probes: Vec<IlaProbeAnswer>,
}

/// One network definition's probe name and what the resolver answered for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IlaProbeAnswer {
    /// The network definition: `name (id)`, or its id.
    pub network: String,
    pub fqdn: String,
    /// The DNS servers GSA asks (`serverAddresses`); ssetop asks the system resolver.
    pub dns_servers: Vec<std::net::Ipv4Addr>,
    /// The expected answer ranges, `start-end`.
    pub expected: Vec<String>,
    pub resolution: Resolution,
    /// The answers inside the expected ranges.
    pub in_range: Vec<IpAddr>,
}

// --- dashboard explain (the `x` key) ---
impl ExplainQuery {
    /// The walk for a connection already seen: its remote address (no new DNS query: the
    /// connection has one), port and transport; `None` for a socket without a peer.
    pub fn for_connection(socket: &crate::snapshot::Socket) -> Option<ExplainQuery> {
        let remote = socket.remote?;
        Some(ExplainQuery {
            destination: remote.ip().to_string(),
            port: remote.port(),
            protocol: socket.protocol,
        })
    }

    /// The destination as its own resolution when it is an address; otherwise nothing was
    /// resolved, and the detail says why (the dashboard sends no query of its own).
    pub fn literal_resolution(&self) -> Resolution {
        match self.destination.parse::<IpAddr>() {
            Ok(address) => Resolution::literal(address),
            Err(_) => Resolution {
                status: ResolutionStatus::Skipped,
                addresses: Vec::new(),
                elapsed_ms: 0,
                detail: Some("not an address: the dashboard sends no DNS query".into()),
            },
        }
    }
}
// --- end dashboard explain ---
