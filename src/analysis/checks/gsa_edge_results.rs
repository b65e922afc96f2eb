//! `gsa-edge-results`: GSA's own last edge-diagnostic results (`State\EdsResults`), shown
//! beside ssetop's. The value is `<time>|<context>|<Channel>:<code>|…`
//! (`2026-11-15T19:34:32Z|User|Entra:0|M365:0|Private:0|Internet:0`); code 0 is what healthy
//! clients show, and no other code's meaning is published, so others are shown verbatim.

use jiff::Timestamp;

use super::JudgedName;
use super::value_or_check;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::Channel;

/// The value, decoded as far as it is known.
#[derive(Debug, PartialEq)]
struct EdsResults<'v> {
    time: Option<Timestamp>,
    context: Option<&'v str>,
    codes: Vec<(&'v str, &'v str)>,
    /// Parts that fit no known shape, verbatim.
    other: Vec<&'v str>,
}

fn decode(value: &str) -> EdsResults<'_> {
    let mut parts = value
        .trim()
        .split('|')
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let mut decoded = EdsResults {
        time: None,
        context: None,
        codes: Vec::new(),
        other: Vec::new(),
    };
    let first = parts.next();
    match first.map(|t| t.parse::<Timestamp>()) {
        Some(Ok(time)) => decoded.time = Some(time),
        _ => decoded.other.extend(first),
    }
    for part in parts {
        match part.split_once(':') {
            Some((channel, code)) if !channel.trim().is_empty() => {
                decoded.codes.push((channel.trim(), code.trim()))
            }
            _ if decoded.context.is_none() && decoded.codes.is_empty() => {
                decoded.context = Some(part)
            }
            _ => decoded.other.push(part),
        }
    }
    decoded
}

/// ssetop's own view of a channel's edge names, for the evidence line beside GSA's code.
fn own_result(facts: &Facts, names: Option<&[JudgedName]>, channel: &str) -> String {
    let Some(channel) = Channel::from_gsa_name(channel) else {
        return String::new();
    };
    let statuses: Vec<Status> = names
        .unwrap_or_default()
        .iter()
        .filter(|n| {
            super::edge_dns::edge_name_entry(facts, &n.row.answer.name)
                .is_some_and(|e| e.channel == Some(channel))
        })
        .map(|n| n.row.status)
        .collect();
    match statuses.iter().max() {
        Some(worst) => format!("; ssetop: edge-dns for {} {}", channel.id(), worst.id()),
        None => String::new(),
    }
}

pub(super) fn gsa_edge_results_check(facts: &Facts, names: Option<&[JudgedName]>) -> Check {
    let id = "gsa-edge-results";
    let value: &String = match value_or_check(facts, id, "GSA's EdsResults", |s| {
        &s.gsa_windows.eds_results
    }) {
        Ok(v) => v,
        Err(check) => return check,
    };
    let decoded = decode(value);
    let mut evidence = vec![format!("EdsResults {value:?}")];
    if let Some(time) = decoded.time {
        let age = facts.snapshot.taken_at.duration_since(time);
        evidence.push(format!(
            "run at {time} ({} before this snapshot){}",
            crate::util::format_duration(age.unsigned_abs()),
            decoded
                .context
                .map(|c| format!(", context {c}"))
                .unwrap_or_default()
        ));
    }
    let mut failing = Vec::new();
    for (channel, code) in &decoded.codes {
        let own = own_result(facts, names, channel);
        if *code == "0" {
            evidence.push(format!("{channel}: code 0 (as on healthy clients){own}"));
        } else {
            failing.push(format!("{channel} {code}"));
            evidence.push(format!(
                "{channel}: code {code} (meaning not published){own}"
            ));
        }
    }
    if !decoded.other.is_empty() {
        evidence.push(format!("not decoded: {}", decoded.other.join(" | ")));
    }
    if decoded.codes.is_empty() {
        return Check::new(
            id,
            Status::Warn,
            "GSA's EdsResults holds no channel result ssetop can read",
        )
        .evidence(evidence);
    }
    if failing.is_empty() {
        return Check::new(
            id,
            Status::Pass,
            format!(
                "GSA's own edge diagnostics: all {} channel(s) code 0",
                decoded.codes.len()
            ),
        )
        .evidence(evidence);
    }
    Check::new(
        id,
        Status::Warn,
        format!("GSA's own edge diagnostics report {}", failing.join(", ")),
    )
    .evidence(evidence)
    .remedy("open the GSA client's Advanced diagnostics > Health check for its own reading; compare with the edge-dns checks and, with --probe, diagnostic-uri")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::decode;

    #[test]
    fn the_field_shape_decodes_into_time_context_and_codes() {
        let d = decode("2026-11-15T19:34:32Z|User|Entra:0|M365:0|Private:0|Internet:0");
        assert_eq!(d.time.unwrap().to_string(), "2026-11-15T19:34:32Z");
        assert_eq!(d.context, Some("User"));
        assert_eq!(d.codes.len(), 4);
        assert!(d.other.is_empty());
    }

    #[test]
    fn unknown_shapes_are_kept_verbatim_not_dropped() {
        let d = decode(" garbage | Machine |M365: 12 | trailing|");
        assert_eq!(d.time, None);
        assert_eq!(d.other, ["garbage", "trailing"]);
        assert_eq!(d.context, Some("Machine"));
        assert_eq!(d.codes, [("M365", "12")]);
    }

    fn assess(value: &str) -> Check {
        let s = snapshot(
            "windows",
            with(|s| s.gsa_windows.eds_results = Reading::Value(value.into())),
        );
        find(&checks(&s, None), "gsa-edge-results").clone()
    }

    #[test]
    fn all_zero_codes_pass_and_a_nonzero_code_warns_naming_the_channel() {
        let ok = assess("2026-11-15T19:34:32Z|User|Entra:0|M365:0|Private:0|Internet:0");
        assert_eq!(ok.status, Status::Pass, "{ok:#?}");
        assert!(ok.evidence[1].contains("before this snapshot"));
        let bad = assess("2026-11-15T19:34:32Z|User|Entra:0|M365:0|Private:3|Internet:0");
        assert_eq!(bad.status, Status::Warn);
        assert_eq!(bad.summary, "GSA's own edge diagnostics report Private 3");
    }

    #[test]
    fn a_missing_value_is_skipped() {
        let s = snapshot(
            "windows",
            with(|s| s.gsa_windows.eds_results = Reading::Missing("no EdsResults value".into())),
        );
        assert_eq!(status(&s, None, "gsa-edge-results"), Status::Skip);
    }
}
