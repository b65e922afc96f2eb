//! Drawing: the frame's chrome (header, alert banner, tabs, footer, help, "too small") and one
//! module per pane. Every function only reads the state.

mod columns;
mod connections;
mod dns;
mod explain;
mod overview;
mod routes;
mod timeline;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::glyphs::Glyphs;
use super::input::KEYS;
use super::state::{Pane, UiState};
use super::theme::Theme;
use crate::assessment::{Carrier, Severity, Status, Verdict};

/// Below this the dashboard shows "terminal too small" instead.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// What every pane needs to draw itself.
pub struct Ctx<'a> {
    pub state: &'a UiState,
    pub theme: &'a Theme,
    pub glyphs: Glyphs,
}

impl Ctx<'_> {
    pub fn carrier_style(&self, carrier: Carrier) -> Style {
        let s = &self.theme.slots;
        match carrier {
            Carrier::Gsa => s.carrier_gsa.0,
            Carrier::Zscaler => s.carrier_zscaler.0,
            Carrier::GlobalProtect => s.carrier_globalprotect.0,
            Carrier::Direct => s.carrier_direct.0,
            Carrier::Local => s.carrier_local.0,
            Carrier::Unknown => s.carrier_unknown.0,
        }
    }

    pub fn status_style(&self, status: Status) -> Style {
        let s = &self.theme.slots;
        match status {
            Status::Pass => s.verdict_ok.0,
            Status::Warn => s.verdict_warn.0,
            Status::Fail => s.verdict_fail.0,
            Status::Skip => s.status_skip.0,
        }
    }

    /// `✗ FAIL`: symbol and word, styled.
    pub fn status_span(&self, status: Status) -> Span<'static> {
        Span::styled(
            format!(
                "{} {}",
                self.glyphs.status(status),
                status.id().to_uppercase()
            ),
            self.status_style(status),
        )
    }

    /// `▲ GlobalProtect`: symbol and name, styled.
    pub fn carrier_span(&self, carrier: Carrier) -> Span<'static> {
        Span::styled(
            format!("{} {}", self.glyphs.carrier(carrier), carrier.label()),
            self.carrier_style(carrier),
        )
    }

    pub fn block<'b>(&self, title: impl Into<Line<'b>>) -> Block<'b> {
        Block::default()
            .borders(Borders::ALL)
            .border_set(self.glyphs.border())
            .border_style(self.theme.slots.border.0)
            .title(title)
            .title_style(self.theme.slots.title.0)
    }

    /// Draws a table in the theme's colours, with a header and, when `selected` is set, the
    /// selection bar.
    pub fn draw_table(
        &self,
        frame: &mut Frame,
        area: Rect,
        grid: &columns::Grid,
        rows: Vec<Row>,
        title: String,
        selected: Option<usize>,
    ) {
        let slots = &self.theme.slots;
        let mut table = Table::new(rows, grid.widths.clone())
            .header(grid.titles().style(slots.table_header.0))
            .block(self.block(title));
        if selected.is_some() {
            table = table
                .row_highlight_style(slots.selection.0)
                .highlight_symbol(self.glyphs.selection());
        }
        let mut state = TableState::default().with_selected(selected);
        frame.render_stateful_widget(table, area, &mut state);
    }

    pub fn truncate(&self, text: &str, width: usize) -> String {
        truncate(text, width, self.glyphs.ellipsis())
    }
}

/// Cuts `text` to `width` characters, marking the cut.
pub fn truncate(text: &str, width: usize, ellipsis: &str) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let kept: String = text.chars().take(width - 1).collect();
    format!("{kept}{ellipsis}")
}

pub fn draw(frame: &mut Frame, state: &UiState, theme: &Theme) {
    draw_panes(frame, state, theme);
    scrub(frame.buffer_mut());
}

/// The dashboard's end of the one sanitising rule ([`crate::safe_text::needs_escape`]): every
/// string on screen came through some cell, so the finished frame is checked cell by cell.
/// ratatui already drops C0 and C1 controls; what remains (the bidirectional overrides and
/// isolates, zero-width, so they ride in the cell before them) would reorder the row on a real
/// terminal. A cell holding one is shown as `?`: visible, and the layout keeps its width.
fn scrub(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(crate::safe_text::needs_escape) {
            cell.set_symbol("?");
        }
    }
}

fn draw_panes(frame: &mut Frame, state: &UiState, theme: &Theme) {
    let area = frame.area();
    let ctx = Ctx {
        state,
        theme,
        glyphs: Glyphs { ascii: state.ascii },
    };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area, &ctx);
        return;
    }
    let banner = banner_lines(&ctx, area.width);
    let [header, banner_area, tabs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner.len() as u16),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, &ctx);
    frame.render_widget(Paragraph::new(banner), banner_area);
    draw_tabs(frame, tabs, &ctx);
    match state.assessment {
        None => frame.render_widget(
            Paragraph::new("reading the device…").block(ctx.block(" ssetop ")),
            body,
        ),
        Some(_) => match state.pane {
            Pane::Overview => overview::draw(frame, body, &ctx),
            Pane::Connections => connections::draw(frame, body, &ctx),
            Pane::Routes => routes::draw(frame, body, &ctx),
            Pane::Dns => dns::draw(frame, body, &ctx),
            Pane::Timeline => timeline::draw(frame, body, &ctx),
        },
    }
    draw_footer(frame, footer, &ctx);
    if let Some(overlay) = &state.explain {
        explain::draw(frame, area, &ctx, overlay);
    }
    if state.show_help {
        draw_help(frame, area, &ctx);
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let text = format!(
        "terminal too small: {}x{}, ssetop needs {MIN_WIDTH}x{MIN_HEIGHT} (q quits)",
        area.width, area.height
    );
    frame.render_widget(
        Paragraph::new(text)
            .style(ctx.theme.slots.verdict_warn.0)
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn draw_header(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let slots = &ctx.theme.slots;
    let sep = Span::styled(format!(" {} ", ctx.glyphs.separator()), slots.header.0);
    let mut spans = vec![Span::styled(" ssetop", slots.header.0)];
    let a = ctx.state.assessment.as_ref();
    if let Some(a) = a {
        let verdict_status = match a.verdict {
            Verdict::Ok => Status::Pass,
            Verdict::Warn => Status::Warn,
            Verdict::Fail => Status::Fail,
        };
        spans.push(sep.clone());
        spans.push(Span::styled(
            format!(
                "{} {}",
                ctx.glyphs.verdict(a.verdict),
                a.verdict.id().to_uppercase()
            ),
            ctx.status_style(verdict_status),
        ));
    }
    // What the user must not miss comes first; the rest may be cut on narrow terminals.
    if let Some(replay) = &ctx.state.replay {
        spans.push(sep.clone());
        spans.push(Span::styled(
            format!(
                "REPLAY {} {}/{}",
                if replay.playing {
                    ctx.glyphs.playing()
                } else {
                    ctx.glyphs.paused()
                },
                replay.position + 1,
                replay.total
            ),
            slots.header.0,
        ));
    } else if ctx.state.paused {
        spans.push(sep.clone());
        spans.push(Span::styled(
            format!("{} PAUSED", ctx.glyphs.paused()),
            slots.header.0,
        ));
    }
    if ctx.state.recording.is_some() {
        spans.push(sep.clone());
        spans.push(Span::styled("REC", slots.header.0));
    }
    if let Some(a) = a
        && !a.host.elevated
        && alerts_hide_notices(a)
    {
        // The banner's line for the notice is taken by the alerts: a short form here instead.
        spans.push(sep.clone());
        spans.push(Span::styled("i not elevated", slots.header.0));
    }
    if let Some(a) = a {
        spans.push(sep.clone());
        // Live: when the device was last read (the assessment's own time is its last change).
        let shown_at = ctx
            .state
            .sampled_at
            .map_or(a.taken_at, |t| t.max(a.taken_at));
        spans.push(Span::styled(
            shown_at.strftime("%H:%M:%S UTC").to_string(),
            slots.header.0,
        ));
        spans.push(sep.clone());
        spans.push(Span::styled(
            format!(
                "setup {}{}",
                a.setup.id,
                match a.setup.source {
                    crate::assessment::SetupSource::Detected => "",
                    crate::assessment::SetupSource::Option => " (--setup)",
                }
            ),
            slots.header.0,
        ));
        spans.push(sep);
        spans.push(Span::styled(a.host.name.clone(), slots.header.0));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(slots.header.0),
        area,
    );
}

/// Whether the banner shows alerts where it would otherwise show a notice (the header then
/// carries the unprivileged notice in short).
fn alerts_hide_notices(a: &crate::assessment::Assessment) -> bool {
    !a.alerts.is_empty() && !a.notices.is_empty()
}

/// The alert banner (most severe first), or the unprivileged notice, or failing sources.
fn banner_lines(ctx: &Ctx, width: u16) -> Vec<Line<'static>> {
    let slots = &ctx.theme.slots;
    let width = width as usize;
    let Some(a) = &ctx.state.assessment else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let mut alerts: Vec<&crate::assessment::Alert> = a.alerts.iter().collect();
    alerts.sort_by_key(|x| std::cmp::Reverse(x.severity));
    for alert in alerts.iter().take(2) {
        let (style, status) = match alert.severity {
            Severity::Fail => (slots.alert_fail.0, Status::Fail),
            Severity::Warn => (slots.alert.0, Status::Warn),
        };
        let text = format!(
            " {} {}: {}",
            ctx.glyphs.status(status),
            alert.severity.id().to_uppercase(),
            alert.summary
        );
        lines.push(Line::styled(ctx.truncate(&text, width), style));
    }
    if lines.is_empty() {
        if let Some(notice) = a.notices.first() {
            // Two lines when one is too short: the notice ends with its advice ("run as
            // root"), which a cut at 80 columns lost.
            for line in wrap_in_two(&format!(" i {notice}"), width) {
                lines.push(Line::styled(ctx.truncate(&line, width), slots.notice.0));
            }
        } else if let Some(source) = a.sources.iter().find(|s| {
            matches!(
                s.status,
                crate::snapshot::SourceStatus::Failed | crate::snapshot::SourceStatus::Timeout
            )
        }) {
            lines.push(Line::styled(
                ctx.truncate(&format!(" ! {}: {}", source.name, source.detail), width),
                slots.verdict_warn.0,
            ));
        }
    }
    if let Some(replay) = &ctx.state.replay
        && let Some(warning) = replay.warnings.first()
    {
        lines.push(Line::styled(
            ctx.truncate(&format!(" ! capture: {warning}"), width),
            slots.verdict_warn.0,
        ));
    }
    lines
}

/// `text` in one line of `width`, or in two: when it ends with advice after a `; ` ("…; run
/// as root to see everything"), the advice whole on the second line and the rest cut on the
/// first; otherwise broken at a space (the caller cuts what is still too long).
fn wrap_in_two(text: &str, width: usize) -> Vec<String> {
    if text.chars().count() <= width {
        return vec![text.to_string()];
    }
    if let Some((before, advice)) = text.rsplit_once("; ") {
        return vec![format!("{before};"), format!("   {advice}")];
    }
    let fits: usize = text
        .char_indices()
        .nth(width)
        .map_or(text.len(), |(byte, _)| byte);
    match text[..fits].rfind(' ').filter(|&at| at > 3) {
        Some(at) => vec![
            text[..at].to_string(),
            format!("   {}", text[at..].trim_start()),
        ],
        None => vec![text.to_string()],
    }
}

fn draw_tabs(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let slots = &ctx.theme.slots;
    let mut spans = Vec::new();
    for (i, pane) in Pane::ALL.iter().enumerate() {
        let active = *pane == ctx.state.pane;
        let count = ctx
            .state
            .assessment
            .as_ref()
            .map(|a| match pane {
                Pane::Overview => {
                    let count = |s: Status| a.checks.iter().filter(|c| c.status == s).count();
                    match (count(Status::Fail), count(Status::Warn)) {
                        (0, 0) => String::new(),
                        (0, warn) => format!(" {warn}{}", ctx.glyphs.status(Status::Warn)),
                        (fail, _) => format!(" {fail}{}", ctx.glyphs.status(Status::Fail)),
                    }
                }
                Pane::Connections => format!(" {}", a.connections.len()),
                Pane::Routes => format!(" {}", a.routes.len()),
                Pane::Dns => format!(" {}", a.dns.len()),
                Pane::Timeline => format!(" {}", a.events.len()),
            })
            .unwrap_or_default();
        let label = format!(" {} {}{count} ", i + 1, pane.title());
        let style = if active {
            slots.tab_active.0
        } else {
            slots.tab.0
        };
        // Brackets mark the active tab where colour cannot.
        let label = if active {
            format!("[{}]", label.trim())
        } else {
            label
        };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let slots = &ctx.theme.slots;
    let state = ctx.state;
    let line = if state.editing_filter {
        Line::from(vec![
            Span::styled(" filter: ", slots.key.0),
            Span::styled(format!("{}_", state.filter()), slots.text.0),
            Span::styled("  Enter keep  Esc clear", slots.muted.0),
        ])
    } else if let Some(message) = &state.message {
        Line::styled(format!(" {message}"), slots.notice.0)
    } else {
        let mut keys: Vec<(&str, &str)> = vec![("q", "quit"), ("?", "help"), ("Tab", "pane")];
        keys.push(("/", "filter"));
        if state.pane == Pane::Connections {
            keys.push(("s", "sort"));
            keys.push(("g", "group"));
        }
        if state.replay.is_some() {
            keys.push(("p", "play"));
            keys.push(("[ ]", "step"));
        } else {
            keys.push(("p", "pause"));
        }
        keys.push(("e", "export"));
        let mut spans = probe_spans(ctx);
        for (key, what) in keys {
            spans.push(Span::styled(format!(" {key}"), slots.key.0));
            spans.push(Span::styled(format!(" {what} "), slots.muted.0));
        }
        if !state.filter().is_empty() {
            spans.push(Span::styled(
                format!(" filter \"{}\"", state.filter()),
                slots.notice.0,
            ));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The footer's word on the probes: running, or when the results shown were probed and how
/// long before the last sample (they stay until the next probe).
fn probe_spans(ctx: &Ctx) -> Vec<Span<'static>> {
    let slots = &ctx.theme.slots;
    let probe = &ctx.state.probe;
    let text = if probe.running {
        format!(" probing{} ", ctx.glyphs.ellipsis())
    } else if probe.failed.is_some() {
        " probe failed ".to_string()
    } else if let Some(at) = probe.finished_at {
        let now = ctx
            .state
            .sampled_at
            .or(ctx.state.assessment.as_ref().map(|a| a.taken_at))
            .unwrap_or(at);
        let seconds = at.duration_until(now).as_secs().max(0);
        let age = match seconds {
            s if s < 60 => format!("{s}s"),
            s if s < 3600 => format!("{}m", s / 60),
            s => format!("{}h", s / 3600),
        };
        format!(" probed {} ({age} ago) ", at.strftime("%H:%M:%S"))
    } else {
        return Vec::new();
    };
    vec![Span::styled(text, slots.notice.0)]
}

fn draw_help(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let slots = &ctx.theme.slots;
    let width = area.width.saturating_sub(4).min(76);
    let inner = width.saturating_sub(2) as usize;
    let key_width = KEYS.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut lines: Vec<Line> = Vec::new();
    for (key, what) in KEYS {
        if key_width + 2 + what.chars().count() <= inner {
            lines.push(Line::from(vec![
                Span::styled(format!("{key:<key_width$}  "), slots.key.0),
                Span::styled(*what, slots.text.0),
            ]));
        } else {
            // Narrow: the key on its line, what it does indented below (one line each, so
            // that the scroll counts lines exactly).
            lines.push(Line::styled(*key, slots.key.0));
            lines.push(Line::styled(
                ctx.truncate(&format!("  {what}"), inner),
                slots.text.0,
            ));
        }
    }
    lines.push(Line::styled(
        ctx.truncate("any other key closes this help", inner),
        slots.muted.0,
    ));
    let total = lines.len() as u16;
    let height = (total + 2).min(area.height.saturating_sub(2));
    let visible = height.saturating_sub(2);
    let offset = ctx.state.help_scroll.min(total.saturating_sub(visible));
    let title = if total > visible {
        format!(
            " Keys {}-{} of {total}, j/k scroll ",
            offset + 1,
            offset + visible
        )
    } else {
        " Keys ".to_string()
    };
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(ctx.block(title))
            .scroll((offset, 0))
            .alignment(Alignment::Left),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn scrub_shows_a_bidirectional_override_as_a_question_mark_and_keeps_the_row_width() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 12, 1));
        buffer.set_string(0, 0, "exefdp.exe", Style::default());
        // ratatui's own string writer drops zero-width characters; a widget that sets a
        // cell's symbol directly does not.
        buffer.content[2].set_symbol("e\u{202e}");
        super::scrub(&mut buffer);
        let row: String = buffer.content.iter().map(|c| c.symbol()).collect();
        assert!(!row.chars().any(crate::safe_text::needs_escape), "{row:?}");
        assert!(row.starts_with("ex?fdp.exe"), "{row:?}");
        assert_eq!(buffer.content.len(), 12);
    }
}
