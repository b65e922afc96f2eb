//! The scenario files (`tests/scenarios/*.toml`): what a scenario builds, runs and expects.
//! tests/scenarios/README.md explains the format; unknown keys are errors so that a typo
//! never silently drops an expectation.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The namespace where the device's processes and ssetop run.
pub(crate) const DEVICE: &str = "device";
/// Replaced in `[ssetop] env` by the scenario CA's PEM file.
pub(crate) const SCENARIO_CA: &str = "{scenario_ca}";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Scenario {
    /// The file's name without `.toml`.
    pub name: String,
    /// What the scenario shows, in a sentence or two.
    pub summary: String,
    /// Substituted for `{tenant}` in DNS record names and ssetop's arguments.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Network namespaces by role; `device` is required. None of them has a link to the host.
    pub namespaces: BTreeMap<String, Namespace>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub dns: Option<Dns>,
    /// Listeners standing in for the internet's servers (edges, gateways, applications).
    #[serde(default)]
    pub servers: Vec<Server>,
    /// Stand-ins for the SSE clients' processes, in the device namespace.
    #[serde(default)]
    pub clients: Vec<Standin>,
    /// Applications with connections ssetop must attribute, in the device namespace.
    #[serde(default)]
    pub apps: Vec<Standin>,
    /// `ssetop --once --format json`: its extra arguments.
    #[serde(default)]
    pub ssetop: Option<Once>,
    /// `ssetop flow-test --format json ARGS`, run after `[ssetop]` (with its profile).
    #[serde(default)]
    pub flow_test: Option<FlowTestRun>,
    /// What flow-test's JSON (`ssetop.flowtest.v1`) must say.
    #[serde(default)]
    pub expect_flow_test: Option<FlowTestExpect>,
    /// A live recording instead (`ssetop --record`), driven by `steps`, then replayed.
    #[serde(default)]
    pub record: Option<Record>,
    #[serde(default)]
    pub steps: Vec<Step>,
    /// What the report (of `--once`, or of the replayed capture's end) must say.
    pub expect: Expect,
    /// What the replayed capture must say at a step's `mark`.
    #[serde(default)]
    pub expect_at: BTreeMap<String, Expect>,
    /// `ssetop explain ARGS --format json` runs inside the device (with `[ssetop]`'s arguments
    /// and profile), each answer checked on its first path (Linux runner).
    #[serde(default)]
    pub explain: Vec<ExplainSpec>,
    /// The same device as a Windows device, for the Windows build under Wine
    /// (tests/wine_scenarios.rs): only files with this table are played there.
    #[serde(default)]
    pub wine: Option<Wine>,
}

/// What a Windows device has beyond the network and the stand-ins, and what the Windows build
/// reports differently. The Wine runner sets it up in the prefix before the stand-ins start.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Wine {
    /// Played only under Wine: the file shows Windows-only settings (the Linux runner skips it).
    #[serde(default)]
    pub only: bool,
    /// `[ssetop].forwarding_profile` goes where the GSA client keeps it, the registry value
    /// `ForwardingProfile` (with a `ForwardingProfileTimestamp`), instead of
    /// `--forwarding-profile`: ssetop must find it there.
    #[serde(default)]
    pub profile_in_registry: bool,
    /// The profile moved there by [`Scenario::for_wine`].
    #[serde(skip)]
    pub forwarding_profile: Option<String>,
    /// The device is joined to the tenant `tenant_id` (CloudDomainJoin\JoinInfo).
    #[serde(default)]
    pub joined: bool,
    /// Windows services and drivers that are installed but are no stand-in: name → `running`
    /// or `stopped`. Their kind (service or driver) comes from the knowledge base.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceState>,
    /// Registry values set before the stand-ins start.
    #[serde(default)]
    pub registry: Vec<RegistryValue>,
    /// Files written into the prefix (`C:\…`) before the stand-ins start.
    #[serde(default)]
    pub files: Vec<WineFile>,
    /// More arguments for every ssetop run under Wine.
    #[serde(default)]
    pub args: Vec<String>,
    /// Laid over `[expect]` for the run under Wine: each value given here replaces the one
    /// there (checks, clients and DNS names by key, connections by remote endpoint).
    #[serde(default)]
    pub expect: Expect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ServiceState {
    Running,
    Stopped,
}

/// One registry value: `key` (`HKLM\…`) and `name`, and exactly one kind of data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegistryValue {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub sz: Option<String>,
    #[serde(default)]
    pub dword: Option<u32>,
    /// The WinHTTP proxy blob `netsh winhttp set proxy PROXY BYPASS` writes (`WinHttpSettings`).
    #[serde(default)]
    pub winhttp_proxy: Option<WinHttpProxy>,
    /// REG_MULTI_SZ: these strings.
    #[serde(default)]
    pub multi_sz: Option<Vec<String>>,
    /// REG_BINARY: these bytes in hex (spaces, commas and colons between them are allowed).
    #[serde(default)]
    pub hex: Option<String>,
    /// REG_BINARY: a certificate store entry (`…\SystemCertificates\MY\Certificates\<THUMBPRINT>`,
    /// value `Blob`) holding a certificate generated for the run.
    #[serde(default)]
    pub cert_blob: Option<CertBlob>,
}

impl RegistryValue {
    /// How many kinds of data this value gives (exactly one is valid).
    pub(crate) fn kinds(&self) -> usize {
        [
            self.sz.is_some(),
            self.dword.is_some(),
            self.winhttp_proxy.is_some(),
            self.multi_sz.is_some(),
            self.hex.is_some(),
            self.cert_blob.is_some(),
        ]
        .iter()
        .filter(|k| **k)
        .count()
    }
}

/// A self-signed certificate with this common name, expired (valid 2024-01-01 to 2025-01-01)
/// or valid (from a day before the run to a year after).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertBlob {
    pub cn: String,
    #[serde(default)]
    pub expired: bool,
}

/// A file in the Wine prefix. `{filetime_minus_hours:N}` in its text becomes the Windows
/// FILETIME (100 ns units since 1601) of N hours before the file is written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WineFile {
    /// `C:\…`
    pub path: String,
    /// Written as UTF-16LE with a byte order mark, lines ending CRLF (as Windows Error
    /// Reporting writes Report.wer).
    #[serde(default)]
    pub utf16: Option<String>,
    /// Written as UTF-8.
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WinHttpProxy {
    pub proxy: String,
    pub bypass: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Namespace {
    /// Forward packets between interfaces (a router: the internet, a VPN gateway).
    #[serde(default)]
    pub forwarding: bool,
    /// Addresses put on the loopback interface: the servers' addresses.
    #[serde(default)]
    pub loopback: Vec<String>,
    /// Routes, as the arguments of `ip route add`.
    #[serde(default)]
    pub routes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LinkKind {
    /// A pair of ends, one in each of two namespaces.
    Veth,
    /// One end; no program reads it, so what is routed into it is lost (`linkdown`).
    Tun,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Link {
    pub kind: LinkKind,
    pub ends: Vec<End>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct End {
    pub ns: String,
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    /// Set the interface up (default); `false` leaves it down for a step to raise.
    #[serde(default = "yes")]
    pub up: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Dns {
    /// The device's resolver: the `nameserver` of its resolv.conf.
    pub resolver: String,
    /// A DNS server (dnsmasq) listening in a namespace; none: nobody answers.
    #[serde(default)]
    pub server: Option<DnsServer>,
    /// `NAME = ADDRESS`: dnsmasq answers NAME and every name below it with ADDRESS; the most
    /// specific NAME wins. `{tenant}` is replaced by `tenant_id`.
    #[serde(default)]
    pub records: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DnsServer {
    pub ns: String,
    pub address: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Server {
    pub ns: String,
    pub listen: Vec<SocketAddr>,
    /// A TLS server (examples/tls_standin.rs) whose certificate this CA common name issued,
    /// instead of a plain TCP listener.
    #[serde(default)]
    pub tls_issuer: Option<String>,
    /// An HTTP(S) server (examples/http_standin.rs) giving every request this answer, instead
    /// of a plain TCP listener.
    #[serde(default)]
    pub http: Option<HttpServer>,
}

/// One fixed HTTP answer; over HTTPS when `tls_names` is given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpServer {
    pub status: u16,
    #[serde(default)]
    pub body: String,
    /// A `Location` header (a redirect).
    #[serde(default)]
    pub location: Option<String>,
    /// HTTPS with a certificate for these names, issued by the scenario's own CA (its PEM file
    /// is `{scenario_ca}` in `[ssetop] env`); empty: plain HTTP.
    #[serde(default)]
    pub tls_names: Vec<String>,
}

/// A process in the device: a copy of the stand-in helper under `name`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Standin {
    /// The process name (and executable file name) ssetop sees.
    pub name: String,
    /// TCP listeners it holds (Zscaler's local proxy).
    #[serde(default)]
    pub listen: Vec<SocketAddr>,
    /// TCP connections it opens and holds (a tunnel to an edge, an application's flow).
    #[serde(default)]
    pub connect: Vec<SocketAddr>,
    /// Open a lost connection again, every 200 ms until it succeeds.
    #[serde(default)]
    pub reconnect: bool,
    /// Started by a step rather than before ssetop runs.
    #[serde(default)]
    pub later: bool,
}

impl Standin {
    pub(crate) fn behaviour(&self) -> Behaviour {
        Behaviour {
            listen: self.listen.clone(),
            connect: self.connect.clone(),
            reconnect: self.reconnect,
        }
    }
}

/// What a stand-in does; the same for every runner.
#[derive(Debug, Clone, Default)]
pub(crate) struct Behaviour {
    pub listen: Vec<SocketAddr>,
    pub connect: Vec<SocketAddr>,
    pub reconnect: bool,
}

impl Behaviour {
    /// `--listen ADDR` and `--connect ADDR` for each endpoint: both stand-ins take these.
    pub(crate) fn endpoint_args(&self) -> Vec<String> {
        let listen = self.listen.iter().map(|a| ("--listen", a));
        let connect = self.connect.iter().map(|a| ("--connect", a));
        listen
            .chain(connect)
            .flat_map(|(option, addr)| [option.to_string(), addr.to_string()])
            .collect()
    }

    /// The stand-in helper's command line (after its program name).
    pub(crate) fn args(&self) -> Vec<String> {
        let mut args = vec!["client".to_string()];
        args.extend(self.endpoint_args());
        if self.reconnect {
            args.push("--reconnect".into());
        }
        args
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Once {
    /// Arguments after `--once --format json`; `{tenant}` is replaced by `tenant_id`.
    #[serde(default)]
    pub args: Vec<String>,
    /// A GSA forwarding profile (JSON), given with `--forwarding-profile`.
    #[serde(default)]
    pub forwarding_profile: Option<String>,
    /// Environment variables for every ssetop run of the scenario; `{scenario_ca}` is replaced
    /// by the path (as ssetop names it) of the PEM file of the CA that issued the `[[servers]]
    /// http` certificates, e.g. `SSL_CERT_FILE = "{scenario_ca}"`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// One `ssetop flow-test` run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowTestRun {
    /// Arguments after `flow-test --format json`; `{tenant}` is replaced by `tenant_id`.
    #[serde(default)]
    pub args: Vec<String>,
}

/// What `flow-test`'s JSON must say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowTestExpect {
    #[serde(default)]
    pub exit: Option<i32>,
    #[serde(default)]
    pub setup: Option<String>,
    /// `results[].destination` glob → that row's expectation; each key must match a row.
    #[serde(default)]
    pub results: BTreeMap<String, FlowRowExpect>,
    /// Exactly this many rows.
    #[serde(default)]
    pub rows: Option<usize>,
    #[serde(default)]
    pub finishes_within: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowRowExpect {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub expected: Option<String>,
    #[serde(default)]
    pub predicted: Option<String>,
    #[serde(default)]
    pub observed: Option<String>,
    #[serde(default)]
    pub detail_contains: Option<String>,
    #[serde(default)]
    pub remedy_contains: Option<String>,
    /// Some evidence line contains this.
    #[serde(default)]
    pub evidence_contains: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Record {
    /// Arguments after `--record FILE`; `--duration` is an upper bound, the harness stops the
    /// recording (SIGINT) once the steps are done.
    pub args: Vec<String>,
    /// Arguments after `--once --replay FILE --format json`.
    #[serde(default)]
    pub replay_args: Vec<String>,
}

/// One step of a live scenario. Its parts run in this order: say, start, ip, kill_connections,
/// wait_for, wait_snapshots, mark.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    /// What happens, printed as the step runs.
    pub say: String,
    /// The namespace of `ip` and `kill_connections`.
    #[serde(default = "device")]
    pub ns: String,
    /// Start these `later` clients.
    #[serde(default)]
    pub start: Vec<String>,
    /// `ip` commands (arguments of `ip`).
    #[serde(default)]
    pub ip: Vec<String>,
    /// Destroy the matching sockets (`ss -K FILTER`), as a client's enforcement would.
    #[serde(default)]
    pub kill_connections: Option<String>,
    /// Wait until a stand-in prints a line starting with `line`.
    #[serde(default)]
    pub wait_for: Option<WaitFor>,
    /// Wait until the capture holds this many more snapshots.
    #[serde(default)]
    pub wait_snapshots: Option<usize>,
    /// Name the capture's latest snapshot, for `expect_at`.
    #[serde(default)]
    pub mark: Option<String>,
}

fn device() -> String {
    DEVICE.to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitFor {
    pub client: String,
    pub line: String,
}

/// A text, or a list of texts.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// An expected check: a status, or a status and text its summary contains.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum CheckExpect {
    Status(String),
    Full(CheckDetail),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckDetail {
    pub status: String,
    #[serde(default)]
    pub summary_contains: Option<String>,
    /// For each of these texts (one, or a list), some evidence line contains it.
    #[serde(default)]
    pub evidence_contains: Option<OneOrMany>,
    /// The remedy contains this.
    #[serde(default)]
    pub remedy_contains: Option<String>,
}

impl CheckExpect {
    pub(crate) fn status(&self) -> &str {
        match self {
            CheckExpect::Status(s) => s,
            CheckExpect::Full(d) => &d.status,
        }
    }

    pub(crate) fn summary_contains(&self) -> Option<&str> {
        match self {
            CheckExpect::Status(_) => None,
            CheckExpect::Full(d) => d.summary_contains.as_deref(),
        }
    }

    pub(crate) fn evidence_contains(&self) -> Vec<&str> {
        match self {
            CheckExpect::Full(CheckDetail {
                evidence_contains: Some(OneOrMany::One(text)),
                ..
            }) => vec![text.as_str()],
            CheckExpect::Full(CheckDetail {
                evidence_contains: Some(OneOrMany::Many(texts)),
                ..
            }) => texts.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn remedy_contains(&self) -> Option<&str> {
        match self {
            CheckExpect::Status(_) => None,
            CheckExpect::Full(d) => d.remedy_contains.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expect {
    /// The process exit code.
    #[serde(default)]
    pub exit: Option<i32>,
    #[serde(default)]
    pub verdict: Option<String>,
    /// The setup id.
    #[serde(default)]
    pub setup: Option<String>,
    /// vendor → state (`absent`, `stopped`, `running`, `connected`).
    #[serde(default)]
    pub clients: BTreeMap<String, String>,
    /// check id or glob (`bypass-route:*`) → expectation; an exact id beats a glob, a longer
    /// glob beats a shorter one. Each key must match at least one check.
    #[serde(default)]
    pub checks: BTreeMap<String, CheckExpect>,
    /// DNS name or glob → status of `dns[]`.
    #[serde(default)]
    pub dns: BTreeMap<String, String>,
    /// Every answered DNS query (`elapsed_ms`) took at most this long.
    #[serde(default)]
    pub dns_elapsed_at_most: Option<String>,
    /// The connections with this remote endpoint.
    #[serde(default)]
    pub connections: Vec<ConnectionExpect>,
    /// The open alerts, exactly: id → severity. Absent: not checked.
    #[serde(default)]
    pub alerts: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub events: Vec<EventExpect>,
    /// ssetop (the process, as the runner measures it) ended within this long.
    #[serde(default)]
    pub finishes_within: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectionExpect {
    pub remote: String,
    /// Why this connection matters, for the failure message.
    #[serde(default)]
    pub what: Option<String>,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub confidence: Option<String>,
    #[serde(default)]
    pub interface: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    /// Whose tunnel the connection is (`tunnel_of`).
    #[serde(default)]
    pub tunnel_of: Option<String>,
}

/// One `ssetop explain` question and what its first path must say.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExplainSpec {
    /// DEST and options, e.g. `["150.171.19.10", "--port", "443"]`.
    pub args: Vec<String>,
    #[serde(default)]
    pub exit: Option<i32>,
    /// `resolution.status`.
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub interface: Option<String>,
    /// The deciding rule's id.
    #[serde(default)]
    pub rule: Option<String>,
    /// `route.vendor`.
    #[serde(default)]
    pub route_vendor: Option<String>,
    /// A line of the path's evidence (or a step's detail) contains this.
    #[serde(default)]
    pub evidence_contains: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventExpect {
    pub kind: String,
    #[serde(default)]
    pub text_contains: Option<String>,
    /// The duration written right after `text_contains` (`… reconnected after 2s`) is at
    /// least this long.
    #[serde(default)]
    pub duration_at_least: Option<String>,
}

impl Expect {
    /// `over`'s values laid over these: each one given there replaces the one here; checks,
    /// clients and DNS names by key, connections by remote endpoint; events are added.
    pub(crate) fn overlaid(&self, over: &Expect) -> Expect {
        let mut merged = self.clone();
        fn pick<T: Clone>(base: &Option<T>, over: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        merged.exit = over.exit.or(self.exit);
        merged.verdict = pick(&self.verdict, &over.verdict);
        merged.setup = pick(&self.setup, &over.setup);
        merged.dns_elapsed_at_most = pick(&self.dns_elapsed_at_most, &over.dns_elapsed_at_most);
        merged.finishes_within = pick(&self.finishes_within, &over.finishes_within);
        merged.alerts = pick(&self.alerts, &over.alerts);
        merged.clients.extend(over.clients.clone());
        merged.checks.extend(over.checks.clone());
        merged.dns.extend(over.dns.clone());
        for connection in &over.connections {
            merged.connections.retain(|c| c.remote != connection.remote);
            merged.connections.push(connection.clone());
        }
        merged.events.extend(over.events.clone());
        merged
    }
}

/// The bytes of hex text, pairs of digits with spaces, commas or colons between them.
pub(crate) fn hex_bytes(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | ',' | ':' | '\n' | '\r' | '\t'))
        .collect();
    if digits.len() % 2 != 0 {
        return Err(format!("hex {text:?} has an odd number of digits"));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16).map_err(|e| format!("hex {text:?}: {e}"))
        })
        .collect()
}

/// Parses `500ms`, `3s`, `1m 20s` the way ssetop does.
pub(crate) fn duration(text: &str) -> Result<Duration, String> {
    ssetop::util::parse_duration(&text.replace(' ', ""))
}

pub(crate) fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

impl Scenario {
    pub(crate) fn load(name: &str) -> Result<Scenario, String> {
        let path = scenarios_dir().join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let scenario: Scenario =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        scenario
            .validate(name)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(scenario)
    }

    /// Every scenario file's name, sorted.
    pub(crate) fn all_names() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(scenarios_dir())
            .expect("tests/scenarios is readable")
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".toml").map(str::to_string)
            })
            .collect();
        names.sort();
        names
    }

    /// The scenario as the Wine runner plays it: `[wine].args` added to ssetop's arguments and
    /// `[wine.expect]` laid over `[expect]`. `None` without a `[wine]` table.
    pub(crate) fn for_wine(&self) -> Option<Scenario> {
        let wine = self.wine.as_ref()?;
        let mut scenario = self.clone();
        if let Some(once) = &mut scenario.ssetop {
            once.args.extend(wine.args.iter().cloned());
            if wine.profile_in_registry
                && let Some(w) = &mut scenario.wine
            {
                w.forwarding_profile = once.forwarding_profile.take();
            }
        }
        scenario.expect = self.expect.overlaid(&wine.expect);
        Some(scenario)
    }

    /// Whether the Linux runner plays this file (all but the Windows-only ones).
    pub(crate) fn on_linux(&self) -> bool {
        !self.wine.as_ref().is_some_and(|w| w.only)
    }

    /// `{tenant}` replaced by the tenant id.
    pub(crate) fn fill(&self, text: &str) -> String {
        match &self.tenant_id {
            Some(t) => text.replace("{tenant}", t),
            None => text.to_string(),
        }
    }

    fn validate(&self, file_name: &str) -> Result<(), String> {
        if self.name != file_name {
            return Err(format!(
                "name {:?} differs from the file name {file_name:?}",
                self.name
            ));
        }
        if !self.namespaces.contains_key(DEVICE) {
            return Err(format!("no [namespaces.{DEVICE}]"));
        }
        let known = |ns: &str| {
            if self.namespaces.contains_key(ns) {
                Ok(())
            } else {
                Err(format!("namespace {ns:?} is not under [namespaces]"))
            }
        };
        for link in &self.links {
            let want = match link.kind {
                LinkKind::Veth => 2,
                LinkKind::Tun => 1,
            };
            if link.ends.len() != want {
                return Err(format!(
                    "a {:?} link has {want} end(s), not {}",
                    link.kind,
                    link.ends.len()
                ));
            }
            for end in &link.ends {
                known(&end.ns)?;
                if end.name.len() > 15 {
                    return Err(format!("interface name {:?} is over 15 bytes", end.name));
                }
            }
        }
        if let Some(server) = self.dns.as_ref().and_then(|d| d.server.as_ref()) {
            known(&server.ns)?;
        }
        for server in &self.servers {
            known(&server.ns)?;
            if server.tls_issuer.is_some() && server.http.is_some() {
                return Err("a [[servers]] entry has tls_issuer or http, not both".into());
            }
        }
        let has_ca = self
            .servers
            .iter()
            .any(|s| s.http.as_ref().is_some_and(|h| !h.tls_names.is_empty()));
        if let Some(once) = &self.ssetop
            && once.env.values().any(|v| v.contains(SCENARIO_CA))
            && !has_ca
        {
            return Err(format!(
                "[ssetop] env names {SCENARIO_CA}, but no [[servers]] http has tls_names"
            ));
        }
        match (&self.ssetop, &self.record) {
            (Some(_), None) if self.steps.is_empty() && self.expect_at.is_empty() => {}
            (None, Some(_)) => {}
            _ => {
                return Err(
                    "give either [ssetop] (one report) or [record] with [[steps]] (a live recording)"
                        .into(),
                );
            }
        }
        let standins: Vec<&Standin> = self.clients.iter().chain(&self.apps).collect();
        for (i, s) in standins.iter().enumerate() {
            if standins[..i].iter().any(|o| o.name == s.name) {
                return Err(format!(
                    "two stand-ins are named {:?}: names must be unique",
                    s.name
                ));
            }
        }
        let mut marks = Vec::new();
        for step in &self.steps {
            known(&step.ns)?;
            for name in &step.start {
                if !standins.iter().any(|s| &s.name == name && s.later) {
                    return Err(format!(
                        "step starts {name:?}, which is no client or app with later = true"
                    ));
                }
            }
            if let Some(w) = &step.wait_for
                && !standins.iter().any(|s| s.name == w.client)
            {
                return Err(format!("step waits for unknown stand-in {:?}", w.client));
            }
            marks.extend(step.mark.clone());
        }
        for mark in self.expect_at.keys() {
            if !marks.contains(mark) {
                return Err(format!("[expect_at.{mark}]: no step has mark = {mark:?}"));
            }
        }
        if let Some(wine) = &self.wine {
            if wine.only && self.record.is_some() {
                return Err(
                    "[wine] only = true needs [ssetop]: the Wine runner plays no recording".into(),
                );
            }
            if wine.profile_in_registry
                && self
                    .ssetop
                    .as_ref()
                    .is_none_or(|o| o.forwarding_profile.is_none())
            {
                return Err(
                    "[wine] profile_in_registry = true needs [ssetop] forwarding_profile".into(),
                );
            }
            if wine.joined && self.tenant_id.is_none() {
                return Err("[wine] joined = true needs tenant_id".into());
            }
            for value in &wine.registry {
                if value.kinds() != 1 {
                    return Err(format!(
                        "[wine] registry value {}\\{}: give exactly one of sz, dword, winhttp_proxy, multi_sz, hex, cert_blob",
                        value.key, value.name
                    ));
                }
                if let Some(hex) = &value.hex {
                    hex_bytes(hex).map_err(|e| {
                        format!("[wine] registry value {}\\{}: {e}", value.key, value.name)
                    })?;
                }
            }
            for file in &wine.files {
                if file.utf16.is_some() == file.text.is_some() {
                    return Err(format!(
                        "[wine] file {}: give exactly one of utf16, text",
                        file.path
                    ));
                }
                if !file.path.starts_with("C:\\") || file.path.contains("..") {
                    return Err(format!(
                        "[wine] file {}: a path under C:\\ without ..",
                        file.path
                    ));
                }
            }
        }
        for d in [
            self.expect.finishes_within.as_deref(),
            self.expect.dns_elapsed_at_most.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            duration(d)?;
        }
        Ok(())
    }
}
