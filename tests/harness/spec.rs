//! The scenario files (`tests/scenarios/*.toml`): what a scenario builds, runs and expects.
//! tests/scenarios/README.md explains the format; unknown keys are errors so that a typo
//! never silently drops an expectation.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The namespace where the device's processes and ssetop run.
pub const DEVICE: &str = "device";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
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
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Namespace {
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
pub enum LinkKind {
    /// A pair of ends, one in each of two namespaces.
    Veth,
    /// One end; no program reads it, so what is routed into it is lost (`linkdown`).
    Tun,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub kind: LinkKind,
    pub ends: Vec<End>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct End {
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
pub struct Dns {
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
pub struct DnsServer {
    pub ns: String,
    pub address: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub ns: String,
    pub listen: Vec<SocketAddr>,
}

/// A process in the device: a copy of the stand-in helper under `name`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standin {
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
    pub fn behaviour(&self) -> Behaviour {
        Behaviour {
            listen: self.listen.clone(),
            connect: self.connect.clone(),
            reconnect: self.reconnect,
        }
    }
}

/// What a stand-in does; the same for every runner.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    pub listen: Vec<SocketAddr>,
    pub connect: Vec<SocketAddr>,
    pub reconnect: bool,
}

impl Behaviour {
    /// The stand-in helper's command line (after its program name).
    pub fn args(&self) -> Vec<String> {
        let mut args = vec!["client".to_string()];
        for addr in &self.listen {
            args.extend(["--listen".to_string(), addr.to_string()]);
        }
        for addr in &self.connect {
            args.extend(["--connect".to_string(), addr.to_string()]);
        }
        if self.reconnect {
            args.push("--reconnect".into());
        }
        args
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Once {
    /// Arguments after `--once --format json`; `{tenant}` is replaced by `tenant_id`.
    #[serde(default)]
    pub args: Vec<String>,
    /// A GSA forwarding profile (JSON), given with `--forwarding-profile`.
    #[serde(default)]
    pub forwarding_profile: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
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
pub struct Step {
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
pub struct WaitFor {
    pub client: String,
    pub line: String,
}

/// An expected check: a status, or a status and text its summary contains.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CheckExpect {
    Status(String),
    Full(CheckDetail),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDetail {
    pub status: String,
    #[serde(default)]
    pub summary_contains: Option<String>,
}

impl CheckExpect {
    pub fn status(&self) -> &str {
        match self {
            CheckExpect::Status(s) => s,
            CheckExpect::Full(d) => &d.status,
        }
    }

    pub fn summary_contains(&self) -> Option<&str> {
        match self {
            CheckExpect::Status(_) => None,
            CheckExpect::Full(d) => d.summary_contains.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
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
pub struct ConnectionExpect {
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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventExpect {
    pub kind: String,
    #[serde(default)]
    pub text_contains: Option<String>,
    /// The duration written right after `text_contains` (`… reconnected after 2s`) is at
    /// least this long.
    #[serde(default)]
    pub duration_at_least: Option<String>,
}

/// Parses `500ms`, `3s`, `1m 20s` the way ssetop does.
pub fn duration(text: &str) -> Result<Duration, String> {
    ssetop::util::parse_duration(&text.replace(' ', ""))
}

pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

impl Scenario {
    pub fn load(name: &str) -> Result<Scenario, String> {
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
    pub fn all_names() -> Vec<String> {
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

    /// `{tenant}` replaced by the tenant id.
    pub fn fill(&self, text: &str) -> String {
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
