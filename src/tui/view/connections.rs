//! Connections: one row per socket with its carrier (symbol and text, colour on top), and the
//! selected row's evidence.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Wrap};

use super::Ctx;
use super::columns::{Grid, col};
use crate::assessment::Connection;
use crate::tui::state::ConnectionLine;

fn process(c: &Connection) -> String {
    match (&c.process, c.pid) {
        (Some(name), Some(pid)) => format!("{name} ({pid})"),
        (None, Some(pid)) => format!("pid {pid}"),
        // The row says why; the evidence panel has the whole note.
        _ if c
            .owner_note
            .as_deref()
            .is_some_and(|n| n.contains("elevated")) =>
        {
            "? (needs elevation)".to_string()
        }
        _ => "? (none)".to_string(),
    }
}

fn remote(c: &Connection) -> String {
    match (c.socket.remote, &c.remote_name) {
        (Some(r), Some(name)) => format!("{r} ({name})"),
        (Some(r), None) => r.to_string(),
        // The local address is not a remote one: the row says why there is none.
        (None, _) if c.socket.is_listening() => "(listening)".to_string(),
        (None, _) => "(no peer)".to_string(),
    }
}

/// The evidence panel's first line after the carrier: `tcp L -> R STATE, process, channel`,
/// or without a peer `tcp L listening, process` (no arrow to an address that is not one).
#[allow(
    clippy::indexing_slicing,
    reason = "rows hold positions in the assessment's connections; an endpoint line has at least its first part"
)]
fn endpoints_line(c: &Connection) -> String {
    let mut parts = vec![match c.socket.remote {
        Some(_) => format!(
            "{} {} -> {}",
            c.socket.protocol.id(),
            c.socket.local,
            remote(c)
        ),
        None if c.socket.is_listening() => {
            format!("{} {} listening", c.socket.protocol.id(), c.socket.local)
        }
        None => format!("{} {} (no peer)", c.socket.protocol.id(), c.socket.local),
    }];
    if let Some(state) = c.socket.state.as_deref().filter(|s| !s.is_empty())
        && (c.socket.remote.is_some() || !c.socket.is_listening())
    {
        parts[0] = format!("{} {state}", parts[0]);
    }
    parts.push(process(c));
    if let Some(channel) = c.attribution.channel {
        parts.push(format!("channel {channel}"));
    }
    parts.join(", ")
}

#[allow(
    clippy::indexing_slicing,
    reason = "rows hold positions in the assessment's connections; an endpoint line has at least its first part"
)]
pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let Some(a) = &ctx.state.assessment else {
        return;
    };
    let slots = &ctx.theme.slots;
    let detail_height = if ctx.state.show_detail { 7 } else { 0 };
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(detail_height)]).areas(area);
    let columns = [
        col("Carrier", 1, 15, 0),
        col("Process", 2, 17, 2),
        col("Proto", 5, 5, 0),
        col("Remote", 1, 20, 3),
        col("Channel", 3, 8, 0),
        col("Conf.", 4, 9, 0),
        col("Via", 6, 10, 1),
        col("State", 7, 11, 0),
    ];
    let grid = Grid::fit(&columns, table_area.width.saturating_sub(4));
    let lines = ctx.state.connection_lines();
    let selected = ctx.state.selected();
    let mut display_selected = None;
    let mut item = 0;
    let rows: Vec<Row> = lines
        .iter()
        .enumerate()
        .map(|(n, line)| match *line {
            ConnectionLine::Group(carrier, count) => Row::new(vec![Line::from(vec![
                ctx.carrier_span(carrier),
                Span::styled(format!(" ({count})"), slots.group.0),
            ])])
            .style(slots.group.0),
            ConnectionLine::Item(i) => {
                if item == selected {
                    display_selected = Some(n);
                }
                item += 1;
                let c = &a.connections[i];
                let process_width = grid.width_of(1).unwrap_or(0) as usize;
                let cells = [
                    ctx.carrier_span(c.attribution.carrier),
                    Span::styled(ctx.truncate(&process(c), process_width), slots.text.0),
                    Span::styled(c.socket.protocol.id(), slots.text.0),
                    Span::styled(remote(c), slots.text.0),
                    // A tunnel inside another client's tunnel is marked where the channel
                    // goes, in the warning colour; the evidence panel names both vendors.
                    match c.attribution.nested() {
                        Some(_) => Span::styled("nested", slots.verdict_warn.0),
                        None => Span::styled(
                            c.attribution.channel.map(|ch| ch.id()).unwrap_or("-"),
                            slots.text.0,
                        ),
                    },
                    Span::styled(c.attribution.confidence.id(), slots.muted.0),
                    Span::styled(
                        c.attribution
                            .interface
                            .clone()
                            .unwrap_or_else(|| "-".into()),
                        slots.muted.0,
                    ),
                    Span::styled(
                        c.socket.state.clone().unwrap_or_else(|| "-".into()),
                        slots.muted.0,
                    ),
                ];
                grid.row(&cells)
            }
        })
        .collect();
    let shown = ctx.state.connections().len();
    let title = format!(
        " Connections: {shown} of {}, sorted by {}{} ",
        a.connections.len(),
        ctx.state.sort.label(),
        if ctx.state.group_by_carrier {
            ", grouped"
        } else {
            ""
        }
    );
    ctx.draw_table(frame, table_area, &grid, rows, title, display_selected);
    if !ctx.state.show_detail {
        return;
    }
    let rows = ctx.state.connections();
    let Some(c) = rows.get(selected).map(|&i| &a.connections[i]) else {
        let empty = if ctx.state.filter().is_empty() {
            "no connection seen"
        } else {
            "no connection matches the filter"
        };
        frame.render_widget(
            Paragraph::new(empty).block(ctx.block(" Evidence ")),
            detail_area,
        );
        return;
    };
    let mut text = vec![
        Line::from(vec![
            ctx.carrier_span(c.attribution.carrier),
            Span::styled(format!(" {}", endpoints_line(c)), slots.text.0),
        ]),
        Line::styled(
            format!(
                "confidence {}{}{}",
                c.attribution.confidence.id(),
                c.attribution
                    .interface
                    .as_ref()
                    .map(|i| format!(", leaves via {i}"))
                    .unwrap_or_default(),
                c.owner_note
                    .as_ref()
                    .map(|n| format!("; {n}"))
                    .unwrap_or_default()
            ),
            slots.muted.0,
        ),
    ];
    if let Some((inner, outer)) = c.attribution.nested() {
        text.insert(
            1,
            Line::styled(
                format!(
                    "nested: {}'s tunnel runs inside {}'s (see the nested-tunnel check)",
                    inner.label(),
                    outer.label()
                ),
                slots.verdict_warn.0,
            ),
        );
    }
    text.extend(
        c.attribution
            .evidence
            .iter()
            .map(|e| Line::styled(format!("- {e}"), slots.text.0)),
    );
    frame.render_widget(
        Paragraph::new(text)
            .block(ctx.block(" Evidence (Enter hides, x explains) "))
            .wrap(Wrap { trim: true }),
        detail_area,
    );
}
