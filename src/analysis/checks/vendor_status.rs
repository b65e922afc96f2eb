//! `vendor-status:<vendor>`: what Zscaler's and GlobalProtect's own status commands say,
//! weighed against what ssetop sees of that client. The tool is evidence, never a requirement
//! and never trusted over the OS: a missing tool is a `skip`, a tool that reports a fault or
//! contradicts ssetop's inference is a `warn` naming both sides.

use crate::analysis::facts::Facts;
use crate::assessment::{Check, Client, ClientState, Status};
use crate::knowledge::Vendor;
use crate::snapshot::{ReportedState, ToolOutcome, ToolRun, VendorReport, VendorStatus};

/// The vendors with a status command to weigh (GSA has none).
const VENDORS: [Vendor; 2] = [Vendor::Zscaler, Vendor::GlobalProtect];

/// The most of a tool's text quoted in one evidence line.
const QUOTE: usize = 160;

pub(super) fn vendor_status_checks(facts: &Facts) -> Vec<Check> {
    VENDORS
        .iter()
        .map(|v| vendor_status_check(facts, *v))
        .collect()
}

fn quote(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(QUOTE) {
        Some((cut, _)) => format!("{}…", one_line.get(..cut).unwrap_or_default()),
        None => one_line,
    }
}

/// One evidence line per command: how it ended.
fn run_line(tool: &str, run: &ToolRun) -> String {
    let command = format!("{tool} {}", run.args.join(" "));
    match run.outcome {
        ToolOutcome::Output => format!("`{command}`: exit 0 in {} ms", run.elapsed_ms),
        ToolOutcome::TimedOut => format!(
            "`{command}`: {}",
            run.detail.as_deref().unwrap_or("timed out")
        ),
        ToolOutcome::NotInstalled => format!("`{command}`: not installed"),
        ToolOutcome::Failed => {
            let how = match (run.exit_code, &run.detail) {
                (Some(code), _) => format!("exit code {code}"),
                (None, Some(detail)) => detail.clone(),
                (None, None) => "failed".into(),
            };
            if run.stderr.trim().is_empty() {
                format!("`{command}`: {how}")
            } else {
                format!("`{command}`: {how}: {}", quote(&run.stderr))
            }
        }
    }
}

/// What the tool said, as evidence lines.
fn said_lines(label: &str, status: &VendorStatus) -> Vec<String> {
    let mut lines = vec![format!(
        "{label}'s tool: {}{}",
        status.state.id(),
        status
            .said
            .as_deref()
            .map(|s| format!(" (\"{}\")", quote(s)))
            .unwrap_or_default()
    )];
    for service in &status.services {
        lines.push(format!(
            "{label}'s tool: {} {}",
            service.name,
            quote(&service.said)
        ));
    }
    if !status.fields.is_empty() {
        lines.push(format!(
            "{label}'s tool: {}",
            status
                .fields
                .iter()
                .map(|f| format!("{} {}", f.name, quote(&f.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(error) = &status.error {
        lines.push(format!("{label}'s tool: error \"{}\"", quote(error)));
    }
    lines
}

/// What ssetop itself sees of the client, in words.
fn seen(client: &Client) -> String {
    match client.state {
        ClientState::Absent => "no process, service or adapter of it".into(),
        ClientState::Stopped => "it installed but not running".into(),
        ClientState::Running => "its processes running but no tunnel connection".into(),
        ClientState::Connected => match client.tunnel_sockets.len() {
            0 => "its tunnel up (an adapter carrying routes)".into(),
            1 => "its tunnel up (1 tunnel connection)".into(),
            n => format!("its tunnel up ({n} tunnel connections)"),
        },
    }
}

fn vendor_status_check(facts: &Facts, vendor: Vendor) -> Check {
    let id = format!("vendor-status:{vendor}");
    let label = vendor.label();
    let section = &facts.snapshot.vendor_reports;
    let Some(reports) = section.get() else {
        return Check::new(
            id,
            Status::Skip,
            format!(
                "{label}'s status command was not read ({})",
                section.describe()
            ),
        );
    };
    let Some(report) = reports.iter().find(|r| r.vendor == vendor) else {
        return Check::new(
            id,
            Status::Skip,
            format!(
                "no status command of {label} is known on {} (knowledge base [[vendor_tools]])",
                facts.os.id()
            ),
        );
    };
    judge(facts, id, label, report)
}

fn judge(facts: &Facts, id: String, label: &str, report: &VendorReport) -> Check {
    if !report.installed {
        return Check::new(
            id,
            Status::Skip,
            format!(
                "{label}'s status command is not installed at {}",
                report.tool
            ),
        );
    }
    let client = facts.client_of(report.vendor);
    let ssetop_line = format!("ssetop sees {label}: {}", seen(client));
    let runs: Vec<String> = report
        .runs
        .iter()
        .map(|r| run_line(&report.tool, r))
        .collect();
    let Some(status) = &report.status else {
        // Nothing printed: say how the commands ended.
        let timed_out = report
            .runs
            .iter()
            .any(|r| r.outcome == ToolOutcome::TimedOut);
        return Check::new(
            id,
            Status::Warn,
            if timed_out {
                format!("{label}'s status command did not answer in time")
            } else {
                format!("{label}'s status command failed without output")
            },
        )
        .evidence(runs)
        .evidence([ssetop_line])
        .remedy(format!(
            "open the {label} client's own status page; if it hangs too, restart the client"
        ));
    };
    let mut evidence = said_lines(label, status);
    evidence.push(ssetop_line);
    evidence.extend(runs);
    let said = status
        .said
        .as_deref()
        .map(quote)
        .unwrap_or_else(|| status.state.id().to_string());
    let check = match status.state {
        ReportedState::NotEnabled => Check::new(
            id,
            Status::Skip,
            format!("{label}'s command line is installed but not enabled"),
        )
        .remedy(format!(
            "optional: enable the CLI option in the {label} App Profile to let ssetop read the client's own status"
        )),
        ReportedState::Unknown => Check::new(
            id,
            Status::Skip,
            format!(
                "{label}'s status output was not understood (kept verbatim in the report's vendor_reports)"
            ),
        ),
        ReportedState::Error => {
            let what = status.error.as_deref().map(quote).unwrap_or(said);
            Check::new(
                id,
                Status::Warn,
                format!("{label}'s own tool reports an error: {what}"),
            )
            .remedy(format!(
                "open the {} client's status page and follow its troubleshooting",
                facts.knowledge.vendor(report.vendor).name
            ))
        }
        ReportedState::Connected if client.state < ClientState::Connected => Check::new(
            id,
            Status::Warn,
            format!(
                "{label}'s own tool says {said}, but ssetop sees {}",
                seen(client)
            ),
        )
        .remedy(format!(
            "the two disagree: check the {label} client's status page and `ssetop explain` for a destination it should carry; a client that says connected without a tunnel may be stuck (restart it), or its tunnel's owner may be hidden (run elevated)"
        )),
        ReportedState::Disconnected if client.state == ClientState::Connected => Check::new(
            id,
            Status::Warn,
            format!(
                "{label}'s own tool says {said}, but ssetop sees {}",
                seen(client)
            ),
        )
        .remedy(format!(
            "the two disagree: a tunnel the {label} client no longer reports may be left over; reconnect or restart the {label} client"
        )),
        ReportedState::Connected | ReportedState::Connecting | ReportedState::Disconnected => {
            Check::new(
                id,
                Status::Pass,
                format!(
                    "{label}'s own tool says {said}; ssetop sees {}",
                    seen(client)
                ),
            )
        }
    };
    check.evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;
    use crate::snapshot::{ReportField, ServiceReport};

    fn run(args: &[&str], outcome: ToolOutcome, exit_code: Option<i32>, stderr: &str) -> ToolRun {
        ToolRun {
            args: args.iter().map(|a| a.to_string()).collect(),
            ran_at: "2026-11-23T12:00:00Z".parse().unwrap(),
            elapsed_ms: 40,
            outcome,
            exit_code,
            detail: (outcome == ToolOutcome::TimedOut)
                .then(|| "did not finish within 2500 ms and was stopped".to_string()),
            stdout: String::new(),
            stderr: stderr.into(),
            truncated: false,
        }
    }

    fn gp_report(state: ReportedState, said: &str) -> VendorReport {
        VendorReport {
            vendor: Vendor::GlobalProtect,
            tool: "/usr/bin/globalprotect".into(),
            installed: true,
            runs: vec![run(&["show", "--status"], ToolOutcome::Output, Some(0), "")],
            status: Some(VendorStatus {
                state,
                said: Some(said.into()),
                services: vec![],
                fields: vec![ReportField {
                    name: "protocol".into(),
                    value: "IPSec".into(),
                }],
                error: None,
            }),
        }
    }

    /// GlobalProtect on Linux with its gpd0 tunnel carrying the default route and its SSL
    /// connection up.
    fn gp_connected() -> Device {
        Device::new("linux")
            .interface(3, "gpd0", None, &["10.8.0.7/32"])
            .process(900, "PanGPS")
            .route("0.0.0.0/0", "gpd0", None, 1)
            .tcp("198.51.100.4:443", Some(900))
    }

    fn check_of(device: Device) -> Check {
        find(
            &checks(&device.build(), None),
            "vendor-status:globalprotect",
        )
        .clone()
    }

    #[test]
    fn a_tool_that_agrees_with_ssetop_passes_with_its_state_in_the_evidence() {
        let c = check_of(
            gp_connected().vendor_report(gp_report(ReportedState::Connected, "Connected")),
        );
        assert_eq!(c.status, Status::Pass, "{c:#?}");
        assert!(c.summary.contains("Connected"), "{c:#?}");
        assert!(c.evidence.iter().any(|e| e.contains("protocol IPSec")));
        assert!(
            c.evidence
                .iter()
                .any(|e| e.starts_with("ssetop sees GlobalProtect: its tunnel up"))
        );
    }

    #[test]
    fn tool_says_connected_while_ssetop_sees_no_tunnel_is_a_warning_naming_both_sides() {
        let c = check_of(
            Device::new("linux")
                .process(900, "PanGPS")
                .vendor_report(gp_report(ReportedState::Connected, "Connected")),
        );
        assert_eq!(c.status, Status::Warn, "{c:#?}");
        assert!(c.summary.contains("says Connected"), "{c:#?}");
        assert!(c.summary.contains("no tunnel connection"), "{c:#?}");
    }

    #[test]
    fn tool_says_disconnected_while_its_tunnel_carries_traffic_is_a_warning() {
        let c = check_of(
            gp_connected().vendor_report(gp_report(ReportedState::Disconnected, "Disconnected")),
        );
        assert_eq!(c.status, Status::Warn, "{c:#?}");
        assert!(c.summary.contains("says Disconnected"), "{c:#?}");
        assert!(c.summary.contains("its tunnel up"), "{c:#?}");
        // Disconnected with nothing running agrees.
        let c = check_of(
            Device::new("linux")
                .vendor_report(gp_report(ReportedState::Disconnected, "OnDemand mode")),
        );
        assert_eq!(c.status, Status::Pass, "{c:#?}");
    }

    #[test]
    fn a_tool_reporting_an_error_state_warns_with_its_words() {
        let mut report = gp_report(ReportedState::Error, "Gateway unreachable");
        report.status.as_mut().unwrap().error = None;
        let c = check_of(gp_connected().vendor_report(report));
        assert_eq!(c.status, Status::Warn);
        assert!(c.summary.contains("Gateway unreachable"), "{c:#?}");
    }

    #[test]
    fn a_missing_tool_is_skip_naming_where_it_was_looked_for() {
        let report = VendorReport {
            vendor: Vendor::GlobalProtect,
            tool: "globalprotect or /opt/paloaltonetworks/globalprotect/globalprotect".into(),
            installed: false,
            runs: vec![],
            status: None,
        };
        let c = check_of(gp_connected().vendor_report(report));
        assert_eq!(c.status, Status::Skip);
        assert_eq!(
            c.summary,
            "GlobalProtect's status command is not installed at globalprotect or /opt/paloaltonetworks/globalprotect/globalprotect"
        );
    }

    #[test]
    fn both_checks_are_listed_and_skip_without_a_known_tool_or_data() {
        // The fixture has read no tool: no report for either vendor.
        let c = checks(&Device::windows().build(), None);
        for id in ["vendor-status:zscaler", "vendor-status:globalprotect"] {
            let check = find(&c, id);
            assert_eq!(check.status, Status::Skip, "{check:#?}");
            assert!(check.summary.contains("windows"), "{check:#?}");
        }
        // An older capture: the section was not recorded.
        let s = snapshot("linux", Settings::default());
        let check = find(&checks(&s, None), "vendor-status:zscaler").clone();
        assert_eq!(check.status, Status::Skip);
        assert!(check.summary.contains("not read"), "{check:#?}");
    }

    #[test]
    fn zscaler_cli_not_enabled_is_skip_and_a_timeout_is_a_warning() {
        let not_enabled = VendorReport {
            vendor: Vendor::Zscaler,
            tool: r"C:\Program Files\Zscaler\ZSACli\ZSACli.exe".into(),
            installed: true,
            runs: vec![run(
                &["status", "-s", "all"],
                ToolOutcome::Failed,
                Some(1),
                "CLI is disabled",
            )],
            status: Some(VendorStatus {
                state: ReportedState::NotEnabled,
                said: None,
                services: vec![],
                fields: vec![],
                error: Some("CLI is disabled".into()),
            }),
        };
        let c = checks(&Device::windows().vendor_report(not_enabled).build(), None);
        let z = find(&c, "vendor-status:zscaler");
        assert_eq!(z.status, Status::Skip, "{z:#?}");
        assert!(z.summary.contains("not enabled"));
        assert!(
            z.evidence
                .iter()
                .any(|e| e.contains("exit code 1: CLI is disabled"))
        );
        let timed_out = VendorReport {
            vendor: Vendor::Zscaler,
            tool: r"C:\Program Files\Zscaler\ZSACli\ZSACli.exe".into(),
            installed: true,
            runs: vec![run(
                &["status", "-s", "all"],
                ToolOutcome::TimedOut,
                None,
                "",
            )],
            status: None,
        };
        let c = checks(&Device::windows().vendor_report(timed_out).build(), None);
        let z = find(&c, "vendor-status:zscaler");
        assert_eq!(z.status, Status::Warn, "{z:#?}");
        assert!(z.summary.contains("did not answer"));
    }

    #[test]
    fn zscaler_services_are_named_in_the_evidence() {
        let report = VendorReport {
            vendor: Vendor::Zscaler,
            tool: "/Applications/Zscaler/Zscaler.app/Contents/PlugIns/zscli".into(),
            installed: true,
            runs: vec![run(&["status"], ToolOutcome::Output, Some(0), "")],
            status: Some(VendorStatus {
                state: ReportedState::Error,
                said: None,
                services: vec![ServiceReport {
                    name: "ZIA".into(),
                    said: "Driver Error".into(),
                    state: ReportedState::Error,
                }],
                fields: vec![],
                error: Some("ZIA: Driver Error".into()),
            }),
        };
        let c = checks(&Device::new("macos").vendor_report(report).build(), None);
        let z = find(&c, "vendor-status:zscaler");
        assert_eq!(z.status, Status::Warn);
        assert!(z.summary.contains("ZIA: Driver Error"), "{z:#?}");
        assert!(
            z.evidence
                .iter()
                .any(|e| e == "Zscaler's tool: ZIA Driver Error")
        );
    }
}
