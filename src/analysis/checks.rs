//! The health checks: each a stable id, a status, a one-line summary, the evidence, and a
//! remedy that names where to fix it.

mod host;

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use super::attribution::Attributor;
use super::clients::ClientState;
use super::facts::Facts;
use super::routing::{FlowContext, Lookup, Outcome, describe_route};
use super::setup::SetupDecision;
use crate::knowledge::{Channel, EdgeName, ProcessRole, SetupId, Vendor};
use crate::snapshot::{DnsAnswer, DnsStatus, Reading, SourceStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Skip,
    Warn,
    Fail,
}

impl Status {
    /// The order checks are listed in: failures, warnings, passes, then what was skipped.
    pub fn listing_order(self) -> u8 {
        match self {
            Status::Fail => 0,
            Status::Warn => 1,
            Status::Pass => 2,
            Status::Skip => 3,
        }
    }

    /// The status a report names by its id.
    pub fn from_id(id: &str) -> Option<Status> {
        [Status::Pass, Status::Skip, Status::Warn, Status::Fail]
            .into_iter()
            .find(|s| s.id() == id)
    }

    pub fn id(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Skip => "skip",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<String>,
    pub remedy: Option<String>,
}

impl Check {
    fn new(id: impl Into<String>, status: Status, summary: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            remedy: None,
        }
    }

    fn evidence(mut self, evidence: impl IntoIterator<Item = String>) -> Check {
        self.evidence.extend(evidence);
        self
    }

    fn remedy(mut self, remedy: impl Into<String>) -> Check {
        self.remedy = Some(remedy.into());
        self
    }
}

pub fn run(
    facts: &Facts,
    setup: &SetupDecision,
    attributor: &Attributor,
    paths: Option<&[RangePath]>,
) -> Vec<Check> {
    let mut checks = vec![setup_check(facts, setup)];
    checks.extend(
        Vendor::ALL
            .iter()
            .map(|v| client_check(facts, setup.id, *v)),
    );
    checks.extend(bypass_route_checks(facts, setup.id, paths));
    checks.extend(edge_dns_checks(facts));
    checks.push(gsa_tunnel_check(facts, attributor));
    checks.push(forwarding_profile_check(facts, setup.id));
    checks.push(ipv4_preference_check(facts));
    checks.extend(host::run(facts, setup.id));
    checks
}

fn console(facts: &Facts, vendor: Vendor) -> String {
    facts.knowledge.vendor(vendor).console.clone()
}

fn setup_check(facts: &Facts, setup: &SetupDecision) -> Check {
    let both = facts.client_of(Vendor::Zscaler).is_present()
        && facts.client_of(Vendor::GlobalProtect).is_present();
    let name = facts
        .knowledge
        .setup(setup.id)
        .map_or("no other SSE client", |s| s.name.as_str());
    let check = if both {
        Check::new(
            "setup",
            Status::Warn,
            "Zscaler and GlobalProtect both run: no coexistence guide covers three clients",
        )
        .remedy("remove or disable one of Zscaler Client Connector and GlobalProtect")
    } else {
        Check::new("setup", Status::Pass, format!("setup {}: {name}", setup.id))
    };
    check.evidence(setup.evidence.clone())
}

fn client_check(facts: &Facts, setup: SetupId, vendor: Vendor) -> Check {
    let client = facts.client_of(vendor);
    let id = format!("client:{vendor}");
    let label = vendor.label();
    let expected = vendor == Vendor::Gsa
        || facts
            .knowledge
            .setup(setup)
            .is_some_and(|s| s.other_vendor == vendor);
    // The processes themselves are in the evidence; the summary only counts them.
    let running = match client.processes.len() {
        0 => String::new(),
        1 => " (1 process)".to_string(),
        n => format!(" ({n} processes)"),
    };
    let check = match (client.state, expected) {
        (ClientState::Absent, false) => Check::new(
            id,
            Status::Skip,
            format!("{label} is not present and setup {setup} does not use it"),
        ),
        (ClientState::Absent, true) => {
            let mut check = Check::new(id, Status::Fail, format!("{label} client not found"))
                .remedy(format!(
                    "install and sign in to the {} client",
                    facts.knowledge.vendor(vendor).name
                ));
            if vendor == Vendor::Gsa && facts.os == crate::knowledge::Os::Linux {
                check.evidence.push(
                    "Microsoft ships no GSA client for Linux; ssetop recognises stand-ins named like its Windows services"
                        .into(),
                );
            }
            check
        }
        (ClientState::Stopped, _) => Check::new(
            id,
            if expected { Status::Fail } else { Status::Warn },
            format!("{label} is installed but not running"),
        )
        .remedy(format!(
            "start the {label} services (services.msc) or restart the device"
        )),
        (ClientState::Running, _)
            if vendor == Vendor::Gsa && !client.has_role(ProcessRole::Tunnel) =>
        {
            Check::new(
                id,
                Status::Fail,
                format!("{label} runs, but its tunneling service does not{running}"),
            )
            .remedy(
                "start GlobalSecureAccessTunnelingService (services.msc) or reinstall the client",
            )
        }
        (ClientState::Running, _) => {
            // Its tunnel may be a socket whose owner cannot be seen: say so, not "not up".
            let hidden = facts.sockets().iter().filter(|s| s.pids.is_empty()).count();
            let summary = if hidden == 0 {
                format!("{label} runs but its tunnel is not up{running}")
            } else {
                format!("{label} runs but no tunnel connection of its is seen{running}")
            };
            let mut check = Check::new(id, Status::Warn, summary).remedy(format!(
                "sign in to the {label} client and check its status page"
            ));
            if hidden > 0 {
                check.evidence.push(format!(
                    "{hidden} socket(s) have no visible owner: its tunnel may be among them{}",
                    if facts.snapshot.host.elevated {
                        ""
                    } else {
                        "; run elevated to see their owners"
                    }
                ));
            }
            check
        }
        (ClientState::Connected, true) => {
            Check::new(id, Status::Pass, format!("{label} is connected{running}"))
        }
        (ClientState::Connected, false) => Check::new(
            id,
            Status::Warn,
            format!("{label} is connected, but setup {setup} does not use it{running}"),
        ),
    };
    check.evidence(client.evidence.clone())
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

pub fn range_paths(facts: &Facts) -> Option<Vec<RangePath>> {
    let index = facts.routes.as_ref()?;
    Some(
        facts
            .knowledge
            .file
            .gsa
            .service_ranges
            .iter()
            .map(|range| RangePath {
                range: range.cidr,
                pieces: index
                    .range_lookup(range.cidr, FlowContext::default())
                    .into_iter()
                    .map(|(net, lookup)| piece(facts, net, &lookup))
                    .collect(),
            })
            .collect(),
    )
}

fn piece(facts: &Facts, net: ipnet::Ipv4Net, lookup: &Lookup) -> PathPiece {
    let index = facts.routes.as_ref();
    let route = lookup
        .route()
        .and_then(|i| index.map(|x| describe_route(x.route(i))));
    let (outcome, interface) = match lookup.outcome {
        Outcome::Forward(i) => ("forward", index.and_then(|x| x.route(i).interface.clone())),
        Outcome::Local(_) => ("local", None),
        Outcome::Drop(_) => ("drop", None),
        Outcome::NoRoute => ("no-route", None),
    };
    PathPiece {
        net,
        outcome,
        route,
        rule: lookup.rule,
        vendor: interface.as_deref().and_then(|d| facts.adapter_vendor(d)),
        interface,
    }
}

/// Groups a range's pieces by the path they take, for short evidence.
fn summarise_pieces(pieces: &[PathPiece]) -> Vec<String> {
    let mut by_path: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for piece in pieces {
        let mut path = match (&piece.route, piece.outcome) {
            (Some(route), "forward") => format!("route {route}"),
            (Some(route), "local") => format!("local route {route}"),
            (Some(route), _) => format!("dropped by {route}"),
            (None, "drop") => "dropped by a policy rule".to_string(),
            (None, _) => "no route".to_string(),
        };
        if let Some(rule) = piece.rule {
            path.push_str(&format!(" (rule {rule})"));
        }
        by_path.entry(path).or_default().push(piece.net.to_string());
    }
    by_path
        .into_iter()
        .map(|(path, nets)| {
            let shown: Vec<&str> = nets.iter().take(4).map(String::as_str).collect();
            let more = nets.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{}{more}: {path}", shown.join(", "))
        })
        .collect()
}

fn bypass_route_checks(facts: &Facts, setup: SetupId, paths: Option<&[RangePath]>) -> Vec<Check> {
    let other = facts.knowledge.setup(setup).map(|s| s.other_vendor);
    let Some(paths) = paths else {
        let reason = facts.snapshot.routes.describe();
        return facts
            .knowledge
            .file
            .gsa
            .service_ranges
            .iter()
            .map(|r| {
                Check::new(
                    format!("bypass-route:{}", r.cidr),
                    Status::Skip,
                    format!("routes unavailable ({reason})"),
                )
            })
            .collect();
    };
    paths
        .iter()
        .map(|path| {
            let range = path.range;
            let id = format!("bypass-route:{range}");
            let mut evidence = summarise_pieces(&path.pieces);
            let through_vendor: Vec<&PathPiece> = path
                .pieces
                .iter()
                .filter(|p| p.vendor.is_some_and(|v| v != Vendor::Gsa))
                .collect();
            if let Some(first) = through_vendor.first() {
                let vendor = first.vendor.unwrap_or(Vendor::GlobalProtect);
                let part = if through_vendor.len() == path.pieces.len() {
                    range.to_string()
                } else {
                    format!("part of {range} (from {})", first.net)
                };
                return Check::new(
                    id,
                    Status::Fail,
                    format!(
                        "{part} leaves through {}, {}'s tunnel adapter, by route {}",
                        first.interface.as_deref().unwrap_or("?"),
                        vendor.label(),
                        first.route.as_deref().unwrap_or("?")
                    ),
                )
                .evidence(evidence)
                .remedy(format!(
                    "exclude {range} from the {} tunnel: {}",
                    vendor.label(),
                    console(facts, vendor)
                ));
            }
            if path.pieces.iter().any(|p| p.outcome == "drop" || p.outcome == "no-route") {
                return Check::new(
                    id,
                    Status::Fail,
                    format!("traffic to {range} is dropped or has no route"),
                )
                .evidence(evidence)
                .remedy("check the device's routing table for blackhole or unreachable routes to GSA's ranges");
            }
            if other == Some(Vendor::Zscaler)
                && facts.client_of(Vendor::Zscaler).adapters.is_empty()
            {
                evidence.push(
                    "Zscaler's packet-filter driver does not use routes: its bypass list lives in the app profile and shows in GSA's tunnel connections and edge names, not here"
                        .to_string(),
                );
            }
            let egress: std::collections::BTreeSet<&str> = path
                .pieces
                .iter()
                .filter_map(|p| p.interface.as_deref())
                .collect();
            let egress: Vec<&str> = egress.into_iter().collect();
            Check::new(
                id,
                Status::Pass,
                format!(
                    "{range} leaves via {}, not through another vendor's tunnel",
                    if egress.is_empty() {
                        "this device".to_string()
                    } else {
                        egress.join(", ")
                    }
                ),
            )
            .evidence(evidence)
        })
        .collect()
}

fn edge_name_entry<'k>(facts: &'k Facts, name: &str) -> Option<&'k EdgeName> {
    facts.knowledge.file.gsa.edge_names.iter().find(|n| {
        n.name == name
            || n.name
                .split_once("{tenant}")
                .is_some_and(|(_, suffix)| name.ends_with(suffix) && !name.starts_with('{'))
    })
}

fn edge_dns_checks(facts: &Facts) -> Vec<Check> {
    let section = &facts.snapshot.dns;
    let Some(answers) = section.get() else {
        let (status, summary) = match section.status {
            SourceStatus::Skipped => (Status::Skip, section.describe()),
            SourceStatus::Pending => (Status::Skip, "DNS answers pending".to_string()),
            SourceStatus::Timeout => (
                Status::Fail,
                format!("no DNS answers: {}", section.describe()),
            ),
            _ => (
                Status::Warn,
                format!("could not query DNS: {}", section.describe()),
            ),
        };
        return vec![Check::new("edge-dns", status, summary)];
    };
    answers.iter().map(|a| edge_dns_check(facts, a)).collect()
}

fn edge_dns_check(facts: &Facts, answer: &DnsAnswer) -> Check {
    let id = format!("edge-dns:{}", answer.name);
    let entry = edge_name_entry(facts, &answer.name);
    let required = entry.is_none_or(|e| e.required);
    let list = entry.map_or(String::new(), |e| format!(" ({} list)", e.list));
    // A status that says it all needs no detail beside it.
    let detail = match answer.status {
        DnsStatus::Nxdomain | DnsStatus::Refused => String::new(),
        _ => answer.detail.clone().unwrap_or_default(),
    };
    if answer.status == DnsStatus::Skipped {
        return Check::new(id, Status::Skip, format!("not queried: {detail}"));
    }
    if answer.status != DnsStatus::Resolved || answer.addresses.is_empty() {
        let status = if required { Status::Fail } else { Status::Warn };
        let summary = format!(
            "does not resolve: {} after {} ms{}{list}",
            answer.status.id(),
            answer.elapsed_ms,
            if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            }
        );
        return Check::new(id, status, summary)
            .remedy("check the DNS servers this device uses and that the other client does not intercept *.globalsecureaccess.microsoft.com");
    }
    let mut worst = Status::Pass;
    let mut evidence = Vec::new();
    let mut remedy = None;
    for ip in &answer.addresses {
        let (status, line, fix) = judge_edge_address(facts, *ip);
        worst = worst.max(status);
        evidence.push(line);
        if fix.is_some() && remedy.is_none() {
            remedy = fix;
        }
    }
    let addresses: Vec<String> = answer.addresses.iter().map(ToString::to_string).collect();
    let summary = match worst {
        Status::Fail => format!(
            "resolves to {}: {}",
            addresses.join(", "),
            evidence
                .iter()
                .find(|e| e.contains("intercepted") || e.contains("through"))
                .cloned()
                .unwrap_or_default()
        ),
        Status::Warn => format!(
            "resolves to {}, outside GSA's service ranges",
            addresses.join(", ")
        ),
        _ => format!(
            "resolves to {} in GSA's ranges ({} ms)",
            addresses.join(", "),
            answer.elapsed_ms
        ),
    };
    let mut check = Check::new(id, worst, summary).evidence(evidence);
    check.remedy = remedy;
    check
}

/// One answer address: intercepted, through another tunnel, outside GSA's ranges, or fine.
fn judge_edge_address(facts: &Facts, ip: IpAddr) -> (Status, String, Option<String>) {
    if let Some(range) = facts.synthetic(ip).filter(|r| r.vendor != Vendor::Gsa) {
        return (
            Status::Fail,
            format!(
                "{ip} is in {}'s synthetic range {}: {} intercepted GSA's name",
                range.vendor.label(),
                range.cidr,
                range.vendor.label()
            ),
            Some(format!(
                "add *.globalsecureaccess.microsoft.com to the {} bypass: {}",
                range.vendor.label(),
                console(facts, range.vendor)
            )),
        );
    }
    let egress = facts.egress(ip, FlowContext::default());
    let dev = egress.as_ref().and_then(|(_, d)| d.clone());
    if let Some(vendor) = dev
        .as_deref()
        .and_then(|d| facts.adapter_vendor(d))
        .filter(|v| *v != Vendor::Gsa)
    {
        let dev = dev.unwrap_or_default();
        return (
            Status::Fail,
            format!(
                "{ip} leaves through {dev}, {}'s tunnel adapter",
                vendor.label()
            ),
            Some(format!(
                "exclude GSA's ranges and *.globalsecureaccess.microsoft.com from the {} tunnel: {}",
                vendor.label(),
                console(facts, vendor)
            )),
        );
    }
    let via = dev.map_or_else(String::new, |d| format!(", leaves via {d}"));
    match facts.gsa_range(ip) {
        Some(net) => (Status::Pass, format!("{ip} is in GSA range {net}{via}"), None),
        None => (
            Status::Warn,
            format!("{ip} is outside GSA's service ranges{via}"),
            Some(
                "compare with nslookup on an unaffected device; update the knowledge file if Microsoft added a range"
                    .into(),
            ),
        ),
    }
}

fn gsa_tunnel_check(facts: &Facts, attributor: &Attributor) -> Check {
    let client = facts.client_of(Vendor::Gsa);
    if !client.is_running() {
        return Check::new("gsa-tunnel", Status::Skip, "GSA is not running");
    }
    let sockets = facts.sockets();
    let mut evidence = Vec::new();
    let mut inside_other = Vec::new();
    let mut channels = std::collections::BTreeSet::new();
    for &i in &client.tunnel_sockets {
        let socket = &sockets[i];
        let attribution = attributor.attribute(socket);
        let remote = socket.remote.map(|r| r.to_string()).unwrap_or_default();
        let channel = attribution.channel.map_or("channel unknown", Channel::id);
        if let Some(c) = attribution.channel {
            channels.insert(c);
        }
        let dev = attribution.interface.clone().unwrap_or_else(|| "?".into());
        evidence.push(format!("{channel}: {remote} via {dev}"));
        if let Some(vendor) = attribution
            .interface
            .as_deref()
            .and_then(|d| facts.adapter_vendor(d))
            .filter(|v| *v != Vendor::Gsa)
        {
            inside_other.push((remote, dev, vendor));
        }
    }
    if let Some((remote, dev, vendor)) = inside_other.first() {
        return Check::new(
            "gsa-tunnel",
            Status::Fail,
            format!(
                "GSA's tunnel to {remote} runs inside {}'s tunnel ({dev})",
                vendor.label()
            ),
        )
        .evidence(evidence)
        .remedy(format!(
            "exclude GSA's ranges from the {} tunnel: {}",
            vendor.label(),
            console(facts, *vendor)
        ));
    }
    if client.tunnel_sockets.is_empty() {
        let mut check = Check::new(
            "gsa-tunnel",
            Status::Warn,
            "GSA runs but holds no tunnel connection to its edges",
        )
        .remedy("open the GSA client's Advanced Diagnostics > Health check; restart the client if it stays disconnected");
        if !facts.snapshot.host.elevated && facts.sockets().iter().any(|s| s.pids.is_empty()) {
            check.evidence.push(
                "some sockets' owners are hidden from an unprivileged user; run elevated to see GSA's".into(),
            );
        }
        return check;
    }
    let channels: Vec<&str> = channels.iter().map(|c| c.id()).collect();
    Check::new(
        "gsa-tunnel",
        Status::Pass,
        format!(
            "{} tunnel connection(s) to GSA's edges{}",
            client.tunnel_sockets.len(),
            if channels.is_empty() {
                String::new()
            } else {
                format!(" ({})", channels.join(", "))
            }
        ),
    )
    .evidence(evidence)
}

fn forwarding_profile_check(facts: &Facts, setup: SetupId) -> Check {
    let id = "forwarding-profile";
    let gsa_present = facts.client_of(Vendor::Gsa).is_present();
    let reading = facts.snapshot.settings.get().map(|s| &s.forwarding_profile);
    let Some(profile) = &facts.profile else {
        let reason = reading
            .and_then(Reading::reason)
            .map_or_else(|| facts.snapshot.settings.describe(), str::to_string);
        return match reading {
            Some(Reading::Missing(_)) if gsa_present => {
                Check::new(id, Status::Fail, format!("no forwarding profile: {reason}"))
                    .remedy("sign in to the GSA client so that it downloads its forwarding profile; check Microsoft Entra admin center > Global Secure Access > Connect > Traffic forwarding")
            }
            Some(Reading::Unavailable(_)) => {
                Check::new(id, Status::Warn, format!("cannot read the forwarding profile: {reason}"))
            }
            _ => Check::new(id, Status::Skip, reason),
        };
    };
    let origin = &profile.origin;
    let parsed = match profile.parsed.as_ref() {
        Ok(p) => p,
        Err(e) => {
            return Check::new(id, Status::Fail, format!("forwarding profile from {origin}: {e}"))
                .remedy("restart the GSA client to fetch the profile again; keep the broken value for Microsoft support");
        }
    };
    let mut evidence: Vec<String> = parsed
        .channels
        .iter()
        .map(|c| {
            format!(
                "channel {} ({}): {}, {} primary edge(s)",
                c.name,
                c.id,
                if c.enabled { "enabled" } else { "disabled" },
                c.primary_edges.len()
            )
        })
        .collect();
    evidence.push(format!("{} rule(s)", parsed.rules.len()));
    if let Some(ts) = &profile.timestamp {
        evidence.push(format!("ForwardingProfileTimestamp {ts}"));
    }
    evidence.extend(parsed.warnings.iter().cloned());
    let enabled = parsed.enabled_channels();
    let names: Vec<&str> = enabled.iter().map(|c| c.id()).collect();
    if enabled.is_empty() {
        return Check::new(
            id,
            Status::Fail,
            format!("forwarding profile from {origin} enables no channel (break-glass mode?)"),
        )
        .evidence(evidence)
        .remedy(console(facts, Vendor::Gsa));
    }
    let expected = facts.knowledge.setup(setup).map(|s| s.gsa_channels.clone());
    let mut mismatches = Vec::new();
    if let Some(expected) = &expected {
        for channel in [Channel::M365, Channel::Internet, Channel::Private] {
            match (expected.contains(&channel), enabled.contains(&channel)) {
                (true, false) => {
                    mismatches.push(format!("{channel} is off but setup {setup} needs it"))
                }
                (false, true) => mismatches.push(format!(
                    "{channel} is on but setup {setup} leaves it to the other client"
                )),
                _ => {}
            }
        }
    }
    if !mismatches.is_empty() {
        return Check::new(
            id,
            Status::Warn,
            format!(
                "forwarding profile channels do not match setup {setup}: {}",
                mismatches.join("; ")
            ),
        )
        .evidence(evidence)
        .remedy(console(facts, Vendor::Gsa));
    }
    let status = if parsed.warnings.is_empty() {
        Status::Pass
    } else {
        Status::Warn
    };
    Check::new(
        id,
        status,
        format!(
            "forwarding profile from {origin}: channels {} enabled, {} rule(s){}",
            names.join(", "),
            parsed.rules.len(),
            if parsed.warnings.is_empty() {
                String::new()
            } else {
                format!(", {} rule(s) not understood", parsed.warnings.len())
            }
        ),
    )
    .evidence(evidence)
}

fn ipv4_preference_check(facts: &Facts) -> Check {
    let id = "ipv4-preference";
    let Some(settings) = facts.snapshot.settings.get() else {
        return Check::new(id, Status::Skip, facts.snapshot.settings.describe());
    };
    const PREFER_IPV4: u32 = 0x20;
    let remedy = r"set HKLM\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters\DisabledComponents to 0x20 (REG_DWORD) and restart";
    match &settings.ipv6_disabled_components {
        Reading::Value(v) if v & PREFER_IPV4 != 0 || *v == 0xff => Check::new(
            id,
            Status::Pass,
            format!("IPv4 is preferred over IPv6 (DisabledComponents = {v:#x})"),
        ),
        Reading::Value(v) => Check::new(
            id,
            Status::Warn,
            format!("IPv6 is preferred (DisabledComponents = {v:#x}); GSA tunnels IPv4 only"),
        )
        .remedy(remedy),
        Reading::Missing(reason) => Check::new(
            id,
            Status::Warn,
            format!("IPv6 is preferred: {reason}; GSA tunnels IPv4 only"),
        )
        .remedy(remedy),
        Reading::Unavailable(reason) => Check::new(id, Status::Warn, reason.clone()),
        Reading::NotApplicable(reason) => Check::new(id, Status::Skip, reason.clone()),
    }
}

#[cfg(test)]
mod tests;
