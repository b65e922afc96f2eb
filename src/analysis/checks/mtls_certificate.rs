//! `mtls-certificate`: where the tenant uses mutual TLS to GSA's edge, GSA's client
//! certificate (`*gsa.client`, named by `CertCommonName`) is in the machine's Personal store
//! and within its validity. GSA's own health check shows its two certificate rows only with
//! mTLS; so does this check.

use jiff::{SignedDuration, Timestamp};

use super::value_or_check;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::snapshot::{CertificateInfo, ClientCertificates};

const REMEDY: &str = "certlm.msc > Personal > Certificates: delete the certificate ending in gsa.client, delete the CertCommonName value under HKLM\\SOFTWARE\\Microsoft\\Global Secure Access Client, and restart the Global Secure Access Engine Service; a new certificate is enrolled within minutes";

/// A certificate this close to its end is a warning: renewal should already have happened.
const RENEW_WARNING: SignedDuration = SignedDuration::from_hours(14 * 24);

fn describe(c: &CertificateInfo) -> Vec<String> {
    vec![
        format!("subject {}", c.subject),
        format!("issuer {}", c.issuer),
        format!("valid {} to {}", c.not_before, c.not_after),
        format!("thumbprint {}", c.thumbprint),
    ]
}

pub(super) fn mtls_certificate_check(facts: &Facts) -> Check {
    let id = "mtls-certificate";
    let found: &ClientCertificates =
        match value_or_check(facts, id, "GSA's client certificate", |s| {
            &s.gsa_windows.client_certificates
        }) {
            Ok(found) => found,
            Err(check) => return check,
        };
    let unreadable = found
        .unreadable
        .iter()
        .map(|u| format!("store entry not decoded: {u}"));
    let Some(name) = found.cert_common_name.as_deref() else {
        if found.certificates.is_empty() {
            return Check::new(
                id,
                Status::Skip,
                "mTLS is not in use: no CertCommonName under GSA's key and no *gsa.client certificate",
            );
        }
        // A certificate without the name GSA records: judged below by its validity alone.
        return judge(
            id,
            facts.snapshot.taken_at,
            &found.certificates,
            unreadable.collect(),
        );
    };
    if found.certificates.is_empty() {
        return Check::new(
            id,
            Status::Fail,
            format!("GSA's mTLS certificate {name} is not in the machine's Personal store"),
        )
        .evidence(unreadable)
        .remedy(REMEDY);
    }
    judge(
        id,
        facts.snapshot.taken_at,
        &found.certificates,
        unreadable.collect(),
    )
}

fn judge(id: &str, now: Timestamp, certificates: &[CertificateInfo], extra: Vec<String>) -> Check {
    // The one that lasts longest is the one GSA can use.
    let Some(best) = certificates.iter().max_by_key(|c| c.not_after) else {
        return Check::new(id, Status::Skip, "no certificate to judge");
    };
    let mut evidence = describe(best);
    if certificates.len() > 1 {
        evidence.push(format!(
            "{} more *gsa.client certificate(s) in the store",
            certificates.len() - 1
        ));
    }
    evidence.extend(extra);
    let (status, summary) = if now < best.not_before {
        (
            Status::Fail,
            format!(
                "GSA's mTLS certificate is not valid before {}",
                best.not_before
            ),
        )
    } else if now >= best.not_after {
        (
            Status::Fail,
            format!("GSA's mTLS certificate expired at {}", best.not_after),
        )
    } else if best.not_after.duration_since(now) < RENEW_WARNING {
        (
            Status::Warn,
            format!("GSA's mTLS certificate expires soon, at {}", best.not_after),
        )
    } else {
        (
            Status::Pass,
            format!(
                "GSA's mTLS certificate is present and valid until {}",
                best.not_after
            ),
        )
    };
    let check = Check::new(id, status, summary).evidence(evidence);
    if status == Status::Pass {
        check
    } else {
        check.remedy(REMEDY)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::snapshot::{CertificateInfo, ClientCertificates};

    fn cert(not_before: &str, not_after: &str) -> CertificateInfo {
        CertificateInfo {
            thumbprint: "AB12".into(),
            subject: "CN=6b1e4f0a-1111-2222-3333-444455556666.gsa.client".into(),
            issuer: "CN=Microsoft Global Secure Access Client CA".into(),
            not_before: not_before.parse().unwrap(),
            not_after: not_after.parse().unwrap(),
        }
    }

    // The tests' snapshot is taken at 2026-11-23T12:00:00Z.
    fn assess(found: ClientCertificates) -> Check {
        let s = snapshot(
            "windows",
            with(|s| s.gsa_windows.client_certificates = Reading::Value(found)),
        );
        find(&checks(&s, None), "mtls-certificate").clone()
    }

    fn named(certificates: Vec<CertificateInfo>) -> ClientCertificates {
        ClientCertificates {
            cert_common_name: Some("6b1e4f0a-1111-2222-3333-444455556666.gsa.client".into()),
            certificates,
            unreadable: vec![],
        }
    }

    #[test]
    fn a_valid_certificate_passes_with_subject_issuer_and_end_in_the_evidence() {
        let check = assess(named(vec![cert(
            "2026-06-01T00:00:00Z",
            "2027-06-01T00:00:00Z",
        )]));
        assert_eq!(check.status, Status::Pass, "{check:#?}");
        assert!(
            check
                .evidence
                .iter()
                .any(|e| e.starts_with("issuer CN=Microsoft"))
        );
        assert!(check.summary.contains("2027-06-01"));
    }

    #[test]
    fn an_expired_certificate_fails_and_a_renewed_one_beside_it_wins() {
        let expired = assess(named(vec![cert(
            "2025-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        )]));
        assert_eq!(expired.status, Status::Fail);
        assert!(expired.summary.contains("expired"));
        let renewed = assess(named(vec![
            cert("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
            cert("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ]));
        assert_eq!(renewed.status, Status::Pass);
    }

    #[test]
    fn a_certificate_ending_within_two_weeks_warns_and_one_not_yet_valid_fails() {
        let soon = assess(named(vec![cert(
            "2026-01-01T00:00:00Z",
            "2026-11-30T00:00:00Z",
        )]));
        assert_eq!(soon.status, Status::Warn);
        let early = assess(named(vec![cert(
            "2026-12-01T00:00:00Z",
            "2027-12-01T00:00:00Z",
        )]));
        assert_eq!(early.status, Status::Fail);
    }

    #[test]
    fn a_recorded_name_without_its_certificate_fails() {
        let check = assess(named(vec![]));
        assert_eq!(check.status, Status::Fail);
        assert!(check.remedy.unwrap().contains("certlm.msc"));
    }

    #[test]
    fn without_mtls_the_check_is_skipped() {
        let check = assess(ClientCertificates::default());
        assert_eq!(check.status, Status::Skip);
        assert!(check.summary.contains("not in use"));
    }
}
