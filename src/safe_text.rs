//! The one path by which text that other people chose reaches a terminal.
//!
//! Process names, executable paths, adapter descriptions, profile rule ids, DNS names and
//! whole captures come from other users and programs on the device, and ssetop often runs
//! elevated. A terminal acts on some characters instead of showing them: C0 controls (escape
//! sequences, backspace, carriage return), DEL, the C1 controls (U+0080–U+009F, which some
//! terminals read as CSI and OSC), and the bidirectional overrides and isolates, which reorder
//! what is shown. Each of those is written as a visible escape instead (`\x1b`, `\u{202e}`).
//!
//! Two entry points, one rule ([`needs_escape`]):
//! - [`field`] and [`bounded`] for one value placed in a line: every such character is escaped,
//!   line breaks included, so a value cannot start a line of its own;
//! - [`output`] for a whole text written to stdout or stderr: the same, except the line breaks
//!   the program wrote itself. It is the net under every text output, so a value that a view
//!   forgot to pass through [`field`] can at worst break a line, never drive the terminal.
//!
//! JSON needs none of this: serde_json escapes every control character.

use std::borrow::Cow;
use std::fmt::Write;

/// A character that a terminal may act on rather than show.
pub(crate) fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'          // C0 controls: ESC, BEL, BS, CR, LF, TAB, …
        | '\u{7f}'                  // DEL
        | '\u{80}'..='\u{9f}'       // C1 controls (CSI U+009B, OSC U+009D, …)
        | '\u{202a}'..='\u{202e}'   // bidirectional embeddings and overrides
        | '\u{2066}'..='\u{2069}'   // bidirectional isolates
    )
}

fn escape_where(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !escape(c) {
            out.push(c);
        } else if u32::from(c) < 0x80 {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

/// One value for a line of text: every character a terminal acts on, line breaks included,
/// written as a visible escape.
pub(crate) fn field(text: &str) -> Cow<'_, str> {
    escape_where(text, needs_escape)
}

/// [`field`], cut to `max_chars` characters (with `…`) where a long value could push the rest
/// of its line out of sight: names and paths, which their owners choose.
pub(crate) fn bounded(text: &str, max_chars: usize) -> Cow<'_, str> {
    let escaped = field(text);
    match escaped.char_indices().nth(max_chars.saturating_sub(1)) {
        Some((cut, _)) if escaped.chars().count() > max_chars => {
            Cow::Owned(format!("{}…", &escaped[..cut]))
        }
        _ => escaped,
    }
}

/// A whole text about to be written to a terminal (a report, an error): as [`field`], but the
/// line breaks stay.
pub(crate) fn output(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && needs_escape(c))
}

/// A JSON document about to be written to a terminal. serde_json escapes the C0 controls but
/// writes DEL, the C1 controls and the bidirectional characters raw; outside strings JSON is
/// ASCII, so each of those is inside a string and `\uXXXX` there means the same character.
pub(crate) fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape_in_json) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape_in_json(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// What serde_json leaves raw of [`needs_escape`]: everything but the C0 controls, which it
/// escapes, and the line breaks between a pretty document's lines.
fn needs_escape_in_json(c: char) -> bool {
    u32::from(c) >= 0x20 && needs_escape(c)
}

/// The longest a name or path is printed in a line of the text report.
pub(crate) const NAME_CHARS: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    /// The hostile names the security report used, and the escapes a reader sees instead.
    const HOSTILE: [(&str, &str); 6] = [
        ("\u{1b}]2;PWNED\u{7}", "\\x1b]2;PWNED\\x07"),
        ("\u{1b}[2J\u{1b}[41mEVIL", "\\x1b[2J\\x1b[41mEVIL"),
        (
            "good\u{8}\u{8}\u{8}\u{8}evil",
            "good\\x08\\x08\\x08\\x08evil",
        ),
        ("line\rPASS", "line\\x0dPASS"),
        ("exe\u{202e}fdp.exe", "exe\\u{202e}fdp.exe"),
        ("csi\u{9b}31m", "csi\\u{9b}31m"),
    ];

    #[test]
    fn every_hostile_character_becomes_a_visible_escape() {
        for (hostile, shown) in HOSTILE {
            assert_eq!(field(hostile), shown);
            assert!(!field(hostile).chars().any(needs_escape), "{shown}");
        }
    }

    #[test]
    fn a_field_cannot_start_a_line_but_an_output_keeps_its_own_lines() {
        assert_eq!(field("a\nFAIL forged"), "a\\x0aFAIL forged");
        assert_eq!(output("PASS x\n\u{1b}[2J"), "PASS x\n\\x1b[2J");
        assert_eq!(field("tab\there"), "tab\\x09here");
    }

    #[test]
    fn ordinary_text_is_untouched_and_not_copied() {
        for text in [
            "OUTLOOK.EXE",
            "Ethernet 2",
            "Zürich-Büro",
            "日本語",
            "a\\x1b literal",
        ] {
            assert!(matches!(field(text), Cow::Borrowed(_)), "{text}");
            assert!(matches!(output(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn every_range_the_rule_names_is_escaped_and_its_neighbours_are_not() {
        for c in [
            '\u{0}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{202a}', '\u{202e}',
        ] {
            assert!(needs_escape(c), "{:x}", u32::from(c));
        }
        for c in ['\u{2066}', '\u{2069}'] {
            assert!(needs_escape(c), "{:x}", u32::from(c));
        }
        for c in [
            ' ', '~', '\u{a0}', 'é', '\u{2029}', '\u{202f}', '\u{2065}', '\u{206a}',
        ] {
            assert!(!needs_escape(c), "{:x}", u32::from(c));
        }
    }

    #[test]
    fn json_keeps_its_meaning_and_loses_its_raw_controls() {
        let value = serde_json::json!({ "name": "a\u{9b}b\u{202e}c\u{7f}\u{1b}" });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = json(&text);
        assert!(
            !safe.chars().any(|c| c != '\n' && needs_escape(c)),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis_after_escaping() {
        let long = "a".repeat(200);
        let cut = bounded(&long, NAME_CHARS);
        assert_eq!(cut.chars().count(), NAME_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(bounded("short", NAME_CHARS), "short");
        let exact = "b".repeat(NAME_CHARS);
        assert_eq!(bounded(&exact, NAME_CHARS), exact);
        // The cut never leaves half an escape's worth of control behind: it is all text.
        let hostile = format!("{}\u{1b}[2J", "c".repeat(62));
        assert!(!bounded(&hostile, NAME_CHARS).chars().any(needs_escape));
    }
}
