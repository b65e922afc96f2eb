//! `ssetop explain DEST`: the attribution's seven steps walked for a connection that does not
//! exist yet, one per address of the destination, with the deciding profile rule (and those it
//! beat), the route, and what the verdict depends on that the device does not show. The same
//! [`Attributor`] judges real connections: one engine.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::attribution::Attributor;
use super::facts::Facts;
use super::profile::{NetworkDefinition, ProfileRule, RuleAction};
use super::routing::FlowContext;
use crate::assessment::{
    Carrier, Confidence, ExplainPath, ExplainQuery, Explanation, IlaProbeAnswer, IlaState,
    Resolution, ResolutionStatus, RouteRef, RuleRef, SetupDecision, SetupSource,
};
use crate::knowledge::{Channel, Os, ProcessRole, ProfileBypass, SetupId, Vendor};
use crate::snapshot::Socket;

/// The walk for every address of `resolution`.
pub(crate) fn explain(
    facts: &Facts,
    attributor: &Attributor,
    setup: &SetupDecision,
    query: &ExplainQuery,
    resolution: Resolution,
) -> Explanation {
    let name = query
        .destination
        .parse::<IpAddr>()
        .is_err()
        .then_some(query.destination.as_str());
    let paths = resolution
        .addresses
        .iter()
        .map(|address| path(facts, attributor, setup.id, query, name, *address))
        .collect();
    let mut notes = vec![format!(
        "setup {} ({})",
        setup.id,
        match setup.source {
            SetupSource::Detected => "detected",
            SetupSource::Option => "from --setup",
        }
    )];
    if resolution.addresses.is_empty() {
        notes.push(format!(
            "{} did not resolve ({}): no address to walk",
            query.destination,
            resolution.status.id()
        ));
    }
    if let Some(bypass) = name.and_then(|n| profile_bypass_of(facts, n)) {
        notes.push(format!(
            "{} is one of {} ({}): it must reach {} directly, not through GSA; GSA's forwarding profile needs a Bypass rule for {}",
            query.destination,
            bypass.what,
            bypass.fqdn,
            bypass.vendor.label(),
            bypass.fqdn
        ));
    }
    Explanation {
        query: query.clone(),
        resolution,
        paths,
        notes,
        ila: None,
    }
}

/// The probe names of the profile's Intelligent Local Access networks, once each, as written
/// in lower case: what `explain` and `flow-test` resolve to say whether ILA applies now.
pub(crate) fn ila_probe_names(networks: &[NetworkDefinition]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for fqdn in networks
        .iter()
        .flat_map(|n| &n.probes)
        .filter_map(|p| p.fqdn.as_deref())
    {
        let fqdn = fqdn.trim().trim_end_matches('.').to_ascii_lowercase();
        if !fqdn.is_empty() && !names.contains(&fqdn) {
            names.push(fqdn);
        }
    }
    names
}

/// Whether Intelligent Local Access applies now: a network's probe name answered (`answers`,
/// by name, any case) inside that probe's expected ranges. GSA then considers the device on
/// the corporate network and does not tunnel Private Access. `None` when the profile defines
/// no probe.
pub(crate) fn judge_ila(
    networks: &[NetworkDefinition],
    answers: &[(String, Resolution)],
) -> Option<IlaState> {
    let mut probes = Vec::new();
    for network in networks {
        let label = match &network.name {
            Some(name) => format!("{name} ({})", network.id),
            None => network.id.clone(),
        };
        for probe in &network.probes {
            let Some(fqdn) = probe.fqdn.as_deref() else {
                continue;
            };
            let fqdn = fqdn.trim().trim_end_matches('.').to_ascii_lowercase();
            let resolution = answers
                .iter()
                .find(|(name, _)| name.trim_end_matches('.').eq_ignore_ascii_case(&fqdn))
                .map(|(_, r)| r.clone())
                .unwrap_or_else(|| Resolution {
                    status: ResolutionStatus::Skipped,
                    addresses: Vec::new(),
                    elapsed_ms: 0,
                    detail: Some("not resolved".into()),
                });
            let in_range = resolution
                .addresses
                .iter()
                .filter(|a| match a {
                    IpAddr::V4(v4) => probe.expects(*v4),
                    IpAddr::V6(_) => false,
                })
                .copied()
                .collect();
            probes.push(IlaProbeAnswer {
                network: label.clone(),
                fqdn,
                dns_servers: probe.dns_servers.clone(),
                expected: probe
                    .expected
                    .iter()
                    .map(|(start, end)| format!("{start}-{end}"))
                    .collect(),
                resolution,
                in_range,
            });
        }
    }
    if probes.is_empty() {
        return None;
    }
    let applies = if probes.iter().any(|p| !p.in_range.is_empty()) {
        Some(true)
    } else if probes.iter().all(|p| {
        matches!(
            p.resolution.status,
            ResolutionStatus::Resolved | ResolutionStatus::Nxdomain
        )
    }) {
        Some(false)
    } else {
        None
    };
    Some(IlaState { applies, probes })
}

/// One probe's answer, said: `ila.contoso.local answers 10.1.2.3 (expected 10.0.0.0-10.255.255.255)`.
pub(crate) fn ila_probe_line(probe: &IlaProbeAnswer) -> String {
    let expected = if probe.expected.is_empty() {
        "no expected range".to_string()
    } else {
        format!("expected {}", probe.expected.join(", "))
    };
    let answer = if probe.resolution.addresses.is_empty() {
        match &probe.resolution.detail {
            Some(detail) => format!("{} ({detail})", probe.resolution.status.id()),
            None => probe.resolution.status.id().to_string(),
        }
    } else {
        let addresses: Vec<String> = probe
            .resolution
            .addresses
            .iter()
            .map(|a| a.to_string())
            .collect();
        format!("answers {}", addresses.join(", "))
    };
    let servers: Vec<String> = probe.dns_servers.iter().map(|a| a.to_string()).collect();
    let via = if servers.is_empty() {
        String::new()
    } else {
        format!(
            "; GSA asks {}, ssetop the system resolver",
            servers.join(", ")
        )
    };
    format!(
        "network {}: probe {} {answer} ({expected}{via})",
        probe.network, probe.fqdn
    )
}

/// ILA's state in one sentence, for `explain`'s notes and `flow-test`'s evidence.
pub(crate) fn ila_summary(ila: &IlaState) -> String {
    let lines: Vec<String> = ila.probes.iter().map(ila_probe_line).collect();
    let lines = lines.join("; ");
    match ila.applies {
        Some(true) => format!(
            "Intelligent Local Access applies now: {lines}: GSA considers the device on that corporate network and does not tunnel Private Access (private applications go direct)"
        ),
        Some(false) => format!(
            "Intelligent Local Access does not apply now: {lines}: GSA tunnels Private Access"
        ),
        None => format!(
            "Intelligent Local Access unknown: {lines}: whether GSA tunnels Private Access here is not known"
        ),
    }
}

/// Whether a path is one GSA's Private Access carries (and ILA would hand to the network).
pub(crate) fn is_private_access(carrier: Carrier, channel: Option<Channel>) -> bool {
    carrier == Carrier::Gsa && channel == Some(Channel::Private)
}

/// ILA in `explain`'s walk: a note for the whole answer, and on each path GSA's Private
/// Access would carry, that it goes direct instead while ILA applies.
pub(crate) fn apply_ila(explanation: &mut Explanation, ila: Option<IlaState>) {
    let Some(ila) = ila else {
        return;
    };
    explanation.notes.push(ila_summary(&ila));
    if ila.applies == Some(true) {
        for path in explanation
            .paths
            .iter_mut()
            .filter(|p| is_private_access(p.carrier, p.channel))
        {
            path.evidence.push(
                "but Intelligent Local Access applies now: GSA does not tunnel Private Access on this network, so this connection goes direct (by design, see notes)"
                    .into(),
            );
        }
    }
    explanation.ila = Some(ila);
}

/// Whether `name` matches a profile-bypass pattern written as GSA's profile writes FQDNs
/// (`*.prod.zpath.net`, `*\.prod\.zpath\.net`, or a whole name).
pub(crate) fn bypass_pattern_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.replace("\\.", ".").to_ascii_lowercase();
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => name.len() > suffix.len() + 1 && name.ends_with(&format!(".{suffix}")),
        None => name == pattern,
    }
}

/// The knowledge base's profile bypass a name falls under (a ZPA broker, a Prisma gateway).
pub(crate) fn profile_bypass_of<'k>(facts: &Facts<'k>, name: &str) -> Option<&'k ProfileBypass> {
    facts
        .knowledge
        .file
        .gsa
        .profile_bypasses
        .iter()
        .find(|b| bypass_pattern_matches(&b.fqdn, name))
}

fn path(
    facts: &Facts,
    attributor: &Attributor,
    setup: SetupId,
    query: &ExplainQuery,
    name: Option<&str>,
    address: IpAddr,
) -> ExplainPath {
    let source = source_address(facts, address);
    let unspecified = match address {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let socket = Socket {
        protocol: query.protocol,
        local: SocketAddr::new(source.unwrap_or(unspecified), 0),
        remote: Some(SocketAddr::new(address, query.port)),
        state: None,
        pids: Vec::new(),
        uid: None,
    };
    let (attribution, steps) = attributor.attribute_hypothetical(&socket, name);
    let (rule, beaten_rules) = rules(facts, query, name, address);
    let mut evidence = attribution.evidence.clone();
    if let Some(bypass) = name.and_then(|n| profile_bypass_of(facts, n))
        && attribution.carrier == Carrier::Gsa
    {
        evidence.push(format!(
            "but {} ({}) must reach {} directly: GSA's profile tunnels it where it should bypass it",
            bypass.what,
            bypass.fqdn,
            bypass.vendor.label()
        ));
    }
    let class = class(facts, address);
    let route = route(facts, address, source);
    // GSA's own tunnel goes to this edge the way this connection would: through another
    // client's adapter, it would be nested.
    if class == "gsa-edge"
        && let Some(outer) = route.as_ref().and_then(|r| r.vendor.as_deref())
        && outer != Vendor::Gsa.id()
    {
        evidence.push(format!(
            "GSA's own tunnel to this edge takes the same route: it would run inside {}'s tunnel ({}); exclude GSA's ranges from that tunnel",
            Vendor::ALL
                .iter()
                .find(|v| v.id() == outer)
                .map_or(outer, |v| v.label()),
            route
                .as_ref()
                .and_then(|r| r.interface.as_deref())
                .unwrap_or("?")
        ));
    }
    ExplainPath {
        address,
        source,
        class,
        unseen: unseen(facts, setup, attribution.carrier, attribution.confidence),
        carrier: attribution.carrier,
        channel: attribution.channel,
        confidence: attribution.confidence,
        interface: attribution.interface.clone(),
        rule,
        beaten_rules,
        route,
        steps,
        evidence,
    }
}

/// The source address the kernel would choose: the route's preferred source, else an address
/// of the egress interface of the same family.
fn source_address(facts: &Facts, address: IpAddr) -> Option<IpAddr> {
    let (lookup, interface) = facts.egress(address, FlowContext::default())?;
    let index = facts.routes.as_ref()?;
    if let Some(source) = lookup.route().and_then(|i| index.route(i).source) {
        return Some(source);
    }
    let interface = interface?;
    facts
        .snapshot
        .interfaces
        .get()?
        .iter()
        .find(|i| i.name == interface)?
        .addresses
        .iter()
        .map(|net| net.addr())
        .find(|a| a.is_ipv4() == address.is_ipv4() && !is_link_local(*a))
}

fn route(facts: &Facts, address: IpAddr, source: Option<IpAddr>) -> Option<RouteRef> {
    let (lookup, interface) = facts.egress(address, FlowContext { source, uid: None })?;
    let route = facts.routes.as_ref()?.route(lookup.route()?);
    let interface = interface.or_else(|| route.interface.as_deref().map(str::to_string));
    Some(RouteRef {
        destination: route.destination.to_string(),
        gateway: route.gateway,
        vendor: interface
            .as_deref()
            .and_then(|i| facts.adapter_vendor(i))
            .map(|v| v.id().to_string()),
        interface,
        table: route.table,
        metric: route.metric,
    })
}

fn rule_ref(rule: &ProfileRule) -> RuleRef {
    RuleRef {
        id: rule.id.clone(),
        order: rule.order,
        action: match (rule.action, rule.blocks) {
            (_, true) => "block",
            (RuleAction::Tunnel, false) => "tunnel",
            (RuleAction::Bypass, false) => "bypass",
        },
        channel: rule
            .channel
            .map_or_else(|| rule.channel_id.clone(), |c| c.id().to_string()),
    }
}

/// The deciding rule and those it beat, while GSA runs (its profile applies only then).
fn rules(
    facts: &Facts,
    query: &ExplainQuery,
    name: Option<&str>,
    address: IpAddr,
) -> (Option<RuleRef>, Vec<RuleRef>) {
    let Some(profile) = facts.parsed_profile() else {
        return (None, Vec::new());
    };
    if !facts.is_running(Vendor::Gsa) {
        return (None, Vec::new());
    }
    let name = name.or_else(|| facts.names_by_ip.get(&address).map(String::as_str));
    let mut all = profile
        .find_all(address, query.protocol, query.port, name)
        .into_iter()
        .map(rule_ref);
    let first = all.next();
    (first, all.collect())
}

/// The address's class, as the attribution's steps see it.
fn class(facts: &Facts, address: IpAddr) -> &'static str {
    if let Some(range) = facts.synthetic(address) {
        return match range.vendor {
            Vendor::Gsa => "gsa-synthetic",
            Vendor::Zscaler => "zpa-synthetic",
            Vendor::GlobalProtect => "globalprotect-synthetic",
        };
    }
    if facts.gsa_range(address).is_some() {
        return "gsa-edge";
    }
    if address.is_loopback() {
        return "loopback";
    }
    if is_link_local(address) {
        return "link-local";
    }
    let private = match address {
        IpAddr::V4(a) => a.is_private() || (a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64),
        IpAddr::V6(a) => (a.segments()[0] & 0xfe00) == 0xfc00,
    };
    if private { "private" } else { "ordinary" }
}

/// What decides besides what the device shows, for this verdict.
fn unseen(facts: &Facts, setup: SetupId, carrier: Carrier, confidence: Confidence) -> Vec<String> {
    let mut unseen = Vec::new();
    let zscaler = facts
        .client_of(Vendor::Zscaler)
        .has_role(ProcessRole::Tunnel);
    if zscaler
        && matches!(
            carrier,
            Carrier::Zscaler | Carrier::Direct | Carrier::Unknown
        )
    {
        unseen.push(
            if facts.os == Os::Windows {
                "Zscaler's packet filter driver decides on Windows; its app profile (forwarding and bypass rules) is not readable from the device"
            } else {
                "Zscaler's client decides from its app profile, which is not readable from the device"
            }
            .to_string(),
        );
    }
    if facts.is_running(Vendor::GlobalProtect) && carrier != Carrier::GlobalProtect {
        unseen.push("GlobalProtect's domain- and application-based split tunnel is decided by its driver from the gateway's configuration, not by a route ssetop can read".into());
    }
    if facts.is_running(Vendor::Gsa) && facts.parsed_profile().is_none() {
        unseen.push("GSA's forwarding profile is not readable here: the Microsoft 365 ranges stand in for it".into());
    }
    if confidence == Confidence::Inferred && setup != SetupId::None && unseen.is_empty() {
        unseen.push(format!("only setup {setup}'s default decides"));
    }
    unseen
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_link_local(),
        IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::{Device, profile_json, with_gsa};
    use crate::analysis::{AnalysisOptions, explain_snapshot};
    use crate::assessment::{AttributionStep, StepOutcome};
    use crate::knowledge::{Channel, Knowledge};
    use crate::snapshot::{Protocol, Snapshot};

    fn ask(snapshot: &Snapshot, destination: &str, address: &str, port: u16) -> Explanation {
        ask_with(snapshot, destination, address, port, Protocol::Tcp, None)
    }

    fn ask_with(
        snapshot: &Snapshot,
        destination: &str,
        address: &str,
        port: u16,
        protocol: Protocol,
        setup: Option<SetupId>,
    ) -> Explanation {
        let query = ExplainQuery {
            destination: destination.into(),
            port,
            protocol,
        };
        let resolution = Resolution {
            status: crate::assessment::ResolutionStatus::Resolved,
            addresses: vec![address.parse().unwrap()],
            elapsed_ms: 3,
            detail: None,
        };
        let options = AnalysisOptions {
            setup,
            ..AnalysisOptions::default()
        };
        explain_snapshot(
            snapshot,
            &Knowledge::embedded(),
            &options,
            &query,
            resolution,
        )
    }

    const RULES: &str = r#"
        {"id": "bypass-example", "channelId": "Internet", "order": 10.0, "action": "Bypass",
         "matchingCriteria": {"address": {"fqdns": ["*\\.example\\.org"]}, "protocol": "Tcp"}},
        {"id": "tunnel-all", "channelId": "internet", "order": 69.0, "action": "Tunnel",
         "matchingCriteria": {"address": {"ips": [{"start": 0, "end": 4294967295}]}, "protocol": "All"}}"#;

    #[test]
    fn each_address_class_is_named() {
        let s = with_gsa(Device::windows().process(5000, "ZSATunnel.exe")).build();
        let class_of = |a: &str| ask(&s, a, a, 443).paths[0].class;
        assert_eq!(class_of("6.6.0.10"), "gsa-synthetic");
        assert_eq!(class_of("100.64.3.4"), "zpa-synthetic");
        assert_eq!(class_of("150.171.19.10"), "gsa-edge");
        assert_eq!(class_of("10.1.2.3"), "private");
        assert_eq!(class_of("93.184.216.34"), "ordinary");
        assert_eq!(class_of("127.0.0.1"), "loopback");
        // The synthetic GSA address is GSA's with certainty, decided at step 3.
        let path = &ask(&s, "6.6.0.10", "6.6.0.10", 443).paths[0];
        assert_eq!(
            (path.carrier, path.confidence),
            (Carrier::Gsa, Confidence::Certain)
        );
        assert_eq!(
            path.steps.last().unwrap().step,
            AttributionStep::SyntheticRange
        );
    }

    #[test]
    fn a_bypass_at_order_10_beats_a_tunnel_at_69_and_goes_on_to_the_route() {
        let s = with_gsa(Device::windows().pangp())
            .route("0.0.0.0/1", "Ethernet 3", Some("10.200.0.1"), 1)
            .profile(&profile_json(&[("internet", true)], RULES))
            .build();
        let e = ask(&s, "www.example.org", "93.184.216.34", 443);
        let path = &e.paths[0];
        let rule = path.rule.as_ref().unwrap();
        assert_eq!(
            (rule.id.as_str(), rule.order, rule.action),
            ("bypass-example", Some(10.0), "bypass")
        );
        assert_eq!(rule.channel, "internet");
        assert_eq!(path.beaten_rules.len(), 1);
        assert_eq!(path.beaten_rules[0].id, "tunnel-all");
        assert_eq!(path.carrier, Carrier::GlobalProtect);
        let profile_step = &path.steps[3];
        assert_eq!(
            (profile_step.step, profile_step.outcome),
            (AttributionStep::ForwardingProfile, StepOutcome::Noted)
        );
        let route = path.route.as_ref().unwrap();
        assert_eq!(route.destination, "0.0.0.0/1");
        assert_eq!(route.interface.as_deref(), Some("Ethernet 3"));
        assert_eq!(route.vendor.as_deref(), Some("globalprotect"));
        assert_eq!(route.metric, Some(1));
        // Without the name, the tunnel-all rule decides: GSA's Internet Access.
        let path = &ask(&s, "93.184.216.34", "93.184.216.34", 443).paths[0];
        assert_eq!(
            (path.carrier, path.channel),
            (Carrier::Gsa, Some(Channel::Internet))
        );
        assert_eq!(path.rule.as_ref().unwrap().id, "tunnel-all");
        assert!(path.beaten_rules.is_empty());
    }

    /// GSA's profile as real clients write it: a Private Access rule for 10.0.8.0/24 and an
    /// ILA network whose probe (`fqdnToResolve`, mixed case) must answer in 10.0.0.0/16
    /// (unsigned numbers) through a DNS server written as a signed 32-bit number.
    const ILA_PROFILE: &str = r#"{"policy": {
        "channels": [{"id": "p1", "name": "Private", "isEnabled": true}],
        "rules": [{"id": "private-apps", "channelId": "P1", "order": 2.0, "action": "Tunnel",
                   "acquireIfUnresolved": true,
                   "matchingCriteria": {"address": {"ips": [{"start": 167774208, "end": 167774463}]},
                                        "protocol": "All"}}],
        "networkDefinitions": [{"id": "hq", "name": "Contoso HQ", "unknownKey": [1, 2],
          "networkIdentification": [{"type": "DnsResolution",
            "dnsResolution": {"FqdnToResolve": "ila.Contoso.local", "serverAddresses": [-1062731766],
                              "expectedIpResolution": [{"start": 167772160, "end": 167837695}]}}]}]
    }}"#;

    #[test]
    fn explain_says_whether_ila_applies_and_that_a_private_access_path_then_goes_direct() {
        let s = with_gsa(Device::windows()).profile(ILA_PROFILE).build();
        let networks = crate::analysis::profile::ForwardingProfile::parse(ILA_PROFILE)
            .unwrap()
            .network_definitions;
        assert_eq!(ila_probe_names(&networks), ["ila.contoso.local"]);
        let answered = |address: &str| {
            vec![(
                "ila.contoso.local".to_string(),
                Resolution {
                    status: ResolutionStatus::Resolved,
                    addresses: vec![address.parse().unwrap()],
                    elapsed_ms: 2,
                    detail: None,
                },
            )]
        };
        let mut e = ask(&s, "files.contoso.local", "10.0.8.20", 445);
        assert_eq!(
            (e.paths[0].carrier, e.paths[0].channel),
            (Carrier::Gsa, Some(Channel::Private))
        );
        apply_ila(&mut e, judge_ila(&networks, &answered("10.0.200.1")));
        let ila = e.ila.as_ref().unwrap();
        assert_eq!(ila.applies, Some(true));
        let note = e.notes.last().unwrap();
        assert!(
            note.starts_with("Intelligent Local Access applies now: network Contoso HQ (hq): probe ila.contoso.local answers 10.0.200.1 (expected 10.0.0.0-10.0.255.255; GSA asks 192.168.0.10"),
            "{note}"
        );
        assert!(
            e.paths[0]
                .evidence
                .iter()
                .any(|l| l.contains("so this connection goes direct")),
            "{:?}",
            e.paths[0].evidence
        );
        // Answered outside the range: said, and the Private Access path is left as it is.
        let mut e = ask(&s, "files.contoso.local", "10.0.8.20", 445);
        apply_ila(&mut e, judge_ila(&networks, &answered("192.0.2.1")));
        assert_eq!(e.ila.as_ref().unwrap().applies, Some(false));
        assert!(
            e.notes
                .last()
                .unwrap()
                .starts_with("Intelligent Local Access does not apply now")
        );
        assert!(
            !e.paths[0]
                .evidence
                .iter()
                .any(|l| l.contains("goes direct"))
        );
        // A path GSA's Private Access does not carry gets no ILA line, even when it applies.
        let mut e = ask(&s, "www.example.org", "93.184.216.34", 443);
        apply_ila(&mut e, judge_ila(&networks, &answered("10.0.200.1")));
        assert!(
            !e.paths[0]
                .evidence
                .iter()
                .any(|l| l.contains("goes direct"))
        );
        // No ILA network in the profile: nothing is said.
        let mut e = ask(&s, "files.contoso.local", "10.0.8.20", 445);
        let notes = e.notes.len();
        apply_ila(&mut e, judge_ila(&[], &[]));
        assert_eq!((e.notes.len(), e.ila.is_none()), (notes, true));
    }

    #[test]
    fn a_hypothetical_connection_to_gsas_edge_is_no_hidden_tunnel_and_shows_the_nesting_route() {
        let s = with_gsa(Device::windows().pangp())
            .route("0.0.0.0/0", "Ethernet 3", Some("10.200.0.1"), 1)
            .build();
        let path = &ask(&s, "150.171.19.10", "150.171.19.10", 443).paths[0];
        assert_eq!(path.class, "gsa-edge");
        assert_eq!(path.steps[1].outcome, StepOutcome::Passed);
        assert_eq!(path.carrier, Carrier::GlobalProtect);
        assert_eq!(
            path.route.as_ref().unwrap().vendor.as_deref(),
            Some("globalprotect")
        );
        assert_eq!(path.source, Some("10.200.0.7".parse().unwrap()));
        assert!(
            path.evidence
                .iter()
                .any(|e| e.contains("would run inside GlobalProtect's tunnel (Ethernet 3)")),
            "{:?}",
            path.evidence
        );
    }

    #[test]
    fn a_zpa_broker_name_is_expected_to_go_to_zscaler_and_a_tunnel_to_gsa_says_so() {
        let s = with_gsa(Device::windows().process(5000, "ZSATunnel.exe"))
            .profile(&profile_json(&[("internet", true)], RULES))
            .build();
        let e = ask(&s, "broker2.prod.zpath.net", "165.225.1.1", 443);
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("*.prod.zpath.net") && n.contains("Zscaler")),
            "{:?}",
            e.notes
        );
        let path = &e.paths[0];
        assert_eq!(path.carrier, Carrier::Gsa);
        assert!(
            path.evidence
                .iter()
                .any(|l| l.contains("must reach Zscaler directly"))
        );
    }

    #[test]
    fn a_udp_flow_is_walked_with_its_protocol_and_zscaler_decides_unseen() {
        let s = Device::windows().process(5000, "ZSATunnel.exe").build();
        let e = ask_with(
            &s,
            "93.184.216.34",
            "93.184.216.34",
            443,
            Protocol::Udp,
            Some(SetupId::ZscalerInternet),
        );
        let path = &e.paths[0];
        assert_eq!(
            (path.carrier, path.confidence),
            (Carrier::Zscaler, Confidence::Inferred)
        );
        assert!(
            path.unseen
                .iter()
                .any(|u| u.contains("packet filter driver decides on Windows")),
            "{:?}",
            path.unseen
        );
    }

    #[test]
    fn bypass_patterns_match_both_ways_of_writing_and_only_below_the_suffix() {
        assert!(bypass_pattern_matches(
            "*.prod.zpath.net",
            "a.prod.zpath.net"
        ));
        assert!(bypass_pattern_matches(
            "*\\.prod\\.zpath\\.net",
            "B.Prod.Zpath.Net."
        ));
        assert!(!bypass_pattern_matches(
            "*.prod.zpath.net",
            "prod.zpath.net"
        ));
        assert!(!bypass_pattern_matches(
            "*.prod.zpath.net",
            "evilprod.zpath.net"
        ));
        assert!(bypass_pattern_matches("portal.example", "portal.example"));
    }
}
