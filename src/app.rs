//! The composition root: turns the parsed options into a mode and runs it with the pieces
//! below (`live`, `replay`, `tui`, `report`), then prints what the mode produced. Nothing
//! imports this module; `src/main.rs` calls [`main_with_args`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::CommandFactory;

use crate::capture::Capture;
use crate::cli::{Format, Options};
use crate::error::{AppError, EXIT_ERROR};
use crate::knowledge::Knowledge;
use crate::replay::{ReplayEngine, ReplaySettings, ReplayStart};
use crate::report::Report;
use crate::tui::theme::Theme;
use crate::tui::{DashboardConfig, Feed};
use crate::{live, replay, safe_text, tui};

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
        if options.interval.is_zero() || options.deadline.is_zero() || options.dns_timeout.is_zero()
        {
            return Err(AppError::Usage(
                "--interval, --deadline and --dns-timeout must be longer than zero".into(),
            ));
        }
        if options.duration.is_some() && options.once {
            return Err(AppError::Usage(
                "--duration records headless; it cannot be combined with --once".into(),
            ));
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
    match Mode::of(&options)? {
        Mode::DumpKnowledge => print(crate::knowledge::DEFAULT_TOML).map(|()| 0),
        Mode::ManPage => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Options::command())
                .render(&mut page)
                .map_err(|e| AppError::Io(format!("cannot render the man page: {e}")))?;
            print(&String::from_utf8_lossy(&page)).map(|()| 0)
        }
        Mode::Completions(shell) => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Options::command(), "ssetop", &mut script);
            print(&String::from_utf8_lossy(&script)).map(|()| 0)
        }
        Mode::Once => {
            let (report, code) = live::once(&options, live_knowledge(&options)?)?;
            print(&render(&options, &report)).map(|()| code)
        }
        Mode::RecordHeadless { path, duration } => {
            live::record_headless(&options, live_knowledge(&options)?, &path, duration)
        }
        Mode::Dashboard => live_dashboard(&options, live_knowledge(&options)?),
        Mode::ReplayOnce(path) => {
            let (settings, capture) = open_replay(&options, &path)?;
            let (report, code) = replay::once(options.at.as_deref(), settings, capture)?;
            print(&render(&options, &report)).map(|()| code)
        }
        Mode::ReplayDashboard(path) => {
            let (settings, capture) = open_replay(&options, &path)?;
            replay_dashboard(&options, settings, capture)
        }
    }
}

/// The inputs every probe mode reads first: `--knowledge FILE` (in a replay too, where it wins
/// over the knowledge base the capture recorded) and `--forwarding-profile FILE`, checked.
fn given_knowledge(options: &Options) -> Result<Option<Knowledge>, AppError> {
    let knowledge = match &options.knowledge {
        Some(path) => Some(Knowledge::load(path)?),
        None => None,
    };
    if let Some(path) = &options.forwarding_profile {
        live::check_profile_file(path)?;
    }
    Ok(knowledge)
}

/// The knowledge base this device is judged with.
fn live_knowledge(options: &Options) -> Result<Arc<Knowledge>, AppError> {
    Ok(Arc::new(live::with_zpa_ranges(
        given_knowledge(options)?.unwrap_or_else(Knowledge::embedded),
        &options.zpa_range,
    )))
}

/// The capture, and what its replay judges with.
fn open_replay(options: &Options, path: &Path) -> Result<(ReplaySettings, Capture), AppError> {
    let given = given_knowledge(options)?;
    let capture = Capture::load(path)?;
    let settings = ReplaySettings::resolve(options, given, &capture)?;
    Ok((settings, capture))
}

/// The dashboard's own options: look, and the pace of a replay.
fn dashboard_config(options: &Options) -> Result<DashboardConfig, AppError> {
    Ok(DashboardConfig {
        theme: Theme::from_options(options.theme.as_deref())
            .map_err(|e| AppError::Input(e.to_string()))?,
        ascii: options.ascii,
        interval: options.interval,
    })
}

fn live_dashboard(options: &Options, knowledge: Arc<Knowledge>) -> Result<u8, AppError> {
    let config = dashboard_config(options)?;
    tui::require_terminal()?;
    live::run_to_end(async {
        let feed = live::start_dashboard_feed(options, knowledge)?;
        tui::run(&config, Feed::Live(feed), live::shutdown_signal()).await
    })?
}

fn replay_dashboard(
    options: &Options,
    settings: ReplaySettings,
    capture: Capture,
) -> Result<u8, AppError> {
    let config = dashboard_config(options)?;
    let start = ReplayStart::for_dashboard(options.at.as_deref(), &capture)?;
    tui::require_terminal()?;
    let engine = ReplayEngine::open(capture, settings, start);
    let feed = Feed::Replay(Box::new(engine));
    live::run_to_end(tui::run(&config, feed, live::shutdown_signal()))?
}

/// Renders a report as `--once` prints it.
fn render(options: &Options, report: &Report) -> String {
    match options.format {
        Format::Json => {
            let mut json = safe_text::json(&report.to_json()).into_owned();
            json.push('\n');
            json
        }
        Format::Text => safe_text::output(&crate::report::text::render(report)).into_owned(),
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
