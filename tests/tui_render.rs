//! The dashboard drawn to ratatui's TestBackend from fixed captures (times and PIDs come from
//! the capture, so nothing changes between runs): every pane at 80x24 and 120x40, the help,
//! filtering and grouping, ASCII mode, the tiny sizes, and a theme's colours reaching cells.

mod common;

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ssetop::analysis::{AnalysisOptions, Assessment};
use ssetop::capture::Capture;
use ssetop::knowledge::Knowledge;
use ssetop::replay::replay_until;
use ssetop::tui::state::{Action, Pane, UiState};
use ssetop::tui::theme::Theme;
use ssetop::tui::view;

fn assessment(name: &str, at_index: Option<usize>) -> Arc<Assessment> {
    let capture = Capture::load(&common::capture(name)).expect("capture loads");
    let last = at_index.unwrap_or(capture.len() - 1);
    Arc::new(replay_until(
        Arc::new(Knowledge::embedded()),
        AnalysisOptions::default(),
        &capture,
        last,
    ))
}

fn render(state: &UiState, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, state, theme))
        .unwrap();
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| {
            let line: String = row.iter().map(|c| c.symbol()).collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn state_for(name: &str, at_index: Option<usize>, pane: Pane) -> UiState {
    let mut state = UiState::new(false);
    state.set_assessment(assessment(name, at_index));
    state.apply(Action::GoTo(pane));
    state
}

#[test]
fn every_pane_at_80x24_and_120x40() {
    let theme = Theme::built_in("default").unwrap();
    // Mid-outage: an alert banner, a failing-free but warning overview, a full timeline.
    for pane in Pane::ALL {
        let state = state_for("outage-heals", Some(12), pane);
        for (w, h) in [(80, 24), (120, 40)] {
            let name = format!("{}_{w}x{h}", pane.title().to_lowercase());
            insta::assert_snapshot!(name, text(&render(&state, &theme, w, h)));
        }
    }
}

#[test]
fn failing_overview_and_routes_without_exclusions() {
    let theme = Theme::built_in("default").unwrap();
    for pane in [Pane::Overview, Pane::Routes] {
        let state = state_for("globalprotect-no-exclusions", None, pane);
        let name = format!("no_exclusions_{}_80x24", pane.title().to_lowercase());
        insta::assert_snapshot!(name, text(&render(&state, &theme, 80, 24)));
    }
}

/// The outage capture as an unprivileged run would have recorded it.
fn unelevated_state(at_index: usize) -> UiState {
    let recorded = Capture::load(&common::capture("outage-heals")).expect("capture loads");
    let unelevated = recorded.snapshots().map(|mut snapshot| {
        snapshot.host.elevated = false;
        snapshot
    });
    let capture = Capture::from_snapshots(&recorded.path, recorded.header.clone(), unelevated)
        .expect("the altered capture reads");
    let mut state = UiState::new(false);
    state.set_assessment(Arc::new(replay_until(
        Arc::new(Knowledge::embedded()),
        AnalysisOptions::default(),
        &capture,
        at_index,
    )));
    state
}

#[test]
fn the_unprivileged_notice_stays_visible_while_an_alert_takes_the_banner() {
    let theme = Theme::built_in("default").unwrap();
    // Before the outage: no alert, the notice has the banner line and the header is as usual.
    let calm = text(&render(&unelevated_state(0), &theme, 80, 24));
    let lines: Vec<&str> = calm.lines().collect();
    assert!(lines[1].contains("i running without elevation"), "{calm}");
    assert!(!lines[0].contains("not elevated"), "{calm}");
    // Mid-outage: the alert takes the banner, the header says it in short, at 80x24.
    let drawn = text(&render(&unelevated_state(12), &theme, 80, 24));
    let lines: Vec<&str> = drawn.lines().collect();
    assert!(lines[1].contains("GSA disconnected"), "{drawn}");
    assert!(lines[0].contains("i not elevated"), "{drawn}");
    insta::assert_snapshot!("unelevated_alert_overview_80x24", drawn);
}

#[test]
fn help_filter_grouping_and_ascii() {
    let theme = Theme::built_in("mono").unwrap();
    let mut state = state_for("zscaler-internet-healthy", None, Pane::Connections);
    state.apply(Action::ToggleGroup);
    insta::assert_snapshot!(
        "connections_grouped_80x24",
        text(&render(&state, &theme, 80, 24))
    );
    state.apply(Action::StartFilter);
    for c in "zscaler".chars() {
        state.apply(Action::FilterInput(c));
    }
    let filtered = text(&render(&state, &theme, 80, 24));
    assert!(filtered.contains("filter: zscaler_"), "{filtered}");
    insta::assert_snapshot!("connections_filtered_80x24", filtered);
    state.apply(Action::FilterDone);
    state.apply(Action::ToggleHelp);
    insta::assert_snapshot!("help_80x24", text(&render(&state, &theme, 80, 24)));
    let mut ascii = state_for("globalprotect-healthy", None, Pane::Overview);
    ascii.ascii = true;
    let drawn = text(&render(&ascii, &theme, 80, 24));
    assert!(drawn.is_ascii(), "--ascii draws only ASCII:\n{drawn}");
    insta::assert_snapshot!("overview_ascii_80x24", drawn);
}

#[test]
fn tiny_terminals_say_so_instead_of_panicking() {
    let theme = Theme::built_in("default").unwrap();
    let state = state_for("outage-heals", Some(12), Pane::Connections);
    let one = render(&state, &theme, 1, 1);
    assert_eq!(one.area.width, 1);
    let small = text(&render(&state, &theme, 20, 5));
    assert!(small.contains("terminal too"), "{small}");
    insta::assert_snapshot!("too_small_20x5", small);
    // Every size from tiny to narrow draws without a panic, help open or not.
    let shown = assessment("outage-heals", Some(12));
    for w in [1, 2, 10, 39, 40, 41, 60] {
        for h in [1, 3, 9, 10, 11, 15] {
            for pane in Pane::ALL {
                let mut s = UiState::new(false);
                s.set_assessment(shown.clone());
                s.apply(Action::GoTo(pane));
                render(&s, &theme, w, h);
                s.apply(Action::ToggleHelp);
                render(&s, &theme, w, h);
            }
        }
    }
}

#[test]
fn columns_drop_by_priority_on_narrow_terminals() {
    let theme = Theme::built_in("default").unwrap();
    let state = state_for("globalprotect-healthy", None, Pane::Connections);
    let wide = text(&render(&state, &theme, 160, 30));
    for column in [
        "Carrier", "Process", "Remote", "Channel", "Conf.", "Via", "State",
    ] {
        assert!(wide.contains(column), "{column} at 160 columns");
    }
    let narrow = text(&render(&state, &theme, 60, 24));
    assert!(
        narrow.contains("Carrier") && narrow.contains("Remote"),
        "{narrow}"
    );
    assert!(
        !narrow.contains("State") && !narrow.contains("Via"),
        "{narrow}"
    );
}

#[test]
fn a_theme_files_colours_reach_the_cells() {
    let file = ssetop::tui::theme::BUILT_IN[0]
        .1
        .replace(
            "verdict_fail = { fg = \"lightred\", bold = true }",
            "verdict_fail = { fg = \"#123456\", bold = true }",
        )
        .replace(
            "header = { fg = \"white\", bg = \"blue\" }",
            "header = { fg = \"white\", bg = \"#654321\" }",
        );
    let theme = Theme::parse(&file, "test.toml").unwrap();
    let state = state_for("globalprotect-no-exclusions", None, Pane::Overview);
    let buffer = render(&state, &theme, 80, 24);
    let fail_cell = buffer
        .content
        .iter()
        .find(|c| c.symbol() == "✗")
        .expect("a failing check's symbol is drawn");
    assert_eq!(fail_cell.fg, Color::Rgb(0x12, 0x34, 0x56));
    // The header's background spans its row.
    assert_eq!(buffer[(0, 0)].bg, Color::Rgb(0x65, 0x43, 0x21));
    // And the failing status is also written in words, not told by colour alone.
    assert!(text(&buffer).contains("✗ FAIL"));
}

#[test]
fn selection_moves_and_stays_in_range() {
    let mut state = state_for("globalprotect-healthy", None, Pane::Connections);
    let rows = state.row_count(Pane::Connections);
    for _ in 0..rows + 5 {
        state.apply(Action::Down);
    }
    assert_eq!(state.selected(), rows - 1);
    state.apply(Action::Top);
    assert_eq!(state.selected(), 0);
    state.apply(Action::PageDown);
    assert!(state.selected() < rows);
}

#[test]
fn the_header_shows_the_last_sample_time_and_a_recording() {
    let theme = Theme::built_in("mono").unwrap();
    let mut state = state_for("outage-heals", Some(3), Pane::Overview);
    let taken_at = state.assessment.as_ref().unwrap().taken_at;
    // A quiet device: the assessment last changed 20 s before the last sample.
    state.sampled_at = Some(taken_at + jiff::SignedDuration::from_secs(20));
    state.recording = Some("r.ndjson".into());
    let header = text(&render(&state, &theme, 100, 24));
    let header = header.lines().next().unwrap();
    let expected = (taken_at + jiff::SignedDuration::from_secs(20))
        .strftime("%H:%M:%S UTC")
        .to_string();
    assert!(header.contains(&expected), "{header}");
    assert!(header.contains("REC"), "{header}");
}

#[test]
fn at_40x10_overview_shows_clients_and_check_rows_and_help_scrolls_to_every_key() {
    let theme = Theme::built_in("mono").unwrap();
    let mut state = state_for("outage-heals", Some(10), Pane::Overview);
    let drawn = text(&render(&state, &theme, 40, 10));
    assert!(drawn.contains("GlobalProtect"), "a client:\n{drawn}");
    assert!(
        drawn.contains("WARN  GSA runs but"),
        "a check row:\n{drawn}"
    );
    insta::assert_snapshot!("overview_40x10", drawn);
    state.apply(Action::ToggleHelp);
    let mut seen = String::new();
    for _ in 0..40 {
        seen.push_str(&text(&render(&state, &theme, 40, 10)));
        state.apply(Action::Down);
    }
    for (key, _) in ssetop::tui::input::KEYS {
        assert!(seen.contains(key), "{key} never shown:\n{seen}");
    }
    assert!(seen.contains("any other key closes this help"), "{seen}");
    let top = {
        let mut s = state_for("outage-heals", Some(10), Pane::Overview);
        s.apply(Action::ToggleHelp);
        text(&render(&s, &theme, 40, 10))
    };
    assert!(top.contains("j/k scroll"), "{top}");
    insta::assert_snapshot!("help_40x10", top);
}

#[test]
fn at_60x20_connections_keep_the_process_and_listeners_show_no_remote() {
    let theme = Theme::built_in("mono").unwrap();
    let mut state = state_for("outage-heals", Some(10), Pane::Connections);
    let drawn = text(&render(&state, &theme, 60, 20));
    assert!(drawn.contains("Process"), "{drawn}");
    assert!(drawn.contains("OUTLOOK.EXE"), "{drawn}");
    insta::assert_snapshot!("connections_60x20", drawn);
    // The listener (svchost on 135): no local address in the Remote column, no arrow.
    state.apply(Action::Bottom);
    let listener = text(&render(&state, &theme, 80, 24));
    assert!(listener.contains("(listening)"), "{listener}");
    assert!(!listener.contains("0.0.0.0:135 (no peer)"), "{listener}");
    assert!(
        listener.contains("tcp 0.0.0.0:135 listening, svchost.exe (900)"),
        "{listener}"
    );
    assert!(!listener.contains(" ,"), "{listener}");
}

#[test]
fn at_120_columns_check_ids_are_whole_and_narrower_ones_are_cut_with_an_ellipsis() {
    let theme = Theme::built_in("mono").unwrap();
    let state = state_for("outage-heals", Some(10), Pane::Overview);
    let wide = text(&render(&state, &theme, 120, 40));
    assert!(wide.contains("bypass-route:150.171.19.0/24 "), "{wide}");
    let narrow = text(&render(&state, &theme, 58, 30));
    assert!(narrow.contains("bypass-route:150.171.19…"), "{narrow}");
    assert!(narrow.contains("(1/"), "the scroll position: {narrow}");
}

#[test]
fn at_80x24_the_unprivileged_notice_keeps_its_advice() {
    let theme = Theme::built_in("mono").unwrap();
    let drawn = text(&render(&unelevated_state(0), &theme, 80, 24));
    let banner: String = drawn.lines().skip(1).take(2).collect::<Vec<_>>().join(" ");
    // The capture is of Windows: the advice is the elevated prompt.
    assert!(
        banner.contains("run from an elevated prompt (Run as administrator)"),
        "{drawn}"
    );
    insta::assert_snapshot!("unelevated_overview_80x24", drawn);
}

#[test]
fn empty_panes_say_so_without_blaming_a_filter() {
    let theme = Theme::built_in("mono").unwrap();
    let mut state = state_for("outage-heals", Some(10), Pane::Connections);
    let mut a = (**state.assessment.as_ref().unwrap()).clone();
    a.connections.clear();
    state.set_assessment(Arc::new(a));
    let drawn = text(&render(&state, &theme, 80, 24));
    assert!(drawn.contains("no connection seen"), "{drawn}");
    assert!(!drawn.contains("matches the filter"), "{drawn}");
}

#[test]
fn the_dns_pane_writes_the_tenant_as_the_check_ids_do() {
    let theme = Theme::built_in("mono").unwrap();
    let state = state_for("outage-heals", Some(10), Pane::Dns);
    let drawn = text(&render(&state, &theme, 80, 24));
    assert!(drawn.contains("{tenant}.m365.client"), "{drawn}");
    assert!(!drawn.contains("<tenant>"), "{drawn}");
    assert!(drawn.contains("(1/13)"), "the scroll position: {drawn}");
}

#[test]
fn a_tunnel_inside_another_clients_tunnel_is_marked_in_the_connections_pane() {
    let theme = Theme::built_in("default").unwrap();
    let state = state_for("globalprotect-no-exclusions", None, Pane::Connections);
    let screen = text(&render(&state, &theme, 120, 40));
    let row = screen
        .lines()
        .find(|l| l.contains("150.171.19.10:443") && l.contains("GlobalProtect"))
        .unwrap_or_else(|| panic!("no nested row in {screen}"));
    assert!(row.contains("nested"), "{row}");
    // Only that row: the application through GlobalProtect is not nested.
    assert_eq!(screen.matches(" nested ").count(), 1, "{screen}");
}

/// The explain overlay for the Connections pane's selected row, answered as a feed would: by
/// the analysis on the snapshot shown (`explain_snapshot`, the engine behind `ssetop explain`).
fn explain_state(name: &str, at_index: usize, filter: &str) -> UiState {
    use ssetop::tui::state::Effect;
    let capture = Capture::load(&common::capture(name)).expect("capture loads");
    let mut state = UiState::new(false);
    state.set_assessment(assessment(name, Some(at_index)));
    state.apply(Action::GoTo(Pane::Connections));
    state.apply(Action::StartFilter);
    for c in filter.chars() {
        state.apply(Action::FilterInput(c));
    }
    state.apply(Action::FilterDone);
    let Effect::Explain(query) = state.apply(Action::Explain) else {
        panic!("x on a connection with a peer asks for its walk");
    };
    let explanation = ssetop::analysis::explain_snapshot(
        &capture.snapshots().nth(at_index).expect("the snapshot"),
        &Knowledge::embedded(),
        &AnalysisOptions::default(),
        &query,
        query.literal_resolution(),
    );
    state.explained(Ok(Arc::new(explanation)));
    state
}

#[test]
fn the_explain_overlay_shows_the_selected_connections_walk_at_80x24_and_narrow() {
    let theme = Theme::built_in("default").unwrap();
    let mut state = explain_state("outage-heals", 12, "outlook");
    let overlay = state.explain.as_ref().unwrap();
    assert_eq!(overlay.query.destination, "52.96.10.10");
    assert_eq!(overlay.query.port, 443);
    let drawn = text(&render(&state, &theme, 80, 24));
    assert!(drawn.contains("Explain 52.96.10.10 tcp/443"), "{drawn}");
    assert!(
        drawn.contains("explain 52.96.10.10 tcp/443: literal"),
        "{drawn}"
    );
    insta::assert_snapshot!("explain_overlay_80x24", drawn);
    state.screen = (50, 16);
    let narrow = text(&render(&state, &theme, 50, 16));
    insta::assert_snapshot!("explain_overlay_50x16", narrow);
    // Scrolling moves the text; End shows the last line; Esc closes, and the pane is back.
    state.apply(Action::Bottom);
    let bottom = text(&render(&state, &theme, 50, 16));
    assert_ne!(bottom, narrow);
    let last = state
        .explain
        .as_ref()
        .unwrap()
        .wrapped(ssetop::tui::state::explain_inner_width(50))
        .last()
        .cloned()
        .unwrap();
    assert!(bottom.contains(last.trim_end()), "{last:?} in\n{bottom}");
    state.apply(Action::CloseOverlay);
    assert!(state.explain.is_none());
    let closed = text(&render(&state, &theme, 50, 16));
    assert!(!closed.contains("Explain "), "{closed}");
}

#[test]
fn x_outside_the_connections_pane_or_on_a_listener_explains_nothing_and_says_why() {
    use ssetop::tui::state::Effect;
    let mut state = state_for("outage-heals", Some(12), Pane::Overview);
    assert_eq!(state.apply(Action::Explain), Effect::None);
    assert!(state.explain.is_none());
    assert!(state.message.as_deref().unwrap().contains("Connections"));
    let mut state = state_for("outage-heals", Some(12), Pane::Connections);
    state.apply(Action::Bottom);
    // The last row by carrier is the local listener: no peer to walk.
    assert_eq!(state.apply(Action::Explain), Effect::None);
    assert!(state.explain.is_none());
    assert!(state.message.as_deref().unwrap().contains("no peer"));
}

#[test]
fn a_walk_for_another_connection_than_the_one_open_is_not_shown() {
    let mut state = explain_state("outage-heals", 12, "outlook");
    let shown = state.explain.clone();
    let capture = Capture::load(&common::capture("outage-heals")).unwrap();
    let other = ssetop::assessment::ExplainQuery {
        destination: "142.250.1.1".into(),
        port: 443,
        protocol: ssetop::snapshot::Protocol::Tcp,
    };
    let late = ssetop::analysis::explain_snapshot(
        &capture.snapshots().nth(12).expect("the snapshot"),
        &Knowledge::embedded(),
        &AnalysisOptions::default(),
        &other,
        other.literal_resolution(),
    );
    state.explained(Ok(Arc::new(late)));
    assert_eq!(state.explain, shown);
}

#[test]
fn the_footer_says_a_probe_is_running_and_then_when_it_ran() {
    let theme = Theme::built_in("default").unwrap();
    let mut state = state_for("outage-heals", Some(12), Pane::Overview);
    let before = text(&render(&state, &theme, 100, 24));
    assert!(!before.contains("prob"), "{before}");
    state.probe_started();
    let running = text(&render(&state, &theme, 100, 24));
    assert!(
        running.lines().last().unwrap().contains("probing"),
        "{running}"
    );
    let at = state.assessment.as_ref().unwrap().taken_at;
    state.sampled_at = Some(at + jiff::SignedDuration::from_secs(125));
    state.probe_finished(Ok(at));
    let done = text(&render(&state, &theme, 100, 24));
    let footer = done.lines().last().unwrap();
    assert!(
        footer.contains(&format!("probed {} (2m ago)", at.strftime("%H:%M:%S"))),
        "{footer}"
    );
}

#[test]
fn hostile_strings_in_a_walk_are_escaped_in_the_explain_overlay() {
    use ssetop::assessment::{ExplainQuery, Explanation};
    let theme = Theme::built_in("default").unwrap();
    let mut state = explain_state("outage-heals", 12, "outlook");
    let query: ExplainQuery = state.explain.as_ref().unwrap().query.clone();
    let hostile = Explanation {
        resolution: query.literal_resolution(),
        query,
        paths: Vec::new(),
        notes: vec![
            "profile says\n[1/1] 10.0.0.1 -> direct (certain)\u{1b}[2J".into(),
            "exe\u{202e}cod.exe".into(),
        ],
        ila: None,
    };
    state.explained(Ok(Arc::new(hostile)));
    let buffer = render(&state, &theme, 80, 24);
    let drawn = text(&buffer);
    for cell in &buffer.content {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{:?} in\n{drawn}",
            cell.symbol()
        );
    }
    // The injected heading stays inside its note: no line of the overlay starts with it.
    assert!(
        !drawn.lines().any(|l| l.contains("│[1/1] 10.0.0.1")),
        "{drawn}"
    );
    assert!(drawn.contains("\\x0a[1/1] 10.0.0.1"), "{drawn}");
}
