//! `magic-ip`: GSA acquires names. Where it tunnels a name (its own diagnostic URLs among
//! them), the client answers the system resolver with a synthetic ("magic") address from
//! `6.6.0.0/16` (or the profile's `hostAcquisitionInternalSubNet`); an ordinary public answer
//! means names are resolved past GSA (DNS over HTTPS, a resolver GSA does not see) and
//! FQDN rules acquire nothing. ssetop resolves each enabled channel's `diagnosticUri` host.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::Vendor;
use crate::snapshot::{DnsStatus, url_host};

const REMEDY: &str = "turn DNS over HTTPS off (see the doh check) so that names are resolved by the OS resolver GSA watches; restart the GSA client, and if it persists restart Windows to clear a volatile cache (Microsoft's advice)";

pub(super) fn magic_ip_check(facts: &Facts) -> Check {
    let id = "magic-ip";
    let Some(profile) = facts.parsed_profile() else {
        return Check::new(
            id,
            Status::Skip,
            "no forwarding profile: no diagnostic URL to resolve",
        );
    };
    let hosts: Vec<(String, String)> = profile
        .channels
        .iter()
        .filter(|c| c.enabled)
        .filter_map(|c| Some((c.name.clone(), url_host(c.diagnostic_uri.as_deref()?)?)))
        .collect();
    if hosts.is_empty() {
        return Check::new(
            id,
            Status::Skip,
            "no enabled channel has a diagnostic URL to resolve (see diagnostic-urls)",
        );
    }
    let Some(answers) = facts.snapshot.dns.get() else {
        return Check::new(
            id,
            Status::Skip,
            format!("DNS was not queried ({})", facts.snapshot.dns.describe()),
        );
    };
    if !facts.is_running(Vendor::Gsa) {
        return Check::new(
            id,
            Status::Skip,
            "GSA is not running: nothing answers with synthetic addresses",
        );
    }
    let profile_subnet: Option<IpNet> = facts
        .snapshot
        .settings
        .get()
        .and_then(|s| s.forwarding_profile.value())
        .and_then(|p| p.host_acquisition_subnet());
    let synthetic = |ip: IpAddr| {
        profile_subnet.map_or_else(
            || facts.synthetic(ip).is_some_and(|r| r.vendor == Vendor::Gsa),
            |net| net.contains(&ip),
        )
    };
    let range = profile_subnet.map_or_else(
        || "GSA's synthetic range".to_string(),
        |n| format!("{n} (hostAcquisitionInternalSubNet)"),
    );
    let (mut good, mut bad) = (0, Vec::new());
    let mut evidence = Vec::new();
    for (channel, host) in &hosts {
        let answer = answers.iter().find(|a| a.name.eq_ignore_ascii_case(host));
        let line = match answer {
            None => {
                format!("{channel}: {host} not resolved yet")
            }
            Some(a) if a.status == DnsStatus::Resolved => {
                let list: Vec<String> = a.addresses.iter().map(IpAddr::to_string).collect();
                if a.addresses.iter().any(|ip| synthetic(*ip)) {
                    good += 1;
                    format!("{channel}: {host} → {} (synthetic)", list.join(", "))
                } else {
                    bad.push(channel.as_str());
                    format!(
                        "{channel}: {host} → {}, outside {range}: the name was not acquired",
                        list.join(", ")
                    )
                }
            }
            Some(a) if a.status == DnsStatus::Skipped => {
                format!(
                    "{channel}: {host} not asked ({})",
                    a.detail.as_deref().unwrap_or("skipped")
                )
            }
            Some(a) => {
                bad.push(channel.as_str());
                format!(
                    "{channel}: {host} {} ({})",
                    a.status.id(),
                    a.detail.as_deref().unwrap_or("no answer")
                )
            }
        };
        evidence.push(line);
    }
    if !bad.is_empty() {
        return Check::new(
            id,
            Status::Fail,
            format!(
                "no synthetic address for {}'s diagnostic host",
                bad.join(", ")
            ),
        )
        .evidence(evidence)
        .remedy(REMEDY);
    }
    if good == 0 {
        return Check::new(
            id,
            Status::Skip,
            "the diagnostic hosts were not resolved yet",
        )
        .evidence(evidence);
    }
    Check::new(
        id,
        Status::Pass,
        format!(
            "GSA answers its diagnostic hosts with synthetic addresses ({good} of {})",
            hosts.len()
        ),
    )
    .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::snapshot::DnsStatus;

    const HOST: &str = "m365.edgediagnostic.globalsecureaccess.microsoft.com";

    fn device(profile_extra: &str) -> Device {
        let json = format!(
            r#"{{"policy": {{"channels": [{{"id": "1", "name": "m365", "isEnabled": true,
                "diagnosticUri": "https://{HOST}/connectivitytest/ping"}}], "rules": []}}{profile_extra}}}"#
        );
        with_gsa(Device::windows()).profile(&json)
    }

    #[test]
    fn a_synthetic_answer_passes() {
        let s = device("")
            .diagnostic_dns(HOST, DnsStatus::Resolved, &["6.6.0.17"])
            .build();
        let check = find(&checks(&s, None), "magic-ip").clone();
        assert_eq!(check.status, Status::Pass, "{check:#?}");
    }

    #[test]
    fn a_public_answer_while_gsa_runs_fails_naming_the_address() {
        let s = device("")
            .diagnostic_dns(HOST, DnsStatus::Resolved, &["150.171.19.3"])
            .build();
        let check = find(&checks(&s, None), "magic-ip").clone();
        assert_eq!(check.status, Status::Fail, "{check:#?}");
        assert!(check.evidence[0].contains("150.171.19.3"), "{check:#?}");
        assert!(check.remedy.unwrap().contains("DNS over HTTPS"));
    }

    #[test]
    fn the_profiles_own_subnet_replaces_the_default_range() {
        let extra = r#", "configuration": {"managementService": {"hostAcquisitionInternalSubNet": "6.7.0.0/16"}}"#;
        let inside = device(extra)
            .diagnostic_dns(HOST, DnsStatus::Resolved, &["6.7.1.1"])
            .build();
        assert_eq!(status(&inside, None, "magic-ip"), Status::Pass);
        let default_range = device(extra)
            .diagnostic_dns(HOST, DnsStatus::Resolved, &["6.6.1.1"])
            .build();
        assert_eq!(status(&default_range, None, "magic-ip"), Status::Fail);
    }

    #[test]
    fn an_edge_name_answer_for_the_same_host_counts_too() {
        // The DNS collector asks a host that is also an edge name once, as the edge name.
        let s = device("")
            .dns(HOST, DnsStatus::Resolved, &["6.6.0.9"])
            .build();
        assert_eq!(status(&s, None, "magic-ip"), Status::Pass);
    }

    #[test]
    fn without_gsa_running_or_without_an_answer_it_is_skipped() {
        let json = profile_json(&[("m365", true)], "");
        let idle = Device::windows().profile(&json).build();
        assert_eq!(status(&idle, None, "magic-ip"), Status::Skip);
        let unanswered = device("").build();
        assert_eq!(status(&unanswered, None, "magic-ip"), Status::Skip);
    }
}
