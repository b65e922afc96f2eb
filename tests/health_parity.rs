//! Parity with GSA's own Health check: every row of Microsoft's lists (Windows and macOS) is
//! answered by a check ssetop runs, by an equivalent one, or by a stated reason; and the
//! README's table is the one `src/knowledge/health_checks.toml` generates.

use std::collections::BTreeSet;

use ssetop::analysis::fixture::{Device, profile_json, with_gsa};
use ssetop::analysis::{AnalysisOptions, assess_snapshot};
use ssetop::knowledge::{Answer, HealthCheckTable, Knowledge, Os};
use ssetop::snapshot::DnsStatus;

/// Every check id a report lists, on each OS (a check that cannot apply is still listed, as
/// `skip`).
fn check_ids() -> BTreeSet<String> {
    let knowledge = Knowledge::embedded();
    let mut ids = BTreeSet::new();
    for device in [
        with_gsa(Device::windows())
            .profile(&profile_json(&[("m365", true)], ""))
            .dns(
                "m365.edgediagnostic.globalsecureaccess.microsoft.com",
                DnsStatus::Resolved,
                &["6.6.0.2"],
            ),
        Device::new("macos"),
        Device::new("linux"),
    ] {
        let assessment = assess_snapshot(&device.build(), &knowledge, &AnalysisOptions::default());
        ids.extend(assessment.checks.into_iter().map(|c| c.id));
    }
    ids
}

#[test]
fn every_health_check_row_is_answered_by_a_check_ssetop_runs_or_a_reason() {
    let table = HealthCheckTable::embedded().unwrap();
    let ids = check_ids();
    let mut problems = Vec::new();
    for row in &table.rows {
        match row.answer() {
            Err(problem) => problems.push(problem),
            Ok(Answer::Check(id) | Answer::Equivalent(id)) => {
                if !ids.iter().any(|listed| row.answered_by(listed)) {
                    problems.push(format!(
                        "{} row {:?} names {id}, which no report lists (listed: {ids:?})",
                        row.os.id(),
                        row.row
                    ));
                }
            }
            Ok(Answer::NotObservable(_)) => {}
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // Microsoft's lists: the Windows page's headings plus "NRPT rules set", and 18 macOS rows.
    assert_eq!(table.rows.iter().filter(|r| r.os == Os::Macos).count(), 18);
    assert!(
        table
            .rows
            .iter()
            .any(|r| r.os == Os::Windows && r.row == "NRPT rules set")
    );
}

/// The README's table, as `health_checks.toml` says it.
fn parity_table(table: &HealthCheckTable) -> String {
    let mut out = String::from("| OS | GSA Health check row | ssetop |\n|---|---|---|\n");
    for row in &table.rows {
        let answer = match row.answer() {
            Ok(Answer::Check(id)) => format!("`{id}`"),
            Ok(Answer::Equivalent(id)) => format!("equivalent: `{id}`"),
            Ok(Answer::NotObservable(why)) => format!("not observable from the device: {why}"),
            Err(problem) => problem,
        };
        let probe = if row.probe { " (with `--probe`)" } else { "" };
        let note = row
            .note
            .as_deref()
            .map(|n| format!("; {n}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {answer}{probe}{note} |\n",
            row.os.label(),
            row.row
        ));
    }
    out
}

#[test]
fn the_readme_parity_table_is_the_one_the_knowledge_file_generates() {
    let table = HealthCheckTable::embedded().unwrap();
    let expected = parity_table(&table);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = "<!-- health-parity:start -->\n";
    let end = "<!-- health-parity:end -->";
    let found = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(table, _)| table);
    if std::env::var_os("SSETOP_BLESS").is_some()
        && let Some((before, rest)) = readme.split_once(start)
        && let Some((_, after)) = rest.split_once(end)
    {
        let updated = format!("{before}{start}{expected}{end}{after}");
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"), updated).unwrap();
        return;
    }
    assert_eq!(
        found,
        Some(expected.as_str()),
        "README.md's table between {start:?} and {end:?} differs from src/knowledge/health_checks.toml; rerun with SSETOP_BLESS=1 to rewrite it"
    );
}
