//! Which tunnel carries each connection, and why: the first matching step decides, each step
//! adds its evidence.
//!
//! 1. loopback / link-local → local, except Zscaler's local proxy → zscaler/zia;
//! 2. the owner is a vendor's tunnel process → that vendor's outer tunnel;
//! 3. the remote is in a synthetic range → gsa, or zscaler/zpa while Zscaler runs;
//! 4. GSA's forwarding profile (first rule by order: tunnel decides, bypass goes on), or without
//!    a profile the Microsoft 365 ranges while GSA runs;
//! 5. the route's egress interface is a vendor adapter → that vendor;
//! 6. a packet-filter client carries the rest in this setup → that vendor, inferred;
//! 7. otherwise direct via the egress interface.

use std::net::IpAddr;

use ipnet::IpNet;
use prefix_trie::PrefixMap;
use serde::Serialize;

use super::facts::Facts;
use super::profile::{RuleAction, RuleIndex};
use super::routing::{FlowContext, Outcome, describe_route};
use crate::knowledge::{Channel, ProcessRole, ServiceArea, SetupId, Vendor};
use crate::snapshot::{Protocol, Socket};

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

/// The Microsoft 365 ranges on a trie, for attribution without a profile.
pub struct M365Index<'k> {
    areas: PrefixMap<ipnet::Ipv4Net, &'k ServiceArea>,
    areas_v6: PrefixMap<ipnet::Ipv6Net, &'k ServiceArea>,
}

impl<'k> M365Index<'k> {
    pub fn new(areas: &'k [ServiceArea]) -> Self {
        let mut index = M365Index {
            areas: PrefixMap::new(),
            areas_v6: PrefixMap::new(),
        };
        for area in areas {
            for range in &area.ranges {
                match range {
                    IpNet::V4(n) => {
                        index.areas.insert(*n, area);
                    }
                    IpNet::V6(n) => {
                        index.areas_v6.insert(*n, area);
                    }
                }
            }
        }
        index
    }

    fn find(
        &self,
        address: IpAddr,
        protocol: Protocol,
        port: u16,
    ) -> Option<(IpNet, &'k ServiceArea)> {
        let (net, area) = match address {
            IpAddr::V4(a) => self
                .areas
                .get_lpm(&a.into())
                .map(|(n, a)| (IpNet::V4(n), *a))?,
            IpAddr::V6(a) => self
                .areas_v6
                .get_lpm(&a.into())
                .map(|(n, a)| (IpNet::V6(n), *a))?,
        };
        let ports = match protocol {
            Protocol::Tcp => &area.tcp_ports,
            Protocol::Udp => &area.udp_ports,
        };
        ports.contains(&port).then_some((net, area))
    }
}

/// Everything attribution needs, built once per snapshot.
pub struct Attributor<'f, 'a> {
    facts: &'f Facts<'a>,
    setup: SetupId,
    rules: Option<RuleIndex<'f>>,
    m365: M365Index<'a>,
    gsa_running: bool,
    zscaler_tunnel_running: bool,
    gsa_internet_enabled: bool,
    proxy_ports: Vec<u16>,
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_link_local(),
        IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Private, CGNAT and other non-internet destinations, which internet carriers leave alone.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || (a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(a) => (a.segments()[0] & 0xfe00) == 0xfc00 || is_link_local(ip),
    }
}

impl<'f, 'a> Attributor<'f, 'a> {
    pub fn new(facts: &'f Facts<'a>, setup: SetupId) -> Self {
        let gsa_channels_from_setup = facts
            .knowledge
            .setup(setup)
            .map(|s| s.gsa_channels.clone())
            .unwrap_or_default();
        let gsa_internet_enabled = match facts.parsed_profile() {
            Some(p) => p.enabled_channels().contains(&Channel::Internet),
            None => gsa_channels_from_setup.contains(&Channel::Internet),
        };
        let mut proxy_ports = vec![facts.knowledge.file.zscaler.local_proxy_port];
        proxy_ports.extend(&facts.zscaler_listen_ports);
        proxy_ports.sort_unstable();
        proxy_ports.dedup();
        Attributor {
            setup,
            rules: facts.parsed_profile().map(RuleIndex::new),
            m365: M365Index::new(&facts.knowledge.file.m365.service_areas),
            gsa_running: facts.is_running(Vendor::Gsa),
            zscaler_tunnel_running: facts
                .client_of(Vendor::Zscaler)
                .has_role(ProcessRole::Tunnel),
            gsa_internet_enabled,
            proxy_ports,
            facts,
        }
    }

    fn owner(&self, socket: &Socket) -> Option<(u32, String)> {
        let pid = *socket.pids.first()?;
        let name = self
            .facts
            .process_names
            .get(&pid)
            .map_or_else(|| "?".to_string(), |n| n.to_string());
        Some((pid, name))
    }

    pub fn attribute(&self, socket: &Socket) -> Attribution {
        let mut evidence = Vec::new();
        let vendor_owner = socket
            .pids
            .iter()
            .find_map(|p| self.facts.vendor_pids.get(p).map(|v| (*p, *v)));
        let Some(remote) = socket.remote else {
            return self.attribute_without_peer(socket, vendor_owner);
        };
        let ip = remote.ip();
        let done = |carrier: Carrier,
                    channel: Option<Channel>,
                    confidence: Confidence,
                    interface: Option<String>,
                    evidence: Vec<String>| Attribution {
            carrier,
            channel,
            confidence,
            interface,
            evidence,
        };

        // 1. Loopback and link-local.
        if ip.is_loopback() || socket.local.ip().is_loopback() || is_link_local(ip) {
            if ip.is_loopback() && self.proxy_ports.contains(&remote.port()) {
                let listener_is_zscaler = self.facts.zscaler_listen_ports.contains(&remote.port());
                if listener_is_zscaler || self.facts.is_running(Vendor::Zscaler) {
                    evidence.push(format!(
                        "to {remote}: Zscaler's local proxy listener{}",
                        if listener_is_zscaler {
                            " (a Zscaler process listens there)"
                        } else {
                            " (the knowledge base's port; Zscaler runs)"
                        }
                    ));
                    let confidence = if listener_is_zscaler {
                        Confidence::Certain
                    } else {
                        Confidence::Likely
                    };
                    return done(
                        Carrier::Zscaler,
                        Some(Channel::Zia),
                        confidence,
                        None,
                        evidence,
                    );
                }
            }
            evidence.push(if is_link_local(ip) {
                format!("{ip} is link-local: stays on the local link")
            } else {
                "loopback: never leaves the device".to_string()
            });
            return done(Carrier::Local, None, Confidence::Certain, None, evidence);
        }

        let flow = FlowContext {
            source: Some(socket.local.ip()),
            uid: socket.uid,
        };
        let egress = self.facts.egress(ip, flow);
        let interface = egress.as_ref().and_then(|(_, i)| i.clone());
        let egress_vendor = interface
            .as_deref()
            .and_then(|i| self.facts.adapter_vendor(i));

        // 2. The owner is a vendor's tunnel process.
        if let Some((pid, (vendor, role))) = vendor_owner {
            let name = self.owner(socket).map(|(_, n)| n).unwrap_or_default();
            if role == ProcessRole::Tunnel {
                evidence.push(format!(
                    "owned by {name} (pid {pid}), {}'s tunnel process",
                    vendor.label()
                ));
                let channel = if vendor == Vendor::Gsa {
                    self.facts.gsa_channel_of(ip)
                } else {
                    None
                };
                if let Some(name) = self.facts.names_by_ip.get(&ip) {
                    evidence.push(format!("{ip} is {name}"));
                }
                if let (Some(inner), Some(dev)) = (egress_vendor, interface.as_deref())
                    && inner != vendor
                {
                    evidence.push(format!(
                        "but it leaves through {dev}, {}'s adapter: this tunnel runs inside the other",
                        inner.label()
                    ));
                }
                return done(
                    vendor.into(),
                    channel,
                    Confidence::Certain,
                    interface,
                    evidence,
                );
            }
            evidence.push(format!(
                "owned by {name} (pid {pid}), a {} {:?} process, not its tunnel",
                vendor.label(),
                role
            ));
        }

        // 3. Synthetic ranges.
        if let Some(range) = self.facts.synthetic(ip) {
            let running = self.facts.is_running(range.vendor);
            if !range.while_running || running {
                evidence.push(format!(
                    "{ip} is in {}'s synthetic range {}: its driver takes the flow before routing",
                    range.vendor.label(),
                    range.cidr
                ));
                return done(
                    range.vendor.into(),
                    range.channel,
                    Confidence::Certain,
                    None,
                    evidence,
                );
            }
            evidence.push(format!(
                "{ip} is in {}'s synthetic range {}, but {} is not running",
                range.vendor.label(),
                range.cidr,
                range.vendor.label()
            ));
        }

        // 4. GSA's forwarding profile, or the Microsoft 365 ranges without one.
        let mut gsa_bypassed = false;
        let name = self.facts.names_by_ip.get(&ip).map(String::as_str);
        match (&self.rules, self.gsa_running) {
            (Some(rules), true) => {
                if let Some(rule) = rules.find(ip, socket.protocol, remote.port(), name) {
                    match rule.action {
                        RuleAction::Tunnel => {
                            evidence.push(format!(
                                "GSA forwarding profile {} tunnels {}/{}: GSA's filter driver takes it before routing",
                                rule.label(),
                                socket.protocol.id(),
                                remote.port()
                            ));
                            return done(
                                Carrier::Gsa,
                                rule.channel,
                                Confidence::Likely,
                                None,
                                evidence,
                            );
                        }
                        RuleAction::Bypass => {
                            gsa_bypassed = true;
                            evidence.push(format!(
                                "GSA forwarding profile {} bypasses it",
                                rule.label()
                            ));
                        }
                    }
                } else {
                    evidence.push("no GSA forwarding profile rule matches".to_string());
                }
            }
            (Some(_), false) => {
                evidence.push("GSA is not running: its forwarding profile does not apply".into())
            }
            (None, true) => {
                if let Some((net, area)) = self.m365.find(ip, socket.protocol, remote.port()) {
                    evidence.push(format!(
                        "{ip} is in Microsoft 365 {} range {net} ({} list {}), GSA runs",
                        area.name,
                        socket.protocol.id(),
                        self.facts.knowledge.file.m365.list_version
                    ));
                    return done(
                        Carrier::Gsa,
                        Some(Channel::M365),
                        Confidence::Likely,
                        None,
                        evidence,
                    );
                }
            }
            (None, false) => {}
        }

        // 5. The route.
        let Some((lookup, _)) = egress else {
            evidence.push("routes unavailable: the egress is unknown".into());
            return done(Carrier::Unknown, None, Confidence::Inferred, None, evidence);
        };
        let routes = self.facts.routes.as_ref();
        let route_text = lookup
            .route()
            .and_then(|i| routes.map(|r| describe_route(r.route(i))));
        match lookup.outcome {
            Outcome::Local(_) => {
                evidence.push(format!(
                    "{ip} is this device's own address ({})",
                    route_text.unwrap_or_default()
                ));
                return done(Carrier::Local, None, Confidence::Certain, None, evidence);
            }
            Outcome::Drop(_) => {
                evidence.push(match route_text {
                    Some(r) => format!("dropped by route {r}"),
                    None => format!("dropped by policy rule {}", lookup.rule.unwrap_or(0)),
                });
                return done(Carrier::Unknown, None, Confidence::Likely, None, evidence);
            }
            Outcome::NoRoute => {
                evidence.push(format!("no route to {ip}"));
                return done(Carrier::Unknown, None, Confidence::Likely, None, evidence);
            }
            Outcome::Forward(_) => {}
        }
        let route_text = route_text.unwrap_or_default();
        let dev = interface.clone().unwrap_or_else(|| "?".into());
        if let Some(vendor) = egress_vendor {
            evidence.push(format!(
                "route {route_text} leaves via {dev}, {}'s adapter",
                vendor.label()
            ));
            return done(vendor.into(), None, Confidence::Likely, interface, evidence);
        }

        // 6. A packet-filter client carries the rest in this setup.
        if !is_internal(ip) {
            if self.setup == SetupId::ZscalerInternet && self.zscaler_tunnel_running {
                evidence.push(format!(
                    "route {route_text} leaves via {dev}; in setup zscaler-internet Zscaler's packet filter (Z-Tunnel 2.0) carries the rest of the internet"
                ));
                return done(
                    Carrier::Zscaler,
                    Some(Channel::Zia),
                    Confidence::Inferred,
                    None,
                    evidence,
                );
            }
            if self.setup == SetupId::ZscalerPrivate
                && self.gsa_running
                && self.gsa_internet_enabled
                && !gsa_bypassed
            {
                evidence.push(format!(
                    "route {route_text} leaves via {dev}; in setup zscaler-private GSA Internet Access carries the rest of the internet"
                ));
                return done(
                    Carrier::Gsa,
                    Some(Channel::Internet),
                    Confidence::Inferred,
                    None,
                    evidence,
                );
            }
        }

        // 7. Direct.
        evidence.push(format!(
            "route {route_text} leaves via {dev}, not a vendor adapter"
        ));
        done(
            Carrier::Direct,
            None,
            Confidence::Likely,
            interface,
            evidence,
        )
    }

    /// Listeners and UDP sockets, whose peer the OS does not report.
    fn attribute_without_peer(
        &self,
        socket: &Socket,
        vendor_owner: Option<(u32, (Vendor, ProcessRole))>,
    ) -> Attribution {
        let (carrier, confidence, evidence) = match vendor_owner {
            Some((pid, (vendor, ProcessRole::Tunnel))) if !socket.is_listening() => (
                Carrier::from(vendor),
                Confidence::Certain,
                format!(
                    "{} socket of {}'s tunnel process (pid {pid}); the OS reports no peer",
                    socket.protocol.id(),
                    vendor.label()
                ),
            ),
            _ if socket.is_listening() => (
                Carrier::Local,
                Confidence::Certain,
                format!("listening on {}: no peer", socket.local),
            ),
            _ if socket.local.ip().is_loopback() => (
                Carrier::Local,
                Confidence::Certain,
                "bound to loopback".to_string(),
            ),
            _ => (
                Carrier::Unknown,
                Confidence::Inferred,
                format!(
                    "{} socket without a peer address: the OS tables do not say where it sends",
                    socket.protocol.id()
                ),
            ),
        };
        Attribution {
            carrier,
            channel: None,
            confidence,
            interface: None,
            evidence: vec![evidence],
        }
    }
}
