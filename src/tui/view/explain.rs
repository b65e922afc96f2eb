//! The explain overlay (`x` on the Connections pane): `ssetop explain`'s walk for the selected
//! connection's remote address, port and transport, scrollable, over the pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::Ctx;
use crate::tui::state::{ExplainOverlay, explain_inner_width};

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, overlay: &ExplainOverlay) {
    let slots = &ctx.theme.slots;
    let width = area.width.saturating_sub(4).min(110);
    let inner = explain_inner_width(area.width);
    let height = area.height.saturating_sub(2);
    let visible = height.saturating_sub(2) as usize;
    let lines = overlay.wrapped(inner);
    let total = lines.len();
    let offset = (overlay.scroll as usize).min(total.saturating_sub(visible));
    let q = &overlay.query;
    // Esc before the position: a narrow title cut keeps how to close.
    let place = if total > visible {
        format!(
            ", lines {}-{}/{total} j/k",
            offset + 1,
            (offset + visible).min(total)
        )
    } else {
        String::new()
    };
    let title = ctx.truncate(
        &format!(
            " Explain {} {}/{}, Esc closes{place} ",
            q.destination,
            q.protocol.id(),
            q.port
        ),
        width.saturating_sub(2) as usize,
    );
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(offset)
        .take(visible)
        .map(|line| {
            // A path's heading (`[1/2] 10.0.0.5 (private) -> ...`) stands out.
            let style = if line.starts_with('[') || line.starts_with("explain ") {
                slots.title.0
            } else if line.starts_with("  cannot see:") || line.starts_with("  note:") {
                slots.muted.0
            } else {
                slots.text.0
            };
            Line::styled(line, style)
        })
        .collect();
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(shown).block(ctx.block(title)), popup);
}
