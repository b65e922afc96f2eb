//! `--replay FILE --once`: the report at `--at` (else at the capture's end), with its `replay`
//! section; the replay's warnings on stderr too.

use super::{ReplayEngine, ReplaySettings, ReplayStart};
use crate::capture::Capture;
use crate::error::AppError;
use crate::input_file::Deadline;
use crate::report::Report;
use crate::safe_text;

/// The report and the exit code of its verdict, by `deadline`: analysing every snapshot up
/// to the one reported on is part of the run, like reading the file.
pub(crate) fn once(
    at: Option<&str>,
    settings: ReplaySettings,
    capture: Capture,
    deadline: &Deadline,
) -> Result<(Report, u8), AppError> {
    let start = ReplayStart::for_report(at, &capture)?;
    let engine = ReplayEngine::open(capture, settings, start, Some(deadline))
        .map_err(|e| AppError::Input(e.to_string()))?;
    let assessment = engine.assessment();
    let status = engine.status();
    let mut report = Report::new(&assessment, &engine.knowledge().origin);
    report.replay = Some(status.section());
    for warning in &status.warnings {
        eprintln!("ssetop: warning: {}", safe_text::output(warning));
    }
    Ok((report, assessment.verdict.exit_code()))
}
