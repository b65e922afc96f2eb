//! The dashboard. It draws what a feed gives it: the live loop's assessments (`crate::live`)
//! or a replay's engine (`crate::replay`). The UI task alone owns the screen state, answers
//! keys at once, and draws only when something changed.

pub mod glyphs;
pub mod input;
pub mod state;
pub mod theme;
pub mod view;

use std::future::Future;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};
use tokio::sync::{mpsc, watch};

use crate::error::AppError;
use crate::live::LiveFeed;
use crate::replay::{ReplayEngine, ReplayStatus};
use crate::report::Report;
use state::{Effect, UiState};
use theme::Theme;

/// How the dashboard looks and paces a replay: what it takes from the command line.
pub(crate) struct DashboardConfig {
    pub(crate) theme: Theme,
    /// ASCII only (consoles without box-drawing glyphs).
    pub(crate) ascii: bool,
    /// How often a playing replay moves on by one snapshot.
    pub(crate) interval: Duration,
}

/// Where the dashboard's assessments come from.
pub(crate) enum Feed {
    Live(LiveFeed),
    Replay(Box<ReplayEngine>),
}

/// The dashboard draws on a terminal and reads keys from one.
pub(crate) fn require_terminal() -> Result<(), AppError> {
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(AppError::Usage(
            "the dashboard needs a terminal; use --once for a report (--format json for scripts)"
                .into(),
        ))
    }
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

/// Runs the dashboard until `q`, `stop` (the caller's signal handling), or the end of the live
/// feed; the exit code.
pub(crate) async fn run(
    config: &DashboardConfig,
    feed: Feed,
    stop: impl Future<Output = ()>,
) -> Result<u8, AppError> {
    let mut terminal = ratatui::try_init().map_err(|e| {
        ratatui::restore();
        AppError::Io(format!("cannot set up the terminal: {e}"))
    })?;
    let _guard = TerminalGuard;
    let mut state = UiState::new(config.ascii);
    // Taken apart so that each select! branch borrows only its own part.
    // The live loop's task ends when `_producer` drops, with the dashboard.
    let (mut assessments, mut messages, pause, mut engine, _producer, origin) = match feed {
        Feed::Live(LiveFeed {
            assessments,
            messages,
            pause,
            knowledge,
            producer,
        }) => (
            Some(assessments),
            Some(messages),
            Some(pause),
            None,
            Some(producer),
            knowledge.origin.clone(),
        ),
        Feed::Replay(engine) => {
            let origin = engine.knowledge().origin.clone();
            (None, None, None, Some(engine), None, origin)
        }
    };
    if let Some(engine) = &engine {
        state.set_assessment(engine.assessment());
        show_replay(&mut state, engine);
        // Until the first key: which options came from the capture, or were replaced.
        state.message = state
            .replay
            .as_ref()
            .and_then(|r| crate::report::describe_replay_options(&r.options));
    }
    let mut events = spawn_input_reader();
    tokio::pin!(stop);
    let mut play = tokio::time::interval(config.interval);
    play.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    loop {
        if dirty {
            terminal
                .draw(|frame| {
                    view::draw(frame, &state, &config.theme);
                })
                .map_err(|e| AppError::Io(format!("cannot draw: {e}")))?;
            dirty = false;
        }
        let playing = engine.as_ref().is_some_and(|e| e.playing());
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                let mut quit = handle_event(event, &mut state, engine.as_deref_mut(), pause.as_ref(), &origin);
                // Coalesce a burst of keys (a held arrow, a paste) into one redraw.
                while !quit {
                    match events.try_recv() {
                        Ok(event) => {
                            quit = handle_event(event, &mut state, engine.as_deref_mut(), pause.as_ref(), &origin)
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
                if let Some(engine) = engine.as_deref_mut() {
                    let moved = engine.advance();
                    replay_moved(&mut state, engine, moved);
                    dirty = true;
                }
            }
            _ = &mut stop => break,
        }
    }
    drop(terminal);
    Ok(0)
}

/// After the engine moved (or only played or paused): the assessment shown and the header.
fn replay_moved(state: &mut UiState, engine: &ReplayEngine, moved: bool) {
    if moved {
        state.set_assessment(engine.assessment());
    }
    show_replay(state, engine);
}

fn show_replay(state: &mut UiState, engine: &ReplayEngine) {
    state.paused = !engine.playing();
    state.replay = Some(engine.status());
}

/// Handles one terminal event; true when the dashboard should quit.
fn handle_event(
    event: Event,
    state: &mut UiState,
    engine: Option<&mut ReplayEngine>,
    pause: Option<&watch::Sender<bool>>,
    knowledge_origin: &str,
) -> bool {
    let Event::Key(key) = event else {
        // A resize (or focus change) needs only the redraw that follows.
        return false;
    };
    let Some(action) = input::action(key, state.editing_filter, state.show_help) else {
        return false;
    };
    match (state.apply(action), engine) {
        (Effect::Quit, _) => return true,
        (Effect::Export, engine) => {
            let replay = engine.map(|e| e.status());
            state.message = Some(match export(state, knowledge_origin, replay.as_ref()) {
                Ok(path) => format!("report written to {}", path.display()),
                Err(e) => format!("export failed: {e}"),
            });
        }
        (Effect::Pause(paused), None) => {
            if let Some(pause) = pause {
                let _ = pause.send(paused);
            }
        }
        (Effect::Pause(paused), Some(engine)) => {
            let moved = engine.set_playing(!paused);
            replay_moved(state, engine, moved);
        }
        (Effect::Step(by), Some(engine)) => {
            let moved = engine.step(by);
            replay_moved(state, engine, moved);
        }
        (Effect::Jump(seconds), Some(engine)) => {
            let moved = engine.jump(seconds);
            replay_moved(state, engine, moved);
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
    knowledge_origin: &str,
    replay: Option<&ReplayStatus>,
) -> Result<PathBuf, String> {
    let assessment = state.assessment.as_ref().ok_or("nothing to export yet")?;
    let mut report = Report::new(assessment, knowledge_origin);
    report.replay = replay.map(ReplayStatus::section);
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
