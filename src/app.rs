//! The composition root: turns the parsed options into a mode and runs it with the pieces
//! below (`live`, `replay`, `tui`, `report`), then prints what the mode produced. Nothing
//! imports this module; `src/main.rs` calls [`main_with_args`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::CommandFactory;

use crate::capture::Capture;
use crate::cli::{ExplainArgs, FlowTestArgs, Format, Options, SubCommand};
use crate::error::{AppError, EXIT_ERROR};
use crate::input_file::{self, Deadline};
use crate::knowledge::Knowledge;
use crate::replay::{ReplayEngine, ReplaySettings, ReplayStart};
use crate::report::Report;
use crate::tui::{DashboardConfig, Feed};
use crate::{live, replay, safe_text, tui};

/// Parses the arguments and runs; returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> u8 {
    install_panic_hook();
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
    #[cfg(debug_assertions)]
    if std::env::var_os("SSETOP_TEST_PANIC").is_some_and(|v| v == "1") {
        // Test-only (debug builds, see the README's Testing section): a real panic, to prove
        // the hook below.
        panic!("SSETOP_TEST_PANIC=1 asked for a panic");
    }
    match run(options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ssetop: error: {}", safe_text::output(&e.to_string()));
            EXIT_ERROR
        }
    }
}

/// A panic anywhere (any thread, any mode) ends the run as the probe failing to run: the
/// terminal is given back if the dashboard held it, one line on stderr says what failed and
/// asks for a capture, and the exit code is 3, never Rust's 101 with a backtrace.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        tui::restore_terminal_if_taken();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let line = format!(
            "ssetop: internal error: {what}{place}; please report it with a capture of the device (ssetop --record capture.ndjson --duration 1m --redact)"
        );
        // One line: the message may quote input, and may hold newlines.
        let line = safe_text::output(&line).replace('\n', " ");
        let _ = writeln!(std::io::stderr(), "{line}");
        std::process::exit(i32::from(EXIT_ERROR));
    }));
}

/// The shortest `--interval` (documented in the README and `--help`): each refresh reads the
/// routes, sockets and processes of the whole device.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// What the options ask for.
enum Mode {
    DumpKnowledge,
    ManPage,
    Completions(clap_complete::Shell),
    /// One report of this device.
    Once,
    /// `--record FILE --duration D`.
    RecordHeadless {
        path: PathBuf,
        duration: Duration,
    },
    Dashboard,
    /// One report of a capture.
    ReplayOnce(PathBuf),
    ReplayDashboard(PathBuf),
    /// `ssetop explain DEST`.
    Explain(ExplainArgs),
    /// `ssetop flow-test`.
    FlowTest(FlowTestArgs),
}

impl Mode {
    fn of(options: &Options) -> Result<Mode, AppError> {
        if options.dump_knowledge {
            return Ok(Mode::DumpKnowledge);
        }
        if options.generate_man {
            return Ok(Mode::ManPage);
        }
        if let Some(shell) = options.generate_completions {
            return Ok(Mode::Completions(shell));
        }
        if options.deadline.is_zero() || options.dns_timeout.is_zero() {
            return Err(AppError::Usage(
                "--deadline and --dns-timeout must be longer than zero".into(),
            ));
        }
        if options.interval < MIN_INTERVAL {
            return Err(AppError::Usage(format!(
                "--interval {} is below the floor of {}: sampling faster costs a core and shows nothing more",
                crate::util::format_duration_exact(options.interval),
                crate::util::format_duration_exact(MIN_INTERVAL),
            )));
        }
        if options.duration.is_some_and(|d| d.is_zero()) {
            return Err(AppError::Usage(
                "--duration 0 records nothing: give how long to record, e.g. --duration 10m".into(),
            ));
        }
        if options.duration.is_some() && options.once {
            return Err(AppError::Usage(
                "--duration records headless; it cannot be combined with --once".into(),
            ));
        }
        // --probe (issue 13): probes this device, live: --once and the dashboard (once at the
        // start, then on its P key) only.
        if options.probe {
            let other = if options.replay.is_some() {
                Some("--replay (a capture shows the probes it recorded)")
            } else if options.command.is_some() {
                Some("a subcommand")
            } else if options.duration.is_some() {
                Some("a headless recording (--duration)")
            } else {
                None
            };
            if let Some(other) = other {
                return Err(AppError::Usage(format!(
                    "--probe runs with --once and the dashboard, not with {other}"
                )));
            }
        }
        if let Some(url) = &options.probe_url {
            crate::probe::http::parse_url(url)
                .map_err(|e| AppError::Usage(format!("--probe-url: {e}")))?;
        }
        if let Some(command) = &options.command {
            // A subcommand reads this device once; the other modes' options mean nothing to it.
            let name = match command {
                SubCommand::Explain(_) => "explain",
                SubCommand::FlowTest(_) => "flow-test",
            };
            for (given, option) in [
                (options.once, "--once"),
                (options.replay.is_some(), "--replay"),
                (options.record.is_some(), "--record"),
            ] {
                if given {
                    return Err(AppError::Usage(format!(
                        "{option} cannot be combined with {name}"
                    )));
                }
            }
            return Ok(match command {
                SubCommand::Explain(args) => Mode::Explain(args.clone()),
                SubCommand::FlowTest(args) => Mode::FlowTest(args.clone()),
            });
        }
        if let Some(path) = &options.replay {
            return Ok(if options.once {
                Mode::ReplayOnce(path.clone())
            } else {
                Mode::ReplayDashboard(path.clone())
            });
        }
        if options.once {
            return Ok(Mode::Once);
        }
        if let (Some(path), Some(duration)) = (&options.record, options.duration) {
            return Ok(Mode::RecordHeadless {
                path: path.clone(),
                duration,
            });
        }
        Ok(Mode::Dashboard)
    }
}

fn run(options: Options) -> Result<u8, AppError> {
    let mode = Mode::of(&options)?;
    // From here on, reading the input files counts against `--deadline` too.
    let deadline = Deadline::after(options.deadline);
    match mode {
        Mode::DumpKnowledge => print(crate::knowledge::DEFAULT_TOML).map(|()| 0),
        Mode::ManPage => {
            let page =
                man_page().map_err(|e| AppError::Io(format!("cannot render the man page: {e}")))?;
            print(&String::from_utf8_lossy(&page)).map(|()| 0)
        }
        Mode::Completions(shell) => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Options::command(), "ssetop", &mut script);
            print(&String::from_utf8_lossy(&script)).map(|()| 0)
        }
        Mode::Once => {
            let knowledge = live_knowledge(&options, &deadline)?;
            let (report, code) = live::once(&options, knowledge, &deadline)?;
            print_report(options.format, &report).map(|()| code)
        }
        Mode::RecordHeadless { path, duration } => live::record_headless(
            &options,
            live_knowledge(&options, &deadline)?,
            &path,
            duration,
        ),
        Mode::Dashboard => {
            let config = dashboard_config(&options, &deadline)?;
            live_dashboard(&options, config, live_knowledge(&options, &deadline)?)
        }
        Mode::ReplayOnce(path) => {
            let (settings, capture) = open_replay(&options, &path, &deadline)?;
            let (report, code) = replay::once(options.at.as_deref(), settings, capture, &deadline)?;
            print_report(options.format, &report).map(|()| code)
        }
        Mode::ReplayDashboard(path) => {
            let config = dashboard_config(&options, &deadline)?;
            let (settings, capture) = open_replay(&options, &path, &deadline)?;
            replay_dashboard(&options, config, settings, capture)
        }
        Mode::Explain(args) => {
            let knowledge = live_knowledge(&options, &deadline)?;
            let explanation = live::explain::explain(&options, &args, knowledge, &deadline)?;
            let report = crate::report::explain::ExplainReport::new(&explanation);
            let text = format_output(
                options.format,
                || report.to_json(),
                || crate::report::explain::render(&report),
            );
            print(&text).map(|()| 0)
        }
        Mode::FlowTest(args) => flow_test(&options, &args, &deadline),
    }
}

/// `ssetop flow-test`: the rows judged, printed as a table or `ssetop.flowtest.v1` JSON; the
/// exit code is the worst row's.
fn flow_test(options: &Options, args: &FlowTestArgs, deadline: &Deadline) -> Result<u8, AppError> {
    let knowledge = live_knowledge(options, deadline)?;
    let test = live::flow_test::flow_test(options, args, knowledge, deadline)?;
    let report = crate::report::flow_test::FlowTestReport::new(&test);
    let text = format_output(
        options.format,
        || report.to_json(),
        || crate::report::flow_test::render_text(&report),
    );
    print(&text).map(|()| test.exit_code())
}

/// The inputs every probe mode reads first: `--knowledge FILE` (in a replay too, where it wins
/// over the knowledge base the capture recorded) and `--forwarding-profile FILE`, checked.
fn given_knowledge(options: &Options, deadline: &Deadline) -> Result<Option<Knowledge>, AppError> {
    let knowledge = match &options.knowledge {
        Some(path) => {
            let text = input_file::read_text(path, "knowledge file", deadline)
                .map_err(|e| AppError::Input(e.to_string()))?;
            let mut knowledge = Knowledge::from_toml(&text, &path.display().to_string())?;
            knowledge.file_text = Some(text);
            Some(knowledge)
        }
        None => None,
    };
    if let Some(path) = &options.forwarding_profile {
        live::check_profile_file(path, deadline)?;
    }
    Ok(knowledge)
}

/// The knowledge base this device is judged with.
fn live_knowledge(options: &Options, deadline: &Deadline) -> Result<Arc<Knowledge>, AppError> {
    Ok(Arc::new(live::with_zpa_ranges(
        given_knowledge(options, deadline)?.unwrap_or_else(Knowledge::embedded),
        &options.zpa_range,
    )))
}

/// The capture, and what its replay judges with.
fn open_replay(
    options: &Options,
    path: &Path,
    deadline: &Deadline,
) -> Result<(ReplaySettings, Capture), AppError> {
    let given = given_knowledge(options, deadline)?;
    // Read as it streams: a capture is held as patches, never whole.
    let shown = path.display().to_string();
    let capture = input_file::read_with(path, "capture", deadline, move |file| {
        Capture::read(file, &shown)
    })
    .map_err(|e| AppError::Input(e.to_string()))??;
    let settings = ReplaySettings::resolve(options, given, &capture)?;
    Ok((settings, capture))
}

/// The dashboard's own options: look, and the pace of a replay.
fn dashboard_config(options: &Options, deadline: &Deadline) -> Result<DashboardConfig, AppError> {
    let look = tui::Look::from_environment(options.theme.as_deref(), options.ascii, deadline)?;
    Ok(DashboardConfig {
        theme: look.theme,
        ascii: look.ascii,
        force_colour: look.force_colour,
        interval: options.interval,
        recording: options.record.clone(),
    })
}

fn live_dashboard(
    options: &Options,
    config: DashboardConfig,
    knowledge: Arc<Knowledge>,
) -> Result<u8, AppError> {
    tui::require_terminal()?;
    let (code, recorded) = live::run_to_end(async {
        let feed = live::start_dashboard_feed(options, knowledge)?;
        let recorded = feed.recorded.clone();
        let code = tui::run(&config, Feed::Live(feed), live::shutdown_signal()).await?;
        Ok::<_, AppError>((code, recorded))
    })??;
    // `--record FILE` with the dashboard: the terminal is back, say what the file holds.
    if let Some(path) = &options.record {
        eprintln!(
            "ssetop: recorded {} snapshot(s) to {}",
            recorded.load(std::sync::atomic::Ordering::Relaxed),
            safe_text::field(&path.display().to_string())
        );
    }
    Ok(code)
}

fn replay_dashboard(
    options: &Options,
    config: DashboardConfig,
    settings: ReplaySettings,
    capture: Capture,
) -> Result<u8, AppError> {
    let start = ReplayStart::for_dashboard(options.at.as_deref(), &capture)?;
    tui::require_terminal()?;
    // Where `--at` opens it, analysed before the screen is taken.
    let engine = ReplayEngine::open(capture, settings, start, None)
        .map_err(|e| AppError::Input(e.to_string()))?;
    let feed = Feed::Replay(Box::new(engine));
    live::run_to_end(tui::run(&config, feed, live::shutdown_signal()))?
}

/// The man page: clap's sections for the options, then what `--help` cannot hold: the
/// dashboard's keys (the same table as `?`), the exit status and the environment.
fn man_page() -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(Options::command());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    // explain and flow-test: their one-line descriptions (`ssetop help SUBCOMMAND` has the rest).
    man.render_subcommands_section(&mut page)?;
    page.extend_from_slice(b".SH \"DASHBOARD KEYS\"\n");
    for (key, what) in tui::input::KEYS {
        page.extend_from_slice(format!(".TP\n\\fB{}\\fR\n{}\n", roff(key), roff(what)).as_bytes());
    }
    page.extend_from_slice(MAN_EXIT_AND_ENVIRONMENT.as_bytes());
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Roff text: a backslash doubled, a hyphen escaped (so that `man` does not break on it).
fn roff(text: &str) -> String {
    text.replace('\\', "\\\\").replace('-', "\\-")
}

const MAN_EXIT_AND_ENVIRONMENT: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
every check passed and no alert is open (\-\-once)
.TP
\fB1\fR
at least one warning, no failure (\-\-once)
.TP
\fB2\fR
at least one failure, or an alert at fail (\-\-once)
.TP
\fB3\fR
the probe could not run: bad arguments, an input file that is unreadable, malformed, not a
regular file or not read by \-\-deadline, or an internal error (which asks for a capture)
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
when set and not empty, the dashboard uses the mono theme unless \-\-theme is given
.TP
\fBSSETOP_THEME\fR
the theme when \-\-theme is not given (a name or a file)
.TP
\fBTERM\fR
dumb or a DEC VT terminal (vt100, vt220, ...) gives the mono theme unless \-\-theme is
given, and ASCII drawing
.TP
\fBMALLOC_ARENA_MAX\fR, \fBMALLOC_MMAP_THRESHOLD_\fR, \fBGLIBC_TUNABLES\fR
Linux with glibc: ssetop restarts itself once with MALLOC_ARENA_MAX=1 and
MALLOC_MMAP_THRESHOLD_=131072 (one allocator heap, large buffers given back); a value
already set, as the variable or as glibc.malloc.arena_max or glibc.malloc.mmap_threshold in
GLIBC_TUNABLES, is kept. The restart sets SSETOP_RESTARTED_WITH_ONE_ARENA=1, which prevents
another
"#;

/// Prints a report as `--once` asks. The JSON is streamed to stdout through the sanitiser
/// ([`safe_text::JsonEscaper`], the same bytes [`format_output`] would print) rather than
/// built whole: at scale it is tens of megabytes.
fn print_report(format: Format, report: &Report) -> Result<(), AppError> {
    match format {
        Format::Json => write_report_json(report, std::io::stdout().lock())
            .map(drop)
            .or_else(quiet_broken_pipe)
            .map_err(|e| AppError::Io(format!("cannot write the report: {e}"))),
        Format::Text => write_report_text(report, std::io::stdout().lock())
            .map(drop)
            .or_else(quiet_broken_pipe)
            .map_err(|e| AppError::Io(format!("cannot write the report: {e}"))),
    }
}

/// The `--once --format text` bytes: `safe_text::output(text::render(report))`, streamed.
fn write_report_text<W: Write>(report: &Report, out: W) -> std::io::Result<W> {
    let mut escaper =
        safe_text::TextEscaper::new(std::io::BufWriter::with_capacity(64 * 1024, out));
    crate::report::text::render_to(report, &mut escaper);
    escaper.finish()?.into_inner().map_err(|e| e.into_error())
}

/// The `--once --format json` bytes: `safe_text::json(report.to_json())` and a line break.
fn write_report_json<W: Write>(report: &Report, out: W) -> std::io::Result<W> {
    // Buffered before the escaper, so that it scans large blocks, not serde's small writes.
    let mut buffered =
        std::io::BufWriter::with_capacity(64 * 1024, safe_text::JsonEscaper::new(out));
    report
        .write_json(&mut buffered)
        .map_err(std::io::Error::from)?;
    buffered.write_all(b"\n")?;
    buffered.into_inner().map_err(|e| e.into_error())?.finish()
}

/// A closed pipe (`ssetop --once | head`) ends quietly.
fn quiet_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

/// A view's JSON or text, as `--format` asks, through the sanitiser either way (every one-shot
/// command prints through here).
fn format_output(
    format: Format,
    json: impl FnOnce() -> String,
    text: impl FnOnce() -> String,
) -> String {
    match format {
        Format::Json => {
            let mut json = safe_text::json(&json()).into_owned();
            json.push('\n');
            json
        }
        Format::Text => safe_text::output(&text()).into_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The report of a capture, as `--replay CAPTURE --once --format json` makes it.
    fn replayed_report(capture: &str) -> Report {
        let path = format!("{}/tests/captures/{capture}", env!("CARGO_MANIFEST_DIR"));
        let options =
            Options::parse_args(["ssetop", "--replay", &path, "--once", "--format", "json"])
                .unwrap();
        let deadline = Deadline::after(options.deadline);
        let (settings, capture) = open_replay(&options, Path::new(&path), &deadline).unwrap();
        replay::once(None, settings, capture, &deadline).unwrap().0
    }

    /// What `--once --format json` printed before it was streamed: the whole text, sanitised.
    fn string_rendering(report: &Report) -> String {
        format_output(Format::Json, || report.to_json(), String::new)
    }

    /// `--once`'s report keeps the assessment's connection and route rows instead of copies:
    /// it prints the same JSON and text as the report of copies.
    #[test]
    fn a_report_keeping_the_assessments_rows_prints_as_the_report_of_copies() {
        let snapshot = crate::analysis::fixture::Device::windows()
            .pangp()
            .route("0.0.0.0/1", "Ethernet 3", Some("10.200.0.1"), 1)
            .tcp("8.8.8.8:443", None)
            .tcp("10.1.2.3:22", None)
            .build();
        let assessment = crate::analysis::assess_snapshot(
            &snapshot,
            &Knowledge::embedded(),
            &crate::analysis::AnalysisOptions::default(),
        );
        let copied = Report::new(&assessment, "embedded");
        let kept = Report::from_assessment(assessment, "embedded");
        assert!(kept.connections.len() == 2 && kept.routes.len() > 1);
        assert_eq!(string_rendering(&kept), string_rendering(&copied));
        let text = |r: &Report| String::from_utf8(write_report_text(r, Vec::new()).unwrap());
        assert_eq!(text(&kept).unwrap(), text(&copied).unwrap());
    }

    #[test]
    fn the_streamed_json_report_is_byte_identical_to_the_string_rendering() {
        let report = replayed_report("outage-heals.ndjson");
        assert!(!report.connections.is_empty() && !report.checks.is_empty());
        let streamed = write_report_json(&report, Vec::new()).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            string_rendering(&report)
        );
    }

    #[test]
    fn the_streamed_text_report_is_byte_identical_to_the_string_rendering_hostile_names_too() {
        let mut report = replayed_report("outage-heals.ndjson");
        let before = |r: &Report| safe_text::output(&crate::report::text::render(r)).into_owned();
        let streamed = |r: &Report| String::from_utf8(write_report_text(r, Vec::new()).unwrap());
        assert_eq!(streamed(&report).unwrap(), before(&report));
        let hostile = "\u{1b}]2;PWNED\u{7}a\u{9b}31m\u{7f}exe\u{202e}fdp\n\rFAIL é日";
        report.host.name = hostile.into();
        for connection in report.connections.assessed_mut() {
            connection.process = Some(hostile.into());
        }
        let text = streamed(&report).unwrap();
        assert!(text.contains("\\x1b]2;PWNED\\x07a\\u{9b}31m"), "{text}");
        assert_eq!(text, before(&report));
    }

    #[test]
    fn the_streamed_json_report_escapes_hostile_names_as_the_string_rendering_did() {
        let mut report = replayed_report("outage-heals.ndjson");
        let hostile = "\u{1b}]2;PWNED\u{7}a\u{9b}31m\u{7f}exe\u{202e}fdp\u{2066}é日\u{85}";
        report.host.name = hostile.repeat(3);
        for (i, connection) in report.connections.assessed_mut().iter_mut().enumerate() {
            // Shifted by one byte per row, so that the buffer's edges cut every character.
            connection.process = Some(format!("{}{hostile}", "x".repeat(i % 7)));
        }
        let streamed = String::from_utf8(write_report_json(&report, Vec::new()).unwrap()).unwrap();
        assert!(streamed.contains("\\u009b31m\\u007fexe\\u202efdp\\u2066é日\\u0085"));
        assert_eq!(streamed, string_rendering(&report));
    }
}
