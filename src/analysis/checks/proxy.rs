//! `proxy`: a system proxy or PAC lets GSA's edge names go direct.

use super::value_or_check;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::glob_regex;
use crate::snapshot::ProxySettings;

/// The proxy HTTPS traffic uses, from a WinINet `ProxyServer` value: `host:port`, or per
/// protocol `http=a:80;https=b:443` (no `https=` entry: HTTPS goes direct).
pub(crate) fn https_proxy(server: &str) -> Option<String> {
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
pub(crate) fn bypassed(list: &str, host: &str) -> bool {
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

pub(super) fn proxy_check(facts: &Facts) -> Check {
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
    // macOS has one system proxy (`scutil --proxy`), read into the per-user slot.
    let macos = facts.os == crate::knowledge::Os::Macos;
    let user_proxy = if macos {
        "macOS system proxy"
    } else {
        "WinINet (this user)"
    };
    let mut configured = vec![(user_proxy, wininet_https.clone(), proxy.bypass.as_deref())];
    if !macos {
        configured.insert(
            0,
            (
                "WinHTTP",
                proxy.winhttp.clone(),
                proxy.winhttp_bypass.as_deref(),
            ),
        );
    }
    for (name, server, bypass) in &configured {
        let Some(server) = server else {
            evidence.push(match (name, &proxy.wininet) {
                (n, Some(all)) if *n == user_proxy => {
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
        evidence.push(format!("{user_proxy}: PAC script {url}"));
        problems.push(format!(
            "a proxy auto-config script is set ({url}); ssetop cannot tell whether it sends GSA's edge names direct"
        ));
    }
    if problems.is_empty() {
        let summary = if configured.iter().all(|(_, s, _)| s.is_none()) {
            if macos {
                "no system proxy: HTTPS goes direct".to_string()
            } else {
                "no system proxy: WinHTTP and WinINet go direct".to_string()
            }
        } else {
            "a system proxy is set and GSA's edge names bypass it".to_string()
        };
        return Check::new(id, Status::Pass, summary).evidence(evidence);
    }
    let remedy = if macos {
        "let *.globalsecureaccess.microsoft.com bypass the proxy: System Settings > Network > (the service) > Details > Proxies > \"Bypass proxy settings for these hosts & domains\", or the proxy's configuration profile, and return DIRECT for it in a PAC script"
    } else {
        "let *.globalsecureaccess.microsoft.com bypass the proxy: `netsh winhttp set proxy <proxy> bypass-list=\"<existing>;*.globalsecureaccess.microsoft.com\"` (WinHTTP), Internet Options > Connections > LAN settings > Advanced > Exceptions or the proxy policy (WinINet), and return DIRECT for it in a PAC script"
    };
    Check::new(id, Status::Warn, problems.join("; "))
        .evidence(evidence)
        .remedy(remedy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

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
        find(&host_checks(&s, SetupId::GlobalProtect), "proxy").clone()
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
    #[test]
    fn on_macos_the_system_proxy_is_judged_with_macos_words() {
        let p = ProxySettings {
            wininet: Some("proxy.contoso.com:8443".into()),
            bypass: Some("*.local;169.254/16".into()),
            ..ProxySettings::default()
        };
        let s = snapshot("macos", with(|s| s.proxy = Reading::Value(p)));
        let check = find(&checks(&s, None), "proxy").clone();
        assert_eq!(check.status, Status::Warn, "{check:#?}");
        assert!(
            check.summary.contains("macOS system proxy"),
            "{}",
            check.summary
        );
        assert!(
            check
                .remedy
                .as_deref()
                .unwrap()
                .contains("System Settings > Network")
        );
        assert!(
            !check.evidence.iter().any(|e| e.contains("WinHTTP")),
            "{check:#?}"
        );
        let direct = snapshot(
            "macos",
            with(|s| s.proxy = Reading::Value(ProxySettings::default())),
        );
        let check = find(&checks(&direct, None), "proxy").clone();
        assert_eq!(check.status, Status::Pass);
        assert_eq!(check.summary, "no system proxy: HTTPS goes direct");
    }
}
