//! `--at`: the moment of a capture a replay opens at.

use jiff::Timestamp;

use crate::capture::Capture;
use crate::error::AppError;

/// Where a replay opens: a snapshot, playing or waiting there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplayStart {
    pub(crate) index: usize,
    pub(crate) playing: bool,
}

impl ReplayStart {
    /// `--replay --once`: the report at `--at`, else at the capture's end. A time before the
    /// capture's first snapshot has no report: an error.
    pub(crate) fn for_report(at: Option<&str>, capture: &Capture) -> Result<ReplayStart, AppError> {
        let index = match at {
            None => capture.snapshots.len() - 1,
            Some(text) => index_at(text, capture)?.ok_or_else(|| {
                AppError::Usage(format!(
                    "--at {text}: the capture starts later, at {}",
                    capture.snapshots[0].taken_at
                ))
            })?,
        };
        Ok(ReplayStart {
            index,
            playing: false,
        })
    }

    /// The dashboard: opened at a given moment (the first snapshot, if the capture starts
    /// later), the replay waits there; otherwise it plays from the start.
    pub(crate) fn for_dashboard(
        at: Option<&str>,
        capture: &Capture,
    ) -> Result<ReplayStart, AppError> {
        Ok(match at {
            Some(text) => ReplayStart {
                index: index_at(text, capture)?.unwrap_or(0),
                playing: false,
            },
            None => ReplayStart {
                index: 0,
                playing: true,
            },
        })
    }
}

/// The index of the last snapshot taken at or before `--at`; `None` when the capture starts
/// later.
fn index_at(text: &str, capture: &Capture) -> Result<Option<usize>, AppError> {
    Ok(capture.index_at(resolve_at(text, capture)?))
}

/// An RFC 3339 time, or `+OFFSET` from the capture's first snapshot.
fn resolve_at(text: &str, capture: &Capture) -> Result<Timestamp, AppError> {
    let start = capture.snapshots[0].taken_at;
    if let Some(offset) = text.strip_prefix('+') {
        let offset = crate::util::parse_duration(offset)
            .map_err(|e| AppError::Usage(format!("--at {text}: {e}")))?;
        let offset = jiff::SignedDuration::try_from(offset)
            .map_err(|e| AppError::Usage(format!("--at {text}: {e}")))?;
        return start
            .checked_add(offset)
            .map_err(|e| AppError::Usage(format!("--at {text}: {e}")));
    }
    text.parse::<Timestamp>().map_err(|e| {
        AppError::Usage(format!(
            "--at {text:?} is neither an RFC 3339 time nor +OFFSET: {e}"
        ))
    })
}
