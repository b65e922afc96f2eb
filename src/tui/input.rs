//! Keys to actions. Everything works from the keyboard; no mouse is needed.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::{Action, Pane};

/// The key map shown by `?` and in the README.
pub const KEYS: &[(&str, &str)] = &[
    ("1-5, Tab, Shift-Tab", "switch pane"),
    ("Up/Down, j/k", "select a row"),
    ("PgUp/PgDn, Home/End", "page, first, last"),
    ("Enter", "show or hide the selected row's evidence"),
    ("/", "filter rows (Enter keeps it, Esc clears it)"),
    ("s", "change the connections' sort order"),
    ("g", "group connections by carrier"),
    ("p", "pause or resume refresh (replay: play or pause)"),
    ("[ ]", "replay: one snapshot back or forward"),
    ("{ }", "replay: one minute back or forward"),
    ("< >", "replay: to the start or the end"),
    ("x", "explain the selected connection (Esc closes)"),
    ("P", "probe once now (live only; --probe: also at start)"),
    ("e", "export the report as JSON to the working directory"),
    ("?", "this help"),
    ("q, Ctrl-C", "quit"),
    ("Esc", "clear the filter, else quit"),
];

/// Maps a key to an action, given whether a filter is being typed, help is open, or the
/// explain overlay is.
pub fn action(
    key: KeyEvent,
    editing_filter: bool,
    help_open: bool,
    explain_open: bool,
) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')) {
        return Some(Action::Quit);
    }
    if editing_filter {
        return match key.code {
            KeyCode::Enter => Some(Action::FilterDone),
            KeyCode::Esc => Some(Action::FilterCancel),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char(c) if !ctrl => Some(Action::FilterInput(c)),
            _ => None,
        };
    }
    if explain_open {
        // The overlay scrolls; Esc or x closes it; q still quits; other keys wait.
        return match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Esc | KeyCode::Char('x') => Some(Action::CloseOverlay),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::Home => Some(Action::Top),
            KeyCode::End => Some(Action::Bottom),
            _ => None,
        };
    }
    if help_open {
        // The arrows scroll a help taller than the terminal; any other key closes it; q
        // still quits.
        return match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::PageDown => Some(Action::PageDown),
            _ => Some(Action::ToggleHelp),
        };
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc => Action::Escape,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PreviousPane,
        KeyCode::Char('1') => Action::GoTo(Pane::Overview),
        KeyCode::Char('2') => Action::GoTo(Pane::Connections),
        KeyCode::Char('3') => Action::GoTo(Pane::Routes),
        KeyCode::Char('4') => Action::GoTo(Pane::Dns),
        KeyCode::Char('5') => Action::GoTo(Pane::Timeline),
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home => Action::Top,
        KeyCode::End => Action::Bottom,
        KeyCode::Enter => Action::ToggleDetail,
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char('s') => Action::CycleSort,
        KeyCode::Char('g') => Action::ToggleGroup,
        KeyCode::Char('p') | KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('e') => Action::Export,
        KeyCode::Char('x') => Action::Explain,
        KeyCode::Char('P') => Action::Probe,
        KeyCode::Char('?') | KeyCode::F(1) => Action::ToggleHelp,
        KeyCode::Char('[') => Action::StepBack,
        KeyCode::Char(']') => Action::StepForward,
        KeyCode::Char('{') => Action::JumpBack,
        KeyCode::Char('}') => Action::JumpForward,
        KeyCode::Char('<') => Action::ReplayStart,
        KeyCode::Char('>') => Action::ReplayEnd,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn quit_keys_quit_everywhere() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for (editing, help) in [(false, false), (true, false), (false, true)] {
            assert_eq!(action(ctrl_c, editing, help, false), Some(Action::Quit));
        }
        assert_eq!(
            action(key(KeyCode::Char('q')), false, false, false),
            Some(Action::Quit)
        );
        assert_eq!(
            action(key(KeyCode::Esc), false, false, false),
            Some(Action::Escape)
        );
    }

    #[test]
    fn every_key_of_the_help_is_mapped() {
        for (c, expected) in [
            ('<', Action::ReplayStart),
            ('>', Action::ReplayEnd),
            ('}', Action::JumpForward),
        ] {
            assert_eq!(
                action(key(KeyCode::Char(c)), false, false, false),
                Some(expected)
            );
        }
    }

    #[test]
    fn typing_a_filter_takes_letters_that_are_otherwise_commands() {
        assert_eq!(
            action(key(KeyCode::Char('q')), true, false, false),
            Some(Action::FilterInput('q'))
        );
        assert_eq!(
            action(key(KeyCode::Esc), true, false, false),
            Some(Action::FilterCancel)
        );
        assert_eq!(
            action(key(KeyCode::Enter), true, false, false),
            Some(Action::FilterDone)
        );
    }

    #[test]
    fn the_arrows_scroll_the_help_instead_of_closing_it() {
        assert_eq!(
            action(key(KeyCode::Down), false, true, false),
            Some(Action::Down)
        );
        assert_eq!(
            action(key(KeyCode::Char('k')), false, true, false),
            Some(Action::Up)
        );
    }

    #[test]
    fn x_and_shift_p_explain_and_probe_and_the_overlay_closes_on_esc_or_x() {
        assert_eq!(
            action(key(KeyCode::Char('x')), false, false, false),
            Some(Action::Explain)
        );
        assert_eq!(
            action(key(KeyCode::Char('P')), false, false, false),
            Some(Action::Probe)
        );
        // Lower-case p still pauses.
        assert_eq!(
            action(key(KeyCode::Char('p')), false, false, false),
            Some(Action::TogglePause)
        );
        for code in [KeyCode::Esc, KeyCode::Char('x')] {
            assert_eq!(
                action(key(code), false, false, true),
                Some(Action::CloseOverlay)
            );
        }
        assert_eq!(
            action(key(KeyCode::Down), false, false, true),
            Some(Action::Down)
        );
        // A pane key does nothing under the overlay; q quits.
        assert_eq!(action(key(KeyCode::Char('3')), false, false, true), None);
        assert_eq!(
            action(key(KeyCode::Char('q')), false, false, true),
            Some(Action::Quit)
        );
    }

    #[test]
    fn any_key_closes_help() {
        assert_eq!(
            action(key(KeyCode::Char('x')), false, true, false),
            Some(Action::ToggleHelp)
        );
    }
}
