//! The timeline: events from the difference of consecutive snapshots (interfaces, addresses,
//! routes, client processes, tunnel connections, DNS answers), each stamped with the
//! snapshot's time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use crate::assessment::{Assessment, ClientState, Event, EventKind};
use crate::knowledge::Vendor;
use crate::snapshot::{DnsStatus, Route};
use jiff::Timestamp;

/// More route changes than this in one refresh are summarised per interface.
const ROUTE_DETAIL_LIMIT: usize = 4;
/// The timeline keeps this many events (oldest dropped first).
const TIMELINE_LIMIT: usize = 2000;

/// An interface as the timeline compares it.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct InterfaceState {
    pub up: bool,
    pub addresses: BTreeSet<String>,
    pub vendor: Option<Vendor>,
}

/// A route's interface and the vendor whose adapter that is.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RouteInfo {
    pub interface: Option<String>,
    pub vendor: Option<Vendor>,
}

/// What the timeline compares between snapshots; `None` where the source had no data, so that
/// a failed collector never reads as "everything disappeared".
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Digest {
    pub at: Timestamp,
    /// name → state
    pub interfaces: Option<BTreeMap<String, InterfaceState>>,
    /// Each route and the vendor whose adapter it leaves by, in the order the OS listed them:
    /// an unchanged table compares equal in one pass, and only changed routes are described
    /// (tens of thousands of routes are common).
    pub routes: Option<Vec<(Route, Option<Vendor>)>>,
    /// pid → (vendor, name)
    pub processes: Option<BTreeMap<u32, (Vendor, String)>>,
    /// vendor → remote endpoints of its tunnel connections
    pub tunnels: Option<BTreeMap<Vendor, BTreeSet<String>>>,
    /// name → status and addresses
    pub dns: Option<BTreeMap<String, (DnsStatus, Vec<IpAddr>)>>,
    /// Vendors whose client runs (processes or services).
    pub running: BTreeSet<Vendor>,
    /// The latest start time of a running GlobalProtect process.
    pub globalprotect_started: Option<Timestamp>,
    /// GlobalProtect's adapter is up or routes leave by it.
    pub globalprotect_up: bool,
}

impl Digest {
    pub(crate) fn of(a: &Assessment) -> Digest {
        let has = |name: &str| a.sources.iter().any(|s| s.name == name && s.has_data);
        let sockets_ok = has("sockets");
        let interfaces = has("interfaces").then(|| {
            a.interfaces
                .iter()
                .map(|row| {
                    let i = &row.interface;
                    (
                        i.name.clone(),
                        InterfaceState {
                            up: i.up,
                            addresses: i.addresses.iter().map(ToString::to_string).collect(),
                            vendor: row.vendor,
                        },
                    )
                })
                .collect()
        });
        let routes = has("routes").then(|| {
            a.routes
                .iter()
                .map(|r| (r.route.clone(), r.vendor))
                .collect()
        });
        let processes = has("processes").then(|| {
            a.clients
                .iter()
                .flat_map(|c| c.processes.iter())
                .map(|p| (p.pid, (p.vendor, p.name.clone())))
                .collect()
        });
        // Connections are in socket order, so a client's socket indexes address them directly.
        let tunnels = sockets_ok.then(|| {
            a.clients
                .iter()
                .map(|c| {
                    let remotes = c
                        .tunnel_sockets
                        .iter()
                        .filter_map(|&i| a.connections.get(i)?.socket.remote)
                        .map(|r| r.to_string())
                        .collect();
                    (c.vendor, remotes)
                })
                .collect()
        });
        let dns = has("dns").then(|| {
            a.dns
                .iter()
                .map(|d| {
                    (
                        d.answer.name.clone(),
                        (d.answer.status, {
                            let mut v = d.answer.addresses.clone();
                            v.sort();
                            v
                        }),
                    )
                })
                .collect()
        });
        let gp = a.clients.iter().find(|c| c.vendor == Vendor::GlobalProtect);
        Digest {
            at: a.taken_at,
            interfaces,
            routes,
            processes,
            tunnels,
            dns,
            running: a
                .clients
                .iter()
                .filter(|c| c.state >= ClientState::Running)
                .map(|c| c.vendor)
                .collect(),
            globalprotect_started: gp
                .and_then(|c| c.processes.iter().filter_map(|p| p.started_at).max()),
            globalprotect_up: gp.is_some_and(|c| {
                c.state == ClientState::Connected || c.adapters.iter().any(|ad| ad.up)
            }),
        }
    }

    /// Number of tunnel connections of a vendor, when sockets were read.
    pub(crate) fn tunnel_count(&self, vendor: Vendor) -> Option<usize> {
        self.tunnels
            .as_ref()
            .map(|t| t.get(&vendor).map_or(0, BTreeSet::len))
    }
}

#[derive(Default)]
pub(crate) struct Timeline {
    previous: Option<Digest>,
    events: Vec<Event>,
}

impl Timeline {
    pub(crate) fn events(&self) -> &[Event] {
        &self.events
    }

    pub(crate) fn push(&mut self, events: impl IntoIterator<Item = Event>) {
        self.events.extend(events);
        if self.events.len() > TIMELINE_LIMIT {
            let excess = self.events.len() - TIMELINE_LIMIT;
            self.events.drain(..excess);
        }
    }

    /// Takes the next digest's events (those since the previous digest); returns them.
    pub(crate) fn advance(&mut self, digest: &Digest) -> Vec<Event> {
        let events = match &self.previous {
            Some(previous) => diff(previous, digest),
            None => Vec::new(),
        };
        self.push(events.clone());
        events
    }

    /// Keeps `digest` as the one the next snapshot's is compared with.
    pub(crate) fn remember(&mut self, digest: Digest) {
        self.previous = Some(digest);
    }
}

fn event(at: Timestamp, kind: EventKind, vendor: Option<Vendor>, text: String) -> Event {
    Event {
        at,
        kind,
        vendor,
        text,
    }
}

fn vendor_suffix(vendor: Option<Vendor>) -> String {
    vendor.map_or_else(String::new, |v| format!(" ({})", v.label()))
}

/// The events between two digests.
pub(crate) fn diff(old: &Digest, new: &Digest) -> Vec<Event> {
    let at = new.at;
    let mut events = Vec::new();
    if let (Some(old_if), Some(new_if)) = (&old.interfaces, &new.interfaces) {
        for (name, state) in new_if {
            let (up, addresses, vendor) = (&state.up, &state.addresses, &state.vendor);
            let tag = vendor_suffix(*vendor);
            match old_if.get(name) {
                None => events.push(event(
                    at,
                    if *up {
                        EventKind::InterfaceUp
                    } else {
                        EventKind::InterfaceAdded
                    },
                    *vendor,
                    format!(
                        "interface {name}{tag} appeared{}",
                        if *up { ", up" } else { "" }
                    ),
                )),
                Some(old_state) => {
                    let old_addresses = &old_state.addresses;
                    if old_state.up != *up {
                        events.push(event(
                            at,
                            if *up {
                                EventKind::InterfaceUp
                            } else {
                                EventKind::InterfaceDown
                            },
                            *vendor,
                            format!(
                                "interface {name}{tag} went {}",
                                if *up { "up" } else { "down" }
                            ),
                        ));
                    }
                    for added in addresses.difference(old_addresses) {
                        events.push(event(
                            at,
                            EventKind::AddressAdded,
                            *vendor,
                            format!("address {added} added on {name}{tag}"),
                        ));
                    }
                    for removed in old_addresses.difference(addresses) {
                        events.push(event(
                            at,
                            EventKind::AddressRemoved,
                            *vendor,
                            format!("address {removed} removed from {name}{tag}"),
                        ));
                    }
                }
            }
        }
        for (name, state) in old_if {
            if !new_if.contains_key(name) {
                events.push(event(
                    at,
                    EventKind::InterfaceRemoved,
                    state.vendor,
                    format!(
                        "interface {name}{} disappeared",
                        vendor_suffix(state.vendor)
                    ),
                ));
            }
        }
    }
    if let (Some(old_routes), Some(new_routes)) = (&old.routes, &new.routes) {
        let (added, removed) = if old_routes == new_routes {
            (Vec::new(), Vec::new())
        } else {
            let old_set: HashMap<&Route, Option<Vendor>> =
                old_routes.iter().map(|(r, v)| (r, *v)).collect();
            let new_set: HashMap<&Route, Option<Vendor>> =
                new_routes.iter().map(|(r, v)| (r, *v)).collect();
            (
                routes_only_in(&new_set, &old_set),
                routes_only_in(&old_set, &new_set),
            )
        };
        events.extend(route_events(at, EventKind::RouteAdded, "added", &added));
        events.extend(route_events(
            at,
            EventKind::RouteRemoved,
            "removed",
            &removed,
        ));
    }
    if let (Some(old_p), Some(new_p)) = (&old.processes, &new.processes) {
        for (pid, (vendor, name)) in new_p {
            if !old_p.contains_key(pid) {
                events.push(event(
                    at,
                    EventKind::ProcessStarted,
                    Some(*vendor),
                    format!("{} process {name} (pid {pid}) started", vendor.label()),
                ));
            }
        }
        for (pid, (vendor, name)) in old_p {
            if !new_p.contains_key(pid) {
                events.push(event(
                    at,
                    EventKind::ProcessStopped,
                    Some(*vendor),
                    format!("{} process {name} (pid {pid}) stopped", vendor.label()),
                ));
            }
        }
    }
    if old.tunnels.is_some() && new.tunnels.is_some() {
        for vendor in Vendor::ALL {
            let before = old.tunnel_count(vendor).unwrap_or(0);
            let after = new.tunnel_count(vendor).unwrap_or(0);
            if before == 0 && after > 0 {
                events.push(event(
                    at,
                    EventKind::TunnelEstablished,
                    Some(vendor),
                    format!(
                        "{} tunnel established ({after} connection{})",
                        vendor.label(),
                        if after == 1 { "" } else { "s" }
                    ),
                ));
            } else if before > 0 && after == 0 {
                events.push(event(
                    at,
                    EventKind::TunnelLost,
                    Some(vendor),
                    format!("{} tunnel connections lost ({before} → 0)", vendor.label()),
                ));
            }
        }
    }
    if let (Some(old_dns), Some(new_dns)) = (&old.dns, &new.dns) {
        for (name, (status, addresses)) in new_dns {
            if let Some((old_status, old_addresses)) = old_dns.get(name)
                && (old_status != status || old_addresses != addresses)
            {
                let show = |s: &DnsStatus, a: &[IpAddr]| {
                    if a.is_empty() {
                        s.id().to_string()
                    } else {
                        a.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                };
                events.push(event(
                    at,
                    EventKind::DnsChanged,
                    None,
                    format!(
                        "{name}: {} → {}",
                        show(old_status, old_addresses),
                        show(status, addresses)
                    ),
                ));
            }
        }
    }
    events
}

/// The routes of `these` missing from `those`, described, in a stable order.
fn routes_only_in(
    these: &HashMap<&Route, Option<Vendor>>,
    those: &HashMap<&Route, Option<Vendor>>,
) -> Vec<(String, RouteInfo)> {
    let mut only: Vec<(String, RouteInfo)> = these
        .iter()
        .filter(|(route, _)| !those.contains_key(*route))
        .map(|(route, vendor)| {
            (
                super::routing::describe_route(route),
                RouteInfo {
                    interface: route.interface.as_deref().map(str::to_string),
                    vendor: *vendor,
                },
            )
        })
        .collect();
    only.sort_by(|a, b| a.0.cmp(&b.0));
    only
}

fn route_events(
    at: Timestamp,
    kind: EventKind,
    verb: &str,
    routes: &[(String, RouteInfo)],
) -> Vec<Event> {
    if routes.len() <= ROUTE_DETAIL_LIMIT {
        return routes
            .iter()
            .map(|(text, info)| {
                event(
                    at,
                    kind,
                    info.vendor,
                    format!("route {verb}: {text}{}", vendor_suffix(info.vendor)),
                )
            })
            .collect();
    }
    // Many at once (a VPN connecting): one event per interface.
    let mut by_interface: BTreeMap<(Option<String>, Option<Vendor>), Vec<&String>> =
        BTreeMap::new();
    for (text, info) in routes {
        by_interface
            .entry((info.interface.clone(), info.vendor))
            .or_default()
            .push(text);
    }
    by_interface
        .into_iter()
        .map(|((dev, vendor), texts)| {
            event(
                at,
                kind,
                vendor,
                format!(
                    "{} route{} {verb} via {}{} (e.g. {})",
                    texts.len(),
                    if texts.len() == 1 { "" } else { "s" },
                    dev.as_deref().unwrap_or("no interface"),
                    vendor_suffix(vendor),
                    texts.first().map_or("", |t| t.as_str())
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::fixture::{Device, with_gsa};
    use crate::analysis::{AnalysisOptions, Analyzer};
    use crate::knowledge::Knowledge;
    use crate::snapshot::{Section, Snapshot};

    fn run(snapshots: &[Snapshot]) -> Vec<Event> {
        let mut analyzer =
            Analyzer::new(Arc::new(Knowledge::embedded()), AnalysisOptions::default());
        let mut events = Vec::new();
        for s in snapshots {
            events = analyzer.assess(s).events;
        }
        events
    }

    fn kinds(events: &[Event]) -> Vec<EventKind> {
        events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn the_first_snapshot_makes_no_events() {
        assert!(run(&[Device::windows().build()]).is_empty());
    }

    #[test]
    fn an_adapter_coming_up_with_many_routes_is_summarised_per_interface() {
        let before = Device::windows().build();
        let mut after = Device::windows().pangp().at(10);
        for i in 0..10 {
            after = after.route(&format!("10.{i}.0.0/16"), "Ethernet 3", None, 1);
        }
        let events = run(&[before, after.build()]);
        assert_eq!(
            kinds(&events),
            [EventKind::InterfaceUp, EventKind::RouteAdded]
        );
        assert_eq!(events[1].vendor, Some(Vendor::GlobalProtect));
        assert!(
            events[1].text.starts_with("10 routes added via Ethernet 3"),
            "{}",
            events[1].text
        );
        assert_eq!(events[1].at, crate::analysis::fixture::at(10));
    }

    #[test]
    fn processes_tunnels_and_dns_changes_become_events() {
        let before = with_gsa(Device::windows())
            .tcp("150.171.19.10:443", Some(4100))
            .dns(
                "aps.globalsecureaccess.microsoft.com",
                DnsStatus::Resolved,
                &["13.107.232.4"],
            )
            .build();
        let after = Device::windows()
            .process(4100, "GlobalSecureAccessTunnelingService.exe")
            .process(4200, "PanGPS.exe")
            .dns(
                "aps.globalsecureaccess.microsoft.com",
                DnsStatus::Resolved,
                &["13.107.232.5"],
            )
            .at(10)
            .build();
        let events = run(&[before, after]);
        let k = kinds(&events);
        assert!(k.contains(&EventKind::ProcessStarted));
        assert!(
            k.contains(&EventKind::ProcessStopped),
            "GSA's engine service stopped"
        );
        assert!(k.contains(&EventKind::TunnelLost));
        let dns = events
            .iter()
            .find(|e| e.kind == EventKind::DnsChanged)
            .unwrap();
        assert!(
            dns.text.contains("13.107.232.4 → 13.107.232.5"),
            "{}",
            dns.text
        );
    }

    #[test]
    fn a_source_that_failed_is_not_read_as_everything_gone() {
        let before = with_gsa(Device::windows())
            .tcp("150.171.19.10:443", Some(4100))
            .build();
        let mut after = with_gsa(Device::windows()).at(10).build();
        after.sockets = Section::failed("test");
        after.routes = Section::failed("test");
        let events = run(&[before, after]);
        assert!(
            !kinds(&events).contains(&EventKind::TunnelLost)
                && !kinds(&events).contains(&EventKind::RouteRemoved),
            "{events:?}"
        );
    }
}
