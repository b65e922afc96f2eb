//! Which coexistence setup the device is in, from what runs and the forwarding profile's
//! channels, unless `--setup` says.

use super::facts::Facts;
use crate::assessment::{SetupDecision, SetupSource};
use crate::knowledge::{Channel, SetupId, Vendor};

pub(crate) fn decide(facts: &Facts, option: Option<SetupId>) -> SetupDecision {
    if let Some(id) = option {
        return SetupDecision {
            id,
            source: SetupSource::Option,
            evidence: vec![format!("given with --setup {id}")],
        };
    }
    let present = |v: Vendor| facts.client_of(v).is_present();
    let mut evidence = Vec::new();
    let id = if present(Vendor::GlobalProtect) {
        evidence.push("GlobalProtect is present".to_string());
        if present(Vendor::Zscaler) {
            evidence.push(
                "Zscaler is present too: no guide covers three clients; judged as globalprotect"
                    .to_string(),
            );
        }
        SetupId::GlobalProtect
    } else if present(Vendor::Zscaler) {
        evidence.push("Zscaler is present".to_string());
        match facts.parsed_profile().map(|p| p.enabled_channels()) {
            Some(channels) if channels.contains(&Channel::Internet) => {
                evidence.push(
                    "GSA's forwarding profile enables Internet Access: Zscaler carries private access"
                        .to_string(),
                );
                SetupId::ZscalerPrivate
            }
            Some(_) => {
                evidence.push(
                    "GSA's forwarding profile leaves Internet Access off: Zscaler carries the internet"
                        .to_string(),
                );
                SetupId::ZscalerInternet
            }
            None => {
                evidence.push(
                    "no forwarding profile to tell the two Zscaler setups apart: assumed zscaler-internet (give --setup or --forwarding-profile)"
                        .to_string(),
                );
                SetupId::ZscalerInternet
            }
        }
    } else {
        evidence.push("neither Zscaler nor GlobalProtect is present".to_string());
        SetupId::None
    };
    SetupDecision {
        id,
        source: SetupSource::Detected,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::{Device, profile_json, with_gsa};
    use crate::knowledge::Knowledge;
    use crate::snapshot::Snapshot;

    fn decide_for(snapshot: &Snapshot, option: Option<SetupId>) -> SetupDecision {
        let knowledge = Knowledge::embedded();
        let facts = Facts::new(snapshot, &knowledge);
        decide(&facts, option)
    }

    fn zscaler() -> Device {
        with_gsa(Device::windows()).process(4300, "ZSATunnel.exe")
    }

    #[test]
    fn globalprotect_present_is_the_globalprotect_setup() {
        let s = with_gsa(Device::windows())
            .process(4200, "PanGPS.exe")
            .build();
        let d = decide_for(&s, None);
        assert_eq!(
            (d.id, d.source),
            (SetupId::GlobalProtect, SetupSource::Detected)
        );
        // Its adapter alone is enough.
        let s = Device::windows().pangp().build();
        assert_eq!(decide_for(&s, None).id, SetupId::GlobalProtect);
    }

    #[test]
    fn zscaler_setups_are_told_apart_by_gsas_internet_channel() {
        let private = zscaler()
            .profile(&profile_json(&[("m365", true), ("internet", true)], ""))
            .build();
        assert_eq!(decide_for(&private, None).id, SetupId::ZscalerPrivate);
        let internet = zscaler()
            .profile(&profile_json(&[("m365", true), ("internet", false)], ""))
            .build();
        assert_eq!(decide_for(&internet, None).id, SetupId::ZscalerInternet);
        let unknown = decide_for(&zscaler().build(), None);
        assert_eq!(unknown.id, SetupId::ZscalerInternet);
        assert!(unknown.evidence.iter().any(|e| e.contains("assumed")));
    }

    #[test]
    fn no_other_client_is_none_and_the_option_wins() {
        let s = with_gsa(Device::windows()).build();
        assert_eq!(decide_for(&s, None).id, SetupId::None);
        let d = decide_for(&s, Some(SetupId::ZscalerPrivate));
        assert_eq!(
            (d.id, d.source),
            (SetupId::ZscalerPrivate, SetupSource::Option)
        );
    }
}
