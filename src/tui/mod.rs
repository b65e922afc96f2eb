//! The dashboard (ratatui). Work in progress: see issue 3.

pub mod theme;

use std::sync::Arc;

use crate::app::AppError;
use crate::capture::Capture;
use crate::cli::Options;
use crate::knowledge::Knowledge;
use theme::Theme;

pub fn run_live(
    _options: &Options,
    _knowledge: Arc<Knowledge>,
    _theme: Theme,
) -> Result<u8, AppError> {
    Err(AppError::Usage(
        "the dashboard is not built yet; use --once".into(),
    ))
}

pub fn run_replay(
    _options: &Options,
    _knowledge: Arc<Knowledge>,
    _capture: Capture,
    _theme: Theme,
) -> Result<u8, AppError> {
    Err(AppError::Usage(
        "the dashboard is not built yet; use --once --replay".into(),
    ))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
