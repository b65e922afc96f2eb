//! GSA's own Health check, row by row, and which ssetop check answers each
//! (`health_checks.toml`). The README's parity table is generated from it, and a test holds
//! every row to an answer.

use serde::Deserialize;

use super::Os;

/// The embedded table.
pub(super) const HEALTH_CHECKS_TOML: &str = include_str!("health_checks.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckTable {
    pub source: HealthCheckSource,
    #[serde(rename = "row")]
    pub rows: Vec<HealthCheckRow>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSource {
    pub windows: String,
    pub windows_date: String,
    pub macos: String,
    pub macos_date: String,
    pub note: String,
}

/// One row of GSA's Health check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckRow {
    pub os: Os,
    /// The row's title as the client shows it.
    pub row: String,
    #[serde(default)]
    pub check: Option<String>,
    #[serde(default)]
    pub equivalent: Option<String>,
    #[serde(default)]
    pub not_observable: Option<String>,
    /// The answering check needs `--probe`.
    #[serde(default)]
    pub probe: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// How ssetop answers a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'r> {
    Check(&'r str),
    Equivalent(&'r str),
    NotObservable(&'r str),
}

impl HealthCheckRow {
    /// The row's one answer, or why it has none or several.
    pub fn answer(&self) -> Result<Answer<'_>, String> {
        match (&self.check, &self.equivalent, &self.not_observable) {
            (Some(id), None, None) => Ok(Answer::Check(id)),
            (None, Some(id), None) => Ok(Answer::Equivalent(id)),
            (None, None, Some(why)) if !why.trim().is_empty() => Ok(Answer::NotObservable(why)),
            (None, None, None) => Err(format!(
                "{} row {:?} has neither a check nor a reason",
                self.os.id(),
                self.row
            )),
            _ => Err(format!(
                "{} row {:?} must have exactly one of check, equivalent, not_observable",
                self.os.id(),
                self.row
            )),
        }
    }

    /// Whether the check id `id` answers this row (`family:*` stands for every id of the
    /// family).
    pub fn answered_by(&self, id: &str) -> bool {
        let named = self.check.as_deref().or(self.equivalent.as_deref());
        named.is_some_and(|n| match n.strip_suffix('*') {
            Some(family) => id.starts_with(family),
            None => n == id,
        })
    }
}

impl HealthCheckTable {
    pub fn embedded() -> Result<HealthCheckTable, String> {
        toml::from_str(HEALTH_CHECKS_TOML).map_err(|e| {
            format!(
                "health_checks.toml: {}",
                super::describe_toml_error(HEALTH_CHECKS_TOML, &e)
            )
        })
    }

    /// The rows of GSA's Health check that `id` answers, as "Windows: <row>".
    pub fn rows_answered_by(&self, id: &str) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.answered_by(id))
            .map(|r| format!("{}: {}", r.os.label(), r.row))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses_and_every_row_has_exactly_one_answer() {
        let table = HealthCheckTable::embedded().unwrap();
        let problems: Vec<String> = table.rows.iter().filter_map(|r| r.answer().err()).collect();
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(table.rows.iter().filter(|r| r.os == Os::Macos).count(), 18);
    }

    #[test]
    fn a_row_with_no_answer_or_two_is_refused() {
        let row = |check: Option<&str>, why: Option<&str>| HealthCheckRow {
            os: Os::Windows,
            row: "Cached token".into(),
            check: check.map(Into::into),
            equivalent: None,
            not_observable: why.map(Into::into),
            probe: false,
            note: None,
        };
        assert!(row(None, None).answer().unwrap_err().contains("neither"));
        assert!(
            row(Some("x"), Some("y"))
                .answer()
                .unwrap_err()
                .contains("exactly one")
        );
        assert!(row(None, Some("  ")).answer().is_err());
        assert_eq!(row(Some("doh"), None).answer(), Ok(Answer::Check("doh")));
    }

    #[test]
    fn a_family_answers_for_each_of_its_ids() {
        let mut row = HealthCheckRow {
            os: Os::Windows,
            row: "Edge is reachable".into(),
            check: Some("edge-reachable:*".into()),
            equivalent: None,
            not_observable: None,
            probe: true,
            note: None,
        };
        assert!(row.answered_by("edge-reachable:m365"));
        assert!(!row.answered_by("edge-dns:m365"));
        row.check = Some("doh".into());
        assert!(row.answered_by("doh"));
        assert!(!row.answered_by("doh-extra"));
    }
}
