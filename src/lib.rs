//! ssetop: which tunnel carries each connection on a device where Microsoft Global Secure
//! Access runs beside Zscaler Client Connector or Palo Alto GlobalProtect.
//!
//! Data flows one way: [`collect`] (per-OS collectors) → [`snapshot`] (plain data) →
//! [`analysis`] (pure: attribution, checks, timeline, alerts) → [`assessment`] (the views'
//! only contract) → views ([`report`] for `--once` and exports, [`tui`] for the dashboard).
//! [`live`] wires this device (the runtime, `--once`, the one sample → record → analyse loop)
//! and [`replay`] a capture (settings, `--at`, the one replay engine); [`app`] turns options
//! into one of them and is imported by nothing. [`knowledge`] (the vendors' vocabulary and
//! facts), `safe_text`, [`util`] and [`capture`] serve every layer.
//!
//! The dependency rule, held by `tests/architecture.rs`: no import circle between these
//! top-level modules; nothing imports `app`; no view names anything under `analysis`.

// No panic reaches a user: what the device or a file says is never unwrapped or indexed
// unchecked. Tests may (clippy.toml); the few internal indexes that cannot fail say why where
// they are allowed.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

pub mod analysis;
pub mod app;
pub mod assessment;
pub mod capture;
pub(crate) mod cli;
pub mod collect;
pub(crate) mod error;
pub(crate) mod input_file;
pub mod knowledge;
pub mod live;
pub(crate) mod probe;
pub mod replay;
pub mod report;
pub(crate) mod safe_text;
pub mod snapshot;
pub mod tui;
pub mod util;
