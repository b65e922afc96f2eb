//! Which coexistence setup the device is in, from what runs and the forwarding profile's
//! channels, unless `--setup` says.

use serde::Serialize;

use super::facts::Facts;
use crate::knowledge::{Channel, SetupId, Vendor};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetupSource {
    Detected,
    Option,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetupDecision {
    pub id: SetupId,
    pub source: SetupSource,
    pub evidence: Vec<String>,
}

pub fn decide(facts: &Facts, option: Option<SetupId>) -> SetupDecision {
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
