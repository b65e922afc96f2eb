//! `forwarding-profile`: GSA's forwarding profile is there, parses, and enables the channels the
//! setup needs.

use super::console;
use crate::analysis::facts::Facts;
use crate::analysis::profile::ProfileState;
use crate::assessment::{Check, Status};
use crate::knowledge::{Channel, SetupId, Vendor};
use crate::snapshot::Reading;

pub(super) fn forwarding_profile_check(facts: &Facts, setup: SetupId) -> Check {
    let id = "forwarding-profile";
    let gsa_present = facts.client_of(Vendor::Gsa).is_present();
    let reading = facts.snapshot.settings.get().map(|s| &s.forwarding_profile);
    let Some(profile) = &facts.profile else {
        let reason = reading
            .and_then(Reading::reason)
            .map_or_else(|| facts.snapshot.settings.describe(), str::to_string);
        return match reading {
            Some(Reading::Missing(_)) if gsa_present => {
                Check::new(id, Status::Fail, format!("no forwarding profile: {reason}"))
                    .remedy("sign in to the GSA client so that it downloads its forwarding profile; check Microsoft Entra admin center > Global Secure Access > Connect > Traffic forwarding")
            }
            Some(Reading::Unavailable(_)) => {
                Check::new(id, Status::Warn, format!("cannot read the forwarding profile: {reason}"))
            }
            _ => Check::new(id, Status::Skip, reason),
        };
    };
    let origin = &profile.origin;
    let parsed = match ProfileState::of(&profile.parsed) {
        ProfileState::Parsed(p) => p,
        ProfileState::NotUnderstood(e) => {
            return Check::new(id, Status::Fail, format!("forwarding profile from {origin}: {e}"))
                .remedy("restart the GSA client to fetch the profile again; keep the broken value for Microsoft support");
        }
        // ssetop's own budget ran out, not the device's profile: its rules are left out.
        ProfileState::TimedOut(e) => {
            return Check::new(
                id,
                Status::Warn,
                format!(
                    "forwarding profile from {origin} was not indexed within --deadline; its rules are left out of this report"
                ),
            )
            .evidence(vec![e.to_string()])
            .remedy("give a longer --deadline");
        }
    };
    let mut evidence: Vec<String> = parsed
        .channels
        .iter()
        .map(|c| {
            format!(
                "channel {} ({}): {}, {} primary edge(s)",
                c.name,
                c.id,
                if c.enabled { "enabled" } else { "disabled" },
                c.primary_edges.len()
            )
        })
        .collect();
    evidence.push(format!("{} rule(s)", parsed.rules.len()));
    if let Some(ts) = &profile.timestamp {
        // macOS's cached file has no timestamp of its own: its modification time stands in.
        if origin.starts_with("cache:") {
            evidence.push(format!("cached file modified {ts}"));
        } else {
            evidence.push(format!("ForwardingProfileTimestamp {ts}"));
        }
    }
    evidence.extend(parsed.warnings.iter().cloned());
    evidence.extend(parsed.ila_and_private_dns_evidence());
    let enabled = parsed.enabled_channels();
    let names: Vec<&str> = enabled.iter().map(|c| c.id()).collect();
    // Present and parsed is this check's question; a profile that enables nothing is the
    // break-glass check's (one finding, one failing check).
    if enabled.is_empty() {
        return Check::new(
            id,
            Status::Pass,
            format!(
                "forwarding profile from {origin} parses; it enables no channel (see break-glass)"
            ),
        )
        .evidence(evidence);
    }
    let expected = facts.knowledge.setup(setup).map(|s| s.gsa_channels.clone());
    let mut mismatches = Vec::new();
    if let Some(expected) = &expected {
        for channel in [Channel::M365, Channel::Internet, Channel::Private] {
            match (expected.contains(&channel), enabled.contains(&channel)) {
                (true, false) => {
                    mismatches.push(format!("{channel} is off but setup {setup} needs it"))
                }
                (false, true) => mismatches.push(format!(
                    "{channel} is on but setup {setup} leaves it to the other client"
                )),
                _ => {}
            }
        }
    }
    if !mismatches.is_empty() {
        return Check::new(
            id,
            Status::Warn,
            format!(
                "forwarding profile channels do not match setup {setup}: {}",
                mismatches.join("; ")
            ),
        )
        .evidence(evidence)
        .remedy(console(facts, Vendor::Gsa));
    }
    let status = if parsed.warnings.is_empty() {
        Status::Pass
    } else {
        Status::Warn
    };
    Check::new(
        id,
        status,
        format!(
            "forwarding profile from {origin}: channels {} enabled, {} rule(s){}",
            names.join(", "),
            parsed.rules.len(),
            if parsed.warnings.is_empty() {
                String::new()
            } else {
                format!(", {} rule(s) not understood", parsed.warnings.len())
            }
        ),
    )
    .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    #[test]
    fn forwarding_profile_check() {
        let skip = Device::new("linux").build();
        assert_eq!(status(&skip, None, "forwarding-profile"), Status::Skip);
        let missing = with_gsa(Device::windows())
            .settings(|s| s.forwarding_profile = Reading::Missing("no value".into()))
            .build();
        assert_eq!(status(&missing, None, "forwarding-profile"), Status::Fail);
        let denied = Device::windows()
            .settings(|s| s.forwarding_profile = Reading::Unavailable("access denied".into()))
            .build();
        assert_eq!(status(&denied, None, "forwarding-profile"), Status::Warn);
        let broken = Device::windows().profile("{\"policy\": ").build();
        let check = find(&checks(&broken, None), "forwarding-profile").clone();
        assert_eq!(check.status, Status::Fail);
        assert!(check.summary.contains("line 1"));
        let none_enabled = Device::windows()
            .profile(&profile_json(&[("m365", false)], ""))
            .build();
        // Break-glass is the break-glass check's finding; the profile itself parsed.
        assert_eq!(
            status(&none_enabled, None, "forwarding-profile"),
            Status::Pass
        );
        assert_eq!(status(&none_enabled, None, "break-glass"), Status::Fail);
        let m365 = profile_json(&[("m365", true), ("internet", false)], "");
        let good = Device::windows().profile(&m365).build();
        assert_eq!(
            status(&good, Some(SetupId::GlobalProtect), "forwarding-profile"),
            Status::Pass
        );
        // zscaler-private needs Internet Access on.
        let check = find(
            &checks(&good, Some(SetupId::ZscalerPrivate)),
            "forwarding-profile",
        )
        .clone();
        assert_eq!(check.status, Status::Warn);
        assert!(
            check.summary.contains("internet is off"),
            "{}",
            check.summary
        );
    }

    #[test]
    fn a_profile_not_indexed_by_the_deadline_warns_and_blames_the_deadline_not_the_device() {
        use std::sync::Arc;

        use crate::analysis::{AnalysisOptions, Analyzer};
        use crate::knowledge::Knowledge;

        let rules: String = (0..2000)
            .map(|i| {
                format!(
                    r#",{{"id":"r{i}","order":{i}.0,"action":"Tunnel","protocol":"Tcp","channelId":"m365","matchingCriteria":{{"address":{{"fqdns":["host{i}.contoso.com"]}},"ports":["443"]}}}}"#
                )
            })
            .collect();
        let json = profile_json(&[("m365", true)], rules.trim_start_matches(','));
        let device = Device::windows().profile(&json).build();
        let mut analyzer =
            Analyzer::new(Arc::new(Knowledge::embedded()), AnalysisOptions::default());
        // A deadline already passed: nothing can be indexed in time.
        analyzer.set_profile_deadline(std::time::Instant::now());
        let assessment = analyzer.assess(&device);
        let check = find(&assessment.checks, "forwarding-profile");
        assert_eq!(check.status, Status::Warn, "{check:#?}");
        assert!(
            check.summary.contains("not indexed within --deadline"),
            "{}",
            check.summary
        );
        assert_eq!(check.remedy.as_deref(), Some("give a longer --deadline"));
    }
}
