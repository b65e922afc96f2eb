//! Routes: where each of GSA's eight ranges leaves the device, then the routing table with
//! the vendors' adapters marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;

use super::Ctx;
use super::columns::{Grid, col};
use crate::assessment::{Carrier, Status, table_name};
use crate::knowledge::Vendor;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let Some(a) = &ctx.state.assessment else {
        return;
    };
    let slots = &ctx.theme.slots;
    let ranges = a.gsa_ranges.as_deref().unwrap_or_default();
    let [ranges_area, table_area] = Layout::vertical([
        Constraint::Length(ranges.len().max(1) as u16 + 3),
        Constraint::Min(3),
    ])
    .areas(area);

    let range_columns = [
        col("GSA range", 1, 16, 0),
        col("Bypass", 1, 8, 0),
        col("Leaves via", 2, 14, 1),
        col("Route", 3, 20, 2),
    ];
    let ranges_grid = Grid::fit(&range_columns, ranges_area.width.saturating_sub(2));
    let rows = ranges.iter().filter_map(|path| {
        let first = path.pieces.first()?;
        let other = path
            .pieces
            .iter()
            .find(|p| p.vendor.is_some_and(|v| v != Vendor::Gsa));
        let dropped = path
            .pieces
            .iter()
            .any(|p| p.outcome == "drop" || p.outcome == "no-route");
        let status = if other.is_some() || dropped {
            Status::Fail
        } else {
            Status::Pass
        };
        let shown = other.unwrap_or(first);
        let via = match (&shown.interface, shown.vendor) {
            (Some(dev), Some(v)) => Span::styled(
                format!(
                    "{dev} {} {}",
                    ctx.glyphs.carrier(Carrier::from(v)),
                    v.label()
                ),
                ctx.carrier_style(Carrier::from(v)),
            ),
            (Some(dev), None) => Span::styled(dev.clone(), slots.text.0),
            (None, _) => Span::styled(shown.outcome, slots.verdict_fail.0),
        };
        let pieces = if path.pieces.len() > 1 {
            format!(" (+{} pieces)", path.pieces.len() - 1)
        } else {
            String::new()
        };
        let cells = [
            Span::styled(path.range.to_string(), slots.text.0),
            ctx.status_span(status),
            via,
            Span::styled(
                format!("{}{pieces}", shown.route.clone().unwrap_or_default()),
                slots.muted.0,
            ),
        ];
        Some(ranges_grid.row(&cells))
    });
    ctx.draw_table(
        frame,
        ranges_area,
        &ranges_grid,
        rows.collect(),
        " GSA service ranges: where they leave ".into(),
        None,
    );

    let columns = [
        col("Destination", 1, 18, 1),
        col("Gateway", 3, 15, 1),
        col("Interface", 1, 12, 1),
        col("Vendor", 2, 15, 0),
        col("Metric", 4, 6, 0),
        col("Table", 5, 7, 0),
        col("Type", 6, 11, 0),
    ];
    let grid = Grid::fit(&columns, table_area.width.saturating_sub(4));
    let routes = ctx.state.routes();
    let rows = routes.iter().map(|r| {
        let vendor = match r.vendor {
            Some(v) => ctx.carrier_span(Carrier::from(v)),
            None => Span::styled("-", slots.muted.0),
        };
        let cells = [
            Span::styled(r.route.destination.to_string(), slots.text.0),
            Span::styled(
                r.route
                    .gateway
                    .map(|g| g.to_string())
                    .unwrap_or_else(|| "-".into()),
                slots.text.0,
            ),
            Span::styled(
                r.route.interface.as_deref().unwrap_or("-").to_string(),
                slots.text.0,
            ),
            vendor,
            Span::styled(
                r.route
                    .metric
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "-".into()),
                slots.muted.0,
            ),
            Span::styled(
                r.route.table.map(table_name).unwrap_or_else(|| "-".into()),
                slots.muted.0,
            ),
            Span::styled(r.route.kind.id(), slots.muted.0),
        ];
        grid.row(&cells)
    });
    let title = format!(" Routing table: {} of {} ", routes.len(), a.routes.len());
    let selected = Some(ctx.state.selected());
    ctx.draw_table(frame, table_area, &grid, rows.collect(), title, selected);
}
