//! Strings that other people chose never reach the terminal raw: the text report, the report
//! of a replayed capture, the JSON report and every error message carry no character a
//! terminal acts on, whatever the process names, adapter descriptions, host name, file names
//! and file contents hold.

mod common;

use std::path::Path;

use common::{capture, code, run, stderr, stdout};
use serde_json::Value;

/// The names of the security report: a title change, a screen clear, backspaces that rewrite
/// a printed line, a lone carriage return, a right-to-left override, a C1 CSI, and a
/// 200-character name.
const HOSTILE: [&str; 6] = [
    "\u{1b}]2;PWNED\u{7}",
    "\u{1b}[2J\u{1b}[41mEVIL",
    "OK\u{8}\u{8}\u{8}\u{8}FAIL",
    "line\rPASS forged",
    "exe\u{202e}fdp.exe",
    "csi\u{9b}31mred",
];

/// Any character a terminal would act on, other than the line breaks ssetop writes itself.
fn acted_on(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            c != '\n'
                && (c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c))
        })
        .collect()
}

fn assert_clean(what: &str, text: &str) {
    let found = acted_on(text);
    assert!(
        found.is_empty(),
        "{what} carries {found:?}:\n{}",
        text.escape_debug()
    );
}

/// A 200-character name that ends in backspaces over what was printed.
fn long_name() -> String {
    format!("{}{}", "A".repeat(200), HOSTILE[2])
}

/// A real capture with the hostile strings put where the device's owners choose them.
fn hostile_capture(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(capture("globalprotect-healthy")).unwrap();
    let mut lines = text.lines();
    let mut out = String::new();
    let mut header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    header["host"] = Value::from(format!("HOST{}{}", HOSTILE[0], HOSTILE[4]));
    out.push_str(&header.to_string());
    out.push('\n');
    for line in lines {
        let mut snapshot: Value = serde_json::from_str(line).unwrap();
        snapshot["host"]["name"] = Value::from(format!("HOST{}{}", HOSTILE[0], HOSTILE[4]));
        let processes = snapshot["processes"]["data"].as_array_mut().unwrap();
        for process in processes.iter_mut() {
            // Only applications: the vendors' own processes keep the names ssetop knows them by.
            let hostile = match process["name"].as_str().unwrap() {
                "OUTLOOK.EXE" => HOSTILE[0].to_string(),
                "msedge.exe" => HOSTILE[1].to_string(),
                "svchost.exe" => long_name(),
                _ => continue,
            };
            process["name"] = Value::from(hostile);
            process["exe"] = Value::from(format!("C:\\{}{}", "x".repeat(200), HOSTILE[1]));
        }
        for interface in snapshot["interfaces"]["data"].as_array_mut().unwrap() {
            if interface["name"] == "Ethernet" {
                interface["description"] = Value::from(format!("{}{}", HOSTILE[3], HOSTILE[5]));
            }
        }
        // What a vendor's own status tool printed is untrusted text too.
        let ran_at = snapshot["taken_at"].clone();
        snapshot["vendor_reports"] = serde_json::json!({
            "status": "ok",
            "data": [{
                "vendor": "globalprotect",
                "tool": format!("C:\\gp{}", HOSTILE[1]),
                "installed": true,
                "runs": [{
                    "args": ["show", "--status"],
                    "ran_at": ran_at,
                    "elapsed_ms": 5,
                    "outcome": "output",
                    "stdout": format!("GlobalProtect status: Connected{}", HOSTILE[0]),
                }],
                "status": {
                    "state": "connected",
                    "said": format!("Connected{}", HOSTILE[3]),
                    "fields": [{"name": "gateway", "value": HOSTILE[5]}],
                },
            }],
        });
        out.push_str(&snapshot.to_string());
        out.push('\n');
    }
    let path = dir.join("hostile.ndjson");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn the_text_report_of_a_replayed_capture_escapes_hostile_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = hostile_capture(dir.path());
    let output = run(&["--once", "--replay", path.to_str().unwrap()]);
    assert!([0, 1, 2].contains(&code(&output)), "{}", stderr(&output));
    let report = stdout(&output);
    assert_clean("the text report", &report);
    assert_clean("stderr", &stderr(&output));
    // The names are still there, as visible escapes.
    assert!(report.contains("\\x1b]2;PWNED\\x07"), "{report}");
    assert!(report.contains("line\\x0dPASS forged"), "{report}");
    assert!(report.contains("\\x1b[2J\\x1b[41mEVIL"), "{report}");
    // A vendor tool's words too.
    assert!(
        report.contains("its own tool says: connected (\"Connectedline\\x0dPASS forged\")"),
        "{report}"
    );
    // A long name is cut, not printed whole.
    assert!(!report.contains(&"A".repeat(100)), "{report}");
    assert!(report.contains(&format!("{}…", "A".repeat(20))), "{report}");
    // No line of the report was started by a value.
    assert!(
        !report.lines().any(|l| l.starts_with("PASS forged")),
        "{report}"
    );
}

#[test]
fn the_json_report_keeps_hostile_names_exactly_and_writes_none_raw() {
    let dir = tempfile::tempdir().unwrap();
    let path = hostile_capture(dir.path());
    let output = run(&[
        "--once",
        "--replay",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let text = stdout(&output);
    assert_clean("the JSON report", &text);
    let report: Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = report["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["process"].as_str())
        .collect();
    for hostile in [HOSTILE[0], HOSTILE[1], &long_name()] {
        assert!(names.contains(&hostile), "{hostile:?} not among {names:?}");
    }
    let own = &report["vendor_reports"][0];
    assert_eq!(own["said"], format!("Connected{}", HOSTILE[3]));
    assert_eq!(
        own["runs"][0]["stdout"],
        format!("GlobalProtect status: Connected{}", HOSTILE[0])
    );
}

#[test]
fn error_messages_escape_the_paths_values_and_contents_they_quote() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // A knowledge file whose broken line is hostile, and a capture whose broken line is.
    let knowledge = d("knowledge.toml");
    std::fs::write(&knowledge, format!("version = \"1\"\n{} = [\n", HOSTILE[0])).unwrap();
    let broken_capture = d("broken.ndjson");
    let good = std::fs::read_to_string(capture("globalprotect-healthy")).unwrap();
    let header = good.lines().next().unwrap();
    std::fs::write(&broken_capture, format!("{header}\n{}{{\n", HOSTILE[1])).unwrap();
    let profile = d("profile.json");
    std::fs::write(&profile, format!("{{\"policies\": {}", HOSTILE[4])).unwrap();

    let cases: Vec<Vec<String>> = vec![
        vec!["--once".into(), "--knowledge".into(), d(HOSTILE[0])],
        vec!["--once".into(), "--knowledge".into(), knowledge],
        vec!["--once".into(), "--replay".into(), d(HOSTILE[2])],
        vec!["--once".into(), "--replay".into(), broken_capture],
        vec!["--once".into(), "--forwarding-profile".into(), profile],
        vec![
            "--once".into(),
            "--forwarding-profile".into(),
            d(HOSTILE[3]),
        ],
        vec!["--once".into(), "--setup".into(), HOSTILE[1].into()],
        vec!["--once".into(), "--interval".into(), HOSTILE[4].into()],
        vec![
            "--once".into(),
            "--replay".into(),
            capture("globalprotect-healthy").to_str().unwrap().into(),
            "--at".into(),
            HOSTILE[5].into(),
        ],
        vec!["--once".into(), "--zpa-range".into(), HOSTILE[0].into()],
    ];
    // Every case fails before anything is collected: no DNS query leaves this test.
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args);
        assert_eq!(code(&output), 3, "{args:?}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(!message.trim().is_empty(), "{args:?} printed no error");
        assert_clean(&format!("the error for {args:?}"), &message);
        assert_clean(&format!("stdout for {args:?}"), &stdout(&output));
    }
}
