//! Runs the mode the options ask for: the dashboard, `--once`, a headless recording, a replay.
//! Errors here are "the probe could not run": exit code 3.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::CommandFactory;
use jiff::Timestamp;

use crate::analysis::alerts::OutageOptions;
use crate::analysis::profile::ForwardingProfile;
use crate::analysis::{AnalysisOptions, Analyzer, Assessment};
use crate::capture::{
    Capture, Header, OPTION_OUTAGE_THRESHOLD, OPTION_OUTAGE_WINDOW, OPTION_SETUP, OPTION_ZPA_RANGE,
    RecordedKnowledge, Recorder,
};
use crate::cli::{Format, Options};
use crate::collect::{self, CollectConfig, Sampler};
use crate::knowledge::Knowledge;
use crate::replay::ReplaySettings;
use crate::report::{Replay, Report};
use crate::safe_text;
use crate::util::format_duration_exact;

/// Exit code when the probe could not run (bad arguments or input included).
pub const EXIT_ERROR: u8 = 3;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Knowledge(#[from] crate::knowledge::KnowledgeError),
    #[error(transparent)]
    Capture(#[from] crate::capture::CaptureError),
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Io(String),
}

/// Parses the arguments and runs; returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> u8 {
    let options = match Options::parse_args(args) {
        Ok(options) => options,
        Err(e) => {
            // Help and version are not errors; everything else is exit code 3 (not clap's 2,
            // which means "a check failed" here).
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                _ => EXIT_ERROR,
            };
            if code == 0 {
                let _ = e.print();
            } else {
                // clap quotes the value it refused, which may hold anything.
                eprint!("{}", safe_text::output(&e.render().to_string()));
            }
            return code;
        }
    };
    match run(options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ssetop: error: {}", safe_text::output(&e.to_string()));
            EXIT_ERROR
        }
    }
}

/// Writes to stdout; a closed pipe (`ssetop --once | head`) ends quietly.
fn print(text: &str) -> Result<(), AppError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(AppError::Io(format!("cannot write the report: {e}"))),
    }
}

/// `--zpa-range`, or the ranges a capture recorded, in place of the knowledge base's.
pub fn with_zpa_ranges(mut knowledge: Knowledge, ranges: &[ipnet::IpNet]) -> Knowledge {
    if !ranges.is_empty() {
        knowledge.set_zpa_ranges(ranges);
    }
    knowledge
}

/// A forwarding profile given on the command line must be readable and parse: a mistake in
/// the probe's input is exit 3, unlike a broken profile on the device (a failed check).
fn check_profile_file(path: &Path) -> Result<(), AppError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::Input(format!(
            "cannot read forwarding profile {}: {e}",
            path.display()
        ))
    })?;
    // Read once here; the analysis indexes what was read instead of reading the text again.
    ForwardingProfile::check_and_remember(&text)
        .map_err(|e| AppError::Input(format!("{}: {e}", path.display())))
}

pub fn collect_config(options: &Options, knowledge: &Knowledge) -> CollectConfig {
    CollectConfig {
        interval: options.interval,
        slow_interval: (options.interval * 30).max(Duration::from_secs(10)),
        source_deadline: options.deadline,
        dns_timeout: options.dns_timeout,
        dns_names: (!options.no_dns).then(|| knowledge.file.gsa.edge_names.clone()),
        forwarding_profile_file: options.forwarding_profile.clone(),
        tenant_id: options.tenant_id.clone(),
        cmdline_names: CollectConfig::cmdline_names_from(knowledge),
        service_names: CollectConfig::service_names_from(knowledge),
    }
}

pub fn analysis_options(options: &Options) -> AnalysisOptions {
    AnalysisOptions {
        setup: options.setup,
        outage: OutageOptions {
            threshold: options.outage_threshold,
            window: options.outage_window,
        },
    }
}

/// The async runtime every mode uses: two workers (collectors, analysis, the UI).
pub fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| AppError::Io(format!("cannot start the async runtime: {e}")))
}

pub fn run(options: Options) -> Result<u8, AppError> {
    if options.dump_knowledge {
        print(crate::knowledge::DEFAULT_TOML)?;
        return Ok(0);
    }
    if options.generate_man {
        let mut page = Vec::new();
        clap_mangen::Man::new(Options::command())
            .render(&mut page)
            .map_err(|e| AppError::Io(format!("cannot render the man page: {e}")))?;
        print(&String::from_utf8_lossy(&page))?;
        return Ok(0);
    }
    if let Some(shell) = options.generate_completions {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Options::command(), "ssetop", &mut script);
        print(&String::from_utf8_lossy(&script))?;
        return Ok(0);
    }
    if options.interval.is_zero() || options.deadline.is_zero() || options.dns_timeout.is_zero() {
        return Err(AppError::Usage(
            "--interval, --deadline and --dns-timeout must be longer than zero".into(),
        ));
    }
    if options.duration.is_some() && options.once {
        return Err(AppError::Usage(
            "--duration records headless; it cannot be combined with --once".into(),
        ));
    }
    // Read first, in a replay too: there it wins over the knowledge base the capture recorded.
    let given_knowledge = match &options.knowledge {
        Some(path) => Some(Knowledge::load(path)?),
        None => None,
    };
    if let Some(path) = &options.forwarding_profile {
        check_profile_file(path)?;
    }
    if let Some(path) = &options.replay {
        let capture = Capture::load(path)?;
        let settings = ReplaySettings::resolve(&options, given_knowledge, &capture)?;
        if options.once {
            return replay_once(&options, &settings, &capture);
        }
        return crate::tui::run_replay(&options, settings, capture);
    }
    let knowledge = Arc::new(with_zpa_ranges(
        given_knowledge.unwrap_or_else(Knowledge::embedded),
        &options.zpa_range,
    ));
    if options.once {
        return once(&options, knowledge);
    }
    if let (Some(path), Some(duration)) = (&options.record, options.duration) {
        return record_headless(&options, knowledge, path, duration);
    }
    crate::tui::run_live(&options, knowledge)
}

/// Renders an assessment as `--once` prints it.
pub fn render(options: &Options, report: &Report) -> String {
    match options.format {
        Format::Json => {
            let mut json = safe_text::json(&report.to_json()).into_owned();
            json.push('\n');
            json
        }
        Format::Text => safe_text::output(&crate::report::text::render(report)).into_owned(),
    }
}

fn once(options: &Options, knowledge: Arc<Knowledge>) -> Result<u8, AppError> {
    // The deadline runs from the start: reading `--forwarding-profile` came first.
    let spent = ForwardingProfile::reading_time_before_collection();
    let started = std::time::Instant::now();
    let started = started.checked_sub(spent).unwrap_or(started);
    let config = collect_config(options, &knowledge);
    let runtime = runtime()?;
    // Leave time for the analysis and the output inside the deadline.
    let budget = options
        .deadline
        .saturating_sub(spent + Duration::from_millis(150))
        .max(Duration::from_millis(50));
    let snapshot = runtime.block_on(collect::collect_once(config, budget));
    // Blocking OS calls that overran cannot be cancelled: do not wait for them.
    runtime.shutdown_background();
    // `--once --record FILE`: the snapshot behind the report, to hand over or replay later.
    if let Some(path) = &options.record {
        open_recorder(options, path, &snapshot.host, &knowledge)?
            .write(&snapshot)
            .map_err(|e| AppError::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    let mut analyzer = Analyzer::new(knowledge.clone(), analysis_options(options));
    // A forwarding profile not indexed by then is reported as such; the rest of the report stands.
    analyzer.set_profile_deadline(
        started + options.deadline.saturating_sub(Duration::from_millis(100)),
    );
    let assessment = analyzer.assess(&snapshot);
    let report = Report::new(&assessment, &knowledge.origin);
    print(&render(options, &report))?;
    Ok(assessment.verdict.exit_code())
}

/// `--at`: an RFC 3339 time, or `+OFFSET` from the capture's first snapshot.
pub fn resolve_at(text: &str, capture: &Capture) -> Result<Timestamp, AppError> {
    let start = capture.snapshots[0].taken_at;
    if let Some(offset) = text.strip_prefix('+') {
        let offset = crate::util::parse_duration(offset)
            .map_err(|e| AppError::Usage(format!("--at {text}: {e}")))?;
        let offset = jiff::SignedDuration::try_from(offset)
            .map_err(|e| AppError::Usage(format!("--at {text}: {e}")))?;
        return start
            .checked_add(offset)
            .map_err(|e| AppError::Usage(format!("--at {text}: {e}")));
    }
    text.parse::<Timestamp>().map_err(|e| {
        AppError::Usage(format!(
            "--at {text:?} is neither an RFC 3339 time nor +OFFSET: {e}"
        ))
    })
}

/// Runs the analysis over a capture up to `at` (or its end); the last assessment.
pub fn replay_until(
    knowledge: Arc<Knowledge>,
    analysis: AnalysisOptions,
    capture: &Capture,
    last: usize,
) -> Assessment {
    let mut analyzer = Analyzer::new(knowledge, analysis);
    let mut assessment = None;
    for snapshot in &capture.snapshots[..=last] {
        assessment = Some(analyzer.assess(snapshot));
    }
    // `last` indexes a loaded capture, which holds at least one snapshot.
    assessment.unwrap_or_else(|| unreachable!("a capture holds at least one snapshot"))
}

fn replay_once(
    options: &Options,
    settings: &ReplaySettings,
    capture: &Capture,
) -> Result<u8, AppError> {
    let last = match &options.at {
        None => capture.snapshots.len() - 1,
        Some(text) => {
            let at = resolve_at(text, capture)?;
            capture.index_at(at).ok_or_else(|| {
                AppError::Usage(format!(
                    "--at {text}: the capture starts later, at {}",
                    capture.snapshots[0].taken_at
                ))
            })?
        }
    };
    let assessment = replay_until(
        settings.knowledge.clone(),
        settings.analysis.clone(),
        capture,
        last,
    );
    let mut report = Report::new(&assessment, &settings.knowledge.origin);
    report.replay = Some(Replay {
        capture: capture.path.clone(),
        at: capture.snapshots[last].taken_at,
        snapshots: last + 1,
        warnings: settings.warnings.clone(),
        options: settings.options.clone(),
    });
    for warning in &settings.warnings {
        eprintln!("ssetop: warning: {}", safe_text::output(warning));
    }
    print(&render(options, &report))?;
    Ok(assessment.verdict.exit_code())
}

/// The header of a recording: everything a replay needs to run the same analysis (the
/// analysis options and the knowledge base), and the collection options for the reader.
pub fn capture_header(
    options: &Options,
    host: &crate::snapshot::Host,
    knowledge: &Knowledge,
) -> Header {
    let mut recorded = std::collections::BTreeMap::new();
    recorded.insert(
        "interval".to_string(),
        format_duration_exact(options.interval),
    );
    if let Some(setup) = options.setup {
        recorded.insert(OPTION_SETUP.into(), setup.to_string());
    }
    // Defaults too: a later ssetop may change them, the recording's analysis did not.
    recorded.insert(
        OPTION_OUTAGE_THRESHOLD.into(),
        format_duration_exact(options.outage_threshold),
    );
    recorded.insert(
        OPTION_OUTAGE_WINDOW.into(),
        format_duration_exact(options.outage_window),
    );
    if !options.zpa_range.is_empty() {
        let ranges: Vec<String> = options.zpa_range.iter().map(ToString::to_string).collect();
        recorded.insert(OPTION_ZPA_RANGE.into(), ranges.join(","));
    }
    if options.no_dns {
        recorded.insert("no_dns".into(), "true".into());
    }
    if options.forwarding_profile.is_some() {
        recorded.insert("forwarding_profile".into(), "file".into());
    }
    if let Some(d) = options.duration {
        recorded.insert("duration".into(), format_duration_exact(d));
    }
    Header {
        format: crate::capture::FORMAT.into(),
        ssetop_version: env!("CARGO_PKG_VERSION").into(),
        host: host.name.clone(),
        os: host.os.clone(),
        started_at: Timestamp::now(),
        options: recorded,
        knowledge: Some(RecordedKnowledge {
            origin: knowledge.origin.clone(),
            version: knowledge.file.version.clone(),
            toml: knowledge.file_text.clone(),
        }),
        redacted: false,
    }
}

pub fn open_recorder(
    options: &Options,
    path: &Path,
    host: &crate::snapshot::Host,
    knowledge: &Knowledge,
) -> Result<Recorder<std::fs::File>, AppError> {
    let file = std::fs::File::create(path)
        .map_err(|e| AppError::Io(format!("cannot create {}: {e}", path.display())))?;
    Recorder::start(
        file,
        capture_header(options, host, knowledge),
        options.redact,
    )
    .map_err(|e| AppError::Io(format!("cannot write {}: {e}", path.display())))
}

fn record_headless(
    options: &Options,
    knowledge: Arc<Knowledge>,
    path: &Path,
    duration: Duration,
) -> Result<u8, AppError> {
    let config = collect_config(options, &knowledge);
    let runtime = runtime()?;
    let interval = options.interval;
    let result = runtime.block_on(async {
        let mut sampler = Sampler::new(config);
        let mut recorder = open_recorder(options, path, sampler.host(), &knowledge)?;
        let end = tokio::time::Instant::now() + duration;
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut count = 0usize;
        let stop = crate::tui::shutdown_signal();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = &mut stop => break,
            }
            if tokio::time::Instant::now() >= end {
                break;
            }
            let snapshot = sampler.sample(interval.mul_f32(0.8)).await;
            recorder
                .write(&snapshot)
                .map_err(|e| AppError::Io(format!("cannot write {}: {e}", path.display())))?;
            count += 1;
        }
        Ok::<usize, AppError>(count)
    });
    runtime.shutdown_background();
    let count = result?;
    eprintln!(
        "ssetop: recorded {count} snapshot(s) to {}",
        safe_text::field(&path.display().to_string())
    );
    Ok(0)
}
