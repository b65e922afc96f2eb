//! A health check: a stable id, a status, a one-line summary, the evidence, and a remedy that
//! names where to fix it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Skip,
    Warn,
    Fail,
}

impl Status {
    /// The order checks are listed in: failures, warnings, passes, then what was skipped.
    pub fn listing_order(self) -> u8 {
        match self {
            Status::Fail => 0,
            Status::Warn => 1,
            Status::Pass => 2,
            Status::Skip => 3,
        }
    }

    /// The status a report names by its id.
    pub fn from_id(id: &str) -> Option<Status> {
        [Status::Pass, Status::Skip, Status::Warn, Status::Fail]
            .into_iter()
            .find(|s| s.id() == id)
    }

    pub fn id(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Skip => "skip",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<String>,
    pub remedy: Option<String>,
}
