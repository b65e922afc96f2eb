//! Running another program for what it says (a vendor's status command, a macOS system tool),
//! the one way ssetop does it: never a shell, stdin closed, the output bounded, and killed at
//! its timeout. Collectors call this; what the output means is decided by each caller's parser,
//! which is unit-tested on recorded output, so this file holds no vendor knowledge.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The most of stdout (and of stderr) kept: a status command prints a few kilobytes; anything
/// past this is cut, never buffered without bound.
pub(crate) const OUTPUT_LIMIT: usize = 1 << 20;

/// How often a running command is polled for its exit.
const POLL: Duration = Duration::from_millis(10);

/// What a command printed, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandOutput {
    pub stdout: String,
    pub stderr: String,
    /// The exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// Whether stdout or stderr was cut at [`OUTPUT_LIMIT`].
    pub truncated: bool,
    pub elapsed: Duration,
}

impl CommandOutput {
    pub(crate) fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Why a command said nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CommandError {
    /// The program is not there: the vendor's tool is not installed (a `skip`, not a failure).
    #[error("{program} is not installed")]
    NotInstalled { program: String },
    #[error("{program} did not finish within {} ms and was stopped", .timeout.as_millis())]
    TimedOut { program: String, timeout: Duration },
    #[error("cannot run {program}: {reason}")]
    Failed { program: String, reason: String },
}

/// Runs `program` with `args` and waits at most `timeout` for it. Output that is not UTF-8 is
/// kept with replacement characters (a name in another code page must not lose the rest).
pub(crate) fn run(
    program: &Path,
    args: &[&str],
    timeout: Duration,
) -> Result<CommandOutput, CommandError> {
    let shown = program.display().to_string();
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => CommandError::NotInstalled {
                program: shown.clone(),
            },
            _ => CommandError::Failed {
                program: shown.clone(),
                reason: e.to_string(),
            },
        })?;
    // Both pipes are drained while the command runs: a command that fills one pipe would
    // otherwise wait for ever on a reader that waits for it to exit.
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let code = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if started.elapsed() >= timeout => {
                // Killed and reaped, so that no zombie outlives the run. The drains end when
                // the pipes close with the process.
                let _ = child.kill();
                let _ = child.wait();
                return Err(CommandError::TimedOut {
                    program: shown,
                    timeout,
                });
            }
            Ok(None) => std::thread::sleep(POLL.min(timeout.saturating_sub(started.elapsed()))),
            Err(e) => {
                let _ = child.kill();
                return Err(CommandError::Failed {
                    program: shown,
                    reason: e.to_string(),
                });
            }
        }
    };
    let collect = |reader: Option<std::thread::JoinHandle<(Vec<u8>, bool)>>| {
        reader
            .and_then(|r| r.join().ok())
            .unwrap_or((Vec::new(), false))
    };
    let (out, out_cut) = collect(stdout);
    let (err, err_cut) = collect(stderr);
    Ok(CommandOutput {
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
        code,
        truncated: out_cut || err_cut,
        elapsed: started.elapsed(),
    })
}

/// Reads a pipe to its end on a thread of its own, keeping at most [`OUTPUT_LIMIT`] bytes
/// (the rest is read and dropped, so the writer never blocks).
fn drain<R: Read + Send + 'static>(mut pipe: R) -> std::thread::JoinHandle<(Vec<u8>, bool)> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut cut = false;
        let mut buffer = [0u8; 8192];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                    let take = n.min(room);
                    kept.extend_from_slice(buffer.get(..take).unwrap_or_default());
                    cut |= take < n;
                }
            }
        }
        (kept, cut)
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_command_that_is_not_installed_is_named_as_such() {
        let err = run(
            Path::new("/nonexistent/ZSACli.exe"),
            &["status"],
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert_eq!(
            err,
            CommandError::NotInstalled {
                program: "/nonexistent/ZSACli.exe".into()
            }
        );
    }

    #[test]
    fn output_exit_code_and_stderr_are_returned() {
        let out = run(
            Path::new("/bin/sh"),
            &["-c", "printf 'state: connected\\n'; echo oops >&2; exit 3"],
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(out.stdout, "state: connected\n");
        assert_eq!(out.stderr, "oops\n");
        assert_eq!(out.code, Some(3));
        assert!(!out.success());
        assert!(!out.truncated);
    }

    #[test]
    fn a_command_that_hangs_is_stopped_at_its_timeout() {
        let started = Instant::now();
        let err = run(Path::new("/bin/sleep"), &["30"], Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, CommandError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_past_the_limit_is_cut_and_the_writer_is_not_blocked() {
        let out = run(
            Path::new("/bin/sh"),
            &["-c", "head -c 3000000 /dev/zero; echo done >&2"],
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(out.stdout.len(), OUTPUT_LIMIT);
        assert!(out.truncated);
        assert_eq!(out.stderr, "done\n");
    }
}
