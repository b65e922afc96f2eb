//! `--replay FILE --at WHEN` on a real capture: any text opens a report and the dashboard at a
//! snapshot of the capture or is a usage error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssetop::capture::Capture;
use std::sync::LazyLock;

static CAPTURE: LazyLock<Capture> = LazyLock::new(|| {
    let text = include_str!("../../tests/captures/outage-heals.ndjson");
    Capture::read(text.as_bytes(), "outage-heals.ndjson").expect("the test capture reads")
});

fuzz_target!(|at: &str| {
    let (report, dashboard) = ssetop::replay::starts_at_for_fuzzing(at, &CAPTURE);
    for index in [report, dashboard].into_iter().flatten() {
        assert!(
            index < CAPTURE.len(),
            "--at {at:?} opens at {index}"
        );
    }
});
