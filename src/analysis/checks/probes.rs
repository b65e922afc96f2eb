//! `edge-reachable:<channel>`, `diagnostic-uri:<channel>` and `internet`: GSA's Health check rows
//! "Edge is reachable", "Tunneling succeeded" and "Can connect to the internet", judged from the
//! opt-in probes (`--probe`) the snapshot recorded. Without them each is `skip`, and still
//! listed. [`plan`] says what to probe (the forwarding profile's edges and `diagnosticUri`s,
//! else the knowledge base's tenant edge names); the live side probes, the snapshot records.

use std::net::SocketAddr;

use crate::analysis::attribution::Attributor;
use crate::analysis::facts::Facts;
use crate::analysis::profile::RuleAction;
use crate::assessment::{Carrier, Check, Status};
use crate::knowledge::{Channel, SetupId, Vendor};
use crate::snapshot::{ProbeKind, ProbeOutcome, ProbeResult, ProbeTarget, Protocol, Socket};

/// GSA's traffic channels, in the order their checks are listed.
const CHANNELS: [Channel; 3] = [Channel::M365, Channel::Internet, Channel::Private];

/// What to probe: per GSA channel its edges and its `diagnosticUri`, or, where one cannot be
/// probed, a target with the reason (`skip`), so that the check can say why.
pub(crate) fn plan(facts: &Facts, setup: SetupId) -> Vec<ProbeTarget> {
    let port = facts.knowledge.file.gsa.tunnel_port;
    let tenant = facts
        .snapshot
        .settings
        .get()
        .and_then(|s| s.tenant_id.value())
        .map(|t| t.id.clone());
    let setup_channels = facts
        .knowledge
        .setup(setup)
        .map(|s| s.gsa_channels.clone())
        .unwrap_or_else(|| CHANNELS.to_vec());
    let mut targets = Vec::new();
    for channel in CHANNELS {
        let target =
            |kind, role: Option<&str>, host: String, port, url, skip: Option<String>| ProbeTarget {
                kind,
                channel: Some(channel.id().to_string()),
                role: role.map(str::to_string),
                host,
                port,
                url,
                skip,
            };
        let skipped = |kind, why: String| target(kind, None, String::new(), 0, None, Some(why));
        match facts.parsed_profile() {
            Some(profile) => match profile.channel(channel) {
                Some(c) if c.enabled => {
                    let edges: Vec<_> = c
                        .primary_edges
                        .iter()
                        .map(|e| ("primary", e))
                        .chain(c.secondary_edges.iter().map(|e| ("secondary", e)))
                        .collect();
                    if edges.is_empty() {
                        targets.push(skipped(
                            ProbeKind::EdgeReachable,
                            format!("the forwarding profile names no edge for {channel}"),
                        ));
                    }
                    for (role, e) in edges {
                        targets.push(target(
                            ProbeKind::EdgeReachable,
                            Some(role),
                            e.address.clone(),
                            e.port.unwrap_or(port),
                            None,
                            None,
                        ));
                    }
                    targets.push(match &c.diagnostic_uri {
                        Some(uri) => target(
                            ProbeKind::DiagnosticUri,
                            None,
                            String::new(),
                            0,
                            Some(uri.clone()),
                            None,
                        ),
                        None => skipped(
                            ProbeKind::DiagnosticUri,
                            format!("the forwarding profile has no diagnosticUri for {channel}"),
                        ),
                    });
                }
                found => {
                    let why = if found.is_some() {
                        format!("channel {channel} is disabled in the forwarding profile")
                    } else {
                        format!("channel {channel} is not in the forwarding profile")
                    };
                    targets.push(skipped(ProbeKind::EdgeReachable, why.clone()));
                    targets.push(skipped(ProbeKind::DiagnosticUri, why));
                }
            },
            None => {
                let why = if !setup_channels.contains(&channel) {
                    Some(format!(
                        "no forwarding profile, and this setup does not use GSA's {channel} channel"
                    ))
                } else if tenant.is_none() {
                    Some(
                        "no forwarding profile and no tenant id (--tenant-id) to name the edges"
                            .into(),
                    )
                } else {
                    None
                };
                match (why, &tenant) {
                    (None, Some(tenant)) => {
                        for name in facts.knowledge.file.gsa.edge_names.iter().filter(|n| {
                            n.channel == Some(channel) && n.needs_tenant() && n.required
                        }) {
                            targets.push(target(
                                ProbeKind::EdgeReachable,
                                Some("primary"),
                                name.name.replace("{tenant}", tenant),
                                port,
                                None,
                                None,
                            ));
                        }
                    }
                    (why, _) => {
                        targets.push(skipped(ProbeKind::EdgeReachable, why.unwrap_or_default()))
                    }
                }
                targets.push(skipped(
                    ProbeKind::DiagnosticUri,
                    "no forwarding profile: the diagnosticUri is in it".into(),
                ));
            }
        }
    }
    targets
}

/// The three families of checks, one per channel for the first two.
pub(super) fn probe_checks(facts: &Facts, attributor: &Attributor) -> Vec<Check> {
    let mut checks = Vec::new();
    let results = facts.snapshot.probes.get();
    for kind in [ProbeKind::EdgeReachable, ProbeKind::DiagnosticUri] {
        for channel in CHANNELS {
            let id = match kind {
                ProbeKind::EdgeReachable => format!("edge-reachable:{channel}"),
                _ => format!("diagnostic-uri:{channel}"),
            };
            let Some(results) = results else {
                checks.push(not_probed(facts, id));
                continue;
            };
            let mine: Vec<&ProbeResult> = results
                .iter()
                .filter(|r| {
                    r.target.kind == kind && r.target.channel.as_deref() == Some(channel.id())
                })
                .collect();
            checks.push(match kind {
                ProbeKind::EdgeReachable => edge_check(facts, attributor, id, &mine),
                _ => match mine.first() {
                    Some(result) => {
                        let observed = observe(facts, attributor, result);
                        judge_diagnostic(id, result, observed.as_ref(), expects_gsa(facts, result))
                    }
                    None => Check::new(id, Status::Skip, "nothing was planned for this channel"),
                },
            });
        }
    }
    checks.push(match results {
        None => not_probed(facts, "internet".into()),
        Some(results) => match results
            .iter()
            .find(|r| r.target.kind == ProbeKind::Internet)
        {
            Some(result) => {
                let observed = observe(facts, attributor, result);
                judge_internet(
                    result,
                    observed.as_ref(),
                    &facts.knowledge.file.connectivity,
                )
            }
            None => Check::new("internet", Status::Skip, "the internet probe did not run"),
        },
    });
    checks
}

fn not_probed(facts: &Facts, id: String) -> Check {
    let why = facts
        .snapshot
        .probes
        .reason
        .clone()
        .unwrap_or_else(|| facts.snapshot.probes.describe());
    Check::new(id, Status::Skip, why)
}

/// The carrier of a probe's socket, as the attribution engine says.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Observed {
    pub carrier: Carrier,
    /// `gsa/m365 via eth0 (likely)` and where the socket was found.
    pub text: String,
}

/// Finds the probe's socket in the snapshot's socket table (the collection ran while it was
/// open) and attributes it; a socket the table missed is attributed as a new connection.
fn observe(facts: &Facts, attributor: &Attributor, result: &ProbeResult) -> Option<Observed> {
    let (local, remote) = (result.local?, result.remote?);
    let found = facts
        .sockets()
        .iter()
        .find(|s| s.local == local && s.remote == Some(remote));
    // Results carried over from an earlier probe (the dashboard keeps them until the next
    // `P`): their sockets are closed by now, which is no finding.
    let carried_over = result.carried;
    let synthetic;
    let (socket, note) = match found {
        Some(socket) => (socket, "found in the socket table"),
        None => {
            synthetic = Socket {
                protocol: Protocol::Tcp,
                local,
                remote: Some(remote),
                state: Some("ESTABLISHED".into()),
                pids: Vec::new(),
                uid: None,
            };
            (
                &synthetic,
                if carried_over {
                    "from an earlier probe, its socket closed since: attributed as a new connection"
                } else {
                    "not in the socket table: attributed as a new connection"
                },
            )
        }
    };
    let attribution = attributor.attribute(socket);
    let carrier = match attribution.channel {
        Some(channel) => format!("{}/{channel}", attribution.carrier.id()),
        None => attribution.carrier.id().to_string(),
    };
    let via = attribution
        .interface
        .as_deref()
        .map(|i| format!(" via {i}"))
        .unwrap_or_default();
    Some(Observed {
        carrier: attribution.carrier,
        text: format!(
            "probe socket {local} → {remote} carried by {carrier}{via} ({}, {note})",
            attribution.confidence.id()
        ),
    })
}

/// Whether GSA runs and its forwarding profile tunnels the probe's destination.
fn expects_gsa(facts: &Facts, result: &ProbeResult) -> bool {
    let (Some(remote), Some(profile)) = (result.remote, facts.parsed_profile()) else {
        return false;
    };
    let host = result
        .target
        .url
        .as_deref()
        .and_then(|u| crate::probe::http::parse_url(u).ok())
        .map(|u| u.host);
    facts.is_running(Vendor::Gsa)
        && profile
            .find(remote.ip(), Protocol::Tcp, remote.port(), host.as_deref())
            .is_some_and(|rule| rule.action == RuleAction::Tunnel)
}

fn elapsed(result: &ProbeResult) -> String {
    result
        .elapsed_ms
        .map(|ms| format!(" in {ms} ms"))
        .unwrap_or_default()
}

fn address(remote: Option<SocketAddr>) -> String {
    remote.map_or_else(|| "address unknown".into(), |r| r.to_string())
}

fn failure(outcome: &ProbeOutcome) -> Option<String> {
    match outcome {
        ProbeOutcome::Refused { reason } => Some(format!("refused: {reason}")),
        ProbeOutcome::TimedOut { reason } => Some(format!("timed out: {reason}")),
        ProbeOutcome::Failed { reason } => Some(format!("failed: {reason}")),
        _ => None,
    }
}

fn edge_check(
    facts: &Facts,
    attributor: &Attributor,
    id: String,
    results: &[&ProbeResult],
) -> Check {
    let probed: Vec<&&ProbeResult> = results
        .iter()
        .filter(|r| !matches!(r.outcome, ProbeOutcome::NotProbed { .. }))
        .collect();
    if probed.is_empty() {
        let why = results
            .iter()
            .find_map(|r| match &r.outcome {
                ProbeOutcome::NotProbed { reason } => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "no edge to probe".into());
        return Check::new(id, Status::Skip, why);
    }
    let mut evidence = Vec::new();
    let mut reached = 0;
    for r in &probed {
        let role = r.target.role.as_deref().unwrap_or("edge");
        let edge = format!("{role} edge {}:{}", r.target.host, r.target.port);
        match failure(&r.outcome) {
            None => {
                reached += 1;
                let carrier = observe(facts, attributor, r)
                    .map(|o| format!("; {}", o.text))
                    .unwrap_or_default();
                evidence.push(format!(
                    "{edge} ({}): connected{}{carrier}",
                    address(r.remote),
                    elapsed(r)
                ));
            }
            Some(why) => evidence.push(format!("{edge} ({}): {why}", address(r.remote))),
        }
    }
    let remedy = "let GSA's edges through on TCP 443 over IPv4: bypass *.globalsecureaccess.microsoft.com in the other client and allow it in the firewall; then GSA's Advanced Diagnostics > Health check";
    let total = probed.len();
    if reached == total {
        Check::new(id, Status::Pass, format!("every edge answered ({total})")).evidence(evidence)
    } else if reached > 0 {
        Check::new(
            id,
            Status::Warn,
            format!("{} of {total} edges unreachable", total - reached),
        )
        .evidence(evidence)
        .remedy(remedy)
    } else {
        Check::new(id, Status::Fail, "no edge of this channel is reachable")
            .evidence(evidence)
            .remedy(remedy)
    }
}

/// "Tunneling succeeded": HTTP 200 with the body `pong`, through GSA's tunnel where GSA runs
/// and its profile tunnels the address (`expects_gsa`).
pub(super) fn judge_diagnostic(
    id: String,
    result: &ProbeResult,
    observed: Option<&Observed>,
    expects_gsa: bool,
) -> Check {
    let url = result.target.url.clone().unwrap_or_default();
    let mut evidence = Vec::new();
    let remedy = "open GSA's Advanced Diagnostics > Health check; check that nothing between the device and GSA's edge (another client's tunnel, a proxy, the firewall) answers or redirects in its place";
    let (status, body, location, issuer) = match &result.outcome {
        ProbeOutcome::NotProbed { reason } => return Check::new(id, Status::Skip, reason.clone()),
        ProbeOutcome::Http {
            status,
            body,
            location,
            issuer,
        } => (*status, body, location, issuer),
        other => {
            let why = failure(other).unwrap_or_else(|| "no HTTP answer".into());
            evidence.push(format!("GET {url} ({}): {why}", address(result.remote)));
            evidence.extend(observed.map(|o| o.text.clone()));
            return Check::new(
                id,
                Status::Fail,
                format!("the diagnostic URI did not answer ({why})"),
            )
            .evidence(evidence)
            .remedy(remedy);
        }
    };
    evidence.push(format!(
        "GET {url} ({}): HTTP {status}{}",
        address(result.remote),
        elapsed(result)
    ));
    if let Some(issuer) = issuer {
        evidence.push(format!("TLS certificate issued by {issuer}"));
    }
    evidence.extend(observed.map(|o| o.text.clone()));
    if (300..400).contains(&status) {
        evidence.push(format!(
            "Location: {}",
            location.as_deref().unwrap_or("(none)")
        ));
        return Check::new(
            id,
            Status::Fail,
            format!("the diagnostic URI redirected (HTTP {status}): redirects are not followed"),
        )
        .evidence(evidence)
        .remedy(remedy);
    }
    if status != 200 || body.trim() != "pong" {
        evidence.push(format!(
            "body: {:?}",
            body.chars().take(80).collect::<String>()
        ));
        return Check::new(
            id,
            Status::Fail,
            format!("the diagnostic URI answered HTTP {status} without pong"),
        )
        .evidence(evidence)
        .remedy(remedy);
    }
    match observed {
        Some(o) if expects_gsa && o.carrier != Carrier::Gsa => Check::new(
            id,
            Status::Warn,
            format!(
                "pong, but the probe went through {}, not GSA's tunnel",
                o.carrier.id()
            ),
        )
        .evidence(evidence)
        .remedy("GSA's forwarding profile tunnels this address: the other client or a route took it first; exclude GSA's traffic from the other client"),
        _ => Check::new(id, Status::Pass, "the diagnostic URI answered pong").evidence(evidence),
    }
}

/// "Can connect to the internet": the OS's verdict, or the connectivity-test URL's answer.
pub(super) fn judge_internet(
    result: &ProbeResult,
    observed: Option<&Observed>,
    test: &crate::knowledge::Connectivity,
) -> Check {
    let id = "internet";
    let remedy = "check the network connection, a captive portal, and the proxy settings";
    match &result.outcome {
        ProbeOutcome::OsVerdict { source, verdict } => {
            let evidence = vec![format!("{source}: {verdict}")];
            let (status, summary) = match verdict.as_str() {
                "full" => (Status::Pass, "the OS reports full internet connectivity"),
                "portal" => (Status::Warn, "the OS reports a captive portal"),
                "limited" => (Status::Warn, "the OS reports limited connectivity"),
                _ => (Status::Fail, "the OS reports no internet connectivity"),
            };
            let check = Check::new(id, status, summary).evidence(evidence);
            if status == Status::Pass {
                check
            } else {
                check.remedy(remedy)
            }
        }
        ProbeOutcome::Http {
            status,
            body,
            location,
            ..
        } => {
            let url = result.target.url.clone().unwrap_or_default();
            let mut evidence = vec![format!(
                "GET {url} ({}): HTTP {status}{} (no OS verdict read)",
                address(result.remote),
                elapsed(result)
            )];
            evidence.extend(observed.map(|o| o.text.clone()));
            // The knowledge base's connectivity test must give its answer; another URL
            // (`--probe-url`) passes on any 200.
            let expected = (url == test.url).then_some(test.answer.as_str());
            if (300..400).contains(status) {
                evidence.push(format!(
                    "Location: {}",
                    location.as_deref().unwrap_or("(none)")
                ));
                return Check::new(id, Status::Fail, format!("the connectivity test was redirected (HTTP {status}): a captive portal or proxy?"))
                    .evidence(evidence)
                    .remedy(remedy);
            }
            if *status == 200 && expected.is_none_or(|e| body.trim() == e) {
                Check::new(id, Status::Pass, "the connectivity test answered").evidence(evidence)
            } else {
                evidence.push(format!(
                    "body: {:?}",
                    body.chars().take(80).collect::<String>()
                ));
                Check::new(
                    id,
                    Status::Fail,
                    format!(
                        "the connectivity test answered HTTP {status}, not the expected answer"
                    ),
                )
                .evidence(evidence)
                .remedy(remedy)
            }
        }
        ProbeOutcome::NotProbed { reason } => Check::new(id, Status::Skip, reason.clone()),
        other => {
            let why = failure(other).unwrap_or_default();
            Check::new(
                id,
                Status::Fail,
                format!("no internet connectivity ({why})"),
            )
            .evidence([format!(
                "GET {} ({}): {why}",
                result.target.url.clone().unwrap_or_default(),
                address(result.remote)
            )])
            .remedy(remedy)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn diagnostic(outcome: ProbeOutcome) -> ProbeResult {
        ProbeResult {
            target: ProbeTarget {
                kind: ProbeKind::DiagnosticUri,
                channel: Some("m365".into()),
                role: None,
                host: String::new(),
                port: 0,
                url: Some("https://m365.diag.example/ping".into()),
                skip: None,
            },
            local: Some("10.0.0.2:40000".parse().unwrap()),
            remote: Some("150.171.19.10:443".parse().unwrap()),
            elapsed_ms: Some(12),
            outcome,
            carried: false,
        }
    }

    fn http(status: u16, body: &str, location: Option<&str>) -> ProbeOutcome {
        ProbeOutcome::Http {
            status,
            body: body.into(),
            location: location.map(str::to_string),
            issuer: Some("CN=Test CA".into()),
        }
    }

    fn carried_by(carrier: Carrier) -> Observed {
        Observed {
            carrier,
            text: format!("probe socket carried by {}", carrier.id()),
        }
    }

    #[test]
    fn pong_with_surrounding_whitespace_passes_and_names_issuer_and_carrier() {
        let result = diagnostic(http(200, " pong\r\n", None));
        let check = judge_diagnostic(
            "diagnostic-uri:m365".into(),
            &result,
            Some(&carried_by(Carrier::Gsa)),
            true,
        );
        assert_eq!(check.status, Status::Pass, "{check:#?}");
        assert!(
            check
                .evidence
                .iter()
                .any(|e| e.contains("issued by CN=Test CA"))
        );
        assert!(check.evidence.iter().any(|e| e.contains("carried by gsa")));
        assert!(
            check
                .evidence
                .iter()
                .any(|e| e.contains("HTTP 200 in 12 ms"))
        );
    }

    #[test]
    fn an_answer_other_than_pong_fails_with_the_body_in_evidence() {
        let result = diagnostic(http(200, "<html>blocked by policy</html>", None));
        let check = judge_diagnostic("diagnostic-uri:m365".into(), &result, None, false);
        assert_eq!(check.status, Status::Fail);
        assert!(
            check
                .evidence
                .iter()
                .any(|e| e.contains("blocked by policy"))
        );
        let result = diagnostic(http(503, "pong", None));
        let check = judge_diagnostic("diagnostic-uri:m365".into(), &result, None, false);
        assert_eq!(check.status, Status::Fail);
    }

    #[test]
    fn a_301_redirect_fails_and_names_its_location() {
        let result = diagnostic(http(301, "", Some("https://login.portal.example/")));
        let check = judge_diagnostic("diagnostic-uri:m365".into(), &result, None, false);
        assert_eq!(check.status, Status::Fail);
        assert!(check.summary.contains("redirected"), "{check:#?}");
        assert!(
            check
                .evidence
                .contains(&"Location: https://login.portal.example/".to_string())
        );
    }

    #[test]
    fn a_timeout_fails_with_its_reason() {
        let result = diagnostic(ProbeOutcome::TimedOut {
            reason: "no answer within 1500 ms".into(),
        });
        let check = judge_diagnostic("diagnostic-uri:m365".into(), &result, None, false);
        assert_eq!(check.status, Status::Fail);
        assert!(
            check
                .summary
                .contains("timed out: no answer within 1500 ms")
        );
    }

    #[test]
    fn pong_through_another_carrier_where_gsa_tunnels_it_warns_naming_the_carrier() {
        let result = diagnostic(http(200, "pong", None));
        let check = judge_diagnostic(
            "diagnostic-uri:m365".into(),
            &result,
            Some(&carried_by(Carrier::Zscaler)),
            true,
        );
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("zscaler"), "{check:#?}");
        // Where GSA's profile does not tunnel it, another carrier is no finding.
        let check = judge_diagnostic(
            "diagnostic-uri:m365".into(),
            &result,
            Some(&carried_by(Carrier::Zscaler)),
            false,
        );
        assert_eq!(check.status, Status::Pass);
    }

    #[test]
    fn internet_reads_the_os_verdict_or_the_ncsi_answer() {
        let mut result = diagnostic(ProbeOutcome::OsVerdict {
            source: "NetworkManager".into(),
            verdict: "portal".into(),
        });
        result.target.kind = ProbeKind::Internet;
        assert_eq!(
            judge_internet(&result, None, &Knowledge::embedded().file.connectivity).status,
            Status::Warn
        );
        result.outcome = ProbeOutcome::OsVerdict {
            source: "NetworkManager".into(),
            verdict: "full".into(),
        };
        let check = judge_internet(&result, None, &Knowledge::embedded().file.connectivity);
        assert_eq!(check.status, Status::Pass);
        assert_eq!(check.evidence, vec!["NetworkManager: full".to_string()]);
        result.target.url = Some(Knowledge::embedded().file.connectivity.url);
        result.outcome = http(200, "Microsoft Connect Test", None);
        assert_eq!(
            judge_internet(&result, None, &Knowledge::embedded().file.connectivity).status,
            Status::Pass
        );
        result.outcome = http(200, "<html>hotel wifi</html>", None);
        assert_eq!(
            judge_internet(&result, None, &Knowledge::embedded().file.connectivity).status,
            Status::Fail
        );
        result.outcome = http(302, "", Some("http://portal.example/"));
        assert_eq!(
            judge_internet(&result, None, &Knowledge::embedded().file.connectivity).status,
            Status::Fail
        );
    }

    #[test]
    fn without_probes_every_probe_check_is_listed_as_skip() {
        let all = checks(&Device::new("linux").build(), None);
        for id in [
            "edge-reachable:m365",
            "edge-reachable:internet",
            "edge-reachable:private",
            "diagnostic-uri:m365",
            "diagnostic-uri:internet",
            "diagnostic-uri:private",
            "internet",
        ] {
            let check = find(&all, id);
            assert_eq!(check.status, Status::Skip);
            assert_eq!(check.summary, "not probed: run with --probe");
        }
    }

    #[test]
    fn the_plan_takes_edges_and_diagnostic_uris_from_the_profile() {
        let profile = r#"{"Policy": {"Channels": [
            {"id": "m365", "name": "m365", "isEnabled": true,
             "edgesSettings": {
               "primaryEdges": [{"edgeAddress": "t.m365.client.example", "edgePort": 443}],
               "secondaryEdges": [{"EdgeAddress": "t.m365-backup.client.example", "edgePort": 8443}]},
             "diagnosticUri": "https://m365.diag.example/ping", "unknownKey": 1},
            {"id": "private", "name": "private", "isEnabled": false}
          ], "rules": []}}"#;
        let snapshot = with_gsa(Device::windows()).profile(profile).build();
        let knowledge = Knowledge::embedded();
        let facts = Facts::new(&snapshot, &knowledge);
        let targets = plan(&facts, SetupId::GlobalProtect);
        let edges: Vec<_> = targets
            .iter()
            .filter(|t| t.kind == ProbeKind::EdgeReachable && t.skip.is_none())
            .map(|t| (t.role.as_deref().unwrap(), t.host.as_str(), t.port))
            .collect();
        assert_eq!(
            edges,
            vec![
                ("primary", "t.m365.client.example", 443),
                ("secondary", "t.m365-backup.client.example", 8443)
            ]
        );
        let uri = targets
            .iter()
            .find(|t| t.kind == ProbeKind::DiagnosticUri && t.skip.is_none())
            .unwrap();
        assert_eq!(uri.url.as_deref(), Some("https://m365.diag.example/ping"));
        let private = targets
            .iter()
            .find(|t| t.channel.as_deref() == Some("private"))
            .unwrap();
        assert!(private.skip.as_deref().unwrap().contains("disabled"));
        // Every channel gets an edge and a diagnostic entry, probed or with its reason.
        for channel in CHANNELS {
            for kind in [ProbeKind::EdgeReachable, ProbeKind::DiagnosticUri] {
                assert!(
                    targets
                        .iter()
                        .any(|t| t.kind == kind && t.channel.as_deref() == Some(channel.id())),
                    "{kind:?} {channel}: {targets:#?}"
                );
            }
        }
    }

    #[test]
    fn without_a_profile_the_plan_names_the_tenant_edges_from_the_knowledge_base() {
        let mut snapshot = Device::windows().build();
        if let Some(settings) = snapshot.settings.data.as_mut() {
            settings.tenant_id = Reading::Value(crate::snapshot::TenantId {
                id: "6b1e4f0a-1111-2222-3333-444455556666".into(),
                origin: "option".into(),
            });
        }
        let knowledge = Knowledge::embedded();
        let facts = Facts::new(&snapshot, &knowledge);
        let targets = plan(&facts, SetupId::GlobalProtect);
        let m365: Vec<_> = targets
            .iter()
            .filter(|t| t.kind == ProbeKind::EdgeReachable && t.channel.as_deref() == Some("m365"))
            .collect();
        assert_eq!(m365.len(), 1, "{targets:#?}");
        assert_eq!(
            m365[0].host,
            "6b1e4f0a-1111-2222-3333-444455556666.m365.client.globalsecureaccess.microsoft.com"
        );
        assert_eq!(m365[0].port, 443);
    }
    #[test]
    fn a_probe_carried_over_to_a_later_snapshot_says_its_socket_closed_since() {
        let knowledge = Knowledge::embedded();
        let result = diagnostic(http(200, "pong", None));
        let mut snapshot = with_gsa(Device::windows()).build();
        let probed_at = snapshot.taken_at;
        snapshot.probes = Section::ok(vec![result.clone()], probed_at, 40);
        let fresh = {
            let facts = Facts::new(&snapshot, &knowledge);
            let attributor = Attributor::new(&facts, SetupId::None);
            observe(&facts, &attributor, &result).unwrap().text
        };
        assert!(fresh.contains("not in the socket table"), "{fresh}");
        let carried = ProbeResult {
            carried: true,
            ..result.clone()
        };
        let facts = Facts::new(&snapshot, &knowledge);
        let attributor = Attributor::new(&facts, SetupId::None);
        let later = observe(&facts, &attributor, &carried).unwrap().text;
        assert!(later.contains("from an earlier probe"), "{later}");
    }
}
