//! One SSE client as the report and the screens show it.

use jiff::Timestamp;
use serde::Serialize;

use crate::knowledge::{ProcessRole, Vendor};
use crate::snapshot::ServiceState;

/// A running process recognised as a vendor's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VendorProcess {
    pub vendor: Vendor,
    pub role: ProcessRole,
    pub pid: u32,
    pub name: String,
    pub started_at: Option<Timestamp>,
    /// How it was recognised (`name`, `executable`, `truncated name`).
    pub matched_by: &'static str,
}

/// An interface recognised as a vendor's adapter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VendorAdapter {
    pub vendor: Vendor,
    pub name: String,
    pub description: Option<String>,
    pub up: bool,
    /// The knowledge pattern or process argument that recognised it.
    pub matched_by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientState {
    /// Nothing of the client was found.
    Absent,
    /// Installed (services or an adapter) but not running.
    Stopped,
    /// Processes run; no tunnel connection is seen.
    Running,
    /// Its tunnel is up (tunnel connections, or an adapter carrying routes).
    Connected,
}

impl ClientState {
    pub fn id(self) -> &'static str {
        match self {
            ClientState::Absent => "absent",
            ClientState::Stopped => "stopped",
            ClientState::Running => "running",
            ClientState::Connected => "connected",
        }
    }
}

/// One client as the report and the screens show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Client {
    pub vendor: Vendor,
    pub state: ClientState,
    pub processes: Vec<VendorProcess>,
    pub adapters: Vec<VendorAdapter>,
    pub services: Vec<ServiceState>,
    /// Indexes into the snapshot's sockets of the client's outer tunnel connections.
    pub tunnel_sockets: Vec<usize>,
    pub evidence: Vec<String>,
}

impl Client {
    pub fn is_present(&self) -> bool {
        self.state != ClientState::Absent
    }

    pub fn is_running(&self) -> bool {
        self.state >= ClientState::Running
    }

    pub fn has_role(&self, role: ProcessRole) -> bool {
        self.processes.iter().any(|p| p.role == role)
    }
}
