//! A recording of this device (`--record FILE`): its header, and the file the snapshots go to.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::capture::{
    Header, OPTION_OUTAGE_THRESHOLD, OPTION_OUTAGE_WINDOW, OPTION_SETUP, OPTION_ZPA_RANGE,
    RecordedKnowledge, Recorder,
};
use crate::cli::Options;
use crate::error::AppError;
use crate::knowledge::Knowledge;
use crate::snapshot::{Host, Snapshot};
use crate::util::format_duration_exact;

/// The header of a recording: everything a replay needs to run the same analysis (the
/// analysis options and the knowledge base), and the collection options for the reader.
pub(crate) fn capture_header(options: &Options, host: &Host, knowledge: &Knowledge) -> Header {
    let mut recorded = std::collections::BTreeMap::new();
    recorded.insert(
        "interval".to_string(),
        format_duration_exact(options.interval),
    );
    if let Some(setup) = options.setup {
        recorded.insert(OPTION_SETUP.into(), setup.to_string());
    }
    // Defaults too: a later ssetop may change them, the recording's analysis did not.
    recorded.insert(
        OPTION_OUTAGE_THRESHOLD.into(),
        format_duration_exact(options.outage_threshold),
    );
    recorded.insert(
        OPTION_OUTAGE_WINDOW.into(),
        format_duration_exact(options.outage_window),
    );
    if !options.zpa_range.is_empty() {
        let ranges: Vec<String> = options.zpa_range.iter().map(ToString::to_string).collect();
        recorded.insert(OPTION_ZPA_RANGE.into(), ranges.join(","));
    }
    if options.no_dns {
        recorded.insert("no_dns".into(), "true".into());
    }
    if options.forwarding_profile.is_some() {
        recorded.insert("forwarding_profile".into(), "file".into());
    }
    if let Some(d) = options.duration {
        recorded.insert("duration".into(), format_duration_exact(d));
    }
    Header {
        format: crate::capture::FORMAT.into(),
        ssetop_version: env!("CARGO_PKG_VERSION").into(),
        host: host.name.clone(),
        os: host.os.clone(),
        started_at: Timestamp::now(),
        options: recorded,
        knowledge: Some(RecordedKnowledge {
            origin: knowledge.origin.clone(),
            version: knowledge.file.version.clone(),
            toml: knowledge.file_text.clone(),
        }),
        redacted: false,
    }
}

/// An open recording: the file, its header written, and its path for the messages.
pub(crate) struct Recording {
    recorder: Recorder<Box<dyn Write + Send>>,
    path: PathBuf,
}

impl Recording {
    /// Creates the file and writes the header (`--redact` applies from here on).
    pub(crate) fn open(
        options: &Options,
        path: &Path,
        host: &Host,
        knowledge: &Knowledge,
    ) -> Result<Recording, AppError> {
        let file = File::create(path)
            .map_err(|e| AppError::Io(format!("cannot create {}: {e}", path.display())))?;
        Recording::start(
            Box::new(file),
            path,
            capture_header(options, host, knowledge),
            options.redact,
        )
    }

    /// Writes the header to `out`; `path` names it in the messages.
    pub(super) fn start(
        out: Box<dyn Write + Send>,
        path: &Path,
        header: Header,
        redact: bool,
    ) -> Result<Recording, AppError> {
        let recorder = Recorder::start(out, header, redact).map_err(|e| write_failed(path, &e))?;
        Ok(Recording {
            recorder,
            path: path.to_path_buf(),
        })
    }

    /// Appends one snapshot. The error is the plain I/O error: the dashboard shows it and goes
    /// on without the recording; the other modes end with [`Recording::failed`].
    pub(crate) fn write(&mut self, snapshot: &Snapshot) -> std::io::Result<()> {
        self.recorder.write(snapshot)
    }

    /// A failed write as the error that ends a run.
    pub(crate) fn failed(&self, e: &std::io::Error) -> AppError {
        write_failed(&self.path, e)
    }
}

fn write_failed(path: &Path, e: &std::io::Error) -> AppError {
    AppError::Io(format!("cannot write {}: {e}", path.display()))
}
