//! Parsers for what the macOS tools print (`systemextensionsctl list`, `scutil --nc list`,
//! `scutil --nwi`, `scutil --dns`) and for GSA's cached forwarding-profile property list. They
//! run on every OS and are tested on recorded output; `macos.rs` only runs the tools and reads
//! the file. A line a parser does not understand is skipped, never an error: the tools' output
//! is not a documented format and differs between macOS versions.

use std::sync::LazyLock;

use regex::Regex;

use crate::snapshot::{DnsResolver, NetworkService, NetworkState, NwiInterface, SystemExtension};

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("constant regex: {e}"))
}

/// The lines of a tool's output, without `\r` and surrounding blanks.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(|l| l.trim_end_matches('\r'))
}

/// `systemextensionsctl list`: a count line, then per category a `--- <category>` heading, a
/// column heading and one tab-separated line per extension:
/// `*\t*\tTEAMID\tbundle.id (1.2/1.2)\tName\t[activated enabled]`. The bracketed state is the
/// authority; the `*` marks are read from the tab columns where the tabs survive.
pub(crate) fn system_extensions(text: &str) -> Vec<SystemExtension> {
    static LINE: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"^(?P<marks>[\s*]*?)\s*(?P<team>\S+)\s+(?P<bundle>[A-Za-z0-9][A-Za-z0-9._-]*\.[A-Za-z0-9._-]+)\s*(?:\((?P<version>[^)]*)\))?\s*(?P<name>.*?)\s*\[(?P<state>[^\]]*)\]\s*$",
        )
    });
    let mut category: Option<String> = None;
    let mut found = Vec::new();
    for line in lines(text) {
        let trimmed = line.trim();
        if let Some(heading) = trimmed.strip_prefix("---") {
            category = Some(heading.trim().to_string()).filter(|c| !c.is_empty());
            continue;
        }
        let Some(caps) = LINE.captures(line) else {
            continue;
        };
        let field = |name: &str| caps.name(name).map(|m| m.as_str().trim().to_string());
        let (enabled, active) = marks(line, caps.name("marks").map_or("", |m| m.as_str()));
        let Some(bundle_id) = field("bundle") else {
            continue;
        };
        found.push(SystemExtension {
            category: category.clone(),
            enabled,
            active,
            team_id: field("team").filter(|t| t != "(null)"),
            bundle_id,
            version: field("version").filter(|v| !v.is_empty()),
            name: field("name").unwrap_or_default(),
            state: field("state").unwrap_or_default(),
        });
    }
    found
}

/// The `enabled` and `active` marks: the first two tab columns where the line has tabs; with the
/// tabs turned to spaces a single `*` cannot be placed, and is taken as `enabled`.
fn marks(line: &str, marks: &str) -> (bool, bool) {
    let mut columns = line.split('\t');
    if line.contains('\t') {
        let first = columns.next().is_some_and(|c| c.trim() == "*");
        let second = columns.next().is_some_and(|c| c.trim() == "*");
        return (first, second);
    }
    let stars = marks.matches('*').count();
    (stars >= 1, stars >= 2)
}

/// `scutil --nc list`: `* (Connected)  <UUID> VPN (bundle.id) "Name"  [VPN:bundle.id]`.
pub(crate) fn network_services(text: &str) -> Vec<NetworkService> {
    static LINE: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r#"^\s*(?P<star>\*)?\s*\((?P<status>[^)]*)\)\s+(?P<id>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\s+(?P<kind>\S+)(?:\s+-->\s+\S+)?\s+(?:\((?P<provider>[^)]*)\)\s+)?"(?P<name>(?:[^"\\]|\\.)*)"\s*(?:\[(?P<detail>[^\]]*)\])?\s*$"#,
        )
    });
    lines(text)
        .filter_map(|line| {
            let caps = LINE.captures(line)?;
            let field = |name: &str| caps.name(name).map(|m| m.as_str().trim().to_string());
            Some(NetworkService {
                enabled: caps.name("star").is_some(),
                status: field("status").unwrap_or_default(),
                id: field("id").unwrap_or_default(),
                kind: field("kind").unwrap_or_default(),
                provider: field("provider").filter(|p| !p.is_empty()),
                name: field("name").unwrap_or_default(),
                detail: field("detail").filter(|d| !d.is_empty()),
            })
        })
        .collect()
}

/// The words in the parentheses of `0x5 (IPv4,DNS)` or `0x00000003 (Reachable,Transient Connection)`.
fn paren_words(value: &str) -> Vec<String> {
    value
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .map(|(inside, _)| {
            inside
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `scutil --nwi`: an `IPv4 network interface information` and an `IPv6 …` section, each with
/// one block per interface in the system's order (the primary first):
/// `     en0 : flags      : 0x5 (IPv4,DNS)` then `address`, `reach`, `VPN server` lines;
/// and at the end `Network interfaces: en0 utun3`.
pub(crate) fn network_state(text: &str) -> NetworkState {
    #[derive(Clone, Copy, PartialEq)]
    enum Family {
        None,
        V4,
        V6,
    }
    let mut state = NetworkState::default();
    let mut family = Family::None;
    let mut current: Option<NwiInterface> = None;
    let flush = |state: &mut NetworkState, family: Family, current: &mut Option<NwiInterface>| {
        if let Some(done) = current.take() {
            match family {
                Family::V4 => state.ipv4.push(done),
                Family::V6 => state.ipv6.push(done),
                Family::None => {}
            }
        }
    };
    for line in lines(text) {
        let trimmed = line.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("ipv4 network interface information") {
            flush(&mut state, family, &mut current);
            family = Family::V4;
            continue;
        }
        if lower.starts_with("ipv6 network interface information") {
            flush(&mut state, family, &mut current);
            family = Family::V6;
            continue;
        }
        if let Some(list) = trimmed.strip_prefix("Network interfaces:") {
            flush(&mut state, family, &mut current);
            family = Family::None;
            state.interfaces = list.split_whitespace().map(str::to_string).collect();
            continue;
        }
        // `REACH : flags …` closes the family's interface list.
        if trimmed.starts_with("REACH") {
            flush(&mut state, family, &mut current);
            continue;
        }
        let parts: Vec<&str> = trimmed.splitn(3, ':').map(str::trim).collect();
        match parts.as_slice() {
            // `en0 : flags : 0x5 (IPv4,DNS)`: a new interface.
            [name, key, value]
                if key.eq_ignore_ascii_case("flags")
                    && !name.is_empty()
                    && !name.contains(' ')
                    && family != Family::None =>
            {
                flush(&mut state, family, &mut current);
                current = Some(NwiInterface {
                    name: (*name).to_string(),
                    flags: paren_words(value),
                    addresses: Vec::new(),
                    reach: Vec::new(),
                    vpn_server: None,
                });
            }
            [key, value, ..] => {
                let Some(interface) = current.as_mut() else {
                    continue;
                };
                // An IPv6 address holds colons: the value is everything after the key.
                let whole = trimmed
                    .split_once(':')
                    .map_or(*value, |(_, rest)| rest.trim());
                match key.to_ascii_lowercase().as_str() {
                    "address" if !whole.is_empty() => interface.addresses.push(whole.into()),
                    "reach" => interface.reach = paren_words(whole),
                    "vpn server" if !whole.is_empty() => {
                        interface.vpn_server = Some(whole.into());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    flush(&mut state, family, &mut current);
    state
}

/// `scutil --dns`: `DNS configuration` (section `default`) and `DNS configuration (for scoped
/// queries)` (section `scoped`), each a list of `resolver #N` blocks of `key : value` lines
/// (`nameserver[0] : 10.50.50.50`, `search domain[0] : corp.example`, `if_index : 15 (en0)`).
pub(crate) fn resolvers(text: &str) -> Vec<DnsResolver> {
    let mut section = "default";
    let mut found: Vec<DnsResolver> = Vec::new();
    let mut current: Option<DnsResolver> = None;
    for line in lines(text) {
        let trimmed = line.trim();
        if trimmed
            .to_ascii_lowercase()
            .starts_with("dns configuration")
        {
            found.extend(current.take());
            section = if trimmed.to_ascii_lowercase().contains("scoped") {
                "scoped"
            } else {
                "default"
            };
            continue;
        }
        if let Some(number) = trimmed.strip_prefix("resolver #") {
            found.extend(current.take());
            current = number.trim().parse().ok().map(|number| DnsResolver {
                section: section.into(),
                number,
                ..DnsResolver::default()
            });
            continue;
        }
        let (Some(resolver), Some((key, value))) = (current.as_mut(), trimmed.split_once(':'))
        else {
            continue;
        };
        let value = value.trim();
        let key = key.trim().to_ascii_lowercase();
        // `nameserver[0]`, `search domain[1]`: the index is the list order.
        let base = key.split('[').next().unwrap_or(&key).trim();
        match base {
            "nameserver" if !value.is_empty() => resolver.nameservers.push(value.into()),
            "search domain" if !value.is_empty() => resolver.search_domains.push(value.into()),
            "domain" if !value.is_empty() => resolver.domain = Some(value.into()),
            "if_index" => {
                resolver.interface = value
                    .split_once('(')
                    .and_then(|(_, rest)| rest.split_once(')'))
                    .map(|(name, _)| name.trim().to_string())
                    .filter(|n| !n.is_empty());
            }
            "port" => resolver.port = value.parse().ok(),
            "flags" if !value.is_empty() => resolver.flags = Some(value.into()),
            "options" if !value.is_empty() => resolver.options = Some(value.into()),
            _ => {}
        }
    }
    found.extend(current);
    found
}

/// Whether `json` is GSA's forwarding profile: a JSON object with `policy.channels`.
pub(crate) fn is_forwarding_profile(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json.trim_start_matches('\u{feff}'))
        .ok()
        .is_some_and(|v| v.pointer("/policy/channels").is_some())
}

/// What a property list holds for ssetop: its top-level keys, and the first value (key and
/// JSON text) that is the forwarding profile: a string or UTF-8 data holding its JSON, or a
/// dictionary of its shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlistContent {
    /// `xml`, `binary` or `ascii` (the old OpenStep text form).
    pub format: &'static str,
    pub keys: Vec<String>,
    pub profile: Option<(String, String)>,
}

/// Reads a property list (XML or binary) from its bytes.
pub(crate) fn plist_content(bytes: &[u8]) -> Result<PlistContent, String> {
    let format = if bytes.starts_with(b"bplist") {
        "binary"
    } else if bytes.trim_ascii_start().starts_with(b"<") {
        "xml"
    } else {
        "ascii"
    };
    let value =
        plist::Value::from_reader(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let keys = value
        .as_dictionary()
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default();
    Ok(PlistContent {
        format,
        keys,
        profile: find_profile("", &value, 0),
    })
}

/// The first value under `value` that is the forwarding profile, with its key path.
fn find_profile(path: &str, value: &plist::Value, depth: usize) -> Option<(String, String)> {
    // A cached profile is at the top or one level down; deeper is not searched.
    if depth > 4 {
        return None;
    }
    let here = || {
        if path.is_empty() {
            "(root)".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        plist::Value::String(text) if is_forwarding_profile(text) => Some((here(), text.clone())),
        plist::Value::Data(data) => std::str::from_utf8(data)
            .ok()
            .filter(|text| is_forwarding_profile(text))
            .map(|text| (here(), text.to_string())),
        plist::Value::Dictionary(dict) => {
            if dict
                .get("policy")
                .and_then(plist::Value::as_dictionary)
                .is_some_and(|p| p.contains_key("channels"))
            {
                return serde_json::to_string(value).ok().map(|json| (here(), json));
            }
            dict.iter().find_map(|(key, child)| {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                find_profile(&child_path, child, depth + 1)
            })
        }
        plist::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, child)| find_profile(&format!("{path}[{i}]"), child, depth + 1)),
        _ => None,
    }
}

/// `scutil --proxy`: the system proxy, as the dictionary it prints (`HTTPSEnable : 1`,
/// `HTTPSProxy : proxy.contoso.com`, `ExceptionsList : <array> { 0 : *.local … }`). Only
/// the HTTPS proxy matters to GSA's edges (TLS on 443); the PAC script and WPAD are noted.
pub(crate) fn proxy_settings(text: &str) -> crate::snapshot::ProxySettings {
    let mut values: Vec<(String, String)> = Vec::new();
    let mut exceptions: Vec<String> = Vec::new();
    let mut in_exceptions = false;
    for line in text.lines().map(str::trim) {
        if in_exceptions {
            if line.starts_with('}') {
                in_exceptions = false;
            } else if let Some((_, item)) = line.split_once(" : ") {
                exceptions.push(item.trim().to_string());
            }
            continue;
        }
        let Some((key, value)) = line.split_once(" : ") else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key.eq_ignore_ascii_case("ExceptionsList") && value.starts_with("<array>") {
            in_exceptions = !value.ends_with('}');
            continue;
        }
        values.push((key.to_ascii_lowercase(), value.to_string()));
    }
    let get = |key: &str| {
        values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let on = |key: &str| get(key) == Some("1");
    let https = on("httpsenable")
        .then(|| get("httpsproxy"))
        .flatten()
        .filter(|h| !h.is_empty())
        .map(|host| match get("httpsport") {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        });
    let pac = if on("proxyautoconfigenable") {
        get("proxyautoconfigurlstring").map(str::to_string)
    } else if on("proxyautodiscoveryenable") {
        Some("WPAD (automatic proxy discovery)".to_string())
    } else {
        None
    };
    crate::snapshot::ProxySettings {
        winhttp: None,
        wininet: https,
        bypass: (!exceptions.is_empty()).then(|| exceptions.join(";")),
        auto_config_url: pac,
        winhttp_bypass: None,
    }
}

/// The version an app bundle's `Info.plist` states (`CFBundleShortVersionString`, else
/// `CFBundleVersion`).
pub(crate) fn app_version(bytes: &[u8]) -> Result<String, String> {
    let value =
        plist::Value::from_reader(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let dict = value
        .as_dictionary()
        .ok_or("the property list is not a dictionary")?;
    ["CFBundleShortVersionString", "CFBundleVersion"]
        .iter()
        .find_map(|k| dict.get(k).and_then(plist::Value::as_string))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| "no CFBundleShortVersionString or CFBundleVersion".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXTENSIONS_NEW: &str = "3 extension(s)\n--- com.apple.system_extension.network_extension\nenabled\tactive\tteamID\tbundleID (version)\tname\t[state]\n*\t*\tUBF8T346G9\tcom.microsoft.globalsecureaccess.tunnel (1.1.25060501/1.1.25060501)\tGlobal Secure Access Network Extension\t[activated enabled]\n\t\tUBF8T346G9\tcom.microsoft.naas.globalsecure.tunnel-df (1.1.432/1.1.432)\tGlobal Secure Access Network Extension\t[terminated waiting to uninstall on reboot]\n*\t*\tPXPZ95SK77\tcom.paloaltonetworks.GlobalProtect.client.extension (6.2.1-42/6.2.1-42)\tGlobalProtectExtension\t[activated enabled]\n--- com.apple.system_extension.endpoint_security\nenabled\tactive\tteamID\tbundleID (version)\tname\t[state]\n";

    #[test]
    fn system_extensions_of_both_generations_are_read_with_category_and_state() {
        let list = system_extensions(EXTENSIONS_NEW);
        assert_eq!(list.len(), 3, "{list:#?}");
        let new = &list[0];
        assert_eq!(new.bundle_id, "com.microsoft.globalsecureaccess.tunnel");
        assert_eq!(new.version.as_deref(), Some("1.1.25060501/1.1.25060501"));
        assert_eq!(new.team_id.as_deref(), Some("UBF8T346G9"));
        assert_eq!(new.name, "Global Secure Access Network Extension");
        assert_eq!(new.state, "activated enabled");
        assert!(new.enabled && new.active);
        assert_eq!(
            new.category.as_deref(),
            Some("com.apple.system_extension.network_extension")
        );
        let old = &list[1];
        assert_eq!(old.bundle_id, "com.microsoft.naas.globalsecure.tunnel-df");
        assert!(!old.enabled && !old.active);
        assert_eq!(old.state, "terminated waiting to uninstall on reboot");
        assert_eq!(list[2].version.as_deref(), Some("6.2.1-42/6.2.1-42"));
    }

    #[test]
    fn system_extensions_survive_crlf_spaces_for_tabs_and_garbage() {
        let text = "1 extension(s)\r\n--- com.apple.system_extension.network_extension  \r\nenabled active teamID bundleID (version) name [state]\r\n*   *    UBF8T346G9   com.microsoft.naas.globalsecure.tunnel-df   (1.1.432/1.1.432)   Global Secure Access Network Extension   [activated waiting for user]  \r\n\u{1b}[31m garbage \u{0} line\r\nsomething unexpected: 42\r\n";
        let list = system_extensions(text);
        assert_eq!(list.len(), 1, "{list:#?}");
        assert_eq!(
            list[0].bundle_id,
            "com.microsoft.naas.globalsecure.tunnel-df"
        );
        assert_eq!(list[0].state, "activated waiting for user");
        assert_eq!(list[0].name, "Global Secure Access Network Extension");
        assert!(list[0].enabled && list[0].active);
        assert_eq!(
            list[0].category.as_deref(),
            Some("com.apple.system_extension.network_extension")
        );
        assert!(system_extensions("").is_empty());
        assert!(system_extensions("0 extension(s)\n").is_empty());
    }

    const NC_LIST: &str = "Available network connection services in the current set (*=enabled):\n* (Connected)      4B2A1C3D-0E5F-4A6B-8C7D-9E0F1A2B3C4D VPN (com.microsoft.globalsecureaccess.tunnel) \"Global Secure Access\"  [VPN:com.microsoft.globalsecureaccess]\n* (Disconnected)   0D1F2E3A-4B5C-6D7E-8F90-A1B2C3D4E5F6 VPN (com.paloaltonetworks.GlobalProtect.client) \"GlobalProtect\"     [VPN:com.paloaltonetworks.GlobalProtect.client]\n  (Disconnected)   11111111-2222-3333-4444-555555555555 PPP --> Modem      \"Old \\\"modem\\\"\"   [PPP/Modem]\n";

    #[test]
    fn network_services_are_read_with_status_provider_and_detail() {
        let list = network_services(NC_LIST);
        assert_eq!(list.len(), 3, "{list:#?}");
        let gsa = &list[0];
        assert!(gsa.enabled);
        assert_eq!(gsa.status, "Connected");
        assert_eq!(gsa.id, "4B2A1C3D-0E5F-4A6B-8C7D-9E0F1A2B3C4D");
        assert_eq!(gsa.kind, "VPN");
        assert_eq!(
            gsa.provider.as_deref(),
            Some("com.microsoft.globalsecureaccess.tunnel")
        );
        assert_eq!(gsa.name, "Global Secure Access");
        assert_eq!(
            gsa.detail.as_deref(),
            Some("VPN:com.microsoft.globalsecureaccess")
        );
        assert_eq!(list[1].status, "Disconnected");
        let modem = &list[2];
        assert!(!modem.enabled);
        assert_eq!(modem.kind, "PPP");
        assert_eq!(modem.provider, None);
        assert_eq!(modem.name, r#"Old \"modem\""#);
    }

    #[test]
    fn network_services_of_the_older_generation_with_crlf_and_garbage() {
        let text = "Available network connection services in the current set (*=enabled):\r\n*   (Connecting)   4B2A1C3D-0E5F-4A6B-8C7D-9E0F1A2B3C4D   VPN   (com.microsoft.naas.globalsecure.tunnel-df)   \"Global Secure Access\"   [VPN:com.microsoft.naas.globalsecure-df]\r\n* (Invalid) not-a-uuid VPN \"x\"\r\n\u{7f}\u{1b}]0;title\u{7}\r\n";
        let list = network_services(text);
        assert_eq!(list.len(), 1, "{list:#?}");
        assert_eq!(list[0].status, "Connecting");
        assert_eq!(
            list[0].provider.as_deref(),
            Some("com.microsoft.naas.globalsecure.tunnel-df")
        );
        assert!(network_services("").is_empty());
    }

    const NWI: &str = "Network information\n\nIPv4 network interface information\n     en0 : flags      : 0x5 (IPv4,DNS)\n           address    : 192.168.1.23\n           reach      : 0x00000002 (Reachable)\n   utun4 : flags      : 0x5 (IPv4,DNS)\n           address    : 100.64.0.1\n           VPN server : 203.0.113.10\n           reach      : 0x00000003 (Reachable,Transient Connection)\n\n   REACH : flags 0x00000002 (Reachable)\n\nIPv6 network interface information\n     en0 : flags      : 0x7 (IPv4,IPv6,DNS)\n           address    : fe80::1c2b:3a4d:5e6f:7a8b\n           reach      : 0x00000002 (Reachable)\n\n   REACH : flags 0x00000002 (Reachable)\n\nNetwork interfaces: en0 utun4\n";

    #[test]
    fn nwi_lists_interfaces_per_family_in_order_with_reach() {
        let state = network_state(NWI);
        assert_eq!(state.ipv4.len(), 2, "{state:#?}");
        assert_eq!(state.ipv4[0].name, "en0");
        assert_eq!(state.ipv4[0].flags, ["IPv4", "DNS"]);
        assert_eq!(state.ipv4[0].addresses, ["192.168.1.23"]);
        assert_eq!(state.ipv4[0].reach, ["Reachable"]);
        assert_eq!(state.ipv4[1].name, "utun4");
        assert_eq!(state.ipv4[1].vpn_server.as_deref(), Some("203.0.113.10"));
        assert_eq!(state.ipv4[1].reach, ["Reachable", "Transient Connection"]);
        assert_eq!(state.ipv6.len(), 1);
        assert_eq!(state.ipv6[0].addresses, ["fe80::1c2b:3a4d:5e6f:7a8b"]);
        assert_eq!(state.interfaces, ["en0", "utun4"]);
    }

    #[test]
    fn nwi_with_no_state_crlf_and_garbage_gives_nothing_wrong() {
        let text = "Network information\r\n\r\nIPv4 network interface information\r\n   No IPv4 states found\r\n\r\n   REACH : flags 0x00000000 (Not Reachable)\r\n\r\nIPv6 network interface information\r\n   No IPv6 states found\r\n  : flags : (\r\n\u{1b}[2J\r\n\r\nNetwork interfaces:   \r\n";
        let state = network_state(text);
        assert_eq!(state, NetworkState::default());
        assert_eq!(network_state(""), NetworkState::default());
    }

    const DNS: &str = "DNS configuration\n\nresolver #1\n  search domain[0] : corp.contoso.com\n  search domain[1] : contoso.com\n  nameserver[0] : 10.50.50.50\n  nameserver[1] : 10.50.50.51\n  if_index : 15 (en0)\n  flags    : Request A records\n  reach    : 0x00000002 (Reachable)\n\nresolver #2\n  domain   : local\n  options  : mdns\n  timeout  : 5\n  flags    : Request A records, Request AAAA records\n  reach    : 0x00000000 (Not Reachable)\n  order    : 300000\n\nresolver #3\n  domain   : contoso.local\n  nameserver[0] : 6.6.255.254\n  if_index : 22 (utun5)\n  port     : 53\n\nDNS configuration (for scoped queries)\n\nresolver #1\n  nameserver[0] : 10.50.50.50\n  if_index : 15 (en0)\n  flags    : Scoped, Request A records\n";

    #[test]
    fn dns_resolvers_are_read_per_section_with_servers_domains_and_interface() {
        let list = resolvers(DNS);
        assert_eq!(list.len(), 4, "{list:#?}");
        let first = &list[0];
        assert_eq!(first.section, "default");
        assert_eq!(first.number, 1);
        assert_eq!(first.nameservers, ["10.50.50.50", "10.50.50.51"]);
        assert_eq!(first.search_domains, ["corp.contoso.com", "contoso.com"]);
        assert_eq!(first.interface.as_deref(), Some("en0"));
        assert_eq!(first.flags.as_deref(), Some("Request A records"));
        assert_eq!(list[1].domain.as_deref(), Some("local"));
        assert_eq!(list[1].options.as_deref(), Some("mdns"));
        assert!(list[1].nameservers.is_empty());
        assert_eq!(list[2].nameservers, ["6.6.255.254"]);
        assert_eq!(list[2].interface.as_deref(), Some("utun5"));
        assert_eq!(list[2].port, Some(53));
        assert_eq!(list[3].section, "scoped");
        assert_eq!(list[3].number, 1);
    }

    #[test]
    fn dns_resolvers_survive_crlf_ipv6_servers_spaces_and_garbage() {
        let text = "DNS configuration\r\n\r\nresolver #1\r\n   nameserver[0]   :   fe80::1%en0  \r\n   nameserver[1] : 240.0.3.3\r\n   if_index : 4 ( en1 )\r\n   unknown key : whatever\r\nresolver #x\r\n  nameserver[0] : 9.9.9.9\r\n\u{1b}[1m:::\r\n";
        let list = resolvers(text);
        assert_eq!(list.len(), 1, "{list:#?}");
        assert_eq!(list[0].nameservers, ["fe80::1%en0", "240.0.3.3"]);
        assert_eq!(list[0].interface.as_deref(), Some("en1"));
        assert!(resolvers("").is_empty());
        assert!(resolvers("No DNS configuration available\n").is_empty());
    }

    #[test]
    fn a_forwarding_profile_is_a_json_object_with_policy_channels() {
        assert!(is_forwarding_profile(r#"{"policy":{"channels":[]}}"#));
        assert!(is_forwarding_profile(
            "\u{feff}{\"policy\":{\"channels\":{}}}"
        ));
        assert!(!is_forwarding_profile(r#"{"policy":{}}"#));
        assert!(!is_forwarding_profile("token-abc"));
        assert!(!is_forwarding_profile(""));
    }

    fn profile() -> String {
        r#"{"policy":{"channels":[{"id":"m365","name":"M365","enabled":true}],"rules":[]}}"#.into()
    }

    #[test]
    fn a_profile_held_as_a_string_or_data_is_found_in_xml_and_binary_plists() {
        let mut dict = plist::Dictionary::new();
        dict.insert("AccessToken".into(), plist::Value::String("secret".into()));
        dict.insert("ForwardingProfile".into(), plist::Value::String(profile()));
        let mut xml = Vec::new();
        plist::Value::Dictionary(dict.clone())
            .to_writer_xml(&mut xml)
            .unwrap();
        let read = plist_content(&xml).unwrap();
        assert_eq!(read.format, "xml");
        assert_eq!(read.keys, ["AccessToken", "ForwardingProfile"]);
        assert_eq!(
            read.profile,
            Some(("ForwardingProfile".to_string(), profile()))
        );

        let mut nested = plist::Dictionary::new();
        nested.insert("Cached".into(), plist::Value::Data(profile().into_bytes()));
        let mut top = plist::Dictionary::new();
        top.insert("State".into(), plist::Value::Dictionary(nested));
        let mut binary = Vec::new();
        plist::Value::Dictionary(top)
            .to_writer_binary(&mut binary)
            .unwrap();
        let read = plist_content(&binary).unwrap();
        assert_eq!(read.format, "binary");
        assert_eq!(read.profile, Some(("State.Cached".to_string(), profile())));
    }

    #[test]
    fn a_plist_without_a_profile_gives_its_keys_only_and_garbage_is_an_error() {
        let mut dict = plist::Dictionary::new();
        dict.insert("LastSync".into(), plist::Value::Integer(5.into()));
        dict.insert("Note".into(), plist::Value::String("{\"policy\":1}".into()));
        let mut xml = Vec::new();
        plist::Value::Dictionary(dict)
            .to_writer_xml(&mut xml)
            .unwrap();
        let read = plist_content(&xml).unwrap();
        assert_eq!(read.keys, ["LastSync", "Note"]);
        assert_eq!(read.profile, None);
        assert!(plist_content(b"<?xml version=\"1.0\"?><plist><dict><key>a</key>").is_err());
        assert!(plist_content(b"").is_err());
        // Whatever the plist reader makes of bytes that are no property list, no profile
        // comes out of them.
        if let Ok(content) = plist_content(b"\x00\x01garbage\r\n") {
            assert_eq!(content.profile, None);
            assert_eq!(content.format, "ascii");
        }
    }
    #[test]
    fn scutil_proxy_gives_the_https_proxy_its_exceptions_and_the_pac_script() {
        let text = "<dictionary> {\r\n  ExceptionsList : <array> {\r\n    0 : *.local\r\n    1 : 169.254/16\r\n    2 : *.globalsecureaccess.microsoft.com\r\n  }\r\n  FTPPassive : 1\r\n  HTTPEnable : 1\r\n  HTTPPort : 8080\r\n  HTTPProxy : proxy.contoso.com\r\n  HTTPSEnable : 1\r\n  HTTPSPort : 8443\r\n  HTTPSProxy : Proxy.Contoso.com\r\n  ProxyAutoConfigEnable : 1\r\n  ProxyAutoConfigURLString : http://pac.contoso.com/proxy.pac\r\n  SomeFutureKey : 7\r\n}\r\n";
        let p = proxy_settings(text);
        assert_eq!(p.wininet.as_deref(), Some("Proxy.Contoso.com:8443"));
        assert_eq!(
            p.bypass.as_deref(),
            Some("*.local;169.254/16;*.globalsecureaccess.microsoft.com")
        );
        assert_eq!(
            p.auto_config_url.as_deref(),
            Some("http://pac.contoso.com/proxy.pac")
        );
        assert_eq!(p.winhttp, None);
    }

    #[test]
    fn scutil_proxy_without_a_proxy_is_direct() {
        let text = "<dictionary> {\n  ExceptionsList : <array> {\n    0 : *.local\n  }\n  FTPPassive : 1\n  HTTPSEnable : 0\n  HTTPSProxy : stale.contoso.com\n}\n";
        let p = proxy_settings(text);
        assert_eq!(p.wininet, None);
        assert_eq!(p.auto_config_url, None);
        assert_eq!(proxy_settings("").wininet, None);
        let wpad = proxy_settings("<dictionary> {\n  ProxyAutoDiscoveryEnable : 1\n}\n");
        assert!(wpad.auto_config_url.unwrap().starts_with("WPAD"));
    }
    #[test]
    fn an_app_bundle_states_its_version_in_xml_or_binary() {
        let mut dict = plist::Dictionary::new();
        dict.insert(
            "CFBundleIdentifier".into(),
            "com.microsoft.globalsecureaccess".into(),
        );
        dict.insert("CFBundleShortVersionString".into(), " 1.1.432 ".into());
        dict.insert("CFBundleVersion".into(), "432".into());
        let mut xml = Vec::new();
        plist::Value::Dictionary(dict.clone())
            .to_writer_xml(&mut xml)
            .unwrap();
        assert_eq!(app_version(&xml).unwrap(), "1.1.432");
        dict.remove("CFBundleShortVersionString");
        let mut binary = Vec::new();
        plist::Value::Dictionary(dict)
            .to_writer_binary(&mut binary)
            .unwrap();
        assert_eq!(app_version(&binary).unwrap(), "432");
        assert!(app_version(b"not a plist").is_err());
    }
}
