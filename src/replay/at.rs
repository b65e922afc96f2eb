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
    /// `--replay --once`: the report at `--at`, else at the capture's end.
    pub(crate) fn for_report(at: Option<&str>, capture: &Capture) -> Result<ReplayStart, AppError> {
        let index = match at {
            None => capture.len() - 1,
            Some(text) => index_at(text, capture)?,
        };
        Ok(ReplayStart {
            index,
            playing: false,
        })
    }

    /// The dashboard: opened at a given moment, the replay waits there; otherwise it plays
    /// from the start.
    pub(crate) fn for_dashboard(
        at: Option<&str>,
        capture: &Capture,
    ) -> Result<ReplayStart, AppError> {
        Ok(match at {
            Some(text) => ReplayStart {
                index: index_at(text, capture)?,
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

/// The index of the last snapshot taken at or before `--at`. A moment outside the capture is
/// refused at both ends, in both modes: before the first snapshot there is nothing to show,
/// and after the last one the capture cannot say what the device did (the last snapshot
/// would pass for a state it may not have been in).
fn index_at(text: &str, capture: &Capture) -> Result<usize, AppError> {
    let at = resolve_at(text, capture)?;
    let (first, last) = capture.span();
    let span = crate::util::format_duration_exact(first.duration_until(last).unsigned_abs());
    if at > last {
        return Err(AppError::Usage(format!(
            "--at {text}: the capture ends earlier, at {last} (+{span})"
        )));
    }
    capture.index_at(at).ok_or_else(|| {
        AppError::Usage(format!("--at {text}: the capture starts later, at {first}"))
    })
}

/// An RFC 3339 time, or `+OFFSET` from the capture's first snapshot.
fn resolve_at(text: &str, capture: &Capture) -> Result<Timestamp, AppError> {
    let (start, _) = capture.span();
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
    fn at_outside_the_capture_is_refused_at_both_ends_in_both_modes() {
        let capture = capture();
        for (at, expected) in [
            (
                "2026-11-02T08:00:00Z",
                "--at 2026-11-02T08:00:00Z: the capture starts later, at 2026-11-02T09:00:00Z",
            ),
            (
                "+1h",
                "--at +1h: the capture ends earlier, at 2026-11-02T09:04:00Z (+4m)",
            ),
            (
                "+241s",
                "--at +241s: the capture ends earlier, at 2026-11-02T09:04:00Z (+4m)",
            ),
        ] {
            let report = ReplayStart::for_report(Some(at), &capture).unwrap_err();
            assert_eq!(report.to_string(), expected);
            let dashboard = ReplayStart::for_dashboard(Some(at), &capture).unwrap_err();
            assert_eq!(dashboard.to_string(), expected);
        }
        // The last snapshot's own moment is inside.
        assert_eq!(
            ReplayStart::for_report(Some("+4m"), &capture).unwrap(),
            start(24, false)
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
