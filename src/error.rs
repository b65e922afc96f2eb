//! The one error of a run: "the probe could not run" (bad arguments and bad input included),
//! which every mode reports the same way and ends with exit code 3.

/// Exit code when the probe could not run (bad arguments or input included).
pub(crate) const EXIT_ERROR: u8 = 3;

#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Knowledge(#[from] crate::knowledge::KnowledgeError),
    #[error(transparent)]
    Capture(#[from] crate::capture::CaptureError),
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Io(String),
}
