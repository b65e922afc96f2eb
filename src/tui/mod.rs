//! The dashboard. It draws what a feed gives it: the live loop's assessments (`crate::live`)
//! or a replay's engine (`crate::replay`). The UI task alone owns the screen state, answers
//! keys at once, and draws only when something changed.

pub(crate) mod glyphs;
pub mod input;
pub mod state;
pub mod theme;
pub mod view;

use std::future::Future;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};
use tokio::sync::{mpsc, watch};

use crate::error::AppError;
use crate::input_file::Deadline;
use crate::live::{Answer, LiveFeed, Request};
use crate::replay::{ReplayEngine, ReplayStatus};
use crate::report::Report;
use state::{Effect, UiState};
use theme::Theme;

/// How the dashboard looks and paces a replay: what it takes from the command line.
pub(crate) struct DashboardConfig {
    pub(crate) theme: Theme,
    /// ASCII only (consoles without box-drawing glyphs).
    pub(crate) ascii: bool,
    /// Colour even under `NO_COLOR`: a theme chosen explicitly wins (the README's rule), and
    /// crossterm would otherwise drop every colour.
    pub(crate) force_colour: bool,
    /// How often a playing replay moves on by one snapshot.
    pub(crate) interval: Duration,
    /// `--record FILE` alongside the dashboard (the header says so).
    pub(crate) recording: Option<PathBuf>,
}

/// How the dashboard looks, from `--theme`, `--ascii` and the environment (`NO_COLOR`,
/// `TERM`).
#[derive(Debug)]
pub(crate) struct Look {
    pub(crate) theme: Theme,
    pub(crate) ascii: bool,
    pub(crate) force_colour: bool,
}

/// Terminals that draw neither colour nor box-drawing glyphs reliably: `TERM=dumb` and the
/// DEC VT family (`vt100`, `vt220`, …).
pub(crate) fn limited_terminal(term: Option<&str>) -> bool {
    term.is_some_and(|t| t == "dumb" || t.starts_with("vt"))
}

impl Look {
    pub(crate) fn from_environment(
        theme: Option<&str>,
        ascii: bool,
        deadline: &Deadline,
    ) -> Result<Look, AppError> {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let term = std::env::var("TERM").ok();
        Look::decide(theme, ascii, no_color, term.as_deref(), deadline)
            .map_err(|e| AppError::Input(e.to_string()))
    }

    /// The rule, apart from the environment: an explicit theme wins over `NO_COLOR` and a
    /// limited `TERM`; without one, either gives `mono`. A limited `TERM` also gives ASCII.
    pub(crate) fn decide(
        theme: Option<&str>,
        ascii: bool,
        no_color: bool,
        term: Option<&str>,
        deadline: &Deadline,
    ) -> Result<Look, theme::ThemeError> {
        let limited = limited_terminal(term);
        Ok(Look {
            theme: Theme::select(theme, no_color || limited, deadline)?,
            ascii: ascii || limited,
            force_colour: theme.is_some(),
        })
    }
}

/// Whether the dashboard holds the terminal (raw mode, alternate screen): the panic hook
/// restores it only then, so that a panic in `--once` writes no escape sequence to stdout.
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

/// Gives the terminal back if the dashboard holds it (for the panic hook).
pub(crate) fn restore_terminal_if_taken() {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        ratatui::restore();
    }
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
        restore_terminal_if_taken();
    }
}

/// Runs the dashboard until `q`, `stop` (the caller's signal handling), or the end of the live
/// feed; the exit code.
pub(crate) async fn run(
    config: &DashboardConfig,
    feed: Feed,
    stop: impl Future<Output = ()>,
) -> Result<u8, AppError> {
    if config.force_colour {
        ratatui::crossterm::style::force_color_output(true);
    }
    TERMINAL_TAKEN.store(true, Ordering::SeqCst);
    let _guard = TerminalGuard;
    let mut terminal = ratatui::try_init()
        .map_err(|e| AppError::Io(format!("cannot set up the terminal: {e}")))?;
    let mut state = UiState::new(config.ascii);
    state.recording = config
        .recording
        .as_deref()
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned());
    // Taken apart so that each select! branch borrows only its own part.
    // The live loop's task ends when `_producer` drops, with the dashboard.
    let (mut assessments, mut sampled, mut messages, pause, mut engine, _producer, origin) =
        match feed {
            Feed::Live(LiveFeed {
                assessments,
                sampled,
                messages,
                pause,
                requests,
                answers,
                knowledge,
                producer,
                recorded: _,
            }) => (
                Some(assessments),
                Some(sampled),
                Some(messages),
                Some(Asks {
                    pause,
                    requests,
                    answers,
                }),
                None,
                Some(producer),
                knowledge.origin.clone(),
            ),
            Feed::Replay(engine) => {
                let origin = engine.knowledge().origin.clone();
                (None, None, None, None, Some(engine), None, origin)
            }
        };
    let (pause, mut answers) = match pause {
        Some(Asks {
            pause,
            requests,
            answers,
        }) => (Some(LiveAsk { pause, requests }), Some(answers)),
        None => (None, None),
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
    #[cfg(debug_assertions)]
    if std::env::var_os("SSETOP_TEST_PANIC").is_some_and(|v| v == "dashboard") {
        // Test-only (debug builds): a real panic while the dashboard holds the terminal.
        panic!("SSETOP_TEST_PANIC=dashboard asked for a panic");
    }
    let mut events = spawn_input_reader();
    tokio::pin!(stop);
    let mut play = tokio::time::interval(config.interval);
    play.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    loop {
        if dirty {
            if let Ok(size) = terminal.size() {
                state.screen = (size.width, size.height);
            }
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
            changed = async {
                match sampled.as_mut() {
                    Some(rx) => rx.changed().await.ok(),
                    None => std::future::pending().await,
                }
            } => {
                match changed {
                    Some(()) => {
                        if let Some(rx) = sampled.as_mut() {
                            state.sampled_at = *rx.borrow_and_update();
                        }
                        dirty = true;
                    }
                    // The loop has ended; its assessments' channel says so too.
                    None => sampled = None,
                }
            }
            answer = async {
                match answers.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                match answer {
                    Some(answer) => {
                        take_answer(&mut state, answer);
                        dirty = true;
                    }
                    // The loop has ended; its assessments' channel says so too.
                    None => answers = None,
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

/// The live feed's channels the dashboard asks on, and the one it is answered on.
struct Asks {
    pause: watch::Sender<bool>,
    requests: mpsc::Sender<Request>,
    answers: mpsc::Receiver<Answer>,
}

/// What a key can ask of the live loop: pause it, probe, explain.
struct LiveAsk {
    pause: watch::Sender<bool>,
    requests: mpsc::Sender<Request>,
}

/// The live loop's answer, into the state.
fn take_answer(state: &mut UiState, answer: Answer) {
    match answer {
        Answer::ProbeStarted => state.probe_started(),
        Answer::ProbeFinished(outcome) => {
            if let Err(why) = &outcome {
                state.message = Some(format!("probe failed: {why}"));
            }
            state.probe_finished(outcome);
        }
        Answer::Explained(answer) => state.explained(answer),
    }
}

/// Handles one terminal event; true when the dashboard should quit.
fn handle_event(
    event: Event,
    state: &mut UiState,
    engine: Option<&mut ReplayEngine>,
    live: Option<&LiveAsk>,
    knowledge_origin: &str,
) -> bool {
    let Event::Key(key) = event else {
        // A resize (or focus change) needs only the redraw that follows.
        return false;
    };
    let Some(action) = input::action(
        key,
        state.editing_filter,
        state.show_help,
        state.explain.is_some(),
    ) else {
        return false;
    };
    match (state.apply(action), engine) {
        (Effect::Quit, _) => return true,
        (Effect::Export, engine) => {
            let replay = engine.map(|e| e.status());
            let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            state.message = Some(
                match export(&dir, state, knowledge_origin, replay.as_ref()) {
                    Ok(path) => format!("report written to {}", path.display()),
                    Err(e) => format!("export failed: {e}"),
                },
            );
        }
        (Effect::Pause(paused), None) => {
            if let Some(live) = live {
                let _ = live.pause.send(paused);
            }
        }
        // Off the drawing path: the loop probes and publishes; the footer follows it.
        (Effect::Probe, None) => match live.map(|l| l.requests.try_send(Request::Probe)) {
            Some(Ok(())) => state.probe_started(),
            Some(Err(_)) => state.message = Some("the live loop is busy: try again".into()),
            None => state.message = Some("probing needs a live device".into()),
        },
        (Effect::Probe, Some(_)) => {
            state.message =
                Some("probing needs a live device (a replay shows what was recorded)".into());
        }
        (Effect::Explain(query), Some(engine)) => {
            let explanation = engine.explain(&query);
            state.explained(Ok(std::sync::Arc::new(explanation)));
        }
        (Effect::Explain(query), None) => {
            if let Some(live) = live
                && live.requests.try_send(Request::Explain(query)).is_err()
            {
                state.explained(Err("the live loop is busy: close and try again".into()));
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

/// Writes the current report (the `--once --format json` document) to `dir` (the working
/// directory).
fn export(
    dir: &Path,
    state: &UiState,
    knowledge_origin: &str,
    replay: Option<&ReplayStatus>,
) -> Result<PathBuf, String> {
    let assessment = state.assessment.as_ref().ok_or("nothing to export yet")?;
    let mut report = Report::new(assessment, knowledge_origin);
    report.replay = replay.map(ReplayStatus::section);
    // Live, the state shown is the device's as of the last sample (the assessment's own time
    // is that of its last change).
    if let Some(sampled_at) = state.sampled_at.filter(|t| *t > report.generated_at) {
        report.generated_at = sampled_at;
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
    let stem = format!(
        "ssetop-report-{host}-{}",
        report.generated_at.strftime("%Y%m%dT%H%M%SZ")
    );
    write_new(dir, &stem, &(report.to_json() + "\n"))
}

/// Writes `DIR/STEM.json`, or `STEM-2.json`, `STEM-3.json`, … : an export never replaces an
/// earlier one (two in the same second, or a replay exported twice at one snapshot).
fn write_new(dir: &Path, stem: &str, text: &str) -> Result<PathBuf, String> {
    use std::io::Write;
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.json")
        } else {
            format!("{stem}-{n}.json")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!(
        "{}: 999 exports of this name already",
        dir.join(stem).display()
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::assessment::Assessment;
    use crate::capture::Capture;
    use crate::knowledge::Knowledge;

    fn assessment() -> Arc<Assessment> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/outage-heals.ndjson");
        let capture = Capture::load(&path).unwrap();
        Arc::new(crate::replay::replay_until(
            Arc::new(Knowledge::embedded()),
            // The default analysis options: the view needs an assessment, not a choice of them.
            Default::default(),
            &capture,
            3,
        ))
    }

    fn press(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// The live loop's end of the dashboard's asks, without a loop: what the keys send.
    fn live_ask() -> (LiveAsk, mpsc::Receiver<Request>) {
        let (pause, _) = watch::channel(false);
        let (requests, received) = mpsc::channel(8);
        (LiveAsk { pause, requests }, received)
    }

    fn replay_engine() -> ReplayEngine {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/outage-heals.ndjson");
        let settings = crate::replay::ReplaySettings {
            knowledge: Arc::new(Knowledge::embedded()),
            analysis: Default::default(),
            options: Vec::new(),
            warnings: Vec::new(),
        };
        let start = crate::replay::ReplayStart {
            index: 12,
            playing: false,
        };
        ReplayEngine::open(Capture::load(&path).unwrap(), settings, start, None).unwrap()
    }

    #[test]
    fn the_probe_key_on_a_live_feed_sends_exactly_one_request() {
        let (live, mut received) = live_ask();
        let mut state = UiState::new(false);
        state.set_assessment(assessment());
        // Pressed twice before the loop answers: the second is told a probe is running.
        for _ in 0..2 {
            assert!(!handle_event(
                press(KeyCode::Char('P')),
                &mut state,
                None,
                Some(&live),
                "embedded"
            ));
        }
        assert_eq!(received.try_recv(), Ok(Request::Probe));
        assert_eq!(received.try_recv(), Err(mpsc::error::TryRecvError::Empty));
        assert!(state.probe.running);
        assert_eq!(state.message.as_deref(), Some("a probe is already running"));
        // The loop's answers: the footer's state follows them.
        take_answer(&mut state, Answer::ProbeStarted);
        let at = state.assessment.as_ref().unwrap().taken_at;
        take_answer(&mut state, Answer::ProbeFinished(Ok(at)));
        assert!(!state.probe.running);
        assert_eq!(state.probe.finished_at, Some(at));
    }

    #[test]
    fn a_replay_answers_the_probe_key_with_a_message_and_asks_nothing() {
        let mut engine = replay_engine();
        let mut state = UiState::new(false);
        state.set_assessment(engine.assessment());
        handle_event(
            press(KeyCode::Char('P')),
            &mut state,
            Some(&mut engine),
            None,
            "embedded",
        );
        assert!(
            state
                .message
                .as_deref()
                .is_some_and(|m| m.starts_with("probing needs a live device")),
            "{:?}",
            state.message
        );
        assert!(!state.probe.running);
    }

    #[test]
    fn without_the_probe_key_no_key_asks_the_loop_to_probe() {
        let (live, mut received) = live_ask();
        let mut state = UiState::new(false);
        state.set_assessment(assessment());
        // Every other key of the help, on every pane, the explain overlay opened and closed.
        let mut keys: Vec<KeyCode> = "12345jkgsp/?[]{}<>e".chars().map(KeyCode::Char).collect();
        keys.extend([
            KeyCode::Esc,
            KeyCode::Enter,
            KeyCode::Tab,
            KeyCode::Down,
            KeyCode::End,
        ]);
        for pane in ['1', '2', '3', '4', '5'] {
            handle_event(
                press(KeyCode::Char(pane)),
                &mut state,
                None,
                Some(&live),
                "embedded",
            );
            for key in &keys {
                if *key == KeyCode::Char('e') {
                    continue; // writes a file: not a request either way
                }
                handle_event(press(*key), &mut state, None, Some(&live), "embedded");
                state.show_help = false;
                state.editing_filter = false;
            }
        }
        while let Ok(request) = received.try_recv() {
            assert!(!matches!(request, Request::Probe), "{request:?}");
        }
        assert!(!state.probe.running);
    }

    #[test]
    fn x_on_a_live_feed_asks_the_loop_for_the_selected_connections_walk() {
        let (live, mut received) = live_ask();
        let mut state = UiState::new(false);
        state.set_assessment(assessment());
        handle_event(
            press(KeyCode::Char('2')),
            &mut state,
            None,
            Some(&live),
            "embedded",
        );
        handle_event(
            press(KeyCode::Char('x')),
            &mut state,
            None,
            Some(&live),
            "embedded",
        );
        let Ok(Request::Explain(query)) = received.try_recv() else {
            panic!("x asks for a walk");
        };
        assert_eq!(state.explain.as_ref().map(|o| &o.query), Some(&query));
        // Until the answer the overlay waits; Esc closes it without quitting.
        assert!(state.explain.as_ref().unwrap().lines.is_none());
        assert!(!handle_event(
            press(KeyCode::Esc),
            &mut state,
            None,
            Some(&live),
            "embedded"
        ));
        assert!(state.explain.is_none());
    }

    #[test]
    fn x_in_a_replay_walks_the_replayed_snapshot_at_once() {
        let mut engine = replay_engine();
        let mut state = UiState::new(false);
        state.set_assessment(engine.assessment());
        handle_event(
            press(KeyCode::Char('2')),
            &mut state,
            Some(&mut engine),
            None,
            "embedded",
        );
        handle_event(
            press(KeyCode::Char('x')),
            &mut state,
            Some(&mut engine),
            None,
            "embedded",
        );
        let overlay = state.explain.as_ref().expect("the overlay is open");
        let Some(Ok(lines)) = &overlay.lines else {
            panic!("the walk is there at once: {:?}", overlay.lines);
        };
        assert!(
            lines[0].starts_with(&format!("explain {} tcp/", overlay.query.destination)),
            "{lines:?}"
        );
    }

    fn generated_at(path: &Path) -> String {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        json["generated_at"].as_str().unwrap().to_string()
    }

    #[test]
    fn no_color_and_limited_terminals_give_mono_unless_a_theme_is_given() {
        let d = Deadline::after(Duration::from_secs(5));
        let look =
            |theme, ascii, no_color, term| Look::decide(theme, ascii, no_color, term, &d).unwrap();
        let plain = look(None, false, false, Some("xterm-256color"));
        assert_eq!(
            (plain.theme.name.as_str(), plain.ascii, plain.force_colour),
            ("default", false, false)
        );
        let no_color = look(None, false, true, Some("xterm-256color"));
        assert_eq!(
            (no_color.theme.name.as_str(), no_color.ascii),
            ("mono", false)
        );
        for term in ["dumb", "vt100", "vt220"] {
            let limited = look(None, false, false, Some(term));
            assert_eq!(
                (limited.theme.name.as_str(), limited.ascii),
                ("mono", true),
                "{term}"
            );
        }
        // An explicit theme wins over both, and forces colour on over NO_COLOR.
        let chosen = look(Some("light"), false, true, Some("vt100"));
        assert_eq!(
            (
                chosen.theme.name.as_str(),
                chosen.ascii,
                chosen.force_colour
            ),
            ("light", true, true)
        );
    }

    #[test]
    fn a_live_export_carries_the_last_sample_time_and_never_replaces_an_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = UiState::new(false);
        let assessment = assessment();
        let taken_at = assessment.taken_at;
        state.set_assessment(assessment);
        // A quiet device: sampled a minute after the last change.
        state.sampled_at = Some(taken_at + jiff::SignedDuration::from_secs(60));
        let first = export(dir.path(), &state, "embedded", None).unwrap();
        let expected = (taken_at + jiff::SignedDuration::from_secs(60)).to_string();
        assert_eq!(generated_at(&first), expected);
        assert!(
            first.to_string_lossy().ends_with(
                &(taken_at + jiff::SignedDuration::from_secs(60))
                    .strftime("-%Y%m%dT%H%M%SZ.json")
                    .to_string()
            ),
            "{}",
            first.display()
        );
        // Twice at the same moment: two files.
        let second = export(dir.path(), &state, "embedded", None).unwrap();
        assert_ne!(first, second);
        assert!(
            second.to_string_lossy().ends_with("Z-2.json"),
            "{}",
            second.display()
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
