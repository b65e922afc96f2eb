//! The `ssetop explain` view: its JSON contract (`ssetop.explain.v1`, own serde types: fields
//! may be added, never renamed or removed) and its text, one screen per address with the
//! steps numbered.

use std::fmt::Write as _;

use serde::Serialize;

use crate::assessment::{Explanation, RouteRef, RuleRef};
use crate::safe_text::{NAME_CHARS, bounded, field};

pub(crate) const SCHEMA: &str = "ssetop.explain.v1";

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExplainReport {
    pub schema: &'static str,
    pub ssetop_version: &'static str,
    pub query: Query,
    pub resolution: Resolution,
    pub paths: Vec<Path>,
    /// Said once for the whole answer (the setup, a profile bypass the name falls under,
    /// Intelligent Local Access now).
    pub notes: Vec<String>,
    /// Intelligent Local Access now, `null` when the forwarding profile defines none (the
    /// same shape as `ssetop.flowtest.v1`'s `ila`).
    pub ila: Option<super::flow_test::Ila>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Query {
    pub destination: String,
    pub port: u16,
    pub protocol: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Resolution {
    pub status: &'static str,
    pub addresses: Vec<String>,
    pub elapsed_ms: u64,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Path {
    pub address: String,
    pub source: Option<String>,
    pub class: &'static str,
    pub carrier: &'static str,
    pub channel: Option<&'static str>,
    pub confidence: &'static str,
    pub interface: Option<String>,
    pub rule: Option<Rule>,
    pub beaten_rules: Vec<Rule>,
    pub route: Option<Route>,
    pub steps: Vec<Step>,
    pub evidence: Vec<String>,
    pub unseen: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Rule {
    pub id: String,
    pub order: Option<f64>,
    pub action: &'static str,
    pub channel: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Route {
    pub destination: String,
    pub gateway: Option<String>,
    pub interface: Option<String>,
    pub table: Option<u32>,
    pub metric: Option<u32>,
    pub vendor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Step {
    pub step: &'static str,
    pub outcome: &'static str,
    pub detail: String,
}

fn rule(r: &RuleRef) -> Rule {
    Rule {
        id: r.id.clone(),
        order: r.order,
        action: r.action,
        channel: r.channel.clone(),
    }
}

fn route(r: &RouteRef) -> Route {
    Route {
        destination: r.destination.clone(),
        gateway: r.gateway.map(|g| g.to_string()),
        interface: r.interface.clone(),
        table: r.table,
        metric: r.metric,
        vendor: r.vendor.clone(),
    }
}

impl ExplainReport {
    pub(crate) fn new(e: &Explanation) -> ExplainReport {
        ExplainReport {
            schema: SCHEMA,
            ssetop_version: env!("CARGO_PKG_VERSION"),
            query: Query {
                destination: e.query.destination.clone(),
                port: e.query.port,
                protocol: e.query.protocol.id(),
            },
            resolution: Resolution {
                status: e.resolution.status.id(),
                addresses: e
                    .resolution
                    .addresses
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
                elapsed_ms: e.resolution.elapsed_ms,
                detail: e.resolution.detail.clone(),
            },
            paths: e
                .paths
                .iter()
                .map(|p| Path {
                    address: p.address.to_string(),
                    source: p.source.map(|s| s.to_string()),
                    class: p.class,
                    carrier: p.carrier.id(),
                    channel: p.channel.map(|c| c.id()),
                    confidence: p.confidence.id(),
                    interface: p.interface.clone(),
                    rule: p.rule.as_ref().map(rule),
                    beaten_rules: p.beaten_rules.iter().map(rule).collect(),
                    route: p.route.as_ref().map(route),
                    steps: p
                        .steps
                        .iter()
                        .map(|s| Step {
                            step: s.step.id(),
                            outcome: s.outcome.id(),
                            detail: s.detail.clone(),
                        })
                        .collect(),
                    evidence: p.evidence.clone(),
                    unseen: p.unseen.clone(),
                })
                .collect(),
            notes: e.notes.clone(),
            ila: e.ila.as_ref().map(super::flow_test::ila),
        }
    }

    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn rule_text(r: &Rule) -> String {
    let order = r
        .order
        .map_or_else(|| "none".to_string(), |o| o.to_string());
    format!(
        "rule {} (order {order}, {}, {})",
        field(&r.id),
        r.action,
        r.channel
    )
}

/// The text form: every string that may come from the profile, the resolver or the OS goes
/// through `safe_text::field`, so that none starts a line of its own; the caller passes the
/// whole through `safe_text::output` as well.
pub(crate) fn render(report: &ExplainReport) -> String {
    let mut out = String::new();
    let q = &report.query;
    let r = &report.resolution;
    let _ = writeln!(
        out,
        "explain {} {}/{}: {}{}{}",
        field(&q.destination),
        q.protocol,
        q.port,
        r.status,
        if r.addresses.is_empty() || r.status == "literal" {
            String::new()
        } else {
            format!(" to {}", r.addresses.join(", "))
        },
        r.detail
            .as_deref()
            .map(|d| format!(" ({})", field(d)))
            .unwrap_or_default()
    );
    for note in &report.notes {
        let _ = writeln!(out, "  note: {}", field(note));
    }
    for (n, path) in report.paths.iter().enumerate() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "[{}/{}] {} ({}) -> {}{} ({}){}",
            n + 1,
            report.paths.len(),
            path.address,
            path.class,
            path.carrier,
            path.channel.map(|c| format!("/{c}")).unwrap_or_default(),
            path.confidence,
            path.interface
                .as_deref()
                .map(|i| format!(" via {}", bounded(i, NAME_CHARS)))
                .unwrap_or_default()
        );
        if let Some(source) = &path.source {
            let _ = writeln!(out, "  from {source}");
        }
        for (i, step) in path.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. {:<18} {:<7} {}",
                i + 1,
                step.step,
                step.outcome,
                if step.detail.is_empty() {
                    "-".into()
                } else {
                    field(&step.detail)
                }
            );
        }
        if let Some(rule) = &path.rule {
            let _ = writeln!(out, "  profile: {}", rule_text(rule));
            for beaten in &path.beaten_rules {
                let _ = writeln!(out, "    beat {}", rule_text(beaten));
            }
        }
        if let Some(route) = &path.route {
            let _ = writeln!(
                out,
                "  route: {}{}{}{}{}{}",
                route.destination,
                route
                    .gateway
                    .as_deref()
                    .map(|g| format!(" via {g}"))
                    .unwrap_or_default(),
                route
                    .interface
                    .as_deref()
                    .map(|i| format!(" dev {}", bounded(i, NAME_CHARS)))
                    .unwrap_or_default(),
                route
                    .table
                    .map(|t| format!(" table {t}"))
                    .unwrap_or_default(),
                route
                    .metric
                    .map(|m| format!(" metric {m}"))
                    .unwrap_or_default(),
                route
                    .vendor
                    .as_deref()
                    .map(|v| format!(" ({v}'s adapter)"))
                    .unwrap_or_default(),
            );
        }
        for line in &path.unseen {
            let _ = writeln!(out, "  cannot see: {}", field(line));
        }
        for line in &path.evidence {
            if !path.steps.iter().any(|s| s.detail.contains(line.as_str())) {
                let _ = writeln!(out, "  also: {}", field(line));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_rule_id_is_one_escaped_field_that_cannot_start_a_line() {
        let rule = Rule {
            id: "m365\nPASS everything is fine\u{1b}[2J".into(),
            order: Some(10.0),
            action: "tunnel",
            channel: "m365".into(),
        };
        let text = rule_text(&rule);
        assert_eq!(
            text,
            "rule m365\\x0aPASS everything is fine\\x1b[2J (order 10, tunnel, m365)"
        );
        assert!(!text.contains('\n'));
    }
}
