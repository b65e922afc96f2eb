//! `--theme FILE`: any text gives a theme or an error, never a panic; parsing is a pure
//! function of the text (the same text, the same theme).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssetop::tui::theme::Theme;

fuzz_target!(|text: &str| {
    let first = Theme::parse(text, "fuzz");
    let second = Theme::parse(text, "fuzz");
    assert_eq!(format!("{first:?}"), format!("{second:?}"));
});
