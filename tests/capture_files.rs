//! Capture files: damaged ones give clear errors (or replay up to the damage where that is
//! safe), recording redacts, and a live recording replays to the same report as the live
//! analysis of the same snapshots.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use ssetop::analysis::{AnalysisOptions, Analyzer};
use ssetop::capture::{Capture, Recorder};
use ssetop::collect::{CollectConfig, Sampler};
use ssetop::knowledge::Knowledge;
use ssetop::report::Report;

fn lines_of(name: &str) -> Vec<String> {
    std::fs::read_to_string(capture(name))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn replay_file(path: &Path) -> std::process::Output {
    run(&[
        "--once",
        "--format",
        "json",
        "--replay",
        path.to_str().unwrap(),
    ])
}

#[test]
fn a_cut_off_last_line_replays_what_came_before_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.ndjson");
    let lines = lines_of("outage-heals");
    let last = &lines[lines.len() - 1];
    let mut text = lines[..lines.len() - 1].join("\n");
    text.push('\n');
    text.push_str(&last[..last.len() / 2]);
    std::fs::write(&path, text).unwrap();
    let out = replay_file(&path);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("line {}", lines.len())), "{err}");
    assert!(err.contains("cut off"), "{err}");
    let report = json(&out);
    assert_eq!(report["replay"]["snapshots"], lines.len() - 2);
    assert_eq!(report["replay"]["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn an_unknown_format_version_exits_3_naming_line_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v9.ndjson");
    let mut lines = lines_of("globalprotect-healthy");
    lines[0] = lines[0].replace("ssetop.capture.v1", "ssetop.capture.v9");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = replay_file(&path);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("line 1"), "{err}");
    assert!(err.contains("ssetop.capture.v9"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_line_that_is_not_json_in_the_middle_exits_3_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbled.ndjson");
    let mut lines = lines_of("outage-heals");
    lines[2] = "{this is not json".into();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = replay_file(&path);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("not JSON"), "{err}");
}

#[test]
fn a_snapshot_missing_a_section_exits_3_naming_the_section() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("partial.ndjson");
    let mut lines = lines_of("globalprotect-healthy");
    let mut snapshot: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    snapshot.as_object_mut().unwrap().remove("routes");
    lines[1] = snapshot.to_string();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = replay_file(&path);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("routes"), "{err}");
}

#[test]
fn an_empty_capture_and_a_header_only_capture_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.ndjson");
    std::fs::write(&empty, "").unwrap();
    let out = replay_file(&empty);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("empty"));
    let header_only = dir.path().join("header.ndjson");
    std::fs::write(
        &header_only,
        lines_of("globalprotect-healthy")[0].clone() + "\n",
    )
    .unwrap();
    let out = replay_file(&header_only);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no snapshot"));
}

#[test]
fn snapshots_going_back_in_time_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backwards.ndjson");
    let lines = lines_of("outage-heals");
    let reordered = [lines[0].clone(), lines[5].clone(), lines[2].clone()];
    std::fs::write(&path, reordered.join("\n") + "\n").unwrap();
    let out = replay_file(&path);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("line 3"));
}

fn live_config() -> CollectConfig {
    // No queries to the host's resolver from a test.
    CollectConfig::quiet()
}

#[test]
fn a_live_recording_replays_to_the_same_report_as_the_live_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.ndjson");
    let knowledge = Arc::new(Knowledge::embedded());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let live_report = runtime.block_on(async {
        let mut sampler = Sampler::new(live_config());
        let file = std::fs::File::create(&path).unwrap();
        let header = ssetop::capture::Header {
            format: ssetop::capture::FORMAT.into(),
            ssetop_version: env!("CARGO_PKG_VERSION").into(),
            host: sampler.host().name.clone(),
            os: sampler.host().os.clone(),
            started_at: jiff::Timestamp::now(),
            options: Default::default(),
            knowledge: None,
            redacted: false,
        };
        let mut recorder = Recorder::start(file, header, false).unwrap();
        let mut analyzer = Analyzer::new(knowledge.clone(), AnalysisOptions::default());
        let mut last = None;
        for _ in 0..3 {
            let snapshot = sampler.sample(Duration::from_secs(3)).await;
            recorder.write(&snapshot).unwrap();
            last = Some(analyzer.assess(&snapshot));
        }
        Report::new(&last.unwrap(), &knowledge.origin)
    });
    let mut live: serde_json::Value = serde_json::from_str(&live_report.to_json()).unwrap();
    let out = replay_file(&path);
    assert!([0, 1, 2].contains(&code(&out)), "{}", stderr(&out));
    let mut replayed = json(&out);
    replayed.as_object_mut().unwrap().remove("replay");
    live.as_object_mut().unwrap().remove("replay");
    assert_eq!(
        replayed, live,
        "the replayed report differs from the live analysis"
    );
    // And the capture reads back snapshot for snapshot.
    let capture = Capture::load(&path).unwrap();
    assert_eq!(capture.len(), 3);
    assert!(capture.warnings.is_empty());
}

#[test]
fn headless_recording_with_redaction_hides_the_host_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redacted.ndjson");
    let out = record_headless(&path, "300ms", &["--redact"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("recorded"));
    let text = std::fs::read_to_string(&path).unwrap();
    let host = sysinfo_host();
    assert!(!text.contains(&format!("\"{host}\"")), "host name leaked");
    let capture = Capture::load(&path).unwrap();
    assert!(capture.header.redacted);
    assert_eq!(capture.header.host, "redacted-host");
    assert!(!capture.is_empty());
    assert!(capture.snapshots().all(|s| s.host.name == "redacted-host"));
}

fn sysinfo_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn once_with_record_keeps_the_snapshot_behind_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("once.ndjson");
    let live = record_once(&path, &[]);
    let capture = Capture::load(&path).unwrap();
    assert_eq!(capture.len(), 1);
    let mut replayed = json(&replay_file(&path));
    replayed.as_object_mut().unwrap().remove("replay");
    assert_eq!(
        replayed, live,
        "replaying the recorded snapshot gives the same report"
    );
}

/// `scripts/capture-whole.jq` (for reading a capture with jq, and the scale harness) rebuilds
/// the snapshots ssetop itself reads from a recording's patches.
#[test]
fn the_jq_script_rebuilds_each_snapshot_of_a_recording_as_ssetop_reads_it() {
    if std::process::Command::new("jq")
        .arg("--version")
        .output()
        .is_err()
    {
        if std::env::var_os("SSETOP_REQUIRE_SCENARIOS").is_some_and(|v| !v.is_empty() && v != "0") {
            panic!("jq is not installed and SSETOP_REQUIRE_SCENARIOS is set");
        }
        eprintln!("SKIPPED capture-whole.jq: jq is not installed (apt-get install jq)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recorded.ndjson");
    let out = record_headless(&path, "200ms", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let capture = Capture::load(&path).unwrap();
    assert!(capture.len() >= 2, "a recording of more than one snapshot");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/capture-whole.jq");
    let whole = std::process::Command::new("jq")
        .args(["-c", "-n", "-f"])
        .arg(&script)
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .expect("jq runs");
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let text = String::from_utf8(whole.stdout).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["format"], ssetop::capture::FORMAT);
    let rebuilt: Vec<ssetop::snapshot::Snapshot> = lines
        .map(|line| serde_json::from_str(line).expect("a whole snapshot"))
        .collect();
    assert_eq!(rebuilt, capture.snapshots().collect::<Vec<_>>());
}
