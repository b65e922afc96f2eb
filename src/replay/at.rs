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

/// `--at` as a report and the dashboard read it, errors as text: the entry of the fuzz target
/// `replay_at` (fuzz/), which cannot name crate-private types.
#[doc(hidden)]
pub fn starts_at_for_fuzzing(
    at: &str,
    capture: &Capture,
) -> (Result<usize, String>, Result<usize, String>) {
    let index =
        |start: Result<ReplayStart, AppError>| start.map(|s| s.index).map_err(|e| e.to_string());
    (
        index(ReplayStart::for_report(Some(at), capture)),
        index(ReplayStart::for_dashboard(Some(at), capture)),
    )
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// 25 snapshots, 10 s apart, from 2026-11-02T09:00:00Z.
    fn capture() -> Capture {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/outage-heals.ndjson");
        Capture::load(&path).expect("the capture loads")
    }

    fn start(index: usize, playing: bool) -> ReplayStart {
        ReplayStart { index, playing }
    }

    #[test]
    fn without_at_a_report_is_of_the_end_and_the_dashboard_plays_from_the_start() {
        let capture = capture();
        assert_eq!(
            ReplayStart::for_report(None, &capture).unwrap(),
            start(24, false)
        );
        assert_eq!(
            ReplayStart::for_dashboard(None, &capture).unwrap(),
            start(0, true)
        );
    }

    #[test]
    fn at_an_offset_or_a_time_opens_paused_at_the_last_snapshot_taken_by_then() {
        let capture = capture();
        for at in ["+75s", "2026-11-02T09:01:15Z", "2026-11-02T10:01:15+01:00"] {
            assert_eq!(
                ReplayStart::for_report(Some(at), &capture).unwrap(),
                start(7, false),
                "{at}"
            );
            assert_eq!(
                ReplayStart::for_dashboard(Some(at), &capture).unwrap(),
                start(7, false),
                "{at}"
            );
        }
    }

    #[test]
    fn at_before_the_capture_has_no_report_and_opens_the_dashboard_at_the_start() {
        let capture = capture();
        let at = Some("2026-11-02T08:00:00Z");
        let error = ReplayStart::for_report(at, &capture).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--at 2026-11-02T08:00:00Z: the capture starts later, at 2026-11-02T09:00:00Z"
        );
        assert_eq!(
            ReplayStart::for_dashboard(at, &capture).unwrap(),
            start(0, false)
        );
    }

    #[test]
    fn a_malformed_at_is_a_usage_error_in_both_modes() {
        let capture = capture();
        for at in ["+ten", "yesterday"] {
            assert!(matches!(
                ReplayStart::for_report(Some(at), &capture),
                Err(AppError::Usage(_))
            ));
            assert!(matches!(
                ReplayStart::for_dashboard(Some(at), &capture),
                Err(AppError::Usage(_))
            ));
        }
    }
}
