//! GSA's forwarding profile: a tolerant parser for the JSON the client keeps in the registry,
//! and an index that finds the first rule (by order) matching an address, protocol and port.
//!
//! The shape follows Microsoft's GSATool and community scripts: `policy.channels[]` and
//! `policy.rules[]` with `matchingCriteria`. Fields may be missing or spelled in other cases,
//! `ports` may be one `{start, end}` or a list, `ips[].start/end` are decimal integers or
//! dotted addresses, FQDNs are regex-escaped. Only malformed JSON or a missing `policy` is an
//! error; a rule that cannot be understood is skipped with a warning.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use ipnet::{Ipv4Net, Ipv4Subnets};
use prefix_trie::PrefixMap;
use regex::Regex;
use serde_json::{Map, Value};
use smallvec::SmallVec;

use crate::knowledge::Channel;
use crate::snapshot::Protocol;

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
    pub order: i64,
    pub action: RuleAction,
    pub ips: Vec<(Ipv4Addr, Ipv4Addr)>,
    pub fqdns: Vec<String>,
    fqdn_regexes: Vec<Regex>,
    pub protocol: RuleProtocol,
    /// Inclusive port ranges; empty means every port.
    pub ports: Vec<(u16, u16)>,
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

    fn matches_name(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.');
        self.fqdn_regexes.iter().any(|r| r.is_match(name))
    }

    /// `rule 12 (order 3, m365)`.
    pub fn label(&self) -> String {
        let channel = self
            .channel
            .map_or_else(|| self.channel_id.clone(), |c| c.id().to_string());
        format!("rule {} (order {}, {channel})", self.id, self.order)
    }
}

#[derive(Debug, Clone)]
pub struct ForwardingProfile {
    pub channels: Vec<ProfileChannel>,
    pub rules: Vec<ProfileRule>,
    /// What the parser passed over, for the user to see.
    pub warnings: Vec<String>,
    /// The enabled rules on a prefix trie, built once with the profile.
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
}

/// A key looked up case-insensitively (the client and scripts differ in case).
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn integer(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn ipv4(value: Option<&Value>) -> Option<Ipv4Addr> {
    match value? {
        Value::Number(n) => n
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .map(Ipv4Addr::from),
        Value::String(s) => s
            .trim()
            .parse::<Ipv4Addr>()
            .ok()
            .or_else(|| s.trim().parse::<u32>().ok().map(Ipv4Addr::from)),
        _ => None,
    }
}

fn list(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

fn port_range(value: &Value) -> Option<(u16, u16)> {
    match value {
        Value::Object(o) => {
            let start = integer(field(o, "start"))?;
            let end = integer(field(o, "end")).unwrap_or(start);
            Some((u16::try_from(start).ok()?, u16::try_from(end).ok()?))
        }
        Value::Number(_) => {
            let p = u16::try_from(integer(Some(value))?).ok()?;
            Some((p, p))
        }
        Value::String(s) => {
            let (start, end) = s.split_once('-').unwrap_or((s, s));
            Some((start.trim().parse().ok()?, end.trim().parse().ok()?))
        }
        _ => None,
    }
}

fn disabled(object: &Map<String, Value>) -> bool {
    let flag = |name| matches!(field(object, name), Some(Value::Bool(false)));
    let state = text(field(object, "state")).or_else(|| text(field(object, "status")));
    flag("enabled")
        || flag("isEnabled")
        || state
            .is_some_and(|s| s.eq_ignore_ascii_case("disabled") || s.eq_ignore_ascii_case("off"))
}

fn edges(value: Option<&Value>) -> Vec<Edge> {
    list(value)
        .into_iter()
        .filter_map(|e| {
            let o = e.as_object()?;
            Some(Edge {
                address: text(field(o, "edgeAddress"))?,
                port: integer(field(o, "edgePort")).and_then(|p| u16::try_from(p).ok()),
            })
        })
        .collect()
}

/// Compiles a profile FQDN (regex-escaped, `*` as a wildcard) into an anchored regex.
fn fqdn_regex(pattern: &str) -> Result<Regex, regex::Error> {
    let pattern = pattern.trim().trim_end_matches('.');
    // Wildcards appear both as `*.contoso.com` and as regex `.*\.contoso\.com`.
    let body = if pattern.starts_with("*.") || !pattern.contains('\\') {
        let mut re = String::new();
        for c in pattern.chars() {
            match c {
                '*' => re.push_str("[^.]*(\\..*)?"),
                '\\' => {}
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.replace("[^.]*(\\..*)?\\.", "(.*\\.)?")
    } else {
        pattern.to_string()
    };
    Regex::new(&format!("(?i)^(?:{body})$"))
}

impl ForwardingProfile {
    pub fn parse(json: &str) -> Result<ForwardingProfile, ProfileError> {
        let root: Value = serde_json::from_str(json).map_err(|e| ProfileError::Json {
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line")
                .next()
                .unwrap_or("")
                .to_string(),
        })?;
        let policy = root
            .as_object()
            .and_then(|o| field(o, "policy"))
            .and_then(Value::as_object)
            .ok_or(ProfileError::NoPolicy)?;
        let mut warnings = Vec::new();
        let channels: Vec<ProfileChannel> = list(field(policy, "channels"))
            .into_iter()
            .filter_map(|c| {
                let o = c.as_object()?;
                let name = text(field(o, "name")).unwrap_or_default();
                let settings = field(o, "edgesSettings").and_then(Value::as_object);
                Some(ProfileChannel {
                    id: text(field(o, "id")).unwrap_or_else(|| name.clone()),
                    channel: Channel::from_gsa_name(&name),
                    enabled: !disabled(o),
                    primary_edges: edges(settings.and_then(|s| field(s, "primaryEdges"))),
                    secondary_edges: edges(settings.and_then(|s| field(s, "secondaryEdges"))),
                    diagnostic_uri: text(field(o, "diagnosticUri"))
                        .or_else(|| settings.and_then(|s| text(field(s, "diagnosticUri")))),
                    name,
                })
            })
            .collect();
        let mut rules = Vec::new();
        for (position, value) in list(field(policy, "rules")).into_iter().enumerate() {
            match Self::parse_rule(value, &channels) {
                Ok(rule) => rules.push(rule),
                Err(why) => warnings.push(format!("rule #{}: {why}; skipped", position + 1)),
            }
        }
        // Lower order wins; the stable sort keeps file order between equal orders.
        rules.sort_by_key(|r| r.order);
        let index = RuleIndex::new(&channels, &rules);
        Ok(ForwardingProfile {
            channels,
            rules,
            warnings,
            index,
        })
    }

    fn parse_rule(value: &Value, channels: &[ProfileChannel]) -> Result<ProfileRule, String> {
        let o = value.as_object().ok_or("not an object")?;
        let id = text(field(o, "id")).unwrap_or_else(|| "?".into());
        let channel_id = text(field(o, "channelId")).unwrap_or_default();
        let channel = channels
            .iter()
            .find(|c| c.id == channel_id)
            .and_then(|c| c.channel)
            .or_else(|| Channel::from_gsa_name(&channel_id));
        let action = match text(field(o, "action")).map(|a| a.to_ascii_lowercase()) {
            Some(a) if a == "tunnel" || a == "forward" || a == "1" => RuleAction::Tunnel,
            Some(a) if a == "bypass" || a == "exclude" || a == "0" || a == "2" => {
                RuleAction::Bypass
            }
            Some(other) => return Err(format!("unknown action {other:?}")),
            None => RuleAction::Tunnel,
        };
        let criteria = field(o, "matchingCriteria").and_then(Value::as_object);
        let address = criteria
            .and_then(|c| field(c, "address"))
            .and_then(Value::as_object);
        let mut ips = Vec::new();
        for ip in list(address.and_then(|a| field(a, "ips"))) {
            let range = match ip {
                Value::Object(r) => {
                    let start = ipv4(field(r, "start")).ok_or("an ip range without a start")?;
                    (start, ipv4(field(r, "end")).unwrap_or(start))
                }
                Value::String(s) => match s.parse::<Ipv4Net>() {
                    Ok(net) => (net.network(), net.broadcast()),
                    Err(_) => {
                        let a = ipv4(Some(ip)).ok_or_else(|| format!("bad address {s:?}"))?;
                        (a, a)
                    }
                },
                other => {
                    let a = ipv4(Some(other)).ok_or("an ip range that is not an address")?;
                    (a, a)
                }
            };
            if range.0 > range.1 {
                return Err(format!("ip range {} - {} runs backwards", range.0, range.1));
            }
            ips.push(range);
        }
        let mut fqdns = Vec::new();
        let mut fqdn_regexes = Vec::new();
        for f in list(address.and_then(|a| field(a, "fqdns"))) {
            let Some(pattern) = text(Some(f)) else {
                continue;
            };
            let regex = fqdn_regex(&pattern)
                .map_err(|e| format!("fqdn {pattern:?} is not a pattern: {e}"))?;
            fqdns.push(pattern);
            fqdn_regexes.push(regex);
        }
        let protocol = match criteria
            .and_then(|c| text(field(c, "protocol")))
            .map(|p| p.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("any" | "all" | "" | "0" | "tcpudp" | "tcp,udp" | "both") => {
                RuleProtocol::Any
            }
            Some("tcp" | "6") => RuleProtocol::Only(Protocol::Tcp),
            Some("udp" | "17") => RuleProtocol::Only(Protocol::Udp),
            Some(other) => return Err(format!("unknown protocol {other:?}")),
        };
        let ports = list(criteria.and_then(|c| field(c, "ports")))
            .into_iter()
            .map(|p| port_range(p).ok_or_else(|| format!("bad port range {p}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProfileRule {
            order: integer(field(o, "order")).unwrap_or(i64::MAX),
            id,
            channel_id,
            channel,
            action,
            ips,
            fqdns,
            fqdn_regexes,
            protocol,
            ports,
        })
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
}

fn rule_enabled(channels: &[ProfileChannel], rule: &ProfileRule) -> bool {
    channels
        .iter()
        .find(|c| c.id == rule.channel_id)
        .is_none_or(|c| c.enabled)
}

/// Parsed profiles by their text: a device's profile changes rarely, so each snapshot reuses
/// the last parse instead of parsing (and indexing) the same JSON again.
#[derive(Default)]
pub struct ProfileCache {
    last: Option<(String, Arc<Result<ForwardingProfile, ProfileError>>)>,
}

impl ProfileCache {
    pub fn parse(&mut self, json: &str) -> Arc<Result<ForwardingProfile, ProfileError>> {
        if let Some((text, parsed)) = &self.last
            && text == json
        {
            return parsed.clone();
        }
        let parsed = Arc::new(ForwardingProfile::parse(json));
        self.last = Some((json.to_string(), parsed.clone()));
        parsed
    }
}

/// The profile's rules on a prefix trie, for many lookups.
#[derive(Debug, Clone, Default)]
struct RuleIndex {
    /// Rule positions (into the rules, sorted by order) per prefix.
    by_prefix: PrefixMap<Ipv4Net, SmallVec<[usize; 2]>>,
    /// Rules that match by name only.
    by_name: Vec<usize>,
    /// Rules without any address criteria (every address).
    any_address: Vec<usize>,
}

impl RuleIndex {
    fn new(channels: &[ProfileChannel], rules: &[ProfileRule]) -> RuleIndex {
        let mut index = RuleIndex::default();
        for (i, rule) in rules.iter().enumerate() {
            if !rule_enabled(channels, rule) {
                continue;
            }
            for (start, end) in &rule.ips {
                for net in Ipv4Subnets::new(*start, *end, 0) {
                    index.by_prefix.entry(net).or_default().push(i);
                }
            }
            if !rule.fqdns.is_empty() {
                index.by_name.push(i);
            }
            if rule.ips.is_empty() && rule.fqdns.is_empty() {
                index.any_address.push(i);
            }
        }
        index
    }

    /// The position of the first rule by order that matches.
    fn find(
        &self,
        rules: &[ProfileRule],
        address: IpAddr,
        protocol: Protocol,
        port: u16,
        name: Option<&str>,
    ) -> Option<usize> {
        let consider = |best: &mut Option<usize>, i: usize| {
            if best.is_none_or(|b| i < b) && rules[i].matches_transport(protocol, port) {
                *best = Some(i);
            }
        };
        let mut best: Option<usize> = None;
        if let IpAddr::V4(v4) = address {
            for (_, candidates) in self.by_prefix.cover(&Ipv4Net::from(v4)) {
                for &i in candidates {
                    consider(&mut best, i);
                }
            }
        }
        if let Some(name) = name {
            for &i in &self.by_name {
                if best.is_none_or(|b| i < b) && rules[i].matches_name(name) {
                    consider(&mut best, i);
                }
            }
        }
        for &i in &self.any_address {
            consider(&mut best, i);
        }
        best
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
}
