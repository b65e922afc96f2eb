//! `--interval`, `--deadline`, `--duration`, … and a capture's recorded options: any text gives
//! a duration or an error, never a panic. A duration that parses prints (exactly, as a
//! capture records it) as text that parses back to the same duration, to the millisecond.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ssetop::util::{format_duration, format_duration_exact, parse_duration};

fuzz_target!(|text: &str| {
    let Ok(duration) = parse_duration(text) else {
        return;
    };
    let _ = format_duration(duration);
    let exact = format_duration_exact(duration);
    // Below a million seconds the f64 arithmetic of the parser is exact to the nanosecond;
    // above it, a recorded option only has to read back.
    let read_back = parse_duration(&exact).unwrap_or_else(|e| {
        panic!("{text:?} → {duration:?} prints as {exact:?}, which does not parse: {e}")
    });
    if duration < Duration::from_secs(1_000_000) {
        let to_the_millisecond = Duration::from_millis(duration.as_millis() as u64);
        assert_eq!(read_back, to_the_millisecond, "{text:?} → {exact:?}");
    }
});
