//! `break-glass`: the forwarding profile enables at least one channel. With every traffic
//! profile switched off in the portal (break-glass mode) GSA tunnels nothing at all.

use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};

pub(super) const TRAFFIC_FORWARDING: &str = "Microsoft Entra admin center > Global Secure Access > Connect > Traffic forwarding: enable at least one traffic profile (clients receive the change within about an hour)";

pub(super) fn break_glass_check(facts: &Facts) -> Check {
    let id = "break-glass";
    let Some(profile) = facts.parsed_profile() else {
        return Check::new(
            id,
            Status::Skip,
            "no forwarding profile was read and parsed (see forwarding-profile)",
        );
    };
    // A channel counts as off where the profile says so in any of the markings seen or
    // plausible (`isEnabled: false`, `enabled: false`, `state: disabled`); the reader folds
    // them into `enabled`.
    let evidence: Vec<String> = profile
        .channels
        .iter()
        .map(|c| {
            format!(
                "channel {} ({}): {}",
                c.name,
                c.id,
                if c.enabled { "enabled" } else { "disabled" }
            )
        })
        .collect();
    let enabled: Vec<&str> = profile
        .channels
        .iter()
        .filter(|c| c.enabled)
        .map(|c| c.name.as_str())
        .collect();
    // No channel at all is a layout ssetop does not know, not a proof of break-glass.
    if profile.channels.is_empty() {
        return Check::new(
            id,
            Status::Warn,
            "the forwarding profile lists no channel ssetop can read: its layout is not understood, so break-glass cannot be told",
        )
        .remedy("keep the profile (--record) for the ssetop maintainers; GSA's own Health check shows its reading");
    }
    if enabled.is_empty() {
        return Check::new(
            id,
            Status::Fail,
            "break-glass mode: the forwarding profile enables no channel, so GSA tunnels no traffic",
        )
        .evidence(evidence)
        .remedy(TRAFFIC_FORWARDING);
    }
    Check::new(
        id,
        Status::Pass,
        format!(
            "break-glass mode is off: {} channel(s) enabled ({})",
            enabled.len(),
            enabled.join(", ")
        ),
    )
    .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn with_profile(json: &str) -> Snapshot {
        with_gsa(Device::windows()).profile(json).build()
    }

    #[test]
    fn a_profile_with_every_channel_off_is_break_glass_and_fails() {
        let s = with_profile(&profile_json(&[("m365", false), ("Private", false)], ""));
        let check = find(&checks(&s, None), "break-glass").clone();
        assert_eq!(check.status, Status::Fail, "{check:#?}");
        assert!(check.remedy.unwrap().contains("Traffic forwarding"));
    }

    #[test]
    fn a_state_of_disabled_in_any_case_counts_as_off() {
        let json = r#"{"policy": {"channels": [
            {"id": "1", "name": "m365", "state": "DISABLED"},
            {"id": "2", "name": "private", "state": "Disabled", "futureKey": 1}
        ], "rules": []}}"#;
        assert_eq!(
            status(&with_profile(json), None, "break-glass"),
            Status::Fail
        );
    }

    #[test]
    fn one_enabled_channel_passes_and_is_named() {
        let s = with_profile(&profile_json(&[("m365", false), ("internet", true)], ""));
        let check = find(&checks(&s, None), "break-glass").clone();
        assert_eq!(check.status, Status::Pass);
        assert!(check.summary.contains("internet"), "{}", check.summary);
    }

    #[test]
    fn without_a_profile_break_glass_is_skipped_and_still_listed() {
        let s = with_gsa(Device::windows()).build();
        assert_eq!(status(&s, None, "break-glass"), Status::Skip);
    }
    #[test]
    fn a_profile_without_channels_warns_instead_of_claiming_break_glass() {
        let s = with_profile(r#"{"policy": {"rules": [], "somethingNew": {"channels": []}}}"#);
        let check = find(&checks(&s, None), "break-glass").clone();
        assert_eq!(check.status, Status::Warn, "{check:#?}");
        assert!(check.summary.contains("not understood"));
    }
}
