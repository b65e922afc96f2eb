//! The knowledge file as written (`ssetop.knowledge.v1`): every table and entry, each fact
//! with the source it comes from and whether a vendor document confirms it. Unknown keys are
//! errors, so that a typo in a corrected knowledge file is not silently ignored.

use std::collections::BTreeMap;

use ipnet::{IpNet, Ipv4Net};
use serde::{Deserialize, Serialize};

use super::vocabulary::{Channel, Os, ProcessRole, SetupId, Vendor};

/// Where a fact comes from, and whether a vendor document confirms it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorInfo {
    pub id: Vendor,
    pub name: String,
    /// Where an administrator changes this vendor's bypass settings.
    pub console: String,
    pub source: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub id: SetupId,
    pub name: String,
    pub other_vendor: Vendor,
    pub gsa_channels: Vec<Channel>,
    pub other_channels: Vec<Channel>,
    pub other_carries: String,
    pub source: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeEntry {
    pub cidr: Ipv4Net,
    pub source: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeName {
    /// The name; `{tenant}` stands for the tenant id.
    pub name: String,
    #[serde(default)]
    pub channel: Option<Channel>,
    pub list: String,
    pub required: bool,
    pub source: String,
    pub confirmed: bool,
}

impl EdgeName {
    pub fn needs_tenant(&self) -> bool {
        self.name.contains("{tenant}")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainPattern {
    pub pattern: String,
    pub source: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gsa {
    pub tunnel_port: u16,
    pub tunnel_port_source: String,
    /// Required like every entry's `confirmed`: a file without it is an error, not a default.
    pub tunnel_port_confirmed: bool,
    pub service_ranges: Vec<RangeEntry>,
    pub edge_names: Vec<EdgeName>,
    pub bypass_domains: Vec<DomainPattern>,
    /// What GSA's own forwarding profile must let through beside another SSE (the reverse
    /// direction of the bypasses above). Absent in files written before it: none is checked.
    #[serde(default)]
    pub profile_bypasses: Vec<ProfileBypass>,
    /// The names the client is installed under (Windows' Programs and Features `DisplayName`),
    /// to find its version. Absent in older files: the version is not read.
    #[serde(default)]
    pub product_names: Vec<String>,
    /// Client releases whose changes ssetop's checks know about, oldest first.
    #[serde(default)]
    pub client_versions: Vec<ClientVersion>,
}

/// A GSA client release and what it changed that matters to the checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientVersion {
    pub version: String,
    pub change: String,
    pub source: String,
    pub confirmed: bool,
}

/// A destination GSA's Internet Access profile must bypass when another SSE runs beside it:
/// that client's own brokers, whose traffic must not enter GSA's tunnel.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileBypass {
    /// The FQDN as GSA's profile writes it (`*.prod.zpath.net`).
    pub fqdn: String,
    /// The client whose brokers these are.
    pub vendor: Vendor,
    /// What the name is, as the check and `explain` say it.
    pub what: String,
    pub source: String,
    pub confirmed: bool,
}

/// One group of the coexistence guide's "Test traffic flow" destinations for a setup, and the
/// client that must carry them. `{tenant}` in a destination is the tenant's domain
/// (`--tenant-domain`); the destination `{private-app}` is the private application the user
/// names (`--private-app`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowTest {
    pub setup: SetupId,
    pub destinations: Vec<String>,
    /// TCP port; the guides browse to each name, so 443 unless said otherwise.
    #[serde(default = "https_port")]
    pub port: u16,
    pub carrier: Vendor,
    #[serde(default)]
    pub channel: Option<Channel>,
    /// What to change, and where, when another client carries them.
    pub remedy: String,
    #[serde(default)]
    pub note: Option<String>,
    pub source: String,
    pub confirmed: bool,
}

fn https_port() -> u16 {
    443
}

/// A TLS-inspecting SSE's certificate issuer: a handshake whose certificate such an issuer
/// signed went through that vendor's proxy, whatever the routing table says.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionRoot {
    pub vendor: Vendor,
    /// Case-insensitive text that the issuer's distinguished name contains.
    pub issuer_contains: String,
    #[serde(default)]
    pub note: Option<String>,
    pub source: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticRange {
    pub vendor: Vendor,
    pub cidr: IpNet,
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub note: Option<String>,
    /// Counts only while this vendor's client runs (the range is shared with other uses).
    pub while_running: bool,
    pub source: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zscaler {
    pub local_proxy_port: u16,
    pub local_proxy_source: String,
    pub local_proxy_confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessEntry {
    pub vendor: Vendor,
    pub os: Vec<Os>,
    pub names: Vec<String>,
    pub role: ProcessRole,
    #[serde(default)]
    pub cmdline_contains: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub source: String,
    pub confirmed: bool,
}

/// A vendor's own status command (part 4 of issue 13): run read-only with a timeout, as evidence
/// beside ssetop's own inference, never trusted over what the OS shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorTool {
    pub vendor: Vendor,
    pub os: Vec<Os>,
    /// Where the tool is: absolute paths, or a bare name looked up on `PATH`; the first found
    /// runs. A test (or a field engineer) points this at another program.
    pub paths: Vec<String>,
    /// The commands to run, each one argument list (`["show", "--status"]`); all run at once.
    pub commands: Vec<Vec<String>>,
    /// How long one command may run before it is stopped.
    pub timeout_ms: u64,
    #[serde(default)]
    pub note: Option<String>,
    pub source: String,
    pub confirmed: bool,
}

/// Whether a Service Control Manager entry is a service or a kernel driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Service,
    Driver,
}

impl ServiceKind {
    pub fn id(self) -> &'static str {
        match self {
            ServiceKind::Service => "service",
            ServiceKind::Driver => "driver",
        }
    }
}

/// One Windows service or driver of a vendor's client, queried by name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub vendor: Vendor,
    pub os: Vec<Os>,
    /// The names this one service has had across client versions; the first installed counts.
    pub names: Vec<String>,
    pub kind: ServiceKind,
    /// What it does, as the checks name it ("tunneling", "engine").
    pub label: String,
    /// The client does not work without it running.
    pub required: bool,
    #[serde(default)]
    pub note: Option<String>,
    pub source: String,
    pub confirmed: bool,
}

// --- macOS client components (GSA's macOS Health check) ---

/// What a [`MacosComponent`]'s names are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MacosComponentKind {
    /// Bundle identifiers of system extensions (`systemextensionsctl list`) and of the network
    /// extension configuration (`scutil --nc list`).
    Extension,
    /// Absolute paths of the cached forwarding-profile file, tried in order.
    ProfileFile,
    /// Resolver addresses the client answers DNS on (`scutil --dns`).
    Resolver,
    /// The app bundle's `Info.plist`, for the installed version.
    App,
}

/// One part of a vendor's macOS client, by the names it has had across client versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacosComponent {
    pub vendor: Vendor,
    pub kind: MacosComponentKind,
    pub names: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub source: String,
    pub confirmed: bool,
}

// --- end macOS client components ---

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdapterField {
    Name,
    Description,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdapterEntry {
    pub vendor: Vendor,
    pub os: Vec<Os>,
    pub field: AdapterField,
    pub pattern: String,
    #[serde(default)]
    pub note: Option<String>,
    pub source: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceArea {
    pub id: u32,
    pub name: String,
    pub fqdns: Vec<String>,
    pub ranges: Vec<IpNet>,
    pub tcp_ports: Vec<u16>,
    pub udp_ports: Vec<u16>,
    pub source: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct M365 {
    pub list_version: String,
    pub source: String,
    /// Whether the list (and its version) comes from Microsoft's published endpoint list.
    pub confirmed: bool,
    pub service_areas: Vec<ServiceArea>,
}

/// The knowledge file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeFile {
    pub schema: String,
    pub version: String,
    pub sources: BTreeMap<String, SourceRef>,
    pub vendors: Vec<VendorInfo>,
    pub setups: Vec<Setup>,
    pub gsa: Gsa,
    pub synthetic_ranges: Vec<SyntheticRange>,
    pub zscaler: Zscaler,
    pub processes: Vec<ProcessEntry>,
    /// Absent in knowledge files written before services were known: no services are queried.
    #[serde(default)]
    pub services: Vec<ServiceEntry>,
    pub adapters: Vec<AdapterEntry>,
    pub m365: M365,
    /// Absent in files written before verify-intent: `flow-test` then knows no destinations.
    #[serde(default)]
    pub flow_tests: Vec<FlowTest>,
    #[serde(default)]
    pub inspection_roots: Vec<InspectionRoot>,
    /// macOS client components; absent in files written before them: the macOS checks skip.
    #[serde(default)]
    pub macos_components: Vec<MacosComponent>,
    /// The vendors' own status commands. Absent in older files: none is run.
    #[serde(default)]
    pub vendor_tools: Vec<VendorTool>,
    /// The connectivity test the `internet` probe uses where the OS gives no verdict.
    #[serde(default = "Connectivity::ncsi")]
    pub connectivity: Connectivity,
}

/// A connectivity test: a plain-HTTP URL and the body it answers when the internet is reached
/// (anything else, a captive portal's page say, is not).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connectivity {
    pub url: String,
    pub answer: String,
    pub source: String,
    pub confirmed: bool,
}

impl Connectivity {
    /// Windows' own test (NCSI), for knowledge files written before the table.
    pub fn ncsi() -> Connectivity {
        Connectivity {
            url: "http://www.msftconnecttest.com/connecttest.txt".into(),
            answer: "Microsoft Connect Test".into(),
            source: "mslearn-ncsi".into(),
            confirmed: true,
        }
    }
}
