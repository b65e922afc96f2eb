//! `diagnostic-urls`: every enabled channel of the forwarding profile carries the
//! `diagnosticUri` GSA probes to tell whether the channel's service is healthy.

use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};

pub(super) fn diagnostic_urls_check(facts: &Facts) -> Check {
    let id = "diagnostic-urls";
    let Some(profile) = facts.parsed_profile() else {
        return Check::new(
            id,
            Status::Skip,
            "no forwarding profile was read and parsed (see forwarding-profile)",
        );
    };
    let enabled: Vec<_> = profile.channels.iter().filter(|c| c.enabled).collect();
    if enabled.is_empty() {
        return Check::new(id, Status::Skip, "no channel is enabled (see break-glass)");
    }
    let mut missing = Vec::new();
    let evidence: Vec<String> = enabled
        .iter()
        .map(|c| match c.diagnostic_uri.as_deref().map(str::trim) {
            Some(uri) if uri.starts_with("https://") || uri.starts_with("http://") => {
                format!("{}: {uri}", c.name)
            }
            Some(other) => {
                missing.push(c.name.as_str());
                format!("{}: diagnosticUri {other:?} is not an http(s) URL", c.name)
            }
            None => {
                missing.push(c.name.as_str());
                format!("{}: no diagnosticUri", c.name)
            }
        })
        .collect();
    if missing.is_empty() {
        return Check::new(
            id,
            Status::Pass,
            format!(
                "each of the {} enabled channel(s) has a diagnostic URL",
                enabled.len()
            ),
        )
        .evidence(evidence);
    }
    Check::new(
        id,
        Status::Fail,
        format!("no usable diagnostic URL for {}", missing.join(", ")),
    )
    .evidence(evidence)
    .remedy("restart the GSA client so that it fetches its forwarding profile again; Microsoft's guidance: a missing diagnostic URL is usually a service-side problem for Microsoft support")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn assess(json: &str) -> Check {
        let s = with_gsa(Device::windows()).profile(json).build();
        find(&checks(&s, None), "diagnostic-urls").clone()
    }

    #[test]
    fn every_enabled_channel_with_a_url_passes_whichever_place_holds_it() {
        let json = r#"{"policy": {"channels": [
            {"id": "1", "name": "M365", "isEnabled": true, "diagnosticUri": "https://m365.edgediagnostic.globalsecureaccess.microsoft.com/connectivitytest/ping"},
            {"id": "2", "name": "private", "isEnabled": true, "edgesSettings": {"diagnosticUri": "https://private.edgediagnostic.globalsecureaccess.microsoft.com/connectivitytest/ping"}},
            {"id": "3", "name": "internet", "isEnabled": false}
        ], "rules": []}}"#;
        let check = assess(json);
        assert_eq!(check.status, Status::Pass, "{check:#?}");
        assert_eq!(check.evidence.len(), 2);
    }

    #[test]
    fn an_enabled_channel_without_a_url_fails_and_is_named() {
        let json = r#"{"policy": {"channels": [
            {"id": "1", "name": "m365", "isEnabled": true, "diagnosticUri": "https://m365.edgediagnostic.globalsecureaccess.microsoft.com/ping"},
            {"id": "2", "name": "Private", "isEnabled": true},
            {"id": "3", "name": "internet", "isEnabled": true, "diagnosticUri": "ftp://x"}
        ], "rules": []}}"#;
        let check = assess(json);
        assert_eq!(check.status, Status::Fail);
        assert_eq!(
            check.summary,
            "no usable diagnostic URL for Private, internet"
        );
    }

    #[test]
    fn break_glass_leaves_nothing_to_check() {
        let check = assess(&profile_json(&[("m365", false)], ""));
        assert_eq!(check.status, Status::Skip);
    }
}
