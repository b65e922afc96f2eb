//! `quic`: browser policies turn QUIC off where GSA carries internet traffic.

use super::{console, policies};
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::{Channel, SetupId, Vendor};

/// Whether GSA carries internet traffic here, and the sentence that says how it is known.
fn internet_access_in_use(facts: &Facts, setup: SetupId) -> (bool, String) {
    if let Some(profile) = facts.parsed_profile() {
        let on = profile.enabled_channels().contains(&Channel::Internet);
        return (
            on,
            format!(
                "the forwarding profile {} the Internet Access channel",
                if on { "enables" } else { "does not enable" }
            ),
        );
    }
    let on = facts
        .knowledge
        .setup(setup)
        .is_some_and(|s| s.gsa_channels.contains(&Channel::Internet));
    (
        on,
        format!(
            "setup {setup} {} GSA Internet Access (no forwarding profile to tell)",
            if on { "uses" } else { "does not use" }
        ),
    )
}

pub(super) fn quic_check(facts: &Facts, setup: SetupId) -> Check {
    let id = "quic";
    let list = match policies(facts, id) {
        Ok(list) => list,
        Err(check) => return check,
    };
    let (in_use, why) = internet_access_in_use(facts, setup);
    let mut judged = Vec::new();
    for (scope, browser) in [("edge", "Edge"), ("chrome", "Chrome")] {
        let policy = list
            .iter()
            .find(|p| p.scope == scope && p.name == "QuicAllowed");
        judged.push(match policy.map(|p| (p.value.trim(), p)) {
            Some(("0", p)) => (
                Status::Pass,
                format!(
                    "{browser}: QuicAllowed = 0{}: QUIC off",
                    p.origin
                        .as_deref()
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default()
                ),
            ),
            Some(("1", _)) => (
                Status::Warn,
                format!("{browser}: QuicAllowed = 1: QUIC allowed by policy"),
            ),
            Some((v, _)) => (
                Status::Warn,
                format!("{browser}: QuicAllowed = {v}: not understood, QUIC taken as allowed"),
            ),
            None => (
                Status::Warn,
                format!("{browser}: QuicAllowed not set by policy: QUIC is on by default"),
            ),
        });
    }
    let mut evidence = vec![why.clone()];
    evidence.extend(judged.iter().map(|(_, e)| e.clone()));
    if !in_use {
        return Check::new(
            id,
            Status::Skip,
            format!("QUIC matters to GSA Internet Access only: {why}"),
        )
        .evidence(evidence);
    }
    let allowed: Vec<&str> = judged
        .iter()
        .filter(|(s, _)| *s != Status::Pass)
        .filter_map(|(_, e)| e.split(':').next())
        .collect();
    if allowed.is_empty() {
        return Check::new(id, Status::Pass, "QUIC is off by policy in Edge and Chrome")
            .evidence(evidence);
    }
    Check::new(
        id,
        Status::Warn,
        format!(
            "QUIC is allowed in {}: GSA Internet Access does not acquire QUIC (UDP 443), so that traffic is not secured by it",
            allowed.join(" and ")
        ),
    )
    .evidence(evidence)
    .remedy(format!(
        r"set QuicAllowed = 0 (REG_DWORD) under HKLM\SOFTWARE\Policies\Microsoft\Edge and HKLM\SOFTWARE\Policies\Google\Chrome; {}",
        console(facts, Vendor::Gsa)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    fn quic(setup: SetupId, policies: Vec<PolicyValue>) -> Check {
        let s = snapshot("windows", with(|s| s.policies = Reading::Value(policies)));
        find(&host_checks(&s, setup), "quic").clone()
    }

    #[test]
    fn quic_is_judged_only_where_gsa_carries_internet_traffic() {
        // zscaler-private: GSA carries internet traffic.
        let check = quic(SetupId::ZscalerPrivate, vec![]);
        assert_eq!(check.status, Status::Warn);
        assert!(
            check.summary.contains("Edge and Chrome"),
            "{}",
            check.summary
        );
        let off = vec![
            policy("edge", "QuicAllowed", "0"),
            policy("chrome", "QuicAllowed", "0"),
        ];
        assert_eq!(
            quic(SetupId::ZscalerPrivate, off.clone()).status,
            Status::Pass
        );
        let check = quic(SetupId::ZscalerPrivate, off[..1].to_vec());
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("Chrome") && !check.summary.contains("Edge"));
        // globalprotect: GSA carries Microsoft 365 only.
        let check = quic(SetupId::GlobalProtect, vec![]);
        assert_eq!(check.status, Status::Skip);
        assert!(check.summary.contains("does not use"), "{}", check.summary);
    }
}
