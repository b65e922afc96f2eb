//! `ssetop flow-test`'s output: the versioned JSON contract (`ssetop.flowtest.v1`, its own
//! serde types: fields may be added, never renamed or removed) and the text table. Reads the
//! assessment contract's [`FlowTest`]; judges nothing.

use std::fmt::Write;
use std::net::IpAddr;

use serde::Serialize;

use crate::assessment::{FlowPath, FlowTest, SetupSource};
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
                })
                .collect(),
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
        for evidence in &r.evidence {
            let _ = writeln!(out, "    - {}", safe_text::field(evidence));
        }
        if let Some(remedy) = &r.remedy {
            let _ = writeln!(out, "    remedy: {}", safe_text::field(remedy));
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
    use crate::assessment::{Carrier, FlowStatus, FlowTestResult, SetupDecision};
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
            }],
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
    }
}
