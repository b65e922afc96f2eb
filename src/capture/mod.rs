//! Captures: a recording of snapshots as newline-delimited JSON, to hand a device's state to
//! someone else and replay it through the same analysis.
//!
//! Line 1 is a header (format version, ssetop version, host, OS, start time, options, the
//! knowledge base); line 2 is the first [`Snapshot`], whole; every further line is
//! `{"patch": PATCH}`, what changed since the snapshot before ([`patch`]). `--redact` replaces
//! the host name, user names and the tenant id with stable placeholders before anything is
//! written.
//!
//! Format `v1` wrote every snapshot whole; it still reads (a line may be either kind). The
//! header's analysis options (`setup`, `outage_threshold`, `outage_window`, `zpa_range`) and
//! `knowledge` were added within `v1`: optional, so older captures still read (a replay then
//! uses its own defaults).

mod patch;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::time::Duration;

use ipnet::IpNet;
use jiff::Timestamp;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::patch::Shape;
use crate::knowledge::SetupId;
use crate::snapshot::Snapshot;

/// The format `--record` writes.
pub const FORMAT: &str = "ssetop.capture.v2";
/// The formats a replay reads: `v1` held every snapshot whole.
const FORMATS_READ: [&str; 2] = ["ssetop.capture.v1", FORMAT];

/// Keys of the header's `options` that a replay applies (the options of the same names).
pub const OPTION_SETUP: &str = "setup";
pub const OPTION_OUTAGE_THRESHOLD: &str = "outage_threshold";
pub const OPTION_OUTAGE_WINDOW: &str = "outage_window";
/// Comma-separated CIDRs.
pub const OPTION_ZPA_RANGE: &str = "zpa_range";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub format: String,
    pub ssetop_version: String,
    pub host: String,
    pub os: String,
    pub started_at: Timestamp,
    /// The options the capture was recorded with, as text (durations exact, as
    /// `crate::util::parse_duration` reads them).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// The knowledge base the recording judged with; absent in older captures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<RecordedKnowledge>,
    #[serde(default)]
    pub redacted: bool,
}

/// The knowledge base of a recording: the embedded one (its version), or a `--knowledge` file
/// with its text, so that a replay on another machine judges with the same facts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedKnowledge {
    /// `embedded`, or the file's path (only its name in a redacted capture).
    pub origin: String,
    pub version: String,
    /// The file's text; absent for the embedded knowledge base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toml: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot read capture {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Whole { path: String, message: String },
}

/// A capture read back, with what was passed over. It holds its first snapshot as JSON text
/// and each later one as the patch from the one before ([`patch`]), whatever the file holds
/// (captures before `v2` hold every snapshot whole): its memory follows what changed on the
/// device, not how many rows it held. [`Capture::snapshots`] rebuilds them in order.
#[derive(Debug, Clone)]
pub struct Capture {
    pub path: String,
    /// The header's line number (1 unless blank lines come first), for errors about it.
    pub header_line: usize,
    pub header: Header,
    pub warnings: Vec<String>,
    /// One per snapshot, in order; never empty.
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    taken_at: Timestamp,
    /// The first snapshot as JSON; after it, the patch from the snapshot before.
    json: Box<str>,
}

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

    /// Reads a capture line by line, each snapshot checked as it comes and kept as a patch.
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
        let mut current: Option<Current> = None;
        while let Some((line, text, complete)) = lines.next(path)? {
            match next_entry(&text, current.take()) {
                Ok((entry, next)) => {
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
                    current = Some(next);
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

    /// How many snapshots it holds (at least one).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Never: a capture that reads holds a snapshot.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// When snapshot `index` was taken.
    pub fn taken_at(&self, index: usize) -> Option<Timestamp> {
        self.entries.get(index).map(|e| e.taken_at)
    }

    /// When the first and the last snapshot were taken.
    #[allow(
        clippy::indexing_slicing,
        reason = "a loaded capture holds at least one snapshot: Capture::read refuses one without"
    )]
    pub fn span(&self) -> (Timestamp, Timestamp) {
        (
            self.entries[0].taken_at,
            self.entries[self.entries.len() - 1].taken_at,
        )
    }

    /// The snapshots from the first, rebuilt one after the other.
    pub fn snapshots(&self) -> impl Iterator<Item = Snapshot> + '_ {
        let mut cursor = Cursor::default();
        std::iter::from_fn(move || cursor.next(self))
    }

    /// The index of the last snapshot taken at or before `at`.
    pub fn index_at(&self, at: Timestamp) -> Option<usize> {
        self.entries.iter().rposition(|e| e.taken_at <= at)
    }

    /// The index of the first snapshot taken at or after `at`.
    pub fn index_from(&self, at: Timestamp) -> Option<usize> {
        self.entries.iter().position(|e| e.taken_at >= at)
    }

    /// A capture of these snapshots (for tests that alter a recorded device).
    #[doc(hidden)]
    pub fn from_snapshots(
        path: &str,
        header: Header,
        snapshots: impl IntoIterator<Item = Snapshot>,
    ) -> Result<Capture, CaptureError> {
        let mut text = serde_json::to_string(&header).unwrap_or_default();
        text.push('\n');
        for snapshot in snapshots {
            text.push_str(&serde_json::to_string(&snapshot).unwrap_or_default());
            text.push('\n');
        }
        Capture::read(text.as_bytes(), path)
    }

    /// An error about the header: a malformed capture.
    pub fn header_error(&self, message: String) -> CaptureError {
        CaptureError::Line {
            path: self.path.clone(),
            line: self.header_line,
            message,
        }
    }

    /// A recorded option as written, if the capture has it.
    pub fn recorded_text(&self, key: &str) -> Option<&str> {
        self.header.options.get(key).map(String::as_str)
    }

    /// Read only when a replay uses it: an option given again on the replay's command line
    /// makes a recorded value this ssetop cannot read irrelevant.
    fn recorded<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, CaptureError> {
        let Some(text) = self.recorded_text(key) else {
            return Ok(None);
        };
        parse(text).map(Some).map_err(|e| {
            self.header_error(format!(
                "the recorded option {key} = {text:?} is malformed: {e}"
            ))
        })
    }

    pub fn recorded_setup(&self) -> Result<Option<SetupId>, CaptureError> {
        self.recorded(OPTION_SETUP, |text| {
            <SetupId as clap::ValueEnum>::from_str(text, false)
                .map_err(|_| "not a setup this ssetop knows".to_string())
        })
    }

    pub fn recorded_duration(&self, key: &str) -> Result<Option<Duration>, CaptureError> {
        self.recorded(key, crate::util::parse_duration)
    }

    pub fn recorded_zpa_ranges(&self) -> Result<Option<Vec<IpNet>>, CaptureError> {
        self.recorded(OPTION_ZPA_RANGE, |text| {
            text.split(',')
                .map(|cidr| {
                    cidr.trim()
                        .parse::<IpNet>()
                        .map_err(|e| format!("{cidr:?}: {e}"))
                })
                .collect()
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

/// The snapshot read last, as the next line needs it.
enum Current {
    /// A whole snapshot's line, and its shape for the next whole line's patch.
    Whole(String, Shape),
    /// A snapshot rebuilt from a patch, for the next patch.
    Rebuilt(Value),
}

/// The snapshot a line holds (whole, or as a patch to `current`), checked: its entry, and what
/// the next line needs of it.
fn next_entry(text: &str, current: Option<Current>) -> Result<(Entry, Current), String> {
    let text = text.trim_end();
    let members: BTreeMap<String, &serde_json::value::RawValue> = serde_json::from_str(text)
        .map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                format!("not JSON ({e})")
            } else {
                format!("not a snapshot: {e}")
            }
        })?;
    let not_a_snapshot = |e: serde_json::Error| format!("not a snapshot: {e}");
    if let Some(patch) = members.get("patch") {
        let mut value = match current {
            None => return Err("a patch with no snapshot before it".into()),
            Some(Current::Whole(line, _)) => {
                serde_json::from_str(&line).map_err(|e| format!("not JSON ({e})"))?
            }
            Some(Current::Rebuilt(value)) => value,
        };
        let patch = serde_json::from_str(patch.get()).map_err(|e| format!("not JSON ({e})"))?;
        patch::apply(&mut value, patch).map_err(|e| format!("a patch that does not fit: {e}"))?;
        let snapshot = Snapshot::deserialize(&value).map_err(not_a_snapshot)?;
        let entry = Entry {
            taken_at: snapshot.taken_at,
            json: text.into(),
        };
        return Ok((entry, Current::Rebuilt(value)));
    }
    // A whole snapshot: held as the patch from the one before, if any.
    let snapshot: Snapshot = serde_json::from_str(text).map_err(not_a_snapshot)?;
    let raw: &serde_json::value::RawValue =
        serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let (json, shape) = match current {
        None => (text.into(), Shape::of(raw)?),
        Some(previous) => {
            let old = match previous {
                Current::Whole(_, shape) => shape,
                Current::Rebuilt(value) => {
                    let line = serde_json::to_string(&value).map_err(|e| e.to_string())?;
                    let raw = serde_json::value::RawValue::from_string(line)
                        .map_err(|e| e.to_string())?;
                    Shape::of(&raw)?
                }
            };
            let (patch, shape) = patch::diff(&old, raw)?;
            (patch_line(patch).into(), shape)
        }
    };
    let entry = Entry {
        taken_at: snapshot.taken_at,
        json,
    };
    Ok((entry, Current::Whole(text.to_string(), shape)))
}

/// The line of a snapshot written as what changed (nothing, when nothing did).
fn patch_line(patch: Option<Value>) -> String {
    let patch = patch.unwrap_or_else(|| serde_json::json!({ "o": {} }));
    serde_json::json!({ "patch": patch }).to_string()
}

/// Rebuilds a capture's snapshots one after the other: it holds the last one as JSON.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    /// The index of the snapshot the next call gives.
    next: usize,
    current: Option<Value>,
}

impl Cursor {
    /// The next snapshot, or none after the last. A capture that read cannot fail here (each
    /// snapshot was rebuilt and checked as it was read); if it did, its snapshots would end.
    pub(crate) fn next(&mut self, capture: &Capture) -> Option<Snapshot> {
        let entry = capture.entries.get(self.next)?;
        let line: Value = serde_json::from_str(&entry.json).ok()?;
        match (line, self.current.as_mut()) {
            (Value::Object(mut line), Some(current)) if line.contains_key("patch") => {
                patch::apply(current, line.remove("patch")?).ok()?;
            }
            (line, _) => self.current = Some(line),
        }
        self.next += 1;
        Snapshot::deserialize(self.current.as_ref()?).ok()
    }
}

/// Writes a capture line by line, flushing each so that an interrupted recording keeps
/// everything before the interruption.
pub struct Recorder<W: Write> {
    out: W,
    redactor: Option<Redactor>,
    /// What the snapshot written last looked like, to write only what changed since.
    previous: Option<Shape>,
}

impl<W: Write> Recorder<W> {
    pub fn start(mut out: W, mut header: Header, redact: bool) -> std::io::Result<Recorder<W>> {
        // What it writes is this format, whatever the header was copied from.
        header.format = FORMAT.into();
        let mut redactor = redact.then(Redactor::default);
        if let Some(r) = redactor.as_mut() {
            r.learn_host(&header.host);
            header.host = r.apply_text(&header.host);
            // The user names are not known yet (they come with the snapshots); a path to the
            // knowledge file may hold one, its name rarely does.
            if let Some(k) = header.knowledge.as_mut() {
                let name = Path::new(&k.origin)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| k.origin.clone());
                k.origin = r.apply_text(&name);
            }
            header.redacted = true;
        }
        writeln!(out, "{}", serde_json::to_string(&header)?)?;
        out.flush()?;
        Ok(Recorder {
            out,
            redactor,
            previous: None,
        })
    }

    pub fn write(&mut self, snapshot: &Snapshot) -> std::io::Result<()> {
        let text = match self.redactor.as_mut() {
            Some(r) => serde_json::to_string(&r.redact(snapshot))?,
            None => serde_json::to_string(snapshot)?,
        };
        let raw = serde_json::value::RawValue::from_string(text)?;
        // The first snapshot whole; then what changed since the one before.
        match self.previous.take() {
            None => {
                self.previous = Some(Shape::of(&raw).map_err(std::io::Error::other)?);
                writeln!(self.out, "{}", raw.get())?;
            }
            Some(old) => {
                let (patch, shape) = patch::diff(&old, &raw).map_err(std::io::Error::other)?;
                self.previous = Some(shape);
                writeln!(self.out, "{}", patch_line(patch))?;
            }
        }
        self.out.flush()
    }

    /// What it wrote to.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Accounts that name no person, kept as they are.
const SYSTEM_ACCOUNTS: &[&str] = &[
    "root",
    "system",
    "local service",
    "network service",
    "daemon",
    "nobody",
    "messagebus",
    "syslog",
    "_apt",
];

/// Replaces secrets with placeholders that stay the same for the whole capture.
#[derive(Default)]
pub struct Redactor {
    /// secret (lower case) → placeholder
    map: BTreeMap<String, String>,
    users: usize,
    pattern: Option<Regex>,
}

impl Redactor {
    fn add(&mut self, secret: &str, placeholder: impl FnOnce(&mut Self) -> String) {
        let key = secret.trim().to_lowercase();
        if key.len() < 2 || self.map.contains_key(&key) {
            return;
        }
        let value = placeholder(self);
        self.map.insert(key, value);
        self.pattern = None;
    }

    pub fn learn_host(&mut self, host: &str) {
        self.add(host, |_| "redacted-host".into());
    }

    fn learn_user(&mut self, user: &str) {
        if SYSTEM_ACCOUNTS.contains(&user.to_lowercase().as_str()) || user.ends_with('$') {
            return;
        }
        self.add(user, |r| {
            r.users += 1;
            format!("redacted-user-{}", r.users)
        });
    }

    fn learn_tenant(&mut self, tenant: &str) {
        self.add(tenant, |_| "00000000-0000-0000-0000-000000007e17".into());
    }

    fn regex(&mut self) -> Option<&Regex> {
        if self.pattern.is_none() && !self.map.is_empty() {
            // Longest first, so that a host name containing a user name is replaced whole.
            let mut secrets: Vec<&String> = self.map.keys().collect();
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
            let alternatives: Vec<String> = secrets.iter().map(|s| regex::escape(s)).collect();
            self.pattern = Regex::new(&format!(
                r"(?i)(^|[^A-Za-z0-9_-])({})($|[^A-Za-z0-9_-])",
                alternatives.join("|")
            ))
            .ok();
        }
        self.pattern.as_ref()
    }

    pub fn apply_text(&mut self, text: &str) -> String {
        let map = self.map.clone();
        let Some(re) = self.regex() else {
            return text.to_string();
        };
        // Replace until stable: adjacent secrets share a boundary character.
        let mut current = text.to_string();
        for _ in 0..4 {
            let next = re
                .replace_all(&current, |c: &regex::Captures| {
                    let secret = c[2].to_lowercase();
                    format!(
                        "{}{}{}",
                        &c[1],
                        map.get(&secret).cloned().unwrap_or_default(),
                        &c[3]
                    )
                })
                .into_owned();
            if next == current {
                break;
            }
            current = next;
        }
        current
    }

    fn apply_value(&mut self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.apply_text(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply_value(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.apply_value(v)),
            _ => {}
        }
    }

    /// The snapshot as JSON with every secret replaced.
    pub fn redact(&mut self, snapshot: &Snapshot) -> Value {
        self.learn_host(&snapshot.host.name);
        for p in snapshot.processes.get().into_iter().flatten() {
            if let Some(user) = &p.user {
                self.learn_user(user);
            }
        }
        if let Some(settings) = snapshot.settings.get() {
            if let Some(t) = settings.tenant_id.value() {
                self.learn_tenant(&t.id);
            }
            if let Some(j) = settings.join.value().and_then(|j| j.tenant_id.as_ref()) {
                self.learn_tenant(j);
            }
            if let Some(t) = settings
                .forwarding_profile
                .value()
                .and_then(|p| crate::snapshot::TenantId::find_in_profile(&p.json))
            {
                self.learn_tenant(&t);
            }
        }
        let mut value = serde_json::to_value(snapshot).unwrap_or(Value::Null);
        redact_vendor_output(&mut value);
        self.apply_value(&mut value);
        value
    }
}

/// The vendors' own tools print identities ssetop has not learned (a user's UPN, a portal):
/// a redacted capture keeps what they were understood to say, but neither their raw output
/// nor a field that names a person.
fn redact_vendor_output(snapshot: &mut Value) {
    let Some(reports) = snapshot
        .pointer_mut("/vendor_reports/data")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for report in reports {
        for run in report
            .get_mut("runs")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            for stream in ["stdout", "stderr"] {
                if let Some(text) = run.get_mut(stream)
                    && text.as_str().is_some_and(|t| !t.is_empty())
                {
                    *text = Value::String("[redacted]".into());
                }
            }
        }
        for field in report
            .pointer_mut("/status/fields")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let personal = field.get("name").and_then(Value::as_str).is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                ["user", "mail", "upn", "account", "login", "portal"]
                    .iter()
                    .any(|w| n.contains(w))
            });
            if personal && let Some(v) = field.get_mut("value") {
                *v = Value::String("[redacted]".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let held: usize = capture.entries.iter().map(|e| e.json.len()).sum();
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

    #[test]
    fn a_redacted_capture_keeps_no_raw_vendor_output_nor_personal_fields() {
        let mut value = serde_json::json!({"vendor_reports": {"data": [{
            "runs": [{"stdout": "User: alice@contoso.com\nStatus: Connected", "stderr": ""}],
            "status": {"state": "connected", "fields": [
                {"name": "User Name", "value": "alice@contoso.com"},
                {"name": "Portal", "value": "vpn.contoso.com"},
                {"name": "protocol", "value": "IPSec"}
            ]}
        }]}});
        redact_vendor_output(&mut value);
        let text = value.to_string();
        assert!(!text.contains("alice"), "{text}");
        assert!(!text.contains("vpn.contoso.com"), "{text}");
        assert!(
            text.contains("IPSec") && text.contains("connected"),
            "{text}"
        );
        assert_eq!(
            value.pointer("/vendor_reports/data/0/runs/0/stderr"),
            Some(&serde_json::json!(""))
        );
    }

    #[test]
    fn redaction_replaces_whole_words_only_and_stably() {
        let mut r = Redactor::default();
        r.learn_host("LAPTOP-42");
        r.learn_user("alice");
        r.learn_user("root");
        r.learn_tenant("6b1e4f0a-1111-2222-3333-444455556666");
        assert_eq!(
            r.apply_text(r"C:\Users\alice\AppData on laptop-42"),
            r"C:\Users\redacted-user-1\AppData on redacted-host"
        );
        assert_eq!(r.apply_text("malice and alicent"), "malice and alicent");
        assert_eq!(
            r.apply_text("6B1E4F0A-1111-2222-3333-444455556666.m365.client"),
            "00000000-0000-0000-0000-000000007e17.m365.client"
        );
        assert_eq!(r.apply_text("/root/x"), "/root/x");
        assert_eq!(
            r.apply_text("alice alice"),
            "redacted-user-1 redacted-user-1"
        );
    }
}
