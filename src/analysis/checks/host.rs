//! Checks of the host configuration GSA's own health check looks at on Windows: the vendors'
//! services and drivers (`services:<vendor>`), the Entra join (`entra-join`), the system proxy
//! (`proxy`), DNS over HTTPS (`doh`) and QUIC (`quic`) policies. Each judges one reading of the
//! settings source; where the reading does not apply (other OSes) the check is skipped with its
//! reason, and where it could not be read (access denied) the check warns with the reason.

use super::{Check, Status, console};
use crate::analysis::facts::Facts;
use crate::knowledge::{Channel, ServiceEntry, SetupId, Vendor, glob_regex};
use crate::snapshot::{
    JoinState, PolicyValue, ProxySettings, Reading, ServiceState, UNREADABLE_POLICY,
};

pub fn run(facts: &Facts, setup: SetupId) -> Vec<Check> {
    let mut checks: Vec<Check> = Vendor::ALL
        .iter()
        .map(|v| services_check(facts, setup, *v))
        .collect();
    checks.push(entra_join_check(facts));
    checks.push(proxy_check(facts));
    checks.push(doh_check(facts));
    checks.push(quic_check(facts, setup));
    checks
}

/// The reading a check judges, or the check that says why there is none.
fn value_or_check<'s, T>(
    facts: &'s Facts,
    id: &str,
    what: &str,
    pick: impl Fn(&'s crate::snapshot::Settings) -> &'s Reading<T>,
) -> Result<&'s T, Check> {
    let Some(settings) = facts.snapshot.settings.get() else {
        return Err(Check::new(
            id,
            Status::Skip,
            format!(
                "settings unavailable ({})",
                facts.snapshot.settings.describe()
            ),
        ));
    };
    match pick(settings) {
        Reading::Value(value) => Ok(value),
        Reading::NotApplicable(reason) | Reading::Missing(reason) => {
            Err(Check::new(id, Status::Skip, reason.clone()))
        }
        Reading::Unavailable(reason) => {
            Err(
                Check::new(id, Status::Warn, format!("cannot read {what}: {reason}"))
                    .remedy("run ssetop elevated (Run as administrator) to read it"),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// services:<vendor>

/// One knowledge service entry as found on the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceFound<'s> {
    Running(&'s ServiceState),
    /// Installed, in any state but running.
    NotRunning(&'s ServiceState),
    /// Installed, but its state could not be read.
    Unknown(&'s ServiceState),
    NotInstalled,
}

/// Which of an entry's names is installed, and its state (a running one wins when a client
/// upgrade left an old name behind).
pub fn find_service<'s>(entry: &ServiceEntry, services: &'s [ServiceState]) -> ServiceFound<'s> {
    let installed: Vec<&ServiceState> = entry
        .names
        .iter()
        .filter_map(|n| services.iter().find(|s| s.name.eq_ignore_ascii_case(n)))
        .collect();
    if let Some(running) = installed.iter().find(|s| s.state == "running") {
        return ServiceFound::Running(running);
    }
    match installed.first() {
        Some(s) if s.state == "unknown" => ServiceFound::Unknown(s),
        Some(s) => ServiceFound::NotRunning(s),
        None => ServiceFound::NotInstalled,
    }
}

fn describe_service(entry: &ServiceEntry, found: ServiceFound) -> String {
    let label = format!("{} ({})", entry.label, entry.kind.id());
    let optional = if entry.required { "" } else { ", optional" };
    match found {
        ServiceFound::Running(s) | ServiceFound::NotRunning(s) => {
            let mut parts = vec![s.state.replace('_', " ")];
            if let Some(pid) = s.pid {
                parts.push(format!("pid {pid}"));
            }
            if let Some(start) = &s.start_type {
                parts.push(format!("start {start}"));
            }
            format!("{label}: {} {}{optional}", s.name, parts.join(", "))
        }
        ServiceFound::Unknown(s) => format!(
            "{label}: {} state unknown{}{optional}",
            s.name,
            s.detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
        ServiceFound::NotInstalled => format!(
            "{label}: not installed (looked for {}){optional}",
            entry.names.join(", ")
        ),
    }
}

fn services_check(facts: &Facts, setup: SetupId, vendor: Vendor) -> Check {
    let id = format!("services:{vendor}");
    let label = vendor.label();
    let services = match value_or_check(facts, &id, "the services", |s| &s.services) {
        Ok(list) => list,
        Err(check) => return check,
    };
    let entries: Vec<&ServiceEntry> = facts
        .knowledge
        .services_for(facts.os)
        .filter(|e| e.vendor == vendor)
        .collect();
    if entries.is_empty() {
        return Check::new(
            id,
            Status::Skip,
            format!(
                "the knowledge base names no {label} services for {}",
                facts.os.id()
            ),
        );
    }
    let expected = vendor == Vendor::Gsa
        || facts
            .knowledge
            .setup(setup)
            .is_some_and(|s| s.other_vendor == vendor);
    let found: Vec<(&ServiceEntry, ServiceFound)> = entries
        .iter()
        .map(|e| (*e, find_service(e, services)))
        .collect();
    let evidence: Vec<String> = found.iter().map(|(e, f)| describe_service(e, *f)).collect();
    if found
        .iter()
        .all(|(_, f)| matches!(f, ServiceFound::NotInstalled))
    {
        return if expected {
            Check::new(
                id,
                Status::Fail,
                format!("none of {label}'s services is installed"),
            )
            .evidence(evidence)
            .remedy(format!(
                "install the {} client",
                facts.knowledge.vendor(vendor).name
            ))
        } else {
            Check::new(
                id,
                Status::Skip,
                format!("{label} is not installed and setup {setup} does not use it"),
            )
        };
    }
    let mut missing = Vec::new();
    let mut stopped = Vec::new();
    let mut disabled = Vec::new();
    let mut unknown = Vec::new();
    for (entry, f) in &found {
        match f {
            ServiceFound::NotInstalled if entry.required => missing.push(entry.label.clone()),
            ServiceFound::NotRunning(s) if entry.required => {
                stopped.push(format!("{} {}", s.name, s.state.replace('_', " ")));
                if s.start_type.as_deref() == Some("disabled") {
                    disabled.push(s.name.clone());
                }
            }
            ServiceFound::Unknown(s) if entry.required => unknown.push(s.name.clone()),
            _ => {}
        }
    }
    if !missing.is_empty() || !stopped.is_empty() {
        let mut problems = Vec::new();
        if !stopped.is_empty() {
            problems.push(format!("not running: {}", stopped.join(", ")));
        }
        if !missing.is_empty() {
            problems.push(format!("not installed: {}", missing.join(", ")));
        }
        let mut remedy = Vec::new();
        if !stopped.is_empty() {
            remedy.push(format!(
                "start the stopped {label} services (services.msc, or `sc start <name>` from an elevated prompt)"
            ));
        }
        if !disabled.is_empty() {
            remedy.push(format!(
                "set the start type of {} back to Automatic",
                disabled.join(", ")
            ));
        }
        if !missing.is_empty() {
            remedy.push(format!(
                "reinstall the {} client",
                facts.knowledge.vendor(vendor).name
            ));
        }
        return Check::new(
            id,
            if expected { Status::Fail } else { Status::Warn },
            format!("{label}: {}", problems.join("; ")),
        )
        .evidence(evidence)
        .remedy(remedy.join("; "));
    }
    if !unknown.is_empty() {
        return Check::new(
            id,
            Status::Warn,
            format!("cannot read the state of {}", unknown.join(", ")),
        )
        .evidence(evidence)
        .remedy("run ssetop elevated (Run as administrator) to read every service");
    }
    let running: Vec<&str> = found
        .iter()
        .filter(|(e, f)| e.required && matches!(f, ServiceFound::Running(_)))
        .map(|(e, _)| e.label.as_str())
        .collect();
    Check::new(
        id,
        Status::Pass,
        format!("{label}'s required services run: {}", running.join(", ")),
    )
    .evidence(evidence)
}

// ---------------------------------------------------------------------------------------------
// entra-join

const JOIN_REMEDY: &str = "join the device to Microsoft Entra ID (Settings > Accounts > Access work or school > Connect > Join this device to Microsoft Entra ID) or hybrid join it with Microsoft Entra Connect; `dsregcmd /status` shows the state";

fn entra_join_check(facts: &Facts) -> Check {
    let id = "entra-join";
    let join: &JoinState = match value_or_check(facts, id, "the Entra join state", |s| &s.join) {
        Ok(join) => join,
        Err(check) => return check,
    };
    let gsa_present = facts.client_of(Vendor::Gsa).is_present();
    let origin = join
        .origin
        .as_deref()
        .map(|o| format!("read through {o}"))
        .unwrap_or_default();
    let not_joined = |summary: String| {
        let check = Check::new(
            id,
            if gsa_present {
                Status::Fail
            } else {
                Status::Warn
            },
            summary,
        )
        .remedy(JOIN_REMEDY);
        if origin.is_empty() {
            check
        } else {
            check.evidence([origin.clone()])
        }
    };
    match join.state.as_str() {
        "entra-joined" => {
            let mut evidence = vec![origin.clone()];
            evidence.retain(|e| !e.is_empty());
            let tenant = join.tenant_id.as_deref();
            let profile_tenant = facts
                .snapshot
                .settings
                .get()
                .and_then(|s| s.forwarding_profile.value())
                .and_then(|p| crate::snapshot::TenantId::find_in_profile(&p.json));
            if let (Some(device), Some(profile)) = (tenant, profile_tenant.as_deref())
                && device != profile
            {
                return Check::new(
                    id,
                    Status::Warn,
                    format!(
                        "Entra joined to tenant {device}, but the forwarding profile's edges belong to tenant {profile}"
                    ),
                )
                .evidence(evidence)
                .remedy("sign in to the GSA client with an account of the device's tenant, or re-join the device to the tenant GSA is licensed in");
            }
            Check::new(
                id,
                Status::Pass,
                match tenant {
                    Some(t) => format!("Microsoft Entra joined (tenant {t})"),
                    None => "Microsoft Entra joined".to_string(),
                },
            )
            .evidence(evidence)
        }
        "workplace-joined" => not_joined(
            "the device is only Entra registered (workplace join); GSA needs it Entra joined or hybrid joined".into(),
        ),
        "unjoined" => not_joined(
            "the device is not Microsoft Entra joined; GSA needs it Entra joined or hybrid joined"
                .into(),
        ),
        other => Check::new(
            id,
            Status::Warn,
            format!("the Entra join state is {other}"),
        )
        .remedy("run `dsregcmd /status` and check AzureAdJoined"),
    }
}

// ---------------------------------------------------------------------------------------------
// proxy

/// The proxy HTTPS traffic uses, from a WinINet `ProxyServer` value: `host:port`, or per
/// protocol `http=a:80;https=b:443` (no `https=` entry: HTTPS goes direct).
pub fn https_proxy(server: &str) -> Option<String> {
    let server = server.trim();
    if server.is_empty() {
        return None;
    }
    if !server.contains('=') {
        return Some(server.to_string());
    }
    server
        .split([';', ' '])
        .filter_map(|part| part.split_once('='))
        .find(|(scheme, _)| scheme.trim().eq_ignore_ascii_case("https"))
        .map(|(_, proxy)| proxy.trim().to_string())
        .filter(|p| !p.is_empty())
}

/// Whether a WinINet/WinHTTP bypass list (`ProxyOverride`, `netsh winhttp` bypass-list) lets
/// `host` go direct: entries split on `;`, `,` or spaces, `*` wildcards, case-insensitive,
/// `<local>` for names without a dot; a scheme or port on an entry is ignored.
pub fn bypassed(list: &str, host: &str) -> bool {
    list.split([';', ',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry.eq_ignore_ascii_case("<local>") {
                return !host.contains('.');
            }
            let entry = entry
                .split_once("://")
                .map_or(entry, |(_, rest)| rest)
                .trim_end_matches('/');
            let entry = match entry.rsplit_once(':') {
                Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
                _ => entry,
            };
            glob_regex(entry).is_ok_and(|re| re.is_match(host))
        })
}

/// GSA's edge names as a proxy sees them: the knowledge list, with the tenant filled in
/// (a placeholder when unknown: bypass entries are patterns, the tenant rarely matters).
fn edge_hosts(facts: &Facts) -> Vec<String> {
    let tenant = facts
        .snapshot
        .settings
        .get()
        .and_then(|s| s.tenant_id.value())
        .map_or_else(
            || "00000000-0000-0000-0000-000000000000".to_string(),
            |t| t.id.clone(),
        );
    facts
        .knowledge
        .file
        .gsa
        .edge_names
        .iter()
        .filter(|n| n.required)
        .map(|n| n.name.replace("{tenant}", &tenant))
        .collect()
}

fn proxy_check(facts: &Facts) -> Check {
    let id = "proxy";
    let proxy: &ProxySettings = match value_or_check(facts, id, "the proxy settings", |s| &s.proxy)
    {
        Ok(p) => p,
        Err(check) => return check,
    };
    let hosts = edge_hosts(facts);
    let local_port = facts.knowledge.file.zscaler.local_proxy_port;
    let mut evidence = Vec::new();
    let mut problems = Vec::new();
    let wininet_https = proxy.wininet.as_deref().and_then(https_proxy);
    let configured = [
        (
            "WinHTTP",
            proxy.winhttp.clone(),
            proxy.winhttp_bypass.as_deref(),
        ),
        (
            "WinINet (this user)",
            wininet_https.clone(),
            proxy.bypass.as_deref(),
        ),
    ];
    for (name, server, bypass) in &configured {
        let Some(server) = server else {
            evidence.push(match (name, &proxy.wininet) {
                (n, Some(all)) if n.starts_with("WinINet") => {
                    format!("{name}: {all} (no HTTPS proxy in it: HTTPS goes direct)")
                }
                _ => format!("{name}: direct, no proxy"),
            });
            continue;
        };
        let mut line = format!(
            "{name}: proxy {server}, bypass list {}",
            bypass.map_or_else(|| "empty".to_string(), |b| format!("\"{b}\""))
        );
        let host = server
            .split_once("://")
            .map_or(server.as_str(), |(_, r)| r)
            .trim_end_matches('/');
        if let Some((h, port)) = host.rsplit_once(':')
            && port.parse::<u16>() == Ok(local_port)
            && (h == "127.0.0.1" || h.eq_ignore_ascii_case("localhost"))
        {
            line.push_str(&format!(
                " (Zscaler's local proxy on port {local_port}: Z-Tunnel 1.0)"
            ));
        }
        evidence.push(line);
        let not_bypassed: Vec<&String> = hosts
            .iter()
            .filter(|h| !bypass.is_some_and(|b| bypassed(b, h)))
            .collect();
        if let Some(first) = not_bypassed.first() {
            problems.push(format!(
                "the {name} proxy {server} does not bypass {} of GSA's {} edge names (such as {first})",
                not_bypassed.len(),
                hosts.len()
            ));
        }
    }
    if let Some(url) = &proxy.auto_config_url {
        evidence.push(format!("WinINet (this user): PAC script {url}"));
        problems.push(format!(
            "a proxy auto-config script is set ({url}); ssetop cannot tell whether it sends GSA's edge names direct"
        ));
    }
    if problems.is_empty() {
        let summary = if configured.iter().all(|(_, s, _)| s.is_none()) {
            "no system proxy: WinHTTP and WinINet go direct".to_string()
        } else {
            "a system proxy is set and GSA's edge names bypass it".to_string()
        };
        return Check::new(id, Status::Pass, summary).evidence(evidence);
    }
    Check::new(id, Status::Warn, problems.join("; "))
        .evidence(evidence)
        .remedy("let *.globalsecureaccess.microsoft.com bypass the proxy: `netsh winhttp set proxy <proxy> bypass-list=\"<existing>;*.globalsecureaccess.microsoft.com\"` (WinHTTP), Internet Options > Connections > LAN settings > Advanced > Exceptions or the proxy policy (WinINet), and return DIRECT for it in a PAC script")
}

// ---------------------------------------------------------------------------------------------
// doh and quic

/// One policy value judged: status, a short sentence, and the sentence with where it was read.
fn judge_doh(policy: &PolicyValue) -> (Status, String, String) {
    let value = policy.value.trim();
    let at = policy
        .origin
        .as_deref()
        .map(|o| format!(" ({o})"))
        .unwrap_or_default();
    if let Some(reason) = value.strip_prefix(UNREADABLE_POLICY) {
        let line = format!("{} {} unreadable: {reason}", policy.scope, policy.name);
        return (Status::Warn, line.clone(), format!("{line}{at}"));
    }
    let browser = match policy.scope.as_str() {
        "edge" => "Edge",
        "chrome" => "Chrome",
        "firefox" => "Firefox",
        _ => "Windows",
    };
    let (status, meaning) = match (policy.scope.as_str(), policy.name.as_str(), value) {
        ("windows", "DoHPolicy", "1") => (Status::Pass, "encrypted DNS prohibited by policy"),
        ("windows", "DoHPolicy", "2") => (
            Status::Warn,
            "encrypted DNS allowed by policy: adapters whose server supports DoH may use it",
        ),
        ("windows", "DoHPolicy", "3") => (Status::Fail, "encrypted DNS required by policy"),
        ("windows", "EnableAutoDoh", "2") => (
            Status::Warn,
            "automatic DoH on (EnableAutoDoh = 2): known DoH servers are used encrypted",
        ),
        ("windows", "EnableAutoDoh", v) if v.parse::<u32>().is_ok() => {
            (Status::Pass, "automatic DoH off")
        }
        ("edge" | "chrome", "DnsOverHttpsMode", v) if v.eq_ignore_ascii_case("off") => {
            (Status::Pass, "DoH off by policy")
        }
        ("edge" | "chrome", "DnsOverHttpsMode", v) if v.eq_ignore_ascii_case("automatic") => (
            Status::Warn,
            "DoH automatic by policy: used where the resolver supports it",
        ),
        ("edge" | "chrome", "DnsOverHttpsMode", v) if v.eq_ignore_ascii_case("secure") => {
            (Status::Fail, "DoH forced on by policy (secure)")
        }
        ("firefox", _, "0") => (Status::Pass, "DoH off by policy"),
        ("firefox", _, "1") => (Status::Fail, "DoH on by policy"),
        _ => (Status::Warn, "unrecognised value"),
    };
    let line = format!("{browser}: {} = {value}: {meaning}", policy.name);
    (status, line.clone(), format!("{line}{at}"))
}

fn policies<'s>(facts: &'s Facts, id: &str) -> Result<&'s [PolicyValue], Check> {
    value_or_check(facts, id, "the browser and DNS policies", |s| &s.policies).map(Vec::as_slice)
}

fn doh_check(facts: &Facts) -> Check {
    let id = "doh";
    let list = match policies(facts, id) {
        Ok(list) => list,
        Err(check) => return check,
    };
    let is_doh = |p: &&PolicyValue| {
        matches!(
            (p.scope.as_str(), p.name.as_str()),
            ("windows", "DoHPolicy" | "EnableAutoDoh")
                | ("edge" | "chrome", "DnsOverHttpsMode")
                | ("firefox", _)
        )
    };
    let mut judged: Vec<(Status, String, String)> =
        list.iter().filter(is_doh).map(judge_doh).collect();
    for (scope, browser) in [("edge", "Edge"), ("chrome", "Chrome")] {
        if !list
            .iter()
            .any(|p| p.scope == scope && p.name == "DnsOverHttpsMode")
        {
            let line = format!(
                "{browser}: DnsOverHttpsMode not set by policy: the browser uses DoH automatically where the resolver supports it"
            );
            judged.push((Status::Warn, line.clone(), line));
        }
    }
    let worst = judged
        .iter()
        .map(|(s, _, _)| *s)
        .max()
        .unwrap_or(Status::Pass);
    let evidence: Vec<String> = judged.iter().map(|(_, _, e)| e.clone()).collect();
    let remedy = r#"GSA cannot acquire names resolved over DoH: set DnsOverHttpsMode = "off" (REG_SZ) under HKLM\SOFTWARE\Policies\Microsoft\Edge and HKLM\SOFTWARE\Policies\Google\Chrome (Intune: Settings catalog), Firefox's DNSOverHTTPS Enabled = 0, and Windows DoHPolicy = 1 or unset"#;
    match worst {
        Status::Pass | Status::Skip => Check::new(
            id,
            Status::Pass,
            "DNS over HTTPS is off by policy in Edge and Chrome, and not enabled for Windows",
        )
        .evidence(evidence),
        status => {
            let first: Vec<&str> = judged
                .iter()
                .filter(|(s, _, _)| *s == status)
                .map(|(_, line, _)| line.as_str())
                .collect();
            Check::new(
                id,
                status,
                format!(
                    "DNS over HTTPS may bypass GSA: {}{}",
                    first.first().copied().unwrap_or_default(),
                    if first.len() > 1 {
                        format!(" (and {} more)", first.len() - 1)
                    } else {
                        String::new()
                    }
                ),
            )
            .evidence(evidence)
            .remedy(remedy)
        }
    }
}

/// Whether GSA carries internet traffic here, and the sentence that says how it is known.
fn internet_access_in_use(facts: &Facts, setup: SetupId) -> (bool, String) {
    if let Some(profile) = facts.parsed_profile() {
        let on = profile.enabled_channels().contains(&Channel::Internet);
        return (
            on,
            format!(
                "the forwarding profile {} the Internet Access channel",
                if on { "enables" } else { "does not enable" }
            ),
        );
    }
    let on = facts
        .knowledge
        .setup(setup)
        .is_some_and(|s| s.gsa_channels.contains(&Channel::Internet));
    (
        on,
        format!(
            "setup {setup} {} GSA Internet Access (no forwarding profile to tell)",
            if on { "uses" } else { "does not use" }
        ),
    )
}

fn quic_check(facts: &Facts, setup: SetupId) -> Check {
    let id = "quic";
    let list = match policies(facts, id) {
        Ok(list) => list,
        Err(check) => return check,
    };
    let (in_use, why) = internet_access_in_use(facts, setup);
    let mut judged = Vec::new();
    for (scope, browser) in [("edge", "Edge"), ("chrome", "Chrome")] {
        let policy = list
            .iter()
            .find(|p| p.scope == scope && p.name == "QuicAllowed");
        judged.push(match policy.map(|p| (p.value.trim(), p)) {
            Some(("0", p)) => (
                Status::Pass,
                format!(
                    "{browser}: QuicAllowed = 0{}: QUIC off",
                    p.origin
                        .as_deref()
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default()
                ),
            ),
            Some(("1", _)) => (
                Status::Warn,
                format!("{browser}: QuicAllowed = 1: QUIC allowed by policy"),
            ),
            Some((v, _)) => (
                Status::Warn,
                format!("{browser}: QuicAllowed = {v}: not understood, QUIC taken as allowed"),
            ),
            None => (
                Status::Warn,
                format!("{browser}: QuicAllowed not set by policy: QUIC is on by default"),
            ),
        });
    }
    let mut evidence = vec![why.clone()];
    evidence.extend(judged.iter().map(|(_, e)| e.clone()));
    if !in_use {
        return Check::new(
            id,
            Status::Skip,
            format!("QUIC matters to GSA Internet Access only: {why}"),
        )
        .evidence(evidence);
    }
    let allowed: Vec<&str> = judged
        .iter()
        .filter(|(s, _)| *s != Status::Pass)
        .filter_map(|(_, e)| e.split(':').next())
        .collect();
    if allowed.is_empty() {
        return Check::new(id, Status::Pass, "QUIC is off by policy in Edge and Chrome")
            .evidence(evidence);
    }
    Check::new(
        id,
        Status::Warn,
        format!(
            "QUIC is allowed in {}: GSA Internet Access does not acquire QUIC (UDP 443), so that traffic is not secured by it",
            allowed.join(" and ")
        ),
    )
    .evidence(evidence)
    .remedy(format!(
        r"set QuicAllowed = 0 (REG_DWORD) under HKLM\SOFTWARE\Policies\Microsoft\Edge and HKLM\SOFTWARE\Policies\Google\Chrome; {}",
        console(facts, Vendor::Gsa)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::facts::Facts;
    use crate::knowledge::{Knowledge, Os};
    use crate::snapshot::{Host, Section, Settings, Snapshot};

    fn snapshot(os: &str, settings: Settings) -> Snapshot {
        let at: jiff::Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        Snapshot {
            taken_at: at,
            host: Host {
                name: "pc".into(),
                os: os.into(),
                os_version: None,
                elevated: true,
            },
            routes: Section::skipped("not read in this test"),
            interfaces: Section::skipped("not read in this test"),
            sockets: Section::skipped("not read in this test"),
            processes: Section::ok(Vec::new(), at, 0),
            dns: Section::skipped("not read in this test"),
            settings: Section::ok(settings, at, 0),
        }
    }

    fn checks(snapshot: &Snapshot, setup: SetupId) -> Vec<Check> {
        let knowledge = Knowledge::embedded();
        let facts = Facts::new(snapshot, &knowledge);
        run(&facts, setup)
    }

    fn find<'c>(checks: &'c [Check], id: &str) -> &'c Check {
        checks
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no {id} in {checks:#?}"))
    }

    fn service(name: &str, state: &str) -> ServiceState {
        ServiceState {
            name: name.into(),
            state: state.into(),
            pid: (state == "running").then_some(100),
            kind: Some(
                if name.ends_with("Driver") {
                    "driver"
                } else {
                    "service"
                }
                .into(),
            ),
            start_type: Some("auto".into()),
            detail: None,
        }
    }

    fn gsa_services(driver_state: &str) -> Vec<ServiceState> {
        vec![
            service("GlobalSecureAccessTunnelingService", "running"),
            service("GlobalSecureAccessManagementService", "running"),
            service("GlobalSecureAccessForwardingProfileService", "running"),
            service("GlobalSecureAccessClientManagerService", "stopped"),
            service("GlobalSecureAccessDriver", driver_state),
        ]
    }

    fn policy(scope: &str, name: &str, value: &str) -> PolicyValue {
        PolicyValue {
            scope: scope.into(),
            name: name.into(),
            value: value.into(),
            origin: None,
        }
    }

    fn with(f: impl FnOnce(&mut Settings)) -> Settings {
        let mut settings = Settings::default();
        f(&mut settings);
        settings
    }

    #[test]
    fn gsa_services_pass_with_old_and_new_names_and_an_optional_one_stopped() {
        let s = snapshot(
            "windows",
            with(|s| s.services = Reading::Value(gsa_services("running"))),
        );
        let all = checks(&s, SetupId::GlobalProtect);
        let check = find(&all, "services:gsa");
        assert_eq!(check.status, Status::Pass, "{check:#?}");
        assert!(check.summary.contains("tunneling"), "{}", check.summary);
        assert!(
            check.evidence.iter().any(|e| e.contains("client manager")
                && e.contains("stopped")
                && e.contains("optional")),
            "{:#?}",
            check.evidence
        );
    }

    #[test]
    fn a_stopped_gsa_driver_fails_and_names_it() {
        let s = snapshot(
            "windows",
            with(|s| s.services = Reading::Value(gsa_services("stopped"))),
        );
        let check = find(&checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Fail);
        assert!(
            check.summary.contains("GlobalSecureAccessDriver stopped"),
            "{}",
            check.summary
        );
        assert!(check.remedy.unwrap().contains("sc start"));
    }

    #[test]
    fn a_disabled_service_is_told_to_go_back_to_automatic() {
        let mut services = gsa_services("running");
        services[0].state = "stopped".into();
        services[0].start_type = Some("disabled".into());
        let s = snapshot("windows", with(|s| s.services = Reading::Value(services)));
        let check = find(&checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Fail);
        assert!(check.remedy.unwrap().contains("back to Automatic"));
    }

    #[test]
    fn a_missing_required_service_fails_and_a_missing_other_vendor_is_skipped() {
        let mut services = gsa_services("running");
        services.retain(|s| !s.name.contains("ForwardingProfile"));
        let s = snapshot("windows", with(|s| s.services = Reading::Value(services)));
        let all = checks(&s, SetupId::GlobalProtect);
        let gsa = find(&all, "services:gsa");
        assert_eq!(gsa.status, Status::Fail);
        assert!(
            gsa.summary.contains("not installed: policy retriever"),
            "{}",
            gsa.summary
        );
        // GlobalProtect is this setup's other client: nothing installed fails.
        assert_eq!(find(&all, "services:globalprotect").status, Status::Fail);
        // Zscaler is not used by the setup: nothing installed is not a problem.
        assert_eq!(find(&all, "services:zscaler").status, Status::Skip);
    }

    #[test]
    fn a_running_service_wins_over_an_old_name_left_stopped() {
        let mut services = gsa_services("running");
        services.push(service("GlobalSecureAccessEngineService", "stopped"));
        let s = snapshot("windows", with(|s| s.services = Reading::Value(services)));
        assert_eq!(
            find(&checks(&s, SetupId::GlobalProtect), "services:gsa").status,
            Status::Pass
        );
    }

    #[test]
    fn an_unreadable_service_or_service_manager_warns_with_the_reason() {
        let mut services = gsa_services("running");
        services[0].state = "unknown".into();
        services[0].detail = Some("access denied to service X".into());
        let s = snapshot("windows", with(|s| s.services = Reading::Value(services)));
        let check = find(&checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(check.evidence.iter().any(|e| e.contains("access denied")));
        let s = snapshot(
            "windows",
            with(|s| {
                s.services =
                    Reading::Unavailable("access denied to the Service Control Manager".into())
            }),
        );
        let check = find(&checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("access denied"), "{}", check.summary);
    }

    #[test]
    fn on_linux_every_host_check_is_skipped_with_the_collectors_reason() {
        let s = snapshot(
            "linux",
            with(|s| {
                s.services = Reading::NotApplicable("services are read on Windows".into());
                s.join = Reading::NotApplicable("join is read on Windows".into());
                s.proxy = Reading::NotApplicable("proxy is read on Windows".into());
                s.policies = Reading::NotApplicable("policies are read on Windows".into());
            }),
        );
        let all = checks(&s, SetupId::GlobalProtect);
        assert_eq!(all.len(), 7);
        for check in &all {
            assert_eq!(check.status, Status::Skip, "{check:#?}");
            assert!(check.summary.contains("Windows"), "{check:#?}");
        }
    }

    fn join(state: &str, tenant: Option<&str>) -> Settings {
        with(|s| {
            s.join = Reading::Value(JoinState {
                state: state.into(),
                tenant_id: tenant.map(Into::into),
                origin: Some("registry".into()),
            })
        })
    }

    #[test]
    fn entra_join_passes_when_joined_and_fails_when_only_registered_with_gsa_installed() {
        let tenant = "6b1e4f0a-1111-2222-3333-444455556666";
        let s = snapshot("windows", join("entra-joined", Some(tenant)));
        let check = find(&checks(&s, SetupId::GlobalProtect), "entra-join").clone();
        assert_eq!(check.status, Status::Pass);
        assert!(check.summary.contains(tenant));
        let mut settings = join("workplace-joined", None);
        settings.services = Reading::Value(gsa_services("running"));
        let s = snapshot("windows", settings);
        let check = find(&checks(&s, SetupId::GlobalProtect), "entra-join").clone();
        assert_eq!(check.status, Status::Fail, "GSA is installed: {check:#?}");
        assert!(check.summary.contains("registered"));
        // Without GSA the join is only a warning.
        let s = snapshot("windows", join("unjoined", None));
        assert_eq!(
            find(&checks(&s, SetupId::GlobalProtect), "entra-join").status,
            Status::Warn
        );
    }

    #[test]
    fn entra_join_warns_when_the_profile_belongs_to_another_tenant() {
        let mut settings = join("entra-joined", Some("6b1e4f0a-1111-2222-3333-444455556666"));
        settings.forwarding_profile = Reading::Value(crate::snapshot::ProfileText {
            origin: "registry".into(),
            json: r#"{"edgeAddress":"aaaaaaaa-1111-2222-3333-444455556666.m365.client.globalsecureaccess.microsoft.com"}"#.into(),
            timestamp: None,
        });
        let s = snapshot("windows", settings);
        let check = find(&checks(&s, SetupId::GlobalProtect), "entra-join").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("aaaaaaaa-1111"), "{}", check.summary);
    }

    #[test]
    fn https_proxy_reads_plain_and_per_protocol_values() {
        assert_eq!(https_proxy("proxy:8080").as_deref(), Some("proxy:8080"));
        assert_eq!(
            https_proxy("http=a:80;https=b:443;ftp=c:21").as_deref(),
            Some("b:443")
        );
        assert_eq!(https_proxy("http=a:80"), None);
        assert_eq!(https_proxy("  "), None);
    }

    #[test]
    fn bypass_lists_match_like_wininet() {
        let host = "internet.edgediagnostic.globalsecureaccess.microsoft.com";
        assert!(bypassed("<local>;*.globalsecureaccess.microsoft.com", host));
        assert!(bypassed("*.MICROSOFT.com", host));
        assert!(bypassed(
            "https://*.globalsecureaccess.microsoft.com:443",
            host
        ));
        assert!(bypassed(
            "a.com, *.edgediagnostic.globalsecureaccess.microsoft.com",
            host
        ));
        assert!(!bypassed("<local>;*.contoso.com", host));
        assert!(!bypassed("globalsecureaccess.microsoft.com", host));
        assert!(bypassed("<local>", "intranet"));
        assert!(!bypassed("", host));
    }

    fn proxy(p: ProxySettings) -> Check {
        let s = snapshot("windows", with(|s| s.proxy = Reading::Value(p)));
        find(&checks(&s, SetupId::GlobalProtect), "proxy").clone()
    }

    #[test]
    fn proxy_passes_without_a_proxy_and_when_gsa_names_bypass_it() {
        assert_eq!(proxy(ProxySettings::default()).status, Status::Pass);
        let check = proxy(ProxySettings {
            winhttp: Some("proxy.contoso.com:8080".into()),
            winhttp_bypass: Some("<local>;*.globalsecureaccess.microsoft.com".into()),
            ..ProxySettings::default()
        });
        assert_eq!(check.status, Status::Pass, "{check:#?}");
    }

    #[test]
    fn proxy_warns_when_a_proxy_or_pac_does_not_let_gsa_names_go_direct() {
        let check = proxy(ProxySettings {
            winhttp: Some("proxy.contoso.com:8080".into()),
            winhttp_bypass: Some("<local>".into()),
            ..ProxySettings::default()
        });
        assert_eq!(check.status, Status::Warn);
        assert!(
            check
                .summary
                .contains("WinHTTP proxy proxy.contoso.com:8080"),
            "{}",
            check.summary
        );
        let check = proxy(ProxySettings {
            auto_config_url: Some("http://wpad/proxy.pac".into()),
            ..ProxySettings::default()
        });
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("auto-config"));
        // Zscaler's local proxy is named as such.
        let check = proxy(ProxySettings {
            wininet: Some("127.0.0.1:9000".into()),
            ..ProxySettings::default()
        });
        assert_eq!(check.status, Status::Warn);
        assert!(
            check
                .evidence
                .iter()
                .any(|e| e.contains("Zscaler's local proxy"))
        );
        // A per-protocol value without HTTPS leaves HTTPS direct.
        let check = proxy(ProxySettings {
            wininet: Some("http=proxy:80".into()),
            ..ProxySettings::default()
        });
        assert_eq!(check.status, Status::Pass, "{check:#?}");
    }

    fn doh(policies: Vec<PolicyValue>) -> Check {
        let s = snapshot("windows", with(|s| s.policies = Reading::Value(policies)));
        find(&checks(&s, SetupId::GlobalProtect), "doh").clone()
    }

    #[test]
    fn doh_passes_only_when_both_browsers_are_pinned_off() {
        let off = vec![
            policy("edge", "DnsOverHttpsMode", "off"),
            policy("chrome", "DnsOverHttpsMode", "off"),
            policy("windows", "DoHPolicy", "1"),
        ];
        assert_eq!(doh(off.clone()).status, Status::Pass);
        let check = doh(off[..1].to_vec());
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("Chrome"), "{}", check.summary);
        assert_eq!(doh(Vec::new()).status, Status::Warn);
    }

    #[test]
    fn doh_forced_on_anywhere_fails() {
        for forced in [
            policy("edge", "DnsOverHttpsMode", "secure"),
            policy("windows", "DoHPolicy", "3"),
            policy("firefox", r"DNSOverHTTPS\Enabled", "1"),
        ] {
            let mut list = vec![
                policy("edge", "DnsOverHttpsMode", "off"),
                policy("chrome", "DnsOverHttpsMode", "off"),
            ];
            list.retain(|p| p.scope != forced.scope);
            list.push(forced.clone());
            let check = doh(list);
            assert_eq!(check.status, Status::Fail, "{forced:?}: {check:#?}");
        }
    }

    #[test]
    fn doh_automatic_unknown_and_unreadable_values_warn() {
        for value in ["automatic", "sometimes", "unreadable: access denied"] {
            let check = doh(vec![
                policy("edge", "DnsOverHttpsMode", value),
                policy("chrome", "DnsOverHttpsMode", "off"),
            ]);
            assert_eq!(check.status, Status::Warn, "{value}: {check:#?}");
        }
        let check = doh(vec![
            policy("edge", "DnsOverHttpsMode", "off"),
            policy("chrome", "DnsOverHttpsMode", "off"),
            policy("windows", "EnableAutoDoh", "2"),
        ]);
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("EnableAutoDoh"), "{}", check.summary);
    }

    fn quic(setup: SetupId, policies: Vec<PolicyValue>) -> Check {
        let s = snapshot("windows", with(|s| s.policies = Reading::Value(policies)));
        find(&checks(&s, setup), "quic").clone()
    }

    #[test]
    fn quic_is_judged_only_where_gsa_carries_internet_traffic() {
        // zscaler-private: GSA carries internet traffic.
        let check = quic(SetupId::ZscalerPrivate, vec![]);
        assert_eq!(check.status, Status::Warn);
        assert!(
            check.summary.contains("Edge and Chrome"),
            "{}",
            check.summary
        );
        let off = vec![
            policy("edge", "QuicAllowed", "0"),
            policy("chrome", "QuicAllowed", "0"),
        ];
        assert_eq!(
            quic(SetupId::ZscalerPrivate, off.clone()).status,
            Status::Pass
        );
        let check = quic(SetupId::ZscalerPrivate, off[..1].to_vec());
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("Chrome") && !check.summary.contains("Edge"));
        // globalprotect: GSA carries Microsoft 365 only.
        let check = quic(SetupId::GlobalProtect, vec![]);
        assert_eq!(check.status, Status::Skip);
        assert!(check.summary.contains("does not use"), "{}", check.summary);
    }

    #[test]
    fn the_knowledge_os_decides_which_services_are_looked_for() {
        let k = Knowledge::embedded();
        assert!(k.services_for(Os::Windows).count() >= 6);
        let s = snapshot("linux", with(|s| s.services = Reading::Value(Vec::new())));
        let check = find(&checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Skip);
        assert!(
            check.summary.contains("no GSA services for linux"),
            "{}",
            check.summary
        );
    }
}
