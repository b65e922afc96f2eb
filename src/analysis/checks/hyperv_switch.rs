//! `hyperv-external-switch`: GSA's Windows client does not support a host with a Hyper-V
//! external virtual switch (an internal switch, such as the Default Switch, is fine). An
//! external switch shares a physical adapter with the host through a `vEthernet` adapter,
//! which then carries the host's own default route; an internal switch's adapter has none.
//! That is how the check tells them apart from the interfaces and routes ssetop reads.

use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::Os;

/// The description Windows gives every Hyper-V host adapter (`vEthernet (<switch>)`).
const HYPERV_ADAPTER: &str = "hyper-v virtual ethernet adapter";

pub(super) fn hyperv_switch_check(facts: &Facts) -> Check {
    let id = "hyperv-external-switch";
    if facts.os != Os::Windows {
        return Check::new(
            id,
            Status::Skip,
            "Hyper-V virtual switches are read on Windows",
        );
    }
    let Some(interfaces) = facts.snapshot.interfaces.get() else {
        return Check::new(
            id,
            Status::Skip,
            format!(
                "interfaces unavailable ({})",
                facts.snapshot.interfaces.describe()
            ),
        );
    };
    let default_routes: Vec<&str> = facts
        .snapshot
        .routes
        .get()
        .map(|r| {
            r.routes
                .iter()
                .filter(|r| r.destination.prefix_len() == 0 && r.gateway.is_some())
                .filter_map(|r| r.interface.as_deref())
                .collect()
        })
        .unwrap_or_default();
    let mut external = Vec::new();
    let mut evidence = Vec::new();
    for adapter in interfaces.iter().filter(|i| {
        i.description
            .as_deref()
            .is_some_and(|d| d.to_ascii_lowercase().starts_with(HYPERV_ADAPTER))
    }) {
        let carries_default = default_routes
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&adapter.name));
        evidence.push(format!(
            "{}: {}",
            adapter.name,
            if carries_default {
                "carries the host's default route: an external switch"
            } else {
                "no default route: an internal or private switch"
            }
        ));
        if carries_default {
            external.push(adapter.name.as_str());
        }
    }
    if external.is_empty() {
        return Check::new(
            id,
            Status::Pass,
            if evidence.is_empty() {
                "no Hyper-V virtual switch adapter".to_string()
            } else {
                "no Hyper-V external virtual switch".to_string()
            },
        )
        .evidence(evidence);
    }
    Check::new(
        id,
        Status::Fail,
        format!(
            "Hyper-V external virtual switch on {}: GSA's client does not support such hosts",
            external.join(", ")
        ),
    )
    .evidence(evidence)
    .remedy("move the virtual machines to an internal switch (or the Default Switch) and remove the external one in Hyper-V Manager > Virtual Switch Manager, or install the GSA client inside the virtual machines instead")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn host() -> Device {
        Device::windows().interface(
            30,
            "vEthernet (Default Switch)",
            Some("Hyper-V Virtual Ethernet Adapter"),
            &["172.20.96.1/20"],
        )
    }

    #[test]
    fn an_internal_switch_passes_with_its_adapter_named() {
        let check = find(&checks(&host().build(), None), "hyperv-external-switch").clone();
        assert_eq!(check.status, Status::Pass, "{check:#?}");
        assert!(check.evidence[0].contains("internal"));
    }

    #[test]
    fn a_switch_adapter_holding_the_default_route_is_external_and_fails() {
        let s = host()
            .interface(
                31,
                "vEthernet (External LAN)",
                Some("Hyper-V Virtual Ethernet Adapter #2"),
                &["192.168.1.60/24"],
            )
            .route(
                "0.0.0.0/0",
                "vEthernet (External LAN)",
                Some("192.168.1.1"),
                15,
            )
            .build();
        let check = find(&checks(&s, None), "hyperv-external-switch").clone();
        assert_eq!(check.status, Status::Fail, "{check:#?}");
        assert!(check.summary.contains("vEthernet (External LAN)"));
    }

    #[test]
    fn other_oses_skip() {
        let s = Device::new("linux").build();
        assert_eq!(status(&s, None, "hyperv-external-switch"), Status::Skip);
    }
}
