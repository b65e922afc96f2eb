//! DNS: GSA's edge names, their status and answers, whether each answer is in GSA's ranges,
//! and the route it takes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Ctx;
use super::columns::{Grid, col};
use crate::assessment::{Carrier, Status};
use crate::knowledge::Vendor;
use crate::snapshot::{DnsAnswer, DnsStatus};

const GSA_SUFFIX: &str = ".globalsecureaccess.microsoft.com";

/// A short name for the table: the shared suffix dropped, a tenant id shown as `{tenant}` (as
/// the check ids write it: `edge-dns:{tenant}.m365.client…`).
fn short_name(name: &str, tenant: Option<&str>) -> String {
    let short = name.strip_suffix(GSA_SUFFIX).unwrap_or(name);
    match tenant {
        Some(t) if !t.is_empty() => short.replace(t, "{tenant}"),
        _ => short.to_string(),
    }
}

/// The detail panel's title, with the query's latency: the table's `ms` column is the first to
/// go on narrow terminals (it does not fit at 80 columns), and the title always shows.
fn detail_title(answer: &DnsAnswer) -> String {
    match answer.status {
        DnsStatus::Resolved => format!(" Answer in {} ms (Enter hides) ", answer.elapsed_ms),
        DnsStatus::Skipped => " Answer (Enter hides) ".to_string(),
        failed => format!(
            " No answer: {} after {} ms (Enter hides) ",
            failed.id(),
            answer.elapsed_ms
        ),
    }
}

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let slots = &ctx.theme.slots;
    let rows = ctx.state.dns();
    let detail_height = if ctx.state.show_detail { 6 } else { 0 };
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(detail_height)]).areas(area);
    let columns = [
        col("Name", 1, 24, 3),
        col("Status", 1, 10, 0),
        col("Answers", 2, 15, 1),
        col("In GSA", 2, 8, 0),
        col("Via", 3, 10, 1),
        col("ms", 4, 5, 0),
    ];
    let grid = Grid::fit(&columns, table_area.width.saturating_sub(4));
    let name_width = grid.width_of(0).unwrap_or(24) as usize;
    let tenant = ctx.state.assessment.as_ref().and_then(|a| {
        a.dns.iter().find_map(|d| {
            d.answer
                .name
                .split_once(".m365.client")
                .map(|(t, _)| t.to_string())
        })
    });
    let table_rows = rows.iter().map(|d| {
        // The status the analysis gave the name (the `edge-dns:<name>` check's), not a new one.
        let status = d.status;
        let answers: Vec<String> = d.answer.addresses.iter().map(ToString::to_string).collect();
        let in_gsa = if d.addresses.is_empty() {
            "-".to_string()
        } else if d.addresses.iter().all(|x| x.gsa_range.is_some()) {
            format!("{} yes", ctx.glyphs.status(Status::Pass))
        } else {
            format!("{} no", ctx.glyphs.status(Status::Warn))
        };
        let via = d
            .addresses
            .iter()
            .find_map(|x| {
                x.interface.as_ref().map(|dev| match x.vendor {
                    Some(v) => format!("{dev} {}", ctx.glyphs.carrier(Carrier::from(v))),
                    None => dev.clone(),
                })
            })
            .unwrap_or_else(|| "-".into());
        let cells = [
            Span::styled(
                ctx.truncate(&short_name(&d.answer.name, tenant.as_deref()), name_width),
                slots.text.0,
            ),
            Span::styled(
                format!("{} {}", ctx.glyphs.status(status), d.answer.status.id()),
                ctx.status_style(status),
            ),
            Span::styled(answers.join(", "), slots.text.0),
            Span::styled(in_gsa, slots.text.0),
            Span::styled(via, slots.muted.0),
            Span::styled(d.answer.elapsed_ms.to_string(), slots.muted.0),
        ];
        grid.row(&cells)
    });
    let position = if rows.is_empty() {
        String::new()
    } else {
        format!(" ({}/{})", ctx.state.selected() + 1, rows.len())
    };
    ctx.draw_table(
        frame,
        table_area,
        &grid,
        table_rows.collect(),
        format!(" GSA edge names (*.globalsecureaccess.microsoft.com){position} "),
        Some(ctx.state.selected()),
    );
    if !ctx.state.show_detail {
        return;
    }
    let Some(d) = rows.get(ctx.state.selected()) else {
        let reason = ctx
            .state
            .assessment
            .as_ref()
            .and_then(|a| a.sources.iter().find(|s| s.name == "dns"))
            .map_or_else(String::new, |s| s.detail.clone());
        frame.render_widget(
            Paragraph::new(format!("no DNS answers ({reason})")).block(ctx.block(" Answer ")),
            detail_area,
        );
        return;
    };
    let mut lines = vec![Line::styled(d.answer.name.clone(), slots.text.0)];
    if let Some(detail) = &d.answer.detail {
        lines.push(Line::styled(detail.clone(), slots.muted.0));
    }
    for x in &d.addresses {
        let status = x.status;
        let mut text = format!(" {}", x.address);
        match (x.gsa_range, x.synthetic) {
            (_, Some(v)) if v != Vendor::Gsa => text.push_str(&format!(
                ": in {}'s synthetic range (intercepted)",
                v.label()
            )),
            (Some(range), _) => text.push_str(&format!(": in GSA range {range}")),
            (None, _) => text.push_str(": outside GSA's ranges"),
        }
        if let Some(dev) = &x.interface {
            text.push_str(&format!(", leaves via {dev}"));
            if let Some(v) = x.vendor {
                text.push_str(&format!(" ({}'s adapter)", v.label()));
            }
        }
        lines.push(Line::from(vec![
            Span::styled(ctx.glyphs.status(status), ctx.status_style(status)),
            Span::styled(text, slots.text.0),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(ctx.block(detail_title(&d.answer)))
            .wrap(Wrap { trim: true }),
        detail_area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: DnsStatus, elapsed_ms: u64) -> DnsAnswer {
        DnsAnswer {
            name: "internet.edgediagnostic.globalsecureaccess.microsoft.com".into(),
            status,
            addresses: Vec::new(),
            elapsed_ms,
            detail: None,
            purpose: crate::snapshot::DnsPurpose::Edge,
        }
    }

    #[test]
    fn the_detail_title_carries_the_latency_the_narrow_table_drops() {
        assert_eq!(
            detail_title(&answer(DnsStatus::Resolved, 12)),
            " Answer in 12 ms (Enter hides) "
        );
        assert_eq!(
            detail_title(&answer(DnsStatus::Timeout, 2000)),
            " No answer: timeout after 2000 ms (Enter hides) "
        );
        assert_eq!(
            detail_title(&answer(DnsStatus::Nxdomain, 31)),
            " No answer: nxdomain after 31 ms (Enter hides) "
        );
        assert_eq!(
            detail_title(&answer(DnsStatus::Skipped, 0)),
            " Answer (Enter hides) "
        );
    }
}
