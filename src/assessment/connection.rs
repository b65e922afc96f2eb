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
    pub evidence: Vec<String>,
}
