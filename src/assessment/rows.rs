//! The tables' rows: routes, interfaces, GSA's edge names and where GSA's ranges leave.

use std::net::IpAddr;

use serde::Serialize;

use crate::knowledge::Vendor;
use crate::snapshot::{DnsAnswer, Interface, Route};

use super::Status;

/// Linux's table ids for the default rules.
pub(crate) const TABLE_LOCAL: u32 = 255;
pub(crate) const TABLE_MAIN: u32 = 254;
pub(crate) const TABLE_DEFAULT: u32 = 253;

/// Linux's names for its reserved tables.
pub fn table_name(table: u32) -> String {
    match table {
        TABLE_LOCAL => "local".into(),
        TABLE_MAIN => "main".into(),
        TABLE_DEFAULT => "default".into(),
        other => other.to_string(),
    }
}

/// The routing table's rows: the routes as the snapshot had them and, beside them, the vendor
/// of each one's interface. Kept side by side rather than as one row type so that `--once`
/// moves the snapshot's routes in without copying them: at scale (50,000 routes, 5 MB) a copy
/// made while the original is still held set the report's peak memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteRows {
    routes: Vec<Route>,
    vendors: Vec<Option<Vendor>>,
}

/// One route and the vendor whose adapter it leaves by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RouteRow<'a> {
    pub route: &'a Route,
    /// The vendor whose adapter the route leaves by.
    pub vendor: Option<Vendor>,
}

impl RouteRows {
    /// `vendors` in the order of `routes`; a route without one has none.
    pub(crate) fn new(routes: Vec<Route>, mut vendors: Vec<Option<Vendor>>) -> RouteRows {
        vendors.resize(routes.len(), None);
        RouteRows { routes, vendors }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = RouteRow<'_>> + Clone + '_ {
        self.routes
            .iter()
            .zip(self.vendors.iter())
            .map(|(route, &vendor)| RouteRow { route, vendor })
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

impl Serialize for RouteRows {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
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
    /// The analysis's judgement of this address: fail when another vendor intercepted the
    /// name or the address leaves through another vendor's tunnel, warn outside GSA's ranges.
    pub status: Status,
    pub gsa_range: Option<ipnet::IpNet>,
    /// The vendor whose synthetic range holds it.
    pub synthetic: Option<Vendor>,
    pub interface: Option<String>,
    pub vendor: Option<Vendor>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DnsRow {
    pub answer: DnsAnswer,
    /// The status of the name's `edge-dns:<name>` check: views show this, never judge again.
    pub status: Status,
    /// The knowledge base requires the name (an optional name that fails is only a warning).
    pub required: bool,
    /// The knowledge base's list the name comes from (e.g. `2026`), when it is listed.
    pub list: Option<String>,
    pub addresses: Vec<AnswerAddress>,
}

/// One piece of a GSA range and the path it takes out of the device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathPiece {
    pub net: ipnet::Ipv4Net,
    /// `forward`, `local`, `drop` or `no-route`.
    pub outcome: &'static str,
    /// The route, as `ip route` would print it.
    pub route: Option<String>,
    pub rule: Option<u32>,
    pub interface: Option<String>,
    /// The vendor whose adapter `interface` is.
    pub vendor: Option<Vendor>,
}

/// Where each of GSA's service ranges leaves the device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangePath {
    pub range: ipnet::Ipv4Net,
    pub pieces: Vec<PathPiece>,
}
