//! Overview: each client with its state and processes; the checks, failing first, and the
//! selected check's evidence and remedy.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Ctx;
use super::columns::{Grid, col};
use crate::assessment::{Carrier, ClientState, Status};

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let Some(a) = &ctx.state.assessment else {
        return;
    };
    // The full layout needs the clients' table, a few check rows and the evidence; short
    // terminals (down to the 40x10 the README accepts) get the clients on one line and
    // checks rows before any evidence.
    let clients_height = a.clients.len() as u16 + 3;
    let compact = area.height < clients_height + 5 + 7;
    let detail_height = if ctx.state.show_detail && area.height >= clients_height + 5 + 7 {
        7
    } else {
        0
    };
    let [clients_area, checks_area, detail_area] = Layout::vertical([
        Constraint::Length(if compact { 1 } else { clients_height }),
        Constraint::Min(3),
        Constraint::Length(detail_height),
    ])
    .areas(area);
    if compact {
        draw_clients_line(frame, clients_area, ctx);
    } else {
        draw_clients(frame, clients_area, ctx);
    }
    draw_checks(frame, checks_area, ctx);
    if detail_height > 0 {
        draw_detail(frame, detail_area, ctx);
    }
}

/// The clients on one line, each as carrier and state (short terminals).
fn draw_clients_line(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let Some(a) = &ctx.state.assessment else {
        return;
    };
    let mut spans = Vec::new();
    for c in a.clients.iter().filter(|c| c.state != ClientState::Absent) {
        let status = match c.state {
            ClientState::Connected => Status::Pass,
            ClientState::Running => Status::Warn,
            ClientState::Stopped => Status::Fail,
            ClientState::Absent => Status::Skip,
        };
        spans.push(ctx.carrier_span(Carrier::from(c.vendor)));
        spans.push(Span::styled(
            format!(" {} {}  ", ctx.glyphs.status(status), c.state.id()),
            ctx.status_style(status),
        ));
    }
    if spans.is_empty() {
        spans.push(Span::styled("no client found", ctx.theme.slots.muted.0));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_clients(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let Some(a) = &ctx.state.assessment else {
        return;
    };
    let slots = &ctx.theme.slots;
    let columns = [
        col("Client", 1, 15, 0),
        col("State", 1, 12, 0),
        col("Tunnels", 3, 7, 0),
        col("Processes and adapters", 2, 12, 1),
    ];
    let grid = Grid::fit(&columns, area.width.saturating_sub(2));
    let rows = a.clients.iter().map(|c| {
        let status = match c.state {
            ClientState::Connected => Status::Pass,
            ClientState::Running => Status::Warn,
            ClientState::Stopped => Status::Fail,
            ClientState::Absent => Status::Skip,
        };
        let mut what: Vec<String> = c
            .processes
            .iter()
            .map(|p| format!("{} ({})", p.name, p.pid))
            .collect();
        what.extend(
            c.adapters
                .iter()
                .map(|ad| format!("adapter {} {}", ad.name, if ad.up { "up" } else { "down" })),
        );
        what.extend(
            c.services
                .iter()
                .map(|s| format!("service {} {}", s.name, s.state)),
        );
        let cells = [
            ctx.carrier_span(Carrier::from(c.vendor)),
            Span::styled(
                format!("{} {}", ctx.glyphs.status(status), c.state.id()),
                ctx.status_style(status),
            ),
            Span::styled(c.tunnel_sockets.len().to_string(), slots.text.0),
            Span::styled(what.join(", "), slots.text.0),
        ];
        grid.row(&cells)
    });
    ctx.draw_table(frame, area, &grid, rows.collect(), " Clients ".into(), None);
}

fn draw_checks(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let slots = &ctx.theme.slots;
    let checks = ctx.state.checks();
    // The Check column grows with the terminal; an id cut short shows the cut.
    let columns = [
        col("Status", 1, 7, 0),
        col("Check", 2, 24, 1),
        col("Summary", 1, 20, 2),
    ];
    let grid = Grid::fit(&columns, area.width.saturating_sub(4));
    let id_width = grid.width_of(1).unwrap_or(0) as usize;
    let rows = checks.iter().map(|c| {
        grid.row(&[
            ctx.status_span(c.status),
            Span::styled(ctx.truncate(&c.id, id_width), slots.text.0),
            Span::styled(c.summary.clone(), slots.text.0),
        ])
    });
    let failing = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warning = checks.iter().filter(|c| c.status == Status::Warn).count();
    let position = if checks.is_empty() {
        String::new()
    } else {
        format!(" ({}/{})", ctx.state.selected() + 1, checks.len())
    };
    let title = format!(" Checks: {failing} failing, {warning} warning{position} ");
    let selected = Some(ctx.state.selected());
    ctx.draw_table(frame, area, &grid, rows.collect(), title, selected);
}

fn draw_detail(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let slots = &ctx.theme.slots;
    let checks = ctx.state.checks();
    let Some(check) = checks.get(ctx.state.selected()) else {
        let empty = if ctx.state.filter().is_empty() {
            "no check"
        } else {
            "no check matches the filter"
        };
        frame.render_widget(Paragraph::new(empty).block(ctx.block(" Evidence ")), area);
        return;
    };
    let mut lines = vec![Line::from(vec![
        ctx.status_span(check.status),
        Span::styled(format!(" {}: {}", check.id, check.summary), slots.text.0),
    ])];
    if let Some(remedy) = &check.remedy {
        lines.push(Line::from(vec![
            Span::styled("fix: ", slots.key.0),
            Span::styled(remedy.clone(), slots.text.0),
        ]));
    }
    lines.extend(
        check
            .evidence
            .iter()
            .map(|e| Line::styled(format!("- {e}"), slots.muted.0)),
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(ctx.block(" Evidence (Enter hides) "))
            .wrap(Wrap { trim: true }),
        area,
    );
}
