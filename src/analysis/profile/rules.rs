//! Rule matching: the index attribution queries for the first rule (lowest order) that
//! matches an address, protocol, port and the name the address was resolved from.
//!
//! Addresses sit on a prefix trie. Names are matched in three ways, all built once per profile:
//! exact names and `*.suffix` wildcards (nearly every FQDN of a real profile) in hash maps, and
//! what remains, real regex fragments, in compiled `RegexSet`s (one set per few hundred
//! patterns, so that building them can stop at a deadline). One regex per rule, as before, cost
//! a second and a gigabyte on a 70,000-rule profile.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use ipnet::{Ipv4Net, Ipv4Subnets};
use prefix_trie::PrefixMap;
use regex::bytes::{RegexSet, RegexSetBuilder};
use smallvec::SmallVec;

use super::{ProfileChannel, ProfileRule};
use crate::snapshot::Protocol;

/// Regex patterns per compiled set: small enough that one set compiles in a few milliseconds.
const PATTERNS_PER_SET: usize = 256;
/// Rules indexed between two looks at the clock.
const DEADLINE_STRIDE: usize = 1024;

/// How a profile FQDN matches a name (case-insensitively, the whole name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NamePattern {
    /// `outlook.office.com`, `outlook\.office\.com`.
    Exact(String),
    /// `*.sharepoint.com`, `*\.prod\.zpath\.net`: every name below the suffix (not the suffix
    /// itself: `*` stands for `.*` and the dot after it is literal).
    Below(String),
    /// Any other regex fragment, anchored at both ends.
    Regex(String),
}

impl NamePattern {
    /// Reads a profile FQDN. The field is a regex fragment matched whole, written both as a
    /// wildcard (`*.contoso.com`, dots literal) and escaped (`outlook\.office\.com`); a `*`
    /// with nothing before it to repeat means "anything" (`.*`), as the wildcard form intends.
    pub(crate) fn parse(pattern: &str) -> Result<NamePattern, String> {
        let pattern = pattern.trim();
        let pattern = pattern.strip_suffix("\\.").unwrap_or(pattern);
        let pattern = pattern.trim_end_matches('.');
        if pattern.is_empty() {
            return Err("an empty name".into());
        }
        // The wildcard form: name characters, dots (escaped or not) and `*`.
        let mut literal = String::with_capacity(pattern.len());
        let mut stars = Vec::new();
        let mut chars = pattern.chars().peekable();
        let mut simple = true;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e @ ('.' | '-' | '_')) => literal.push(e),
                    _ => {
                        simple = false;
                        break;
                    }
                },
                '*' => {
                    stars.push(literal.len());
                    literal.push('*');
                }
                c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => {
                    literal.push(c.to_ascii_lowercase())
                }
                _ => {
                    simple = false;
                    break;
                }
            }
        }
        if simple {
            match stars.as_slice() {
                [] => return Ok(NamePattern::Exact(literal)),
                [0] if literal.starts_with("*.") && literal.len() > 2 => {
                    return Ok(NamePattern::Below(literal[2..].to_string()));
                }
                _ => {
                    // `*` elsewhere (`login*.contoso.com`): a regex with literal dots.
                    let body = literal
                        .split('*')
                        .map(regex::escape)
                        .collect::<Vec<_>>()
                        .join(".*");
                    return Ok(NamePattern::Regex(body));
                }
            }
        }
        let body = regex_fragment(pattern);
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(&body)
            .map_err(|e| {
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("not a regex")
                    .trim()
                    .to_string()
            })?;
        Ok(NamePattern::Regex(body))
    }

    /// Whether a name (lower case, no trailing dot) matches; for tests and single lookups.
    #[cfg(test)]
    pub(crate) fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Exact(n) => n == name,
            NamePattern::Below(suffix) => name
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            NamePattern::Regex(body) => regex::Regex::new(&anchored(body))
                .map(|r| r.is_match(name))
                .unwrap_or(false),
        }
    }
}

/// A regex fragment where a `*` with nothing to repeat (at the start, after `.`, `\.`, `(` or
/// `|`) becomes `.*`: `*\.prod\.zpath\.net` is `.*\.prod\.zpath\.net`.
fn regex_fragment(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut previous: Option<char> = None;
    let mut escaped_previous = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(c);
            if let Some(next) = chars.next() {
                out.push(next);
                previous = Some(next);
                escaped_previous = true;
            }
            continue;
        }
        let nothing_to_repeat = match previous {
            None => true,
            Some('.') => escaped_previous,
            Some('(' | '|') => !escaped_previous,
            Some(_) => false,
        };
        if c == '*' && nothing_to_repeat {
            out.push_str(".*");
        } else {
            out.push(c);
        }
        previous = Some(c);
        escaped_previous = false;
    }
    out
}

fn anchored(body: &str) -> String {
    format!("(?i)^(?:{body})$")
}

/// A name as the index compares it: lower case, without the root's trailing dot.
pub(crate) fn normalise_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn rule_enabled(channels: &[ProfileChannel], rule: &ProfileRule) -> bool {
    channels
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(&rule.channel_id))
        .is_none_or(|c| c.enabled)
}

type Positions = SmallVec<[u32; 2]>;

/// The profile's enabled rules, indexed for many lookups. Positions index the rules sorted by
/// order, so the smallest matching position is the rule that decides.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleIndex {
    by_prefix: PrefixMap<Ipv4Net, Positions>,
    exact_names: HashMap<Box<str>, Positions>,
    names_below: HashMap<Box<str>, Positions>,
    /// Compiled sets of regex fragments, each with the rule position of every pattern.
    regex_sets: Vec<(RegexSet, Vec<u32>)>,
    /// Rules without any address criteria (every address).
    any_address: Vec<u32>,
}

/// The deadline passed while indexing, after this many rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NotIndexed {
    pub(crate) rules_done: usize,
}

impl RuleIndex {
    pub(crate) fn new(
        channels: &[ProfileChannel],
        rules: &[ProfileRule],
        deadline: Option<Instant>,
    ) -> Result<RuleIndex, NotIndexed> {
        let late = || deadline.is_some_and(|d| Instant::now() >= d);
        let mut index = RuleIndex::default();
        let mut regexes: Vec<(&str, u32)> = Vec::new();
        for (position, rule) in rules.iter().enumerate() {
            if position % DEADLINE_STRIDE == 0 && late() {
                return Err(NotIndexed {
                    rules_done: position,
                });
            }
            if !rule_enabled(channels, rule) {
                continue;
            }
            let position = position as u32;
            for (start, end) in &rule.ips {
                for net in Ipv4Subnets::new(*start, *end, 0) {
                    push_once(index.by_prefix.entry(net).or_default(), position);
                }
            }
            for pattern in &rule.name_patterns {
                match pattern {
                    NamePattern::Exact(name) => push_once(
                        index.exact_names.entry(name.as_str().into()).or_default(),
                        position,
                    ),
                    NamePattern::Below(suffix) => push_once(
                        index.names_below.entry(suffix.as_str().into()).or_default(),
                        position,
                    ),
                    NamePattern::Regex(body) => regexes.push((body, position)),
                }
            }
            if rule.matches_every_address() {
                index.any_address.push(position);
            }
        }
        for chunk in regexes.chunks(PATTERNS_PER_SET) {
            if late() {
                return Err(NotIndexed {
                    rules_done: rules.len(),
                });
            }
            // Each pattern was checked alone when read; a set that still does not build (too
            // large) is split down to single patterns, and one that fails alone is left out.
            index.add_regex_set(chunk);
        }
        Ok(index)
    }

    fn add_regex_set(&mut self, patterns: &[(&str, u32)]) {
        let built = RegexSetBuilder::new(patterns.iter().map(|(body, _)| anchored(body)))
            .unicode(false)
            .size_limit(64 << 20)
            .build();
        match built {
            Ok(set) => self
                .regex_sets
                .push((set, patterns.iter().map(|(_, p)| *p).collect())),
            Err(_) if patterns.len() > 1 => {
                let (a, b) = patterns.split_at(patterns.len() / 2);
                self.add_regex_set(a);
                self.add_regex_set(b);
            }
            Err(_) => {}
        }
    }

    /// The position of the first rule by order that matches.
    pub(crate) fn find(
        &self,
        rules: &[ProfileRule],
        address: IpAddr,
        protocol: Protocol,
        port: u16,
        name: Option<&str>,
    ) -> Option<usize> {
        let mut best: Option<u32> = None;
        self.candidates(address, name, |i| {
            if best.is_none_or(|b| i < b) && rules[i as usize].matches_transport(protocol, port) {
                best = Some(i);
            }
        });
        best.map(|b| b as usize)
    }

    /// The positions of every rule that matches, first by order first (`explain` shows the
    /// rules the deciding one beat).
    pub(crate) fn find_all(
        &self,
        rules: &[ProfileRule],
        address: IpAddr,
        protocol: Protocol,
        port: u16,
        name: Option<&str>,
    ) -> Vec<usize> {
        let mut all = std::collections::BTreeSet::new();
        self.candidates(address, name, |i| {
            if rules[i as usize].matches_transport(protocol, port) {
                all.insert(i as usize);
            }
        });
        all.into_iter().collect()
    }

    /// Calls `consider` with every rule whose address or name criteria match.
    fn candidates(&self, address: IpAddr, name: Option<&str>, mut consider: impl FnMut(u32)) {
        if let IpAddr::V4(v4) = address {
            for (_, candidates) in self.by_prefix.cover(&Ipv4Net::from(v4)) {
                candidates.iter().for_each(|&i| consider(i));
            }
        }
        if let Some(name) = name {
            let name = normalise_name(name);
            if let Some(candidates) = self.exact_names.get(name.as_str()) {
                candidates.iter().for_each(|&i| consider(i));
            }
            // Every proper suffix after a dot: `a.b.sharepoint.com` looks up `b.sharepoint.com`
            // and `sharepoint.com` and `com`.
            for (dot, _) in name.match_indices('.') {
                if dot == 0 {
                    continue;
                }
                if let Some(candidates) = self.names_below.get(&name[dot + 1..]) {
                    candidates.iter().for_each(|&i| consider(i));
                }
            }
            for (set, positions) in &self.regex_sets {
                for matched in set.matches(name.as_bytes()).iter() {
                    consider(positions[matched]);
                }
            }
        }
        self.any_address.iter().for_each(|&i| consider(i));
    }
}

fn push_once(positions: &mut Positions, position: u32) {
    if positions.last() != Some(&position) {
        positions.push(position);
    }
}

/// An inclusive IPv4 range, for rules and ILA answers.
pub(crate) type Ipv4Range = (Ipv4Addr, Ipv4Addr);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(p: &str) -> NamePattern {
        NamePattern::parse(p).unwrap()
    }

    #[test]
    fn escaped_and_plain_names_are_exact_names() {
        assert_eq!(
            parse("outlook\\.office\\.com"),
            NamePattern::Exact("outlook.office.com".into())
        );
        assert_eq!(
            parse("Outlook.Office365.com."),
            NamePattern::Exact("outlook.office365.com".into())
        );
    }

    #[test]
    fn wildcards_plain_or_escaped_match_names_below_the_suffix_only() {
        for p in [
            "*.sharepoint.com",
            "*\\.sharepoint\\.com",
            "*.SharePoint.com",
        ] {
            let pattern = parse(p);
            assert_eq!(pattern, NamePattern::Below("sharepoint.com".into()), "{p}");
            assert!(pattern.matches("contoso.sharepoint.com"));
            assert!(pattern.matches("a.b.sharepoint.com"));
            assert!(!pattern.matches("sharepoint.com"));
            assert!(!pattern.matches("evilsharepoint.com"));
            assert!(!pattern.matches("sharepoint.com.evil.net"));
        }
        // The escaped wildcard that failed to compile before ("repetition operator missing
        // expression") and silently dropped the rule.
        assert!(parse("*\\.prod\\.zpath\\.net").matches("broker1.prod.zpath.net"));
    }

    #[test]
    fn other_regex_fragments_are_matched_whole() {
        let p = parse("login[0-9]+\\.contoso\\.com");
        assert!(matches!(p, NamePattern::Regex(_)));
        assert!(p.matches("login42.contoso.com"));
        assert!(!p.matches("login42.contoso.com.evil.net"));
        assert!(!p.matches("xlogin42.contoso.com"));
        let star_inside = parse("login*.contoso.com");
        assert!(star_inside.matches("login-eu.contoso.com"));
        assert!(!star_inside.matches("loginxcontosoxcom"));
        let alternation = parse("(*\\.)?contoso\\.(com|net)");
        assert!(alternation.matches("contoso.net"));
        assert!(alternation.matches("www.contoso.com"));
    }

    #[test]
    fn a_pattern_that_is_not_a_regex_is_refused_with_the_reason() {
        let err = NamePattern::parse("bad[name\\.com").unwrap_err();
        assert!(err.contains("unclosed"), "{err}");
        assert!(NamePattern::parse("  ").is_err());
    }
}
