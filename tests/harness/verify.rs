//! Compares an ssetop JSON report (`ssetop.report.v1`) with a scenario's expectations and
//! lists every difference, so that one run shows everything that is wrong.

use std::time::Duration;

use serde_json::Value;

use super::spec::{Expect, ExplainSpec, FlowTestExpect, duration};

/// `*` matches any text (also none); everything else matches itself.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The expectation that applies to `id`: an exact key, else the longest matching glob.
fn pick<'e, T>(map: &'e std::collections::BTreeMap<String, T>, id: &str) -> Option<&'e T> {
    if let Some(e) = map.get(id) {
        return Some(e);
    }
    map.iter()
        .filter(|(k, _)| k.contains('*') && glob(k, id))
        .max_by_key(|(k, _)| k.len())
        .map(|(_, v)| v)
}

fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value[key].as_str().unwrap_or("null")
}

fn array<'v>(report: &'v Value, key: &str) -> &'v [Value] {
    report[key]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// What ssetop produced in one run, as a runner measured it.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub exit: i32,
    pub report: Value,
    pub elapsed: Duration,
    pub stderr: String,
}

/// Every way `ssetop flow-test`'s JSON (`ssetop.flowtest.v1`) differs from `expect`.
pub(crate) fn verify_flow_test(expect: &FlowTestExpect, outcome: &Outcome) -> Vec<String> {
    let report = &outcome.report;
    let mut wrong = Vec::new();
    if text(report, "schema") != "ssetop.flowtest.v1" {
        wrong.push(format!(
            "schema {:?} (expected ssetop.flowtest.v1)",
            report["schema"]
        ));
    }
    if let Some(exit) = expect.exit
        && exit != outcome.exit
    {
        wrong.push(format!("exit code {} (expected {exit})", outcome.exit));
    }
    if let Some(setup) = &expect.setup
        && text(&report["setup"], "id") != setup
    {
        wrong.push(format!(
            "setup {} (expected {setup})",
            text(&report["setup"], "id")
        ));
    }
    let rows = array(report, "results");
    if let Some(count) = expect.rows
        && rows.len() != count
    {
        wrong.push(format!("{} rows (expected {count})", rows.len()));
    }
    for (pattern, row_expect) in &expect.results {
        let matching: Vec<&Value> = rows
            .iter()
            .filter(|r| glob(pattern, text(r, "destination")))
            .collect();
        if matching.is_empty() {
            wrong.push(format!("no row for {pattern}"));
        }
        for row in matching {
            let name = text(row, "destination");
            let field = |key: &str, want: &Option<String>, wrong: &mut Vec<String>| {
                if let Some(want) = want
                    && text(row, key) != want
                {
                    wrong.push(format!(
                        "{name}: {key} {:?} (expected {want}); detail: {}",
                        row[key],
                        text(row, "detail")
                    ));
                }
            };
            field("status", &row_expect.status, &mut wrong);
            field("expected", &row_expect.expected, &mut wrong);
            field("predicted", &row_expect.predicted, &mut wrong);
            field("observed", &row_expect.observed, &mut wrong);
            for (key, want) in [
                ("detail", &row_expect.detail_contains),
                ("remedy", &row_expect.remedy_contains),
            ] {
                if let Some(want) = want
                    && !text(row, key).contains(want.as_str())
                {
                    wrong.push(format!("{name}: {key} {:?} lacks {want:?}", row[key]));
                }
            }
            if let Some(want) = &row_expect.evidence_contains
                && !array(row, "evidence")
                    .iter()
                    .any(|e| e.as_str().unwrap_or("").contains(want.as_str()))
            {
                wrong.push(format!(
                    "{name}: no evidence contains {want:?}: {}",
                    row["evidence"]
                ));
            }
        }
    }
    if let Some(limit) = &expect.finishes_within {
        match duration(limit) {
            Ok(limit) if outcome.elapsed > limit => wrong.push(format!(
                "took {:?} (expected at most {limit:?})",
                outcome.elapsed
            )),
            Ok(_) => {}
            Err(e) => wrong.push(e),
        }
    }
    wrong
}

/// Every way the report differs from `expect`.
pub(crate) fn verify(expect: &Expect, outcome: &Outcome) -> Vec<String> {
    let report = &outcome.report;
    let mut wrong = Vec::new();
    if let Some(exit) = expect.exit
        && exit != outcome.exit
    {
        wrong.push(format!("exit code {} (expected {exit})", outcome.exit));
    }
    if let Some(verdict) = &expect.verdict
        && text(report, "verdict") != verdict
    {
        wrong.push(format!(
            "verdict {} (expected {verdict})",
            text(report, "verdict")
        ));
    }
    if let Some(setup) = &expect.setup
        && text(&report["setup"], "id") != setup
    {
        wrong.push(format!(
            "setup {} (expected {setup})",
            text(&report["setup"], "id")
        ));
    }
    for (vendor, state) in &expect.clients {
        let found = array(report, "clients")
            .iter()
            .find(|c| text(c, "vendor") == vendor);
        match found {
            Some(c) if text(c, "state") == state => {}
            Some(c) => wrong.push(format!(
                "client {vendor} is {} (expected {state})",
                text(c, "state")
            )),
            None => wrong.push(format!("no client {vendor} in the report")),
        }
    }
    verify_checks(expect, report, &mut wrong);
    verify_dns(expect, report, &mut wrong);
    verify_connections(expect, report, &mut wrong);
    if let Some(alerts) = &expect.alerts {
        let open: Vec<(String, String)> = array(report, "alerts")
            .iter()
            .map(|a| (text(a, "id").to_string(), text(a, "severity").to_string()))
            .collect();
        let want: Vec<(String, String)> =
            alerts.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut sorted = open.clone();
        sorted.sort();
        if sorted != want {
            wrong.push(format!("open alerts {open:?} (expected {want:?})"));
        }
    }
    for event in &expect.events {
        let matching: Vec<&Value> = array(report, "events")
            .iter()
            .filter(|e| text(e, "kind") == event.kind)
            .filter(|e| {
                event
                    .text_contains
                    .as_deref()
                    .is_none_or(|t| text(e, "text").contains(t))
            })
            .collect();
        if matching.is_empty() {
            let kinds: Vec<String> = array(report, "events")
                .iter()
                .map(|e| format!("{}: {}", text(e, "kind"), text(e, "text")))
                .collect();
            wrong.push(format!(
                "no {} event{} (events: {kinds:#?})",
                event.kind,
                event
                    .text_contains
                    .as_deref()
                    .map(|t| format!(" containing {t:?}"))
                    .unwrap_or_default()
            ));
            continue;
        }
        if let (Some(at_least), Some(after)) = (&event.duration_at_least, &event.text_contains) {
            let at_least = duration(at_least).unwrap_or_default();
            for e in matching {
                let said = text(e, "text");
                let tail = said.split_once(after.as_str()).map_or("", |(_, t)| t);
                // The duration is the text up to the first character that is not part of one.
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == ' ' || c == '.'))
                    .unwrap_or(tail.len());
                let spoken = tail[..end].trim();
                let spoken = spoken
                    .split_whitespace()
                    .take_while(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
                    .collect::<Vec<_>>()
                    .join("");
                match duration(&spoken) {
                    Ok(d) if d >= at_least => {}
                    Ok(d) => wrong.push(format!(
                        "{} event {said:?}: {d:?} is shorter than {at_least:?}",
                        event.kind
                    )),
                    Err(e) => wrong.push(format!(
                        "{} event {said:?}: no duration after {after:?} ({e})",
                        event.kind
                    )),
                }
            }
        }
    }
    if let Some(limit) = &expect.finishes_within {
        let limit = duration(limit).unwrap_or_default();
        if outcome.elapsed >= limit {
            wrong.push(format!(
                "ssetop took {:?}, not less than {limit:?}",
                outcome.elapsed
            ));
        }
    }
    wrong
}

fn verify_checks(expect: &Expect, report: &Value, wrong: &mut Vec<String>) {
    let checks = array(report, "checks");
    for key in expect.checks.keys() {
        if !checks.iter().any(|c| glob(key, text(c, "id"))) {
            wrong.push(format!("no check matches {key:?}"));
        }
    }
    for check in checks {
        let id = text(check, "id");
        let Some(want) = pick(&expect.checks, id) else {
            continue;
        };
        let status = text(check, "status");
        let summary = text(check, "summary");
        if !one_of(want.status(), status) {
            wrong.push(format!(
                "check {id} is {status} (expected {}): {summary}",
                want.status()
            ));
        }
        if let Some(needle) = want.summary_contains()
            && !summary.contains(needle)
        {
            wrong.push(format!(
                "check {id}: summary {summary:?} does not contain {needle:?}"
            ));
        }
        let evidence: Vec<&str> = array(check, "evidence")
            .iter()
            .map(|e| e.as_str().unwrap_or_default())
            .collect();
        for needle in want.evidence_contains() {
            if !evidence.iter().any(|e| e.contains(needle)) {
                wrong.push(format!(
                    "check {id}: no evidence line contains {needle:?} (evidence: {evidence:?})"
                ));
            }
        }
        if let Some(needle) = want.remedy_contains() {
            let remedy = text(check, "remedy");
            if !remedy.contains(needle) {
                wrong.push(format!(
                    "check {id}: remedy {remedy:?} does not contain {needle:?}"
                ));
            }
        }
    }
}

/// An expected status may name alternatives, `pass|skip`: where timing decides between
/// outcomes that are both right, and only the others are wrong.
fn one_of(expected: &str, actual: &str) -> bool {
    expected.split('|').any(|e| e == actual)
}

fn verify_dns(expect: &Expect, report: &Value, wrong: &mut Vec<String>) {
    let dns = array(report, "dns");
    for key in expect.dns.keys() {
        if !dns.iter().any(|d| glob(key, text(d, "name"))) {
            wrong.push(format!("no DNS answer matches {key:?}"));
        }
    }
    for answer in dns {
        let name = text(answer, "name");
        if let Some(want) = pick(&expect.dns, name)
            && !one_of(want, text(answer, "status"))
        {
            wrong.push(format!(
                "DNS {name} is {} (expected {want}): {}",
                text(answer, "status"),
                text(answer, "detail")
            ));
        }
    }
    if let Some(limit) = &expect.dns_elapsed_at_most {
        let limit = duration(limit).unwrap_or_default();
        for answer in dns.iter().filter(|d| text(d, "status") != "skipped") {
            let ms = answer["elapsed_ms"].as_u64().unwrap_or(u64::MAX);
            if Duration::from_millis(ms) > limit {
                wrong.push(format!(
                    "DNS {} took {ms} ms, more than {limit:?} ({})",
                    text(answer, "name"),
                    text(answer, "detail")
                ));
            }
        }
    }
}

fn verify_connections(expect: &Expect, report: &Value, wrong: &mut Vec<String>) {
    for want in &expect.connections {
        let what = want
            .what
            .as_deref()
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        let found: Vec<&Value> = array(report, "connections")
            .iter()
            .filter(|c| text(c, "remote") == want.remote)
            .collect();
        if found.is_empty() {
            wrong.push(format!("no connection to {}{what}", want.remote));
            continue;
        }
        for c in found {
            let fields = [
                ("carrier", &want.carrier),
                ("channel", &want.channel),
                ("confidence", &want.confidence),
                ("interface", &want.interface),
                ("state", &want.state),
                ("tunnel_of", &want.tunnel_of),
            ];
            for (key, expected) in fields {
                if let Some(expected) = expected
                    && text(c, key) != expected
                {
                    wrong.push(format!(
                        "connection {} -> {}{what} of {}: {key} {} (expected {expected}); evidence: {}",
                        text(c, "local"),
                        want.remote,
                        text(c, "process"),
                        text(c, key),
                        c["evidence"]
                    ));
                }
            }
        }
    }
}

/// Every way an `ssetop explain` answer differs from `spec` (its first path).
pub(crate) fn verify_explain(spec: &ExplainSpec, outcome: &Outcome) -> Vec<String> {
    let e = &outcome.report;
    let mut wrong = Vec::new();
    let label = spec.args.join(" ");
    if outcome.exit != spec.exit.unwrap_or(0) {
        wrong.push(format!(
            "explain {label}: exit {} (expected {})",
            outcome.exit,
            spec.exit.unwrap_or(0)
        ));
    }
    if e["schema"] != "ssetop.explain.v1" {
        wrong.push(format!("explain {label}: schema {}", e["schema"]));
    }
    if let Some(status) = &spec.resolution
        && text(&e["resolution"], "status") != status
    {
        wrong.push(format!(
            "explain {label}: resolution {} (expected {status})",
            e["resolution"]
        ));
    }
    let path = &e["paths"][0];
    let fields = [
        ("carrier", &spec.carrier, text(path, "carrier")),
        ("class", &spec.class, text(path, "class")),
        ("interface", &spec.interface, text(path, "interface")),
        ("rule", &spec.rule, text(&path["rule"], "id")),
        (
            "route.vendor",
            &spec.route_vendor,
            text(&path["route"], "vendor"),
        ),
    ];
    for (key, expected, found) in fields {
        if let Some(expected) = expected
            && found != *expected
        {
            wrong.push(format!(
                "explain {label}: {key} {found} (expected {expected}); steps: {}",
                path["steps"]
            ));
        }
    }
    if let Some(needle) = &spec.evidence_contains {
        let all = format!("{}{}", path["evidence"], path["steps"]);
        if !all.contains(needle.as_str()) {
            wrong.push(format!(
                "explain {label}: no evidence contains {needle:?}: {all}"
            ));
        }
    }
    wrong
}

/// A few lines that say what the report concluded, for failure messages.
pub(crate) fn digest(report: &Value) -> String {
    let mut out = format!(
        "verdict {}, setup {}\n",
        text(report, "verdict"),
        text(&report["setup"], "id")
    );
    for c in array(report, "clients") {
        out.push_str(&format!(
            "  client {}: {}\n",
            text(c, "vendor"),
            text(c, "state")
        ));
    }
    for c in array(report, "checks") {
        out.push_str(&format!(
            "  {:5} {}: {}\n",
            text(c, "status"),
            text(c, "id"),
            text(c, "summary")
        ));
    }
    for c in array(report, "connections") {
        out.push_str(&format!(
            "  conn {} {} -> {} [{}] {} {} {}\n",
            text(c, "process"),
            text(c, "local"),
            text(c, "remote"),
            text(c, "state"),
            text(c, "carrier"),
            text(c, "channel"),
            text(c, "interface")
        ));
    }
    for a in array(report, "alerts") {
        out.push_str(&format!(
            "  alert {} {}: {}\n",
            text(a, "id"),
            text(a, "severity"),
            text(a, "summary")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("bypass-route:*", "bypass-route:6.6.0.0/16"));
        assert!(glob("*", "anything"));
        assert!(glob("*.edgediagnostic.*", "m365.edgediagnostic.example"));
        assert!(!glob("bypass-route:*", "edge-dns:x"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
        assert!(!glob("a*b*c", "acb"));
    }
}
