//! The words every layer shares: the vendors, GSA's traffic channels, the operating systems,
//! what a vendor process does, and the coexistence setups. Kept apart from the knowledge file's
//! schema and loader so that a view or a collector can name a vendor without the rest.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The three SSE vendors ssetop knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Gsa,
    Zscaler,
    #[serde(rename = "globalprotect")]
    GlobalProtect,
}

impl Vendor {
    pub const ALL: [Vendor; 3] = [Vendor::Gsa, Vendor::Zscaler, Vendor::GlobalProtect];

    pub fn id(self) -> &'static str {
        match self {
            Vendor::Gsa => "gsa",
            Vendor::Zscaler => "zscaler",
            Vendor::GlobalProtect => "globalprotect",
        }
    }

    /// A short human name for screens and reports.
    pub fn label(self) -> &'static str {
        match self {
            Vendor::Gsa => "GSA",
            Vendor::Zscaler => "Zscaler",
            Vendor::GlobalProtect => "GlobalProtect",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A traffic channel of one vendor: GSA's forwarding profiles, Zscaler's services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    M365,
    Internet,
    Private,
    Zia,
    Zpa,
}

impl Channel {
    pub fn id(self) -> &'static str {
        match self {
            Channel::M365 => "m365",
            Channel::Internet => "internet",
            Channel::Private => "private",
            Channel::Zia => "zia",
            Channel::Zpa => "zpa",
        }
    }

    /// GSA's channel names as the forwarding profile spells them.
    pub fn from_gsa_name(name: &str) -> Option<Channel> {
        match name.trim().to_ascii_lowercase().as_str() {
            "m365" | "microsoft365" | "microsoft 365" => Some(Channel::M365),
            "internet" | "internetaccess" | "internet access" => Some(Channel::Internet),
            "private" | "privateaccess" | "private access" => Some(Channel::Private),
            _ => None,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Operating systems a knowledge entry applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Windows,
    Macos,
    Linux,
}

impl Os {
    /// The OS this binary was built for.
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::Macos
        } else {
            Os::Linux
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Os::Windows => "windows",
            Os::Macos => "macos",
            Os::Linux => "linux",
        }
    }

    /// The name users know it by.
    pub fn label(self) -> &'static str {
        match self {
            Os::Windows => "Windows",
            Os::Macos => "macOS",
            Os::Linux => "Linux",
        }
    }

    /// Parses the OS name a snapshot records (`std::env::consts::OS` spelling).
    pub fn from_name(name: &str) -> Option<Os> {
        match name {
            "windows" => Some(Os::Windows),
            "macos" => Some(Os::Macos),
            "linux" => Some(Os::Linux),
            _ => None,
        }
    }
}

/// What a vendor process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessRole {
    /// Holds the vendor's outer tunnel connections.
    Tunnel,
    Service,
    Agent,
    Helper,
}

/// The coexistence setups of Microsoft's guides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum SetupId {
    #[value(name = "globalprotect")]
    #[serde(rename = "globalprotect")]
    GlobalProtect,
    ZscalerPrivate,
    ZscalerInternet,
    None,
}

impl SetupId {
    pub fn id(self) -> &'static str {
        match self {
            SetupId::GlobalProtect => "globalprotect",
            SetupId::ZscalerPrivate => "zscaler-private",
            SetupId::ZscalerInternet => "zscaler-internet",
            SetupId::None => "none",
        }
    }
}

impl fmt::Display for SetupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
