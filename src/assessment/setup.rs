//! Which coexistence setup the device is in, and why.

use serde::Serialize;

use crate::knowledge::SetupId;

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
