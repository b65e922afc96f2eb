//! The vendors' own status commands through the real `--once` path: a fake `globalprotect`
//! named by an edited knowledge file is run, its word is recorded in a capture, shown by the
//! replay, and weighed against what ssetop sees (nothing of GlobalProtect runs on this machine).

#![cfg(target_os = "linux")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;

const ENTRY_PATHS: &str =
    r#"paths = ["globalprotect", "/opt/paloaltonetworks/globalprotect/globalprotect"]"#;

/// The embedded knowledge with the Linux GlobalProtect tool at `tool`.
fn knowledge_with_tool(dir: &Path, tool: &Path) -> std::path::PathBuf {
    let text = ssetop::knowledge::DEFAULT_TOML;
    assert!(text.contains(ENTRY_PATHS), "the knowledge entry moved");
    let edited = text.replace(ENTRY_PATHS, &format!("paths = [{:?}]", tool.display()));
    let path = dir.join("kb.toml");
    std::fs::write(&path, edited).unwrap();
    path
}

fn fake_globalprotect(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("globalprotect");
    std::fs::write(
        &path,
        "#!/bin/sh\ncase \"$2\" in\n  --status) printf 'GlobalProtect status: Connected\\r\\n' ;;\n  --details) printf 'Assigned IP address: 10.8.0.7\\r\\nGateway IP address: 198.51.100.4\\r\\nProtocol: IPSec\\r\\nUptime(sec): 231\\r\\n' ;;\nesac\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn once_runs_the_vendor_tool_records_it_and_the_replay_shows_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let tool = fake_globalprotect(dir.path());
    let kb = knowledge_with_tool(dir.path(), &tool);
    let capture = dir.path().join("once.ndjson");
    let live = record_once(&capture, &["--knowledge", kb.to_str().unwrap()]);
    let own = &live["vendor_reports"][0];
    assert_eq!(own["vendor"], "globalprotect", "{own:#}");
    assert_eq!(own["installed"], true);
    assert_eq!(own["state"], "connected");
    assert_eq!(own["fields"]["protocol"], "IPSec");
    assert_eq!(own["runs"].as_array().unwrap().len(), 2);
    assert_eq!(own["runs"][0]["outcome"], "output");
    assert!(
        own["runs"][1]["stdout"]
            .as_str()
            .unwrap()
            .contains("Uptime(sec): 231")
    );
    // The tool says Connected; ssetop sees no GlobalProtect here: both sides are named.
    let judged = check(&live, "vendor-status:globalprotect");
    assert_eq!(judged["status"], "warn", "{judged:#}");
    let summary = judged["summary"].as_str().unwrap();
    assert!(summary.contains("says Connected"), "{summary}");
    assert!(summary.contains("ssetop sees"), "{summary}");
    // No Zscaler tool is known on Linux: listed, and skipped with the reason.
    assert_eq!(status(&live, "vendor-status:zscaler"), "skip");
    // The capture holds the tool's word; its replay shows it.
    let out = run(&[
        "--once",
        "--format",
        "json",
        "--replay",
        capture.to_str().unwrap(),
    ]);
    let replayed = json(&out);
    assert_eq!(replayed["vendor_reports"], live["vendor_reports"]);
    assert_eq!(
        check(&replayed, "vendor-status:globalprotect")["summary"],
        judged["summary"]
    );
}

#[test]
fn once_without_the_tool_installed_skips_naming_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-globalprotect");
    let kb = knowledge_with_tool(dir.path(), &missing);
    let out = run(&[
        "--once",
        "--no-dns",
        "--format",
        "json",
        "--knowledge",
        kb.to_str().unwrap(),
    ]);
    let report = json(&out);
    let check = check(&report, "vendor-status:globalprotect");
    assert_eq!(check["status"], "skip", "{check:#}");
    assert_eq!(
        check["summary"],
        format!(
            "GlobalProtect's status command is not installed at {}",
            missing.display()
        )
    );
    assert_eq!(report["vendor_reports"][0]["installed"], false);
}
