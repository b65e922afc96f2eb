//! Timeline: what changed between refreshes, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::Ctx;
use super::columns::{Grid, col};
use crate::assessment::{Carrier, EventKind};

fn kind_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::InterfaceUp => "if up",
        EventKind::InterfaceDown => "if down",
        EventKind::InterfaceAdded => "if new",
        EventKind::InterfaceRemoved => "if gone",
        EventKind::AddressAdded => "addr +",
        EventKind::AddressRemoved => "addr -",
        EventKind::RouteAdded => "route +",
        EventKind::RouteRemoved => "route -",
        EventKind::ProcessStarted => "started",
        EventKind::ProcessStopped => "stopped",
        EventKind::TunnelEstablished => "tunnel +",
        EventKind::TunnelLost => "tunnel -",
        EventKind::DnsChanged => "dns",
        EventKind::AlertRaised => "ALERT",
        EventKind::AlertEscalated => "ALERT ++",
        EventKind::AlertClosed => "alert end",
    }
}

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let slots = &ctx.theme.slots;
    let events = ctx.state.events();
    let columns = [
        col("Time", 1, 12, 0),
        col("What", 2, 9, 0),
        col("Vendor", 3, 15, 0),
        col("Event", 1, 20, 1),
    ];
    let grid = Grid::fit(&columns, area.width.saturating_sub(4));
    let rows = events.iter().map(|e| {
        let alert = matches!(
            e.kind,
            EventKind::AlertRaised | EventKind::AlertEscalated | EventKind::AlertClosed
        );
        let what_style = if alert {
            slots.verdict_warn.0
        } else {
            slots.muted.0
        };
        let vendor = match e.vendor {
            Some(v) => ctx.carrier_span(Carrier::from(v)),
            None => Span::styled("-", slots.muted.0),
        };
        let cells = [
            Span::styled(e.at.strftime("%H:%M:%S UTC").to_string(), slots.muted.0),
            Span::styled(kind_label(e.kind), what_style),
            vendor,
            Span::styled(e.text.clone(), slots.text.0),
        ];
        grid.row(&cells)
    });
    let title = if events.is_empty() && !ctx.state.filter().is_empty() {
        " Timeline: no event matches the filter ".to_string()
    } else if events.is_empty() {
        " Timeline: nothing has changed since ssetop started ".to_string()
    } else {
        format!(" Timeline: {} events, newest first ", events.len())
    };
    let selected = Some(ctx.state.selected());
    ctx.draw_table(frame, area, &grid, rows.collect(), title, selected);
}
