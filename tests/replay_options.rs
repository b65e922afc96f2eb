//! A capture carries the analysis options it was recorded with (setup, outage threshold and
//! window, ZPA ranges, the knowledge base): a replay applies them, an option given again on the
//! replay's command line wins, and captures from before these fields still replay.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// `ssetop --once --replay FILE --format json [extra]`: (exit code, report, stderr).
fn replay_path(path: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec![
        "--once",
        "--replay",
        path.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_ne!(code(&out), 3, "{}", stderr(&out));
    (code(&out), json(&out), stderr(&out))
}

fn header_of(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

/// A copy of a hand-written capture (tests/captures) with its header changed by `edit`.
fn with_header(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let text = std::fs::read_to_string(capture(name)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut header: Value = serde_json::from_str(&lines[0]).unwrap();
    edit(&mut header);
    lines[0] = header.to_string();
    let path = dir.join(format!("{name}.ndjson"));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn set_options(header: &mut Value, options: &[(&str, &str)]) {
    for (key, value) in options {
        header["options"][*key] = Value::from(*value);
    }
}

/// The report's `replay.options` entry for one option.
fn replay_option<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["replay"]["options"]
        .as_array()
        .expect("replay.options is an array")
        .iter()
        .find(|o| o["name"] == name)
}

fn outage_severity(report: &Value) -> &str {
    alert(report, "globalprotect-reconnect-outage").expect("the outage alert is open")["severity"]
        .as_str()
        .unwrap()
}

#[test]
fn a_once_recording_replays_with_its_setup_and_outage_options_without_giving_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("once.ndjson");
    let live = record_once(
        &path,
        &[
            "--setup",
            "globalprotect",
            "--outage-threshold",
            "2m",
            "--outage-window",
            "90s",
            "--zpa-range",
            "100.83.0.0/16",
        ],
    );
    let header = header_of(&path);
    assert_eq!(header["options"]["setup"], "globalprotect");
    assert_eq!(header["options"]["outage_threshold"], "2m");
    assert_eq!(header["options"]["outage_window"], "1m30s");
    assert_eq!(header["options"]["zpa_range"], "100.83.0.0/16");
    assert_eq!(header["knowledge"]["origin"], "embedded");

    let (_, replayed, _) = replay_path(&path, &[]);
    assert_eq!(replayed["setup"]["id"], "globalprotect");
    assert_eq!(replayed["setup"]["source"], "option");
    for (name, value) in [
        ("setup", "globalprotect"),
        ("outage-threshold", "2m"),
        ("outage-window", "1m30s"),
        ("zpa-range", "100.83.0.0/16"),
    ] {
        let option = replay_option(&replayed, name).unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(option["value"], value, "{option}");
        assert_eq!(option["source"], "capture", "{option}");
    }
    // The same analysis as the live run: the report is the live one, plus where it came from.
    let mut replayed = replayed;
    replayed.as_object_mut().unwrap().remove("replay");
    assert_eq!(replayed, live);
}

#[test]
fn an_option_given_on_the_replay_command_line_wins_over_the_recorded_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("once.ndjson");
    record_once(
        &path,
        &["--setup", "globalprotect", "--outage-threshold", "2m"],
    );
    let (_, r, _) = replay_path(
        &path,
        &["--setup", "zscaler-private", "--outage-threshold", "4m"],
    );
    assert_eq!(r["setup"]["id"], "zscaler-private");
    assert_eq!(r["setup"]["source"], "option");
    let setup = replay_option(&r, "setup").unwrap();
    assert_eq!(setup["source"], "command-line");
    assert_eq!(setup["recorded"], "globalprotect");
    let threshold = replay_option(&r, "outage-threshold").unwrap();
    assert_eq!(threshold["value"], "4m");
    assert_eq!(threshold["source"], "command-line");
    assert_eq!(threshold["recorded"], "2m");
    // The one not given again still comes from the capture.
    assert_eq!(
        replay_option(&r, "outage-window").unwrap()["source"],
        "capture"
    );
}

#[test]
fn a_recorded_outage_threshold_drives_the_alert_and_a_given_one_replaces_it() {
    // outage-no-heal: GSA dropped at +70 s; at +130 s it has been down for 1 minute.
    let dir = tempfile::tempdir().unwrap();
    let path = with_header(dir.path(), "outage-no-heal", |h| {
        set_options(h, &[("outage_threshold", "1m"), ("outage_window", "3m")]);
    });
    let (code, r, _) = replay_path(&path, &["--at", "+130s"]);
    assert_eq!(code, 2);
    assert_eq!(outage_severity(&r), "fail");
    let alert = alert(&r, "globalprotect-reconnect-outage").unwrap();
    assert_eq!(alert["threshold_secs"], 60);
    // "What if the threshold were 5 minutes": still a warning.
    let (code, r, _) = replay_path(&path, &["--at", "+130s", "--outage-threshold", "5m"]);
    assert_eq!(code, 1);
    assert_eq!(outage_severity(&r), "warn");
}

#[test]
fn a_recorded_outage_window_decides_whether_a_drop_is_the_outage() {
    // outage-heals: GlobalProtect up at +60 s, GSA's tunnel gone at +70 s.
    let dir = tempfile::tempdir().unwrap();
    let path = with_header(dir.path(), "outage-heals", |h| {
        set_options(h, &[("outage_window", "5s")]);
    });
    let (_, r, _) = replay_path(&path, &["--at", "+100s"]);
    assert!(alert(&r, "globalprotect-reconnect-outage").is_none());
    assert!(alert(&r, "gsa-tunnel-lost").is_some());
}

#[test]
fn a_recorded_zpa_range_replaces_the_default_one() {
    // zscaler-private-healthy: an SSH session to 100.64.1.5, in ZPA's default range.
    let dir = tempfile::tempdir().unwrap();
    let path = with_header(dir.path(), "zscaler-private-healthy", |h| {
        set_options(h, &[("zpa_range", "100.83.0.0/16,100.84.0.0/16")]);
    });
    let (_, r, _) = replay_path(&path, &[]);
    let ssh = connection(&r, "100.64.1.5:22");
    assert_ne!(ssh["channel"], "zpa", "{ssh}");
    assert_eq!(
        replay_option(&r, "zpa-range").unwrap()["value"],
        "100.83.0.0/16,100.84.0.0/16"
    );
    // Given again with the default range, the session is ZPA's.
    let (_, r, _) = replay_path(&path, &["--zpa-range", "100.64.0.0/16"]);
    assert_eq!(connection(&r, "100.64.1.5:22")["channel"], "zpa");
}

#[test]
fn a_capture_without_recorded_options_replays_with_the_defaults() {
    // The hand-written captures have the header of a capture older than these fields.
    let header = header_of(&capture("outage-no-heal"));
    assert!(header["options"].get("outage_threshold").is_none());
    assert!(header.get("knowledge").is_none());
    let (code, r) = replay("outage-no-heal", &["--at", "+360s"]);
    assert_eq!(code, 1);
    assert_eq!(outage_severity(&r), "warn");
    let (code, r) = replay("outage-no-heal", &["--at", "+370s"]);
    assert_eq!(code, 2);
    assert_eq!(outage_severity(&r), "fail");
    let threshold = replay_option(&r, "outage-threshold").unwrap();
    assert_eq!(threshold["value"], "5m");
    assert_eq!(threshold["source"], "default");
    assert!(replay_option(&r, "setup").is_none());
    assert!(replay_option(&r, "knowledge").is_none());
    assert_eq!(r["setup"]["source"], "detected");
    assert_eq!(r["knowledge"]["origin"], "embedded");
    assert!(r["replay"]["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn an_older_capture_recorded_with_setup_replays_with_that_setup() {
    // Older ssetop versions wrote `setup` (and nothing else of the analysis) into the header.
    let dir = tempfile::tempdir().unwrap();
    let path = with_header(dir.path(), "globalprotect-healthy", |h| {
        set_options(h, &[("setup", "zscaler-internet")]);
    });
    let (_, r, _) = replay_path(&path, &[]);
    assert_eq!(r["setup"]["id"], "zscaler-internet");
    assert_eq!(r["setup"]["source"], "option");
    assert_eq!(replay_option(&r, "setup").unwrap()["source"], "capture");
}

#[test]
fn a_recorded_knowledge_file_is_replayed_when_the_file_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let dump = run(&["--dump-knowledge"]);
    let edited = stdout(&dump).replacen("\nversion = ", "\nversion = \"edited\"\n# was ", 1);
    let knowledge = dir.path().join("kb.toml");
    std::fs::write(&knowledge, &edited).unwrap();
    let path = dir.path().join("once.ndjson");
    let live = record_once(&path, &["--knowledge", knowledge.to_str().unwrap()]);
    assert_eq!(live["knowledge"]["version"], "edited");
    std::fs::remove_file(&knowledge).unwrap();

    let (_, r, _) = replay_path(&path, &[]);
    assert_eq!(r["knowledge"]["version"], "edited");
    let origin = r["knowledge"]["origin"].as_str().unwrap();
    assert!(origin.ends_with("kb.toml (from the capture)"), "{origin}");
    let option = replay_option(&r, "knowledge").unwrap();
    assert_eq!(option["source"], "capture");
    // A knowledge file given to the replay wins; here, the embedded one by its own dump.
    let embedded = dir.path().join("embedded.toml");
    std::fs::write(&embedded, stdout(&dump)).unwrap();
    let (_, r, _) = replay_path(&path, &["--knowledge", embedded.to_str().unwrap()]);
    assert_ne!(r["knowledge"]["version"], "edited");
    let option = replay_option(&r, "knowledge").unwrap();
    assert_eq!(option["source"], "command-line");
    assert!(option["recorded"].as_str().unwrap().ends_with("kb.toml"));
}

#[test]
fn a_redacted_recording_names_the_knowledge_file_without_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let knowledge = dir.path().join("kb.toml");
    std::fs::write(&knowledge, stdout(&run(&["--dump-knowledge"]))).unwrap();
    let path = dir.path().join("once.ndjson");
    record_once(
        &path,
        &["--knowledge", knowledge.to_str().unwrap(), "--redact"],
    );
    let header = header_of(&path);
    assert_eq!(header["knowledge"]["origin"], "kb.toml");
    let first_line = std::fs::read_to_string(&path).unwrap();
    let first_line = first_line.lines().next().unwrap();
    assert!(!first_line.contains(dir.path().to_str().unwrap()));
}

#[test]
fn an_embedded_knowledge_base_of_another_version_is_named_in_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_header(dir.path(), "globalprotect-healthy", |h| {
        h["knowledge"] = serde_json::json!({"origin": "embedded", "version": "1999-01-01"});
    });
    let (_, r, err) = replay_path(&path, &[]);
    let warnings = r["replay"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].as_str().unwrap().contains("1999-01-01"));
    assert!(err.contains("1999-01-01"), "{err}");
}

#[test]
fn a_malformed_recorded_option_exits_3_unless_the_command_line_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_header(dir.path(), "globalprotect-healthy", |h| {
        set_options(h, &[("setup", "three-clients")]);
    });
    let out = run(&["--once", "--replay", path.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("line 1"), "{err}");
    assert!(err.contains("three-clients"), "{err}");
    assert!(out.stdout.is_empty());
    let (_, r, _) = replay_path(&path, &["--setup", "globalprotect"]);
    assert_eq!(r["setup"]["id"], "globalprotect");
}

#[test]
fn a_recorded_knowledge_file_that_does_not_load_exits_3_naming_line_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_header(dir.path(), "globalprotect-healthy", |h| {
        h["knowledge"] = serde_json::json!({
            "origin": "kb.toml", "version": "x", "toml": "schema = \"ssetop.knowledge.v1\"\n"
        });
    });
    let out = run(&["--once", "--replay", path.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("line 1"), "{err}");
    assert!(err.contains("knowledge"), "{err}");
    assert!(err.contains("--knowledge FILE"), "{err}");
}

#[test]
fn collection_options_given_to_a_replay_are_named_as_ignored() {
    let (_, r) = replay(
        "globalprotect-healthy",
        &["--tenant-id", "6b1e4f0a-1111-2222-3333-444455556666"],
    );
    let warnings = r["replay"]["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("--tenant-id ignored")),
        "{warnings:?}"
    );
}

#[test]
fn the_text_report_says_which_options_came_from_the_capture() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_header(dir.path(), "outage-no-heal", |h| {
        set_options(
            h,
            &[
                ("setup", "globalprotect"),
                ("outage_threshold", "1m"),
                ("outage_window", "3m"),
            ],
        );
    });
    let out = run(&[
        "--once",
        "--replay",
        path.to_str().unwrap(),
        "--outage-window",
        "2m",
    ]);
    let text = stdout(&out);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("setup globalprotect (option)"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("replayed with"))
        .unwrap_or_else(|| panic!("no line on the replay's options:\n{text}"));
    assert!(line.contains("--setup globalprotect (recorded)"), "{line}");
    assert!(line.contains("--outage-threshold 1m (recorded)"), "{line}");
    assert!(
        line.contains("--outage-window 2m (given here; recorded 3m)"),
        "{line}"
    );
}
