//! The `--once --format text` report: the verdict on the first line, then the clients, alerts,
//! checks with failures first and their remedies, the interfaces with the vendors' adapters
//! first, and the connections grouped by carrier.

use std::fmt::Write;

use super::Report;
use crate::assessment::{Carrier, Status};
use crate::knowledge::Vendor;
use crate::safe_text::{NAME_CHARS, bounded, field};

fn status_word(status: &str) -> &'static str {
    match status {
        "fail" => "FAIL",
        "warn" => "WARN",
        "skip" => "SKIP",
        "pass" => "PASS",
        _ => "????",
    }
}

/// A vendor's own status tool in one line (the tool's words are sanitised by the caller).
fn own_word(own: &super::VendorReport) -> String {
    let mut line = format!("its own tool says: {}", own.state.unwrap_or("nothing"));
    if let Some(said) = &own.said {
        line.push_str(&format!(" (\"{said}\")"));
    }
    for service in &own.services {
        line.push_str(&format!("; {} {}", service.name, service.said));
    }
    for (name, value) in &own.fields {
        line.push_str(&format!("; {name} {value}"));
    }
    if let Some(error) = &own.error {
        line.push_str(&format!("; error: {error}"));
    }
    line
}

/// The whole text at once (the tests' view; `--once` streams [`render_to`]).
#[cfg(test)]
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    render_to(report, &mut out);
    out
}

/// [`render`] written piece by piece to `out` (`--once` streams it to stdout; at scale it is
/// megabytes). A write that fails is the writer's to report: the rest is not written.
pub(crate) fn render_to(report: &Report, out: &mut impl Write) {
    let count = |s: &str| report.checks.iter().filter(|c| c.status == s).count();
    let (fails, warns, passes) = (count("fail"), count("warn"), count("pass"));
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let alerts = if report.alerts.is_empty() {
        String::new()
    } else {
        format!("{}, ", plural(report.alerts.len(), "alert"))
    };
    let _ = writeln!(
        out,
        "{}: {alerts}{} failed, {}, {} passed; setup {} ({}); {} at {}{}",
        report.verdict.to_uppercase(),
        fails,
        plural(warns, "warning"),
        passes,
        report.setup.id,
        report.setup.source,
        bounded(&report.host.name, NAME_CHARS),
        report.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        report
            .replay
            .as_ref()
            .map(|r| format!(" (replay of {})", field(&r.capture)))
            .unwrap_or_default()
    );

    if !report.alerts.is_empty() {
        let _ = writeln!(out, "\nAlerts");
        for alert in &report.alerts {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                status_word(alert.severity),
                alert.id,
                field(&alert.summary)
            );
        }
    }

    let _ = writeln!(out, "\nClients");
    for client in &report.clients {
        let mut line = format!("  {:<14} {:<10}", label(client.vendor), client.state);
        let processes: Vec<String> = client
            .processes
            .iter()
            .map(|p| format!("{} ({})", bounded(&p.name, NAME_CHARS), p.pid))
            .collect();
        if !processes.is_empty() {
            line.push_str(&format!(" {}", processes.join(", ")));
        }
        if !client.adapters.is_empty() {
            let adapters: Vec<_> = client
                .adapters
                .iter()
                .map(|a| bounded(a, NAME_CHARS))
                .collect();
            line.push_str(&format!("; adapters {}", adapters.join(", ")));
        }
        if client.tunnel_connections > 0 {
            line.push_str(&format!(
                "; {} tunnel connection(s)",
                client.tunnel_connections
            ));
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if let Some(own) = report
            .vendor_reports
            .iter()
            .find(|r| r.vendor == client.vendor && r.installed)
        {
            let _ = writeln!(out, "    {}", bounded(&own_word(own), 300));
        }
    }

    let _ = writeln!(out, "\nChecks (failing first)");
    let mut checks: Vec<&super::Check> = report.checks.iter().collect();
    checks.sort_by_key(|c| Status::from_id(c.status).map_or(u8::MAX, Status::listing_order));
    for check in checks {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            status_word(check.status),
            field(&check.id),
            field(&check.summary)
        );
        if matches!(check.status, "fail" | "warn") {
            for line in &check.evidence {
                let _ = writeln!(out, "       - {}", field(line));
            }
            if let Some(remedy) = &check.remedy {
                let _ = writeln!(out, "       fix: {}", field(remedy));
            }
        }
    }

    interfaces(out, &report.interfaces);

    let _ = writeln!(out, "\nConnections by carrier");
    if report.connections.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    // Made once in the report's form, then picked per carrier.
    let connections: Vec<super::Connection> = report.connections.iter().collect();
    for carrier in Carrier::ALL {
        let rows: Vec<&super::Connection> = connections
            .iter()
            .filter(|c| c.carrier == carrier.id())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {} ({})", carrier.label(), rows.len());
        for c in rows {
            let remote = match (&c.remote, &c.remote_name) {
                (Some(r), Some(name)) => format!("{r} ({})", bounded(name, NAME_CHARS)),
                (Some(r), None) => r.clone(),
                (None, _) => "*".to_string(),
            };
            let owner = match (&c.process, c.pid) {
                (Some(p), Some(pid)) => format!("{} ({pid})", bounded(p, NAME_CHARS)),
                (None, Some(pid)) => format!("pid {pid}"),
                _ => "owner unknown".to_string(),
            };
            let channel = c.channel.map(|ch| format!("/{ch}")).unwrap_or_default();
            let via = c
                .interface
                .as_ref()
                .map(|i| format!(" via {}", bounded(i, NAME_CHARS)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {} {} -> {} {} {owner} [{}{channel}, {}{via}] {}",
                c.protocol,
                c.local,
                remote,
                field(c.state.as_deref().unwrap_or("-")),
                c.carrier,
                c.confidence,
                field(c.evidence.last().map(String::as_str).unwrap_or(""))
            );
        }
    }

    let mut notes: Vec<String> = report
        .sources
        .iter()
        .filter(|s| s.detail != "ok")
        .map(|s| format!("{}: {}", s.name, s.detail))
        .collect();
    notes.extend(report.notices.iter().cloned());
    if let Some(replay) = &report.replay {
        notes.extend(super::describe_replay_options(&replay.options));
        notes.extend(replay.warnings.iter().map(|w| format!("capture: {w}")));
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "\nNotes");
        for line in &notes {
            let _ = writeln!(out, "  {}", field(line));
        }
    }
}

/// The interfaces, vendors' adapters first (in the clients' order) and marked with the vendor;
/// the rest by index, marked `-`.
fn interfaces(out: &mut impl Write, interfaces: &[super::Interface]) {
    if interfaces.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nInterfaces (vendor adapters first)");
    let vendor_rank = |vendor: Option<&str>| {
        vendor.map_or(usize::MAX, |v| {
            Vendor::ALL
                .iter()
                .position(|known| known.id() == v)
                .unwrap_or(usize::MAX - 1)
        })
    };
    let mut rows: Vec<&super::Interface> = interfaces.iter().collect();
    rows.sort_by_key(|i| vendor_rank(i.vendor));
    for i in rows {
        let mark = i.vendor.map_or("-", label);
        let description = i
            .description
            .as_ref()
            .map(|d| format!(" ({})", bounded(d, NAME_CHARS)))
            .unwrap_or_default();
        let state = match (i.state.as_str(), i.up) {
            ("up", _) => "up".to_string(),
            (other, true) => format!("{} (enabled)", field(other)),
            (other, false) => field(other).into_owned(),
        };
        let addresses = if i.addresses.is_empty() {
            "no address".to_string()
        } else {
            field(&i.addresses.join(", ")).into_owned()
        };
        let _ = writeln!(
            out,
            "  {mark:<14} {}{description}: {state}, {}, {addresses}",
            bounded(&i.name, NAME_CHARS),
            field(&i.kind)
        );
    }
}

fn label(vendor: &str) -> &'static str {
    match vendor {
        "gsa" => "GSA",
        "zscaler" => "Zscaler",
        "globalprotect" => "GlobalProtect",
        _ => "?",
    }
}
