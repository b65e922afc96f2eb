//! GSA's macOS Health check rows that the device shows: the client's system extension
//! (`macos-system-extension`), its transparent-proxy configuration (`macos-transparent-proxy`),
//! the active interface (`macos-active-interface`), GSA's tunnel interface
//! (`macos-tunnel-interface`), the DNS servers (`dns-servers`) and whether DNS is encrypted
//! (`dns-encrypted`). Each judges one part of the settings source's `macos` reading; on other
//! OSes every one is skipped with the collector's reason. The cached forwarding profile is
//! judged by `forwarding-profile` like the registry's.

use std::net::IpAddr;

use super::{reading_or_check, value_or_check};
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::{MacosComponentKind, Vendor};
use crate::snapshot::{DnsResolver, MacosSettings, NetworkService, Reading, SystemExtension};

pub(super) fn macos_client_checks(facts: &Facts) -> Vec<Check> {
    vec![
        system_extension_check(facts),
        transparent_proxy_check(facts),
        active_interface_check(facts),
        tunnel_interface_check(facts),
        dns_servers_check(facts),
        dns_encrypted_check(facts),
    ]
}

/// One part of the macOS reading, or the check that says why there is none.
fn part<'s, T>(
    facts: &'s Facts,
    id: &str,
    what: &str,
    pick: impl Fn(&'s MacosSettings) -> &'s Reading<T>,
) -> Result<&'s T, Check> {
    let macos = value_or_check(facts, id, "GSA's macOS client state", |s| &s.macos)?;
    reading_or_check(id, what, pick(macos))
}

/// GSA's extension identifiers (both generations), from the knowledge base.
fn gsa_identifiers<'k>(facts: &Facts<'k>) -> Vec<&'k str> {
    facts
        .knowledge
        .macos_names(Vendor::Gsa, MacosComponentKind::Extension)
}

fn is_gsa_identifier(identifiers: &[&str], text: &str) -> bool {
    identifiers.iter().any(|id| id.eq_ignore_ascii_case(text))
}

fn gsa_extensions<'s>(facts: &Facts, all: &'s [SystemExtension]) -> Vec<&'s SystemExtension> {
    let identifiers = gsa_identifiers(facts);
    all.iter()
        .filter(|e| is_gsa_identifier(&identifiers, &e.bundle_id))
        .collect()
}

fn gsa_services<'s>(facts: &Facts, all: &'s [NetworkService]) -> Vec<&'s NetworkService> {
    let identifiers = gsa_identifiers(facts);
    all.iter()
        .filter(|s| {
            let detail = s
                .detail
                .as_deref()
                .map(|d| d.split_once(':').map_or(d, |(_, id)| id));
            [s.provider.as_deref(), detail]
                .into_iter()
                .flatten()
                .any(|id| is_gsa_identifier(&identifiers, id.trim()))
        })
        .collect()
}

/// Whether GSA's client shows on the device at all: its processes, or its system extension.
fn gsa_installed(facts: &Facts) -> bool {
    facts.client_of(Vendor::Gsa).is_present()
        || facts
            .snapshot
            .settings
            .get()
            .and_then(|s| s.macos.value())
            .and_then(|m| m.system_extensions.value())
            .is_some_and(|all| !gsa_extensions(facts, all).is_empty())
}

fn judge_extension(state: &str) -> Status {
    let state = state.to_ascii_lowercase();
    if state.contains("activated enabled") {
        Status::Pass
    } else if state.contains("waiting for user") || state.contains("activating") {
        Status::Warn
    } else {
        Status::Fail
    }
}

const EXTENSION_REMEDY: &str = "open the Global Secure Access client and allow its system extension (System Settings > General > Login Items & Extensions > Network Extensions), or approve it by MDM with a system-extension policy; reinstall the client if it stays terminated";

fn system_extension_check(facts: &Facts) -> Check {
    let id = "macos-system-extension";
    let all = match part(facts, id, "system extensions", |m| &m.system_extensions) {
        Ok(all) => all,
        Err(check) => return check,
    };
    let gsa = gsa_extensions(facts, all);
    let evidence: Vec<String> = gsa
        .iter()
        .map(|e| {
            format!(
                "{} {}[{}]{}",
                e.bundle_id,
                e.version
                    .as_deref()
                    .map(|v| format!("({v}) "))
                    .unwrap_or_default(),
                e.state,
                e.category
                    .as_deref()
                    .map(|c| format!(" under {c}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let Some(best) = gsa.iter().min_by_key(|e| judge_extension(&e.state)) else {
        let identifiers = gsa_identifiers(facts).join(", ");
        return if facts.client_of(Vendor::Gsa).is_present() {
            Check::new(
                id,
                Status::Fail,
                "GSA's client runs but systemextensionsctl lists none of its system extensions",
            )
            .evidence(vec![format!("looked for {identifiers}")])
            .remedy(EXTENSION_REMEDY)
        } else {
            Check::new(
                id,
                Status::Skip,
                format!("GSA's macOS client is not installed (no system extension {identifiers})"),
            )
        };
    };
    let status = judge_extension(&best.state);
    let summary = match status {
        Status::Pass => format!(
            "GSA's system extension {} is activated and enabled",
            best.bundle_id
        ),
        Status::Warn => format!(
            "GSA's system extension {} is not active yet: {}",
            best.bundle_id, best.state
        ),
        _ => format!(
            "GSA's system extension {} is not running: {}",
            best.bundle_id, best.state
        ),
    };
    let check = Check::new(id, status, summary).evidence(evidence);
    if status == Status::Pass {
        check
    } else {
        check.remedy(EXTENSION_REMEDY)
    }
}

fn judge_service(service: &NetworkService) -> Status {
    match service.status.to_ascii_lowercase().as_str() {
        "connected" => Status::Pass,
        "connecting" | "reasserting" | "disconnecting" => Status::Warn,
        _ => Status::Fail,
    }
}

fn transparent_proxy_check(facts: &Facts) -> Check {
    let id = "macos-transparent-proxy";
    let all = match part(facts, id, "the network extension configurations", |m| {
        &m.network_services
    }) {
        Ok(all) => all,
        Err(check) => return check,
    };
    let gsa = gsa_services(facts, all);
    let evidence: Vec<String> = gsa
        .iter()
        .map(|s| {
            format!(
                "{} \"{}\" ({}) {}{}",
                s.kind,
                s.name,
                s.provider.as_deref().unwrap_or("no provider"),
                s.status,
                if s.enabled {
                    ""
                } else {
                    ", not enabled in the current network set"
                }
            )
        })
        .collect();
    let remedy = "open the Global Secure Access client and sign in; if its configuration is missing or invalid, allow it again (System Settings > Network > VPN & Filters) or redeploy it by MDM";
    let Some(best) = gsa.iter().min_by_key(|s| judge_service(s)) else {
        return if gsa_installed(facts) {
            Check::new(
                id,
                Status::Fail,
                "scutil --nc list shows no GSA transparent-proxy configuration",
            )
            .evidence(vec![format!(
                "looked for {}",
                gsa_identifiers(facts).join(", ")
            )])
            .remedy(remedy)
        } else {
            Check::new(
                id,
                Status::Skip,
                "GSA's macOS client is not installed (no transparent-proxy configuration)",
            )
        };
    };
    let status = judge_service(best);
    let summary = match status {
        Status::Pass => format!("GSA's transparent proxy \"{}\" is connected", best.name),
        _ => format!(
            "GSA's transparent proxy \"{}\" is {}",
            best.name,
            best.status.to_ascii_lowercase()
        ),
    };
    let check = Check::new(id, status, summary).evidence(evidence);
    if status == Status::Pass {
        check
    } else {
        check.remedy(remedy)
    }
}

fn is_reachable(reach: &[String]) -> bool {
    reach.iter().any(|w| w.eq_ignore_ascii_case("reachable"))
        && !reach
            .iter()
            .any(|w| w.eq_ignore_ascii_case("not reachable"))
}

fn active_interface_check(facts: &Facts) -> Check {
    let id = "macos-active-interface";
    let state = match part(facts, id, "the active interfaces (scutil --nwi)", |m| {
        &m.network_state
    }) {
        Ok(state) => state,
        Err(check) => return check,
    };
    let Some(primary) = state.ipv4.first() else {
        return Check::new(
            id,
            Status::Fail,
            "no active IPv4 interface: the device has no network GSA can use (GSA's edges are IPv4 only)",
        )
        .evidence(state.interfaces.iter().map(|i| format!("active: {i}")))
        .remedy("connect to a network (Wi-Fi or Ethernet)");
    };
    let gateway = facts
        .snapshot
        .routes
        .get()
        .and_then(|r| {
            r.routes.iter().find(|route| {
                route.destination.prefix_len() == 0
                    && route.destination.addr().is_ipv4()
                    && route.interface.as_deref() == Some(primary.name.as_str())
            })
        })
        .and_then(|route| route.gateway);
    let mut evidence = vec![format!(
        "primary IPv4 interface {}: address {}, flags {}, reach {}",
        primary.name,
        if primary.addresses.is_empty() {
            "none".to_string()
        } else {
            primary.addresses.join(", ")
        },
        primary.flags.join(","),
        primary.reach.join(",")
    )];
    if let Some(gateway) = gateway {
        evidence.push(format!("default route via {gateway}"));
    }
    if !state.interfaces.is_empty() {
        evidence.push(format!("active interfaces: {}", state.interfaces.join(" ")));
    }
    if primary.name.starts_with("utun") {
        evidence.push(format!(
            "{} is a tunnel: another VPN carries the default route",
            primary.name
        ));
    }
    if is_reachable(&primary.reach) {
        Check::new(
            id,
            Status::Pass,
            format!("active interface {} is reachable", primary.name),
        )
        .evidence(evidence)
    } else {
        Check::new(
            id,
            Status::Warn,
            format!(
                "active interface {} is not reachable ({})",
                primary.name,
                primary.reach.join(",")
            ),
        )
        .evidence(evidence)
        .remedy("check the network connection (Wi-Fi or Ethernet); a captive portal must be passed first")
    }
}

/// GSA's own resolvers, from the knowledge base.
fn gsa_resolvers(facts: &Facts) -> Vec<IpAddr> {
    facts
        .knowledge
        .macos_names(Vendor::Gsa, MacosComponentKind::Resolver)
        .into_iter()
        .filter_map(|a| a.parse().ok())
        .collect()
}

fn is_gsa_resolver(gsa: &[IpAddr], server: &str) -> bool {
    server
        .split('%')
        .next()
        .and_then(|a| a.trim().parse::<IpAddr>().ok())
        .is_some_and(|a| gsa.contains(&a))
}

/// Which `utun` is GSA's, and why: the interface a resolver on GSA's own resolver address is
/// scoped to, else the interface a route for GSA's synthetic range leaves through. Another
/// vendor's utun is never taken: the knowledge base names none of these for them.
fn gsa_tunnel(facts: &Facts) -> Option<(String, String)> {
    let gsa = gsa_resolvers(facts);
    let settings = facts.snapshot.settings.get()?;
    let from_dns = settings
        .macos
        .value()
        .and_then(|m| m.resolvers.value())
        .and_then(|list| {
            list.iter().find_map(|r| {
                let interface = r.interface.as_deref().filter(|i| i.starts_with("utun"))?;
                let server = r.nameservers.iter().find(|s| is_gsa_resolver(&gsa, s))?;
                Some((
                    interface.to_string(),
                    format!(
                        "{} resolver #{} sends DNS to GSA's resolver {server} through {interface}",
                        r.section, r.number
                    ),
                ))
            })
        });
    if from_dns.is_some() {
        return from_dns;
    }
    let synthetic: Vec<_> = facts
        .knowledge
        .file
        .synthetic_ranges
        .iter()
        .filter(|r| r.vendor == Vendor::Gsa)
        .map(|r| r.cidr)
        .collect();
    facts.snapshot.routes.get().and_then(|routes| {
        routes.routes.iter().find_map(|route| {
            let interface = route
                .interface
                .as_deref()
                .filter(|i| i.starts_with("utun"))?;
            let range = synthetic.iter().find(|net| {
                route.destination.prefix_len() > 0
                    && (net.contains(&route.destination) || route.destination.contains(*net))
            })?;
            Some((
                interface.to_string(),
                format!(
                    "route {} (GSA's synthetic range {range}) leaves through {interface}",
                    route.destination
                ),
            ))
        })
    })
}

fn tunnel_interface_check(facts: &Facts) -> Check {
    let id = "macos-tunnel-interface";
    let state = match part(facts, id, "the active interfaces (scutil --nwi)", |m| {
        &m.network_state
    }) {
        Ok(state) => state,
        Err(check) => return check,
    };
    let tunnels: Vec<&str> = state
        .interfaces
        .iter()
        .map(String::as_str)
        .filter(|i| i.starts_with("utun"))
        .collect();
    let listed = if tunnels.is_empty() {
        "active tunnels: none".to_string()
    } else {
        format!("active tunnels: {}", tunnels.join(" "))
    };
    match gsa_tunnel(facts) {
        Some((interface, why)) => {
            let active = state.interfaces.contains(&interface)
                || facts
                    .snapshot
                    .interfaces
                    .get()
                    .is_some_and(|all| all.iter().any(|i| i.name == interface && i.up));
            if active {
                Check::new(
                    id,
                    Status::Pass,
                    format!("GSA's tunnel interface {interface} is up"),
                )
                .evidence(vec![why, listed])
            } else {
                Check::new(
                    id,
                    Status::Fail,
                    format!("GSA's tunnel interface {interface} is not active"),
                )
                .evidence(vec![why, listed])
                .remedy("restart the Global Secure Access client (quit it from the menu bar and open it again)")
            }
        }
        None if gsa_installed(facts) => Check::new(
            id,
            Status::Warn,
            "no utun shows as GSA's: no resolver on GSA's own address and no route for its synthetic range leaves through one",
        )
        .evidence(vec![
            listed,
            "ssetop tells GSA's utun by GSA's resolver (scutil --dns) or a route for 6.6.0.0/16; with Private DNS and FQDN rules off neither may exist".into(),
        ])
        .remedy("check that the GSA client is connected (macos-transparent-proxy); if it is, compare with the client's own Health check"),
        None => Check::new(
            id,
            Status::Skip,
            "GSA's macOS client is not installed (no tunnel interface to look for)",
        )
        .evidence(vec![listed]),
    }
}

fn describe_resolver(r: &DnsResolver, gsa: &[IpAddr]) -> String {
    let servers: Vec<String> = r
        .nameservers
        .iter()
        .map(|s| {
            if is_gsa_resolver(gsa, s) {
                format!("{s} (GSA's resolver)")
            } else {
                s.clone()
            }
        })
        .collect();
    let mut line = format!("{} resolver #{}", r.section, r.number);
    if let Some(domain) = &r.domain {
        line.push_str(&format!(" for {domain}"));
    }
    line.push_str(&format!(
        ": {}",
        if servers.is_empty() {
            "no server".to_string()
        } else {
            servers.join(", ")
        }
    ));
    if let Some(interface) = &r.interface {
        line.push_str(&format!(" via {interface}"));
    }
    if let Some(port) = r.port {
        line.push_str(&format!(", port {port}"));
    }
    if !r.search_domains.is_empty() {
        line.push_str(&format!(", search {}", r.search_domains.join(" ")));
    }
    line
}

fn dns_servers_check(facts: &Facts) -> Check {
    let id = "dns-servers";
    let list = match part(facts, id, "the DNS configuration (scutil --dns)", |m| {
        &m.resolvers
    }) {
        Ok(list) => list,
        Err(check) => return check,
    };
    let gsa = gsa_resolvers(facts);
    let evidence: Vec<String> = list
        .iter()
        .filter(|r| !r.nameservers.is_empty())
        .map(|r| describe_resolver(r, &gsa))
        .collect();
    let default: Vec<&DnsResolver> = list
        .iter()
        .filter(|r| r.section == "default" && r.domain.is_none() && !r.nameservers.is_empty())
        .collect();
    let Some(first) = default.first() else {
        return Check::new(
            id,
            Status::Fail,
            "no DNS server for every name: scutil --dns lists no default resolver with a server",
        )
        .evidence(evidence)
        .remedy("check the network's DHCP or the DNS servers in System Settings > Network > (interface) > Details > DNS");
    };
    let uses_gsa = list
        .iter()
        .any(|r| r.nameservers.iter().any(|s| is_gsa_resolver(&gsa, s)));
    let mut evidence = evidence;
    evidence.push(if uses_gsa {
        "GSA's own resolver is configured (Private DNS through GSA)".into()
    } else {
        "no resolver names GSA's own address: GSA's Private DNS is not in use".into()
    });
    Check::new(
        id,
        Status::Pass,
        format!(
            "DNS servers {}{}",
            first.nameservers.join(", "),
            first
                .interface
                .as_deref()
                .map(|i| format!(" via {i}"))
                .unwrap_or_default()
        ),
    )
    .evidence(evidence)
}

/// A resolver's sign of DNS over TLS or HTTPS, as `scutil --dns` can show it.
fn encrypted_sign(r: &DnsResolver) -> Option<String> {
    match r.port {
        Some(853) => return Some("port 853 (DNS over TLS)".into()),
        Some(443) => return Some("port 443 (DNS over HTTPS)".into()),
        _ => {}
    }
    [r.flags.as_deref(), r.options.as_deref()]
        .into_iter()
        .flatten()
        .find(|text| {
            let lower = text.to_ascii_lowercase();
            ["encrypted", "https", "tls", "doh", "dot"].iter().any(|w| {
                lower
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|t| t == *w)
            })
        })
        .map(|text| format!("\"{text}\""))
}

fn dns_encrypted_check(facts: &Facts) -> Check {
    let id = "dns-encrypted";
    let list = match part(facts, id, "the DNS configuration (scutil --dns)", |m| {
        &m.resolvers
    }) {
        Ok(list) => list,
        Err(check) => return check,
    };
    let gsa = gsa_resolvers(facts);
    let encrypted: Vec<String> = list
        .iter()
        .filter_map(|r| {
            encrypted_sign(r).map(|sign| format!("{}: {sign}", describe_resolver(r, &gsa)))
        })
        .collect();
    if encrypted.is_empty() {
        Check::new(
            id,
            Status::Skip,
            "not observable from the device without a connection: scutil --dns shows no DNS over TLS or HTTPS, but an encrypted-DNS profile or a browser's own DoH need not show there, and ssetop opens no connection to port 853 to find out",
        )
        .evidence(vec![format!(
            "{} resolver(s) read, none on port 853 or 443 or flagged encrypted",
            list.len()
        )])
    } else {
        Check::new(
            id,
            Status::Warn,
            format!(
                "encrypted DNS is configured: GSA cannot see the names resolved through it ({})",
                encrypted.first().map(String::as_str).unwrap_or_default()
            ),
        )
        .evidence(encrypted)
        .remedy("remove the encrypted-DNS configuration profile (System Settings > General > Device Management, or the MDM's DNS Settings payload) so that GSA sees the names it acquires")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;
    use crate::snapshot::{NetworkState, NwiInterface, ProfileFile};

    // Real-shaped values, as the collector's parsers read them from the tools' output (the
    // parsers' own tests hold the recorded output).
    fn ext(bundle_id: &str, state: &str) -> SystemExtension {
        SystemExtension {
            category: Some("com.apple.system_extension.network_extension".into()),
            enabled: state.contains("enabled"),
            active: state.starts_with("activated"),
            team_id: Some("UBF8T346G9".into()),
            bundle_id: bundle_id.into(),
            version: Some("1.1.25060501/1.1.25060501".into()),
            name: "Global Secure Access Network Extension".into(),
            state: state.into(),
        }
    }

    fn svc(status: &str, provider: &str, detail: &str) -> NetworkService {
        NetworkService {
            enabled: true,
            status: status.into(),
            id: "4B2A1C3D-0E5F-4A6B-8C7D-9E0F1A2B3C4D".into(),
            kind: "VPN".into(),
            provider: Some(provider.into()),
            name: "Global Secure Access".into(),
            detail: Some(detail.into()),
        }
    }

    fn nwi(name: &str, address: &str, reach: &[&str]) -> NwiInterface {
        NwiInterface {
            name: name.into(),
            flags: vec!["IPv4".into(), "DNS".into()],
            addresses: vec![address.into()],
            reach: reach.iter().map(|r| r.to_string()).collect(),
            vpn_server: None,
        }
    }

    fn resolver(number: u32, servers: &[&str], interface: &str) -> DnsResolver {
        DnsResolver {
            section: "default".into(),
            number,
            nameservers: servers.iter().map(|s| s.to_string()).collect(),
            interface: Some(interface.into()),
            flags: Some("Request A records".into()),
            ..DnsResolver::default()
        }
    }

    /// A Mac with GSA's current client connected.
    fn mac() -> MacosSettings {
        MacosSettings {
            system_extensions: Reading::Value(vec![
                ext(
                    "com.microsoft.globalsecureaccess.tunnel",
                    "activated enabled",
                ),
                ext(
                    "com.microsoft.naas.globalsecure.tunnel-df",
                    "terminated waiting to uninstall on reboot",
                ),
            ]),
            network_services: Reading::Value(vec![svc(
                "Connected",
                "com.microsoft.globalsecureaccess.tunnel",
                "VPN:com.microsoft.globalsecureaccess",
            )]),
            network_state: Reading::Value(NetworkState {
                ipv4: vec![nwi("en0", "192.168.1.23", &["Reachable"])],
                ipv6: vec![],
                interfaces: vec!["en0".into(), "utun5".into()],
            }),
            resolvers: Reading::Value(vec![
                resolver(1, &["192.168.1.1"], "en0"),
                DnsResolver {
                    domain: Some("contoso.local".into()),
                    ..resolver(2, &["6.6.255.254"], "utun5")
                },
            ]),
            profile_file: Reading::Missing("not found".into()),
        }
    }

    fn device(edit: impl FnOnce(&mut MacosSettings)) -> Snapshot {
        let mut macos = mac();
        edit(&mut macos);
        Device::new("macos")
            .route("0.0.0.0/0", "en0", Some("192.168.1.1"), 0)
            .settings(|s| s.macos = Reading::Value(macos))
            .build()
    }

    fn check(snapshot: &Snapshot, id: &str) -> Check {
        find(&checks(snapshot, None), id).clone()
    }

    const IDS: [&str; 6] = [
        "macos-system-extension",
        "macos-transparent-proxy",
        "macos-active-interface",
        "macos-tunnel-interface",
        "dns-servers",
        "dns-encrypted",
    ];

    #[test]
    fn a_connected_mac_passes_every_row_it_can_observe_and_says_dns_encryption_is_not() {
        let s = device(|_| {});
        for id in &IDS[..5] {
            let c = check(&s, id);
            assert_eq!(c.status, Status::Pass, "{c:#?}");
        }
        let c = check(&s, "macos-tunnel-interface");
        assert!(c.summary.contains("utun5"), "{c:#?}");
        assert!(c.evidence[0].contains("6.6.255.254"), "{c:#?}");
        let c = check(&s, "macos-active-interface");
        assert!(
            c.evidence.iter().any(|e| e.contains("via 192.168.1.1")),
            "{c:#?}"
        );
        let c = check(&s, "dns-encrypted");
        assert_eq!(c.status, Status::Skip);
        assert!(c.summary.contains("not observable"), "{c:#?}");
    }

    #[test]
    fn on_other_oses_every_macos_row_is_skipped_with_the_collectors_reason() {
        let s = Device::windows()
            .settings(|s| {
                s.macos = Reading::NotApplicable("GSA's macOS client state is read on macOS".into())
            })
            .build();
        for id in IDS {
            let c = check(&s, id);
            assert_eq!(c.status, Status::Skip, "{c:#?}");
            assert!(c.summary.contains("macOS"), "{c:#?}");
        }
    }

    #[test]
    fn the_older_generation_alone_is_recognised_too() {
        let s = device(|m| {
            m.system_extensions = Reading::Value(vec![ext(
                "com.microsoft.naas.globalsecure.tunnel-df",
                "activated enabled",
            )]);
            m.network_services = Reading::Value(vec![svc(
                "Connected",
                "com.microsoft.naas.globalsecure.tunnel-df",
                "VPN:com.microsoft.naas.globalsecure-df",
            )]);
        });
        assert_eq!(check(&s, "macos-system-extension").status, Status::Pass);
        assert_eq!(check(&s, "macos-transparent-proxy").status, Status::Pass);
    }

    #[test]
    fn an_extension_waiting_for_approval_warns_and_a_terminated_one_fails() {
        let with_state = |state: &str| {
            device(|m| {
                m.system_extensions =
                    Reading::Value(vec![ext("com.microsoft.globalsecureaccess.tunnel", state)])
            })
        };
        let c = check(
            &with_state("activated waiting for user"),
            "macos-system-extension",
        );
        assert_eq!(c.status, Status::Warn, "{c:#?}");
        assert!(c.remedy.is_some());
        let c = check(
            &with_state("terminated waiting to uninstall on reboot"),
            "macos-system-extension",
        );
        assert_eq!(c.status, Status::Fail, "{c:#?}");
    }

    #[test]
    fn no_gsa_extension_skips_without_the_client_and_fails_with_it_running() {
        let s = device(|m| {
            m.system_extensions = Reading::Value(vec![]);
            m.network_services = Reading::Value(vec![]);
            m.resolvers = Reading::Value(vec![resolver(1, &["192.168.1.1"], "en0")]);
        });
        for id in [
            "macos-system-extension",
            "macos-transparent-proxy",
            "macos-tunnel-interface",
        ] {
            assert_eq!(check(&s, id).status, Status::Skip, "{id}");
        }
        let mut running = s.clone();
        if let Some(p) = running.processes.data.as_mut() {
            p.push(crate::snapshot::Process {
                pid: 700,
                parent: None,
                name: "com.microsoft.globalsecureaccess.tunnel".into(),
                exe: None,
                cmdline: None,
                command: None,
                started_at: None,
                user: None,
            });
        }
        assert_eq!(
            check(&running, "macos-system-extension").status,
            Status::Fail
        );
        assert_eq!(
            check(&running, "macos-transparent-proxy").status,
            Status::Fail
        );
        assert_eq!(
            check(&running, "macos-tunnel-interface").status,
            Status::Warn
        );
    }

    #[test]
    fn the_proxy_disconnected_fails_connecting_warns_and_an_unreadable_tool_warns() {
        let with_status = |status: &str| {
            device(|m| {
                m.network_services = Reading::Value(vec![svc(
                    status,
                    "com.microsoft.globalsecureaccess.tunnel",
                    "VPN:com.microsoft.globalsecureaccess",
                )])
            })
        };
        assert_eq!(
            check(&with_status("Disconnected"), "macos-transparent-proxy").status,
            Status::Fail
        );
        assert_eq!(
            check(&with_status("Invalid"), "macos-transparent-proxy").status,
            Status::Fail
        );
        assert_eq!(
            check(&with_status("Connecting"), "macos-transparent-proxy").status,
            Status::Warn
        );
        let s = device(|m| {
            m.network_services = Reading::Unavailable("/usr/sbin/scutil timed out".into())
        });
        let c = check(&s, "macos-transparent-proxy");
        assert_eq!(c.status, Status::Warn);
        assert!(c.summary.contains("timed out"), "{c:#?}");
    }

    #[test]
    fn no_active_interface_fails_and_an_unreachable_one_warns() {
        let s = device(|m| m.network_state = Reading::Value(NetworkState::default()));
        assert_eq!(check(&s, "macos-active-interface").status, Status::Fail);
        let s = device(|m| {
            m.network_state = Reading::Value(NetworkState {
                ipv4: vec![nwi("en0", "192.168.1.23", &["Not Reachable"])],
                ..NetworkState::default()
            })
        });
        assert_eq!(check(&s, "macos-active-interface").status, Status::Warn);
    }

    #[test]
    fn gsas_tunnel_is_found_by_a_route_for_its_synthetic_range_and_fails_when_not_active() {
        let s = {
            let mut macos = mac();
            macos.resolvers = Reading::Value(vec![resolver(1, &["192.168.1.1"], "en0")]);
            Device::new("macos")
                .route("6.6.0.0/16", "utun7", None, 0)
                .settings(|s| s.macos = Reading::Value(macos))
                .build()
        };
        let c = check(&s, "macos-tunnel-interface");
        assert_eq!(c.status, Status::Fail, "{c:#?}");
        assert!(c.summary.contains("utun7"), "{c:#?}");
        assert!(c.evidence[0].contains("6.6.0.0/16"), "{c:#?}");
    }

    #[test]
    fn no_default_resolver_fails_and_an_encrypted_one_warns() {
        let s = device(|m| {
            m.resolvers = Reading::Value(vec![DnsResolver {
                section: "default".into(),
                number: 1,
                domain: Some("local".into()),
                options: Some("mdns".into()),
                ..DnsResolver::default()
            }])
        });
        assert_eq!(check(&s, "dns-servers").status, Status::Fail);
        let s = device(|m| {
            m.resolvers = Reading::Value(vec![DnsResolver {
                port: Some(853),
                ..resolver(1, &["1.1.1.1"], "en0")
            }])
        });
        let c = check(&s, "dns-encrypted");
        assert_eq!(c.status, Status::Warn, "{c:#?}");
        assert!(c.evidence[0].contains("DNS over TLS"), "{c:#?}");
        let c = check(&s, "dns-servers");
        assert_eq!(c.status, Status::Pass);
        assert!(c.summary.contains("1.1.1.1 via en0"), "{c:#?}");
    }

    #[test]
    fn the_cached_profile_is_judged_by_forwarding_profile_with_its_file_and_time() {
        let path =
            "/private/var/root/Library/Preferences/com.microsoft.naas.globalsecure.tunnel-df.plist";
        let s = Device::new("macos")
            .settings(|s| {
                s.forwarding_profile = Reading::Value(crate::snapshot::ProfileText {
                    origin: format!("cache:{path}"),
                    json: profile_json(&[("m365", true)], ""),
                    timestamp: Some("2026-11-20T08:00:00Z".into()),
                });
                s.macos = Reading::Value(MacosSettings {
                    profile_file: Reading::Value(ProfileFile {
                        path: path.into(),
                        size: 4096,
                        modified: "2026-11-20T08:00:00Z".parse().ok(),
                        format: "binary".into(),
                        keys: vec!["ForwardingProfile".into()],
                        profile_key: Some("ForwardingProfile".into()),
                    }),
                    ..MacosSettings::default()
                });
            })
            .build();
        let c = check(&s, "forwarding-profile");
        assert!(c.summary.contains(path), "{c:#?}");
        assert!(
            c.evidence
                .iter()
                .any(|e| e == "cached file modified 2026-11-20T08:00:00Z"),
            "{c:#?}"
        );
    }

    #[test]
    fn a_snapshot_with_macos_state_survives_a_json_round_trip_and_old_captures_load() {
        let s = device(|_| {});
        let json = serde_json::to_string(&s).unwrap();
        let back: Snapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        // A capture written before the macOS state: `macos` is absent and reads as not read.
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value["settings"]["data"]
            .as_object_mut()
            .unwrap()
            .remove("macos")
            .unwrap();
        let old: Snapshot = serde_json::from_value(value).unwrap();
        let settings = old.settings.get().unwrap();
        assert!(matches!(settings.macos, Reading::NotApplicable(_)));
    }
}
