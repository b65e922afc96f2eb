//! `ssetop flow-test`'s output: the versioned JSON contract (`ssetop.flowtest.v1`, its own
//! serde types: fields may be added, never renamed or removed) and the text table. Reads the
//! assessment contract's [`FlowTest`]; judges nothing.

use std::fmt::Write;
use std::net::IpAddr;

use serde::Serialize;

use crate::assessment::{FlowPath, FlowTest, IlaState, SetupSource};
use crate::safe_text;

pub(crate) const SCHEMA: &str = "ssetop.flowtest.v1";

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FlowTestReport {
    pub schema: &'static str,
    pub ssetop_version: &'static str,
    pub setup: Setup,
    /// Whether ssetop opened connections (`--connect`).
    pub connect: bool,
    pub results: Vec<FlowResult>,
    /// Intelligent Local Access now, `null` when the forwarding profile defines none.
    pub ila: Option<Ila>,
}

/// `ila`: whether GSA would now let Private Access go direct, and each probe's answer.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Ila {
    /// `true`, `false`, or `null` when an answer is missing.
    pub applies: Option<bool>,
    pub probes: Vec<IlaProbe>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct IlaProbe {
    pub network: String,
    pub fqdn: String,
    pub dns_servers: Vec<String>,
    pub expected: Vec<String>,
    /// resolved, nxdomain, refused, timeout, error, skipped (`--no-dns`).
    pub status: &'static str,
    pub addresses: Vec<String>,
    pub in_range: Vec<String>,
    pub detail: Option<String>,
}

/// The contract's `ila` (also `ssetop.explain.v1`'s).
pub(crate) fn ila(state: &IlaState) -> Ila {
    let text = |a: &[IpAddr]| a.iter().map(|a| a.to_string()).collect();
    Ila {
        applies: state.applies,
        probes: state
            .probes
            .iter()
            .map(|p| IlaProbe {
                network: p.network.clone(),
                fqdn: p.fqdn.clone(),
                dns_servers: p.dns_servers.iter().map(|a| a.to_string()).collect(),
                expected: p.expected.clone(),
                status: p.resolution.status.id(),
                addresses: text(&p.resolution.addresses),
                in_range: text(&p.in_range),
                detail: p.resolution.detail.clone(),
            })
            .collect(),
    }
}

/// One address's connection (`--connect`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Attempt {
    pub address: IpAddr,
    /// connected, refused, timeout, failed, not-tried.
    pub outcome: &'static str,
    pub status: &'static str,
    pub local: Option<String>,
    pub observed: Option<&'static str>,
    pub observed_channel: Option<&'static str>,
    pub interface: Option<String>,
    pub issuer: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Setup {
    pub id: &'static str,
    /// `detected` or `option` (`--setup`).
    pub source: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FlowResult {
    pub destination: String,
    pub port: u16,
    pub protocol: &'static str,
    /// Carrier ids: gsa, zscaler, globalprotect, direct, local, unknown.
    pub expected: &'static str,
    pub expected_channel: Option<&'static str>,
    pub predicted: Option<&'static str>,
    pub predicted_channel: Option<&'static str>,
    pub observed: Option<&'static str>,
    pub observed_channel: Option<&'static str>,
    /// pass, fail, warn or skip.
    pub status: &'static str,
    pub addresses: Vec<IpAddr>,
    pub detail: String,
    pub evidence: Vec<String>,
    pub remedy: Option<String>,
    /// The knowledge entry's source, or `--destination`.
    pub source: String,
    /// `--connect`: one per address, in the order tried (IPv4 first); empty without it.
    pub attempts: Vec<Attempt>,
}

fn carrier(path: Option<FlowPath>) -> Option<&'static str> {
    path.map(|p| p.carrier.id())
}

fn channel(path: Option<FlowPath>) -> Option<&'static str> {
    path.and_then(|p| p.channel).map(|c| c.id())
}

impl FlowTestReport {
    pub(crate) fn new(test: &FlowTest) -> FlowTestReport {
        FlowTestReport {
            schema: SCHEMA,
            ssetop_version: env!("CARGO_PKG_VERSION"),
            setup: Setup {
                id: test.setup.id.id(),
                source: match test.setup.source {
                    SetupSource::Detected => "detected",
                    SetupSource::Option => "option",
                },
            },
            connect: test.connect,
            results: test
                .results
                .iter()
                .map(|r| FlowResult {
                    destination: r.destination.clone(),
                    port: r.port,
                    protocol: r.protocol,
                    expected: r.expected.carrier.id(),
                    expected_channel: channel(Some(r.expected)),
                    predicted: carrier(r.predicted),
                    predicted_channel: channel(r.predicted),
                    observed: carrier(r.observed),
                    observed_channel: channel(r.observed),
                    status: r.status.id(),
                    addresses: r.addresses.clone(),
                    detail: r.detail.clone(),
                    evidence: r.evidence.clone(),
                    remedy: r.remedy.clone(),
                    source: r.source.clone(),
                    attempts: r
                        .attempts
                        .iter()
                        .map(|a| Attempt {
                            address: a.address,
                            outcome: a.outcome.id(),
                            status: a.status.id(),
                            local: a.local.map(|l| l.to_string()),
                            observed: carrier(a.observed),
                            observed_channel: channel(a.observed),
                            interface: a.interface.clone(),
                            issuer: a.issuer.clone(),
                            detail: a.detail.clone(),
                        })
                        .collect(),
                })
                .collect(),
            ila: test.ila.as_ref().map(ila),
        }
    }

    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn path_text(carrier: Option<&str>, channel: Option<&str>) -> String {
    match (carrier, channel) {
        (None, _) => "-".into(),
        (Some(c), None) => c.into(),
        (Some(c), Some(ch)) => format!("{c}/{ch}"),
    }
}

/// The table (80 columns: status, destination, port, expected, predicted, observed), then the
/// detail of every row under it. Every value that came from outside (names, evidence) goes
/// through `safe_text`.
pub(crate) fn render_text(report: &FlowTestReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ssetop flow-test: setup {} ({}){}",
        report.setup.id,
        report.setup.source,
        if report.connect {
            ", connections opened (--connect)"
        } else {
            ", predicted only (no connection opened; --connect opens them)"
        }
    );
    let _ = writeln!(
        out,
        "{:<4} {:<25} {:>5} {:<14} {:<14} OBSERVED",
        "", "DESTINATION", "PORT", "EXPECTED", "PREDICTED"
    );
    for r in &report.results {
        let _ = writeln!(
            out,
            "{:<4} {:<25} {:>5} {:<14} {:<14} {}",
            r.status.to_uppercase(),
            safe_text::bounded(&r.destination, 25),
            r.port,
            path_text(Some(r.expected), r.expected_channel),
            path_text(r.predicted, r.predicted_channel),
            path_text(r.observed, r.observed_channel),
        );
    }
    let _ = writeln!(out);
    for r in &report.results {
        let _ = writeln!(
            out,
            "{} {}:{}: {}",
            r.status.to_uppercase(),
            safe_text::field(&r.destination),
            r.port,
            safe_text::field(&r.detail)
        );
        if !r.addresses.is_empty() {
            let addresses: Vec<String> = r.addresses.iter().map(|a| a.to_string()).collect();
            let _ = writeln!(out, "    addresses: {}", addresses.join(", "));
        }
        // One line per address when there are several (one address: the row's detail is its).
        for a in r.attempts.iter().filter(|_| r.attempts.len() > 1) {
            let _ = writeln!(
                out,
                "    {} {}: {}",
                a.status.to_uppercase(),
                a.address,
                safe_text::field(&a.detail)
            );
        }
        for evidence in &r.evidence {
            let _ = writeln!(out, "    - {}", safe_text::field(evidence));
        }
        if let Some(remedy) = &r.remedy {
            let _ = writeln!(out, "    remedy: {}", safe_text::field(remedy));
        }
    }
    if let Some(ila) = &report.ila {
        let _ = writeln!(
            out,
            "\nIntelligent Local Access: {}",
            match ila.applies {
                Some(true) => "applies now (GSA does not tunnel Private Access on this network)",
                Some(false) => "does not apply now",
                None => "unknown (a probe name was not answered)",
            }
        );
        for p in &ila.probes {
            let answer = if p.addresses.is_empty() {
                p.status.to_string()
            } else {
                p.addresses.join(", ")
            };
            let _ = writeln!(
                out,
                "    {} {}: {} (expected {})",
                safe_text::field(&p.network),
                safe_text::field(&p.fqdn),
                answer,
                p.expected.join(", ")
            );
        }
    }
    let count = |status: &str| report.results.iter().filter(|r| r.status == status).count();
    let _ = writeln!(
        out,
        "\n{} pass, {} fail, {} warn, {} skip",
        count("pass"),
        count("fail"),
        count("warn"),
        count("skip")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{
        AttemptOutcome, Carrier, FlowAttempt, FlowStatus, FlowTestResult, IlaProbeAnswer,
        Resolution, ResolutionStatus, SetupDecision,
    };
    use crate::knowledge::{Channel, SetupId};

    fn test() -> FlowTest {
        FlowTest {
            setup: SetupDecision {
                id: SetupId::GlobalProtect,
                source: SetupSource::Option,
                evidence: vec![],
            },
            connect: true,
            results: vec![FlowTestResult {
                destination: "a-very-long-name-that-does-not-fit.example\u{1b}[2J".into(),
                port: 443,
                protocol: "tcp",
                expected: FlowPath {
                    carrier: Carrier::Gsa,
                    channel: Some(Channel::M365),
                },
                predicted: Some(FlowPath {
                    carrier: Carrier::GlobalProtect,
                    channel: None,
                }),
                observed: Some(FlowPath {
                    carrier: Carrier::GlobalProtect,
                    channel: None,
                }),
                status: FlowStatus::Fail,
                addresses: vec!["52.96.1.10".parse().unwrap()],
                detail: "observed globalprotect, expected gsa/m365".into(),
                evidence: vec!["via gpd0".into()],
                remedy: Some("exclude Microsoft 365".into()),
                source: "mslearn-paloalto".into(),
                attempts: vec![
                    FlowAttempt {
                        address: "52.96.1.10".parse().unwrap(),
                        outcome: AttemptOutcome::Connected,
                        status: FlowStatus::Fail,
                        local: Some("10.200.0.2:40000".parse().unwrap()),
                        observed: Some(FlowPath {
                            carrier: Carrier::GlobalProtect,
                            channel: None,
                        }),
                        interface: Some("gpd0".into()),
                        issuer: Some("CN=Evil\u{1b}[2J CA".into()),
                        detail: "observed globalprotect, expected gsa/m365".into(),
                    },
                    FlowAttempt {
                        address: "52.96.1.11".parse().unwrap(),
                        outcome: AttemptOutcome::NotTried,
                        status: FlowStatus::Skip,
                        local: None,
                        observed: None,
                        interface: None,
                        issuer: None,
                        detail: "not tried: 40 ms of the connection window left".into(),
                    },
                ],
            }],
            ila: Some(IlaState {
                applies: Some(true),
                probes: vec![IlaProbeAnswer {
                    network: "Contoso HQ (hq)".into(),
                    fqdn: "ila-probe.contoso.local".into(),
                    dns_servers: vec!["192.168.0.10".parse().unwrap()],
                    expected: vec!["10.0.0.0-10.255.255.255".into()],
                    resolution: Resolution {
                        status: ResolutionStatus::Resolved,
                        addresses: vec!["10.0.5.5".parse().unwrap()],
                        elapsed_ms: 3,
                        detail: None,
                    },
                    in_range: vec!["10.0.5.5".parse().unwrap()],
                }],
            }),
        }
    }

    #[test]
    fn text_table_fits_80_columns_and_escapes_names() {
        let text = render_text(&FlowTestReport::new(&test()));
        let table: Vec<&str> = text.lines().skip(1).take(2).collect();
        assert!(table.iter().all(|l| l.chars().count() <= 80), "{table:#?}");
        assert!(table[1].contains("gsa/m365") && table[1].contains("globalprotect"));
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("remedy: exclude Microsoft 365"));
        assert!(text.contains("0 pass, 1 fail, 0 warn, 0 skip"));
        assert!(
            text.contains("    FAIL 52.96.1.10: observed globalprotect, expected gsa/m365"),
            "{text}"
        );
        assert!(
            text.contains("Intelligent Local Access: applies now"),
            "{text}"
        );
        assert!(
            text.contains("ila-probe.contoso.local: 10.0.5.5 (expected 10.0.0.0-10.255.255.255)")
        );
    }

    #[test]
    fn json_carries_the_contract_fields() {
        let json: serde_json::Value =
            serde_json::from_str(&FlowTestReport::new(&test()).to_json()).unwrap();
        assert_eq!(json["schema"], "ssetop.flowtest.v1");
        assert_eq!(json["setup"]["id"], "globalprotect");
        assert_eq!(json["setup"]["source"], "option");
        let row = &json["results"][0];
        for key in [
            "destination",
            "port",
            "protocol",
            "expected",
            "predicted",
            "observed",
            "status",
            "addresses",
            "detail",
            "evidence",
            "remedy",
        ] {
            assert!(row.get(key).is_some(), "{key} missing");
        }
        assert_eq!(row["expected"], "gsa");
        assert_eq!(row["observed"], "globalprotect");
        assert_eq!(row["status"], "fail");
        assert_eq!(row["addresses"][0], "52.96.1.10");
        let attempt = &row["attempts"][0];
        assert_eq!(attempt["address"], "52.96.1.10");
        assert_eq!(attempt["outcome"], "connected");
        assert_eq!(attempt["status"], "fail");
        assert_eq!(attempt["observed"], "globalprotect");
        assert_eq!(attempt["interface"], "gpd0");
        assert_eq!(attempt["local"], "10.200.0.2:40000");
        assert!(attempt.get("issuer").is_some());
        assert_eq!(json["ila"]["applies"], true);
        let probe = &json["ila"]["probes"][0];
        assert_eq!(probe["fqdn"], "ila-probe.contoso.local");
        assert_eq!(probe["dns_servers"][0], "192.168.0.10");
        assert_eq!(probe["status"], "resolved");
        assert_eq!(probe["in_range"][0], "10.0.5.5");
    }
}
