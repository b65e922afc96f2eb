//! `doh`: Windows and browser policies keep DNS over HTTPS off, so GSA sees the names.

use super::policies;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::snapshot::{PolicyValue, UNREADABLE_POLICY};

/// One policy value judged: status, a short sentence, and the sentence with where it was read.
fn judge_doh(policy: &PolicyValue) -> (Status, String, String) {
    let value = policy.value.trim();
    let at = policy
        .origin
        .as_deref()
        .map(|o| format!(" ({o})"))
        .unwrap_or_default();
    if let Some(reason) = value.strip_prefix(UNREADABLE_POLICY) {
        let line = format!("{} {} unreadable: {reason}", policy.scope, policy.name);
        return (Status::Warn, line.clone(), format!("{line}{at}"));
    }
    let browser = match policy.scope.as_str() {
        "edge" => "Edge",
        "chrome" => "Chrome",
        "firefox" => "Firefox",
        _ => "Windows",
    };
    let (status, meaning) = match (policy.scope.as_str(), policy.name.as_str(), value) {
        ("windows", "DoHPolicy", "1") => (Status::Pass, "encrypted DNS prohibited by policy"),
        ("windows", "DoHPolicy", "2") => (
            Status::Warn,
            "encrypted DNS allowed by policy: adapters whose server supports DoH may use it",
        ),
        ("windows", "DoHPolicy", "3") => (Status::Fail, "encrypted DNS required by policy"),
        ("windows", "EnableAutoDoh", "2") => (
            Status::Warn,
            "automatic DoH on (EnableAutoDoh = 2): known DoH servers are used encrypted",
        ),
        ("windows", "EnableAutoDoh", v) if v.parse::<u32>().is_ok() => {
            (Status::Pass, "automatic DoH off")
        }
        ("edge" | "chrome", "DnsOverHttpsMode", v) if v.eq_ignore_ascii_case("off") => {
            (Status::Pass, "DoH off by policy")
        }
        ("edge" | "chrome", "DnsOverHttpsMode", v) if v.eq_ignore_ascii_case("automatic") => (
            Status::Warn,
            "DoH automatic by policy: used where the resolver supports it",
        ),
        ("edge" | "chrome", "DnsOverHttpsMode", v) if v.eq_ignore_ascii_case("secure") => {
            (Status::Fail, "DoH forced on by policy (secure)")
        }
        ("firefox", _, "0") => (Status::Pass, "DoH off by policy"),
        ("firefox", _, "1") => (Status::Fail, "DoH on by policy"),
        _ => (Status::Warn, "unrecognised value"),
    };
    let line = format!("{browser}: {} = {value}: {meaning}", policy.name);
    (status, line.clone(), format!("{line}{at}"))
}

pub(super) fn doh_check(facts: &Facts) -> Check {
    let id = "doh";
    let list = match policies(facts, id) {
        Ok(list) => list,
        Err(check) => return check,
    };
    let is_doh = |p: &&PolicyValue| {
        matches!(
            (p.scope.as_str(), p.name.as_str()),
            ("windows", "DoHPolicy" | "EnableAutoDoh")
                | ("edge" | "chrome", "DnsOverHttpsMode")
                | ("firefox", _)
        )
    };
    let mut judged: Vec<(Status, String, String)> =
        list.iter().filter(is_doh).map(judge_doh).collect();
    for (scope, browser) in [("edge", "Edge"), ("chrome", "Chrome")] {
        if !list
            .iter()
            .any(|p| p.scope == scope && p.name == "DnsOverHttpsMode")
        {
            let line = format!(
                "{browser}: DnsOverHttpsMode not set by policy: the browser uses DoH automatically where the resolver supports it"
            );
            judged.push((Status::Warn, line.clone(), line));
        }
    }
    let worst = judged
        .iter()
        .map(|(s, _, _)| *s)
        .max()
        .unwrap_or(Status::Pass);
    let evidence: Vec<String> = judged.iter().map(|(_, _, e)| e.clone()).collect();
    let remedy = r#"GSA cannot acquire names resolved over DoH: set DnsOverHttpsMode = "off" (REG_SZ) under HKLM\SOFTWARE\Policies\Microsoft\Edge and HKLM\SOFTWARE\Policies\Google\Chrome (Intune: Settings catalog), Firefox's DNSOverHTTPS Enabled = 0, and Windows DoHPolicy = 1 or unset"#;
    match worst {
        Status::Pass | Status::Skip => Check::new(
            id,
            Status::Pass,
            "DNS over HTTPS is off by policy in Edge and Chrome, and not enabled for Windows",
        )
        .evidence(evidence),
        status => {
            let first: Vec<&str> = judged
                .iter()
                .filter(|(s, _, _)| *s == status)
                .map(|(_, line, _)| line.as_str())
                .collect();
            Check::new(
                id,
                status,
                format!(
                    "DNS over HTTPS may bypass GSA: {}{}",
                    first.first().copied().unwrap_or_default(),
                    if first.len() > 1 {
                        format!(" (and {} more)", first.len() - 1)
                    } else {
                        String::new()
                    }
                ),
            )
            .evidence(evidence)
            .remedy(remedy)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    fn doh(policies: Vec<PolicyValue>) -> Check {
        let s = snapshot("windows", with(|s| s.policies = Reading::Value(policies)));
        find(&host_checks(&s, SetupId::GlobalProtect), "doh").clone()
    }

    #[test]
    fn doh_passes_only_when_both_browsers_are_pinned_off() {
        let off = vec![
            policy("edge", "DnsOverHttpsMode", "off"),
            policy("chrome", "DnsOverHttpsMode", "off"),
            policy("windows", "DoHPolicy", "1"),
        ];
        assert_eq!(doh(off.clone()).status, Status::Pass);
        let check = doh(off[..1].to_vec());
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("Chrome"), "{}", check.summary);
        assert_eq!(doh(Vec::new()).status, Status::Warn);
    }

    #[test]
    fn doh_forced_on_anywhere_fails() {
        for forced in [
            policy("edge", "DnsOverHttpsMode", "secure"),
            policy("windows", "DoHPolicy", "3"),
            policy("firefox", r"DNSOverHTTPS\Enabled", "1"),
        ] {
            let mut list = vec![
                policy("edge", "DnsOverHttpsMode", "off"),
                policy("chrome", "DnsOverHttpsMode", "off"),
            ];
            list.retain(|p| p.scope != forced.scope);
            list.push(forced.clone());
            let check = doh(list);
            assert_eq!(check.status, Status::Fail, "{forced:?}: {check:#?}");
        }
    }

    #[test]
    fn doh_automatic_unknown_and_unreadable_values_warn() {
        for value in ["automatic", "sometimes", "unreadable: access denied"] {
            let check = doh(vec![
                policy("edge", "DnsOverHttpsMode", value),
                policy("chrome", "DnsOverHttpsMode", "off"),
            ]);
            assert_eq!(check.status, Status::Warn, "{value}: {check:#?}");
        }
        let check = doh(vec![
            policy("edge", "DnsOverHttpsMode", "off"),
            policy("chrome", "DnsOverHttpsMode", "off"),
            policy("windows", "EnableAutoDoh", "2"),
        ]);
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("EnableAutoDoh"), "{}", check.summary);
    }
}
