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
                // the pipes close.
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
                let _ = child.wait();
                return Err(CommandError::Failed {
                    program: shown,
                    reason: e.to_string(),
                });
            }
        }
    };
    // A child the command left running may keep the pipes open after it exited: what was read
    // by the time left (at least a moment, for the last bytes) is the output, and a drain
    // still waiting is left behind rather than waited for.
    let grace = timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_millis(100));
    let until = Instant::now() + grace;
    let collect = |reader: Option<Drain>| match reader {
        Some(drain) => drain.take(until),
        None => (Vec::new(), false),
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

/// A pipe being read to its end on a thread of its own.
struct Drain {
    /// What was read so far (at most [`OUTPUT_LIMIT`] bytes) and whether some was dropped.
    kept: std::sync::Arc<std::sync::Mutex<(Vec<u8>, bool)>>,
    done: std::sync::mpsc::Receiver<()>,
}

impl Drain {
    /// What was read once the pipe closed, or (still open at `until`) what was read by then.
    fn take(self, until: Instant) -> (Vec<u8>, bool) {
        let _ = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        match self.kept.lock() {
            Ok(mut kept) => std::mem::take(&mut *kept),
            Err(_) => (Vec::new(), false),
        }
    }
}

/// Reads a pipe to its end, keeping at most [`OUTPUT_LIMIT`] bytes (the rest is read and
/// dropped, so the writer never blocks).
fn drain<R: Read + Send + 'static>(mut pipe: R) -> Drain {
    let kept = std::sync::Arc::new(std::sync::Mutex::new((Vec::new(), false)));
    let (tx, done) = std::sync::mpsc::channel();
    let shared = kept.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let Ok(mut kept) = shared.lock() else { break };
                    let room = OUTPUT_LIMIT.saturating_sub(kept.0.len());
                    let take = n.min(room);
                    kept.0
                        .extend_from_slice(buffer.get(..take).unwrap_or_default());
                    kept.1 |= take < n;
                }
            }
        }
        let _ = tx.send(());
    });
    Drain { kept, done }
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
    #[test]
    fn a_child_left_running_with_the_pipes_open_does_not_hold_the_command() {
        let started = Instant::now();
        // The shell prints and exits at once; its background child keeps stdout open for 30 s.
        let out = run(
            Path::new("/bin/sh"),
            &["-c", "echo ready; sleep 30 & exit 0"],
            Duration::from_secs(2),
        )
        .unwrap();
        assert_eq!(out.stdout, "ready\n");
        assert!(out.success());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }
}
