//! `--replay FILE`: any bytes give a capture or an error, never a panic. A capture that reads
//! re-serialises to NDJSON that reads back to the same header and snapshots (what `--record`
//! writes, a replay reads), and every snapshot is found at its own time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssetop::capture::Capture;

fuzz_target!(|bytes: &[u8]| {
    let Ok(capture) = Capture::read(bytes, "fuzz") else {
        return;
    };
    assert!(
        !capture.snapshots.is_empty(),
        "a capture that reads holds a snapshot"
    );
    let mut written = serde_json::to_string(&capture.header).expect("a header serialises");
    written.push('\n');
    for snapshot in &capture.snapshots {
        written.push_str(&serde_json::to_string(snapshot).expect("a snapshot serialises"));
        written.push('\n');
    }
    let again = Capture::read(written.as_bytes(), "fuzz (re-serialised)")
        .unwrap_or_else(|e| panic!("the re-serialised capture does not read: {e}\n{written}"));
    assert_eq!(again.header, capture.header);
    assert_eq!(again.snapshots, capture.snapshots);
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    for snapshot in &capture.snapshots {
        let index = capture
            .index_at(snapshot.taken_at)
            .expect("a snapshot's own time is in the capture");
        assert_eq!(capture.snapshots[index].taken_at, snapshot.taken_at);
    }
});
