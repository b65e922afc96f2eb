//! `ipv4-preference`: IPv4 is preferred over IPv6 (GSA tunnels IPv4 only).

use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::snapshot::Reading;

pub(super) fn ipv4_preference_check(facts: &Facts) -> Check {
    let id = "ipv4-preference";
    let Some(settings) = facts.snapshot.settings.get() else {
        return Check::new(id, Status::Skip, facts.snapshot.settings.describe());
    };
    const PREFER_IPV4: u32 = 0x20;
    let remedy = r"set HKLM\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters\DisabledComponents to 0x20 (REG_DWORD) and restart";
    match &settings.ipv6_disabled_components {
        Reading::Value(v) if v & PREFER_IPV4 != 0 || *v == 0xff => Check::new(
            id,
            Status::Pass,
            format!("IPv4 is preferred over IPv6 (DisabledComponents = {v:#x})"),
        ),
        Reading::Value(v) => Check::new(
            id,
            Status::Warn,
            format!("IPv6 is preferred (DisabledComponents = {v:#x}); GSA tunnels IPv4 only"),
        )
        .remedy(remedy),
        Reading::Missing(reason) => Check::new(
            id,
            Status::Warn,
            format!("IPv6 is preferred: {reason}; GSA tunnels IPv4 only"),
        )
        .remedy(remedy),
        Reading::Unavailable(reason) => Check::new(id, Status::Warn, reason.clone()),
        Reading::NotApplicable(reason) => Check::new(id, Status::Skip, reason.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    #[test]
    fn ipv4_preference_check() {
        let with = |reading: Reading<u32>| {
            Device::windows()
                .settings(move |s| s.ipv6_disabled_components = reading)
                .build()
        };
        assert_eq!(
            status(&with(Reading::Value(0x20)), None, "ipv4-preference"),
            Status::Pass
        );
        assert_eq!(
            status(&with(Reading::Value(0)), None, "ipv4-preference"),
            Status::Warn
        );
        assert_eq!(
            status(
                &with(Reading::Missing("unset".into())),
                None,
                "ipv4-preference"
            ),
            Status::Warn
        );
        assert_eq!(
            status(
                &with(Reading::NotApplicable("linux".into())),
                None,
                "ipv4-preference"
            ),
            Status::Skip
        );
    }
}
