//! Everything about replaying a capture (`--replay FILE`): what it judges with
//! ([`settings`]), where it opens (`--at`, [`at`]), the engine that steps and seeks through the
//! snapshots with the same analysis as live ([`engine`]), where it stands ([`ReplayStatus`],
//! from which the report's `replay` section is built, once), and `--replay --once`.

mod at;
mod engine;
mod once;
mod settings;

pub(crate) use at::ReplayStart;
#[doc(hidden)]
pub use at::starts_at_for_fuzzing;
pub(crate) use engine::ReplayEngine;
pub use engine::{ReplayStatus, replay_until};
pub(crate) use once::once;
pub(crate) use settings::ReplaySettings;
