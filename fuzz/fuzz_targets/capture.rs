//! `--replay FILE`: any bytes give a capture or an error, never a panic. A capture that reads
//! rebuilds every snapshot; written again by the recorder (the first snapshot whole, the rest
//! as patches), it reads back to the same header and snapshots; and every snapshot is found
//! at its own time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssetop::capture::{Capture, Recorder};
use ssetop::snapshot::Snapshot;

fuzz_target!(|bytes: &[u8]| {
    let Ok(capture) = Capture::read(bytes, "fuzz") else {
        return;
    };
    let snapshots: Vec<Snapshot> = capture.snapshots().collect();
    assert!(!snapshots.is_empty(), "a capture that reads holds a snapshot");
    assert_eq!(snapshots.len(), capture.len(), "every snapshot rebuilds");
    let mut recorder =
        Recorder::start(Vec::new(), capture.header.clone(), false).expect("a header writes");
    for snapshot in &snapshots {
        recorder.write(snapshot).expect("a snapshot writes");
    }
    let written = recorder.into_inner();
    let again = Capture::read(written.as_slice(), "fuzz (written again)").unwrap_or_else(|e| {
        panic!(
            "the capture written again does not read: {e}\n{}",
            String::from_utf8_lossy(&written)
        )
    });
    // The recorder writes its own format, whatever the header read said.
    let mut header = capture.header.clone();
    header.format = ssetop::capture::FORMAT.into();
    assert_eq!(again.header, header);
    assert_eq!(again.snapshots().collect::<Vec<_>>(), snapshots);
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    for snapshot in &snapshots {
        let index = capture
            .index_at(snapshot.taken_at)
            .expect("a snapshot's own time is in the capture");
        assert_eq!(capture.taken_at(index), Some(snapshot.taken_at));
    }
});
