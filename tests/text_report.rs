//! The text report's own layout, read from the real binary on a capture.

mod common;

use common::{capture, code, run, stdout};
use serde_json::Value;

#[test]
fn an_empty_connections_section_says_none() {
    let text = std::fs::read_to_string(capture("outage-heals")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    let mut snapshot: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    snapshot["sockets"]["data"] = Value::Array(Vec::new());
    out.push_str(&format!("{snapshot}\n"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-sockets.ndjson");
    std::fs::write(&path, out).unwrap();

    let output = run(&["--once", "--replay", path.to_str().unwrap()]);
    assert!([0, 1, 2].contains(&code(&output)));
    let report = stdout(&output);
    assert!(
        report.contains("\nConnections by carrier\n  (none)\n"),
        "{report}"
    );
}
