//! `nested-tunnel`: no client's own tunnel connection enters another client's tunnel. The
//! attribution marks such a connection (`carrier` the outer tunnel, `tunnel_of` the inner);
//! this check names both vendors, the route that causes it and the bypass that is missing.

use super::console;
use crate::analysis::attribution::Attributor;
use crate::analysis::facts::Facts;
use crate::assessment::{Carrier, Check, Status};
use crate::knowledge::Vendor;

fn vendor_of(carrier: Carrier) -> Option<Vendor> {
    Vendor::ALL
        .into_iter()
        .find(|v| Carrier::from(*v) == carrier)
}

pub(super) fn nested_tunnel_check(facts: &Facts, attributor: &Attributor) -> Check {
    let sockets = facts.sockets();
    let mut seen = 0;
    let mut nested = Vec::new();
    for vendor in Vendor::ALL {
        for &i in &facts.client_of(vendor).tunnel_sockets {
            let Some(socket) = sockets.get(i) else {
                continue;
            };
            seen += 1;
            let attribution = attributor.attribute(socket);
            if let Some((inner, outer)) = attribution.nested() {
                let route = attribution
                    .evidence
                    .iter()
                    .find(|e| e.contains("runs inside"))
                    .cloned()
                    .unwrap_or_default();
                let remote = socket.remote.map(|r| r.to_string()).unwrap_or_default();
                nested.push((inner, outer, remote, attribution.interface.clone(), route));
            }
        }
    }
    if seen == 0 {
        return Check::new(
            "nested-tunnel",
            Status::Skip,
            "no client's tunnel connection to judge",
        );
    }
    let Some((inner, outer, remote, dev, _)) = nested.first().cloned() else {
        return Check::new(
            "nested-tunnel",
            Status::Pass,
            format!("{seen} tunnel connection(s), none inside another client's tunnel"),
        );
    };
    let evidence = nested
        .iter()
        .map(|(i, o, remote, dev, route)| {
            format!(
                "{}'s tunnel to {remote} inside {}'s ({}): {route}",
                i.label(),
                o.label(),
                dev.as_deref().unwrap_or("?")
            )
        })
        .collect::<Vec<_>>();
    let (inner_vendor, outer_vendor) = (vendor_of(inner), vendor_of(outer));
    let remedy = match (inner_vendor, outer_vendor) {
        (Some(inner_vendor), Some(Vendor::Gsa)) => {
            let fqdns: Vec<&str> = facts
                .knowledge
                .file
                .gsa
                .profile_bypasses
                .iter()
                .filter(|b| b.vendor == inner_vendor)
                .map(|b| b.fqdn.as_str())
                .collect();
            format!(
                "add a Bypass rule for {} to GSA's forwarding profile (Internet Access): {}",
                if fqdns.is_empty() {
                    format!("{}'s gateways", inner_vendor.label())
                } else {
                    fqdns.join(", ")
                },
                console(facts, Vendor::Gsa)
            )
        }
        (Some(inner_vendor), Some(outer_vendor)) => format!(
            "exclude {}'s edge ranges from the {} tunnel (split-tunnel exclusions): {}",
            inner_vendor.label(),
            outer_vendor.label(),
            console(facts, outer_vendor)
        ),
        _ => "exclude the inner tunnel's destinations from the outer tunnel".to_string(),
    };
    Check::new(
        "nested-tunnel",
        Status::Fail,
        format!(
            "{}'s tunnel to {remote} runs inside {}'s tunnel ({})",
            inner.label(),
            outer.label(),
            dev.as_deref().unwrap_or("?")
        ),
    )
    .evidence(evidence)
    .remedy(remedy)
}

#[cfg(test)]
mod tests {
    use crate::analysis::checks::testing::*;

    #[test]
    fn gsa_inside_globalprotect_fails_naming_both_vendors_the_route_and_the_exclusion() {
        let check = find(&checks(&globalprotect(&[]).build(), None), "nested-tunnel").clone();
        assert_eq!(check.status, Status::Fail);
        assert!(
            check.summary.contains(
                "GSA's tunnel to 150.171.19.10:443 runs inside GlobalProtect's tunnel (Ethernet 3)"
            ),
            "{}",
            check.summary
        );
        assert!(
            check.evidence[0].contains("0.0.0.0/0 via 10.200.0.1 dev Ethernet 3"),
            "{:?}",
            check.evidence
        );
        assert!(
            check
                .remedy
                .as_deref()
                .unwrap()
                .contains("exclude GSA's edge ranges from the GlobalProtect tunnel")
        );
        // gsa-tunnel keeps its own verdict.
        assert_eq!(
            status(&globalprotect(&[]).build(), None, "gsa-tunnel"),
            Status::Fail
        );
    }

    #[test]
    fn excluded_ranges_pass_and_no_tunnel_skips() {
        assert_eq!(
            status(&globalprotect(&RANGES).build(), None, "nested-tunnel"),
            Status::Pass
        );
        assert_eq!(
            status(&Device::windows().build(), None, "nested-tunnel"),
            Status::Skip
        );
    }
}
