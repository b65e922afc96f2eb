//! The live dashboard. Collectors and the analysis run in their own task and publish each
//! assessment on a watch channel (the latest wins, so bursts coalesce); the UI task alone owns
//! the screen state, answers keys at once, and draws only when something changed.

pub mod glyphs;
pub mod input;
pub mod state;
pub mod theme;
pub mod view;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};
use tokio::sync::{mpsc, watch};

use crate::analysis::{AnalysisOptions, Analyzer, Assessment};
use crate::app::{self, AppError};
use crate::capture::Capture;
use crate::cli::Options;
use crate::collect::Sampler;
use crate::knowledge::Knowledge;
use crate::report::{Replay, ReplayOption, Report};
use state::{Effect, ReplayInfo, UiState};
use theme::Theme;

/// Resolves on Ctrl-C, SIGTERM or SIGHUP (the SSH session went away).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hangup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            _ = hangup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Where the dashboard's assessments come from.
enum Feed {
    Live {
        assessments: watch::Receiver<Option<Arc<Assessment>>>,
        messages: mpsc::Receiver<String>,
        pause: watch::Sender<bool>,
    },
    Replay(Box<ReplayDriver>),
}

/// Steps through a capture with the same analysis as live.
struct ReplayDriver {
    capture: Capture,
    knowledge: Arc<Knowledge>,
    options: AnalysisOptions,
    /// Where each analysis option came from, and the warnings (the report's `replay`).
    applied: Vec<ReplayOption>,
    warnings: Vec<String>,
    analyzer: Analyzer,
    position: usize,
    playing: bool,
}

impl ReplayDriver {
    fn new(capture: Capture, settings: crate::replay::ReplaySettings) -> Self {
        ReplayDriver {
            analyzer: Analyzer::new(settings.knowledge.clone(), settings.analysis.clone()),
            capture,
            knowledge: settings.knowledge,
            options: settings.analysis,
            applied: settings.options,
            warnings: settings.warnings,
            position: 0,
            playing: true,
        }
    }

    /// Analyses up to snapshot `target` (from the start again when going back).
    fn seek(&mut self, target: usize, restart: bool) -> Arc<Assessment> {
        let target = target.min(self.capture.snapshots.len() - 1);
        if restart || target < self.position {
            self.analyzer = Analyzer::new(self.knowledge.clone(), self.options.clone());
            self.position = 0;
            let first = self.analyzer.assess(&self.capture.snapshots[0]);
            if target == 0 {
                return Arc::new(first);
            }
        }
        let mut last = None;
        for i in self.position + 1..=target {
            last = Some(self.analyzer.assess(&self.capture.snapshots[i]));
        }
        self.position = target;
        match last {
            Some(a) => Arc::new(a),
            // Already there: analyse again from the start to get the assessment back.
            None => self.seek(target, true),
        }
    }

    /// The snapshot index `seconds` of capture time away from the current one.
    fn index_after(&self, seconds: i64) -> usize {
        let now = self.capture.snapshots[self.position].taken_at;
        let target = now
            .checked_add(jiff::SignedDuration::from_secs(seconds))
            .unwrap_or(now);
        if seconds >= 0 {
            self.capture
                .snapshots
                .iter()
                .position(|s| s.taken_at >= target)
                .unwrap_or(self.capture.snapshots.len() - 1)
        } else {
            self.capture.index_at(target).unwrap_or(0)
        }
    }

    fn info(&self) -> ReplayInfo {
        ReplayInfo {
            capture: self.capture.path.clone(),
            position: self.position,
            total: self.capture.snapshots.len(),
            at: self.capture.snapshots[self.position].taken_at,
            playing: self.playing,
            warnings: self.warnings.clone(),
            options: self.applied.clone(),
        }
    }
}

fn require_terminal() -> Result<(), AppError> {
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(AppError::Usage(
            "the dashboard needs a terminal; use --once for a report (--format json for scripts)"
                .into(),
        ))
    }
}

pub fn run_live(options: &Options, knowledge: Arc<Knowledge>) -> Result<u8, AppError> {
    let theme = Theme::from_options(options.theme.as_deref())
        .map_err(|e| AppError::Input(e.to_string()))?;
    require_terminal()?;
    let config = app::collect_config(options, &knowledge);
    let analysis = app::analysis_options(options);
    let interval = options.interval;
    let runtime = app::runtime()?;
    let result = runtime.block_on(async {
        let sampler = Sampler::new(config);
        let recorder = match &options.record {
            Some(path) => Some(app::open_recorder(
                options,
                path,
                sampler.host(),
                &knowledge,
            )?),
            None => None,
        };
        let (tx, assessments) = watch::channel(None);
        let (message_tx, messages) = mpsc::channel(8);
        let (pause, pause_rx) = watch::channel(false);
        let analyzer = Analyzer::new(knowledge.clone(), analysis);
        let producer = tokio::spawn(produce(
            sampler, analyzer, recorder, tx, message_tx, pause_rx, interval,
        ));
        let feed = Feed::Live {
            assessments,
            messages,
            pause,
        };
        let result = ui_loop(options, &knowledge, &theme, feed).await;
        producer.abort();
        result
    });
    // Blocking collector calls still running are not waited for.
    runtime.shutdown_background();
    result
}

pub fn run_replay(
    options: &Options,
    settings: crate::replay::ReplaySettings,
    capture: Capture,
) -> Result<u8, AppError> {
    let theme = Theme::from_options(options.theme.as_deref())
        .map_err(|e| AppError::Input(e.to_string()))?;
    let start = match &options.at {
        Some(text) => {
            let at = app::resolve_at(text, &capture)?;
            capture.index_at(at).unwrap_or(0)
        }
        None => 0,
    };
    require_terminal()?;
    let knowledge = settings.knowledge.clone();
    let mut driver = ReplayDriver::new(capture, settings);
    // Opened at a given moment, the replay waits there; otherwise it plays from the start.
    driver.playing = options.at.is_none();
    let first = driver.seek(start, true);
    let runtime = app::runtime()?;
    let result = runtime.block_on(async {
        let feed = Feed::Replay(Box::new(driver));
        ui_loop_with(options, &knowledge, &theme, feed, Some(first)).await
    });
    runtime.shutdown_background();
    result
}

/// Samples, records and analyses at the interval, and publishes the assessment when it differs
/// from the last one.
async fn produce(
    mut sampler: Sampler,
    mut analyzer: Analyzer,
    mut recorder: Option<crate::capture::Recorder<std::fs::File>>,
    tx: watch::Sender<Option<Arc<Assessment>>>,
    messages: mpsc::Sender<String>,
    mut pause: watch::Receiver<bool>,
    interval: Duration,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last: Option<Arc<Assessment>> = None;
    loop {
        ticks.tick().await;
        while *pause.borrow() {
            if pause.changed().await.is_err() {
                return;
            }
        }
        // Wait for the fast sources for most of the interval; slower ones stay pending.
        let snapshot = sampler.sample(interval.mul_f32(0.8)).await;
        if let Some(r) = recorder.as_mut()
            && let Err(e) = r.write(&snapshot)
        {
            let _ = messages.try_send(format!("recording stopped: {e}"));
            recorder = None;
        }
        let assessment = analyzer.assess(&snapshot);
        if last.as_ref().is_some_and(|l| !l.differs_from(&assessment)) {
            continue;
        }
        let assessment = Arc::new(assessment);
        last = Some(assessment.clone());
        if tx.send(Some(assessment)).is_err() {
            return;
        }
    }
}

async fn ui_loop(
    options: &Options,
    knowledge: &Knowledge,
    theme: &Theme,
    feed: Feed,
) -> Result<u8, AppError> {
    ui_loop_with(options, knowledge, theme, feed, None).await
}

/// Reads the terminal on its own thread (a blocking read never stalls the UI task) and hands
/// each event over a channel, from which bursts can be drained at once.
fn spawn_input_reader() -> mpsc::UnboundedReceiver<Event> {
    let (tx, rx) = mpsc::unbounded_channel();
    let spawned = std::thread::Builder::new()
        .name("ssetop-input".into())
        .spawn(move || {
            while let Ok(event) = event::read() {
                if tx.send(event).is_err() {
                    break;
                }
            }
        });
    // Without the thread the channel closes at once and the dashboard ends cleanly.
    drop(spawned);
    rx
}

/// The terminal is restored when this guard drops: on quit, on error, and on unwinding.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

async fn ui_loop_with(
    options: &Options,
    knowledge: &Knowledge,
    theme: &Theme,
    feed: Feed,
    first: Option<Arc<Assessment>>,
) -> Result<u8, AppError> {
    let mut terminal = ratatui::try_init().map_err(|e| {
        ratatui::restore();
        AppError::Io(format!("cannot set up the terminal: {e}"))
    })?;
    let _guard = TerminalGuard;
    let mut state = UiState::new(options.ascii);
    if let Some(first) = first {
        state.set_assessment(first);
    }
    // Taken apart so that each select! branch borrows only its own part.
    let (mut assessments, mut messages, pause, mut driver) = match feed {
        Feed::Live {
            assessments,
            messages,
            pause,
        } => (Some(assessments), Some(messages), Some(pause), None),
        Feed::Replay(driver) => (None, None, None, Some(driver)),
    };
    if let Some(driver) = &driver {
        state.replay = Some(driver.info());
        state.paused = !driver.playing;
        // Until the first key: which options came from the capture, or were replaced.
        state.message = crate::report::describe_replay_options(&driver.applied);
    }
    let mut events = spawn_input_reader();
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let mut play = tokio::time::interval(options.interval);
    play.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    loop {
        if dirty {
            terminal
                .draw(|frame| {
                    view::draw(frame, &state, theme);
                })
                .map_err(|e| AppError::Io(format!("cannot draw: {e}")))?;
            dirty = false;
        }
        let playing = driver.as_ref().is_some_and(|d| d.playing);
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                let mut quit = handle_event(event, &mut state, &mut driver, pause.as_ref(), knowledge);
                // Coalesce a burst of keys (a held arrow, a paste) into one redraw.
                while !quit {
                    match events.try_recv() {
                        Ok(event) => {
                            quit = handle_event(event, &mut state, &mut driver, pause.as_ref(), knowledge)
                        }
                        Err(_) => break,
                    }
                }
                if quit {
                    break;
                }
                dirty = true;
            }
            changed = async {
                match assessments.as_mut() {
                    Some(rx) => rx.changed().await.ok(),
                    None => std::future::pending().await,
                }
            } => {
                if changed.is_none() {
                    break;
                }
                if let Some(a) = assessments.as_mut().and_then(|rx| rx.borrow_and_update().clone()) {
                    state.set_assessment(a);
                    dirty = true;
                }
            }
            message = async {
                match messages.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                if let Some(message) = message {
                    state.message = Some(message);
                    dirty = true;
                }
            }
            _ = play.tick(), if playing => {
                if let Some(driver) = driver.as_mut() {
                    step_replay(driver, &mut state, 1);
                    dirty = true;
                }
            }
            _ = &mut stop => break,
        }
    }
    drop(terminal);
    Ok(0)
}

fn step_replay(driver: &mut ReplayDriver, state: &mut UiState, by: isize) {
    let last = driver.capture.snapshots.len() - 1;
    let target = (driver.position as isize + by).clamp(0, last as isize) as usize;
    if target == last && by > 0 {
        driver.playing = false;
    }
    if target != driver.position {
        state.set_assessment(driver.seek(target, false));
    }
    state.paused = !driver.playing;
    state.replay = Some(driver.info());
}

/// Handles one terminal event; true when the dashboard should quit.
fn handle_event(
    event: Event,
    state: &mut UiState,
    driver: &mut Option<Box<ReplayDriver>>,
    pause: Option<&watch::Sender<bool>>,
    knowledge: &Knowledge,
) -> bool {
    let Event::Key(key) = event else {
        // A resize (or focus change) needs only the redraw that follows.
        return false;
    };
    let Some(action) = input::action(key, state.editing_filter, state.show_help) else {
        return false;
    };
    match (state.apply(action), driver.as_mut()) {
        (Effect::Quit, _) => return true,
        (Effect::Export, driver) => {
            let replay = driver.map(|d| d.info());
            state.message = Some(match export(state, knowledge, replay) {
                Ok(path) => format!("report written to {}", path.display()),
                Err(e) => format!("export failed: {e}"),
            });
        }
        (Effect::Pause(paused), None) => {
            if let Some(pause) = pause {
                let _ = pause.send(paused);
            }
        }
        (Effect::Pause(paused), Some(driver)) => {
            driver.playing = !paused;
            if driver.playing && driver.position + 1 == driver.capture.snapshots.len() {
                // Play from the start again once at the end.
                state.set_assessment(driver.seek(0, true));
            }
            state.replay = Some(driver.info());
        }
        (Effect::Step(by), Some(driver)) => {
            driver.playing = false;
            step_replay(driver, state, by);
        }
        (Effect::Jump(seconds), Some(driver)) => {
            driver.playing = false;
            let target = driver.index_after(seconds) as isize;
            step_replay(driver, state, target - driver.position as isize);
        }
        (Effect::Step(_) | Effect::Jump(_), None) => {
            state.message = Some("stepping works in a replay (--replay FILE)".into());
        }
        (Effect::None, _) => {}
    }
    false
}

/// Writes the current report (the `--once --format json` document) to the working directory.
fn export(
    state: &UiState,
    knowledge: &Knowledge,
    replay: Option<ReplayInfo>,
) -> Result<PathBuf, String> {
    let assessment = state.assessment.as_ref().ok_or("nothing to export yet")?;
    let mut report = Report::new(assessment, &knowledge.origin);
    if let Some(r) = replay {
        report.replay = Some(Replay {
            capture: r.capture,
            at: r.at,
            snapshots: r.position + 1,
            warnings: r.warnings,
            options: r.options,
        });
    }
    let host: String = assessment
        .host
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = PathBuf::from(format!(
        "ssetop-report-{host}-{}.json",
        assessment.taken_at.strftime("%Y%m%dT%H%M%SZ")
    ));
    std::fs::write(&path, report.to_json() + "\n")
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(std::env::current_dir().map_or(path.clone(), |d| d.join(&path)))
}
