//! The dashboard's state, owned by the UI task alone, and what each key does to it. Pure:
//! tests drive it without a terminal.

use std::sync::Arc;

use crate::assessment::{
    Assessment, Carrier, Check, Connection, DnsRow, Event, ExplainQuery, Explanation, RouteRow,
};
use crate::replay::ReplayStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Overview,
    Connections,
    Routes,
    Dns,
    Timeline,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Overview,
        Pane::Connections,
        Pane::Routes,
        Pane::Dns,
        Pane::Timeline,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Overview => "Overview",
            Pane::Connections => "Connections",
            Pane::Routes => "Routes",
            Pane::Dns => "DNS",
            Pane::Timeline => "Timeline",
        }
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// How the connections table is sorted (`s` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Carrier,
    Process,
    Remote,
    Confidence,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Carrier => SortKey::Process,
            SortKey::Process => SortKey::Remote,
            SortKey::Remote => SortKey::Confidence,
            SortKey::Confidence => SortKey::Carrier,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Carrier => "carrier",
            SortKey::Process => "process",
            SortKey::Remote => "remote",
            SortKey::Confidence => "confidence",
        }
    }
}

/// What a key asks the dashboard to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// `Esc`: clears a kept filter first, quits otherwise.
    Escape,
    NextPane,
    PreviousPane,
    GoTo(Pane),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    StartFilter,
    FilterInput(char),
    FilterBackspace,
    FilterDone,
    FilterCancel,
    CycleSort,
    ToggleGroup,
    TogglePause,
    ToggleDetail,
    Export,
    ToggleHelp,
    StepBack,
    StepForward,
    JumpBack,
    JumpForward,
    /// Replay: to the first or the last snapshot.
    ReplayStart,
    ReplayEnd,
    /// `P`: ask the live loop to run the probes once.
    Probe,
    /// `x` on the Connections pane: the explain walk for the selected connection.
    Explain,
    /// Esc or `x` in the explain overlay.
    CloseOverlay,
}

/// What the loop must do after an action, beyond redrawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    Export,
    /// Live: tell the collectors to pause or resume. Replay: play or pause.
    Pause(bool),
    /// Replay: move by this many snapshots.
    Step(isize),
    /// Replay: move by this much capture time (seconds).
    Jump(i64),
    /// Live: ask the loop to probe once. Replay: say that probing needs a live device.
    Probe,
    /// Ask the feed for this walk (the overlay waits for it).
    Explain(ExplainQuery),
}

/// The explain overlay: what was asked, and the walk's text once it came.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainOverlay {
    pub query: ExplainQuery,
    /// `None` while the feed walks; the text lines (as `ssetop explain` prints them, every
    /// device string escaped), or why there is no walk.
    pub lines: Option<Result<Vec<String>, String>>,
    /// The first (wrapped) line shown.
    pub scroll: u16,
}

/// Where the dashboard's probes stand (the footer shows it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeStatus {
    /// Asked for and not finished yet.
    pub running: bool,
    /// When the results shown were probed.
    pub finished_at: Option<jiff::Timestamp>,
    /// Why the last probe gave no results.
    pub failed: Option<String>,
}

/// `line` cut into pieces of at most `width` characters, at a space where one is in the
/// second half of the piece, the pieces after the first indented by four (the explain
/// overlay's wrapping, shared by the view and the scroll's bound).
pub fn wrap_line(line: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let chars: Vec<char> = line.trim_end().chars().collect();
    if chars.len() <= width {
        return vec![line.trim_end().to_string()];
    }
    let mut pieces = Vec::new();
    let mut rest: &[char] = &chars;
    let mut first = true;
    while !rest.is_empty() {
        let room = if first { width } else { width - 4 };
        let cut = if rest.len() <= room {
            rest.len()
        } else {
            // The last space that fits, unless it would leave the piece less than half full.
            match rest.iter().take(room + 1).rposition(|c| *c == ' ') {
                Some(at) if at > room / 2 => at,
                _ => room,
            }
        };
        let (piece, after) = rest.split_at(cut);
        let indent = if first { "" } else { "    " };
        let piece: String = piece.iter().collect();
        pieces.push(format!("{indent}{}", piece.trim_end()));
        rest = after;
        // The space the line was broken at does not start the next piece.
        while let Some((' ', tail)) = rest.split_first() {
            rest = tail;
        }
        first = false;
    }
    pieces
}

/// The explain overlay's width inside its border on a terminal `width` columns wide.
pub fn explain_inner_width(width: u16) -> usize {
    width.saturating_sub(4).min(110).saturating_sub(2) as usize
}

impl ExplainOverlay {
    /// The lines to show at this inner width (a placeholder while waiting).
    pub fn wrapped(&self, width: usize) -> Vec<String> {
        match &self.lines {
            None => vec![format!(
                "walking {} {}/{}...",
                self.query.destination,
                self.query.protocol.id(),
                self.query.port
            )],
            Some(Err(why)) => vec![format!("no walk: {why}")],
            Some(Ok(lines)) => lines.iter().flat_map(|l| wrap_line(l, width)).collect(),
        }
    }
}

pub struct UiState {
    pub assessment: Option<Arc<Assessment>>,
    pub pane: Pane,
    selected: [usize; 5],
    /// Each pane keeps its own filter.
    filters: [String; 5],
    pub editing_filter: bool,
    pub sort: SortKey,
    pub group_by_carrier: bool,
    pub paused: bool,
    pub show_help: bool,
    /// The first line of the help shown (a help taller than the terminal scrolls).
    pub help_scroll: u16,
    pub show_detail: bool,
    pub message: Option<String>,
    pub ascii: bool,
    /// Where the replay stands (shown in the header); `None` live.
    pub replay: Option<ReplayStatus>,
    /// Rows on one page of the current pane (set by the last draw).
    pub page: usize,
    /// Live: when the device was last read. The assessment is published only when it
    /// changes, so its own time stops on a quiet device; this one does not.
    pub sampled_at: Option<jiff::Timestamp>,
    /// `--record FILE` while the dashboard runs: the file (shown in the header).
    pub recording: Option<String>,
    /// The explain overlay, while open.
    pub explain: Option<ExplainOverlay>,
    pub probe: ProbeStatus,
    /// The terminal's size at the last draw (bounds the overlay's scroll).
    pub screen: (u16, u16),
}

/// One line of the connections table: a carrier heading (when grouping) or a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionLine {
    Group(Carrier, usize),
    Item(usize),
}

fn matches_filter(filter: &str, parts: &[&str]) -> bool {
    if filter.is_empty() {
        return true;
    }
    let needle = filter.to_lowercase();
    parts.iter().any(|p| p.to_lowercase().contains(&needle))
}

pub fn connection_text(c: &Connection) -> Vec<String> {
    vec![
        c.attribution.carrier.id().to_string(),
        c.attribution.carrier.label().to_string(),
        c.process.clone().unwrap_or_default(),
        c.pid.map(|p| p.to_string()).unwrap_or_default(),
        c.socket.protocol.id().to_string(),
        c.socket.local.to_string(),
        c.socket.remote.map(|r| r.to_string()).unwrap_or_default(),
        c.remote_name.clone().unwrap_or_default(),
        c.socket.state.clone().unwrap_or_default(),
        c.attribution
            .channel
            .map(|ch| ch.id().to_string())
            .unwrap_or_default(),
        c.attribution.interface.clone().unwrap_or_default(),
    ]
}

impl UiState {
    pub fn new(ascii: bool) -> UiState {
        UiState {
            assessment: None,
            pane: Pane::Overview,
            selected: [0; 5],
            filters: Default::default(),
            editing_filter: false,
            sort: SortKey::Carrier,
            group_by_carrier: false,
            paused: false,
            show_help: false,
            help_scroll: 0,
            show_detail: true,
            message: None,
            ascii,
            replay: None,
            page: 10,
            sampled_at: None,
            recording: None,
            explain: None,
            probe: ProbeStatus::default(),
            screen: (80, 24),
        }
    }

    /// The feed's walk for the overlay: kept only when it answers the query still open.
    pub fn explained(&mut self, answer: Result<Arc<Explanation>, String>) {
        let Some(overlay) = self.explain.as_mut() else {
            return;
        };
        overlay.lines = Some(match answer {
            Ok(explanation) if explanation.query != overlay.query => return,
            Ok(explanation) => Ok(crate::report::explain::render(
                &crate::report::explain::ExplainReport::new(&explanation),
            )
            .lines()
            .map(str::to_string)
            .collect()),
            Err(why) => Err(why),
        });
    }

    /// The live loop started the probes.
    pub fn probe_started(&mut self) {
        self.probe.running = true;
    }

    /// The live loop published the probed assessment (or the probes failed).
    pub fn probe_finished(&mut self, outcome: Result<jiff::Timestamp, String>) {
        self.probe.running = false;
        match outcome {
            Ok(at) => {
                self.probe.finished_at = Some(at);
                self.probe.failed = None;
            }
            Err(why) => self.probe.failed = Some(why),
        }
    }

    /// The selected connection's walk, or why there is none.
    fn explain_selected(&mut self) -> Result<ExplainQuery, String> {
        if self.pane != Pane::Connections {
            return Err("x explains the selected connection on the Connections pane (2)".into());
        }
        let a = self.assessment.as_ref().ok_or("nothing read yet")?;
        let connection = self
            .connections()
            .get(self.selected())
            .and_then(|&i| a.connections.get(i))
            .ok_or("no connection selected")?;
        ExplainQuery::for_connection(&connection.socket)
            .ok_or_else(|| "the selected socket has no peer: nothing to explain".into())
    }

    /// The overlay's scroll, within its text at the last draw's size.
    fn scroll_explain(&mut self, by: i32) {
        let (width, height) = self.screen;
        let Some(overlay) = self.explain.as_mut() else {
            return;
        };
        let total = overlay.wrapped(explain_inner_width(width)).len() as i32;
        let visible = i32::from(height.saturating_sub(4)).max(1);
        let most = (total - visible).max(0);
        overlay.scroll = (i32::from(overlay.scroll) + by).clamp(0, most) as u16;
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "per-pane arrays are indexed by Pane::index() (0..5 by construction); rows are positions in the assessment's connections, made from that list"
    )]
    pub fn selected(&self) -> usize {
        self.selected[self.pane.index()]
    }

    /// The current pane's filter.
    #[allow(
        clippy::indexing_slicing,
        reason = "per-pane arrays are indexed by Pane::index() (0..5 by construction); rows are positions in the assessment's connections, made from that list"
    )]
    pub fn filter(&self) -> &str {
        &self.filters[self.pane.index()]
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "per-pane arrays are indexed by Pane::index() (0..5 by construction); rows are positions in the assessment's connections, made from that list"
    )]
    fn filter_of(&self, pane: Pane) -> &str {
        &self.filters[pane.index()]
    }

    /// Takes a new assessment; keeps the selections in range.
    #[allow(
        clippy::indexing_slicing,
        reason = "per-pane arrays are indexed by Pane::index() (0..5 by construction); rows are positions in the assessment's connections, made from that list"
    )]
    pub fn set_assessment(&mut self, assessment: Arc<Assessment>) {
        self.assessment = Some(assessment);
        for pane in Pane::ALL {
            let count = self.row_count(pane);
            let slot = &mut self.selected[pane.index()];
            *slot = (*slot).min(count.saturating_sub(1));
        }
    }

    /// Checks, failing first, then by id (stable between refreshes).
    pub fn checks(&self) -> Vec<&Check> {
        let Some(a) = &self.assessment else {
            return Vec::new();
        };
        let mut checks: Vec<&Check> = a
            .checks
            .iter()
            .filter(|c| {
                matches_filter(
                    self.filter_of(Pane::Overview),
                    &[&c.id, &c.summary, c.status.id()],
                )
            })
            .collect();
        checks.sort_by_key(|c| c.status.listing_order());
        checks
    }

    /// Connection indexes after filter and sort.
    #[allow(
        clippy::indexing_slicing,
        reason = "per-pane arrays are indexed by Pane::index() (0..5 by construction); rows are positions in the assessment's connections, made from that list"
    )]
    pub fn connections(&self) -> Vec<usize> {
        let Some(a) = &self.assessment else {
            return Vec::new();
        };
        let mut rows: Vec<usize> = (0..a.connections.len())
            .filter(|&i| {
                let text = connection_text(&a.connections[i]);
                let parts: Vec<&str> = text.iter().map(String::as_str).collect();
                matches_filter(self.filter_of(Pane::Connections), &parts)
            })
            .collect();
        let key = |i: &usize| {
            let c = &a.connections[*i];
            let remote = c.socket.remote.map(|r| (r.ip(), r.port()));
            let process = c
                .process
                .clone()
                .unwrap_or_else(|| "~".into())
                .to_lowercase();
            (
                c.attribution.carrier,
                process,
                remote,
                c.attribution.confidence,
            )
        };
        rows.sort_by(|x, y| {
            let (kx, ky) = (key(x), key(y));
            let primary = match self.sort {
                SortKey::Carrier => kx.0.cmp(&ky.0).then(kx.2.cmp(&ky.2)),
                SortKey::Process => kx.1.cmp(&ky.1).then(kx.2.cmp(&ky.2)),
                SortKey::Remote => kx.2.cmp(&ky.2),
                SortKey::Confidence => kx.3.cmp(&ky.3).then(kx.0.cmp(&ky.0)),
            };
            if self.group_by_carrier {
                kx.0.cmp(&ky.0).then(primary)
            } else {
                primary
            }
        });
        rows
    }

    /// The table's lines: with grouping, a heading before each carrier's connections.
    #[allow(
        clippy::indexing_slicing,
        reason = "per-pane arrays are indexed by Pane::index() (0..5 by construction); rows are positions in the assessment's connections, made from that list"
    )]
    pub fn connection_lines(&self) -> Vec<ConnectionLine> {
        let rows = self.connections();
        let Some(a) = &self.assessment else {
            return Vec::new();
        };
        if !self.group_by_carrier {
            return rows.into_iter().map(ConnectionLine::Item).collect();
        }
        let mut lines = Vec::new();
        let mut current = None;
        for &i in &rows {
            let carrier = a.connections[i].attribution.carrier;
            if current != Some(carrier) {
                let count = rows
                    .iter()
                    .filter(|&&j| a.connections[j].attribution.carrier == carrier)
                    .count();
                lines.push(ConnectionLine::Group(carrier, count));
                current = Some(carrier);
            }
            lines.push(ConnectionLine::Item(i));
        }
        lines
    }

    pub fn routes(&self) -> Vec<RouteRow<'_>> {
        let Some(a) = &self.assessment else {
            return Vec::new();
        };
        a.routes
            .iter()
            .filter(|r| {
                let dest = r.route.destination.to_string();
                let gateway = r.route.gateway.map(|g| g.to_string()).unwrap_or_default();
                let dev = r.route.interface.as_deref().unwrap_or_default();
                let vendor = r.vendor.map(|v| v.label()).unwrap_or_default();
                matches_filter(
                    self.filter_of(Pane::Routes),
                    &[&dest, &gateway, dev, vendor],
                )
            })
            .collect()
    }

    pub fn dns(&self) -> Vec<&DnsRow> {
        let Some(a) = &self.assessment else {
            return Vec::new();
        };
        a.dns
            .iter()
            .filter(|d| {
                let addresses: Vec<String> =
                    d.answer.addresses.iter().map(ToString::to_string).collect();
                matches_filter(
                    self.filter_of(Pane::Dns),
                    &[&d.answer.name, d.answer.status.id(), &addresses.join(" ")],
                )
            })
            .collect()
    }

    /// Events, newest first.
    pub fn events(&self) -> Vec<&Event> {
        let Some(a) = &self.assessment else {
            return Vec::new();
        };
        a.events
            .iter()
            .rev()
            .filter(|e| {
                let vendor = e.vendor.map(|v| v.label()).unwrap_or_default();
                matches_filter(self.filter_of(Pane::Timeline), &[&e.text, vendor])
            })
            .collect()
    }

    pub fn row_count(&self, pane: Pane) -> usize {
        match pane {
            Pane::Overview => self.checks().len(),
            Pane::Connections => self.connections().len(),
            Pane::Routes => self.routes().len(),
            Pane::Dns => self.dns().len(),
            Pane::Timeline => self.events().len(),
        }
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "per-pane arrays are indexed by Pane::index() (0..5 by construction); rows are positions in the assessment's connections, made from that list"
    )]
    fn move_selection(&mut self, delta: isize) {
        let count = self.row_count(self.pane);
        let slot = &mut self.selected[self.pane.index()];
        let target = (*slot as isize + delta).clamp(0, count.saturating_sub(1) as isize);
        *slot = target as usize;
    }

    /// Applies one action; returns what the loop must do besides redrawing.
    #[allow(
        clippy::indexing_slicing,
        reason = "per-pane arrays are indexed by Pane::index() (0..5 by construction); rows are positions in the assessment's connections, made from that list"
    )]
    pub fn apply(&mut self, action: Action) -> Effect {
        if !matches!(action, Action::Export) {
            self.message = None;
        }
        if self.show_help
            && let Some(by) = match action {
                Action::Up => Some(-1),
                Action::Down => Some(1),
                Action::PageUp => Some(-(self.page.max(1) as i32)),
                Action::PageDown => Some(self.page.max(1) as i32),
                _ => None,
            }
        {
            // The view keeps the last page in place; this only bounds the number.
            let most = 2 * super::input::KEYS.len() as i32;
            self.help_scroll = (i32::from(self.help_scroll) + by).clamp(0, most) as u16;
            return Effect::None;
        }
        if self.explain.is_some() {
            let page = i32::from(self.screen.1.saturating_sub(5)).max(1);
            match action {
                Action::Quit => return Effect::Quit,
                Action::CloseOverlay | Action::Escape | Action::Explain => self.explain = None,
                Action::Up => self.scroll_explain(-1),
                Action::Down => self.scroll_explain(1),
                Action::PageUp => self.scroll_explain(-page),
                Action::PageDown => self.scroll_explain(page),
                Action::Top => self.scroll_explain(i32::MIN / 2),
                Action::Bottom => self.scroll_explain(i32::MAX / 2),
                _ => {}
            }
            return Effect::None;
        }
        match action {
            Action::Quit => return Effect::Quit,
            Action::Escape if self.filter().is_empty() => return Effect::Quit,
            Action::Escape => {
                // The README's promise: Esc clears the filter (also one kept with Enter).
                self.filters[self.pane.index()].clear();
            }
            Action::NextPane | Action::PreviousPane => {
                let step = if action == Action::NextPane { 1 } else { 4 };
                self.pane = Pane::ALL[(self.pane.index() + step) % 5];
            }
            Action::GoTo(pane) => self.pane = pane,
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page.max(1) as isize)),
            Action::PageDown => self.move_selection(self.page.max(1) as isize),
            Action::Top => self.move_selection(isize::MIN / 2),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::StartFilter => self.editing_filter = true,
            Action::FilterInput(c) => {
                self.filters[self.pane.index()].push(c);
                self.selected[self.pane.index()] = 0;
            }
            Action::FilterBackspace => {
                self.filters[self.pane.index()].pop();
            }
            Action::FilterDone => self.editing_filter = false,
            Action::FilterCancel => {
                self.editing_filter = false;
                self.filters[self.pane.index()].clear();
            }
            // Sorting and grouping are the Connections pane's, the only one whose footer
            // offers them: elsewhere they would change a table out of sight.
            Action::CycleSort | Action::ToggleGroup if self.pane != Pane::Connections => {
                self.message = Some("s and g sort and group the Connections pane (2)".into());
            }
            Action::CycleSort => self.sort = self.sort.next(),
            Action::ToggleGroup => self.group_by_carrier = !self.group_by_carrier,
            Action::TogglePause => {
                self.paused = !self.paused;
                return Effect::Pause(self.paused);
            }
            Action::ToggleDetail => self.show_detail = !self.show_detail,
            Action::Export => return Effect::Export,
            Action::ToggleHelp => {
                self.show_help = !self.show_help;
                self.help_scroll = 0;
            }
            Action::StepBack => return Effect::Step(-1),
            Action::StepForward => return Effect::Step(1),
            Action::JumpBack => return Effect::Jump(-60),
            Action::JumpForward => return Effect::Jump(60),
            // The engine keeps every move inside the capture.
            Action::ReplayStart => return Effect::Step(isize::MIN / 2),
            Action::ReplayEnd => return Effect::Step(isize::MAX / 2),
            Action::Probe if self.probe.running => {
                self.message = Some("a probe is already running".into());
            }
            Action::Probe => return Effect::Probe,
            Action::Explain => match self.explain_selected() {
                Ok(query) => {
                    self.explain = Some(ExplainOverlay {
                        query: query.clone(),
                        lines: None,
                        scroll: 0,
                    });
                    return Effect::Explain(query);
                }
                Err(why) => self.message = Some(why),
            },
            Action::CloseOverlay => {}
        }
        Effect::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_clears_a_kept_filter_before_it_quits() {
        let mut state = UiState::new(false);
        state.apply(Action::GoTo(Pane::Timeline));
        state.apply(Action::StartFilter);
        for c in "edg".chars() {
            state.apply(Action::FilterInput(c));
        }
        assert_eq!(state.apply(Action::FilterDone), Effect::None);
        assert_eq!(state.filter(), "edg");
        assert_eq!(state.apply(Action::Escape), Effect::None);
        assert_eq!(state.filter(), "");
        assert_eq!(state.pane, Pane::Timeline);
        assert_eq!(state.apply(Action::Escape), Effect::Quit);
    }

    #[test]
    fn sort_and_group_change_nothing_outside_the_connections_pane() {
        let mut state = UiState::new(false);
        for pane in [Pane::Overview, Pane::Routes, Pane::Dns, Pane::Timeline] {
            state.apply(Action::GoTo(pane));
            state.apply(Action::CycleSort);
            state.apply(Action::ToggleGroup);
            assert_eq!(state.sort, SortKey::Carrier, "{pane:?}");
            assert!(!state.group_by_carrier, "{pane:?}");
            assert!(state.message.as_deref().unwrap_or("").contains("(2)"));
        }
        state.apply(Action::GoTo(Pane::Connections));
        state.apply(Action::CycleSort);
        state.apply(Action::ToggleGroup);
        assert_eq!(state.sort, SortKey::Process);
        assert!(state.group_by_carrier);
    }

    #[test]
    fn explain_lines_wrap_at_spaces_within_the_width_and_lose_nothing() {
        let line = "  1. local              passed  52.96.10.10 is neither loopback nor link-local";
        let pieces = wrap_line(line, 40);
        assert!(pieces.iter().all(|p| p.chars().count() <= 40), "{pieces:?}");
        assert_eq!(pieces[0], "  1. local              passed");
        assert_eq!(pieces[1], "    52.96.10.10 is neither loopback nor");
        assert_eq!(pieces[2], "    link-local");
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&pieces.join(" ")), words(line));
        // A word longer than the width is cut where it must be.
        let long = "x".repeat(30);
        let pieces = wrap_line(&long, 12);
        assert_eq!(pieces.concat().replace(' ', ""), long);
        assert!(pieces.iter().all(|p| p.chars().count() <= 12), "{pieces:?}");
    }

    #[test]
    fn the_probe_key_asks_once_while_a_probe_runs_and_again_after_it() {
        let mut state = UiState::new(false);
        assert_eq!(state.apply(Action::Probe), Effect::Probe);
        state.probe_started();
        assert_eq!(state.apply(Action::Probe), Effect::None);
        assert_eq!(state.message.as_deref(), Some("a probe is already running"));
        state.probe_finished(Err("no answer within 1000 ms".into()));
        assert!(!state.probe.running);
        assert_eq!(state.apply(Action::Probe), Effect::Probe);
    }

    #[test]
    fn the_replay_end_keys_move_to_the_capture_bounds() {
        let mut state = UiState::new(false);
        assert_eq!(state.apply(Action::ReplayEnd), Effect::Step(isize::MAX / 2));
        assert_eq!(
            state.apply(Action::ReplayStart),
            Effect::Step(isize::MIN / 2)
        );
    }
}
