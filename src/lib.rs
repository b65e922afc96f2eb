//! ssetop: which tunnel carries each connection on a device where Microsoft Global Secure
//! Access runs beside Zscaler Client Connector or Palo Alto GlobalProtect.
//!
//! Data flows one way: [`collect`] (per-OS collectors) → [`snapshot`] (plain data) →
//! [`analysis`] (pure: attribution, checks, timeline, alerts) → [`assessment`] (the views'
//! only contract) → views ([`report`] for `--once`, [`tui`] for the dashboard, [`capture`] for
//! recordings; [`replay`] decides what a replay judges with). [`knowledge`] is the embedded
//! data about the vendors that the analysis reads.

pub mod analysis;
pub mod app;
pub mod assessment;
pub mod capture;
pub mod cli;
pub mod collect;
pub(crate) mod error;
pub(crate) mod input_file;
pub mod knowledge;
pub mod live;
pub(crate) mod probe;
pub mod replay;
pub mod report;
pub mod safe_text;
pub mod snapshot;
pub mod tui;
pub mod util;
