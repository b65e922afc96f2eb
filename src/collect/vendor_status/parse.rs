//! What the vendors' status commands print, read tolerantly: keys in any case and spacing, CRLF,
//! unknown lines and keys skipped, a cut-off output read as far as it goes, and an error message
//! in place of a status recognised as one. OS-independent, tested on real-shaped output.
//!
//! GlobalProtect on Linux prints `GlobalProtect status: Connected` for `show --status` and
//! `Assigned IP address: …`, `Gateway IP address: …`, `Protocol: IPSec`, `Uptime(sec): 231`
//! (newer versions also `Gateway Name: …`) for `show --details`. Zscaler publishes no sample of
//! its CLI's output (JSON on Windows): every key is looked for in any case and nesting.

use serde_json::Value;

use crate::snapshot::{ReportField, ReportedState, ServiceReport, VendorStatus};

/// How deep a Zscaler JSON document is walked.
const MAX_DEPTH: usize = 8;

/// The longest error or state text kept from a tool's output.
const MAX_SAID: usize = 200;

/// A key as compared: lower case, letters and digits only (`Uptime(sec)` → `uptimesec`,
/// `ZIA_Status` → `ziastatus`).
fn squash(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// At most `MAX_SAID` characters of one trimmed line.
fn short(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_SAID) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The lines of a tool's output, CRLF or LF, trimmed, empty ones dropped.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\0'))
        .filter(|l| !l.is_empty())
}

/// `key: value` (the first colon), both trimmed; `None` for a line without one.
fn key_value(line: &str) -> Option<(String, &str)> {
    let (key, value) = line.split_once(':')?;
    Some((squash(key), value.trim()))
}

/// A state word in ssetop's terms. Faults first: "Fail Open" and "Driver Error" are errors
/// whatever else they say; "Not Connected" and "Disconnected" before "connected".
pub(crate) fn state_of(said: &str) -> ReportedState {
    let s = said.trim().to_ascii_lowercase();
    let s = s.trim_end_matches(['.', '!']);
    const ERRORS: [&str; 8] = [
        "error",
        "fail",
        "captive portal",
        "unreachable",
        "timed out",
        "timeout",
        "denied",
        "expired",
    ];
    if ERRORS.iter().any(|e| s.contains(e)) {
        return ReportedState::Error;
    }
    match s {
        "connected" | "on" | "up" | "active" | "enabled" | "yes" | "true" | "tunnel up" => {
            ReportedState::Connected
        }
        "disconnected" | "not connected" | "off" | "down" | "inactive" | "disabled" | "no"
        | "false" | "ondemand mode" | "on-demand mode" | "on demand mode" | "idle" => {
            ReportedState::Disconnected
        }
        _ if s.starts_with("connecting")
            || s.starts_with("authenticating")
            || s.starts_with("reconnecting")
            || s.starts_with("retrieving")
            || s.starts_with("discovering") =>
        {
            ReportedState::Connecting
        }
        _ if s.starts_with("disconnected") || s.starts_with("not connected") => {
            ReportedState::Disconnected
        }
        _ if s.starts_with("connected") => ReportedState::Connected,
        _ => ReportedState::Unknown,
    }
}

/// Words a tool prints instead of a status when it cannot give one.
fn looks_like_error(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    [
        "error",
        "unable to",
        "cannot",
        "can't",
        "could not",
        "failed",
        "not running",
        "no such",
        "permission denied",
        "usage:",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// Whether Zscaler's CLI says it is switched off (the App Profile's CLI option, or a policy
/// that forbids it) rather than giving a status.
fn says_not_enabled(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "not enabled",
        "cli is disabled",
        "cli disabled",
        "cli access is disabled",
        "disabled by admin",
        "disabled by your admin",
        "disabled by policy",
        "enable cli",
        "not allowed",
        "not permitted",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn push_field(fields: &mut Vec<ReportField>, name: &str, value: &str) {
    let value = value.trim();
    if !value.is_empty() && !fields.iter().any(|f| f.name == name) {
        fields.push(ReportField {
            name: name.into(),
            value: short(value),
        });
    }
}

/// `globalprotect show --status` and `show --details`, together or apart.
pub(crate) fn parse_globalprotect(text: &str) -> VendorStatus {
    let mut said: Option<String> = None;
    let mut fields = Vec::new();
    let mut error: Option<String> = None;
    let mut bare_state: Option<String> = None;
    for line in lines(text) {
        let Some((key, value)) = key_value(line) else {
            // `globalprotect connect` style progress ("Connected"), or an error sentence.
            if state_of(line) != ReportedState::Unknown && state_of(line) != ReportedState::Error {
                bare_state.get_or_insert_with(|| short(line));
            } else if looks_like_error(line) {
                error.get_or_insert_with(|| short(line));
            }
            continue;
        };
        match key.as_str() {
            "globalprotectstatus" | "status" | "connectionstatus" | "state" => {
                said.get_or_insert_with(|| short(value));
            }
            // A macOS-style `Connected: yes`.
            "connected" => {
                said.get_or_insert_with(|| {
                    if state_of(value) == ReportedState::Connected {
                        "Connected".into()
                    } else {
                        format!("Connected: {}", short(value))
                    }
                });
            }
            "assignedipaddress" | "assignedip" | "ipaddress" | "assignedipv4address" => {
                push_field(&mut fields, "assigned_ip", value)
            }
            "assignedipv6address" | "assignedipv6" => {
                push_field(&mut fields, "assigned_ipv6", value)
            }
            "gatewayipaddress" | "gatewayip" => push_field(&mut fields, "gateway_ip", value),
            "gatewayname" | "gateway" | "connectedgateway" => {
                push_field(&mut fields, "gateway", value)
            }
            "portal" | "portaladdress" | "portalname" => push_field(&mut fields, "portal", value),
            "protocol" | "tunneltype" => push_field(&mut fields, "protocol", value),
            "uptimesec" | "uptime" | "connectedtime" => push_field(&mut fields, "uptime", value),
            "error" | "errors" | "lasterror"
                if !value.is_empty() && !value.eq_ignore_ascii_case("none") =>
            {
                error.get_or_insert_with(|| short(value));
            }
            // "Error: none": nothing to report.
            "error" | "errors" | "lasterror" => {}
            _ if looks_like_error(line) => {
                error.get_or_insert_with(|| short(line));
            }
            _ => {}
        }
    }
    let said = said.or(bare_state);
    let state = match (&said, &error) {
        (Some(s), _) => state_of(s),
        (None, Some(_)) => ReportedState::Error,
        // Details without a state line: a tunnel's address means it is up.
        (None, None) if fields.iter().any(|f| f.name == "assigned_ip") => ReportedState::Connected,
        (None, None) => ReportedState::Unknown,
    };
    VendorStatus {
        state,
        said,
        services: Vec::new(),
        fields,
        error,
    }
}

/// The Zscaler services a status may name, by their squashed key prefix.
fn service_name(key: &str) -> Option<&'static str> {
    const SERVICES: [(&str, &str); 6] = [
        ("zia", "ZIA"),
        ("internetsecurity", "ZIA"),
        ("zpa", "ZPA"),
        ("privateaccess", "ZPA"),
        ("zdx", "ZDX"),
        ("digitalexperience", "ZDX"),
    ];
    SERVICES
        .iter()
        .find(|(prefix, _)| key.starts_with(prefix))
        .map(|(_, name)| *name)
}

/// Keys that hold a state, in order of preference.
fn is_state_key(key: &str) -> bool {
    matches!(
        key,
        "status"
            | "state"
            | "servicestatus"
            | "connectionstatus"
            | "tunnelstatus"
            | "connectivitystatus"
            | "servicestate"
    )
}

struct ZscalerWalk {
    said: Option<String>,
    services: Vec<ServiceReport>,
    fields: Vec<ReportField>,
    error: Option<String>,
}

impl ZscalerWalk {
    fn service(&mut self, name: &str, said: &str) {
        if said.trim().is_empty() || self.services.iter().any(|s| s.name == name) {
            return;
        }
        self.services.push(ServiceReport {
            name: name.into(),
            said: short(said),
            state: state_of(said),
        });
    }

    /// The state text of an object: its first state key holding a string.
    fn state_in(map: &serde_json::Map<String, Value>) -> Option<&str> {
        map.iter()
            .find(|(k, v)| is_state_key(&squash(k)) && v.is_string())
            .and_then(|(_, v)| v.as_str())
    }

    fn walk(&mut self, value: &Value, service: Option<&'static str>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match value {
            Value::Object(map) => {
                // `{"name": "ZIA", "status": "ON"}` in a list of services.
                let named = map
                    .iter()
                    .find(|(k, _)| matches!(squash(k).as_str(), "name" | "service" | "type"))
                    .and_then(|(_, v)| v.as_str())
                    .and_then(|n| service_name(&squash(n)));
                let service = named.or(service);
                if let (Some(name), Some(state)) = (service, Self::state_in(map)) {
                    self.service(name, state);
                }
                for (key, child) in map {
                    let k = squash(key);
                    let child_service = service_name(&k).or(service);
                    match child {
                        Value::String(text) => self.string(&k, text, child_service, service),
                        Value::Bool(b) if k.contains("error") && *b => {
                            self.error.get_or_insert_with(|| short(key));
                        }
                        _ => self.walk(child, child_service, depth + 1),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item, service, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// One string value under `key` (squashed); `service` is the service the key names or
    /// the one its object belongs to, `parent` the object's own.
    fn string(
        &mut self,
        key: &str,
        text: &str,
        service: Option<&'static str>,
        parent: Option<&'static str>,
    ) {
        if key.contains("auth") {
            let name = match service {
                Some(s) => format!("{}_authentication", s.to_ascii_lowercase()),
                None => "authentication".into(),
            };
            push_field(&mut self.fields, &name, text);
        } else if key.contains("error") || (key == "message" && looks_like_error(text)) {
            if !text.trim().is_empty() && !text.eq_ignore_ascii_case("none") {
                self.error.get_or_insert_with(|| short(text));
            }
        } else if let Some(name) = service_state_key(key) {
            // `"ZIA": "ON"`, `"ziaStatus": "ON"`, `"ZPA_State": "…"`, not `"ziaGateway"`.
            self.service(name, text);
        } else if is_state_key(key) && parent.is_none() {
            self.said.get_or_insert_with(|| short(text));
        } else if key.contains("version") && parent.is_none() {
            push_field(&mut self.fields, "version", text);
        } else if key.contains("gateway") || key.contains("broker") {
            let name = match service {
                Some(s) => format!("{}_gateway", s.to_ascii_lowercase()),
                None => "gateway".into(),
            };
            push_field(&mut self.fields, &name, text);
        }
    }
}

/// The service whose state a squashed key holds: the service's name alone or followed by a
/// state word (`zia`, `ziastatus`, `privateaccessstate`).
fn service_state_key(key: &str) -> Option<&'static str> {
    let name = service_name(key)?;
    [
        "zia",
        "internetsecurity",
        "zpa",
        "privateaccess",
        "zdx",
        "digitalexperience",
    ]
    .into_iter()
    .filter_map(|prefix| key.strip_prefix(prefix))
    .any(|tail| tail.is_empty() || is_state_key(tail))
    .then_some(name)
}

/// The JSON object in a tool's output: from the first `{` to the last `}`, so a banner line
/// before it or a prompt after it does not hide it.
fn json_in(text: &str) -> Option<Value> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    let body = text.get(start..=end)?;
    serde_json::from_str(body).ok().filter(Value::is_object)
}

/// Zscaler's `ZSACli status -s all` (JSON) or `zscli status` (text or JSON).
pub(crate) fn parse_zscaler(text: &str) -> VendorStatus {
    let mut walk = ZscalerWalk {
        said: None,
        services: Vec::new(),
        fields: Vec::new(),
        error: None,
    };
    let json = json_in(text);
    match &json {
        Some(value) => walk.walk(value, None, 0),
        None => {
            for line in lines(text) {
                // A line of cut-off JSON is not `key: value`.
                if line.starts_with(['{', '[', '"']) {
                    continue;
                }
                match key_value(line) {
                    Some((key, value))
                        if !value.is_empty()
                            && (!looks_like_error(line)
                                || service_state_key(&key).is_some()
                                || is_state_key(&key)) =>
                    {
                        walk.string(&key, value, service_name(&key), None)
                    }
                    _ if looks_like_error(line) => {
                        walk.error.get_or_insert_with(|| short(line));
                    }
                    _ => {}
                }
            }
        }
    }
    walk.services.sort_by_key(|s| match s.name.as_str() {
        "ZIA" => 0,
        "ZPA" => 1,
        _ => 2,
    });
    // Refused rather than answered: the CLI is switched off. A service "not enabled" in a
    // status that names services is that service's state, not a refusal.
    let refused = match &json {
        None => walk.services.is_empty() && says_not_enabled(text),
        Some(_) => walk.error.as_deref().is_some_and(says_not_enabled),
    };
    if refused {
        return VendorStatus {
            state: ReportedState::NotEnabled,
            said: None,
            services: Vec::new(),
            fields: Vec::new(),
            error: walk.error.or_else(|| lines(text).next().map(short)),
        };
    }
    let faulty = walk
        .services
        .iter()
        .find(|s| s.state == ReportedState::Error);
    // ZDX measures; ZIA and ZPA carry traffic: the overall state follows them where present.
    let carriers: Vec<&ServiceReport> = walk.services.iter().filter(|s| s.name != "ZDX").collect();
    let judged: Vec<&ServiceReport> = if carriers.is_empty() {
        walk.services.iter().collect()
    } else {
        carriers
    };
    let state = if let Some(service) = faulty {
        walk.error
            .get_or_insert_with(|| format!("{}: {}", service.name, service.said));
        ReportedState::Error
    } else if let Some(said) = walk
        .said
        .as_deref()
        .filter(|s| state_of(s) != ReportedState::Unknown)
    {
        state_of(said)
    } else if judged.iter().any(|s| s.state == ReportedState::Connected) {
        ReportedState::Connected
    } else if judged.iter().any(|s| s.state == ReportedState::Connecting) {
        ReportedState::Connecting
    } else if !judged.is_empty()
        && judged
            .iter()
            .all(|s| s.state == ReportedState::Disconnected)
    {
        ReportedState::Disconnected
    } else if walk.error.is_some() {
        ReportedState::Error
    } else {
        ReportedState::Unknown
    };
    VendorStatus {
        state,
        said: walk.said,
        services: walk.services,
        fields: walk.fields,
        error: walk.error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `globalprotect show --status` then `show --details` on Linux, as the user guide shows
    // them (the details lines padded with spaces as printed), with CRLF.
    const GP_STATUS: &str = "GlobalProtect status: Connected\r\n";
    const GP_DETAILS: &str = "Assigned IP address: 192.168.1.132                                      \r\nGateway IP address: 192.168.1.180\r\nProtocol: IPSec\r\nUptime(sec): 231\r\n";

    #[test]
    fn globalprotect_status_and_details_are_read_with_crlf_and_padding() {
        let s = parse_globalprotect(&format!("{GP_STATUS}{GP_DETAILS}"));
        assert_eq!(s.state, ReportedState::Connected);
        assert_eq!(s.said.as_deref(), Some("Connected"));
        assert_eq!(s.field("assigned_ip"), Some("192.168.1.132"));
        assert_eq!(s.field("gateway_ip"), Some("192.168.1.180"));
        assert_eq!(s.field("protocol"), Some("IPSec"));
        assert_eq!(s.field("uptime"), Some("231"));
        assert_eq!(s.error, None);
    }

    #[test]
    fn globalprotect_states_in_every_wording_and_case() {
        for (text, state) in [
            (
                "GlobalProtect status: Disconnected",
                ReportedState::Disconnected,
            ),
            (
                "GlobalProtect Status: Not Connected",
                ReportedState::Disconnected,
            ),
            (
                "GlobalProtect status: OnDemand mode",
                ReportedState::Disconnected,
            ),
            (
                "globalprotect STATUS:   connecting...",
                ReportedState::Connecting,
            ),
            (
                "GlobalProtect status: disabled",
                ReportedState::Disconnected,
            ),
            (
                "GlobalProtect status: Connected\n",
                ReportedState::Connected,
            ),
            ("Connected: yes", ReportedState::Connected),
            (
                "GlobalProtect status: Gateway unreachable",
                ReportedState::Error,
            ),
            ("GlobalProtect status: Quantum flux", ReportedState::Unknown),
        ] {
            assert_eq!(parse_globalprotect(text).state, state, "{text:?}");
        }
    }

    #[test]
    fn globalprotect_unknown_lines_and_a_gateway_name_are_tolerated() {
        let text = "Gateway Name:  US-East  \nGateway IP Address: 203.0.113.9\nTunnel MTU: 1400\nsome banner without colon\nGlobalProtect status: Connected\nProtocol: SSL\n";
        let s = parse_globalprotect(text);
        assert_eq!(s.state, ReportedState::Connected);
        assert_eq!(s.field("gateway"), Some("US-East"));
        assert_eq!(s.field("gateway_ip"), Some("203.0.113.9"));
        assert_eq!(s.field("protocol"), Some("SSL"));
        assert_eq!(s.error, None);
    }

    #[test]
    fn globalprotect_truncated_details_keep_what_came_before_the_cut() {
        // The tool was stopped mid-line: no state line, a cut address.
        let s = parse_globalprotect("Assigned IP address: 10.20.30.40\nGateway IP addr");
        assert_eq!(s.field("assigned_ip"), Some("10.20.30.40"));
        assert_eq!(s.field("gateway_ip"), None);
        assert_eq!(s.state, ReportedState::Connected);
        // Cut inside the state word: not understood, not guessed.
        assert_eq!(
            parse_globalprotect("GlobalProtect status: Conn").state,
            ReportedState::Unknown
        );
    }

    #[test]
    fn globalprotect_error_message_instead_of_status_is_an_error() {
        let s = parse_globalprotect(
            "Error: Unable to establish a connection to the GlobalProtect service.\r\n",
        );
        assert_eq!(s.state, ReportedState::Error);
        assert!(s.error.unwrap().contains("Unable to establish"));
        let s = parse_globalprotect("GlobalProtect service is not running\n");
        assert_eq!(s.state, ReportedState::Error);
        assert_eq!(parse_globalprotect("").state, ReportedState::Unknown);
    }

    // No output sample of Zscaler's CLI is published: these are shapes the parser must
    // survive, not a claim of what it prints.
    #[test]
    fn zscaler_json_with_per_service_status_in_mixed_case_and_unknown_keys() {
        let text = r#"{
  "ZIA": {"Status": "ON", "AuthenticationStatus": "Authenticated", "Gateway": "zs2-fra4"},
  "zpa": {"serviceStatus": "ON"},
  "ZDX": {"status": "OFF"},
  "someFutureKey": [1, 2, {"nested": true}],
  "AppVersion": "4.5.0.334"
}"#;
        let s = parse_zscaler(text);
        assert_eq!(s.state, ReportedState::Connected);
        let names: Vec<(&str, ReportedState)> = s
            .services
            .iter()
            .map(|x| (x.name.as_str(), x.state))
            .collect();
        assert_eq!(
            names,
            [
                ("ZIA", ReportedState::Connected),
                ("ZPA", ReportedState::Connected),
                ("ZDX", ReportedState::Disconnected)
            ]
        );
        assert_eq!(s.field("zia_authentication"), Some("Authenticated"));
        assert_eq!(s.field("zia_gateway"), Some("zs2-fra4"));
        assert_eq!(s.field("version"), Some("4.5.0.334"));
    }

    #[test]
    fn zscaler_flat_keys_lists_of_services_and_a_banner_line() {
        let flat = parse_zscaler("ZSACli 1.0\r\n{\"ziaStatus\":\"OFF\",\"ZPA_State\":\"off\"}\r\n");
        assert_eq!(flat.state, ReportedState::Disconnected);
        assert_eq!(flat.services.len(), 2);
        let list = parse_zscaler(
            r#"{"services":[{"name":"Internet Security","status":"Connected"},{"name":"Private Access","status":"Disconnected"}]}"#,
        );
        assert_eq!(list.state, ReportedState::Connected);
        assert_eq!(list.services[0].name, "ZIA");
        assert_eq!(list.services[1].state, ReportedState::Disconnected);
    }

    #[test]
    fn zscaler_service_fault_is_an_error_naming_the_service() {
        let s = parse_zscaler(r#"{"zia":{"status":"Driver Error"},"zpa":{"status":"ON"}}"#);
        assert_eq!(s.state, ReportedState::Error);
        assert_eq!(s.error.as_deref(), Some("ZIA: Driver Error"));
        let s = parse_zscaler(r#"{"ZIA": "Captive Portal Detected"}"#);
        assert_eq!(s.state, ReportedState::Error);
    }

    #[test]
    fn zscaler_cli_switched_off_is_recognised_as_not_enabled() {
        for text in [
            "CLI is disabled. Contact your administrator.\r\n",
            "Error: ZSACli is not enabled for this device by the App Profile",
            "zscli: CLI access is disabled by policy",
        ] {
            let s = parse_zscaler(text);
            assert_eq!(s.state, ReportedState::NotEnabled, "{text:?}");
            assert!(s.error.is_some());
        }
    }

    #[test]
    fn zscaler_text_output_and_a_truncated_json_are_read_as_far_as_they_go() {
        let text = parse_zscaler("ZIA Status: ON\nZPA Status : Off\nUnknown line here\n");
        assert_eq!(text.state, ReportedState::Connected);
        assert_eq!(text.services.len(), 2);
        // Cut JSON: not JSON any more; its lines are not `key: value` either.
        let cut = parse_zscaler("{\"ZIA\": {\"Status\": \"ON\"}, \"ZPA\": {\"Sta");
        assert_eq!(cut.state, ReportedState::Unknown);
        assert_eq!(
            parse_zscaler("garbage \u{1b}[31m").state,
            ReportedState::Unknown
        );
    }

    #[test]
    fn a_zscaler_error_message_instead_of_status_is_an_error() {
        let s = parse_zscaler("Failed to connect to ZSAService: pipe not found\r\n");
        assert_eq!(s.state, ReportedState::Error);
        assert!(s.error.unwrap().contains("ZSAService"));
    }
}
