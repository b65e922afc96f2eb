//! `profile-bypass:<fqdn>`: GSA's forwarding profile lets another SSE's own brokers through
//! (Microsoft's coexistence guides: a custom Bypass for `*.prod.zpath.net` beside ZPA, for
//! `*.gpcloudservice.com` beside Prisma Access). One check per knowledge entry.

use crate::analysis::facts::Facts;
use crate::analysis::profile::RuleAction;
use crate::assessment::{Check, Status};
use crate::knowledge::{Channel, ProfileBypass, SetupId, Vendor};
use crate::snapshot::Protocol;

/// A documentation address (TEST-NET-1): only rules that match every address, or the name,
/// decide for it, as for a broker whose address the profile cannot know.
const PROBE_ADDRESS: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

/// A name under the pattern (`*.prod.zpath.net` → `broker.prod.zpath.net`).
fn example_name(fqdn: &str) -> String {
    let plain = fqdn.replace("\\.", ".");
    match plain.strip_prefix("*.") {
        Some(suffix) => format!("broker.{suffix}"),
        None => plain,
    }
}

pub(super) fn profile_bypass_checks(facts: &Facts, setup: SetupId) -> Vec<Check> {
    facts
        .knowledge
        .file
        .gsa
        .profile_bypasses
        .iter()
        .map(|bypass| profile_bypass_check(facts, setup, bypass))
        .collect()
}

/// The other client of the setup, whose brokers GSA must let through.
fn setup_vendor(setup: SetupId) -> Option<Vendor> {
    match setup {
        SetupId::GlobalProtect => Some(Vendor::GlobalProtect),
        SetupId::ZscalerPrivate | SetupId::ZscalerInternet => Some(Vendor::Zscaler),
        SetupId::None => None,
    }
}

fn profile_bypass_check(facts: &Facts, setup: SetupId, bypass: &ProfileBypass) -> Check {
    let id = format!("profile-bypass:{}", bypass.fqdn);
    if !facts.is_running(bypass.vendor) && setup_vendor(setup) != Some(bypass.vendor) {
        return Check::new(
            id,
            Status::Skip,
            format!(
                "{} is not part of this device's setup ({setup}) and does not run",
                bypass.vendor.label()
            ),
        );
    }
    let Some(profile) = facts.parsed_profile() else {
        return Check::new(id, Status::Skip, "no GSA forwarding profile to read");
    };
    if !profile.enabled_channels().contains(&Channel::Internet) {
        return Check::new(
            id,
            Status::Skip,
            "GSA's Internet Access channel is not enabled: it tunnels none of these names",
        );
    }
    let name = example_name(&bypass.fqdn);
    let what = format!("{} ({})", bypass.what, bypass.vendor.label());
    let rule = profile.find(PROBE_ADDRESS, Protocol::Tcp, 443, Some(&name));
    match rule {
        Some(rule) if rule.action == RuleAction::Bypass => Check::new(
            id,
            Status::Pass,
            format!("{} bypasses {}: {what} reach their client directly", rule.label(), bypass.fqdn),
        )
        .evidence([format!("{name} tcp/443 first matches {}", rule.label())]),
        Some(rule) => Check::new(
            id,
            Status::Fail,
            format!(
                "GSA's forwarding profile {} tunnels {}: {what} would enter GSA's tunnel",
                rule.label(),
                bypass.fqdn
            ),
        )
        .evidence([
            format!("{name} tcp/443 first matches {}", rule.label()),
            format!("source: {}", bypass.source),
        ])
        .remedy(format!(
            "add a custom Bypass rule for {} to the Internet Access forwarding profile, ordered before {}: {}",
            bypass.fqdn,
            rule.label(),
            super::console(facts, Vendor::Gsa)
        )),
        None => Check::new(
            id,
            Status::Pass,
            format!("no rule of GSA's profile takes {}: {what} reach their client directly", bypass.fqdn),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::checks::testing::*;

    const TUNNEL_ALL: &str = r#"
        {"id": "all", "channelId": "internet", "order": 69.0, "action": "Tunnel",
         "matchingCriteria": {"address": {"ips": [{"start": 0, "end": 4294967295}]}, "protocol": "All"}}"#;

    fn check(rules: &str, channels: &[(&str, bool)], id: &str) -> Check {
        let s = with_gsa(Device::windows())
            .process(5000, "ZSATunnel.exe")
            .process(4200, "PanGPS.exe")
            .profile(&profile_json(channels, rules))
            .build();
        find(&checks(&s, None), id).clone()
    }

    #[test]
    fn a_bypass_before_the_tunnel_all_rule_passes_either_way_of_writing_it() {
        let rules = format!(
            r#"{{"id": "zpa", "channelId": "Internet", "order": 10.0, "action": "Bypass",
               "matchingCriteria": {{"address": {{"fqdns": ["*\\.prod\\.zpath\\.net"]}}}}}},
               {{"id": "gp", "channelId": "internet", "order": 11, "action": "bypass",
               "matchingCriteria": {{"address": {{"fqdns": ["*.gpcloudservice.com"]}}}}}},{TUNNEL_ALL}"#
        );
        let zpa = check(
            &rules,
            &[("internet", true)],
            "profile-bypass:*.prod.zpath.net",
        );
        assert_eq!(zpa.status, Status::Pass, "{zpa:#?}");
        assert!(
            zpa.summary.contains("rule zpa (order 10"),
            "{}",
            zpa.summary
        );
        let gp = check(
            &rules,
            &[("internet", true)],
            "profile-bypass:*.gpcloudservice.com",
        );
        assert_eq!(gp.status, Status::Pass);
    }

    #[test]
    fn the_internet_channel_tunnelling_the_brokers_fails_naming_the_rule() {
        let zpa = check(
            TUNNEL_ALL,
            &[("internet", true)],
            "profile-bypass:*.prod.zpath.net",
        );
        assert_eq!(zpa.status, Status::Fail);
        assert!(
            zpa.summary.contains("rule all (order 69, internet)"),
            "{}",
            zpa.summary
        );
        assert!(
            zpa.remedy
                .unwrap()
                .contains("Bypass rule for *.prod.zpath.net")
        );
    }

    #[test]
    fn a_vendor_outside_the_setup_skips() {
        let s = with_gsa(Device::windows())
            .profile(&profile_json(&[("internet", true)], TUNNEL_ALL))
            .build();
        let gp = find(
            &checks(&s, Some(SetupId::ZscalerPrivate)),
            "profile-bypass:*.gpcloudservice.com",
        )
        .clone();
        assert_eq!(gp.status, Status::Skip);
        assert!(
            gp.summary.contains("GlobalProtect is not part"),
            "{}",
            gp.summary
        );
        let zpa = find(
            &checks(&s, Some(SetupId::ZscalerPrivate)),
            "profile-bypass:*.prod.zpath.net",
        )
        .clone();
        assert_eq!(zpa.status, Status::Fail);
    }

    #[test]
    fn no_profile_or_no_internet_access_skips_with_the_reason() {
        let none = find(
            &checks(
                &with_gsa(Device::windows()).build(),
                Some(SetupId::ZscalerPrivate),
            ),
            "profile-bypass:*.prod.zpath.net",
        )
        .clone();
        assert_eq!(none.status, Status::Skip);
        assert!(none.summary.contains("no GSA forwarding profile"));
        let off = check(
            TUNNEL_ALL,
            &[("internet", false), ("m365", true)],
            "profile-bypass:*.prod.zpath.net",
        );
        assert_eq!(off.status, Status::Skip);
        assert!(off.summary.contains("Internet Access"), "{}", off.summary);
    }
}
