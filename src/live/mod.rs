//! Reading this device: the runtime every mode runs on, the shutdown signal, the command line
//! turned into collection and analysis configuration, the recording, and the one
//! sample → record → analyse → publish loop behind both the dashboard and a headless
//! recording; `--once` takes one snapshot through the same record and analyse steps.

mod config;
pub(crate) mod explain;
pub(crate) mod flow_test;
mod once;
mod probes;
mod recording;
mod sampling;

pub(crate) use config::{analysis_options, check_profile_file, collect_config, with_zpa_ranges};
pub(crate) use once::once;
pub(crate) use recording::Recording;
pub(crate) use sampling::{Answer, LiveFeed, Request, record_headless, start_dashboard_feed};

use std::future::Future;

use crate::error::AppError;

/// The async runtime every mode uses: two workers (collectors, analysis, the UI).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| AppError::Io(format!("cannot start the async runtime: {e}")))
}

/// Runs `work` to its end on a fresh runtime. Blocking OS calls of collectors that overran
/// cannot be cancelled: they are not waited for.
pub(crate) fn run_to_end<T>(work: impl Future<Output = T>) -> Result<T, AppError> {
    let runtime = runtime()?;
    let result = runtime.block_on(work);
    runtime.shutdown_background();
    Ok(result)
}

/// Resolves on Ctrl-C, SIGTERM, SIGHUP (the SSH session went away) or SIGQUIT (`Ctrl-\\`,
/// whose default would leave the terminal raw and on the alternate screen).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hangup), Ok(mut quit)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::quit()),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            _ = hangup.recv() => {}
            _ = quit.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
