//! Captures: a recording of snapshots as newline-delimited JSON, to hand a device's state to
//! someone else and replay it through the same analysis.
//!
//! Line 1 is a header (format version, ssetop version, host, OS, start time, options, the
//! knowledge base); every further line is one [`Snapshot`]. `--redact` replaces the host name,
//! user names and the tenant id with stable placeholders before anything is written.
//!
//! The header's analysis options (`setup`, `outage_threshold`, `outage_window`, `zpa_range`)
//! and `knowledge` were added within `v1`: optional, so older captures still read (a replay
//! then uses its own defaults), and ignored by older readers.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::time::Duration;

use ipnet::IpNet;
use jiff::Timestamp;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::knowledge::SetupId;
use crate::snapshot::Snapshot;

pub const FORMAT: &str = "ssetop.capture.v1";

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

/// A capture read back, with what was passed over.
#[derive(Debug, Clone)]
pub struct Capture {
    pub path: String,
    /// The header's line number (1 unless blank lines come first), for errors about it.
    pub header_line: usize,
    pub header: Header,
    pub snapshots: Vec<Snapshot>,
    pub warnings: Vec<String>,
}

impl Capture {
    pub fn load(path: &Path) -> Result<Capture, CaptureError> {
        let file = std::fs::File::open(path).map_err(|source| CaptureError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::read(file, &path.display().to_string())
    }

    pub fn read(reader: impl Read, path: &str) -> Result<Capture, CaptureError> {
        let err = |line: usize, message: String| CaptureError::Line {
            path: path.to_string(),
            line,
            message,
        };
        let mut lines: Vec<(usize, String, bool)> = Vec::new();
        let mut reader = BufReader::new(reader);
        let mut number = 0;
        loop {
            let mut buffer = Vec::new();
            let n = reader
                .read_until(b'\n', &mut buffer)
                .map_err(|source| CaptureError::Read {
                    path: path.to_string(),
                    source,
                })?;
            if n == 0 {
                break;
            }
            number += 1;
            let complete = buffer.last() == Some(&b'\n');
            let text =
                String::from_utf8(buffer).map_err(|_| err(number, "not UTF-8 text".into()))?;
            if !text.trim().is_empty() {
                lines.push((number, text, complete));
            }
        }
        let Some((first_line, first, _)) = lines.first() else {
            return Err(CaptureError::Whole {
                path: path.to_string(),
                message: "the capture is empty".into(),
            });
        };
        let header_value: Value = serde_json::from_str(first)
            .map_err(|e| err(*first_line, format!("the header is not JSON: {e}")))?;
        match header_value.get("format").and_then(Value::as_str) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(err(
                    *first_line,
                    format!("unknown capture format {other:?} (this ssetop reads {FORMAT:?})"),
                ));
            }
            None => {
                return Err(err(
                    *first_line,
                    format!("not a capture header (no \"format\"; expected {FORMAT:?})"),
                ));
            }
        }
        let header: Header = serde_json::from_value(header_value)
            .map_err(|e| err(*first_line, format!("malformed header: {e}")))?;
        let mut snapshots = Vec::new();
        let mut warnings = Vec::new();
        let last_index = lines.len() - 1;
        for (position, (line, text, complete)) in lines.iter().enumerate().skip(1) {
            match serde_json::from_str::<Snapshot>(text) {
                Ok(snapshot) => {
                    if let Some(previous) = snapshots.last().map(|s: &Snapshot| s.taken_at)
                        && snapshot.taken_at < previous
                    {
                        return Err(err(
                            *line,
                            format!(
                                "snapshot time {} goes back before {previous}",
                                snapshot.taken_at
                            ),
                        ));
                    }
                    snapshots.push(snapshot)
                }
                Err(e) => {
                    let what = if e.is_syntax() || e.is_eof() {
                        format!("not JSON ({e})")
                    } else {
                        format!("not a snapshot: {e}")
                    };
                    // An interrupted writer leaves a cut-off last line: safe to drop.
                    if position == last_index && !complete && !snapshots.is_empty() {
                        warnings.push(format!(
                            "line {line} is cut off ({what}); replaying the {} complete snapshot(s) before it",
                            snapshots.len()
                        ));
                        break;
                    }
                    return Err(err(*line, what));
                }
            }
        }
        if snapshots.is_empty() {
            return Err(CaptureError::Whole {
                path: path.to_string(),
                message: "the capture holds no snapshot".into(),
            });
        }
        Ok(Capture {
            path: path.to_string(),
            header_line: *first_line,
            header,
            snapshots,
            warnings,
        })
    }

    /// The index of the last snapshot taken at or before `at`.
    pub fn index_at(&self, at: Timestamp) -> Option<usize> {
        self.snapshots.iter().rposition(|s| s.taken_at <= at)
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

/// Writes a capture line by line, flushing each so that an interrupted recording keeps
/// everything before the interruption.
pub struct Recorder<W: Write> {
    out: W,
    redactor: Option<Redactor>,
}

impl<W: Write> Recorder<W> {
    pub fn start(mut out: W, mut header: Header, redact: bool) -> std::io::Result<Recorder<W>> {
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
        Ok(Recorder { out, redactor })
    }

    pub fn write(&mut self, snapshot: &Snapshot) -> std::io::Result<()> {
        let line = match self.redactor.as_mut() {
            Some(r) => serde_json::to_string(&r.redact(snapshot))?,
            None => serde_json::to_string(snapshot)?,
        };
        writeln!(self.out, "{line}")?;
        self.out.flush()
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
