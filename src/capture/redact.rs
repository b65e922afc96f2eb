//! `--redact`: the host name, user names and the tenant id replaced by stable placeholders in
//! everything a capture holds, and the vendors' tools' raw output dropped.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

use crate::snapshot::Snapshot;

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
