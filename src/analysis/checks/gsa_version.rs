//! `gsa-version`: the installed GSA client's version, and which of the releases the knowledge
//! base knows about it includes (a renamed service, a Health check row added or dropped), so
//! that a technician reading the client's own Health check knows which rows to expect.

use std::cmp::Ordering;

use super::value_or_check;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::snapshot::InstalledVersion;

/// Dotted versions compared number by number (`2.24` = `2.24.0` < `2.26.108`); a part that is
/// not a number compares as 0.
fn compare(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<u64> {
        v.trim()
            .split(['.', '-', '+'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let (a, b) = (parts(a), parts(b));
    let len = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len)
        .map(|i| at(&a, i).cmp(&at(&b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

pub(super) fn gsa_version_check(facts: &Facts) -> Check {
    let id = "gsa-version";
    let installed: &InstalledVersion =
        match value_or_check(facts, id, "GSA's installed version", |s| &s.gsa_client) {
            Ok(v) => v,
            Err(check) => return check,
        };
    let mut evidence = vec![format!("read from {}", installed.origin)];
    for release in &facts.knowledge.file.gsa.client_versions {
        if compare(&installed.version, &release.version).is_ge() {
            evidence.push(format!("since {}: {}", release.version, release.change));
        } else {
            evidence.push(format!(
                "not in this client (from {}): {}",
                release.version, release.change
            ));
        }
    }
    Check::new(
        id,
        Status::Pass,
        format!("GSA client {} installed", installed.version),
    )
    .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::compare;
    use crate::snapshot::InstalledVersion;
    use std::cmp::Ordering;

    #[test]
    fn versions_compare_number_by_number() {
        assert_eq!(compare("2.24", "2.24.0"), Ordering::Equal);
        assert_eq!(compare("2.9.1", "2.22.90"), Ordering::Less);
        assert_eq!(compare("2.26.108.0", "2.26.108"), Ordering::Equal);
        assert_eq!(compare("2.26.109", "2.26.108"), Ordering::Greater);
        assert_eq!(compare(" 2.24.117 ", "2.24"), Ordering::Greater);
    }

    fn assess(version: &str) -> Check {
        let s = snapshot(
            "windows",
            with(|s| {
                s.gsa_client = Reading::Value(InstalledVersion {
                    version: version.into(),
                    origin: r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{X}".into(),
                })
            }),
        );
        find(&checks(&s, None), "gsa-version").clone()
    }

    #[test]
    fn the_known_releases_are_sorted_into_included_and_not_yet() {
        let check = assess("2.24.117");
        assert_eq!(check.status, Status::Pass);
        assert_eq!(check.summary, "GSA client 2.24.117 installed");
        assert!(
            check
                .evidence
                .iter()
                .any(|e| e.starts_with("since 2.22.90:"))
        );
        assert!(check.evidence.iter().any(|e| e.starts_with("since 2.24:")));
        assert!(
            check
                .evidence
                .iter()
                .any(|e| e.starts_with("not in this client (from 2.26.108)"))
        );
    }

    #[test]
    fn no_version_found_is_skipped_with_the_reason() {
        let s = snapshot(
            "windows",
            with(|s| {
                s.gsa_client = Reading::Missing(
                    "no Global Secure Access Client in Programs and Features".into(),
                )
            }),
        );
        let check = find(&checks(&s, None), "gsa-version").clone();
        assert_eq!(check.status, Status::Skip);
        assert!(check.summary.contains("Programs and Features"));
    }
}
