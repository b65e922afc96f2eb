//! Captures: a recording of snapshots as newline-delimited JSON, to hand a device's state to
//! someone else and replay it through the same analysis.
//!
//! Line 1 is a header (format version, ssetop version, host, OS, start time, options, the
//! knowledge base); line 2 is the first [`Snapshot`], whole; every further line is
//! `{"patch": PATCH}`, what changed since the snapshot before ([`patch`]). [`Recorder`] writes
//! them ([`record`]), `--redact` first replacing the host name, user names and the tenant id
//! with stable placeholders ([`redact`]); [`Capture::read`] reads them back ([`read`]).
//!
//! Format `v1` wrote every snapshot whole; it still reads (a line may be either kind). The
//! header's analysis options (`setup`, `outage_threshold`, `outage_window`, `zpa_range`) and
//! `knowledge` were added within `v1`: optional, so older captures still read (a replay then
//! uses its own defaults).

mod patch;
mod read;
mod record;
mod redact;

use std::collections::BTreeMap;
use std::time::Duration;

use ipnet::IpNet;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub(crate) use read::Cursor;
pub use record::Recorder;
pub use redact::Redactor;

use crate::knowledge::SetupId;
use crate::snapshot::Snapshot;

/// The format `--record` writes.
pub const FORMAT: &str = "ssetop.capture.v2";
/// The formats a replay reads: `v1` held every snapshot whole.
const FORMATS_READ: [&str; 2] = ["ssetop.capture.v1", FORMAT];

/// Keys of the header's `options` that a replay applies (the options of the same names).
pub const OPTION_SETUP: &str = "setup";
pub const OPTION_OUTAGE_THRESHOLD: &str = "outage_threshold";
pub const OPTION_OUTAGE_WINDOW: &str = "outage_window";
/// Comma-separated CIDRs.
pub const OPTION_ZPA_RANGE: &str = "zpa_range";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub format: String,
    pub ssetop_version: String,
    pub host: String,
    pub os: String,
    pub started_at: Timestamp,
    /// The options the capture was recorded with, as text (durations exact, as
    /// `crate::util::parse_duration` reads them).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// The knowledge base the recording judged with; absent in older captures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<RecordedKnowledge>,
    #[serde(default)]
    pub redacted: bool,
}

/// The knowledge base of a recording: the embedded one (its version), or a `--knowledge` file
/// with its text, so that a replay on another machine judges with the same facts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedKnowledge {
    /// `embedded`, or the file's path (only its name in a redacted capture).
    pub origin: String,
    pub version: String,
    /// The file's text; absent for the embedded knowledge base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toml: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot read capture {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Whole { path: String, message: String },
}

/// A capture read back, with what was passed over. It holds its first snapshot as JSON text
/// and each later one as the patch from the one before ([`patch`]), whatever the file holds
/// (captures before `v2` hold every snapshot whole): its memory follows what changed on the
/// device, not how many rows it held. [`Capture::snapshots`] rebuilds them in order.
#[derive(Debug, Clone)]
pub struct Capture {
    pub path: String,
    /// The header's line number (1 unless blank lines come first), for errors about it.
    pub header_line: usize,
    pub header: Header,
    pub warnings: Vec<String>,
    /// One per snapshot, in order; never empty.
    entries: Vec<Entry>,
}

/// One snapshot of a capture as it is held.
#[derive(Debug, Clone)]
struct Entry {
    taken_at: Timestamp,
    line: HeldLine,
}

/// A snapshot as JSON text: whole (the first, or one too unlike the one before), or the patch
/// from the one before.
#[derive(Debug, Clone)]
enum HeldLine {
    Whole(Box<str>),
    Patch(Box<str>),
}

impl Capture {
    /// How many snapshots it holds (at least one).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Never: a capture that reads holds a snapshot.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// When snapshot `index` was taken.
    pub fn taken_at(&self, index: usize) -> Option<Timestamp> {
        self.entries.get(index).map(|e| e.taken_at)
    }

    /// When the first and the last snapshot were taken.
    #[allow(
        clippy::indexing_slicing,
        reason = "a loaded capture holds at least one snapshot: Capture::read refuses one without"
    )]
    pub fn span(&self) -> (Timestamp, Timestamp) {
        (
            self.entries[0].taken_at,
            self.entries[self.entries.len() - 1].taken_at,
        )
    }

    /// The snapshots from the first, rebuilt one after the other.
    pub fn snapshots(&self) -> impl Iterator<Item = Snapshot> + '_ {
        let mut cursor = Cursor::default();
        // A capture that read rebuilds: reading took the same steps.
        std::iter::from_fn(move || cursor.next(self)?.ok())
    }

    /// The index of the last snapshot taken at or before `at`.
    pub fn index_at(&self, at: Timestamp) -> Option<usize> {
        self.entries.iter().rposition(|e| e.taken_at <= at)
    }

    /// The index of the first snapshot taken at or after `at`.
    pub fn index_from(&self, at: Timestamp) -> Option<usize> {
        self.entries.iter().position(|e| e.taken_at >= at)
    }

    /// A capture of these snapshots (for tests that alter a recorded device).
    #[doc(hidden)]
    pub fn from_snapshots(
        path: &str,
        header: Header,
        snapshots: impl IntoIterator<Item = Snapshot>,
    ) -> Result<Capture, CaptureError> {
        let mut text = serde_json::to_string(&header).unwrap_or_default();
        text.push('\n');
        for snapshot in snapshots {
            text.push_str(&serde_json::to_string(&snapshot).unwrap_or_default());
            text.push('\n');
        }
        Capture::read(text.as_bytes(), path)
    }

    /// An error about the header: a malformed capture.
    pub fn header_error(&self, message: String) -> CaptureError {
        CaptureError::Line {
            path: self.path.clone(),
            line: self.header_line,
            message,
        }
    }

    /// A recorded option as written, if the capture has it.
    pub fn recorded_text(&self, key: &str) -> Option<&str> {
        self.header.options.get(key).map(String::as_str)
    }

    /// Read only when a replay uses it: an option given again on the replay's command line
    /// makes a recorded value this ssetop cannot read irrelevant.
    fn recorded<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, CaptureError> {
        let Some(text) = self.recorded_text(key) else {
            return Ok(None);
        };
        parse(text).map(Some).map_err(|e| {
            self.header_error(format!(
                "the recorded option {key} = {text:?} is malformed: {e}"
            ))
        })
    }

    pub fn recorded_setup(&self) -> Result<Option<SetupId>, CaptureError> {
        self.recorded(OPTION_SETUP, |text| {
            <SetupId as clap::ValueEnum>::from_str(text, false)
                .map_err(|_| "not a setup this ssetop knows".to_string())
        })
    }

    pub fn recorded_duration(&self, key: &str) -> Result<Option<Duration>, CaptureError> {
        self.recorded(key, crate::util::parse_duration)
    }

    pub fn recorded_zpa_ranges(&self) -> Result<Option<Vec<IpNet>>, CaptureError> {
        self.recorded(OPTION_ZPA_RANGE, |text| {
            text.split(',')
                .map(|cidr| {
                    cidr.trim()
                        .parse::<IpNet>()
                        .map_err(|e| format!("{cidr:?}: {e}"))
                })
                .collect()
        })
    }
}
