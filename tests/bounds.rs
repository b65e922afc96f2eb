//! The binary under hostile input and time (issue 14, part 2): input files that are not
//! files, durations past any clock, a `--duration` of nothing, an `--interval` that would take
//! a core, and a panic: each ends with exit 3 and one clear line, within the deadline.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn mkfifo(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    let path = dir.join(name);
    let made = Command::new("mkfifo").arg(&path).status();
    if made.is_ok_and(|s| s.success()) {
        Some(path)
    } else {
        eprintln!("SKIPPED: mkfifo is not available");
        None
    }
}

#[test]
fn a_fifo_or_a_device_given_as_an_input_file_is_refused_within_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fifo) = mkfifo(dir.path(), "k") else {
        return;
    };
    let fifo = fifo.to_str().unwrap();
    let capture = capture("outage-heals");
    let capture = capture.to_str().unwrap();
    for (args, named) in [
        (
            vec![
                "--once",
                "--no-dns",
                "--knowledge",
                fifo,
                "--deadline",
                "1s",
            ],
            "knowledge file",
        ),
        (
            vec!["--once", "--replay", fifo, "--deadline", "1s"],
            "capture",
        ),
        (
            vec!["--once", "--replay", capture, "--knowledge", "/dev/zero"],
            "knowledge file",
        ),
        (
            vec!["--once", "--no-dns", "--forwarding-profile", fifo],
            "forwarding profile",
        ),
        (vec!["--theme", fifo], "theme file"),
    ] {
        let started = Instant::now();
        let out = run(&args);
        let took = started.elapsed();
        let err = stderr(&out);
        assert_eq!(code(&out), 3, "{args:?}: {err}");
        assert!(
            err.contains(named) && err.contains("not a regular file"),
            "{args:?}: {err}"
        );
        assert!(took < Duration::from_secs(1), "{args:?} took {took:?}");
    }
}

#[test]
fn durations_too_long_for_any_clock_exit_3_without_a_panic() {
    for args in [
        &["--once", "--no-dns", "--interval", "700000000000000000s"][..],
        &["--once", "--no-dns", "--deadline", "18000000000000000000s"],
        &["--once", "--no-dns", "--outage-threshold", "99999999999h"],
        &["--record", "r.ndjson", "--duration", "400000000000m"],
    ] {
        let out = run(args);
        let err = stderr(&out);
        assert_eq!(code(&out), 3, "{args:?}: {err}");
        assert!(
            err.contains("longest duration ssetop takes"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn an_interval_below_the_floor_is_refused() {
    for interval in ["1ms", "99ms", "0s"] {
        let out = run(&["--once", "--no-dns", "--interval", interval]);
        let err = stderr(&out);
        assert_eq!(code(&out), 3, "{interval}: {err}");
        assert!(
            err.contains("below the floor of 100ms"),
            "{interval}: {err}"
        );
    }
}

#[test]
fn a_zero_duration_recording_is_refused_and_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.ndjson");
    let out = run(&[
        "--record",
        path.to_str().unwrap(),
        "--duration",
        "0",
        "--no-dns",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("--duration 0 records nothing"));
    assert!(!path.exists());
}

#[test]
fn at_past_the_end_of_a_capture_is_refused_like_before_its_start() {
    let path = capture("outage-heals");
    for at in ["+1h", "2026-11-02T08:00:00Z"] {
        let out = run(&["--once", "--replay", path.to_str().unwrap(), "--at", at]);
        let err = stderr(&out);
        assert_eq!(code(&out), 3, "{at}: {err}");
        assert!(
            err.contains("the capture ends earlier") || err.contains("the capture starts later"),
            "{at}: {err}"
        );
    }
}

/// `SSETOP_TEST_PANIC` is read by debug builds only (the test profile's).
#[test]
fn a_panic_exits_3_with_one_line_asking_for_a_capture() {
    let out = Command::new(binary())
        .args(["--once", "--no-dns"])
        .env("SSETOP_TEST_PANIC", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "ssetop: internal error: SSETOP_TEST_PANIC=1 asked for a panic at src/app.rs:"
        ),
        "{err}"
    );
    assert!(err.contains("--record"), "{err}");
    assert!(stdout(&out).is_empty(), "no escape sequence reaches stdout");
}
