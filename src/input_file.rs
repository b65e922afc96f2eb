//! The one way ssetop reads a file the user names (`--knowledge`, `--theme`, `--replay`,
//! `--forwarding-profile`): only a regular file, and never past the run's deadline. A FIFO or
//! a device would block a read forever, and a file on a hung network share could too; the
//! reading runs on a thread of its own so that the wait for it, not the read, is what the
//! deadline bounds.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// When a one-shot run must be over: the start plus `--deadline`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    given: Duration,
}

impl Deadline {
    /// `--deadline` from now. A deadline too far away to compute is no deadline at all, which
    /// the option's own bound ([`crate::util::MAX_DURATION`]) keeps from happening.
    pub(crate) fn after(given: Duration) -> Deadline {
        let now = Instant::now();
        Deadline {
            at: now
                .checked_add(given)
                .unwrap_or(now + crate::util::MAX_DURATION),
            given,
        }
    }

    /// What is left of it (zero once it has passed).
    pub(crate) fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// `--deadline` as given.
    pub(crate) fn given(&self) -> Duration {
        self.given
    }
}

/// Why a named input file could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InputFileError {
    #[error("cannot read {what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("{what} {path} is {kind}, not a regular file")]
    NotAFile {
        what: &'static str,
        path: String,
        kind: &'static str,
    },
    #[error(
        "stopped reading {what} {path}: --deadline {deadline} passed before it was read (a \
         longer --deadline gives it more time)"
    )]
    Deadline {
        what: &'static str,
        path: String,
        deadline: String,
    },
    #[error("{what} {path} is not UTF-8 text")]
    NotText { what: &'static str, path: String },
}

/// Reads a regular file whole, by the deadline. `what` names the file in errors
/// ("knowledge file", "theme file", …).
pub(crate) fn read_bytes(
    path: &Path,
    what: &'static str,
    deadline: &Deadline,
) -> Result<Vec<u8>, InputFileError> {
    let read = read_with(path, what, deadline, |mut file| {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map(|_| bytes)
    })?;
    read.map_err(|source| InputFileError::Io {
        what,
        path: path.display().to_string(),
        source,
    })
}

/// Opens a regular file and hands it to `read`, by the deadline: for a file read as it
/// streams (a capture), which need not be held whole. `read`'s own errors are its result's.
pub(crate) fn read_with<T: Send + 'static>(
    path: &Path,
    what: &'static str,
    deadline: &Deadline,
    read: impl FnOnce(std::fs::File) -> T + Send + 'static,
) -> Result<T, InputFileError> {
    let shown = path.display().to_string();
    // `metadata` follows symlinks and never opens the file: a FIFO is refused before an open
    // that would wait for a writer.
    let metadata = std::fs::metadata(path).map_err(|source| InputFileError::Io {
        what,
        path: shown.clone(),
        source,
    })?;
    refuse_special(&metadata, what, &shown)?;
    let deadline_error = |path: String| InputFileError::Deadline {
        what,
        path,
        deadline: crate::util::format_duration_exact(deadline.given()),
    };
    // A deadline already passed starts no read: otherwise a small file read faster than the
    // wait is set up would sometimes succeed and sometimes not.
    if deadline.remaining().is_zero() {
        return Err(deadline_error(shown));
    }
    let (tx, rx) = mpsc::channel();
    let owned = path.to_path_buf();
    let reader = std::thread::Builder::new()
        .name("ssetop-read-input".into())
        .spawn(move || {
            let _ = tx.send(open_regular(&owned).map(read));
        })
        .map_err(|source| InputFileError::Io {
            what,
            path: shown.clone(),
            source,
        })?;
    // A read still blocked at the deadline is left behind: the process ends without it.
    drop(reader);
    match rx.recv_timeout(deadline.remaining()) {
        Ok(Ok(read)) => Ok(read),
        Ok(Err(ReadFailure::Io(source))) => Err(InputFileError::Io {
            what,
            path: shown,
            source,
        }),
        Ok(Err(ReadFailure::Special(kind))) => Err(InputFileError::NotAFile {
            what,
            path: shown,
            kind,
        }),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(deadline_error(shown)),
        // The reading thread ended without an answer: it panicked.
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(InputFileError::Io {
            what,
            path: shown,
            source: std::io::Error::other("the reading stopped without an answer"),
        }),
    }
}

/// [`read_bytes`], as UTF-8 text.
pub(crate) fn read_text(
    path: &Path,
    what: &'static str,
    deadline: &Deadline,
) -> Result<String, InputFileError> {
    String::from_utf8(read_bytes(path, what, deadline)?).map_err(|_| InputFileError::NotText {
        what,
        path: path.display().to_string(),
    })
}

enum ReadFailure {
    Io(std::io::Error),
    Special(&'static str),
}

/// Opens on the reading thread; the opened file is checked again, in case the path was
/// swapped for something else after the first look.
fn open_regular(path: &Path) -> Result<std::fs::File, ReadFailure> {
    let file = std::fs::File::open(path).map_err(ReadFailure::Io)?;
    let metadata = file.metadata().map_err(ReadFailure::Io)?;
    if let Some(kind) = special_kind(&metadata) {
        return Err(ReadFailure::Special(kind));
    }
    Ok(file)
}

fn refuse_special(
    metadata: &std::fs::Metadata,
    what: &'static str,
    path: &str,
) -> Result<(), InputFileError> {
    match special_kind(metadata) {
        Some(kind) => Err(InputFileError::NotAFile {
            what,
            path: path.to_string(),
            kind,
        }),
        None => Ok(()),
    }
}

/// What a path is when it is not a regular file.
fn special_kind(metadata: &std::fs::Metadata) -> Option<&'static str> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return Some("a device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadline() -> Deadline {
        Deadline::after(Duration::from_secs(2))
    }

    #[test]
    fn a_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.toml");
        std::fs::write(&path, "schema = 1\n").unwrap();
        assert_eq!(
            read_text(&path, "knowledge file", &deadline()).unwrap(),
            "schema = 1\n"
        );
    }

    #[test]
    fn a_directory_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(dir.path(), "theme file", &deadline()).unwrap_err();
        assert!(matches!(err, InputFileError::NotAFile { .. }), "{err}");
        assert!(err.to_string().contains("a directory"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_and_a_device_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("k");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let started = Instant::now();
            let err = read_text(&fifo, "knowledge file", &deadline()).unwrap_err();
            assert!(err.to_string().contains("is a FIFO"), "{err}");
            assert!(started.elapsed() < Duration::from_secs(1));
        }
        let err = read_text(Path::new("/dev/zero"), "capture", &deadline()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "capture /dev/zero is a device, not a regular file"
        );
    }

    #[test]
    fn a_passed_deadline_stops_the_read_with_its_own_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.ndjson");
        std::fs::write(&path, vec![b'x'; 8 << 20]).unwrap();
        let past = Deadline {
            at: Instant::now(),
            given: Duration::from_millis(1),
        };
        let err = read_bytes(&path, "capture", &past).unwrap_err();
        assert!(matches!(err, InputFileError::Deadline { .. }), "{err}");
        assert!(err.to_string().contains("--deadline 1ms passed"), "{err}");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        let err = read_text(&path, "theme file", &deadline()).unwrap_err();
        assert!(err.to_string().ends_with("is not UTF-8 text"), "{err}");
    }
}
