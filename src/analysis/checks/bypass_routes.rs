//! `bypass-route:<range>`: each of GSA's service ranges leaves the device outside the other
//! vendor's tunnel.

use super::console;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, PathPiece, RangePath, Status};
use crate::knowledge::{SetupId, Vendor};
use std::collections::BTreeMap;

/// Groups a range's pieces by the path they take, for short evidence.
fn summarise_pieces(pieces: &[PathPiece]) -> Vec<String> {
    let mut by_path: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for piece in pieces {
        let mut path = match (&piece.route, piece.outcome) {
            (Some(route), "forward") => format!("route {route}"),
            (Some(route), "local") => format!("local route {route}"),
            (Some(route), _) => format!("dropped by {route}"),
            (None, "drop") => "dropped by a policy rule".to_string(),
            (None, _) => "no route".to_string(),
        };
        if let Some(rule) = piece.rule {
            path.push_str(&format!(" (rule {rule})"));
        }
        by_path.entry(path).or_default().push(piece.net.to_string());
    }
    by_path
        .into_iter()
        .map(|(path, nets)| {
            let shown: Vec<&str> = nets.iter().take(4).map(String::as_str).collect();
            let more = nets.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{}{more}: {path}", shown.join(", "))
        })
        .collect()
}

pub(super) fn bypass_route_checks(
    facts: &Facts,
    setup: SetupId,
    paths: Option<&[RangePath]>,
) -> Vec<Check> {
    let other = facts.knowledge.setup(setup).map(|s| s.other_vendor);
    let Some(paths) = paths else {
        let reason = facts.snapshot.routes.describe();
        return facts
            .knowledge
            .file
            .gsa
            .service_ranges
            .iter()
            .map(|r| {
                Check::new(
                    format!("bypass-route:{}", r.cidr),
                    Status::Skip,
                    format!("routes unavailable ({reason})"),
                )
            })
            .collect();
    };
    paths
        .iter()
        .map(|path| {
            let range = path.range;
            let id = format!("bypass-route:{range}");
            let mut evidence = summarise_pieces(&path.pieces);
            let through_vendor: Vec<&PathPiece> = path
                .pieces
                .iter()
                .filter(|p| p.vendor.is_some_and(|v| v != Vendor::Gsa))
                .collect();
            if let Some(first) = through_vendor.first() {
                let vendor = first.vendor.unwrap_or(Vendor::GlobalProtect);
                let part = if through_vendor.len() == path.pieces.len() {
                    range.to_string()
                } else {
                    format!("part of {range} (from {})", first.net)
                };
                return Check::new(
                    id,
                    Status::Fail,
                    format!(
                        "{part} leaves through {}, {}'s tunnel adapter, by route {}",
                        first.interface.as_deref().unwrap_or("?"),
                        vendor.label(),
                        first.route.as_deref().unwrap_or("?")
                    ),
                )
                .evidence(evidence)
                .remedy(format!(
                    "exclude {range} from the {} tunnel: {}",
                    vendor.label(),
                    console(facts, vendor)
                ));
            }
            if path.pieces.iter().any(|p| p.outcome == "drop" || p.outcome == "no-route") {
                return Check::new(
                    id,
                    Status::Fail,
                    format!("traffic to {range} is dropped or has no route"),
                )
                .evidence(evidence)
                .remedy("check the device's routing table for blackhole or unreachable routes to GSA's ranges");
            }
            if other == Some(Vendor::Zscaler)
                && facts.client_of(Vendor::Zscaler).adapters.is_empty()
            {
                evidence.push(
                    "Zscaler's packet-filter driver does not use routes: its bypass list lives in the app profile and shows in GSA's tunnel connections and edge names, not here"
                        .to_string(),
                );
            }
            let egress: std::collections::BTreeSet<&str> = path
                .pieces
                .iter()
                .filter_map(|p| p.interface.as_deref())
                .collect();
            let egress: Vec<&str> = egress.into_iter().collect();
            Check::new(
                id,
                Status::Pass,
                format!(
                    "{range} leaves via {}, not through another vendor's tunnel",
                    if egress.is_empty() {
                        "this device".to_string()
                    } else {
                        egress.join(", ")
                    }
                ),
            )
            .evidence(evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    #[test]
    fn bypass_routes_pass_with_exclusions_and_fail_naming_the_route_without() {
        let healthy = globalprotect(&RANGES).build();
        let c = checks(&healthy, None);
        for range in RANGES {
            let check = find(&c, &format!("bypass-route:{range}"));
            assert_eq!(check.status, Status::Pass, "{check:?}");
            assert!(check.summary.contains("Ethernet"));
        }
        let broken = globalprotect(&[]).build();
        let c = checks(&broken, None);
        for range in RANGES {
            let check = find(&c, &format!("bypass-route:{range}"));
            assert_eq!(check.status, Status::Fail);
            assert!(
                check
                    .summary
                    .contains("0.0.0.0/0 via 10.200.0.1 dev Ethernet 3"),
                "{}",
                check.summary
            );
            assert!(
                check
                    .remedy
                    .as_ref()
                    .unwrap()
                    .contains("Strata Cloud Manager")
            );
        }
    }

    #[test]
    fn bypass_route_fails_when_only_part_of_a_range_is_excluded() {
        // Half of 150.171.19.0/24 excluded: the other half still goes into the tunnel.
        let partial = globalprotect(&["150.171.19.0/25"]).build();
        let check = find(&checks(&partial, None), "bypass-route:150.171.19.0/24").clone();
        assert_eq!(check.status, Status::Fail);
        assert!(
            check
                .summary
                .contains("part of 150.171.19.0/24 (from 150.171.19.128/25)"),
            "{}",
            check.summary
        );
        assert!(
            check
                .evidence
                .iter()
                .any(|e| e.starts_with("150.171.19.0/25: route 150.171.19.0/25"))
        );
    }

    #[test]
    fn bypass_route_fails_when_a_range_is_dropped_and_skips_without_routes() {
        let dropped = Device::windows()
            .route_kind(
                "6.6.0.0/16",
                "Ethernet",
                crate::snapshot::RouteKind::Blackhole,
            )
            .build();
        assert_eq!(
            status(&dropped, None, "bypass-route:6.6.0.0/16"),
            Status::Fail
        );
        let blind = Device::windows().without_routes().build();
        let check = find(&checks(&blind, None), "bypass-route:6.6.0.0/16").clone();
        assert_eq!(check.status, Status::Skip);
        assert!(check.summary.contains("routes unavailable"));
    }
}
