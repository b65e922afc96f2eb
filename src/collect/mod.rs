//! Collectors: one module per source, per-OS code behind `cfg`. The [`Sampler`] runs each source
//! as its own job with an interval and a deadline, keeps at most one job per source in flight,
//! and assembles whatever has arrived into a [`Snapshot`]. A slow or failing source marks its
//! section and never holds up the others.

pub(crate) mod command;
pub(crate) mod dns;
pub(crate) mod interfaces;
pub(crate) mod probes;
pub(crate) mod processes;
pub(crate) mod routes;
pub mod settings;
pub(crate) mod sockets;
pub(crate) mod vendor_status;
#[cfg(windows)]
pub(crate) mod win32;

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::task::JoinHandle;

use crate::knowledge::{EdgeName, Knowledge};
use crate::snapshot::{Host, Section, Snapshot, SourceStatus};

/// What the collectors need to know; built from the options and the knowledge base.
#[derive(Debug, Clone)]
pub struct CollectConfig {
    /// Refresh interval of the fast sources (routes, interfaces, sockets, processes).
    pub interval: Duration,
    /// Refresh interval of DNS and OS settings.
    pub slow_interval: Duration,
    /// How long one job of a source may run before it is reported as timed out.
    pub source_deadline: Duration,
    pub dns_timeout: Duration,
    /// Edge names to resolve; `None` when DNS queries are switched off (`--no-dns`).
    pub dns_names: Option<Vec<EdgeName>>,
    pub forwarding_profile_file: Option<PathBuf>,
    pub tenant_id: Option<String>,
    /// Process names whose command lines are kept (knowledge entries that match on them).
    pub cmdline_names: Vec<String>,
    /// Windows services and drivers to query by name (the knowledge base's `[[services]]`).
    pub service_names: Vec<String>,
    /// GSA's executables (`name.exe`), whose crash reports the settings source looks for.
    pub gsa_executables: Vec<String>,
    /// macOS: where GSA caches its forwarding profile, tried in order (the knowledge base's
    /// `[[macos_components]]` of kind `profile-file`).
    pub macos_profile_files: Vec<PathBuf>,
    /// GSA's installed-product names (Windows) and app `Info.plist` paths (macOS), for its
    /// version.
    pub gsa_product_names: Vec<String>,
    pub macos_app_plists: Vec<PathBuf>,
    /// The vendors' own status commands for this OS (the knowledge base's `[[vendor_tools]]`);
    /// empty: none is run.
    pub vendor_tools: Vec<crate::knowledge::VendorTool>,
}

impl CollectConfig {
    pub fn cmdline_names_from(knowledge: &Knowledge) -> Vec<String> {
        knowledge
            .file
            .processes
            .iter()
            .filter(|p| p.cmdline_contains.is_some())
            .flat_map(|p| p.names.iter().cloned())
            .collect()
    }

    pub fn service_names_from(knowledge: &Knowledge) -> Vec<String> {
        knowledge.service_names(crate::knowledge::Os::current())
    }

    /// GSA's Windows executables, from the knowledge base's process entries.
    pub fn gsa_executables_from(knowledge: &Knowledge) -> Vec<String> {
        knowledge
            .file
            .processes
            .iter()
            .filter(|p| p.vendor == crate::knowledge::Vendor::Gsa)
            .filter(|p| p.os.contains(&crate::knowledge::Os::Windows))
            .flat_map(|p| p.names.iter().map(|n| format!("{n}.exe")))
            .collect()
    }

    /// macOS: GSA's cached forwarding-profile files, from the knowledge base.
    pub fn macos_profile_files_from(knowledge: &Knowledge) -> Vec<PathBuf> {
        knowledge
            .macos_names(
                crate::knowledge::Vendor::Gsa,
                crate::knowledge::MacosComponentKind::ProfileFile,
            )
            .into_iter()
            .map(PathBuf::from)
            .collect()
    }

    /// GSA's app bundle `Info.plist` paths on macOS, from the knowledge base.
    pub fn macos_app_plists_from(knowledge: &Knowledge) -> Vec<PathBuf> {
        knowledge
            .macos_names(
                crate::knowledge::Vendor::Gsa,
                crate::knowledge::MacosComponentKind::App,
            )
            .into_iter()
            .map(PathBuf::from)
            .collect()
    }

    /// Reads the device every 200 ms but asks no DNS, names no service and runs no vendor
    /// tool: for tests, which must not depend on the machine's resolver or vendors.
    #[cfg(any(test, feature = "test-support"))]
    pub fn quiet() -> CollectConfig {
        CollectConfig {
            interval: Duration::from_millis(200),
            slow_interval: Duration::from_secs(10),
            source_deadline: Duration::from_secs(3),
            dns_timeout: Duration::from_secs(1),
            dns_names: None,
            forwarding_profile_file: None,
            tenant_id: None,
            cmdline_names: vec![],
            service_names: vec![],
            gsa_executables: vec![],
            macos_profile_files: vec![],
            gsa_product_names: vec![],
            macos_app_plists: vec![],
            vendor_tools: vec![],
        }
    }

    /// The vendors' own status commands for this OS.
    pub fn vendor_tools_from(knowledge: &Knowledge) -> Vec<crate::knowledge::VendorTool> {
        knowledge
            .vendor_tools_for(crate::knowledge::Os::current())
            .cloned()
            .collect()
    }
}

/// The result of one job: data with an optional note about gaps, or the reason it failed.
pub type JobResult<T> = Result<(T, Option<String>), String>;

/// One source: its schedule, its job in flight and its last result.
struct Runner<T> {
    name: &'static str,
    interval: Duration,
    deadline: Duration,
    last: Section<T>,
    pending: Option<(Instant, Timestamp, JoinHandle<JobResult<T>>)>,
    next_due: Option<Instant>,
}

impl<T: Clone + Send + 'static> Runner<T> {
    fn new(name: &'static str, interval: Duration, deadline: Duration) -> Self {
        Runner {
            name,
            interval,
            deadline,
            last: Section::pending(),
            pending: None,
            next_due: None,
        }
    }

    fn skipped(name: &'static str, reason: &str) -> Self {
        let mut runner = Self::new(name, Duration::MAX, Duration::MAX);
        runner.last = Section::skipped(reason);
        runner.next_due = Some(far_future());
        runner
    }

    fn is_due(&self, now: Instant) -> bool {
        self.pending.is_none() && self.next_due.is_none_or(|due| now >= due)
    }

    /// Starts a job when the source is due and none is in flight.
    fn start_if_due<F>(&mut self, now: Instant, job: impl FnOnce() -> F)
    where
        F: Future<Output = JobResult<T>> + Send + 'static,
    {
        if self.is_due(now) {
            self.pending = Some((now, Timestamp::now(), tokio::spawn(job())));
            // Due again a little before a full interval: the next tick may come a millisecond
            // early, and a source due only at `now + interval` would skip every other tick.
            self.next_due = Some(now + self.interval - self.interval / 10);
        }
    }

    /// Waits for the job in flight until `until`, then records what is known.
    async fn settle(&mut self, until: Instant) {
        let Some((started, started_at, handle)) = self.pending.as_mut() else {
            return;
        };
        let limit = (*started + self.deadline).min(until);
        let outcome = tokio::time::timeout_at(limit.into(), &mut *handle).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let collected_at = *started_at;
        match outcome {
            Ok(joined) => {
                self.pending = None;
                self.last = match joined {
                    Ok(Ok((data, note))) => Section {
                        status: if note.is_some() {
                            SourceStatus::Partial
                        } else {
                            SourceStatus::Ok
                        },
                        data: Some(data),
                        reason: note,
                        collected_at: Some(collected_at),
                        elapsed_ms,
                    },
                    Ok(Err(reason)) => Section {
                        elapsed_ms,
                        ..Section::failed(reason)
                    },
                    Err(join_error) => Section {
                        elapsed_ms,
                        ..Section::failed(format!("{} collector crashed: {join_error}", self.name))
                    },
                };
            }
            Err(_) if started.elapsed() >= self.deadline => {
                // The job keeps running (a blocking OS call cannot be cancelled); no new job
                // starts until it ends, and the last data stays, marked as timed out.
                self.last.status = SourceStatus::Timeout;
                self.last.reason = Some(format!(
                    "no answer within {}",
                    crate::util::format_duration(self.deadline)
                ));
            }
            Err(_) => {
                if self.last.data.is_none() {
                    self.last.status = SourceStatus::Pending;
                    self.last.reason = Some("no answer yet".into());
                }
            }
        }
    }

    /// Marks a job still in flight as timed out (end of `--once`).
    fn expire(&mut self, deadline: Duration) {
        if self.pending.is_some() {
            self.last.status = SourceStatus::Timeout;
            self.last.reason = Some(format!(
                "no answer within the {} deadline",
                crate::util::format_duration(deadline)
            ));
        }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// Held by a job while it runs; [`JobEnded::wait`] returns when it is dropped, however the job
/// ends (a panic unwinds through it too).
pub(crate) struct JobRunning {
    _ends_on_drop: std::sync::mpsc::SyncSender<()>,
}

/// Lets another job wait, for a bounded time, until the job holding the [`JobRunning`] ends.
pub(crate) struct JobEnded(std::sync::mpsc::Receiver<()>);

pub(crate) fn job_end() -> (JobRunning, JobEnded) {
    let (running, ended) = std::sync::mpsc::sync_channel(0);
    (
        JobRunning {
            _ends_on_drop: running,
        },
        JobEnded(ended),
    )
}

impl JobEnded {
    /// Waits until the job ended or `deadline` passed; true when it ended (or never started).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) fn wait(self, deadline: Instant) -> bool {
        self.wait_while(deadline, || true)
    }

    /// As [`JobEnded::wait`], but gives up as soon as `still_useful` says false (asked every
    /// few milliseconds: nothing else can wake the wait).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) fn wait_while(self, deadline: Instant, still_useful: impl Fn() -> bool) -> bool {
        const ASK_EVERY: Duration = Duration::from_millis(2);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !still_useful() {
                return false;
            }
            match self.0.recv_timeout(left.min(ASK_EVERY)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return true,
            }
        }
    }
}

/// Runs `f` on the blocking pool, as a job.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> JobResult<T> + Send + 'static,
) -> JobResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(format!("collector crashed: {e}")))
}

/// Reads the device: one runner per source, assembled into snapshots on demand.
pub struct Sampler {
    config: CollectConfig,
    host: Host,
    system: Arc<Mutex<processes::ProcessReader>>,
    socket_reader: Arc<Mutex<sockets::SocketReader>>,
    routes_watch: RoutesWatch,
    routes: Runner<crate::snapshot::RouteData>,
    interfaces: Runner<Vec<crate::snapshot::Interface>>,
    sockets: Runner<Vec<crate::snapshot::Socket>>,
    processes: Runner<Vec<crate::snapshot::Process>>,
    dns: Runner<Vec<crate::snapshot::DnsAnswer>>,
    settings: Runner<crate::snapshot::Settings>,
    vendor_reports: Runner<Vec<crate::snapshot::VendorReport>>,
}

/// The vendors' status commands run at most every 30 s in the dashboard: they are other
/// programs, and their state changes slowly. A runner is due again a tenth before its interval
/// (see `Runner::start_if_due`), so the interval is 30 s × 10/9.
const VENDOR_TOOLS_INTERVAL: Duration = Duration::from_millis(33_334);

impl Sampler {
    pub fn new(config: CollectConfig) -> Sampler {
        let fast = config.interval;
        let slow = config.slow_interval;
        let deadline = config.source_deadline;
        let dns = match &config.dns_names {
            Some(_) => Runner::new("dns", slow, deadline),
            None => Runner::skipped("dns", "DNS queries switched off (--no-dns)"),
        };
        let vendor_reports = if config.vendor_tools.is_empty() {
            Runner::skipped(
                "vendor_tools",
                "no vendor status command is known for this OS",
            )
        } else {
            Runner::new("vendor_tools", slow.max(VENDOR_TOOLS_INTERVAL), deadline)
        };
        Sampler {
            vendor_reports,
            host: host_info(),
            system: Arc::new(Mutex::new(processes::ProcessReader::new(
                config.cmdline_names.clone(),
            ))),
            socket_reader: Arc::default(),
            routes_watch: RoutesWatch::default(),
            routes: Runner::new("routes", fast, deadline),
            interfaces: Runner::new("interfaces", fast, deadline),
            sockets: Runner::new("sockets", fast, deadline),
            processes: Runner::new("processes", fast, deadline),
            dns,
            settings: Runner::new("settings", slow, deadline),
            config,
        }
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    /// Starts the sources that are due, waits for jobs in flight until `budget` has passed,
    /// and assembles a snapshot from the latest results.
    pub async fn sample(&mut self, budget: Duration) -> Snapshot {
        self.collect(budget).await;
        self.assemble()
    }

    /// Starts the sources that are due and waits for jobs in flight until `budget` has passed.
    async fn collect(&mut self, budget: Duration) {
        let now = Instant::now();
        let until = now + budget;
        // The sockets source's first read starts once the process table of the same sample is
        // read, and its owner scan's helper threads once the routes are (see
        // `SocketReader::collect`). A source that does not start here drops its `JobRunning` at
        // once, and nothing waits for it.
        let (routes_running, routes_ended) = job_end();
        let (processes_running, processes_ended) = job_end();
        if self.routes_watch.must_read(&mut self.routes, now) {
            self.routes.start_if_due(now, move || async move {
                let _running = routes_running;
                routes::collect().await
            });
            self.routes_watch.started(&self.routes);
        } else {
            drop(routes_running);
        }
        self.interfaces
            .start_if_due(now, || blocking(interfaces::collect));
        let socket_reader = self.socket_reader.clone();
        self.sockets.start_if_due(now, move || {
            blocking(move || match socket_reader.lock() {
                Ok(mut reader) => reader.collect(routes_ended, processes_ended),
                Err(_) => Err("socket reader poisoned by an earlier crash".into()),
            })
        });
        let system = self.system.clone();
        self.processes.start_if_due(now, move || {
            blocking(move || {
                let _running = processes_running;
                match system.lock() {
                    Ok(mut reader) => reader.collect(),
                    Err(_) => Err("process reader poisoned by an earlier crash".into()),
                }
            })
        });
        let settings_config = self.config.clone();
        self.settings.start_if_due(now, move || {
            blocking(move || settings::collect(&settings_config))
        });
        // Off the drawing path like every job: the dashboard shows the last result meanwhile.
        let tools = self.config.vendor_tools.clone();
        let tools_deadline = self.vendor_reports.deadline;
        self.vendor_reports.start_if_due(now, move || {
            blocking(move || vendor_status::collect(&tools, tools_deadline))
        });
        // DNS needs the tenant id, which the settings source may read from the device.
        if self.dns.is_due(now) && self.settings.pending.is_some() {
            self.settings
                .settle(until.min(now + Duration::from_millis(500)))
                .await;
        }
        let tenant = self
            .settings
            .last
            .get()
            .and_then(|s| s.tenant_id.value().map(|t| t.id.clone()));
        let diagnostic_hosts = self
            .settings
            .last
            .get()
            .and_then(|s| s.forwarding_profile.value())
            .map(|p| p.diagnostic_hosts())
            .unwrap_or_default();
        if let Some(names) = self.config.dns_names.clone() {
            let timeout = self.config.dns_timeout;
            // The DNS job answers per name before its own deadline, so a slow server shows as
            // per-name timeouts rather than a whole section timed out.
            let dns_deadline = self.dns.deadline.saturating_sub(Duration::from_millis(50));
            self.dns.start_if_due(Instant::now(), move || {
                dns::collect(names, tenant, diagnostic_hosts, timeout, dns_deadline)
            });
        }
        tokio::join!(
            self.routes.settle(until),
            self.interfaces.settle(until),
            self.sockets.settle(until),
            self.processes.settle(until),
            self.dns.settle(until),
            self.settings.settle(until),
            self.vendor_reports.settle(until),
        );
        self.routes_watch.settled(&self.routes);
    }

    /// Reports every job still in flight as timed out (for `--once` at its deadline).
    pub fn expire_pending(&mut self, deadline: Duration) {
        self.routes.expire(deadline);
        self.interfaces.expire(deadline);
        self.sockets.expire(deadline);
        self.processes.expire(deadline);
        self.dns.expire(deadline);
        self.settings.expire(deadline);
        self.vendor_reports.expire(deadline);
    }

    /// The snapshot, moving the latest results out instead of copying them (the sampler's
    /// last use: at scale the routes and sockets are tens of megabytes).
    fn into_snapshot(self) -> Snapshot {
        let mut snapshot = Snapshot {
            taken_at: Timestamp::now(),
            host: self.host,
            routes: self.routes.last,
            interfaces: self.interfaces.last,
            sockets: self.sockets.last,
            processes: self.processes.last,
            dns: self.dns.last,
            settings: self.settings.last,
            probes: crate::snapshot::not_probed(),
            vendor_reports: self.vendor_reports.last,
        };
        snapshot.fill_route_interface_names();
        snapshot
    }

    /// The snapshot from the latest results, without waiting.
    pub fn assemble(&self) -> Snapshot {
        let mut snapshot = Snapshot {
            taken_at: Timestamp::now(),
            host: self.host.clone(),
            routes: self.routes.last.clone(),
            interfaces: self.interfaces.last.clone(),
            sockets: self.sockets.last.clone(),
            processes: self.processes.last.clone(),
            dns: self.dns.last.clone(),
            settings: self.settings.last.clone(),
            probes: crate::snapshot::not_probed(),
            vendor_reports: self.vendor_reports.last.clone(),
        };
        snapshot.fill_route_interface_names();
        snapshot
    }
}

/// When the routes source reads again: on Linux only after the kernel announced a change
/// (the tables are the biggest source on a VPN-heavy device and rarely change); elsewhere, and
/// when the subscription fails, every interval.
#[derive(Default)]
enum RoutesWatch {
    /// Not subscribed yet: subscribes (before the first read) on the first sample.
    #[default]
    NotStarted,
    /// Read every interval (`--once`, other OSes, or the subscription failed).
    Off,
    #[cfg(target_os = "linux")]
    On {
        watch: routes::RouteWatch,
        /// The generation and time of the last good read, and of the read in flight.
        read: Option<(u64, Instant)>,
        in_flight: Option<(u64, Instant)>,
    },
}

impl RoutesWatch {
    fn must_read<T: Clone + Send + 'static>(
        &mut self,
        runner: &mut Runner<T>,
        now: Instant,
    ) -> bool {
        if matches!(self, RoutesWatch::NotStarted) {
            *self = RoutesWatch::Off;
            #[cfg(target_os = "linux")]
            if let Ok(watch) = routes::RouteWatch::start() {
                *self = RoutesWatch::On {
                    watch,
                    read: None,
                    in_flight: None,
                };
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (runner, now);
        match self {
            RoutesWatch::NotStarted | RoutesWatch::Off => true,
            #[cfg(target_os = "linux")]
            RoutesWatch::On { watch, read, .. } => {
                let must = watch.must_read(*read, now);
                if must {
                    // Due now, whatever the interval says: a change waited for quiet.
                    runner.next_due = runner.next_due.map(|due| due.min(now));
                }
                must
            }
        }
    }

    /// Notes the generation a job just started reads.
    fn started<T>(&mut self, runner: &Runner<T>) {
        #[cfg(target_os = "linux")]
        if let RoutesWatch::On {
            watch, in_flight, ..
        } = self
        {
            if in_flight.is_none() && runner.pending.is_some() {
                *in_flight = watch.generation().map(|g| (g, Instant::now()));
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = runner;
    }

    /// After a job ended: a good read counts as reading its generation.
    fn settled<T>(&mut self, runner: &Runner<T>) {
        #[cfg(target_os = "linux")]
        if let RoutesWatch::On {
            read, in_flight, ..
        } = self
        {
            if runner.pending.is_none() {
                if let Some(done) = in_flight.take() {
                    if matches!(runner.last.status, SourceStatus::Ok | SourceStatus::Partial) {
                        *read = Some(done);
                    }
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = runner;
    }
}

/// Host name, OS and privilege.
pub fn host_info() -> Host {
    Host {
        name: sysinfo::System::host_name().unwrap_or_else(|_| "unknown".into()),
        os: crate::knowledge::Os::current().id().into(),
        os_version: sysinfo::System::long_os_version().ok(),
        elevated: is_elevated(),
    }
}

#[cfg(unix)]
pub(crate) fn is_elevated() -> bool {
    nix::unistd::geteuid().is_root()
}

#[cfg(windows)]
pub(crate) fn is_elevated() -> bool {
    win32::is_elevated()
}

/// Collects one snapshot with every source under one deadline (the `--once` probe).
pub async fn collect_once(mut config: CollectConfig, deadline: Duration) -> Snapshot {
    config.source_deadline = deadline;
    let mut sampler = Sampler::new(config);
    // One read: nothing to watch for.
    sampler.routes_watch = RoutesWatch::Off;
    sampler.collect(deadline).await;
    sampler.expire_pending(deadline);
    sampler.into_snapshot()
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn config_with_tool(path: &str) -> CollectConfig {
        let mut tool = vendor_status::tests::globalprotect_tool(path);
        tool.commands = vec![vec!["show".into(), "--status".into()]];
        tool.timeout_ms = 1500;
        CollectConfig {
            interval: Duration::from_millis(100),
            vendor_tools: vec![tool],
            ..CollectConfig::quiet()
        }
    }

    #[test]
    fn a_wait_for_a_job_ends_when_the_job_ends_and_at_its_bound_while_it_runs() {
        let (running, ended) = job_end();
        let job = std::thread::spawn(move || drop(running));
        assert!(
            ended.wait(Instant::now() + Duration::from_secs(600)),
            "the job's end was not seen"
        );
        job.join().unwrap();
        let (never_started, ended) = job_end();
        drop(never_started);
        assert!(
            ended.wait(Instant::now() + Duration::from_secs(600)),
            "a job that never ran held up the wait"
        );
        let (_still_running, ended) = job_end();
        assert!(
            !ended.wait(Instant::now() + Duration::from_millis(10)),
            "a wait on a running job returned as if it had ended"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_vendor_tool_never_holds_up_a_sample_and_runs_at_most_every_30_s() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("globalprotect");
        let count = dir.path().join("runs");
        std::fs::write(
            &tool,
            format!(
                "#!/bin/sh\necho run >> {}\nsleep 1\necho 'GlobalProtect status: Connected'\n",
                count.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut sampler = Sampler::new(config_with_tool(tool.to_str().unwrap()));
        let started = Instant::now();
        let first = sampler.sample(Duration::from_millis(200)).await;
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "waited for the tool"
        );
        assert_eq!(first.vendor_reports.status, SourceStatus::Pending);
        // Samples go on, each waiting up to 100 ms for jobs in flight, until the tool's answer
        // has arrived; a few more samples then must not ask it again.
        let mut last = first;
        while last.vendor_reports.status != SourceStatus::Ok
            && started.elapsed() < Duration::from_secs(10)
        {
            last = sampler.sample(Duration::from_millis(100)).await;
        }
        assert_eq!(last.vendor_reports.status, SourceStatus::Ok);
        for _ in 0..5 {
            last = sampler.sample(Duration::from_millis(100)).await;
        }
        let report = &last.vendor_reports.data.as_ref().unwrap()[0];
        assert_eq!(
            report.status.as_ref().unwrap().state,
            crate::snapshot::ReportedState::Connected
        );
        let runs = std::fs::read_to_string(&count).unwrap();
        assert_eq!(runs.lines().count(), 1, "run again before 30 s");
    }
}
