//! Table columns that drop out by priority when the terminal is narrow.

use ratatui::layout::Constraint;
use ratatui::text::Span;
use ratatui::widgets::Row;

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    /// 1 is kept longest.
    pub priority: u8,
    pub min: u16,
    /// Share of the spare width this column takes (0: none).
    pub grow: u16,
}

pub(super) const fn col(title: &'static str, priority: u8, min: u16, grow: u16) -> Column {
    Column {
        title,
        priority,
        min,
        grow,
    }
}

/// The columns that fit in `width` (in their display order) and each one's width.
#[allow(
    clippy::indexing_slicing,
    reason = "kept and by_priority hold positions in columns, made from 0..columns.len()"
)]
pub(super) fn fit(columns: &[Column], width: u16) -> (Vec<usize>, Vec<Constraint>) {
    let mut by_priority: Vec<usize> = (0..columns.len()).collect();
    by_priority.sort_by_key(|&i| (columns[i].priority, i));
    let mut kept = Vec::new();
    let mut used: u16 = 0;
    for i in by_priority {
        let gap = if kept.is_empty() { 0 } else { 1 };
        let need = columns[i].min.saturating_add(gap);
        if used.saturating_add(need) > width {
            // Priority is an order: a less important column never takes the place of a
            // more important one that did not fit.
            break;
        }
        used += need;
        kept.push(i);
    }
    kept.sort_unstable();
    let spare = width.saturating_sub(used);
    let shares: u16 = kept.iter().map(|&i| columns[i].grow).sum();
    let mut given = 0;
    let widths: Vec<Constraint> = kept
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let extra = if shares == 0 {
                0
            } else if n + 1 == kept.len() || kept[n + 1..].iter().all(|&j| columns[j].grow == 0) {
                // The last growing column takes the rounding remainder.
                if columns[i].grow > 0 {
                    spare - given
                } else {
                    0
                }
            } else {
                let e = (u32::from(spare) * u32::from(columns[i].grow) / u32::from(shares)) as u16;
                given += e;
                e
            };
            Constraint::Length(columns[i].min + extra)
        })
        .collect();
    (kept, widths)
}

/// The columns of one table that fit the width it is drawn at.
pub struct Grid<'c> {
    pub columns: &'c [Column],
    pub kept: Vec<usize>,
    pub widths: Vec<Constraint>,
}

impl<'c> Grid<'c> {
    pub fn fit(columns: &'c [Column], width: u16) -> Grid<'c> {
        let (kept, widths) = fit(columns, width);
        Grid {
            columns,
            kept,
            widths,
        }
    }

    /// A row of the kept columns' cells; `cells` holds one per column, in column order.
    pub fn row<'a>(&self, cells: &[Span<'a>]) -> Row<'a> {
        Row::new(
            self.kept
                .iter()
                .filter_map(|&i| cells.get(i).cloned())
                .collect::<Vec<_>>(),
        )
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "kept and by_priority hold positions in columns, made from 0..columns.len()"
    )]
    pub fn titles(&self) -> Row<'static> {
        Row::new(self.kept.iter().map(|&i| self.columns[i].title))
    }

    /// The drawn width of column `index`, when it is kept.
    pub fn width_of(&self, index: usize) -> Option<u16> {
        let position = self.kept.iter().position(|&i| i == index)?;
        match self.widths.get(position)? {
            Constraint::Length(n) => Some(*n),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 4] = [
        col("a", 1, 10, 1),
        col("b", 3, 10, 0),
        col("c", 2, 10, 1),
        col("d", 4, 10, 0),
    ];

    #[test]
    fn narrow_terminals_keep_the_most_important_columns_in_order() {
        assert_eq!(fit(&COLUMNS, 80).0, vec![0, 1, 2, 3]);
        assert_eq!(fit(&COLUMNS, 32).0, vec![0, 1, 2]);
        assert_eq!(fit(&COLUMNS, 21).0, vec![0, 2]);
        // A wide important column that does not fit is not replaced by a narrow lesser one
        // (Connections at 60 columns kept Proto and dropped Process).
        let wide_second = [col("a", 1, 10, 0), col("b", 2, 20, 0), col("c", 3, 5, 0)];
        assert_eq!(fit(&wide_second, 20).0, vec![0]);
        assert_eq!(fit(&COLUMNS, 10).0, vec![0]);
        assert!(fit(&COLUMNS, 5).0.is_empty());
    }

    #[test]
    fn spare_width_goes_to_growing_columns_and_adds_up() {
        let (kept, widths) = fit(&COLUMNS, 63);
        assert_eq!(kept.len(), 4);
        let total: u16 = widths
            .iter()
            .map(|c| match c {
                Constraint::Length(n) => *n,
                _ => 0,
            })
            .sum();
        assert_eq!(total + 3, 63);
        assert_eq!(widths[1], Constraint::Length(10), "b does not grow");
    }
}
