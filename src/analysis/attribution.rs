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
//!
//! Each step is one method below, tried in that order by `walk`. `attribute_traced` also
//! returns what each step found (it decided, noted evidence and went on, or did not apply, and
//! why), so that a view can show the walk for a connection, real or hypothetical, from the same
//! engine.

use std::cell::OnceCell;
use std::net::{IpAddr, SocketAddr};

use super::facts::Facts;
use super::profile::{ForwardingProfile, RuleAction};
use super::routing::{FlowContext, Lookup, Outcome, describe_route};
use crate::assessment::{
    Attribution, AttributionStep, Carrier, Confidence, StepFinding, StepOutcome,
};
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

/// A step that may decide: the verdict, or `None` to go on to the next step.
type StepFn<'f, 'a> =
    for<'s, 't> fn(&Attributor<'f, 'a>, &Flow<'s>, &mut Walk<'t>) -> Option<Attribution>;

/// One connection on its way through the steps.
struct Flow<'s> {
    socket: &'s Socket,
    remote: SocketAddr,
    ip: IpAddr,
    /// The vendor process (and its role) among the socket's owners.
    vendor_owner: Option<(u32, (Vendor, ProcessRole))>,
    /// Looked up by the first step that needs it (loopback never does).
    egress: OnceCell<Egress>,
    /// The name the destination was resolved from (explain's query), else `names_by_ip`'s.
    name: Option<&'s str>,
    /// A connection `explain` imagines: no process owns it yet, so no owner is "hidden".
    hypothetical: bool,
}

/// Where the kernel would send a flow.
struct Egress {
    /// `None` when the routes are unavailable.
    lookup: Option<Lookup>,
    interface: Option<String>,
    /// The vendor whose adapter `interface` is.
    vendor: Option<Vendor>,
}

/// What the steps found so far: the evidence every step adds to, and the trace when asked.
struct Walk<'t> {
    evidence: Vec<String>,
    trace: Option<&'t mut Vec<StepFinding>>,
    /// Why the current step did not apply (written only while tracing).
    passed: Option<String>,
    /// Step 4 found a bypass rule: step 6 does not give the flow to GSA's Internet Access.
    gsa_bypassed: bool,
}

impl Walk<'_> {
    fn note(&mut self, line: String) {
        self.evidence.push(line);
    }

    /// Says why a step did not apply; the sentence is built only while tracing.
    fn passed(&mut self, reason: impl FnOnce() -> String) {
        if self.trace.is_some() {
            self.passed = Some(reason());
        }
    }

    /// The verdict, with every step's evidence.
    fn done(
        &mut self,
        carrier: Carrier,
        channel: Option<Channel>,
        confidence: Confidence,
        interface: Option<String>,
    ) -> Attribution {
        Attribution {
            carrier,
            channel,
            confidence,
            interface,
            tunnel_of: None,
            evidence: std::mem::take(&mut self.evidence),
        }
    }

    /// Runs one step; a verdict ends the walk.
    fn step(
        &mut self,
        step: AttributionStep,
        run: impl FnOnce(&mut Self) -> Option<Attribution>,
    ) -> Option<Attribution> {
        let start = self.evidence.len();
        let decided = run(self);
        self.record(step, start, decided.as_ref());
        decided
    }

    /// Runs the step that always decides.
    fn last_step(
        &mut self,
        step: AttributionStep,
        run: impl FnOnce(&mut Self) -> Attribution,
    ) -> Attribution {
        let start = self.evidence.len();
        let attribution = run(self);
        self.record(step, start, Some(&attribution));
        attribution
    }

    /// Adds what a step found to the trace: the evidence it added since `start`, or why it
    /// did not apply.
    fn record(&mut self, step: AttributionStep, start: usize, decided: Option<&Attribution>) {
        let Some(trace) = self.trace.as_deref_mut() else {
            return;
        };
        let passed = self.passed.take();
        let lines = match decided {
            Some(a) => a.evidence.get(start..).unwrap_or_default(),
            None => self.evidence.get(start..).unwrap_or_default(),
        };
        let mut detail = lines.join("; ");
        let outcome = if decided.is_some() {
            StepOutcome::Decided
        } else if lines.is_empty() {
            StepOutcome::Passed
        } else {
            StepOutcome::Noted
        };
        if let Some(reason) = passed {
            if !detail.is_empty() {
                detail.push_str("; ");
            }
            detail.push_str(&reason);
        }
        trace.push(StepFinding {
            step,
            outcome,
            detail,
        });
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

    /// What carries the connection, walking the seven steps (see the module's documentation).
    pub fn attribute(&self, socket: &Socket) -> Attribution {
        self.walk(socket, None)
    }

    /// The same attribution, with what each step found: the walk `ssetop explain` prints.
    pub fn attribute_traced(&self, socket: &Socket) -> (Attribution, Vec<StepFinding>) {
        let mut trace = Vec::new();
        let attribution = self.walk(socket, Some(&mut trace));
        (attribution, trace)
    }

    /// The walk for a connection that does not exist yet (`ssetop explain`): `socket` has no
    /// owner, and `name` is the name its destination was resolved from.
    pub fn attribute_hypothetical(
        &self,
        socket: &Socket,
        name: Option<&str>,
    ) -> (Attribution, Vec<StepFinding>) {
        let mut trace = Vec::new();
        let attribution = self.walk_flow(socket, Some(&mut trace), name, true);
        (attribution, trace)
    }

    fn walk(&self, socket: &Socket, trace: Option<&mut Vec<StepFinding>>) -> Attribution {
        self.walk_flow(socket, trace, None, false)
    }

    fn walk_flow(
        &self,
        socket: &Socket,
        trace: Option<&mut Vec<StepFinding>>,
        name: Option<&str>,
        hypothetical: bool,
    ) -> Attribution {
        let mut walk = Walk {
            evidence: Vec::new(),
            trace,
            passed: None,
            gsa_bypassed: false,
        };
        let vendor_owner = socket
            .pids
            .iter()
            .find_map(|p| self.facts.vendor_pids.get(p).map(|v| (*p, *v)));
        let Some(remote) = socket.remote else {
            let attribution = self.attribute_without_peer(socket, vendor_owner);
            walk.record(AttributionStep::NoPeer, 0, Some(&attribution));
            return attribution;
        };
        let flow = Flow {
            socket,
            remote,
            ip: remote.ip(),
            vendor_owner,
            egress: OnceCell::new(),
            name: name.or_else(|| self.facts.names_by_ip.get(&remote.ip()).map(String::as_str)),
            hypothetical,
        };
        // The seven steps in order: the first that decides wins, and the last always does.
        let steps: [(AttributionStep, StepFn<'f, 'a>); 6] = [
            (AttributionStep::Local, Self::local),
            (AttributionStep::TunnelProcess, Self::tunnel_process),
            (AttributionStep::SyntheticRange, Self::synthetic_range),
            (AttributionStep::ForwardingProfile, Self::forwarding_profile),
            (AttributionStep::Route, Self::route),
            (AttributionStep::PacketFilter, Self::packet_filter),
        ];
        for (step, run) in steps {
            if let Some(attribution) = walk.step(step, |w| run(self, &flow, w)) {
                return attribution;
            }
        }
        walk.last_step(AttributionStep::Direct, |w| self.direct(&flow, w))
    }

    /// The egress of a flow: the route lookup, done once and only by the steps that need it.
    fn egress<'w>(&self, flow: &'w Flow) -> &'w Egress {
        flow.egress.get_or_init(|| {
            let context = FlowContext {
                source: Some(flow.socket.local.ip()),
                uid: flow.socket.uid,
            };
            let lookup = self.facts.egress(flow.ip, context);
            let interface = lookup.as_ref().and_then(|(_, i)| i.clone());
            let vendor = interface
                .as_deref()
                .and_then(|i| self.facts.adapter_vendor(i));
            Egress {
                lookup: lookup.map(|(l, _)| l),
                interface,
                vendor,
            }
        })
    }

    /// 1. Loopback and link-local stay on the device, except Zscaler's local proxy.
    fn local(&self, flow: &Flow, walk: &mut Walk) -> Option<Attribution> {
        let (ip, remote, socket) = (flow.ip, flow.remote, flow.socket);
        if !(ip.is_loopback() || socket.local.ip().is_loopback() || is_link_local(ip)) {
            walk.passed(|| format!("{ip} is neither loopback nor link-local"));
            return None;
        }
        if ip.is_loopback() && self.proxy_ports.contains(&remote.port()) {
            let listener_is_zscaler = self.facts.zscaler_listen_ports.contains(&remote.port());
            if listener_is_zscaler || self.facts.is_running(Vendor::Zscaler) {
                walk.note(format!(
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
                return Some(walk.done(Carrier::Zscaler, Some(Channel::Zia), confidence, None));
            }
        }
        walk.note(if is_link_local(ip) {
            format!("{ip} is link-local: stays on the local link")
        } else {
            "loopback: never leaves the device".to_string()
        });
        Some(walk.done(Carrier::Local, None, Confidence::Certain, None))
    }

    /// 2. The owner is a vendor's tunnel process (that vendor's outer tunnel); without a
    ///    visible owner, GSA's tunnel is known by where it goes.
    fn tunnel_process(&self, flow: &Flow, walk: &mut Walk) -> Option<Attribution> {
        let (ip, socket) = (flow.ip, flow.socket);
        if let Some((pid, (vendor, role))) = flow.vendor_owner {
            let name = self.owner(socket).map(|(_, n)| n).unwrap_or_default();
            if role != ProcessRole::Tunnel {
                walk.note(format!(
                    "owned by {name} (pid {pid}), a {} {:?} process, not its tunnel",
                    vendor.label(),
                    role
                ));
                return self.hidden_gsa_tunnel(flow, walk);
            }
            walk.note(format!(
                "owned by {name} (pid {pid}), {}'s tunnel process",
                vendor.label()
            ));
            let channel = if vendor == Vendor::Gsa {
                self.facts.gsa_channel_of(ip)
            } else {
                None
            };
            if let Some(name) = self.facts.names_by_ip.get(&ip) {
                walk.note(format!("{ip} is {name}"));
            }
            let egress = self.egress(flow);
            let outer = self.outer_tunnel(flow, vendor, walk);
            let mut attribution = walk.done(
                outer.unwrap_or(vendor).into(),
                channel,
                Confidence::Certain,
                egress.interface.clone(),
            );
            attribution.tunnel_of = Some(vendor.into());
            return Some(attribution);
        }
        self.hidden_gsa_tunnel(flow, walk)
    }

    /// The other client's tunnel a tunnel process's connection enters (its route leaves by
    /// that client's adapter), noted with the route.
    fn outer_tunnel(&self, flow: &Flow, own: Vendor, walk: &mut Walk) -> Option<Vendor> {
        let egress = self.egress(flow);
        let (Some(outer), Some(dev)) = (egress.vendor, egress.interface.as_deref()) else {
            return None;
        };
        if outer == own {
            return None;
        }
        let (route, _) = self.route_and_dev(flow);
        walk.note(format!(
            "but route {route} leaves through {dev}, {}'s adapter: this {} tunnel runs inside {}'s",
            outer.label(),
            own.label(),
            outer.label()
        ));
        Some(outer)
    }

    /// 2b. No owner visible (no privilege), but GSA's tunnel by where it goes: TCP to GSA's
    ///     edge port inside its service ranges (not a synthetic address) while GSA runs.
    fn hidden_gsa_tunnel(&self, flow: &Flow, walk: &mut Walk) -> Option<Attribution> {
        let socket = flow.socket;
        let range =
            (socket.pids.is_empty() && socket.protocol == Protocol::Tcp && self.gsa_running)
                .then(|| self.facts.gsa_edge_by_destination(flow.remote))
                .flatten();
        let Some(range) = range.filter(|_| !flow.hypothetical) else {
            walk.passed(|| {
                if flow.hypothetical {
                    "a new connection from an application: no tunnel process owns it".to_string()
                } else if socket.pids.is_empty() {
                    "owner hidden, and not TCP to GSA's edge while GSA runs".to_string()
                } else {
                    "no vendor's tunnel process owns it".to_string()
                }
            });
            return None;
        };
        walk.note(format!(
            "owner hidden; TCP {} to GSA's service range {range} while GSA runs: GSA's tunnel",
            flow.remote.port()
        ));
        let egress = self.egress(flow);
        let outer = self.outer_tunnel(flow, Vendor::Gsa, walk);
        let mut attribution = walk.done(
            outer.map_or(Carrier::Gsa, Carrier::from),
            self.facts.gsa_channel_of(flow.ip),
            Confidence::Likely,
            egress.interface.clone(),
        );
        attribution.tunnel_of = Some(Carrier::Gsa);
        Some(attribution)
    }

    /// 3. A synthetic range: the vendor's driver takes the flow before routing.
    fn synthetic_range(&self, flow: &Flow, walk: &mut Walk) -> Option<Attribution> {
        let ip = flow.ip;
        let Some(range) = self.facts.synthetic(ip) else {
            walk.passed(|| format!("{ip} is in no vendor's synthetic range"));
            return None;
        };
        if range.while_running && !self.facts.is_running(range.vendor) {
            walk.note(format!(
                "{ip} is in {}'s synthetic range {}, but {} is not running",
                range.vendor.label(),
                range.cidr,
                range.vendor.label()
            ));
            return None;
        }
        walk.note(format!(
            "{ip} is in {}'s synthetic range {}: its driver takes the flow before routing",
            range.vendor.label(),
            range.cidr
        ));
        Some(walk.done(
            range.vendor.into(),
            range.channel,
            Confidence::Certain,
            None,
        ))
    }

    /// 4. GSA's forwarding profile (the first rule by order: tunnel decides, bypass goes on),
    ///    or without a profile the Microsoft 365 ranges while GSA runs.
    fn forwarding_profile(&self, flow: &Flow, walk: &mut Walk) -> Option<Attribution> {
        let (ip, socket, port) = (flow.ip, flow.socket, flow.remote.port());
        let name = flow.name;
        match (&self.rules, self.gsa_running) {
            (Some(rules), true) => {
                let Some(rule) = rules.find(ip, socket.protocol, port, name) else {
                    walk.note("no GSA forwarding profile rule matches".to_string());
                    return None;
                };
                match rule.action {
                    RuleAction::Tunnel => {
                        walk.note(format!(
                            "GSA forwarding profile {} tunnels {}/{port}: GSA's filter driver takes it before routing",
                            rule.label(),
                            socket.protocol.id(),
                        ));
                        Some(walk.done(Carrier::Gsa, rule.channel, Confidence::Likely, None))
                    }
                    RuleAction::Bypass => {
                        walk.gsa_bypassed = true;
                        walk.note(format!(
                            "GSA forwarding profile {} bypasses it",
                            rule.label()
                        ));
                        None
                    }
                }
            }
            (Some(_), false) => {
                walk.note("GSA is not running: its forwarding profile does not apply".into());
                None
            }
            (None, true) => {
                let Some((net, area)) = self.m365.find(ip, socket.protocol, port) else {
                    walk.passed(|| {
                        format!(
                            "no forwarding profile, and {ip} {}/{port} is not in a Microsoft 365 range GSA acquires",
                            socket.protocol.id()
                        )
                    });
                    return None;
                };
                walk.note(format!(
                    "{ip} is in Microsoft 365 {} range {net} ({} list {}), GSA runs",
                    area.name,
                    socket.protocol.id(),
                    self.facts.knowledge.file.m365.list_version
                ));
                Some(walk.done(Carrier::Gsa, Some(Channel::M365), Confidence::Likely, None))
            }
            (None, false) => {
                walk.passed(|| "GSA is not running".to_string());
                None
            }
        }
    }

    /// 5. The route: this device's own address, dropped, no route, or a vendor's adapter.
    fn route(&self, flow: &Flow, walk: &mut Walk) -> Option<Attribution> {
        let ip = flow.ip;
        let egress = self.egress(flow);
        let Some(lookup) = &egress.lookup else {
            walk.note("routes unavailable: the egress is unknown".into());
            return Some(walk.done(Carrier::Unknown, None, Confidence::Inferred, None));
        };
        let route_text = lookup.route().and_then(|i| self.route_text(i));
        match lookup.outcome {
            Outcome::Local(_) => {
                walk.note(format!(
                    "{ip} is this device's own address ({})",
                    route_text.unwrap_or_default()
                ));
                return Some(walk.done(Carrier::Local, None, Confidence::Certain, None));
            }
            Outcome::Drop(_) => {
                walk.note(match route_text {
                    Some(r) => format!("dropped by route {r}"),
                    None => format!("dropped by policy rule {}", lookup.rule.unwrap_or(0)),
                });
                return Some(walk.done(Carrier::Unknown, None, Confidence::Likely, None));
            }
            Outcome::NoRoute => {
                walk.note(format!("no route to {ip}"));
                return Some(walk.done(Carrier::Unknown, None, Confidence::Likely, None));
            }
            Outcome::Forward(_) => {}
        }
        let Some(vendor) = egress.vendor else {
            walk.passed(|| {
                format!(
                    "route {} leaves via {}, not a vendor adapter",
                    route_text.unwrap_or_default(),
                    egress.interface.as_deref().unwrap_or("?")
                )
            });
            return None;
        };
        walk.note(format!(
            "route {} leaves via {}, {}'s adapter",
            route_text.unwrap_or_default(),
            egress.interface.as_deref().unwrap_or("?"),
            vendor.label()
        ));
        Some(walk.done(
            vendor.into(),
            None,
            Confidence::Likely,
            egress.interface.clone(),
        ))
    }

    /// The route a forwarded flow takes and its interface, as the evidence names them.
    fn route_and_dev<'s>(&'s self, flow: &'s Flow) -> (&'s str, &'s str) {
        let egress = self.egress(flow);
        let route = egress
            .lookup
            .as_ref()
            .and_then(|l| l.route())
            .and_then(|i| self.route_text(i))
            .unwrap_or_default();
        (route, egress.interface.as_deref().unwrap_or("?"))
    }

    /// 6. A packet-filter client carries the rest of the internet in this setup, inferred.
    fn packet_filter(&self, flow: &Flow, walk: &mut Walk) -> Option<Attribution> {
        if is_internal(flow.ip) {
            walk.passed(|| format!("{} is not an internet address", flow.ip));
            return None;
        }
        if self.setup == SetupId::ZscalerInternet && self.zscaler_tunnel_running {
            let (route, dev) = self.route_and_dev(flow);
            walk.note(format!(
                "route {route} leaves via {dev}; in setup zscaler-internet Zscaler's packet filter (Z-Tunnel 2.0) carries the rest of the internet"
            ));
            return Some(walk.done(
                Carrier::Zscaler,
                Some(Channel::Zia),
                Confidence::Inferred,
                None,
            ));
        }
        if self.setup == SetupId::ZscalerPrivate
            && self.gsa_running
            && self.gsa_internet_enabled
            && !walk.gsa_bypassed
        {
            let (route, dev) = self.route_and_dev(flow);
            walk.note(format!(
                "route {route} leaves via {dev}; in setup zscaler-private GSA Internet Access carries the rest of the internet"
            ));
            return Some(walk.done(
                Carrier::Gsa,
                Some(Channel::Internet),
                Confidence::Inferred,
                None,
            ));
        }
        walk.passed(|| {
            format!(
                "no packet-filter client carries the internet in setup {}",
                self.setup
            )
        });
        None
    }

    /// 7. Otherwise direct, via the route's interface.
    fn direct(&self, flow: &Flow, walk: &mut Walk) -> Attribution {
        let (route, dev) = self.route_and_dev(flow);
        walk.note(format!(
            "route {route} leaves via {dev}, not a vendor adapter"
        ));
        walk.done(
            Carrier::Direct,
            None,
            Confidence::Likely,
            self.egress(flow).interface.clone(),
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
            tunnel_of: match vendor_owner {
                Some((_, (vendor, ProcessRole::Tunnel))) if !socket.is_listening() => {
                    Some(vendor.into())
                }
                _ => None,
            },
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
    fn step2_a_tunnel_routed_into_another_vendors_adapter_is_carried_by_the_outer_tunnel() {
        let s = with_gsa(Device::windows().pangp())
            .route("0.0.0.0/0", "Ethernet 3", Some("10.200.0.1"), 1)
            .tcp("150.171.19.10:443", Some(4100))
            .build();
        let a = attribute(&s, SetupId::GlobalProtect, "150.171.19.10:443");
        assert_eq!(a.carrier, Carrier::GlobalProtect);
        assert_eq!(a.tunnel_of, Some(Carrier::Gsa));
        assert_eq!(a.nested(), Some((Carrier::Gsa, Carrier::GlobalProtect)));
        assert_eq!(a.interface.as_deref(), Some("Ethernet 3"));
        assert!(
            says(&a, "dev Ethernet 3") && says(&a, "runs inside GlobalProtect's"),
            "{:?}",
            a.evidence
        );
    }

    #[test]
    fn step2_a_tunnel_that_leaves_directly_keeps_its_vendor_and_names_it_tunnel_of() {
        let s = with_gsa(Device::windows().pangp())
            .tcp("150.171.19.10:443", Some(4100))
            .build();
        let a = attribute(&s, SetupId::GlobalProtect, "150.171.19.10:443");
        assert_eq!(a.carrier, Carrier::Gsa);
        assert_eq!(a.tunnel_of, Some(Carrier::Gsa));
        assert_eq!(a.nested(), None);
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

    /// The trace of the connection to `endpoint`, checked to end in the same attribution as
    /// the untraced walk.
    fn trace(snapshot: &Snapshot, setup: SetupId, endpoint: &str) -> Vec<StepFinding> {
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
        let (traced, trace) = attributor.attribute_traced(socket);
        assert_eq!(traced, attributor.attribute(socket), "{endpoint}");
        trace
    }

    fn steps(trace: &[StepFinding]) -> Vec<(AttributionStep, StepOutcome)> {
        trace.iter().map(|f| (f.step, f.outcome)).collect()
    }

    #[test]
    fn the_trace_walks_every_step_in_order_to_the_one_that_decides() {
        use AttributionStep::*;
        use StepOutcome::*;
        let s = Device::windows().tcp("8.8.8.8:53", Some(9)).build();
        let walk = trace(&s, SetupId::None, "8.8.8.8:53");
        assert_eq!(
            steps(&walk),
            [
                (Local, Passed),
                (TunnelProcess, Passed),
                (SyntheticRange, Passed),
                (ForwardingProfile, Passed),
                (Route, Passed),
                (PacketFilter, Passed),
                (Direct, Decided),
            ]
        );
        // Each step says what it found, or why it did not apply.
        assert!(walk.iter().all(|f| !f.detail.is_empty()), "{walk:#?}");
        assert!(walk[0].detail.contains("neither loopback nor link-local"));
        assert!(walk[3].detail.contains("GSA is not running"));
        assert!(walk[4].detail.contains("not a vendor adapter"));
        assert!(
            walk[6]
                .detail
                .contains("route 0.0.0.0/0 via 192.168.1.1 dev Ethernet")
        );
    }

    #[test]
    fn the_trace_stops_at_the_deciding_step_and_keeps_what_earlier_steps_noted() {
        use AttributionStep::*;
        use StepOutcome::*;
        // A vendor process that is not its tunnel: noted at step 2, decided by the synthetic
        // range at step 3.
        let s = Device::windows()
            .process(4201, "PanGPA.exe")
            .tcp("6.6.3.4:443", Some(4201))
            .build();
        let walk = trace(&s, SetupId::GlobalProtect, "6.6.3.4:443");
        assert_eq!(
            steps(&walk),
            [
                (Local, Passed),
                (TunnelProcess, Noted),
                (SyntheticRange, Decided)
            ]
        );
        assert!(walk[1].detail.contains("not its tunnel"), "{walk:#?}");
        assert!(
            walk[2].detail.contains("synthetic range 6.6.0.0/16"),
            "{walk:#?}"
        );
        // A profile's bypass rule is noted at step 4; the route then decides.
        let rules = r#"
            {"id": "bypass-a", "channelId": "internet", "order": 1, "action": "bypass",
             "matchingCriteria": {"address": {"ips": [{"start": "93.184.216.0", "end": "93.184.216.255"}]}}}"#;
        let s = with_gsa(Device::windows().pangp())
            .route("0.0.0.0/0", "Ethernet 3", Some("10.200.0.1"), 1)
            .profile(&profile_json(&[("internet", true)], rules))
            .tcp("93.184.216.34:443", Some(9))
            .build();
        let walk = trace(&s, SetupId::ZscalerPrivate, "93.184.216.34:443");
        assert_eq!(
            steps(&walk)[3..],
            [(ForwardingProfile, Noted), (Route, Decided)]
        );
        assert!(walk[3].detail.contains("rule bypass-a"), "{walk:#?}");
        assert!(
            walk[4].detail.contains("GlobalProtect's adapter"),
            "{walk:#?}"
        );
    }

    #[test]
    fn the_trace_of_loopback_and_of_a_socket_without_a_peer_is_one_step() {
        let s = Device::windows()
            .socket(
                Protocol::Tcp,
                "127.0.0.1:5000",
                Some("127.0.0.1:6000"),
                Some("ESTABLISHED"),
                Some(7),
            )
            .listen("0.0.0.0:135", Some(900))
            .build();
        let walk = trace(&s, SetupId::None, "127.0.0.1:6000");
        assert_eq!(
            steps(&walk),
            [(AttributionStep::Local, StepOutcome::Decided)]
        );
        assert!(walk[0].detail.contains("loopback"));
        let walk = trace(&s, SetupId::None, "0.0.0.0:135");
        assert_eq!(
            steps(&walk),
            [(AttributionStep::NoPeer, StepOutcome::Decided)]
        );
        assert!(walk[0].detail.contains("listening on 0.0.0.0:135"));
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
