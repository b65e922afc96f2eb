//! The Linux runner: a scenario's network built from network namespaces (`ip netns`), `veth`
//! pairs and `tun` devices, with no link to the host's network; dnsmasq as the DNS server;
//! stand-ins and ssetop run inside the device namespace.
//!
//! Each namespace also gets its own PID namespace, whose first process (`standin hold`) lives
//! as long as the harness keeps its stdin open. Every process of the scenario runs inside
//! (`nsenter`), so ssetop sees only the scenario's processes (not another test's stand-ins,
//! nor anything else on the machine), and when the first process ends, by a guard or because
//! the harness died, the kernel ends all the others. The namespaces themselves are deleted by
//! the guard, or at the next start when their owner is gone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use super::runner::{Background, Collected, Lab, Lines, Runner, Standin};
use super::spec::{Behaviour, DEVICE, LinkKind, Scenario};
use super::verify::Outcome;

/// Namespaces of this harness are named `PREFIX<pid>-<n>-<role>`; nothing else is touched
/// (other tools on the machine name their namespaces `ssetop-…` too).
const PREFIX: &str = "ssetop-scn-";
const NETNS_DIR: &str = "/run/netns";
const ETC_NETNS: &str = "/etc/netns";
/// How long a process may take to say it is ready.
pub(crate) const READY_LIMIT: Duration = Duration::from_secs(10);

const TOOLS: &[&str] = &["ip", "dnsmasq", "unshare", "nsenter", "ss", "sysctl"];

/// Finds a program on PATH or in the sbin directories (absent from a user's PATH).
pub(crate) fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Why the scenarios cannot run here, if they cannot.
pub(crate) fn preconditions() -> Result<(), String> {
    if !nix::unistd::geteuid().is_root() {
        return Err("needs root (run as root to build network namespaces)".into());
    }
    let missing: Vec<&str> = TOOLS
        .iter()
        .copied()
        .filter(|t| tool(t).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "needs {} (apt-get install iproute2 dnsmasq util-linux procps)",
            missing.join(", ")
        ));
    }
    if !Path::new("/dev/net/tun").exists() {
        return Err("needs /dev/net/tun (the tun driver)".into());
    }
    Ok(())
}

pub(crate) fn program(name: &str) -> PathBuf {
    tool(name).unwrap_or_else(|| PathBuf::from(name))
}

pub(crate) fn describe(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Starts a command, or says which one could not start.
pub(crate) fn spawn(command: &mut Command) -> Result<Child, String> {
    command
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))
}

/// Runs a command to its end; its stdout, or why it failed.
pub(crate) fn run(command: &mut Command) -> Result<String, String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            describe(command),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn ip(args: &[&str]) -> Result<String, String> {
    run(Command::new(program("ip")).args(args))
}

/// The host PIDs of a process's children (Linux keeps them in /proc).
pub(crate) fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

pub(crate) fn signal(pid: u32, name: &str) {
    let _ = Command::new(program("kill"))
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Runs a command that runs ssetop (`--once --format json`) to its end, at most `limit` (then
/// ends it and its children): its exit code, JSON report, time taken and error output.
pub(crate) fn run_to_end(mut command: Command, limit: Duration) -> Result<Outcome, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = spawn(&mut command)?;
    let pid = child.id();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = tx.send((output, started.elapsed()));
    });
    let (output, elapsed) = match rx.recv_timeout(limit) {
        Ok((Ok(output), elapsed)) => (output, elapsed),
        Ok((Err(e), _)) => return Err(format!("cannot wait for ssetop: {e}")),
        Err(_) => {
            for child in children(pid) {
                signal(child, "KILL");
            }
            return Err(format!(
                "ssetop did not finish within {limit:?}: {}",
                describe(&command)
            ));
        }
    };
    outcome(
        output.status,
        &output.stdout,
        String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed,
    )
}

/// What one ssetop run (`--once --format json`) produced.
pub(crate) fn outcome(
    status: std::process::ExitStatus,
    stdout: &[u8],
    stderr: String,
    elapsed: Duration,
) -> Result<Outcome, String> {
    let exit = status
        .code()
        .ok_or_else(|| format!("ssetop ended by a signal ({status}): {stderr}"))?;
    let report = serde_json::from_slice(stdout).map_err(|e| {
        format!(
            "ssetop (exit {exit}) printed no JSON report ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(stdout)
        )
    })?;
    Ok(Outcome {
        exit,
        report,
        elapsed,
        stderr,
    })
}

/// The stand-in helper, built from examples/standin.rs next to this test binary.
pub(crate) fn standin_program() -> Result<PathBuf, String> {
    static PROGRAM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PROGRAM.get_or_init(|| example_program("standin")).clone()
}

/// The TLS server stand-in, built from examples/tls_standin.rs.
pub(crate) fn tls_standin_program() -> Result<PathBuf, String> {
    static PROGRAM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| example_program("tls_standin"))
        .clone()
}

/// The HTTP(S) server stand-in, built from examples/http_standin.rs.
pub(crate) fn http_standin_program() -> Result<PathBuf, String> {
    static PROGRAM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| example_program("http_standin"))
        .clone()
}

/// An example program next to this test binary, built if missing or older than its source.
fn example_program(name: &str) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("no test executable: {e}"))?;
    // target/<profile>/deps/scenarios-HASH → target/<profile>/examples/standin
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("the test executable is not in target/<profile>/deps")?;
    let binary = profile_dir.join("examples").join(name);
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (modified(&binary), modified(&source)) {
        (Some(built), Some(written)) => built >= written,
        (Some(_), None) => true,
        _ => false,
    };
    if fresh {
        return Ok(binary);
    }
    // `cargo test --test scenarios` builds no examples: build the helper now.
    let how = format!("cargo build --example {name}");
    let cargo = std::env::var_os("CARGO")
        .ok_or_else(|| format!("{} is missing or stale: run `{how}`", binary.display()))?;
    let mut build = Command::new(cargo);
    build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--example", name, "--target-dir"])
        .arg(profile_dir.parent().ok_or("no target directory")?);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some("release") => {
            build.arg("--release");
        }
        Some(other) => {
            build.args(["--profile", other]);
        }
        None => {}
    }
    run(&mut build).map_err(|e| format!("cannot build the stand-in helper: {e}"))?;
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!("`{how}` did not produce {}", binary.display()))
    }
}

/// The work directories of the harness are named `WORK_PREFIX<pid>-…`.
const WORK_PREFIX: &str = "ssetop-scenario-";

/// Whether `name` is `<prefix><pid>-<more>`, made by this harness in a test process that is
/// gone. A name of any other shape is not this harness's, and is left alone.
fn owner_gone(name: &str, prefix: &str) -> bool {
    owner_pid(name, prefix).is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
}

/// The PID of the test process that made `PREFIX<pid>-<rest>`.
fn owner_pid<'n>(name: &'n str, prefix: &str) -> Option<&'n str> {
    let (pid, rest) = name.strip_prefix(prefix)?.split_once('-')?;
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()).then_some(pid)
}

/// Deletes what interrupted runs left: namespaces (and the processes in them), /etc/netns
/// entries and work directories whose owning test process is gone.
fn clean_leftovers() {
    static CLEANED: OnceLock<()> = OnceLock::new();
    CLEANED.get_or_init(|| {
        remove_runs(owner_gone, "left by an interrupted run");
        clean_up_when_interrupted();
    });
}

/// Deletes the namespaces (ending their processes), `/etc/netns` entries and work directories
/// of the runs `whose(name, prefix)` selects.
fn remove_runs(whose: impl Fn(&str, &str) -> bool, why: &str) {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for entry in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(WORK_PREFIX) && whose(&name, WORK_PREFIX) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let mut names: Vec<String> = [NETNS_DIR, ETC_NETNS]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(PREFIX))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        if !whose(&name, PREFIX) {
            continue;
        }
        super::loud(&format!("scenario harness: removing {name}, {why}"));
        if let Ok(pids) = ip(&["netns", "pids", &name]) {
            for pid in pids.split_whitespace() {
                if let Ok(pid) = pid.parse() {
                    signal(pid, "KILL");
                }
            }
        }
        let _ = ip(&["netns", "del", &name]);
        let _ = std::fs::remove_dir_all(Path::new(ETC_NETNS).join(&name));
    }
}

/// On Ctrl-C, SIGTERM or SIGHUP the test process removes what this run built before it ends,
/// so that an interrupted run leaves nothing behind (a SIGKILLed one is cleaned at the next
/// start, above).
fn clean_up_when_interrupted() {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(ssetop::live::shutdown_signal());
        let own = std::process::id().to_string();
        remove_runs(
            |name, prefix| owner_pid(name, prefix) == Some(own.as_str()),
            "this run was interrupted",
        );
        std::process::exit(130);
    });
}

/// The first process of a namespace's PID namespace; the others live as long as it does.
pub(crate) struct Holder {
    /// `unshare`, the holder's parent: killing it kills the holder (`--kill-child`).
    unshare: Child,
    stdin: Option<ChildStdin>,
    /// The holder's PID as the host sees it, for `nsenter`.
    pid: u32,
}

impl Holder {
    fn start(netns: &str, standin: &Path) -> Result<Holder, String> {
        let mut command = Command::new(program("ip"));
        command
            .args(["netns", "exec", netns])
            .arg(program("unshare"))
            .args(["--pid", "--fork", "--mount-proc", "--kill-child", "--"])
            .arg(standin)
            .arg("hold")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut unshare = spawn(&mut command)?;
        let stdin = unshare.stdin.take();
        let stderr = unshare.stderr.take().map(Collected::read);
        let stdout = unshare.stdout.take().ok_or("no stdout")?;
        let mut lines = Lines::read(&format!("the holder of {netns}"), stdout);
        let mut holder = Holder {
            unshare,
            stdin,
            pid: 0,
        };
        if let Err(e) = lines.wait_for("ready", READY_LIMIT) {
            let said = stderr.map(|s| s.text()).unwrap_or_default();
            return Err(format!("{e}; stderr: {said}"));
        }
        // It printed: it exists, as unshare's only child.
        holder.pid = *children(holder.unshare.id())
            .first()
            .ok_or_else(|| format!("the holder of {netns} has no process"))?;
        Ok(holder)
    }

    /// A command that runs inside this holder's namespaces (network, PID, mounts).
    pub(crate) fn enter(&self) -> Command {
        let mut command = Command::new(program("nsenter"));
        command.args(self.enter_args());
        command
    }

    /// The arguments of `nsenter` that enter this holder's namespaces, for a command that
    /// wraps nsenter (`timeout … nsenter …`).
    pub(crate) fn enter_args(&self) -> Vec<String> {
        [
            "--target",
            &self.pid.to_string(),
            "--pid",
            "--mount",
            "--net",
            "--",
        ]
        .map(String::from)
        .to_vec()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        // Killing unshare kills the holder (--kill-child), and the kernel then ends the rest
        // of its PID namespace. Not waited for: the kernel takes a second or two to tear a PID
        // namespace down, and nothing here depends on it.
        self.stdin.take();
        let _ = self.unshare.kill();
        let _ = self.unshare.wait();
    }
}

/// A scenario's namespaces, links, routes, DNS server and servers; all deleted on drop.
pub(crate) struct Network {
    /// role → namespace name
    names: BTreeMap<String, String>,
    holders: BTreeMap<String, Holder>,
    /// dnsmasq and the servers, inside their holders.
    processes: Vec<Child>,
    standin: PathBuf,
    /// Copies of the stand-in helper, resolv.conf and other files.
    pub work: tempfile::TempDir,
    /// The scenario's own CA, which issues the `[[servers]] http` certificates: its key pair
    /// and its PEM file (for `SSL_CERT_FILE`); made for the first HTTPS server.
    ca: Option<(rcgen::Issuer<'static, rcgen::KeyPair>, PathBuf)>,
}

impl Network {
    pub(crate) fn build(scenario: &Scenario) -> Result<Network, String> {
        clean_leftovers();
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let base = format!("{PREFIX}{}-{n}-", std::process::id());
        let mut network = Network {
            names: BTreeMap::new(),
            holders: BTreeMap::new(),
            processes: Vec::new(),
            ca: None,
            standin: standin_program()?,
            // Beside the helper (same file system), so that stand-ins can be hard links.
            work: tempfile::Builder::new()
                .prefix(&format!("{WORK_PREFIX}{}-", std::process::id()))
                .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                .map_err(|e| format!("cannot make a temporary directory: {e}"))?,
        };
        for role in scenario.namespaces.keys() {
            let name = format!("{base}{role}");
            ip(&["netns", "add", &name])?;
            network.names.insert(role.clone(), name.clone());
            ip(&["-n", &name, "link", "set", "lo", "up"])?;
        }
        for (role, spec) in &scenario.namespaces {
            let name = network.netns(role)?.to_string();
            if spec.forwarding {
                run(Command::new(program("ip"))
                    .args(["netns", "exec", &name])
                    .arg(program("sysctl"))
                    .args(["-qw", "net.ipv4.ip_forward=1"]))?;
            }
            for address in &spec.loopback {
                ip(&["-n", &name, "addr", "add", address, "dev", "lo"])?;
            }
        }
        for link in &scenario.links {
            network.add_link(link)?;
        }
        for (role, spec) in &scenario.namespaces {
            let name = network.netns(role)?.to_string();
            for route in &spec.routes {
                let mut args = vec!["-n", &name, "route", "add"];
                args.extend(route.split_whitespace());
                ip(&args).map_err(|e| format!("route {route:?} in {role}: {e}"))?;
            }
        }
        // The device's resolver, bound over /etc/resolv.conf by `ip netns exec`.
        if let Some(dns) = &scenario.dns {
            let dir = Path::new(ETC_NETNS).join(network.netns(DEVICE)?);
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            std::fs::write(
                dir.join("resolv.conf"),
                format!("nameserver {}\noptions attempts:1\n", dns.resolver),
            )
            .map_err(|e| format!("cannot write {}/resolv.conf: {e}", dir.display()))?;
        }
        for role in scenario.namespaces.keys() {
            let holder = Holder::start(network.netns(role)?, &network.standin)?;
            network.holders.insert(role.clone(), holder);
        }
        if let Some(server) = scenario.dns.as_ref().and_then(|d| d.server.as_ref()) {
            let records: Vec<(String, String)> = scenario
                .dns
                .iter()
                .flat_map(|d| d.records.iter())
                .map(|(name, address)| (scenario.fill(name), address.clone()))
                .collect();
            network.start_dnsmasq(&server.ns, &server.address, &records)?;
        }
        for (i, server) in scenario.servers.iter().enumerate() {
            match &server.http {
                Some(http) => network.start_http_server(i, &server.ns, &server.listen, http)?,
                None => network.start_server(
                    &server.ns,
                    &server.listen,
                    server.tls_issuer.as_deref(),
                )?,
            }
        }
        Ok(network)
    }

    fn netns(&self, role: &str) -> Result<&str, String> {
        self.names
            .get(role)
            .map(String::as_str)
            .ok_or_else(|| format!("no namespace {role}"))
    }

    fn holder(&self, role: &str) -> Result<&Holder, String> {
        self.holders
            .get(role)
            .ok_or_else(|| format!("no namespace {role}"))
    }

    fn add_link(&self, link: &super::spec::Link) -> Result<(), String> {
        let first = &link.ends[0];
        let ns = self.netns(&first.ns)?;
        match link.kind {
            LinkKind::Veth => {
                let second = &link.ends[1];
                let peer_ns = self.netns(&second.ns)?;
                ip(&[
                    "-n",
                    ns,
                    "link",
                    "add",
                    &first.name,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    &second.name,
                    "netns",
                    peer_ns,
                ])?;
            }
            LinkKind::Tun => {
                ip(&["-n", ns, "tuntap", "add", "dev", &first.name, "mode", "tun"])?;
            }
        }
        for end in &link.ends {
            let ns = self.netns(&end.ns)?;
            if let Some(address) = &end.address {
                ip(&["-n", ns, "addr", "add", address, "dev", &end.name])?;
            }
            if end.up {
                ip(&["-n", ns, "link", "set", &end.name, "up"])?;
            }
        }
        Ok(())
    }

    fn start_dnsmasq(
        &mut self,
        role: &str,
        address: &str,
        records: &[(String, String)],
    ) -> Result<(), String> {
        let mut command = self.holder(role)?.enter();
        command
            .arg(program("dnsmasq"))
            .args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--log-facility=-",
                "--log-queries",
                "--user=root",
            ])
            .arg(format!("--listen-address={address}"))
            .arg(format!(
                "--pid-file={}",
                self.work.path().join("dnsmasq.pid").display()
            ))
            .args(
                records
                    .iter()
                    .map(|(name, ip)| format!("--address=/{name}/{ip}")),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut command)?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let mut lines = Lines::read("dnsmasq", stderr);
        self.processes.push(child);
        // dnsmasq logs "started" once its sockets are bound.
        lines.wait_until(
            |line| line.contains("started, version"),
            "\"started, version\"",
            READY_LIMIT,
        )?;
        lines.drain();
        Ok(())
    }

    fn start_server(
        &mut self,
        role: &str,
        listen: &[std::net::SocketAddr],
        tls_issuer: Option<&str>,
    ) -> Result<(), String> {
        let mut command = self.holder(role)?.enter();
        match tls_issuer {
            Some(issuer) => command.arg(tls_standin_program()?).arg(issuer),
            None => command.arg(&self.standin).arg("serve"),
        };
        command
            .args(listen.iter().map(ToString::to_string))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut command)?;
        let stderr = child.stderr.take().map(Collected::read);
        let mut lines = Lines::read(
            &format!("the servers in {role}"),
            child.stdout.take().ok_or("no stdout")?,
        );
        // stdin stays open as long as the child is kept.
        self.processes.push(child);
        lines.wait_for("ready", READY_LIMIT).map_err(|e| {
            format!(
                "{e}; stderr: {}",
                stderr.map(|s| s.text()).unwrap_or_default()
            )
        })?;
        Ok(())
    }

    pub(crate) fn device(&self) -> Result<&Holder, String> {
        self.holder(DEVICE)
    }

    /// The scenario's CA, made (and its PEM file written) on first use.
    fn ca(&mut self) -> Result<&rcgen::Issuer<'static, rcgen::KeyPair>, String> {
        if self.ca.is_none() {
            let fail = |e: rcgen::Error| format!("the scenario CA: {e}");
            let key = rcgen::KeyPair::generate().map_err(fail)?;
            let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, SCENARIO_CA_NAME);
            let cert = params.self_signed(&key).map_err(fail)?;
            let path = self.work.path().join("scenario-ca.pem");
            std::fs::write(&path, cert.pem())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            self.ca = Some((rcgen::Issuer::new(params, key), path));
        }
        self.ca
            .as_ref()
            .map(|(issuer, _)| issuer)
            .ok_or_else(|| "no scenario CA".to_string())
    }

    /// The PEM file of the scenario's CA, if an HTTPS server needed one.
    pub(crate) fn ca_file(&self) -> Option<&Path> {
        self.ca.as_ref().map(|(_, path)| path.as_path())
    }

    /// An HTTP(S) server (examples/http_standin.rs) with one fixed answer; over HTTPS its
    /// certificate names `tls_names` and is issued by the scenario's CA.
    fn start_http_server(
        &mut self,
        index: usize,
        role: &str,
        listen: &[std::net::SocketAddr],
        http: &super::spec::HttpServer,
    ) -> Result<(), String> {
        let mut tls = Vec::new();
        if !http.tls_names.is_empty() {
            let fail = |e: rcgen::Error| format!("a certificate for {:?}: {e}", http.tls_names);
            let key = rcgen::KeyPair::generate().map_err(fail)?;
            let mut params = rcgen::CertificateParams::new(http.tls_names.clone()).map_err(fail)?;
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, http.tls_names[0].clone());
            let cert = params.signed_by(&key, self.ca()?).map_err(fail)?;
            let cert_file = self.work.path().join(format!("server-{index}.der"));
            let key_file = self.work.path().join(format!("server-{index}.key"));
            for (file, bytes) in [
                (&cert_file, cert.der().to_vec()),
                (&key_file, key.serialize_der()),
            ] {
                std::fs::write(file, bytes)
                    .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            }
            tls = vec![
                "--tls".into(),
                cert_file.into_os_string(),
                key_file.into_os_string(),
            ];
        }
        let mut command = self.holder(role)?.enter();
        command.arg(http_standin_program()?).args(tls).args([
            "--status",
            &http.status.to_string(),
            "--body",
            &http.body,
        ]);
        if let Some(location) = &http.location {
            command.args(["--location", location]);
        }
        command
            .args(listen.iter().map(ToString::to_string))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut command)?;
        let stderr = child.stderr.take().map(Collected::read);
        let mut lines = Lines::read(
            &format!("the HTTP server in {role}"),
            child.stdout.take().ok_or("no stdout")?,
        );
        self.processes.push(child);
        lines.wait_for("ready", READY_LIMIT).map_err(|e| {
            format!(
                "{e}; stderr: {}",
                stderr.map(|s| s.text()).unwrap_or_default()
            )
        })?;
        Ok(())
    }
}

/// The common name of the CA each scenario makes for its HTTPS servers; the probes' evidence
/// names it as the issuer.
pub(crate) const SCENARIO_CA_NAME: &str = "ssetop scenario CA";

impl Lab for Network {
    fn scenario_ca(&self) -> Option<&Path> {
        self.ca_file()
    }

    fn ip(&self, ns: &str, args: &str) -> Result<(), String> {
        let name = self.netns(ns)?;
        let mut words = vec!["-n", name];
        words.extend(args.split_whitespace());
        ip(&words).map(|_| ())
    }

    fn kill_connections(&self, ns: &str, filter: &str) -> Result<String, String> {
        let name = self.netns(ns)?;
        run(Command::new(program("ip"))
            .args(["netns", "exec", name])
            .arg(program("ss"))
            .args(["-t", "-n", "-K"])
            .args(filter.split_whitespace()))
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        // Ending a holder ends every process in its PID namespace.
        self.holders.clear();
        for mut child in self.processes.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
        for name in self.names.values() {
            if let Err(e) = ip(&["netns", "del", name]) {
                eprintln!("scenario harness: {e}");
            }
            let _ = std::fs::remove_dir_all(Path::new(ETC_NETNS).join(name));
        }
    }
}

/// Runs stand-ins (copies of the helper named like the vendors' processes) and the Linux
/// build of ssetop inside the device namespace.
pub(crate) struct LinuxRunner<'n> {
    network: &'n Network,
    bin: PathBuf,
    /// The scenario's environment for ssetop (`[ssetop] env`).
    env: Vec<(String, String)>,
}

impl<'n> LinuxRunner<'n> {
    pub(crate) fn new(network: &'n Network) -> Result<LinuxRunner<'n>, String> {
        let bin = network.work.path().join("bin");
        std::fs::create_dir_all(&bin)
            .map_err(|e| format!("cannot create {}: {e}", bin.display()))?;
        Ok(LinuxRunner {
            network,
            bin,
            env: Vec::new(),
        })
    }
}

struct LinuxStandin {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines,
    stderr: Collected,
}

impl Standin for LinuxStandin {
    fn wait_line(&mut self, prefix: &str, limit: Duration) -> Result<String, String> {
        self.lines
            .wait_for(prefix, limit)
            .map_err(|e| format!("{e}; stderr: {}", self.stderr.text().trim()))
    }
}

impl Drop for LinuxStandin {
    fn drop(&mut self) {
        // Its stdin closes: the stand-in ends; nsenter, its parent, is ended here.
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct LinuxBackground {
    /// nsenter, whose child is ssetop; taken by `stop`.
    child: Option<Child>,
    stderr: Collected,
}

impl Background for LinuxBackground {
    fn ended(&mut self) -> Option<(i32, String)> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        Some((status.code().unwrap_or(-1), self.stderr.text()))
    }

    fn stop(mut self: Box<Self>, limit: Duration) -> Result<i32, String> {
        let mut child = self.child.take().ok_or("already stopped")?;
        // nsenter does not forward signals: signal ssetop itself, nsenter's child.
        let pid = child.id();
        for ssetop in children(pid) {
            signal(ssetop, "INT");
        }
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match rx.recv_timeout(limit) {
            Ok(Ok(status)) => status.code().ok_or_else(|| {
                format!(
                    "ssetop ended by a signal ({status}); stderr: {}",
                    self.stderr.text()
                )
            }),
            Ok(Err(e)) => Err(format!("cannot wait for ssetop: {e}")),
            Err(_) => {
                for ssetop in children(pid) {
                    signal(ssetop, "KILL");
                }
                signal(pid, "KILL");
                Err(format!(
                    "ssetop did not stop within {limit:?} of SIGINT; stderr: {}",
                    self.stderr.text()
                ))
            }
        }
    }
}

impl Drop for LinuxBackground {
    fn drop(&mut self) {
        // Not stopped (a step failed): end ssetop now; the holder would end it anyway.
        if let Some(mut child) = self.child.take() {
            end_tree(&mut child);
        }
    }
}

/// Ends a process started through `nsenter` (or `timeout nsenter`): the processes below it
/// first, since nsenter does not pass signals on, then it.
pub(crate) fn end_tree(child: &mut Child) {
    fn below(pid: u32) {
        for child in children(pid) {
            below(child);
            signal(child, "KILL");
        }
    }
    below(child.id());
    let _ = child.kill();
    let _ = child.wait();
}

impl Runner for LinuxRunner<'_> {
    fn name(&self) -> &'static str {
        "linux"
    }

    fn start_standin(
        &mut self,
        name: &str,
        behaviour: &Behaviour,
    ) -> Result<Box<dyn Standin>, String> {
        let copy = self.bin.join(name);
        if !copy.exists() {
            // A hard link, not a copy: a copy is open for writing for a moment, and a process
            // forked meanwhile by another test's thread inherits that descriptor, which makes
            // executing the copy fail with "Text file busy".
            std::fs::hard_link(&self.network.standin, &copy)
                .or_else(|_| std::fs::copy(&self.network.standin, &copy).map(|_| ()))
                .map_err(|e| format!("cannot copy the stand-in to {}: {e}", copy.display()))?;
        }
        let mut command = self.network.device()?.enter();
        command
            .arg(&copy)
            .args(behaviour.args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut command)?;
        let mut standin = LinuxStandin {
            stdin: child.stdin.take(),
            lines: Lines::read(name, child.stdout.take().ok_or("no stdout")?),
            stderr: Collected::read(child.stderr.take().ok_or("no stderr")?),
            child,
        };
        standin.wait_line("ready", READY_LIMIT)?;
        Ok(Box::new(standin))
    }

    fn run_ssetop(&mut self, args: &[String], limit: Duration) -> Result<Outcome, String> {
        let mut command = self.network.device()?.enter();
        command
            .arg(env!("CARGO_BIN_EXE_ssetop"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("SSETOP_THEME");
        run_to_end(command, limit)
    }

    fn spawn_ssetop(&mut self, args: &[String]) -> Result<Box<dyn Background>, String> {
        let mut command = self.network.device()?.enter();
        command
            .arg(env!("CARGO_BIN_EXE_ssetop"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("SSETOP_THEME")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut command)?;
        let stderr = Collected::read(child.stderr.take().ok_or("no stderr")?);
        Ok(Box::new(LinuxBackground {
            child: Some(child),
            stderr,
        }))
    }

    fn ssetop_path(&self, path: &Path) -> String {
        path.display().to_string()
    }

    fn set_ssetop_env(&mut self, env: Vec<(String, String)>) {
        self.env = env;
    }
}

#[cfg(test)]
mod tests {
    use super::{PREFIX, owner_gone};

    #[test]
    fn only_this_harness_leftovers_are_cleaned() {
        // Another tool's namespaces, even with an `ssetop-` name, are never touched.
        assert!(!owner_gone(
            "ssetop-wine-globalprotect-healthy-7758",
            PREFIX
        ));
        assert!(!owner_gone("ssetop-wine-x-7758", "ssetop-"));
        assert!(!owner_gone("ssetop-scn-abc-0-device", PREFIX));
        assert!(!owner_gone("ssetop-scn-123", PREFIX));
        // This process's own namespaces are alive; a dead owner's are leftovers.
        let mine = format!("{PREFIX}{}-0-device", std::process::id());
        assert!(!owner_gone(&mine, PREFIX));
        assert!(owner_gone(&format!("{PREFIX}999999999-0-device"), PREFIX));
    }
}
