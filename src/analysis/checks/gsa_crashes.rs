//! `gsa-crashes`: none of GSA's processes crashed in the last 24 hours (GSA's own "processes
//! healthy" row). Read from Windows Error Reporting's report folders: where WER is switched
//! off a crash leaves no report there (the Application log's event 1000 is not read).

use jiff::SignedDuration;

use super::value_or_check;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::snapshot::CrashReport;

const WINDOW: SignedDuration = SignedDuration::from_hours(24);

pub(super) fn gsa_crashes_check(facts: &Facts) -> Check {
    let id = "gsa-crashes";
    let reports: &[CrashReport] = match value_or_check(facts, id, "the crash reports", |s| {
        &s.gsa_windows.crash_reports
    }) {
        Ok(r) => r,
        Err(check) => return check,
    };
    let now = facts.snapshot.taken_at;
    let (recent, older): (Vec<&CrashReport>, Vec<&CrashReport>) = reports
        .iter()
        .partition(|r| now.duration_since(r.time) <= WINDOW);
    // A report dated after the snapshot (a clock set back since) counts as recent, and says so.
    let mut evidence: Vec<String> = recent
        .iter()
        .map(|r| {
            let future = if r.time > now {
                ", dated after this snapshot: was the clock changed?"
            } else {
                ""
            };
            format!(
                "{} crashed at {} (report {}{future})",
                r.executable, r.time, r.report
            )
        })
        .collect();
    if let Some(newest) = older.first() {
        evidence.push(format!(
            "{} older crash report(s), the newest at {}",
            older.len(),
            newest.time
        ));
    }
    if recent.is_empty() {
        return Check::new(
            id,
            Status::Pass,
            "no crash of GSA's processes reported in the last 24 h",
        )
        .evidence(evidence);
    }
    let mut names: Vec<&str> = recent.iter().map(|r| r.executable.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    // Warn, not fail: the client may be working now; the crashes are worth a support case.
    Check::new(
        id,
        Status::Warn,
        format!(
            "{} crash(es) of GSA's processes in the last 24 h ({})",
            recent.len(),
            names.join(", ")
        ),
    )
    .evidence(evidence)
    .remedy("collect dumps (HKLM\\SOFTWARE\\Microsoft\\Windows\\Windows Error Reporting\\LocalDumps with a DumpFolder value), reproduce, and open a case with Microsoft support with the dumps and the Application log's events 1000")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::snapshot::CrashReport;

    fn report(executable: &str, time: &str) -> CrashReport {
        CrashReport {
            executable: executable.into(),
            report: format!("AppCrash_{executable}_x"),
            time: time.parse().unwrap(),
        }
    }

    // The tests' snapshot is taken at 2026-11-23T12:00:00Z.
    fn assess(reports: Vec<CrashReport>) -> Check {
        let s = snapshot(
            "windows",
            with(|s| s.gsa_windows.crash_reports = Reading::Value(reports)),
        );
        find(&checks(&s, None), "gsa-crashes").clone()
    }

    #[test]
    fn a_crash_within_24_hours_warns_with_its_time() {
        let check = assess(vec![
            report(
                "GlobalSecureAccessTunnelingService.exe",
                "2026-11-23T03:10:00Z",
            ),
            report(
                "GlobalSecureAccessTunnelingService.exe",
                "2026-11-20T03:10:00Z",
            ),
        ]);
        assert_eq!(check.status, Status::Warn, "{check:#?}");
        assert!(check.evidence[0].contains("2026-11-23T03:10:00Z"));
        assert!(check.evidence[1].starts_with("1 older crash report(s)"));
    }

    #[test]
    fn only_older_crashes_pass_and_are_mentioned() {
        let check = assess(vec![report(
            "GlobalSecureAccessClient.exe",
            "2026-11-22T11:59:00Z",
        )]);
        assert_eq!(check.status, Status::Pass);
        assert_eq!(check.evidence.len(), 1);
    }

    #[test]
    fn on_other_oses_it_is_skipped_with_the_collectors_reason() {
        let s = snapshot(
            "linux",
            with(|s| {
                s.gsa_windows = crate::snapshot::GsaWindowsReadings::not_on_windows();
            }),
        );
        let check = find(&checks(&s, None), "gsa-crashes").clone();
        assert_eq!(check.status, Status::Skip);
        assert!(check.summary.contains("Windows"), "{}", check.summary);
    }
}
