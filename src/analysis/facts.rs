//! Facts derived once per snapshot and shared by attribution, setup detection and the checks:
//! recognised clients, the route and profile indexes, names learned from DNS.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;

use super::clients;
use super::profile::{ForwardingProfile, ProfileCache, ProfileError};
use super::routing::{FlowContext, Lookup, Outcome, RouteCache, RouteIndex};
use crate::assessment::{Client, ClientState, VendorAdapter, VendorProcess};
use crate::knowledge::{Channel, Knowledge, Os, ProcessRole, SyntheticRange, Vendor};
use crate::snapshot::{Protocol, RouteKind, Snapshot, Socket};

/// What a tunnel's transport is, by vendor, protocol and port: GlobalProtect's IPsec (ESP in
/// UDP 4501) or its SSL fallback (TCP 443); Zscaler's Z-Tunnel 2.0 over DTLS (UDP 443) or TLS
/// (TCP 443); GSA's TLS. The ports are the vendors' documented defaults.
fn tunnel_transport(vendor: Vendor, protocol: Protocol, port: u16) -> Option<&'static str> {
    match (vendor, protocol, port) {
        (Vendor::GlobalProtect, Protocol::Udp, 4501) => Some("GlobalProtect IPsec, ESP over UDP"),
        (Vendor::GlobalProtect, Protocol::Tcp, 443) => Some("GlobalProtect SSL"),
        (Vendor::Zscaler, Protocol::Udp, 443) => Some("Z-Tunnel 2.0 over DTLS"),
        (Vendor::Zscaler, Protocol::Tcp, 443) => Some("Z-Tunnel over TLS"),
        (Vendor::Gsa, Protocol::Tcp, 443) => Some("GSA TLS"),
        _ => None,
    }
}

/// IPv6 link-local and multicast prefixes every interface carries.
fn is_link_scoped(net: IpNet) -> bool {
    match net {
        IpNet::V4(_) => false,
        IpNet::V6(n) => {
            let first = n.network().segments()[0];
            (first & 0xffc0) == 0xfe80 || (first & 0xff00) == 0xff00
        }
    }
}

/// The forwarding profile as found and parsed.
pub struct ProfileFacts {
    pub origin: String,
    pub timestamp: Option<String>,
    pub parsed: Arc<Result<ForwardingProfile, ProfileError>>,
}

pub struct Facts<'a> {
    pub snapshot: &'a Snapshot,
    pub knowledge: &'a Knowledge,
    pub os: Os,
    /// Shared with the [`RouteCache`] while the routing table is unchanged.
    pub routes: Option<Arc<RouteIndex<'a>>>,
    pub profile: Option<ProfileFacts>,
    pub processes: Vec<VendorProcess>,
    pub adapters: Vec<VendorAdapter>,
    /// pid → (vendor, role) of recognised processes.
    pub vendor_pids: HashMap<u32, (Vendor, ProcessRole)>,
    /// pid → process name, for every process.
    pub process_names: HashMap<u32, &'a str>,
    /// Addresses learned from the edge-name answers.
    pub names_by_ip: HashMap<IpAddr, String>,
    /// Loopback ports Zscaler's processes listen on (its local proxy).
    pub zscaler_listen_ports: Vec<u16>,
    pub clients: Vec<Client>,
}

impl<'a> Facts<'a> {
    pub fn new(snapshot: &'a Snapshot, knowledge: &'a Knowledge) -> Facts<'a> {
        Self::with_cache(
            snapshot,
            knowledge,
            &mut ProfileCache::default(),
            &mut RouteCache::off(),
        )
    }

    /// As `new`, reusing the forwarding profile parsed and the route index built for an
    /// earlier snapshot when they are unchanged.
    pub fn with_cache(
        snapshot: &'a Snapshot,
        knowledge: &'a Knowledge,
        profiles: &mut ProfileCache,
        routes: &mut RouteCache,
    ) -> Facts<'a> {
        let os = Os::from_name(&snapshot.host.os).unwrap_or_else(Os::current);
        let routes = snapshot.routes.get().map(|data| routes.index(data));
        let profile = snapshot
            .settings
            .get()
            .and_then(|s| s.forwarding_profile.value())
            .map(|text| ProfileFacts {
                origin: text.origin.clone(),
                timestamp: text.timestamp.clone(),
                parsed: profiles.parse(&text.json),
            });
        let processes = clients::vendor_processes(snapshot, knowledge, os);
        let adapters = clients::vendor_adapters(snapshot, knowledge, os, &processes);
        let vendor_pids = processes
            .iter()
            .map(|p| (p.pid, (p.vendor, p.role)))
            .collect();
        let process_names = snapshot
            .processes
            .get()
            .into_iter()
            .flatten()
            .map(|p| (p.pid, p.name.as_str()))
            .collect();
        let names_by_ip = snapshot
            .dns
            .get()
            .into_iter()
            .flatten()
            .flat_map(|a| a.addresses.iter().map(|ip| (*ip, a.name.clone())))
            .collect();
        let mut facts = Facts {
            snapshot,
            knowledge,
            os,
            routes,
            profile,
            processes,
            adapters,
            vendor_pids,
            process_names,
            names_by_ip,
            zscaler_listen_ports: Vec::new(),
            clients: Vec::new(),
        };
        facts.zscaler_listen_ports = facts.find_zscaler_listen_ports();
        facts.clients = Vendor::ALL.iter().map(|v| facts.client(*v)).collect();
        facts
    }

    pub fn sockets(&self) -> &'a [Socket] {
        self.snapshot
            .sockets
            .get()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn client_of(&self, vendor: Vendor) -> &Client {
        // `clients` holds every vendor, built in `new`.
        self.clients
            .iter()
            .find(|c| c.vendor == vendor)
            .unwrap_or_else(|| unreachable!("client {vendor} built in Facts::new"))
    }

    pub fn is_running(&self, vendor: Vendor) -> bool {
        self.processes.iter().any(|p| p.vendor == vendor)
    }

    pub fn parsed_profile(&self) -> Option<&ForwardingProfile> {
        self.profile
            .as_ref()
            .and_then(|p| p.parsed.as_ref().as_ref().ok())
    }

    /// The vendor whose adapter an interface is.
    pub fn adapter_vendor(&self, interface: &str) -> Option<Vendor> {
        self.adapters
            .iter()
            .find(|a| a.name == interface)
            .map(|a| a.vendor)
    }

    /// The synthetic range an address falls in, if any.
    pub fn synthetic(&self, address: IpAddr) -> Option<&'a SyntheticRange> {
        self.knowledge
            .file
            .synthetic_ranges
            .iter()
            .find(|r| r.cidr.contains(&address))
    }

    /// Whether an address is in one of GSA's service ranges (and which).
    pub fn gsa_range(&self, address: IpAddr) -> Option<IpNet> {
        self.knowledge
            .file
            .gsa
            .service_ranges
            .iter()
            .map(|r| IpNet::V4(r.cidr))
            .find(|net| net.contains(&address))
    }

    /// Where a packet to `address` leaves, with its egress interface name when it is forwarded.
    pub fn egress(&self, address: IpAddr, flow: FlowContext) -> Option<(Lookup, Option<String>)> {
        let index = self.routes.as_ref()?;
        let lookup = index.lookup(address, flow);
        let interface = match lookup.outcome {
            Outcome::Forward(i) => index
                .route(i)
                .interface
                .as_deref()
                .map(str::to_string)
                .or_else(|| {
                    index
                        .route(i)
                        .interface_index
                        .map(|n| format!("ifindex {n}"))
                }),
            _ => None,
        };
        Some((lookup, interface))
    }

    /// The GSA channel an edge address belongs to, from the name it was resolved from.
    pub fn gsa_channel_of(&self, address: IpAddr) -> Option<Channel> {
        let name = self.names_by_ip.get(&address)?;
        let from_knowledge = self.knowledge.file.gsa.edge_names.iter().find_map(|n| {
            let (_, suffix) = n.name.split_once("{tenant}").unwrap_or(("", &n.name));
            name.ends_with(suffix).then_some(n.channel).flatten()
        });
        let from_profile = self.parsed_profile().and_then(|p| {
            p.channels
                .iter()
                .find(|c| {
                    c.primary_edges
                        .iter()
                        .chain(&c.secondary_edges)
                        .any(|e| e.address.eq_ignore_ascii_case(name))
                })
                .and_then(|c| c.channel)
        });
        from_profile.or(from_knowledge)
    }

    fn find_zscaler_listen_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .sockets()
            .iter()
            .filter(|s| s.protocol == Protocol::Tcp && s.is_listening())
            .filter(|s| s.local.ip().is_loopback() || s.local.ip().is_unspecified())
            .filter(|s| {
                s.pids
                    .iter()
                    .any(|p| matches!(self.vendor_pids.get(p), Some((Vendor::Zscaler, _))))
            })
            .map(|s| s.local.port())
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// The GSA service range of `remote` if a TCP connection there, whose owner cannot be
    /// seen, is GSA's tunnel to an edge: GSA's tunnel port in one of its ranges, but not a
    /// synthetic address (6.6.0.0/16 is one of the eight ranges; a flow there is an
    /// application's, which GSA carries).
    pub fn gsa_edge_by_destination(&self, remote: SocketAddr) -> Option<IpNet> {
        if remote.port() != self.knowledge.file.gsa.tunnel_port
            || self.synthetic(remote.ip()).is_some()
        {
            return None;
        }
        self.gsa_range(remote.ip())
    }

    /// Established TCP connections, and connected UDP sockets (a peer: IPsec on UDP 4501,
    /// DTLS on UDP 443), that are the vendor's outer tunnel.
    fn tunnel_sockets(&self, vendor: Vendor) -> Vec<usize> {
        self.sockets()
            .iter()
            .enumerate()
            .filter(|(_, s)| match s.protocol {
                Protocol::Tcp => s.is_established(),
                Protocol::Udp => s.remote.is_some(),
            })
            .filter(|(_, s)| s.remote.is_some_and(|r| !r.ip().is_loopback()))
            .filter(|(_, s)| {
                let owned = s
                    .pids
                    .iter()
                    .any(|p| self.vendor_pids.get(p) == Some(&(vendor, ProcessRole::Tunnel)));
                // Without an owner (no privilege), GSA's tunnel is still known by where it goes.
                let gsa_by_destination = vendor == Vendor::Gsa
                    && s.pids.is_empty()
                    && self.is_running(Vendor::Gsa)
                    && s.remote
                        .is_some_and(|r| self.gsa_edge_by_destination(r).is_some());
                owned || gsa_by_destination
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn client(&self, vendor: Vendor) -> Client {
        let processes: Vec<VendorProcess> = self
            .processes
            .iter()
            .filter(|p| p.vendor == vendor)
            .cloned()
            .collect();
        let adapters: Vec<VendorAdapter> = self
            .adapters
            .iter()
            .filter(|a| a.vendor == vendor)
            .cloned()
            .collect();
        let services: Vec<crate::snapshot::ServiceState> = self
            .snapshot
            .settings
            .get()
            .and_then(|s| s.services.value())
            .into_iter()
            .flatten()
            .filter(|s| {
                let named =
                    |names: &[String]| names.iter().any(|n| n.eq_ignore_ascii_case(&s.name));
                self.knowledge
                    .services_for(self.os)
                    .any(|e| e.vendor == vendor && named(&e.names))
                    || self
                        .knowledge
                        .processes_for(self.os)
                        .any(|e| e.vendor == vendor && named(&e.names))
            })
            .cloned()
            .collect();
        let tunnel_sockets = self.tunnel_sockets(vendor);
        let mut evidence = Vec::new();
        for p in &processes {
            evidence.push(format!(
                "process {} (pid {}) runs: {:?} role, matched by {}",
                p.name, p.pid, p.role, p.matched_by
            ));
        }
        // Up and carrying traffic beyond its own subnet (its connected and host routes do not
        // count: an idle adapter has those too).
        let own_networks: Vec<IpNet> = self
            .snapshot
            .interfaces
            .get()
            .into_iter()
            .flatten()
            .filter(|i| adapters.iter().any(|a| a.name == i.name))
            .flat_map(|i| i.addresses.iter().map(|n| n.trunc()))
            .collect();
        let adapter_carries_routes = adapters.iter().any(|a| {
            a.up && self.snapshot.routes.get().is_some_and(|r| {
                r.routes.iter().any(|route| {
                    route.interface.as_deref() == Some(a.name.as_str())
                        && matches!(route.kind, RouteKind::Unicast)
                        && !is_link_scoped(route.destination)
                        && !own_networks.iter().any(|n| n.contains(&route.destination))
                })
            })
        });
        for a in &adapters {
            evidence.push(format!(
                "adapter {}{} is {} ({})",
                a.name,
                a.description
                    .as_deref()
                    .map(|d| format!(" \"{d}\""))
                    .unwrap_or_default(),
                if a.up { "up" } else { "down" },
                a.matched_by
            ));
        }
        if !tunnel_sockets.is_empty() {
            evidence.push(format!(
                "{} tunnel connection(s) established",
                tunnel_sockets.len()
            ));
        }
        let mut transports: Vec<String> = tunnel_sockets
            .iter()
            .filter_map(|&i| self.sockets().get(i))
            .filter_map(|socket| {
                let remote = socket.remote?;
                Some(format!(
                    "tunnel transport: {} {remote}{}",
                    socket.protocol.id().to_uppercase(),
                    tunnel_transport(vendor, socket.protocol, remote.port())
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                ))
            })
            .collect();
        transports.sort();
        transports.dedup();
        evidence.extend(transports);
        let running_services = services.iter().filter(|s| s.state == "running").count();
        let state = if !tunnel_sockets.is_empty() || adapter_carries_routes {
            ClientState::Connected
        } else if !processes.is_empty() || running_services > 0 {
            ClientState::Running
        } else if !services.is_empty() || !adapters.is_empty() {
            ClientState::Stopped
        } else {
            ClientState::Absent
        };
        Client {
            vendor,
            state,
            processes,
            adapters,
            services,
            tunnel_sockets,
            evidence,
        }
    }
}
