//! GSA's forwarding profile: the JSON the client keeps in the registry (`ForwardingProfile`),
//! read into a typed model (`read`) and indexed for attribution (`rules`).
//!
//! The shape is the one real clients store (and Microsoft's GSATool and community scripts
//! read): `policy.channels[]`, `policy.rules[]` joined to their channel by `channelId`, with a
//! float `order` (lower wins), `action` Tunnel/Bypass/Block, `matchingCriteria` (`address.ips[]`
//! as unsigned 32-bit numbers, `address.fqdns[]` as regex fragments, `protocol` All/Tcp/Udp,
//! `ports`), and beside the rules `networkDefinitions[]` (Intelligent Local Access) and
//! `privateDnsRules[]`. Keys and keywords match in any case and unknown keys are skipped: the
//! schema moves. Only malformed JSON, a missing `policy` or a deadline passed is an error; a
//! rule that cannot be understood is skipped with a warning naming it.

mod read;
mod rules;

use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::knowledge::Channel;
use crate::snapshot::Protocol;
use read::ReadProfile;
pub(crate) use rules::NamePattern;
use rules::RuleIndex;

#[derive(Debug, Clone, PartialEq)]
pub struct ProfileChannel {
    pub id: String,
    pub name: String,
    pub channel: Option<Channel>,
    pub enabled: bool,
    pub primary_edges: Vec<Edge>,
    pub secondary_edges: Vec<Edge>,
    pub diagnostic_uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub address: String,
    pub port: Option<u16>,
}

/// What GSA's driver does with a matching flow: takes it (`Tunnel`; a `Block` rule's flow too,
/// see [`ProfileRule::blocks`]) or leaves it to the routing table and the other clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    Tunnel,
    Bypass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleProtocol {
    Any,
    Only(Protocol),
}

#[derive(Debug, Clone)]
pub struct ProfileRule {
    pub id: String,
    pub channel_id: String,
    pub channel: Option<Channel>,
    /// `order` as written (`69.0`); `None` when missing (such a rule comes last).
    pub order: Option<f64>,
    pub action: RuleAction,
    /// A `Block` rule: GSA takes the flow (`action` is `Tunnel`) and drops it.
    pub blocks: bool,
    pub ips: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// The FQDNs as written, those that are patterns.
    pub fqdns: Vec<String>,
    pub(crate) name_patterns: Vec<NamePattern>,
    pub protocol: RuleProtocol,
    /// Inclusive port ranges; empty means every port.
    pub ports: Vec<(u16, u16)>,
    /// Whether the rule names addresses at all (a rule without any matches every address).
    has_address_criteria: bool,
}

/// An order as a person writes it: `69` for `69.0`, `2.5` as is.
fn format_order(order: f64) -> String {
    if order.fract() == 0.0 && order.abs() < 1e15 {
        format!("{}", order as i64)
    } else {
        order.to_string()
    }
}

impl ProfileRule {
    fn matches_transport(&self, protocol: Protocol, port: u16) -> bool {
        let protocol_ok = match self.protocol {
            RuleProtocol::Any => true,
            RuleProtocol::Only(p) => p == protocol,
        };
        protocol_ok
            && (self.ports.is_empty() || self.ports.iter().any(|(s, e)| (*s..=*e).contains(&port)))
    }

    fn matches_every_address(&self) -> bool {
        !self.has_address_criteria
    }

    /// The order for people: `69`, or `none`.
    pub fn order_text(&self) -> String {
        self.order.map_or_else(|| "none".into(), format_order)
    }

    /// `rule 12 (order 3, m365)`; `rule 7 (order 5, internet, block)` for a Block rule.
    pub fn label(&self) -> String {
        let channel = self
            .channel
            .map_or_else(|| self.channel_id.clone(), |c| c.id().to_string());
        let block = if self.blocks { ", block" } else { "" };
        format!(
            "rule {} (order {}, {channel}{block})",
            self.id,
            self.order_text()
        )
    }
}

/// An Intelligent Local Access network: GSA steps aside (Private Access goes direct) when the
/// probe name, resolved through the given DNS server, answers inside the expected ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkDefinition {
    pub id: String,
    pub name: Option<String>,
    pub probes: Vec<IlaProbe>,
}

/// One `networkIdentification[].dnsResolution`.
#[derive(Debug, Clone, PartialEq)]
pub struct IlaProbe {
    pub fqdn: Option<String>,
    /// `serverAddresses`, written as signed 32-bit numbers.
    pub dns_servers: Vec<Ipv4Addr>,
    /// The answer ranges that mean "on the local network".
    pub expected: Vec<(Ipv4Addr, Ipv4Addr)>,
}

impl IlaProbe {
    /// Whether an answer to the probe name falls in the expected ranges.
    pub fn expects(&self, address: Ipv4Addr) -> bool {
        self.expected
            .iter()
            .any(|(start, end)| (*start..=*end).contains(&address))
    }
}

/// A Private DNS rule: names GSA resolves through Private Access.
#[derive(Debug, Clone, PartialEq)]
pub struct PrivateDnsRule {
    pub id: String,
    pub channel_id: String,
    pub names: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ForwardingProfile {
    pub channels: Vec<ProfileChannel>,
    /// Sorted by order (lower first), file order between equal orders.
    pub rules: Vec<ProfileRule>,
    /// What the reader passed over, for the user to see.
    pub warnings: Vec<String>,
    /// Intelligent Local Access network definitions.
    pub network_definitions: Vec<NetworkDefinition>,
    pub private_dns_rules: Vec<PrivateDnsRule>,
    /// The enabled rules, indexed once with the profile.
    index: RuleIndex,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("the forwarding profile is not valid JSON: line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the forwarding profile has no `policy` object")]
    NoPolicy,
    /// The deadline passed before the profile was read and indexed: its rules are unknown for
    /// this snapshot, which says nothing about the profile itself.
    #[error(
        "the forwarding profile was not indexed in time: the deadline passed after {} while {stage} ({done} of {of} done)",
        crate::util::format_duration(*elapsed)
    )]
    NotIndexedInTime {
        stage: &'static str,
        done: usize,
        of: usize,
        elapsed: Duration,
    },
}

impl ProfileError {
    /// Whether the profile ran out of time rather than being wrong.
    pub fn is_timeout(&self) -> bool {
        matches!(self, ProfileError::NotIndexedInTime { .. })
    }
}

/// What the `forwarding-profile` check reports: the profile parsed (its warnings included),
/// not understood (malformed JSON, no `policy`), or not indexed by the deadline.
#[derive(Debug, Clone, Copy)]
pub enum ProfileState<'a> {
    Parsed(&'a ForwardingProfile),
    NotUnderstood(&'a ProfileError),
    TimedOut(&'a ProfileError),
}

impl<'a> ProfileState<'a> {
    pub fn of(parsed: &'a Result<ForwardingProfile, ProfileError>) -> ProfileState<'a> {
        match parsed {
            Ok(profile) => ProfileState::Parsed(profile),
            Err(e) if e.is_timeout() => ProfileState::TimedOut(e),
            Err(e) => ProfileState::NotUnderstood(e),
        }
    }
}

impl ReadProfile {
    fn index(
        self,
        deadline: Option<Instant>,
        started: Instant,
    ) -> Result<ForwardingProfile, ProfileError> {
        let index = RuleIndex::new(&self.channels, &self.rules, deadline).map_err(|late| {
            ProfileError::NotIndexedInTime {
                stage: "indexing rules",
                done: late.rules_done,
                of: self.rules.len(),
                elapsed: started.elapsed(),
            }
        })?;
        Ok(ForwardingProfile {
            channels: self.channels,
            rules: self.rules,
            warnings: self.warnings,
            network_definitions: self.network_definitions,
            private_dns_rules: self.private_dns_rules,
            index,
        })
    }
}

impl ForwardingProfile {
    pub fn parse(json: &str) -> Result<ForwardingProfile, ProfileError> {
        Self::parse_within(json, None)
    }

    /// Reads and indexes the profile, giving up with [`ProfileError::NotIndexedInTime`] once
    /// `deadline` passes (checked between entries; a 20 MB profile takes a few hundred
    /// milliseconds in all).
    pub fn parse_within(
        json: &str,
        deadline: Option<Instant>,
    ) -> Result<ForwardingProfile, ProfileError> {
        let started = Instant::now();
        read::read(json, deadline)?.index(deadline, started)
    }

    /// Reads the profile (no index yet) and keeps the result for the analysis's
    /// [`ProfileCache`], which then indexes it instead of reading the same text again: the
    /// command line's profile is checked before collection (a bad file is exit 3) and analysed
    /// after it.
    pub fn check_and_remember(json: &str) -> Result<(), ProfileError> {
        let read = read::read(json, None)?;
        if let Ok(mut seed) = SEED.lock() {
            *seed = Some(Seed {
                key: TextKey::of(json),
                read,
            });
        }
        Ok(())
    }

    pub fn channel(&self, channel: Channel) -> Option<&ProfileChannel> {
        self.channels.iter().find(|c| c.channel == Some(channel))
    }

    /// Channels present and not disabled.
    pub fn enabled_channels(&self) -> Vec<Channel> {
        self.channels
            .iter()
            .filter(|c| c.enabled)
            .filter_map(|c| c.channel)
            .collect()
    }

    /// What the profile says about Intelligent Local Access and Private DNS, one line each, as
    /// the `forwarding-profile` check's evidence: `ILA network Contoso HQ (hq): probe
    /// ila-probe.contoso.local via DNS 192.168.0.10, local when it answers in
    /// 10.0.0.0-10.255.255.255`.
    pub fn ila_and_private_dns_evidence(&self) -> Vec<String> {
        let ranges = |ranges: &[(Ipv4Addr, Ipv4Addr)]| {
            ranges
                .iter()
                .map(|(s, e)| {
                    if s == e {
                        s.to_string()
                    } else {
                        format!("{s}-{e}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut lines = Vec::new();
        for network in &self.network_definitions {
            let label = match &network.name {
                Some(name) => format!("{name} ({})", network.id),
                None => network.id.clone(),
            };
            if network.probes.is_empty() {
                lines.push(format!("ILA network {label}: no DNS probe"));
            }
            for probe in &network.probes {
                let servers = probe
                    .dns_servers
                    .iter()
                    .map(Ipv4Addr::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                lines.push(format!(
                    "ILA network {label}: probe {} via DNS {}, local when it answers in {}",
                    probe.fqdn.as_deref().unwrap_or("(no name)"),
                    if servers.is_empty() {
                        "(none)"
                    } else {
                        &servers
                    },
                    if probe.expected.is_empty() {
                        "(no range)".to_string()
                    } else {
                        ranges(&probe.expected)
                    }
                ));
            }
        }
        if !self.private_dns_rules.is_empty() {
            let names: Vec<&str> = self
                .private_dns_rules
                .iter()
                .flat_map(|r| r.names.iter().map(String::as_str))
                .collect();
            lines.push(format!(
                "{} Private DNS rule(s): {}",
                self.private_dns_rules.len(),
                names.join(", ")
            ));
        }
        lines
    }

    /// The first enabled rule by order that matches; `name` is the name the address was
    /// resolved from, when known.
    pub fn find(
        &self,
        address: IpAddr,
        protocol: Protocol,
        port: u16,
        name: Option<&str>,
    ) -> Option<&ProfileRule> {
        self.index
            .find(&self.rules, address, protocol, port, name)
            .map(|i| &self.rules[i])
    }

    /// Every enabled rule that matches, the deciding one (lowest order) first.
    pub fn find_all(
        &self,
        address: IpAddr,
        protocol: Protocol,
        port: u16,
        name: Option<&str>,
    ) -> Vec<&ProfileRule> {
        self.index
            .find_all(&self.rules, address, protocol, port, name)
            .into_iter()
            .map(|i| &self.rules[i])
            .collect()
    }
}

/// A profile text known by its length and hash: the cache need not keep a copy of 20 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TextKey {
    len: usize,
    hash: u64,
}

impl TextKey {
    fn of(text: &str) -> TextKey {
        let mut hasher = std::hash::DefaultHasher::new();
        text.hash(&mut hasher);
        TextKey {
            len: text.len(),
            hash: hasher.finish(),
        }
    }
}

/// A profile read by [`ForwardingProfile::check_and_remember`].
struct Seed {
    key: TextKey,
    read: ReadProfile,
}

/// The profile read on the command line, until the analysis takes it.
static SEED: Mutex<Option<Seed>> = Mutex::new(None);

fn take_seed(key: TextKey) -> Option<Seed> {
    let mut seed = SEED.lock().ok()?;
    match seed.take() {
        Some(found) if found.key == key => Some(found),
        other => {
            *seed = other;
            None
        }
    }
}

/// Parsed profiles by their text: a device's profile changes rarely, so each snapshot reuses
/// the last parse instead of parsing (and indexing) the same JSON again.
#[derive(Default)]
pub struct ProfileCache {
    last: Option<(TextKey, Arc<Result<ForwardingProfile, ProfileError>>)>,
    deadline: Option<Instant>,
}

impl ProfileCache {
    /// The time by which a profile must be indexed (`--once`'s deadline); `None`: no limit.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    pub fn parse(&mut self, json: &str) -> Arc<Result<ForwardingProfile, ProfileError>> {
        let key = TextKey::of(json);
        if let Some((known, parsed)) = &self.last
            && *known == key
        {
            return parsed.clone();
        }
        let started = Instant::now();
        let parsed = Arc::new(match take_seed(key) {
            Some(seed) => seed.read.index(self.deadline, started),
            None => ForwardingProfile::parse_within(json, self.deadline),
        });
        // A profile not indexed in time is tried again with the next snapshot.
        if !matches!(parsed.as_ref(), Err(e) if e.is_timeout()) {
            self.last = Some((key, parsed.clone()));
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "policy": {
        "channels": [
          {"id": "c-m365", "name": "m365",
           "edgesSettings": {"primaryEdges": [{"edgeAddress": "t.m365.client.globalsecureaccess.microsoft.com", "edgePort": 443}],
                             "secondaryEdges": []},
           "diagnosticUri": "https://m365.edgediagnostic.globalsecureaccess.microsoft.com/connectivitytest/ping"},
          {"id": "c-internet", "name": "internet", "isEnabled": false}
        ],
        "rules": [
          {"id": "r2", "channelId": "c-m365", "order": 2, "action": "tunnel",
           "matchingCriteria": {"address": {"ips": [{"start": 1113194496, "end": 1113198591}]},
                                "protocol": "tcp", "ports": [{"start": 443, "end": 443}, {"start": 80, "end": 80}]}},
          {"id": "r1", "channelId": "c-m365", "order": 1, "action": "bypass",
           "matchingCriteria": {"address": {"ips": [{"start": "66.90.2.0", "end": "66.90.2.255"}]},
                                "protocol": "any", "ports": {"start": 443, "end": 443}}},
          {"id": "r3", "channelId": "c-m365", "order": 3, "action": "tunnel",
           "matchingCriteria": {"address": {"fqdns": ["outlook\\.office\\.com", "*.sharepoint.com"]},
                                "protocol": "tcp", "ports": {"start": 443, "end": 443}}},
          {"id": "r4", "channelId": "c-internet", "order": 0, "action": "tunnel",
           "matchingCriteria": {"address": {"ips": [{"start": 0, "end": 4294967295}]}}},
          {"id": "r5", "channelId": "c-m365", "order": 5, "action": "teleport"}
        ]
      }
    }"#;

    fn profile() -> ForwardingProfile {
        ForwardingProfile::parse(SAMPLE).unwrap()
    }

    #[test]
    fn channels_edges_and_enabled_state_are_read() {
        let p = profile();
        assert_eq!(p.channels.len(), 2);
        let m365 = p.channel(Channel::M365).unwrap();
        assert_eq!(m365.primary_edges[0].port, Some(443));
        assert!(m365.diagnostic_uri.is_some());
        assert_eq!(p.enabled_channels(), vec![Channel::M365]);
    }

    #[test]
    fn rules_sort_by_order_and_bad_rules_become_warnings() {
        let p = profile();
        let ids: Vec<&str> = p.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["r4", "r1", "r2", "r3"]);
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("teleport"), "{:?}", p.warnings);
    }

    #[test]
    fn ports_as_object_or_list_and_ips_as_integers_or_dotted() {
        let p = profile();
        let r1 = p.rules.iter().find(|r| r.id == "r1").unwrap();
        assert_eq!(r1.ports, vec![(443, 443)]);
        assert_eq!(
            r1.ips,
            vec![("66.90.2.0".parse().unwrap(), "66.90.2.255".parse().unwrap())]
        );
        let r2 = p.rules.iter().find(|r| r.id == "r2").unwrap();
        assert_eq!(r2.ports, vec![(443, 443), (80, 80)]);
        // 1113194496 = 66.90.0.0
        assert_eq!(r2.ips[0].0, "66.90.0.0".parse::<Ipv4Addr>().unwrap());
    }

    #[test]
    fn first_rule_by_order_decides_and_disabled_channels_do_not_count() {
        let p = profile();
        let index = &p;
        let addr: IpAddr = "66.90.2.10".parse().unwrap();
        // r4 (order 0) is in the disabled internet channel; r1 (order 1) bypasses.
        let hit = index.find(addr, Protocol::Tcp, 443, None).unwrap();
        assert_eq!(hit.id, "r1");
        assert_eq!(hit.action, RuleAction::Bypass);
        // Port 80 is not in r1; r2 tunnels it.
        assert_eq!(index.find(addr, Protocol::Tcp, 80, None).unwrap().id, "r2");
        // UDP is in neither r2 (tcp) nor r1's ports for 80.
        assert!(index.find(addr, Protocol::Udp, 80, None).is_none());
        // Range edges: 66.90.15.255 is r2's last address, 66.90.16.0 is outside.
        assert_eq!(
            index
                .find("66.90.15.255".parse().unwrap(), Protocol::Tcp, 80, None)
                .unwrap()
                .id,
            "r2"
        );
        assert!(
            index
                .find("66.90.16.0".parse().unwrap(), Protocol::Tcp, 80, None)
                .is_none()
        );
    }

    #[test]
    fn fqdn_rules_match_escaped_names_and_wildcards() {
        let p = profile();
        let index = &p;
        let addr: IpAddr = "52.0.0.1".parse().unwrap();
        assert_eq!(
            index
                .find(addr, Protocol::Tcp, 443, Some("outlook.office.com"))
                .unwrap()
                .id,
            "r3"
        );
        assert_eq!(
            index
                .find(addr, Protocol::Tcp, 443, Some("contoso.sharepoint.com."))
                .unwrap()
                .id,
            "r3"
        );
        assert!(
            index
                .find(addr, Protocol::Tcp, 443, Some("outlookxoffice.com"))
                .is_none()
        );
        assert!(
            index
                .find(addr, Protocol::Tcp, 443, Some("sharepoint.com.evil.net"))
                .is_none()
        );
        assert!(index.find(addr, Protocol::Tcp, 443, None).is_none());
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err =
            ForwardingProfile::parse("{\n  \"policy\": {\n    \"rules\": [,]\n  }\n}").unwrap_err();
        match err {
            ProfileError::Json { line, .. } => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("line 3"));
    }

    #[test]
    fn a_profile_without_policy_is_an_error_and_missing_fields_are_tolerated() {
        assert_eq!(
            ForwardingProfile::parse(r#"{"rules": []}"#).unwrap_err(),
            ProfileError::NoPolicy
        );
        let p = ForwardingProfile::parse(r#"{"Policy": {"Rules": [{"MatchingCriteria": {}}]}}"#)
            .unwrap();
        assert_eq!(p.rules.len(), 1);
        assert!(p.channels.is_empty());
        assert_eq!(p.rules[0].action, RuleAction::Tunnel);
    }

    #[test]
    fn backwards_ranges_and_bad_ports_are_skipped_with_warnings() {
        let p = ForwardingProfile::parse(
            r#"{"policy": {"rules": [
                {"id": "a", "matchingCriteria": {"address": {"ips": [{"start": 10, "end": 1}]}}},
                {"id": "b", "matchingCriteria": {"ports": [{"start": 70000}]}}
            ]}}"#,
        )
        .unwrap();
        assert!(p.rules.is_empty());
        assert_eq!(p.warnings.len(), 2);
    }

    /// A profile in the shape real clients store: float orders, unsigned 32-bit ranges,
    /// signed ILA server addresses, mixed-case channels, protocols and actions, the rule keys
    /// of real profiles and keys nobody knows yet.
    const REAL_SHAPE: &str = r#"{
      "schemaVersion": "2.3",
      "futureTopLevel": {"anything": [1, 2, {"x": null}]},
      "policy": {
        "tenantId": "6b1e4f0a-1111-2222-3333-444455556666",
        "channels": [
          {"id": "a1b2-m365", "name": "M365", "unknownFlag": true,
           "edgesSettings": {"primaryEdges": [{"edgeAddress": "6b1e4f0a-1111-2222-3333-444455556666.m365.client.globalsecureaccess.microsoft.com", "edgePort": 443.0, "weight": 1}],
                             "secondaryEdges": [], "retryPolicy": {"seconds": 5}},
           "diagnosticUri": "https://m365.edgediagnostic.globalsecureaccess.microsoft.com/connectivitytest/ping"},
          {"id": "c3d4-internet", "name": "Internet", "edgesSettings": {"primaryEdges": []}},
          {"id": "e5f6-private", "name": "private"}
        ],
        "rules": [
          {"id": "web", "channelId": "c3d4-internet", "order": 69.0, "action": "Tunnel",
           "hardening": "None", "networkId": null, "tunnelingPrerequisite": "None",
           "appAuthorizationTokenContext": null, "acquireIfUnresolved": false,
           "matchingCriteria": {"address": {"ips": [{"start": 0, "end": 4294967295}], "fqdns": []},
                                "protocol": "TCP", "ports": [{"start": 443, "end": 443}, {"start": 80, "end": 80}],
                                "futureCriterion": "x"}},
          {"id": "zpa-brokers", "channelId": "C3D4-INTERNET", "order": 10.0, "action": "bypass",
           "hardening": {"level": [1, 2]},
           "matchingCriteria": {"address": {"ips": [], "fqdns": ["*\\.prod\\.zpath\\.net"]},
                                "protocol": "All", "ports": [{"start": 443, "end": 443}]}},
          {"id": "lan", "channelId": "c3d4-internet", "order": 10.5, "action": "BYPASS",
           "matchingCriteria": {"address": {"ips": [{"start": 3232235520, "end": 3232301055}]}, "protocol": "all"}},
          {"id": "exchange", "channelId": "a1b2-m365", "order": 3, "action": "TUNNEL",
           "matchingCriteria": {"address": {"fqdns": ["outlook\\.office\\.com", "*.sharepoint.com", "login[0-9]+\\.contoso\\.com"]},
                                "protocol": "Tcp", "ports": [{"start": 443, "end": 443}]}},
          {"id": "quic", "channelId": "c3d4-internet", "order": 5.0, "action": "Block",
           "matchingCriteria": {"address": {"ips": [{"start": 0, "end": 4294967295}]},
                                "protocol": "Udp", "ports": [{"start": 443, "end": 443}]}},
          {"id": "broken-order", "channelId": "c3d4-internet", "order": -1.0, "action": "Tunnel",
           "matchingCriteria": {"address": {"ips": [{"start": 0, "end": 4294967295}]}}},
          {"id": "broken-shape", "channelId": "c3d4-internet", "order": 1.0, "action": "Tunnel",
           "matchingCriteria": "tcp"}
        ],
        "networkDefinitions": [
          {"id": "hq", "name": "Contoso HQ", "futureField": 1,
           "networkIdentification": [
             {"type": "DnsResolution",
              "dnsResolution": {"fqdn": "ila-probe.contoso.local", "serverAddresses": [-1062731766, 167772161],
                                "ips": [{"start": 167772160, "end": 184549375}]}}]}
        ],
        "privateDnsRules": [
          {"id": "pdns", "channelId": "e5f6-private", "fqdns": ["contoso.local", "corp.contoso.com"]}
        ]
      }
    }"#;

    fn real() -> ForwardingProfile {
        ForwardingProfile::parse(REAL_SHAPE).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn real_shape_float_orders_compare_numerically_so_a_bypass_at_10_beats_a_tunnel_at_69() {
        let p = real();
        let hit = p
            .find(
                ip("203.0.113.5"),
                Protocol::Tcp,
                443,
                Some("b1.prod.zpath.net"),
            )
            .unwrap();
        assert_eq!(hit.id, "zpa-brokers");
        assert_eq!(hit.action, RuleAction::Bypass);
        assert_eq!(hit.order, Some(10.0));
        assert_eq!(hit.label(), "rule zpa-brokers (order 10, internet)");
        // Without the name, the Tunnel at 69.0 decides.
        let web = p.find(ip("203.0.113.5"), Protocol::Tcp, 443, None).unwrap();
        assert_eq!((web.id.as_str(), web.order), ("web", Some(69.0)));
        // Integer and float orders sort together: 3, 5.0, 10.0, 10.5, 69.0.
        let orders: Vec<String> = p.rules.iter().map(ProfileRule::order_text).collect();
        assert_eq!(orders, ["3", "5", "10", "10.5", "69"]);
    }

    #[test]
    fn real_shape_a_negative_order_is_a_rule_not_understood_naming_its_id() {
        let p = real();
        assert!(p.rules.iter().all(|r| r.id != "broken-order"));
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("rule broken-order") && w.contains("negative order -1")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn real_shape_an_entry_of_unexpected_shape_is_skipped_naming_its_id_and_the_rest_stands() {
        let p = real();
        assert!(
            p.warnings
                .iter()
                .any(|w| w.starts_with("rule broken-shape (#7) not understood")),
            "{:?}",
            p.warnings
        );
        assert_eq!(p.rules.len(), 5);
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    }

    #[test]
    fn real_shape_ip_ranges_are_unsigned_32_bit_numbers() {
        let p = real();
        let lan = p.rules.iter().find(|r| r.id == "lan").unwrap();
        // 3232235520 is above i32::MAX: 192.168.0.0.
        assert_eq!(
            lan.ips,
            vec![(
                "192.168.0.0".parse().unwrap(),
                "192.168.255.255".parse().unwrap()
            )]
        );
        assert_eq!(
            p.find(ip("192.168.7.7"), Protocol::Udp, 53, None)
                .unwrap()
                .id,
            "lan"
        );
    }

    #[test]
    fn real_shape_ila_server_addresses_are_signed_32_bit_numbers() {
        let p = real();
        assert_eq!(p.network_definitions.len(), 1);
        let hq = &p.network_definitions[0];
        assert_eq!(hq.id, "hq");
        assert_eq!(hq.name.as_deref(), Some("Contoso HQ"));
        let probe = &hq.probes[0];
        assert_eq!(probe.fqdn.as_deref(), Some("ila-probe.contoso.local"));
        // -1062731766 is 192.168.0.10; a positive number reads the same way (10.0.0.1).
        assert_eq!(
            probe.dns_servers,
            vec![
                "192.168.0.10".parse::<Ipv4Addr>().unwrap(),
                "10.0.0.1".parse().unwrap()
            ]
        );
        assert!(probe.expects("10.20.30.40".parse().unwrap()));
        assert!(!probe.expects("11.0.0.0".parse().unwrap()));
    }

    #[test]
    fn real_shape_protocols_and_actions_in_any_case_and_block_takes_the_flow() {
        let p = real();
        let protocol = |id: &str| p.rules.iter().find(|r| r.id == id).unwrap().protocol;
        assert_eq!(protocol("web"), RuleProtocol::Only(Protocol::Tcp));
        assert_eq!(protocol("exchange"), RuleProtocol::Only(Protocol::Tcp));
        assert_eq!(protocol("zpa-brokers"), RuleProtocol::Any);
        assert_eq!(protocol("quic"), RuleProtocol::Only(Protocol::Udp));
        let quic = p.find(ip("203.0.113.5"), Protocol::Udp, 443, None).unwrap();
        assert_eq!(quic.id, "quic");
        assert!(quic.blocks);
        assert_eq!(quic.action, RuleAction::Tunnel);
        assert_eq!(quic.label(), "rule quic (order 5, internet, block)");
    }

    #[test]
    fn real_shape_channel_names_compare_in_any_case_and_rules_join_by_channel_id() {
        let p = real();
        assert_eq!(
            p.enabled_channels(),
            vec![Channel::M365, Channel::Internet, Channel::Private]
        );
        assert_eq!(
            p.channel(Channel::M365).unwrap().primary_edges[0].port,
            Some(443)
        );
        let channel = |id: &str| p.rules.iter().find(|r| r.id == id).unwrap().channel;
        assert_eq!(channel("exchange"), Some(Channel::M365));
        // `C3D4-INTERNET` joins the channel `c3d4-internet`.
        assert_eq!(channel("zpa-brokers"), Some(Channel::Internet));
    }

    #[test]
    fn real_shape_fqdns_written_escaped_as_wildcards_or_as_regex_match_whole_names() {
        let p = real();
        let name = |n: &str| {
            p.find(ip("52.0.0.1"), Protocol::Tcp, 443, Some(n))
                .map(|r| r.id.clone())
        };
        assert_eq!(name("Outlook.Office.com.").as_deref(), Some("exchange"));
        assert_eq!(name("contoso.sharepoint.com").as_deref(), Some("exchange"));
        assert_eq!(name("login7.contoso.com").as_deref(), Some("exchange"));
        // Not these: the catch-all web rule (order 69) decides.
        assert_eq!(name("outlookxoffice.com").as_deref(), Some("web"));
        assert_eq!(name("sharepoint.com.evil.net").as_deref(), Some("web"));
        assert_eq!(name("login7.contoso.com.evil.net").as_deref(), Some("web"));
    }

    #[test]
    fn real_shape_ila_and_private_dns_are_summarised_for_the_check() {
        assert_eq!(
            real().ila_and_private_dns_evidence(),
            [
                "ILA network Contoso HQ (hq): probe ila-probe.contoso.local via DNS 192.168.0.10, 10.0.0.1, local when it answers in 10.0.0.0-10.255.255.255",
                "1 Private DNS rule(s): contoso.local, corp.contoso.com",
            ]
        );
    }

    #[test]
    fn real_shape_private_dns_rules_are_read() {
        let p = real();
        assert_eq!(
            p.private_dns_rules,
            vec![PrivateDnsRule {
                id: "pdns".into(),
                channel_id: "e5f6-private".into(),
                names: vec!["contoso.local".into(), "corp.contoso.com".into()],
            }]
        );
    }

    #[test]
    fn a_name_that_is_not_a_pattern_is_left_out_and_the_rule_keeps_its_other_names() {
        let p = ForwardingProfile::parse(
            r#"{"policy": {"rules": [
                {"id": "r", "order": 1.0, "matchingCriteria": {"address": {"fqdns": ["bad[name", "good\\.example"]}}},
                {"id": "only-bad", "order": 2.0, "matchingCriteria": {"address": {"fqdns": ["(unclosed"]}}}
            ]}}"#,
        )
        .unwrap();
        assert_eq!(p.rules.len(), 1);
        assert_eq!(p.rules[0].fqdns, ["good\\.example"]);
        // The rule whose only name is broken does not turn into "every address".
        assert!(p.find(ip("1.2.3.4"), Protocol::Tcp, 443, None).is_none());
        assert!(
            p.warnings.iter().any(|w| w.contains("\"bad[name\"")),
            "{:?}",
            p.warnings
        );
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("rule only-bad (#2) not understood")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_deadline_already_passed_is_a_distinct_not_indexed_in_time_outcome() {
        let past = Instant::now();
        let result = ForwardingProfile::parse_within(REAL_SHAPE, Some(past));
        let err = result.as_ref().unwrap_err();
        assert!(err.is_timeout());
        assert!(matches!(
            ProfileState::of(&result),
            ProfileState::TimedOut(_)
        ));
        assert!(err.to_string().contains("not indexed in time"), "{err}");
        // Malformed JSON is still "not understood", whatever the deadline.
        let bad = ForwardingProfile::parse_within("{", Some(past));
        assert!(matches!(
            ProfileState::of(&bad),
            ProfileState::NotUnderstood(_)
        ));
        let good = ForwardingProfile::parse_within(REAL_SHAPE, None);
        assert!(matches!(ProfileState::of(&good), ProfileState::Parsed(_)));
    }

    #[test]
    fn the_cache_tries_again_after_a_timeout_and_keeps_a_parse() {
        let mut cache = ProfileCache::default();
        cache.set_deadline(Some(Instant::now()));
        assert!(
            cache
                .parse(REAL_SHAPE)
                .as_ref()
                .as_ref()
                .unwrap_err()
                .is_timeout()
        );
        cache.set_deadline(None);
        let first = cache.parse(REAL_SHAPE);
        assert_eq!(first.as_ref().as_ref().unwrap().rules.len(), 5);
        assert!(Arc::ptr_eq(&first, &cache.parse(REAL_SHAPE)));
    }

    #[test]
    fn a_profile_checked_on_the_command_line_is_read_once_and_indexed_by_the_cache() {
        let text = REAL_SHAPE.replace("Contoso HQ", "Contoso HQ (seeded)");
        ForwardingProfile::check_and_remember(&text).unwrap();
        // The cache takes the text already read; another text does not.
        assert!(take_seed(TextKey::of(REAL_SHAPE)).is_none());
        let parsed = ProfileCache::default().parse(&text);
        let profile = parsed.as_ref().as_ref().unwrap();
        assert_eq!(
            profile.network_definitions[0].name.as_deref(),
            Some("Contoso HQ (seeded)")
        );
        assert!(take_seed(TextKey::of(&text)).is_none(), "taken once");
    }
}
