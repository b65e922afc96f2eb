//! `setup`: which coexistence setup the device is in, and a warning where no guide covers it.

use crate::analysis::facts::Facts;
use crate::assessment::{Check, SetupDecision, Status};
use crate::knowledge::Vendor;

pub(super) fn setup_check(facts: &Facts, setup: &SetupDecision) -> Check {
    let both = facts.client_of(Vendor::Zscaler).is_present()
        && facts.client_of(Vendor::GlobalProtect).is_present();
    let name = facts
        .knowledge
        .setup(setup.id)
        .map_or("no other SSE client", |s| s.name.as_str());
    let check = if both {
        Check::new(
            "setup",
            Status::Warn,
            "Zscaler and GlobalProtect both run: no coexistence guide covers three clients",
        )
        .remedy("remove or disable one of Zscaler Client Connector and GlobalProtect")
    } else {
        Check::new("setup", Status::Pass, format!("setup {}: {name}", setup.id))
    };
    check.evidence(setup.evidence.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    #[test]
    fn setup_check_warns_when_both_other_clients_run() {
        let both = Device::windows()
            .process(4200, "PanGPS.exe")
            .process(4300, "ZSATunnel.exe")
            .build();
        assert_eq!(status(&both, None, "setup"), Status::Warn);
        assert_eq!(
            status(&Device::windows().build(), None, "setup"),
            Status::Pass
        );
    }
}
