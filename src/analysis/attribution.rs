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

use super::facts::Facts;
use super::profile::{ForwardingProfile, RuleAction};
use super::routing::{FlowContext, Outcome, describe_route};
use crate::assessment::{Attribution, Carrier, Confidence};
use crate::knowledge::{Channel, ProcessRole, ServiceArea, SetupId, Vendor};
use crate::snapshot::{Protocol, Socket};
use ipnet::IpNet;
use prefix_trie::PrefixMap;

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
    rules: Option<&'f ForwardingProfile>,
    m365: M365Index<'a>,
    gsa_running: bool,
    zscaler_tunnel_running: bool,
    gsa_internet_enabled: bool,
    proxy_ports: Vec<u16>,
    /// Each route described once, when first needed (thousands of connections share a few).
    route_texts: Vec<std::cell::OnceCell<String>>,
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
            rules: facts.parsed_profile(),
            m365: M365Index::new(&facts.knowledge.file.m365.service_areas),
            gsa_running: facts.is_running(Vendor::Gsa),
            zscaler_tunnel_running: facts
                .client_of(Vendor::Zscaler)
                .has_role(ProcessRole::Tunnel),
            gsa_internet_enabled,
            proxy_ports,
            route_texts: std::iter::repeat_with(std::cell::OnceCell::new)
                .take(facts.routes.as_ref().map_or(0, |r| r.routes().len()))
                .collect(),
            facts,
        }
    }

    fn route_text(&self, i: usize) -> Option<&str> {
        let route = self.facts.routes.as_ref()?.routes().get(i)?;
        Some(
            self.route_texts
                .get(i)?
                .get_or_init(|| describe_route(route)),
        )
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

        // 2b. No owner visible (no privilege), but GSA's tunnel by where it goes: TCP to GSA's
        //     edge port inside its service ranges (not a synthetic address) while GSA runs.
        if socket.pids.is_empty()
            && socket.protocol == Protocol::Tcp
            && self.gsa_running
            && let Some(range) = self.facts.gsa_edge_by_destination(remote)
        {
            evidence.push(format!(
                "owner hidden; TCP {} to GSA's service range {range} while GSA runs: GSA's tunnel",
                remote.port()
            ));
            if let (Some(inner), Some(dev)) = (egress_vendor, interface.as_deref()) {
                evidence.push(format!(
                    "but it leaves through {dev}, {}'s adapter: this tunnel runs inside the other",
                    inner.label()
                ));
            }
            return done(
                Carrier::Gsa,
                self.facts.gsa_channel_of(ip),
                Confidence::Likely,
                interface,
                evidence,
            );
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
        let route_text = lookup.route().and_then(|i| self.route_text(i));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::{Device, profile_json, with_gsa};
    use crate::knowledge::Knowledge;
    use crate::snapshot::{DnsStatus, RouteKind, Snapshot};

    /// The attribution of the connection to `remote` (or the socket at `local`).
    fn attribute(snapshot: &Snapshot, setup: SetupId, endpoint: &str) -> Attribution {
        let knowledge = Knowledge::embedded();
        let facts = Facts::new(snapshot, &knowledge);
        let attributor = Attributor::new(&facts, setup);
        let socket = facts
            .sockets()
            .iter()
            .find(|s| {
                s.remote.map(|r| r.to_string()).as_deref() == Some(endpoint)
                    || s.local.to_string() == endpoint
            })
            .unwrap_or_else(|| panic!("no socket {endpoint}"));
        attributor.attribute(socket)
    }

    fn says(a: &Attribution, text: &str) -> bool {
        a.evidence.iter().any(|e| e.contains(text))
    }

    #[test]
    fn step1_loopback_and_link_local_are_local() {
        let s = Device::windows()
            .socket(
                Protocol::Tcp,
                "127.0.0.1:5000",
                Some("127.0.0.1:6000"),
                Some("ESTABLISHED"),
                Some(7),
            )
            .tcp("169.254.10.1:80", Some(7))
            .build();
        let a = attribute(&s, SetupId::None, "127.0.0.1:6000");
        assert_eq!(
            (a.carrier, a.confidence),
            (Carrier::Local, Confidence::Certain)
        );
        assert!(says(&a, "loopback"));
        let a = attribute(&s, SetupId::None, "169.254.10.1:80");
        assert_eq!(a.carrier, Carrier::Local);
        assert!(says(&a, "link-local"));
    }

    #[test]
    fn step1_zscalers_local_proxy_is_zia_certain_when_zscaler_listens() {
        let device = || {
            Device::windows().socket(
                Protocol::Tcp,
                "127.0.0.1:53000",
                Some("127.0.0.1:9000"),
                Some("ESTABLISHED"),
                Some(5100),
            )
        };
        let listening = device()
            .process(4300, "ZSATunnel.exe")
            .listen("127.0.0.1:9000", Some(4300))
            .build();
        let a = attribute(&listening, SetupId::ZscalerInternet, "127.0.0.1:9000");
        assert_eq!(
            (a.carrier, a.channel, a.confidence),
            (Carrier::Zscaler, Some(Channel::Zia), Confidence::Certain)
        );
        // Zscaler runs, its listener is not seen: the knowledge base's port, likely.
        let running = device().process(4300, "ZSATunnel.exe").build();
        let a = attribute(&running, SetupId::ZscalerInternet, "127.0.0.1:9000");
        assert_eq!(
            (a.carrier, a.confidence),
            (Carrier::Zscaler, Confidence::Likely)
        );
        // Without Zscaler, port 9000 is just a local service.
        let a = attribute(&device().build(), SetupId::None, "127.0.0.1:9000");
        assert_eq!(a.carrier, Carrier::Local);
    }

    #[test]
    fn step2_a_vendor_tunnel_process_carries_its_own_connection_with_the_edge_channel() {
        let s = with_gsa(Device::windows())
            .tcp("150.171.19.10:443", Some(4100))
            .dns(
                "t.m365.client.globalsecureaccess.microsoft.com",
                DnsStatus::Resolved,
                &["150.171.19.10"],
            )
            .build();
        let a = attribute(&s, SetupId::None, "150.171.19.10:443");
        assert_eq!(
            (a.carrier, a.channel, a.confidence),
            (Carrier::Gsa, Some(Channel::M365), Confidence::Certain)
        );
        assert!(says(
            &a,
            "GlobalSecureAccessTunnelingService.exe (pid 4100)"
        ));
        assert_eq!(a.interface.as_deref(), Some("Ethernet"));
    }

    #[test]
    fn step2_a_tunnel_routed_into_another_vendors_adapter_says_so() {
        let s = with_gsa(Device::windows().pangp())
            .route("0.0.0.0/0", "Ethernet 3", Some("10.200.0.1"), 1)
            .tcp("150.171.19.10:443", Some(4100))
            .build();
        let a = attribute(&s, SetupId::GlobalProtect, "150.171.19.10:443");
        assert_eq!(a.carrier, Carrier::Gsa);
        assert_eq!(a.interface.as_deref(), Some("Ethernet 3"));
        assert!(says(&a, "inside the other"), "{:?}", a.evidence);
    }

    #[test]
    fn step2_without_an_owner_gsas_tunnel_is_known_by_destination() {
        let s = with_gsa(Device::windows())
            .tcp("150.171.20.5:443", None)
            .build();
        let a = attribute(&s, SetupId::None, "150.171.20.5:443");
        assert_eq!(
            (a.carrier, a.confidence),
            (Carrier::Gsa, Confidence::Likely)
        );
        assert!(says(&a, "owner hidden"));
        // Not to a GSA synthetic address: an application's flow inside GSA's tunnel.
        let s = with_gsa(Device::windows())
            .tcp("6.6.0.10:443", None)
            .build();
        let a = attribute(&s, SetupId::None, "6.6.0.10:443");
        assert_eq!(
            (a.carrier, a.confidence),
            (Carrier::Gsa, Confidence::Certain)
        );
        assert!(!says(&a, "owner hidden"), "{:?}", a.evidence);
        // Not while GSA is absent.
        let s = Device::windows().tcp("150.171.20.5:443", None).build();
        assert_eq!(
            attribute(&s, SetupId::None, "150.171.20.5:443").carrier,
            Carrier::Direct
        );
    }

    #[test]
    fn step2_a_vendor_process_that_is_not_its_tunnel_goes_on_with_evidence() {
        let s = Device::windows()
            .process(4201, "PanGPA.exe")
            .tcp("8.8.8.8:443", Some(4201))
            .build();
        let a = attribute(&s, SetupId::GlobalProtect, "8.8.8.8:443");
        assert_eq!(a.carrier, Carrier::Direct);
        assert!(says(&a, "not its tunnel"));
    }

    #[test]
    fn step3_synthetic_ranges_name_the_carrier_with_certainty() {
        let s = Device::windows()
            .process(4300, "ZSATunnel.exe")
            .tcp("6.6.3.4:443", Some(9))
            .tcp("100.64.1.5:22", Some(9))
            .build();
        let a = attribute(&s, SetupId::ZscalerPrivate, "6.6.3.4:443");
        assert_eq!(
            (a.carrier, a.confidence),
            (Carrier::Gsa, Confidence::Certain)
        );
        assert_eq!(a.interface, None, "GSA's driver takes it before routing");
        let a = attribute(&s, SetupId::ZscalerPrivate, "100.64.1.5:22");
        assert_eq!(
            (a.carrier, a.channel, a.confidence),
            (Carrier::Zscaler, Some(Channel::Zpa), Confidence::Certain)
        );
        // ZPA's range counts only while Zscaler runs (it is CGNAT space too).
        let s = Device::windows().tcp("100.64.1.5:22", Some(9)).build();
        let a = attribute(&s, SetupId::None, "100.64.1.5:22");
        assert_eq!(a.carrier, Carrier::Direct);
        assert!(says(&a, "Zscaler is not running"));
    }

    #[test]
    fn step4_the_first_profile_rule_by_order_decides_tunnel_or_bypass() {
        let rules = r#"
            {"id": "bypass-a", "channelId": "internet", "order": 1, "action": "bypass",
             "matchingCriteria": {"address": {"ips": [{"start": "93.184.216.0", "end": "93.184.216.255"}]}}},
            {"id": "all", "channelId": "internet", "order": 9, "action": "tunnel",
             "matchingCriteria": {"address": {"ips": [{"start": 0, "end": 4294967295}]}, "protocol": "tcp"}}"#;
        let s = with_gsa(Device::windows())
            .profile(&profile_json(&[("m365", true), ("internet", true)], rules))
            .tcp("93.184.216.34:443", Some(9))
            .tcp("1.1.1.1:443", Some(9))
            .build();
        let a = attribute(&s, SetupId::ZscalerPrivate, "1.1.1.1:443");
        assert_eq!(
            (a.carrier, a.channel, a.confidence),
            (Carrier::Gsa, Some(Channel::Internet), Confidence::Likely)
        );
        assert!(says(&a, "rule all (order 9, internet)"));
        // Bypassed: evidence, then the route, and no "GSA carries the rest" inference.
        let a = attribute(&s, SetupId::ZscalerPrivate, "93.184.216.34:443");
        assert_eq!(a.carrier, Carrier::Direct);
        assert!(says(&a, "bypasses"));
    }

    #[test]
    fn step4_without_a_profile_microsoft_365_ranges_go_to_gsa_while_it_runs() {
        let s = with_gsa(Device::windows())
            .tcp("52.96.1.1:443", Some(9))
            .tcp("52.96.1.2:25", Some(9))
            .build();
        let a = attribute(&s, SetupId::GlobalProtect, "52.96.1.1:443");
        assert_eq!(
            (a.carrier, a.channel, a.confidence),
            (Carrier::Gsa, Some(Channel::M365), Confidence::Likely)
        );
        assert!(says(&a, "Exchange Online"));
        // Port 25 is not in the Optimize list's ports.
        assert_eq!(
            attribute(&s, SetupId::GlobalProtect, "52.96.1.2:25").carrier,
            Carrier::Direct
        );
        // And GSA not running: nobody acquires it.
        let s = Device::windows().tcp("52.96.1.1:443", Some(9)).build();
        assert_eq!(
            attribute(&s, SetupId::GlobalProtect, "52.96.1.1:443").carrier,
            Carrier::Direct
        );
    }

    #[test]
    fn step5_a_route_through_a_vendor_adapter_names_that_vendor() {
        let s = Device::windows()
            .pangp()
            .route("0.0.0.0/0", "Ethernet 3", Some("10.200.0.1"), 1)
            .tcp("142.250.1.1:443", Some(9))
            .build();
        let a = attribute(&s, SetupId::GlobalProtect, "142.250.1.1:443");
        assert_eq!(
            (a.carrier, a.confidence, a.interface.as_deref()),
            (
                Carrier::GlobalProtect,
                Confidence::Likely,
                Some("Ethernet 3")
            )
        );
        assert!(says(&a, "GlobalProtect's adapter"));
    }

    #[test]
    fn step6_packet_filter_clients_carry_the_rest_of_the_internet_inferred() {
        let s = Device::windows()
            .process(4300, "ZSATunnel.exe")
            .tcp("142.250.1.1:443", Some(9))
            .tcp("10.1.2.3:445", Some(9))
            .build();
        let a = attribute(&s, SetupId::ZscalerInternet, "142.250.1.1:443");
        assert_eq!(
            (a.carrier, a.channel, a.confidence),
            (Carrier::Zscaler, Some(Channel::Zia), Confidence::Inferred)
        );
        // Private destinations are not internet traffic.
        assert_eq!(
            attribute(&s, SetupId::ZscalerInternet, "10.1.2.3:445").carrier,
            Carrier::Direct
        );
        // GSA Internet Access in zscaler-private (the setup's channels, no profile).
        let s = with_gsa(Device::windows())
            .tcp("142.250.1.1:443", Some(9))
            .build();
        let a = attribute(&s, SetupId::ZscalerPrivate, "142.250.1.1:443");
        assert_eq!(
            (a.carrier, a.channel, a.confidence),
            (Carrier::Gsa, Some(Channel::Internet), Confidence::Inferred)
        );
    }

    #[test]
    fn step7_otherwise_direct_and_the_ends_of_routing() {
        let s = Device::windows()
            .route_kind("203.0.113.0/24", "Ethernet", RouteKind::Unreachable)
            .tcp("8.8.8.8:53", Some(9))
            .tcp("192.168.1.50:8080", Some(9))
            .tcp("203.0.113.9:443", Some(9))
            .build();
        let a = attribute(&s, SetupId::None, "8.8.8.8:53");
        assert_eq!(
            (a.carrier, a.interface.as_deref()),
            (Carrier::Direct, Some("Ethernet"))
        );
        assert!(says(&a, "not a vendor adapter"));
        let a = attribute(&s, SetupId::None, "203.0.113.9:443");
        assert_eq!(a.carrier, Carrier::Unknown);
        assert!(says(&a, "dropped"));
        let s = Device::new("linux").tcp("8.8.8.8:53", Some(9)).build();
        let a = attribute(&s, SetupId::None, "8.8.8.8:53");
        assert_eq!(a.carrier, Carrier::Unknown);
        assert!(says(&a, "no route"));
        let s = Device::windows()
            .without_routes()
            .tcp("8.8.8.8:53", Some(9))
            .build();
        let a = attribute(&s, SetupId::None, "8.8.8.8:53");
        assert_eq!(a.carrier, Carrier::Unknown);
        assert!(says(&a, "routes unavailable"));
    }

    #[test]
    fn sockets_without_a_peer() {
        let s = Device::windows()
            .process(4200, "PanGPS.exe")
            .socket(Protocol::Udp, "192.168.1.50:4501", None, None, Some(4200))
            .listen("0.0.0.0:135", Some(900))
            .socket(Protocol::Udp, "0.0.0.0:5353", None, None, Some(900))
            .build();
        let a = attribute(&s, SetupId::GlobalProtect, "192.168.1.50:4501");
        assert_eq!(
            (a.carrier, a.confidence),
            (Carrier::GlobalProtect, Confidence::Certain)
        );
        let a = attribute(&s, SetupId::GlobalProtect, "0.0.0.0:135");
        assert_eq!(a.carrier, Carrier::Local);
        let a = attribute(&s, SetupId::GlobalProtect, "0.0.0.0:5353");
        assert_eq!(
            (a.carrier, a.confidence),
            (Carrier::Unknown, Confidence::Inferred)
        );
    }
}
