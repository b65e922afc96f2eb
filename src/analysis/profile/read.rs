//! Reading: the forwarding profile's JSON into a typed model, streamed by serde (no
//! `serde_json::Value` tree: a 20 MB profile would need ten times its size as a tree).
//!
//! Tolerance, because Microsoft's schema moves: keys match in any case, unknown keys are
//! skipped, a list may be given as one item, numbers may be written as strings, and each rule
//! (and channel, network definition, private DNS rule) is read on its own from its raw text, so
//! that one entry of an unexpected shape becomes a warning naming it instead of failing the
//! whole profile. Only malformed JSON or a missing `policy` object is an error.

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Instant;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::value::RawValue;

use super::rules::{Ipv4Range, NamePattern};
use super::{
    Edge, IlaProbe, NetworkDefinition, PrivateDnsRule, ProfileChannel, ProfileError, ProfileRule,
    RuleAction, RuleProtocol,
};
use crate::knowledge::Channel;
use crate::snapshot::Protocol;

/// How many entries are read between two looks at the clock.
const DEADLINE_STRIDE: usize = 256;

/// A key, found among a struct's accepted spellings ignoring ASCII case; `None` when unknown.
struct KeyIn(&'static [&'static [&'static str]]);

impl<'de> DeserializeSeed<'de> for KeyIn {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIn {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self
            .0
            .iter()
            .position(|names| names.iter().any(|n| n.eq_ignore_ascii_case(key))))
    }
}

/// A struct read from a JSON object whose keys match in any case and whose unknown keys are
/// skipped; `null` reads as the default.
macro_rules! tolerant_object {
    ($(#[$meta:meta])* struct $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty = [$($key:literal),+],)* }) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        pub(crate) struct $name { $($(#[$fmeta])* pub(crate) $field: $ty,)* }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<'de> Visitor<'de> for ObjectVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("an object (", stringify!($name), ")"))
                    }
                    fn visit_unit<E: de::Error>(self) -> Result<$name, E> {
                        Ok($name::default())
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        const KEYS: &[&[&str]] = &[$(&[$($key),+]),*];
                        let mut out = $name::default();
                        while let Some(found) = map.next_key_seed(KeyIn(KEYS))? {
                            let Some(found) = found else {
                                map.next_value::<IgnoredAny>()?;
                                continue;
                            };
                            let mut position = 0usize;
                            $(
                                if found == position {
                                    out.$field = map.next_value()?;
                                    continue;
                                }
                                position += 1;
                            )*
                            let _ = position;
                            map.next_value::<IgnoredAny>()?;
                        }
                        Ok(out)
                    }
                }
                d.deserialize_any(ObjectVisitor)
            }
        }
    };
}

/// Any JSON value, kept when it is a scalar: the profile writes numbers as integers, floats
/// or strings depending on who wrote it.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) enum Scalar {
    #[default]
    Null,
    Text(String),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Bool(bool),
    /// An object or a list where a scalar was expected.
    Compound,
}

impl Scalar {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Scalar::Null)
    }

    /// As text, for names, ids and keywords.
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Scalar::Text(s) => Some(s.clone()),
            Scalar::Unsigned(n) => Some(n.to_string()),
            Scalar::Signed(n) => Some(n.to_string()),
            Scalar::Float(n) => Some(n.to_string()),
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Null | Scalar::Compound => None,
        }
    }

    /// As a number: integers, floats and numeric strings alike.
    pub(crate) fn number(&self) -> Option<f64> {
        match self {
            Scalar::Unsigned(n) => Some(*n as f64),
            Scalar::Signed(n) => Some(*n as f64),
            Scalar::Float(n) => Some(*n),
            Scalar::Text(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|n| n.is_finite())
    }

    /// As a whole number (`443`, `443.0`, `"443"`).
    pub(crate) fn integer(&self) -> Option<i64> {
        match self {
            Scalar::Unsigned(n) => i64::try_from(*n).ok(),
            Scalar::Signed(n) => Some(*n),
            Scalar::Text(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            _ => self
                .number()
                .filter(|n| n.fract() == 0.0 && n.abs() < 1e18)
                .map(|n| n as i64),
        }
    }

    /// An IPv4 address: a dotted string, or the big-endian value of the address as a 32-bit
    /// number, unsigned (`ips[].start`) or signed (`serverAddresses`: -1062731766 is
    /// 192.168.0.10), written as an integer, a float or a string.
    pub(crate) fn ipv4(&self) -> Option<Ipv4Addr> {
        if let Scalar::Text(s) = self
            && let Ok(address) = s.trim().parse::<Ipv4Addr>()
        {
            return Some(address);
        }
        let n = self.integer()?;
        if let Ok(unsigned) = u32::try_from(n) {
            Some(Ipv4Addr::from(unsigned))
        } else {
            i32::try_from(n)
                .ok()
                .map(|signed| Ipv4Addr::from(signed as u32))
        }
    }

    /// `false` only for an explicit false (`false`, `"false"`, `0`).
    pub(crate) fn is_false(&self) -> bool {
        match self {
            Scalar::Bool(b) => !b,
            Scalar::Text(s) => s.trim().eq_ignore_ascii_case("false"),
            Scalar::Unsigned(0) | Scalar::Signed(0) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Text(s) => write!(f, "{s:?}"),
            Scalar::Null => f.write_str("null"),
            Scalar::Compound => f.write_str("an object or list"),
            other => f.write_str(&other.text().unwrap_or_default()),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Unsigned(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Signed(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
                IgnoredAny::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Scalar::Compound)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar, A::Error> {
                IgnoredAny::deserialize(SeqAccessDeserializer::new(seq))?;
                Ok(Scalar::Compound)
            }
        }
        d.deserialize_any(ScalarVisitor)
    }
}

/// A list, also when the profile gives one item instead (`"ports": {"start": 443}`) or null.
#[derive(Debug)]
pub(crate) struct Many<T>(pub(crate) Vec<T>);

impl<T> Default for Many<T> {
    fn default() -> Self {
        Many(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ManyVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ManyVisitor<T> {
            type Value = Many<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list or one item")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Many<T>, E> {
                Ok(Many(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Many<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Many(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Many<T>, A::Error> {
                Ok(Many(vec![T::deserialize(MapAccessDeserializer::new(map))?]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Many<T>, E> {
                Ok(Many(vec![T::deserialize(v.into_deserializer())?]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Many<T>, E> {
                Ok(Many(vec![T::deserialize(v.into_deserializer())?]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Many<T>, E> {
                Ok(Many(vec![T::deserialize(v.into_deserializer())?]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Many<T>, E> {
                Ok(Many(vec![T::deserialize(v.into_deserializer())?]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Many<T>, E> {
                Ok(Many(vec![T::deserialize(v.into_deserializer())?]))
            }
        }
        d.deserialize_any(ManyVisitor(std::marker::PhantomData))
    }
}

tolerant_object! {
    /// `{start, end}` of an address or port range.
    struct Bounds {
        start: Scalar = ["start", "from", "first"],
        end: Scalar = ["end", "to", "last"],
    }
}

/// An address or port range: `{start, end}`, or one value (`443`, `"80-443"`, `"10.0.0.0/8"`).
#[derive(Debug)]
pub(crate) enum RangeSpec {
    Bounds(Bounds),
    One(Scalar),
}

impl<'de> Deserialize<'de> for RangeSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RangeVisitor;
        impl<'de> Visitor<'de> for RangeVisitor {
            type Value = RangeSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a range")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RangeSpec, A::Error> {
                Ok(RangeSpec::Bounds(Bounds::deserialize(
                    MapAccessDeserializer::new(map),
                )?))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RangeSpec, E> {
                Ok(RangeSpec::One(Scalar::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RangeSpec, A::Error> {
                IgnoredAny::deserialize(SeqAccessDeserializer::new(seq))?;
                Ok(RangeSpec::One(Scalar::Compound))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RangeSpec, E> {
                Ok(RangeSpec::One(Scalar::Text(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RangeSpec, E> {
                Ok(RangeSpec::One(Scalar::Unsigned(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RangeSpec, E> {
                Ok(RangeSpec::One(Scalar::Signed(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RangeSpec, E> {
                Ok(RangeSpec::One(Scalar::Float(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RangeSpec, E> {
                Ok(RangeSpec::One(Scalar::Bool(v)))
            }
        }
        d.deserialize_any(RangeVisitor)
    }
}

tolerant_object! {
    struct RawEdge {
        address: Scalar = ["edgeAddress", "address"],
        port: Scalar = ["edgePort", "port"],
    }
}

tolerant_object! {
    struct RawEdgesSettings {
        primary_edges: Many<RawEdge> = ["primaryEdges"],
        secondary_edges: Many<RawEdge> = ["secondaryEdges"],
        diagnostic_uri: Scalar = ["diagnosticUri"],
    }
}

tolerant_object! {
    struct RawChannel {
        id: Scalar = ["id"],
        name: Scalar = ["name"],
        enabled: Scalar = ["enabled", "isEnabled"],
        state: Scalar = ["state", "status"],
        edges_settings: RawEdgesSettings = ["edgesSettings"],
        diagnostic_uri: Scalar = ["diagnosticUri"],
    }
}

tolerant_object! {
    struct RawAddress {
        ips: Many<RangeSpec> = ["ips"],
        fqdns: Many<Scalar> = ["fqdns"],
    }
}

tolerant_object! {
    struct RawCriteria {
        address: RawAddress = ["address"],
        protocol: Scalar = ["protocol"],
        ports: Many<RangeSpec> = ["ports"],
    }
}

tolerant_object! {
    /// A rule; `hardening`, `networkId`, `tunnelingPrerequisite`, `appAuthorizationTokenContext`,
    /// `acquireIfUnresolved` and whatever comes next are skipped.
    struct RawRule {
        id: Scalar = ["id"],
        channel_id: Scalar = ["channelId"],
        order: Scalar = ["order"],
        action: Scalar = ["action"],
        matching_criteria: RawCriteria = ["matchingCriteria"],
    }
}

tolerant_object! {
    /// How an Intelligent Local Access network is recognised: a probe name resolved through a
    /// given DNS server must answer inside the expected ranges.
    struct RawDnsResolution {
        fqdn: Scalar = ["fqdnToResolve", "fqdn", "dnsName", "probeFqdn", "hostName", "name"],
        server_addresses: Many<Scalar> = ["serverAddresses", "dnsServers", "serverAddress"],
        expected: Many<RangeSpec> = ["expectedIpResolution", "ips", "expectedIps", "ipRanges", "expectedAddresses", "addresses", "resolvedAddresses"],
    }
}

tolerant_object! {
    struct RawNetworkIdentification {
        dns_resolution: RawDnsResolution = ["dnsResolution"],
    }
}

tolerant_object! {
    struct RawNetworkDefinition {
        id: Scalar = ["id", "networkId"],
        name: Scalar = ["name", "displayName"],
        identification: Many<RawNetworkIdentification> = ["networkIdentification"],
    }
}

tolerant_object! {
    struct RawPrivateDnsRule {
        id: Scalar = ["id"],
        channel_id: Scalar = ["channelId"],
        fqdns: Many<Scalar> = ["fqdns", "dnsSuffixes", "suffixes", "domains", "fqdn"],
    }
}

/// A list whose entries are kept as raw JSON text, each read on its own later.
#[derive(Debug, Default)]
pub(crate) struct RawEntries<'de>(pub(crate) Vec<&'de RawValue>);

impl<'de> Deserialize<'de> for RawEntries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = RawEntries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawEntries<'de>, E> {
                Ok(RawEntries::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawEntries<'de>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<&'de RawValue>()? {
                    items.push(item);
                }
                Ok(RawEntries(items))
            }
        }
        d.deserialize_any(EntriesVisitor)
    }
}

/// `policy`: its lists, each entry still raw.
#[derive(Debug, Default)]
pub(crate) struct RawPolicy<'de> {
    pub(crate) channels: RawEntries<'de>,
    pub(crate) rules: RawEntries<'de>,
    pub(crate) network_definitions: RawEntries<'de>,
    pub(crate) private_dns_rules: RawEntries<'de>,
}

const POLICY_KEYS: &[&[&str]] = &[
    &["channels"],
    &["rules"],
    &["networkDefinitions"],
    &["privateDnsRules"],
];

impl<'de> Deserialize<'de> for RawPolicy<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PolicyVisitor;
        impl<'de> Visitor<'de> for PolicyVisitor {
            type Value = RawPolicy<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the policy object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPolicy<'de>, A::Error> {
                let mut policy = RawPolicy::default();
                while let Some(found) = map.next_key_seed(KeyIn(POLICY_KEYS))? {
                    match found {
                        Some(0) => policy.channels = map.next_value()?,
                        Some(1) => policy.rules = map.next_value()?,
                        Some(2) => policy.network_definitions = map.next_value()?,
                        Some(3) => policy.private_dns_rules = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(policy)
            }
        }
        d.deserialize_map(PolicyVisitor)
    }
}

/// The document: `{"policy": {...}, ...}`; `None` when there is no `policy` object.
struct RawRoot<'de>(Option<RawPolicy<'de>>);

impl<'de> Deserialize<'de> for RawRoot<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RootVisitor;
        impl<'de> Visitor<'de> for RootVisitor {
            type Value = RawRoot<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON document")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRoot<'de>, A::Error> {
                let mut policy = None;
                while let Some(found) = map.next_key_seed(KeyIn(&[&["policy"]]))? {
                    match found {
                        Some(_) => policy = map.next_value::<Option<RawPolicy<'de>>>()?,
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(RawRoot(policy))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawRoot<'de>, A::Error> {
                IgnoredAny::deserialize(SeqAccessDeserializer::new(seq))?;
                Ok(RawRoot(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawRoot<'de>, E> {
                Ok(RawRoot(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<RawRoot<'de>, E> {
                Ok(RawRoot(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawRoot<'de>, E> {
                Ok(RawRoot(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawRoot<'de>, E> {
                Ok(RawRoot(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawRoot<'de>, E> {
                Ok(RawRoot(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawRoot<'de>, E> {
                Ok(RawRoot(None))
            }
        }
        d.deserialize_any(RootVisitor)
    }
}

/// The document's `policy`, its entries still raw.
pub(crate) fn policy(json: &str) -> Result<RawPolicy<'_>, ProfileError> {
    let root: RawRoot<'_> = serde_json::from_str(json).map_err(|e| ProfileError::Json {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or("")
            .to_string(),
    })?;
    root.0.ok_or(ProfileError::NoPolicy)
}

/// Reads each raw entry as `T`, looking at the clock every few entries, and hands it to
/// `read` with its position (1-based); an entry of an unexpected shape comes as the reason.
pub(crate) fn entries<'de, T: Deserialize<'de>>(
    raw: &RawEntries<'de>,
    deadline: Option<Instant>,
    mut read: impl FnMut(usize, Result<T, String>),
) -> Result<(), TimedOut> {
    for (i, entry) in raw.0.iter().enumerate() {
        if i % DEADLINE_STRIDE == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(TimedOut { read: i });
        }
        let value = serde_json::from_str::<T>(entry.get()).map_err(|e| {
            let message = e.to_string();
            message.split(" at line").next().unwrap_or("").to_string()
        });
        read(i + 1, value);
    }
    Ok(())
}

/// The deadline passed after `read` entries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimedOut {
    pub(crate) read: usize,
}

tolerant_object! {
    /// Only the id of an entry that could not be read otherwise, to name it.
    struct IdOnly {
        id: Scalar = ["id"],
    }
}

fn id_of(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<IdOnly>(raw.get())
        .ok()
        .and_then(|e| e.id.text())
}

/// The profile read and converted into the model, not yet indexed.
#[derive(Debug, Clone)]
pub(crate) struct ReadProfile {
    pub(crate) channels: Vec<ProfileChannel>,
    /// Sorted by order, file order between equal orders.
    pub(crate) rules: Vec<ProfileRule>,
    pub(crate) warnings: Vec<String>,
    pub(crate) network_definitions: Vec<NetworkDefinition>,
    pub(crate) private_dns_rules: Vec<PrivateDnsRule>,
}

/// Reads the whole profile, stopping with `TimedOut` at the deadline.
#[allow(
    clippy::indexing_slicing,
    reason = "entries numbers the rules it reads from 1, within the list it walks"
)]
pub(crate) fn read(json: &str, deadline: Option<Instant>) -> Result<ReadProfile, ProfileError> {
    let started = Instant::now();
    let policy = policy(json)?;
    let timed_out = |stage: &'static str, read: usize, of: usize| ProfileError::NotIndexedInTime {
        stage,
        done: read,
        of,
        elapsed: started.elapsed(),
    };
    let mut warnings = Vec::new();

    let mut channels = Vec::new();
    entries::<RawChannel>(&policy.channels, deadline, |n, raw| match raw {
        Ok(raw) => channels.extend(channel(raw)),
        Err(why) => warnings.push(format!("channel #{n} not understood: {why}; skipped")),
    })
    .map_err(|t| timed_out("reading channels", t.read, policy.channels.0.len()))?;

    let mut rules = Vec::with_capacity(policy.rules.0.len());
    entries::<RawRule>(&policy.rules, deadline, |n, raw| {
        let outcome = raw
            .map_err(|why| (id_of(policy.rules.0[n - 1]), why))
            .and_then(|raw| rule(raw, &channels, &mut warnings));
        match outcome {
            Ok(rule) => rules.push(rule),
            Err((id, why)) => warnings.push(format!(
                "rule {} (#{n}) not understood: {why}; skipped",
                id.as_deref().unwrap_or("without id")
            )),
        }
    })
    .map_err(|t| timed_out("reading rules", t.read, policy.rules.0.len()))?;
    // Lower order wins; the stable sort keeps file order between equal orders, and a rule
    // without an order comes last.
    rules.sort_by(|a, b| {
        a.order
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.order.unwrap_or(f64::INFINITY))
    });

    let mut network_definitions = Vec::new();
    entries::<RawNetworkDefinition>(&policy.network_definitions, deadline, |n, raw| match raw {
        Ok(raw) => network_definitions.push(network_definition(raw, &mut warnings)),
        Err(why) => warnings.push(format!(
            "network definition #{n} not understood: {why}; skipped"
        )),
    })
    .map_err(|t| {
        timed_out(
            "reading network definitions",
            t.read,
            policy.network_definitions.0.len(),
        )
    })?;

    let mut private_dns_rules = Vec::new();
    entries::<RawPrivateDnsRule>(&policy.private_dns_rules, deadline, |n, raw| match raw {
        Ok(raw) => private_dns_rules.push(PrivateDnsRule {
            id: raw.id.text().unwrap_or_default(),
            channel_id: raw.channel_id.text().unwrap_or_default(),
            names: raw.fqdns.0.iter().filter_map(Scalar::text).collect(),
        }),
        Err(why) => warnings.push(format!(
            "private DNS rule #{n} not understood: {why}; skipped"
        )),
    })
    .map_err(|t| {
        timed_out(
            "reading private DNS rules",
            t.read,
            policy.private_dns_rules.0.len(),
        )
    })?;

    Ok(ReadProfile {
        channels,
        rules,
        warnings,
        network_definitions,
        private_dns_rules,
    })
}

fn channel(raw: RawChannel) -> Option<ProfileChannel> {
    let name = raw.name.text().unwrap_or_default();
    let state_off = raw.state.text().is_some_and(|s| {
        s.trim().eq_ignore_ascii_case("disabled") || s.trim().eq_ignore_ascii_case("off")
    });
    let edges = |list: Many<RawEdge>| -> Vec<Edge> {
        list.0
            .into_iter()
            .filter_map(|e| {
                Some(Edge {
                    address: e.address.text()?,
                    port: e.port.integer().and_then(|p| u16::try_from(p).ok()),
                })
            })
            .collect()
    };
    let settings = raw.edges_settings;
    Some(ProfileChannel {
        id: raw.id.text().unwrap_or_else(|| name.clone()),
        channel: Channel::from_gsa_name(&name),
        enabled: !(raw.enabled.is_false() || state_off),
        primary_edges: edges(settings.primary_edges),
        secondary_edges: edges(settings.secondary_edges),
        diagnostic_uri: raw
            .diagnostic_uri
            .text()
            .or_else(|| settings.diagnostic_uri.text()),
        name,
    })
}

/// An IPv4 range from `{start, end}` (end defaults to start), a CIDR prefix or one address.
fn ipv4_range(spec: &RangeSpec) -> Result<Ipv4Range, String> {
    let range = match spec {
        RangeSpec::Bounds(b) => {
            if b.start.is_null() {
                return Err("an ip range without a start".into());
            }
            let start = b
                .start
                .ipv4()
                .ok_or_else(|| format!("ip range start {} is not an IPv4 address", b.start))?;
            let end = if b.end.is_null() {
                start
            } else {
                b.end
                    .ipv4()
                    .ok_or_else(|| format!("ip range end {} is not an IPv4 address", b.end))?
            };
            (start, end)
        }
        RangeSpec::One(Scalar::Text(s)) if s.contains('/') => {
            let net = s
                .trim()
                .parse::<ipnet::Ipv4Net>()
                .map_err(|_| format!("bad address {s:?}"))?;
            (net.network(), net.broadcast())
        }
        RangeSpec::One(one) => {
            let a = one
                .ipv4()
                .ok_or_else(|| format!("{one} is not an IPv4 address"))?;
            (a, a)
        }
    };
    if range.0 > range.1 {
        return Err(format!("ip range {} - {} runs backwards", range.0, range.1));
    }
    Ok(range)
}

fn port_range(spec: &RangeSpec) -> Result<(u16, u16), String> {
    let port = |s: &Scalar| {
        s.integer()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| format!("bad port {s}"))
    };
    match spec {
        RangeSpec::Bounds(b) => {
            let start = port(&b.start)?;
            let end = if b.end.is_null() {
                start
            } else {
                port(&b.end)?
            };
            if start > end {
                return Err(format!("port range {start}-{end} runs backwards"));
            }
            Ok((start, end))
        }
        RangeSpec::One(Scalar::Text(s)) if s.contains('-') => {
            let (a, b) = s.split_once('-').unwrap_or((s, s));
            let start = port(&Scalar::Text(a.trim().into()))?;
            let end = port(&Scalar::Text(b.trim().into()))?;
            Ok((start.min(end), start.max(end)))
        }
        RangeSpec::One(one) => port(one).map(|p| (p, p)),
    }
}

/// A rule, or why not (with its id when it has one).
fn rule(
    raw: RawRule,
    channels: &[ProfileChannel],
    warnings: &mut Vec<String>,
) -> Result<ProfileRule, (Option<String>, String)> {
    let id = raw.id.text();
    let fail = |why: String| (id.clone(), why);
    let label = id.clone().unwrap_or_else(|| "without id".into());
    let channel_id = raw.channel_id.text().unwrap_or_default();
    // Rules join channels by `channelId`; a channel id that is itself a name also counts.
    let channel = channels
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(&channel_id))
        .and_then(|c| c.channel)
        .or_else(|| Channel::from_gsa_name(&channel_id));
    let order = match &raw.order {
        Scalar::Null => None,
        other => match other.number() {
            Some(n) if n < 0.0 => return Err(fail(format!("negative order {other}"))),
            Some(n) => Some(n),
            None => return Err(fail(format!("order {other} is not a number"))),
        },
    };
    let (action, blocks) = match raw.action.text().map(|a| a.trim().to_ascii_lowercase()) {
        None => (RuleAction::Tunnel, false),
        Some(a) => match a.as_str() {
            "tunnel" | "forward" | "1" => (RuleAction::Tunnel, false),
            "bypass" | "exclude" | "0" | "2" => (RuleAction::Bypass, false),
            // GSA's driver takes a blocked flow and drops it: no route and no other client
            // gets it, as with a tunnelled one.
            "block" | "drop" | "deny" => (RuleAction::Tunnel, true),
            _ => return Err(fail(format!("unknown action {}", raw.action))),
        },
    };
    let criteria = raw.matching_criteria;
    let protocol = match criteria
        .protocol
        .text()
        .map(|p| p.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("any" | "all" | "" | "0" | "tcpudp" | "tcp,udp" | "both") => RuleProtocol::Any,
        Some("tcp" | "6") => RuleProtocol::Only(Protocol::Tcp),
        Some("udp" | "17") => RuleProtocol::Only(Protocol::Udp),
        Some(_) => return Err(fail(format!("unknown protocol {}", criteria.protocol))),
    };
    let ips = criteria
        .address
        .ips
        .0
        .iter()
        .map(ipv4_range)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let ports = criteria
        .ports
        .0
        .iter()
        .filter(|p| !matches!(p, RangeSpec::One(Scalar::Null)))
        .map(port_range)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let written: Vec<String> = criteria
        .address
        .fqdns
        .0
        .iter()
        .filter_map(Scalar::text)
        .collect();
    let mut fqdns = Vec::with_capacity(written.len());
    let mut name_patterns = Vec::with_capacity(written.len());
    for fqdn in written.iter() {
        match NamePattern::parse(fqdn) {
            Ok(pattern) => {
                fqdns.push(fqdn.clone());
                name_patterns.push(pattern);
            }
            Err(why) => warnings.push(format!(
                "rule {label}: fqdn {fqdn:?} is not a pattern ({why}); that name is left out"
            )),
        }
    }
    let has_address_criteria = !ips.is_empty() || !written.is_empty();
    if !written.is_empty() && name_patterns.is_empty() && ips.is_empty() {
        return Err(fail("none of its fqdns is a pattern".into()));
    }
    Ok(ProfileRule {
        id: id.clone().unwrap_or_else(|| "?".into()),
        channel_id,
        channel,
        order,
        action,
        blocks,
        ips,
        fqdns,
        name_patterns,
        protocol,
        ports,
        has_address_criteria,
    })
}

fn network_definition(raw: RawNetworkDefinition, warnings: &mut Vec<String>) -> NetworkDefinition {
    let id = raw.id.text().unwrap_or_default();
    let probes = raw
        .identification
        .0
        .into_iter()
        .map(|i| i.dns_resolution)
        .filter(|d| !d.fqdn.is_null() || !d.server_addresses.0.is_empty())
        .map(|d| {
            let mut dns_servers = Vec::new();
            for server in &d.server_addresses.0 {
                match server.ipv4() {
                    Some(address) => dns_servers.push(address),
                    None => warnings.push(format!(
                        "network definition {id}: DNS server {server} is not an IPv4 address"
                    )),
                }
            }
            let mut expected = Vec::new();
            for range in &d.expected.0 {
                match ipv4_range(range) {
                    Ok(range) => expected.push(range),
                    Err(why) => warnings.push(format!("network definition {id}: {why}")),
                }
            }
            IlaProbe {
                fqdn: d.fqdn.text(),
                dns_servers,
                expected,
            }
        })
        .collect();
    NetworkDefinition {
        name: raw.name.text(),
        id,
        probes,
    }
}
