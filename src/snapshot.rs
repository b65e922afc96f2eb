//! The snapshot: everything the collectors read from the device at one moment, as plain owned
//! data. It knows nothing of the analysis. It is also the unit of a capture (`--record`), so
//! every field is serialisable and old captures must keep deserialising: add fields with
//! `#[serde(default)]`, never rename.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock};

use ipnet::IpNet;
use jiff::Timestamp;
use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    /// When the snapshot was assembled; the analysis takes its time from here only.
    pub taken_at: Timestamp,
    pub host: Host,
    pub routes: Section<RouteData>,
    pub interfaces: Section<Vec<Interface>>,
    pub sockets: Section<Vec<Socket>>,
    pub processes: Section<Vec<Process>>,
    pub dns: Section<Vec<DnsAnswer>>,
    pub settings: Section<Settings>,
    // --probe (issue 13): the opt-in network probes' results; `skipped` when not asked for,
    // and in captures written before probes existed.
    #[serde(default = "not_probed")]
    pub probes: Section<Vec<ProbeResult>>,
    // --- vendor status tools (issue 13, part 4) ---
    /// What the vendors' own status commands said; absent in captures recorded before them.
    #[serde(default = "vendor_reports_not_recorded")]
    pub vendor_reports: Section<Vec<VendorReport>>,
    // --- end vendor status tools ---
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Host {
    pub name: String,
    /// `windows`, `macos` or `linux`.
    pub os: String,
    #[serde(default)]
    pub os_version: Option<String>,
    /// Running as root or an elevated administrator.
    #[serde(default)]
    pub elevated: bool,
}

/// The state of one collector's last attempt.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Complete data.
    Ok,
    /// Data with gaps, explained by `reason` (for example sockets without owners when not root).
    Partial,
    /// No data: the OS call failed (`reason`).
    Failed,
    /// No answer before the deadline; `data` may hold an older result.
    Timeout,
    /// Started, no answer yet.
    Pending,
    /// The source does not exist on this OS or was not asked for (`reason`).
    Skipped,
}

/// One collector's output with its status, age and cost.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Section<T> {
    pub status: SourceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When `data` was read (older than the snapshot when the latest attempt did not finish).
    #[serde(default)]
    pub collected_at: Option<Timestamp>,
    #[serde(default)]
    pub elapsed_ms: u64,
}

impl<T> Section<T> {
    pub fn ok(data: T, collected_at: Timestamp, elapsed_ms: u64) -> Self {
        Section {
            status: SourceStatus::Ok,
            data: Some(data),
            reason: None,
            collected_at: Some(collected_at),
            elapsed_ms,
        }
    }

    pub fn failed(reason: impl Into<String>) -> Self {
        Self::without_data(SourceStatus::Failed, reason)
    }

    pub fn skipped(reason: impl Into<String>) -> Self {
        Self::without_data(SourceStatus::Skipped, reason)
    }

    pub fn pending() -> Self {
        Self::without_data(SourceStatus::Pending, "no answer yet")
    }

    fn without_data(status: SourceStatus, reason: impl Into<String>) -> Self {
        Section {
            status,
            data: None,
            reason: Some(reason.into()),
            collected_at: None,
            elapsed_ms: 0,
        }
    }

    /// The data, whatever the status of the latest attempt.
    pub fn get(&self) -> Option<&T> {
        self.data.as_ref()
    }

    /// One line for the user: `ok`, or the status with its reason.
    pub fn describe(&self) -> String {
        let status = match self.status {
            SourceStatus::Ok => return "ok".into(),
            SourceStatus::Partial => "partial",
            SourceStatus::Failed => "failed",
            SourceStatus::Timeout => "timed out",
            SourceStatus::Pending => "pending",
            SourceStatus::Skipped => "skipped",
        };
        match &self.reason {
            Some(reason) => format!("{status}: {reason}"),
            None => status.into(),
        }
    }
}

/// Routes of every table and, on Linux, the policy rules that choose between tables.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct RouteData {
    pub routes: Vec<Route>,
    /// Empty where the OS has a single routing table (Windows, macOS).
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    Unicast,
    Local,
    Broadcast,
    Anycast,
    Multicast,
    Blackhole,
    Unreachable,
    Prohibit,
    Throw,
    Nat,
    Other,
}

impl RouteKind {
    pub fn id(self) -> &'static str {
        match self {
            RouteKind::Unicast => "unicast",
            RouteKind::Local => "local",
            RouteKind::Broadcast => "broadcast",
            RouteKind::Anycast => "anycast",
            RouteKind::Multicast => "multicast",
            RouteKind::Blackhole => "blackhole",
            RouteKind::Unreachable => "unreachable",
            RouteKind::Prohibit => "prohibit",
            RouteKind::Throw => "throw",
            RouteKind::Nat => "nat",
            RouteKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct Route {
    pub destination: IpNet,
    #[serde(default)]
    pub gateway: Option<IpAddr>,
    #[serde(default)]
    pub interface_index: Option<u32>,
    /// Filled from the interfaces source when the OS gives only an index. Shared: every route
    /// of an interface holds the same name (at scale, 50,000 routes leave by one or two).
    #[serde(default)]
    pub interface: Option<Arc<str>>,
    #[serde(default)]
    pub metric: Option<u32>,
    /// Routing table id (Linux: 254 main, 255 local, any u32); `None` where the OS has one table.
    #[serde(default)]
    pub table: Option<u32>,
    pub kind: RouteKind,
    /// Preferred source address.
    #[serde(default)]
    pub source: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    Table,
    Goto,
    Nop,
    Blackhole,
    Unreachable,
    Prohibit,
    Other,
}

/// A Linux policy routing rule (`ip rule`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyRule {
    pub priority: u32,
    /// `4` or `6`.
    pub family: u8,
    #[serde(default)]
    pub from: Option<IpNet>,
    #[serde(default)]
    pub to: Option<IpNet>,
    #[serde(default)]
    pub table: Option<u32>,
    pub action: RuleAction,
    /// `not`: the rule applies when its selectors do not match.
    #[serde(default)]
    pub invert: bool,
    #[serde(default)]
    pub fwmark: Option<u32>,
    #[serde(default)]
    pub iif: Option<String>,
    #[serde(default)]
    pub oif: Option<String>,
    #[serde(default)]
    pub uid_range: Option<(u32, u32)>,
    #[serde(default)]
    pub suppress_prefixlen: Option<u32>,
    /// Selectors ssetop cannot evaluate for a destination alone (ports, protocol, tos).
    #[serde(default)]
    pub other_selectors: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Interface {
    pub index: u32,
    /// The name users know: the Linux/macOS name; on Windows the friendly name ("Ethernet 2").
    pub name: String,
    /// The OS's own identifier where `name` is a display name (the Windows adapter GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Windows friendly name ("Ethernet 2").
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Windows adapter description ("PANGP Virtual Ethernet Adapter").
    #[serde(default)]
    pub description: Option<String>,
    /// Kind as the OS reports it: ethernet, loopback, tunnel, wireless, ...
    pub kind: String,
    /// Operational state: up, down, dormant, unknown, ...
    pub oper_state: String,
    pub up: bool,
    pub addresses: Vec<IpNet>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn id(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Socket {
    pub protocol: Protocol,
    pub local: SocketAddr,
    /// `None` for listeners and UDP sockets (the OS tables give UDP no peer).
    #[serde(default)]
    pub remote: Option<SocketAddr>,
    /// TCP state in upper case (`ESTABLISHED`, `LISTEN`); `None` for UDP.
    #[serde(default)]
    pub state: Option<String>,
    /// Owning processes; empty when the OS would not say (another user's socket, no privilege).
    #[serde(default)]
    pub pids: Vec<u32>,
    /// Owner user id where the OS gives it (Linux).
    #[serde(default)]
    pub uid: Option<u32>,
}

impl Socket {
    pub fn is_listening(&self) -> bool {
        self.state.as_deref() == Some("LISTEN")
    }

    pub fn is_established(&self) -> bool {
        self.state.as_deref() == Some("ESTABLISHED")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Process {
    pub pid: u32,
    #[serde(default)]
    pub parent: Option<u32>,
    pub name: String,
    #[serde(default)]
    pub exe: Option<String>,
    /// Kept only for processes whose knowledge entry matches on the command line, so that a
    /// capture holds no other process's arguments.
    #[serde(default)]
    pub cmdline: Option<Vec<String>>,
    /// The file name of the command (argv[0], no directory, no arguments): readable when the
    /// executable path is not (another user's process) and not truncated like Linux names.
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub user: Option<String>,
}

impl Process {
    /// The executable's file name without directory and `.exe`, when known.
    pub fn exe_stem(&self) -> Option<&str> {
        let exe = self.exe.as_deref()?;
        let file = exe.rsplit(['/', '\\']).next().unwrap_or(exe);
        Some(strip_exe(file))
    }
}

/// `PanGPS.exe` → `PanGPS` (any case of the extension).
pub fn strip_exe(name: &str) -> &str {
    match name.len().checked_sub(4) {
        Some(cut) if name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(".exe") => {
            &name[..cut]
        }
        _ => name,
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum DnsStatus {
    Resolved,
    Nxdomain,
    Refused,
    Timeout,
    Error,
    Skipped,
}

impl DnsStatus {
    pub fn id(self) -> &'static str {
        match self {
            DnsStatus::Resolved => "resolved",
            DnsStatus::Nxdomain => "nxdomain",
            DnsStatus::Refused => "refused",
            DnsStatus::Timeout => "timeout",
            DnsStatus::Error => "error",
            DnsStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DnsAnswer {
    /// The name queried (the knowledge template when it could not be filled in).
    pub name: String,
    pub status: DnsStatus,
    pub addresses: Vec<IpAddr>,
    pub elapsed_ms: u64,
    /// The error text, or why the name was skipped.
    #[serde(default)]
    pub detail: Option<String>,
    /// Why the name was asked for.
    #[serde(default, skip_serializing_if = "DnsPurpose::is_edge")]
    pub purpose: DnsPurpose,
}

/// Why ssetop asked for a name.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DnsPurpose {
    /// One of GSA's edge names from the knowledge base.
    #[default]
    Edge,
    /// The host of a channel's `diagnosticUri`: GSA should answer it with a synthetic
    /// ("magic") address.
    DiagnosticHost,
}

impl DnsPurpose {
    fn is_edge(&self) -> bool {
        *self == DnsPurpose::Edge
    }
}

/// A value read from the OS configuration, or why there is none.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Reading<T> {
    Value(T),
    /// The place was read and holds nothing (not configured).
    Missing(String),
    /// The place could not be read (access denied, API failure).
    Unavailable(String),
    /// Not on this OS.
    NotApplicable(String),
}

impl<T> Reading<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Reading::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Why there is no value (`None` when there is one).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Reading::Value(_) => None,
            Reading::Missing(r) | Reading::Unavailable(r) | Reading::NotApplicable(r) => Some(r),
        }
    }
}

impl<T> Default for Reading<T> {
    fn default() -> Self {
        Reading::NotApplicable("not read".into())
    }
}

/// The GSA forwarding profile as found, unparsed (the analysis parses it, so a malformed
/// profile becomes a check, and a capture keeps exactly what the device held).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProfileText {
    /// `registry`, `file:<path>` (`--forwarding-profile`) or `cache:<path>` (macOS's cached file).
    pub origin: String,
    pub json: String,
    /// `ForwardingProfileTimestamp` from the registry; on macOS the cached file's modification
    /// time (RFC 3339).
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl ProfileText {
    /// The host names of the profile's `diagnosticUri`s, found by a scan of the text (the
    /// DNS collector asks for them before the analysis parses the profile): GSA acquires
    /// them by name, so the system resolver must answer them with a synthetic address.
    pub fn diagnostic_hosts(&self) -> Vec<String> {
        static URI: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r#"(?i)"diagnosticUri"\s*:\s*"(?:[a-z][a-z0-9+.-]*:(?:\\?/){2})?([a-z0-9.-]{1,253})"#)
                .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
        });
        let mut hosts: Vec<String> = URI
            .captures_iter(&self.json)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str().trim_end_matches('.').to_ascii_lowercase())
            .filter(|h| h.contains('.'))
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// `hostAcquisitionInternalSubNet`: the synthetic range this profile's client answers
    /// acquired names from, where the profile says (the default is in the knowledge base).
    pub fn host_acquisition_subnet(&self) -> Option<IpNet> {
        static SUBNET: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r#"(?i)"hostAcquisitionInternalSubNet"\s*:\s*"([0-9a-f.:/]{1,64})""#)
                .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
        });
        SUBNET
            .captures(&self.json)
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().parse().ok())
    }
}

/// The host of a URL (`https://host:port/path` → `host`), lower case.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.trim_end_matches('.').to_ascii_lowercase())
}

/// A tenant id and where it was read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TenantId {
    pub id: String,
    /// `option`, `registry` or `forwarding-profile`.
    pub origin: String,
}

impl TenantId {
    /// Whether `text` is a tenant id: a Microsoft Entra tenant id is a GUID.
    pub fn is_valid(text: &str) -> bool {
        static GUID: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
                .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
        });
        GUID.is_match(text)
    }

    /// The tenant id a forwarding profile carries in its edge names
    /// (`<tenant>.m365.client.globalsecureaccess.microsoft.com`), lower case.
    pub fn find_in_profile(json: &str) -> Option<String> {
        static EDGE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"(?i)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[a-z0-9-]+\.client\.globalsecureaccess\.microsoft\.com",
            )
            .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
        });
        EDGE.captures(json)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_lowercase())
    }
}

/// A Windows service's state from the Service Control Manager.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceState {
    pub name: String,
    /// running, stopped, start_pending, stop_pending, paused, ...
    pub state: String,
    #[serde(default)]
    pub pid: Option<u32>,
    /// `service` or `driver`.
    #[serde(default)]
    pub kind: Option<String>,
    /// boot, system, auto, demand, disabled (when the configuration could be read).
    #[serde(default)]
    pub start_type: Option<String>,
    /// Why part of it could not be read (state `unknown`: access denied to this service).
    #[serde(default)]
    pub detail: Option<String>,
}

/// Device join state (Windows).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JoinState {
    /// `entra-joined`, `workplace-joined`, `unjoined`, ...
    pub state: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Where it was read: `NetGetAadJoinInformation` or `registry`.
    #[serde(default)]
    pub origin: Option<String>,
}

/// Proxy configuration (Windows: WinHTTP and WinINet; macOS: the system proxy in the `wininet` slot).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProxySettings {
    /// The machine-wide WinHTTP proxy (`netsh winhttp show proxy`); `None`: direct.
    #[serde(default)]
    pub winhttp: Option<String>,
    /// The WinINet proxy of the user running ssetop, when `ProxyEnable` is on.
    #[serde(default)]
    pub wininet: Option<String>,
    /// WinINet's bypass list (`ProxyOverride`).
    #[serde(default)]
    pub bypass: Option<String>,
    /// WinINet's proxy auto-config (PAC) script.
    #[serde(default)]
    pub auto_config_url: Option<String>,
    /// WinHTTP's bypass list.
    #[serde(default)]
    pub winhttp_bypass: Option<String>,
}

/// The start of a [`PolicyValue::value`] that could not be read; the reason follows.
pub const UNREADABLE_POLICY: &str = "unreadable: ";

/// One browser or OS policy value GSA's health check looks at.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyValue {
    /// `edge`, `chrome`, `windows`, ...
    pub scope: String,
    /// Registry value name (`DnsOverHttpsMode`, `QuicAllowed`, ...).
    pub name: String,
    pub value: String,
    /// Where it was read (`HKLM\SOFTWARE\Policies\Microsoft\Edge`).
    #[serde(default)]
    pub origin: Option<String>,
}

/// OS settings the checks need. On Windows from the registry and the service manager; elsewhere
/// mostly `NotApplicable`, with the forwarding profile and tenant id from the command line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Settings {
    #[serde(default)]
    pub forwarding_profile: Reading<ProfileText>,
    #[serde(default)]
    pub tenant_id: Reading<TenantId>,
    #[serde(default)]
    pub join: Reading<JoinState>,
    /// `Tcpip6\Parameters\DisabledComponents`.
    #[serde(default)]
    pub ipv6_disabled_components: Reading<u32>,
    #[serde(default)]
    pub services: Reading<Vec<ServiceState>>,
    #[serde(default)]
    pub proxy: Reading<ProxySettings>,
    #[serde(default)]
    pub policies: Reading<Vec<PolicyValue>>,
    // --- macOS client state (GSA's macOS Health check), NotApplicable elsewhere ---
    /// What GSA's macOS Health check looks at, from `systemextensionsctl`, `scutil` and the
    /// cached forwarding-profile file.
    #[serde(default)]
    pub macos: Reading<MacosSettings>,
    // --- end macOS client state ---
    /// What else GSA's own Windows health check looks at (NRPT, the mTLS certificate, its edge
    /// results, crash reports).
    #[serde(default)]
    pub gsa_windows: GsaWindowsReadings,
    /// The installed GSA client's version (Windows: Programs and Features; macOS: the app).
    #[serde(default)]
    pub gsa_client: Reading<InstalledVersion>,
}

/// The Windows places GSA's health check reads beyond services, policies and the proxy.
/// Each is a reading of its own: one that cannot be read leaves the others.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct GsaWindowsReadings {
    /// The Name Resolution Policy Table: the local table and Group Policy's.
    #[serde(default)]
    pub nrpt: Reading<NrptTables>,
    /// `CertCommonName` and the matching certificates of the machine's Personal store.
    #[serde(default)]
    pub client_certificates: Reading<ClientCertificates>,
    /// `State\EdsResults`: GSA's own last edge-diagnostic results, verbatim.
    #[serde(default)]
    pub eds_results: Reading<String>,
    /// Windows Error Reporting's crash reports of GSA's executables.
    #[serde(default)]
    pub crash_reports: Reading<Vec<CrashReport>>,
}

impl GsaWindowsReadings {
    /// Every reading `NotApplicable`, for the other OSes.
    pub fn not_on_windows() -> GsaWindowsReadings {
        let na = |what: &str| format!("{what} is read on Windows");
        GsaWindowsReadings {
            nrpt: Reading::NotApplicable(na("the Name Resolution Policy Table")),
            client_certificates: Reading::NotApplicable(na(
                "GSA's mTLS client certificate (the machine's Personal store)",
            )),
            eds_results: Reading::NotApplicable(na("GSA's EdsResults registry value")),
            crash_reports: Reading::NotApplicable(na("Windows Error Reporting's crash archive")),
        }
    }
}

/// An installed client's version and where it was read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstalledVersion {
    pub version: String,
    /// The registry key or file it was read from.
    pub origin: String,
}

/// One rule of the Name Resolution Policy Table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NrptRule {
    /// The rule's registry key name.
    pub key: String,
    /// The namespaces it applies to (`.contoso.local`, `host.contoso.com`).
    pub namespaces: Vec<String>,
    /// `GenericDNSServers`: where names of those namespaces are sent.
    #[serde(default)]
    pub servers: Vec<String>,
    /// `DisplayName` or `Comment`, where set.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The local NRPT (where clients such as GSA write their rules) and Group Policy's, which,
/// when it holds any rule, makes Windows ignore the local one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct NrptTables {
    pub local: Vec<NrptRule>,
    pub group_policy: Vec<NrptRule>,
}

/// GSA's mTLS client certificate: the name GSA recorded and what the store holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClientCertificates {
    /// `CertCommonName` under GSA's key: set when the tenant uses mTLS.
    #[serde(default)]
    pub cert_common_name: Option<String>,
    /// Certificates of the machine's Personal store whose subject names GSA (`*gsa.client`
    /// or `CertCommonName`).
    #[serde(default)]
    pub certificates: Vec<CertificateInfo>,
    /// Store entries that could not be decoded, by thumbprint and reason.
    #[serde(default)]
    pub unreadable: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CertificateInfo {
    pub thumbprint: String,
    pub subject: String,
    pub issuer: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
}

/// A crash of one of GSA's executables, as Windows Error Reporting filed it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CrashReport {
    pub executable: String,
    /// The report's folder name.
    pub report: String,
    /// The crash time (`EventTime` of `Report.wer`, else the folder's modification time).
    pub time: Timestamp,
}

// --- macOS client state (GSA's macOS Health check) ---

/// What the macOS tools say, each part read on its own (one failing leaves the others).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct MacosSettings {
    /// `systemextensionsctl list`: every system extension, of every vendor.
    #[serde(default)]
    pub system_extensions: Reading<Vec<SystemExtension>>,
    /// `scutil --nc list`: the network extension configurations (VPNs, transparent proxies).
    #[serde(default)]
    pub network_services: Reading<Vec<NetworkService>>,
    /// `scutil --nwi`: the interfaces the system ranks as active, primary first.
    #[serde(default)]
    pub network_state: Reading<NetworkState>,
    /// `scutil --dns`: the resolver configuration.
    #[serde(default)]
    pub resolvers: Reading<Vec<DnsResolver>>,
    /// GSA's cached forwarding-profile file: where, how big, when written.
    #[serde(default)]
    pub profile_file: Reading<ProfileFile>,
}

/// One line of `systemextensionsctl list`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SystemExtension {
    /// The `--- com.apple.system_extension.network_extension` heading it was listed under.
    #[serde(default)]
    pub category: Option<String>,
    /// The `*` marks of the `enabled` and `active` columns.
    pub enabled: bool,
    pub active: bool,
    #[serde(default)]
    pub team_id: Option<String>,
    pub bundle_id: String,
    #[serde(default)]
    pub version: Option<String>,
    pub name: String,
    /// The bracketed state: `activated enabled`, `activated waiting for user`, ...
    pub state: String,
}

/// One line of `scutil --nc list`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NetworkService {
    /// The `*` mark: enabled in the current network set.
    pub enabled: bool,
    /// `Connected`, `Disconnected`, `Connecting`, `Invalid`, ...
    pub status: String,
    pub id: String,
    /// `VPN`, `PPP`, ...
    pub kind: String,
    /// The bundle identifier in parentheses after the kind.
    #[serde(default)]
    pub provider: Option<String>,
    pub name: String,
    /// The bracketed `VPN:<bundle id>` (or `PPP/Modem`).
    #[serde(default)]
    pub detail: Option<String>,
}

/// `scutil --nwi`: the active interfaces per family, the system's primary first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct NetworkState {
    #[serde(default)]
    pub ipv4: Vec<NwiInterface>,
    #[serde(default)]
    pub ipv6: Vec<NwiInterface>,
    /// The `Network interfaces:` line.
    #[serde(default)]
    pub interfaces: Vec<String>,
}

/// One interface block of `scutil --nwi`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NwiInterface {
    pub name: String,
    /// The words in the flags' parentheses: `IPv4`, `DNS`, ...
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The words of `reach`: `Reachable`, `Transient Connection`, `Not Reachable`, ...
    #[serde(default)]
    pub reach: Vec<String>,
    #[serde(default)]
    pub vpn_server: Option<String>,
}

/// One `resolver #N` block of `scutil --dns`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct DnsResolver {
    /// `default` (the "DNS configuration" section) or `scoped` (the one for scoped queries).
    pub section: String,
    pub number: u32,
    #[serde(default)]
    pub nameservers: Vec<String>,
    #[serde(default)]
    pub search_domains: Vec<String>,
    /// `domain`: the names this resolver answers for (none: every name).
    #[serde(default)]
    pub domain: Option<String>,
    /// `if_index : 15 (en0)`: the interface name.
    #[serde(default)]
    pub interface: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub flags: Option<String>,
    #[serde(default)]
    pub options: Option<String>,
}

/// GSA's cached forwarding-profile file, whether or not its profile could be taken from it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProfileFile {
    pub path: String,
    pub size: u64,
    #[serde(default)]
    pub modified: Option<Timestamp>,
    /// `xml`, `binary` or `unreadable: <why>` (not a property list).
    pub format: String,
    /// The top-level keys (never their values, which may hold tokens).
    #[serde(default)]
    pub keys: Vec<String>,
    /// The key whose value is the forwarding-profile JSON, when one is.
    #[serde(default)]
    pub profile_key: Option<String>,
}

// --- end macOS client state ---

impl Snapshot {
    /// Gives routes the interface name from the interfaces source where the OS gave an index only.
    pub fn fill_route_interface_names(&mut self) {
        let (Some(routes), Some(interfaces)) = (self.routes.data.as_mut(), self.interfaces.get())
        else {
            return;
        };
        let names: Vec<(u32, Arc<str>)> = interfaces
            .iter()
            .map(|i| (i.index, Arc::from(i.name.as_str())))
            .collect();
        for route in routes.routes.iter_mut().filter(|r| r.interface.is_none()) {
            if let Some(index) = route.interface_index {
                route.interface = names
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, name)| Arc::clone(name));
            }
        }
    }
}

// --probe (issue 13): what the opt-in network probes found. The analysis plans the targets
// (from the forwarding profile or the knowledge base), a collector probes them, and the
// `edge-reachable`, `diagnostic-uri` and `internet` checks judge the results.

/// Why a snapshot has no probe results when `--probe` was not given.
pub const NOT_PROBED: &str = "not probed: run with --probe";

/// The probes section of a snapshot taken without `--probe`.
pub fn not_probed() -> Section<Vec<ProbeResult>> {
    Section::skipped(NOT_PROBED)
}

/// Which check a probe feeds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeKind {
    /// A TCP connection to one of a channel's edges.
    EdgeReachable,
    /// An HTTPS GET of a channel's `diagnosticUri`.
    DiagnosticUri,
    /// The OS's connectivity verdict, or a GET of the connectivity-test URL.
    Internet,
}

/// One thing to probe, as planned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProbeTarget {
    pub kind: ProbeKind,
    /// GSA channel id (`m365`, `internet`, `private`); `None` for `internet`.
    #[serde(default)]
    pub channel: Option<String>,
    /// `primary` or `secondary` for an edge.
    #[serde(default)]
    pub role: Option<String>,
    /// Host name or address, and port (edges); the URL for an HTTP probe.
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: u16,
    #[serde(default)]
    pub url: Option<String>,
    /// Set when the plan decided not to probe it, with the reason.
    #[serde(default)]
    pub skip: Option<String>,
}

/// What one probe found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProbeResult {
    pub target: ProbeTarget,
    /// The probe's own socket, so that the analysis can find and attribute it.
    #[serde(default)]
    pub local: Option<SocketAddr>,
    #[serde(default)]
    pub remote: Option<SocketAddr>,
    /// Time to connect (edges) or to the whole answer (HTTP).
    #[serde(default)]
    pub elapsed_ms: Option<u64>,
    pub outcome: ProbeOutcome,
    /// Carried over from an earlier probe (the dashboard keeps the last results until the
    /// next `P`): its socket is closed by now.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub carried: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// The TCP connection was made.
    Connected,
    /// An HTTP answer (no redirect followed). `body` is bounded; `issuer` is the TLS peer
    /// certificate's issuer over HTTPS.
    Http {
        status: u16,
        #[serde(default)]
        body: String,
        #[serde(default)]
        location: Option<String>,
        #[serde(default)]
        issuer: Option<String>,
    },
    /// The OS's own connectivity verdict (`source` names where it was read).
    OsVerdict {
        source: String,
        verdict: String,
    },
    Refused {
        reason: String,
    },
    TimedOut {
        reason: String,
    },
    Failed {
        reason: String,
    },
    /// Planned but not probed (`target.skip`).
    NotProbed {
        reason: String,
    },
}

// --- vendor status tools (issue 13, part 4) ---

fn vendor_reports_not_recorded() -> Section<Vec<VendorReport>> {
    Section::skipped("not recorded in this capture (older ssetop)")
}

/// One vendor's own status tool, as run: where it is, each command's outcome and output, and
/// what the output was understood to say. Read-only evidence beside ssetop's inference.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VendorReport {
    pub vendor: crate::knowledge::Vendor,
    /// The path run, or (when none was found) every place looked in, joined with " or ".
    pub tool: String,
    pub installed: bool,
    /// Each command run, in the knowledge base's order (empty when the tool is not installed).
    #[serde(default)]
    pub runs: Vec<ToolRun>,
    /// What the outputs say; `None` when no command printed anything.
    #[serde(default)]
    pub status: Option<VendorStatus>,
}

/// How one command of a vendor's tool ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ToolOutcome {
    /// It exited 0.
    Output,
    /// It exited otherwise, could not start, or a signal ended it (`exit_code`, `detail`).
    Failed,
    /// It did not finish within its timeout and was stopped.
    TimedOut,
    /// The program vanished between finding it and running it.
    NotInstalled,
}

impl ToolOutcome {
    pub fn id(self) -> &'static str {
        match self {
            ToolOutcome::Output => "output",
            ToolOutcome::Failed => "failed",
            ToolOutcome::TimedOut => "timed_out",
            ToolOutcome::NotInstalled => "not_installed",
        }
    }
}

/// One command of a vendor's tool: its arguments, when it ran, how it ended, and what it
/// printed (bounded: raw text a vendor tool prints, never trusted, shown only sanitised).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolRun {
    pub args: Vec<String>,
    pub ran_at: Timestamp,
    pub elapsed_ms: u64,
    pub outcome: ToolOutcome,
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Why it could not run, or how long it was given.
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    /// Whether stdout or stderr was cut to its bound.
    #[serde(default)]
    pub truncated: bool,
}

/// A state as a vendor's tool words it, put into ssetop's terms.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReportedState {
    Connected,
    Connecting,
    Disconnected,
    /// The tool reports a fault (a driver error, fail-open, a captive portal, an error message).
    Error,
    /// The tool is installed but its command line is switched off (Zscaler's App Profile).
    NotEnabled,
    /// Nothing in the output was understood.
    Unknown,
}

impl ReportedState {
    pub fn id(self) -> &'static str {
        match self {
            ReportedState::Connected => "connected",
            ReportedState::Connecting => "connecting",
            ReportedState::Disconnected => "disconnected",
            ReportedState::Error => "error",
            ReportedState::NotEnabled => "not_enabled",
            ReportedState::Unknown => "unknown",
        }
    }
}

/// One service a tool reports on its own (Zscaler's ZIA, ZPA, ZDX).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceReport {
    /// `ZIA`, `ZPA`, `ZDX`.
    pub name: String,
    /// The tool's own words ("ON", "Driver Error").
    pub said: String,
    pub state: ReportedState,
}

/// A named value a tool reports (`assigned_ip`, `gateway_ip`, `gateway`, `protocol`,
/// `uptime`, `portal`, `authentication`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportField {
    pub name: String,
    pub value: String,
}

/// What a vendor's status output was understood to say.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VendorStatus {
    pub state: ReportedState,
    /// The tool's own words for the state ("Connected", "OnDemand mode").
    #[serde(default)]
    pub said: Option<String>,
    #[serde(default)]
    pub services: Vec<ServiceReport>,
    #[serde(default)]
    pub fields: Vec<ReportField>,
    /// The error or refusal the tool printed.
    #[serde(default)]
    pub error: Option<String>,
}

impl VendorStatus {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }
}

// --- end vendor status tools ---

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_recorded_before_vendor_tools_loads_with_them_not_recorded() {
        let mut value = serde_json::to_value(Snapshot {
            taken_at: "2026-11-23T12:00:00Z".parse().unwrap(),
            host: Host::default(),
            routes: Section::pending(),
            interfaces: Section::pending(),
            sockets: Section::pending(),
            processes: Section::pending(),
            dns: Section::pending(),
            settings: Section::pending(),
            probes: not_probed(),
            vendor_reports: Section::ok(Vec::new(), "2026-11-23T12:00:00Z".parse().unwrap(), 1),
        })
        .unwrap();
        value.as_object_mut().unwrap().remove("vendor_reports");
        let old: Snapshot = serde_json::from_value(value).unwrap();
        assert_eq!(old.vendor_reports.status, SourceStatus::Skipped);
        assert!(old.vendor_reports.describe().contains("not recorded"));
    }

    #[test]
    fn diagnostic_hosts_are_found_with_plain_or_escaped_slashes() {
        let text = ProfileText {
            origin: "registry".into(),
            json: r#"{"a": {"diagnosticUri": "https://M365.edgediagnostic.globalsecureaccess.microsoft.com/ping"},
                      "b": {"diagnosticUri":"https:\/\/private.edgediagnostic.globalsecureaccess.microsoft.com\/ping"},
                      "c": {"diagnosticUri": "not a url"}}"#
                .into(),
            timestamp: None,
        };
        assert_eq!(
            text.diagnostic_hosts(),
            [
                "m365.edgediagnostic.globalsecureaccess.microsoft.com",
                "private.edgediagnostic.globalsecureaccess.microsoft.com"
            ]
        );
    }

    #[test]
    fn tenant_is_found_in_profile_edge_names() {
        let json = r#"{"edgeAddress":"6B1E4F0A-1111-2222-3333-444455556666.m365.client.globalsecureaccess.microsoft.com"}"#;
        assert_eq!(
            TenantId::find_in_profile(json).as_deref(),
            Some("6b1e4f0a-1111-2222-3333-444455556666")
        );
        assert_eq!(
            TenantId::find_in_profile(r#"{"edgeAddress":"example.com"}"#),
            None
        );
    }

    #[test]
    fn tenant_ids_must_be_guids() {
        assert!(TenantId::is_valid("6b1e4f0a-1111-2222-3333-444455556666"));
        assert!(!TenantId::is_valid("contoso.onmicrosoft.com"));
        assert!(!TenantId::is_valid("6b1e4f0a-1111-2222-3333-44445555666"));
    }

    #[test]
    fn strip_exe_removes_the_extension_in_any_case_only() {
        assert_eq!(strip_exe("PanGPS.exe"), "PanGPS");
        assert_eq!(strip_exe("ZSATunnel.EXE"), "ZSATunnel");
        assert_eq!(strip_exe("zstunnel"), "zstunnel");
        assert_eq!(strip_exe(".exe"), "");
        assert_eq!(strip_exe("é.exe"), "é");
    }

    #[test]
    fn exe_stem_takes_the_file_name_of_windows_and_unix_paths() {
        let mut p = Process {
            pid: 1,
            parent: None,
            name: "x".into(),
            exe: Some(r"C:\Program Files\Palo Alto Networks\GlobalProtect\PanGPS.exe".into()),
            cmdline: None,
            command: None,
            started_at: None,
            user: None,
        };
        assert_eq!(p.exe_stem(), Some("PanGPS"));
        p.exe = Some("/opt/zscaler/bin/zstunnel".into());
        assert_eq!(p.exe_stem(), Some("zstunnel"));
    }
}
