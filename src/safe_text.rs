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

/// [`json`] as a writer: what is written to it reaches `inner` escaped the same way, byte for
/// byte, without the document ever being held whole (a report of 20,000 connections is 20 MB
/// of text). Bytes are held back only while a write may have ended inside a character that is
/// escaped; call [`JsonEscaper::finish`] at the end.
pub(crate) struct JsonEscaper<W: std::io::Write> {
    inner: W,
    /// The start of a character split across writes: at most its first two bytes.
    held: Vec<u8>,
}

impl<W: std::io::Write> JsonEscaper<W> {
    pub(crate) fn new(inner: W) -> JsonEscaper<W> {
        JsonEscaper {
            inner,
            held: Vec::with_capacity(4),
        }
    }

    /// Writes what was held back (a document cut inside a character ends with it unescaped,
    /// as [`json`] leaves a character it does not know) and flushes.
    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        let held = std::mem::take(&mut self.held);
        self.inner.write_all(&held)?;
        self.inner.flush()?;
        Ok(self.inner)
    }

    /// Escapes `bytes`, which end where no escaped character is cut.
    fn escape(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut rest = bytes;
        // How much of `rest` is known to be written as it is.
        let mut plain = 0;
        loop {
            let (_, unknown) = rest.split_at(plain);
            // memchr's vectorised search: a report is megabytes of ASCII with none of them.
            let Some(at) = memchr::memchr3(0x7f, 0xc2, 0xe2, unknown) else {
                return self.inner.write_all(rest);
            };
            let (_, candidate) = unknown.split_at(at);
            // In UTF-8, U+007F is 7F, U+0080–U+009F are C2 80–C2 9F, U+202A–U+202E are
            // E2 80 AA–E2 80 AE and U+2066–U+2069 are E2 81 A6–E2 81 A9.
            let (escaped, after) = match candidate {
                [0x7f, after @ ..] => (0x7f, after),
                [0xc2, b @ 0x80..=0x9f, after @ ..] => (u32::from(*b), after),
                [0xe2, 0x80, b @ 0xaa..=0xae, after @ ..] => (0x2000 + u32::from(*b - 0x80), after),
                [0xe2, 0x81, b @ 0xa6..=0xa9, after @ ..] => (0x2040 + u32::from(*b - 0x80), after),
                // Another character that starts with the same byte: part of the plain run.
                _ => {
                    plain += at + 1;
                    continue;
                }
            };
            let (before, _) = rest.split_at(plain + at);
            self.inner.write_all(before)?;
            write!(self.inner, "\\u{escaped:04x}")?;
            rest = after;
            plain = 0;
        }
    }
}

impl<W: std::io::Write> std::io::Write for JsonEscaper<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut joined;
        let mut bytes = buf;
        if !self.held.is_empty() {
            joined = std::mem::take(&mut self.held);
            joined.extend_from_slice(buf);
            bytes = &joined;
        }
        // Hold back a lead byte of an escaped character that this write may have cut.
        let keep = match bytes {
            [.., 0xc2 | 0xe2] => 1,
            [.., 0xe2, _] => 2,
            _ => 0,
        };
        let (now, later) = bytes.split_at(bytes.len() - keep);
        self.held.extend_from_slice(later);
        self.escape(now)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// [`output`] as a `fmt::Write` onto an `io::Write`: each piece is escaped on its way, which
/// gives the bytes [`output`] gives for the whole text (its rule is per character), without
/// the text ever being held whole. The first failed write ends the writing; [`Self::finish`]
/// returns its error.
pub(crate) struct TextEscaper<W: std::io::Write> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> TextEscaper<W> {
    pub(crate) fn new(inner: W) -> TextEscaper<W> {
        TextEscaper { inner, error: None }
    }

    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        match self.error.take() {
            Some(e) => Err(e),
            None => self.inner.flush().map(|()| self.inner),
        }
    }
}

impl<W: std::io::Write> Write for TextEscaper<W> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.inner.write_all(output(text).as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
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
    fn the_json_escaper_writes_what_json_returns_however_the_writes_are_cut() {
        let value = serde_json::json!({
            "name": "a\u{9b}b\u{202e}c\u{7f}\u{1b}\u{2066}\u{2069}\u{80}\u{9f}\u{a0}\u{202f}\u{2065}é日",
            "ok": ["\u{2029}", "\u{c2}", "plain"],
        });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let expected = json(&text).into_owned();
        let bytes = text.as_bytes();
        for size in 1..=bytes.len() {
            let mut escaper = JsonEscaper::new(Vec::new());
            for chunk in bytes.chunks(size) {
                std::io::Write::write_all(&mut escaper, chunk).unwrap();
            }
            let written = String::from_utf8(escaper.finish().unwrap()).unwrap();
            assert_eq!(written, expected, "writes of {size} bytes");
        }
        // Every cut of two writes, too.
        for cut in 0..=bytes.len() {
            let mut escaper = JsonEscaper::new(Vec::new());
            let (a, b) = bytes.split_at(cut);
            std::io::Write::write_all(&mut escaper, a).unwrap();
            std::io::Write::write_all(&mut escaper, b).unwrap();
            let written = String::from_utf8(escaper.finish().unwrap()).unwrap();
            assert_eq!(written, expected, "cut at {cut}");
        }
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
