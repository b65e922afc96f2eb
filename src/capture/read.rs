//! Reading a capture back: line by line as the file streams, each snapshot rebuilt and checked
//! by the very step a replay takes ([`Cursor`]), so that a capture that reads replays; each is
//! held as the patch from the one before, whole lines of format `v1` included.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::patch::{self, Shape};
use super::{Capture, CaptureError, Entry, FORMATS_READ, Header, HeldLine};
use crate::snapshot::Snapshot;

/// The lines of a capture as read, one at a time.
struct Lines<R> {
    reader: BufReader<R>,
    number: usize,
}

impl<R: Read> Lines<R> {
    /// The next line that is not blank: its number, text, and whether it ended with a newline
    /// (only the last line of a file cut off while being written does not).
    fn next(&mut self, path: &str) -> Result<Option<(usize, String, bool)>, CaptureError> {
        loop {
            let mut buffer = Vec::new();
            let n = self
                .reader
                .read_until(b'\n', &mut buffer)
                .map_err(|source| CaptureError::Read {
                    path: path.to_string(),
                    source,
                })?;
            if n == 0 {
                return Ok(None);
            }
            self.number += 1;
            let complete = buffer.last() == Some(&b'\n');
            let text = String::from_utf8(buffer).map_err(|_| CaptureError::Line {
                path: path.to_string(),
                line: self.number,
                message: "not UTF-8 text".into(),
            })?;
            if !text.trim().is_empty() {
                return Ok(Some((self.number, text, complete)));
            }
        }
    }
}

impl Capture {
    pub fn load(path: &Path) -> Result<Capture, CaptureError> {
        let file = std::fs::File::open(path).map_err(|source| CaptureError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::read(file, &path.display().to_string())
    }

    /// Reads a capture line by line, each snapshot checked as it comes and held as a patch.
    pub fn read(reader: impl Read, path: &str) -> Result<Capture, CaptureError> {
        let err = |line: usize, message: String| CaptureError::Line {
            path: path.to_string(),
            line,
            message,
        };
        let mut lines = Lines {
            reader: BufReader::new(reader),
            number: 0,
        };
        let Some((header_line, first, _)) = lines.next(path)? else {
            return Err(CaptureError::Whole {
                path: path.to_string(),
                message: "the capture is empty".into(),
            });
        };
        let header = read_header(&first).map_err(|message| err(header_line, message))?;
        let mut entries: Vec<Entry> = Vec::new();
        let mut warnings = Vec::new();
        let mut reading = Reading::default();
        while let Some((line, text, complete)) = lines.next(path)? {
            match reading.next(text.trim_end()) {
                Ok(entry) => {
                    if let Some(previous) = entries.last().map(|e| e.taken_at)
                        && entry.taken_at < previous
                    {
                        return Err(err(
                            line,
                            format!(
                                "snapshot time {} goes back before {previous}",
                                entry.taken_at
                            ),
                        ));
                    }
                    entries.push(entry);
                }
                // An interrupted writer leaves a cut-off last line (the only one without a
                // newline): safe to drop.
                Err(what) if !complete && !entries.is_empty() => {
                    warnings.push(format!(
                        "line {line} is cut off ({what}); replaying the {} complete snapshot(s) before it",
                        entries.len()
                    ));
                    break;
                }
                Err(what) => return Err(err(line, what)),
            }
        }
        if entries.is_empty() {
            return Err(CaptureError::Whole {
                path: path.to_string(),
                message: "the capture holds no snapshot".into(),
            });
        }
        Ok(Capture {
            path: path.to_string(),
            header_line,
            header,
            warnings,
            entries,
        })
    }
}

/// The header, from its line's text.
fn read_header(text: &str) -> Result<Header, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("the header is not JSON: {e}"))?;
    let expected = FORMATS_READ.map(|f| format!("{f:?}")).join(" or ");
    match value.get("format").and_then(Value::as_str) {
        Some(format) if FORMATS_READ.contains(&format) => {}
        Some(other) => {
            return Err(format!(
                "unknown capture format {other:?} (this ssetop reads {expected})"
            ));
        }
        None => {
            return Err(format!(
                "not a capture header (no \"format\"; expected {expected})"
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| format!("malformed header: {e}"))
}

fn not_json(e: serde_json::Error) -> String {
    format!("not JSON ({e})")
}

/// The reading of a capture's snapshot lines, one after the other.
#[derive(Default)]
struct Reading {
    /// The same steps as a replay's.
    cursor: Cursor,
    /// The shape of the last line, when it was whole: a `v1` line is held as its patch.
    whole_shape: Option<Shape>,
}

impl Reading {
    /// The entry of a snapshot line, rebuilt and checked as a replay will.
    fn next(&mut self, text: &str) -> Result<Entry, String> {
        // Only the top level: a whole line is not made a JSON tree here.
        let members: std::collections::BTreeMap<String, &RawValue> = serde_json::from_str(text)
            .map_err(|e| {
                if e.is_syntax() || e.is_eof() {
                    not_json(e)
                } else {
                    format!("not a snapshot: {e}")
                }
            })?;
        let line = match members.get("patch") {
            Some(patch) => {
                self.whole_shape = None;
                HeldLine::Patch(patch.get().into())
            }
            None => self.whole(text)?,
        };
        let snapshot = self.cursor.step(&line)?;
        Ok(Entry {
            taken_at: snapshot.taken_at,
            line,
        })
    }

    /// A whole line: held whole when first, else as the patch from the snapshot before (whole
    /// again when that patch would not read back: deeper than JSON is read).
    fn whole(&mut self, text: &str) -> Result<HeldLine, String> {
        let old = match (self.whole_shape.take(), self.cursor.current.as_ref()) {
            (Some(shape), _) => Some(shape),
            (None, Some(rebuilt)) => Some(Shape::of(
                &serde_json::to_string(rebuilt).map_err(|e| e.to_string())?,
            )?),
            (None, None) => None,
        };
        let Some(old) = old else {
            self.whole_shape = Some(Shape::of(text)?);
            return Ok(HeldLine::Whole(text.into()));
        };
        let held = match patch::diff(&old, text) {
            Ok((patch, shape)) => {
                self.whole_shape = Some(shape);
                let patch = patch::text(patch);
                match serde_json::from_str::<Value>(&patch) {
                    Ok(_) => HeldLine::Patch(patch.into()),
                    Err(_) => HeldLine::Whole(text.into()),
                }
            }
            Err(_) => {
                self.whole_shape = Shape::of(text).ok();
                HeldLine::Whole(text.into())
            }
        };
        Ok(held)
    }
}

/// Rebuilds a capture's snapshots one after the other: it holds the last one as JSON. The
/// reading of a capture takes the same steps, so a capture that read rebuilds.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    /// The index of the snapshot the next call gives.
    next: usize,
    current: Option<Value>,
}

impl Cursor {
    /// The next snapshot, or none after the last.
    pub(crate) fn next(&mut self, capture: &Capture) -> Option<Result<Snapshot, String>> {
        let entry = capture.entries.get(self.next)?;
        self.next += 1;
        Some(self.step(&entry.line))
    }

    /// From the snapshot before to the one `line` holds.
    fn step(&mut self, line: &HeldLine) -> Result<Snapshot, String> {
        match line {
            HeldLine::Whole(text) => {
                self.current = Some(serde_json::from_str(text).map_err(not_json)?);
            }
            HeldLine::Patch(text) => {
                let patch = serde_json::from_str(text).map_err(not_json)?;
                let current = self
                    .current
                    .as_mut()
                    .ok_or("a patch with no snapshot before it")?;
                patch::apply(current, patch)
                    .map_err(|e| format!("a patch that does not fit: {e}"))?;
            }
        }
        let current = self.current.as_ref().ok_or("no snapshot")?;
        Snapshot::deserialize(current).map_err(|e| format!("not a snapshot: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FORMAT, Recorder};

    fn fixture(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/captures")
            .join(format!("{name}.ndjson"));
        std::fs::read_to_string(path).expect("the fixture")
    }

    /// The snapshots of a capture's lines, each read whole (a `v1` capture).
    fn whole_lines(text: &str) -> Vec<Snapshot> {
        text.lines()
            .skip(1)
            .map(|line| serde_json::from_str(line).expect("a whole snapshot"))
            .collect()
    }

    fn recorded(header: &Header, snapshots: &[Snapshot]) -> String {
        let mut recorder = Recorder::start(Vec::new(), header.clone(), false).unwrap();
        for snapshot in snapshots {
            recorder.write(snapshot).unwrap();
        }
        String::from_utf8(recorder.into_inner()).unwrap()
    }

    #[test]
    fn a_v1_capture_reads_to_the_snapshots_its_lines_hold() {
        let text = fixture("outage-heals");
        let capture = Capture::read(text.as_bytes(), "outage-heals").unwrap();
        assert_eq!(capture.snapshots().collect::<Vec<_>>(), whole_lines(&text));
    }

    #[test]
    fn a_recording_holds_the_first_snapshot_whole_then_patches_and_reads_back_the_same() {
        let text = fixture("outage-heals");
        let capture = Capture::read(text.as_bytes(), "outage-heals").unwrap();
        let snapshots = whole_lines(&text);
        let written = recorded(&capture.header, &snapshots);
        let lines: Vec<&str> = written.lines().collect();
        assert!(lines[0].contains(FORMAT), "{}", lines[0]);
        assert!(lines[1].starts_with("{\"") && !lines[1].starts_with("{\"patch\""));
        assert!(lines[2..].iter().all(|l| l.starts_with("{\"patch\":")));
        assert!(
            written.len() < text.len() / 2,
            "patches are smaller than whole snapshots: {} of {} bytes",
            written.len(),
            text.len()
        );
        let again = Capture::read(written.as_bytes(), "written").unwrap();
        assert_eq!(again.snapshots().collect::<Vec<_>>(), snapshots);
        assert!(again.warnings.is_empty());
    }

    #[test]
    fn a_large_v1_capture_of_a_few_changes_a_tick_is_held_as_patches() {
        let text = fixture("outage-heals");
        let first = whole_lines(&text).remove(0);
        let row = |i: usize| {
            serde_json::json!({ "protocol": "tcp", "local": format!("10.1.{}.{}:50000", i / 250, i % 250),
                "remote": "150.171.19.10:443", "state": "TIME_WAIT", "pids": [], "uid": 0 })
        };
        // 60 snapshots of 3,000 sockets, 10 replaced each tick: every line whole, as v1 wrote.
        let mut text = text.lines().next().unwrap().to_string();
        text.push('\n');
        let mut value = serde_json::to_value(&first).unwrap();
        let mut sockets: Vec<Value> = (0..3000).map(row).collect();
        for tick in 0..60usize {
            sockets.drain(0..10);
            sockets.extend((0..10).map(|i| row(3000 + tick * 10 + i)));
            value["sockets"] = serde_json::json!({ "status": "ok", "data": sockets });
            value["taken_at"] = serde_json::json!(format!("2026-11-02T10:00:{tick:02}Z"));
            text.push_str(&value.to_string());
            text.push('\n');
        }
        let capture = Capture::read(text.as_bytes(), "large").unwrap();
        let held: usize = capture
            .entries
            .iter()
            .map(|e| match &e.line {
                HeldLine::Whole(text) | HeldLine::Patch(text) => text.len(),
            })
            .sum();
        assert!(
            held * 10 < text.len(),
            "held {held} bytes of a {}-byte capture",
            text.len()
        );
        assert_eq!(capture.snapshots().collect::<Vec<_>>(), whole_lines(&text));
    }

    #[test]
    fn a_patch_line_that_cannot_apply_is_an_error_naming_its_line() {
        let text = fixture("outage-heals");
        let header = text.lines().next().unwrap();
        let first = text.lines().nth(1).unwrap();
        let cases = [
            (
                format!("{header}\n{{\"patch\":{{\"o\":{{}}}}}}\n"),
                2,
                "no snapshot before it",
            ),
            (
                format!(
                    "{header}\n{first}\n{{\"patch\":{{\"o\":{{\"sockets\":{{\"a\":[1]}}}}}}}}\n"
                ),
                3,
                "does not fit",
            ),
        ];
        for (text, line, says) in cases {
            let err = Capture::read(text.as_bytes(), "damaged")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(&format!("line {line}:")) && err.contains(says),
                "{err}"
            );
        }
    }

    #[test]
    fn a_cut_off_last_patch_line_is_dropped_with_a_warning() {
        let text = fixture("outage-heals");
        let capture = Capture::read(text.as_bytes(), "outage-heals").unwrap();
        let snapshots = whole_lines(&text);
        let written = recorded(&capture.header, &snapshots[..5]);
        let cut = &written[..written.len() - 20];
        let again = Capture::read(cut.as_bytes(), "cut").unwrap();
        assert_eq!(again.len(), 4);
        assert!(
            again.warnings[0].contains("line 6 is cut off"),
            "{:?}",
            again.warnings
        );
        assert_eq!(again.snapshots().collect::<Vec<_>>(), snapshots[..4]);
    }
}
