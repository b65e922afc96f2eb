//! `nrpt`: the Name Resolution Policy Table holds GSA's rules for its Private DNS suffixes,
//! and Group Policy does not override them. Windows consults the local table (where GSA, like
//! VPN clients, writes its rules) only while Group Policy's NRPT is empty: one policy rule
//! makes every local rule inert.

use super::value_or_check;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::snapshot::{NrptRule, NrptTables};

const REMEDY_GPO: &str = "remove the NRPT rules from Group Policy (Computer Configuration > Policies > Windows Settings > Name Resolution Policy), or add GSA's Private DNS suffixes to it; `Get-DnsClientNrptPolicy` shows the rules in effect";
const REMEDY_MISSING: &str = "restart the GSA client (it writes its NRPT rules when it connects); `Get-DnsClientNrptRule` lists the local table";

fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches('*')
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Whether an NRPT namespace (`.contoso.local`, `host.contoso.local`) covers `suffix`.
fn covers(namespace: &str, suffix: &str) -> bool {
    let (namespace, suffix) = (normalise(namespace), normalise(suffix));
    !namespace.is_empty() && (suffix == namespace || suffix.ends_with(&format!(".{namespace}")))
}

fn describe(rule: &NrptRule) -> String {
    let mut line = format!(
        "{} → {}",
        rule.namespaces.join(", "),
        if rule.servers.is_empty() {
            "(no servers)".to_string()
        } else {
            rule.servers.join(", ")
        }
    );
    line.push_str(&format!(" [rule {}]", rule.key));
    if let Some(comment) = &rule.comment {
        line.push_str(&format!(" {comment:?}"));
    }
    line
}

pub(super) fn nrpt_check(facts: &Facts) -> Check {
    let id = "nrpt";
    let tables: &NrptTables = match value_or_check(facts, id, "the NRPT", |s| &s.gsa_windows.nrpt) {
        Ok(t) => t,
        Err(check) => return check,
    };
    let Some(profile) = facts.parsed_profile() else {
        return Check::new(
            id,
            Status::Skip,
            "no forwarding profile: which Private DNS suffixes GSA needs is unknown",
        );
    };
    let suffixes: Vec<String> = profile
        .private_dns_rules
        .iter()
        .flat_map(|r| r.names.iter().map(|n| normalise(n)))
        .filter(|n| !n.is_empty())
        .collect();
    if suffixes.is_empty() {
        return Check::new(
            id,
            Status::Skip,
            "the forwarding profile has no Private DNS suffix: GSA needs no NRPT rule",
        );
    }
    let mut evidence = Vec::new();
    let mut missing = Vec::new();
    for suffix in &suffixes {
        match tables
            .local
            .iter()
            .find(|r| r.namespaces.iter().any(|n| normalise(n) == *suffix))
        {
            Some(rule) => evidence.push(format!("{suffix}: local rule {}", describe(rule))),
            None => {
                missing.push(suffix.as_str());
                evidence.push(format!("{suffix}: no local rule"));
            }
        }
    }
    if !tables.group_policy.is_empty() {
        let conflicting: Vec<&NrptRule> = tables
            .group_policy
            .iter()
            .filter(|r| {
                r.namespaces
                    .iter()
                    .any(|n| suffixes.iter().any(|s| covers(n, s) || covers(s, n)))
            })
            .collect();
        evidence.extend(
            tables
                .group_policy
                .iter()
                .map(|r| format!("Group Policy rule {}", describe(r))),
        );
        let summary = match conflicting.first() {
            Some(rule) => format!(
                "Group Policy's NRPT overrides GSA's rules: its rule {} ({}) covers GSA's Private DNS suffixes, and while it holds any rule Windows ignores the local table",
                rule.key,
                rule.namespaces.join(", ")
            ),
            None => format!(
                "Group Policy's NRPT holds {} rule(s), so Windows ignores the local table where GSA's rules are",
                tables.group_policy.len()
            ),
        };
        return Check::new(id, Status::Fail, summary)
            .evidence(evidence)
            .remedy(REMEDY_GPO);
    }
    if !missing.is_empty() {
        return Check::new(
            id,
            Status::Fail,
            format!(
                "no NRPT rule for GSA's Private DNS suffix(es) {}",
                missing.join(", ")
            ),
        )
        .evidence(evidence)
        .remedy(REMEDY_MISSING);
    }
    Check::new(
        id,
        Status::Pass,
        format!(
            "NRPT rules set for GSA's {} Private DNS suffix(es); no Group Policy NRPT",
            suffixes.len()
        ),
    )
    .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::snapshot::{NrptRule, NrptTables};

    const PROFILE: &str = r#"{"policy": {"channels": [{"id": "p", "name": "Private", "isEnabled": true}],
        "rules": [], "privateDnsRules": [{"id": "d1", "channelId": "p", "fqdns": ["Contoso.local", "corp.contoso.com"]}]}}"#;

    fn rule(key: &str, namespaces: &[&str], servers: &[&str]) -> NrptRule {
        NrptRule {
            key: key.into(),
            namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
            servers: servers.iter().map(|s| s.to_string()).collect(),
            comment: None,
        }
    }

    fn assess(tables: NrptTables) -> Check {
        let s = with_gsa(Device::windows())
            .profile(PROFILE)
            .settings(|s| s.gsa_windows.nrpt = Reading::Value(tables))
            .build();
        find(&checks(&s, None), "nrpt").clone()
    }

    fn gsa_rules() -> Vec<NrptRule> {
        vec![
            rule("{A1}", &[".contoso.local"], &["6.6.255.254"]),
            rule("{A2}", &[".CORP.CONTOSO.COM"], &["6.6.255.254"]),
        ]
    }

    #[test]
    fn a_local_rule_for_each_suffix_and_no_policy_passes() {
        let check = assess(NrptTables {
            local: gsa_rules(),
            group_policy: vec![],
        });
        assert_eq!(check.status, Status::Pass, "{check:#?}");
    }

    #[test]
    fn a_missing_suffix_fails_naming_it() {
        let check = assess(NrptTables {
            local: gsa_rules().into_iter().take(1).collect(),
            group_policy: vec![],
        });
        assert_eq!(check.status, Status::Fail);
        assert!(
            check.summary.ends_with("corp.contoso.com"),
            "{}",
            check.summary
        );
    }

    #[test]
    fn a_group_policy_rule_covering_a_suffix_is_named_as_the_conflict() {
        let check = assess(NrptTables {
            local: gsa_rules(),
            group_policy: vec![
                rule("DA-1", &[".fabrikam.com"], &["10.0.0.1"]),
                rule("DA-2", &[".contoso.com"], &["10.0.0.53"]),
            ],
        });
        assert_eq!(check.status, Status::Fail);
        assert!(check.summary.contains("DA-2"), "{}", check.summary);
        assert!(check.remedy.unwrap().contains("Group Policy"));
    }

    #[test]
    fn any_group_policy_rule_makes_the_local_table_inert() {
        let check = assess(NrptTables {
            local: gsa_rules(),
            group_policy: vec![rule("DA-1", &[".fabrikam.com"], &["10.0.0.1"])],
        });
        assert_eq!(check.status, Status::Fail);
        assert!(check.summary.contains("1 rule(s)"), "{}", check.summary);
    }

    #[test]
    fn without_private_dns_suffixes_no_rule_is_needed() {
        let s = with_gsa(Device::windows())
            .profile(&profile_json(&[("m365", true)], ""))
            .settings(|s| s.gsa_windows.nrpt = Reading::Value(NrptTables::default()))
            .build();
        assert_eq!(status(&s, None, "nrpt"), Status::Skip);
    }

    #[test]
    fn coverage_is_by_whole_labels() {
        assert!(super::covers(".contoso.com", "corp.contoso.com"));
        assert!(super::covers("contoso.com.", "CONTOSO.com"));
        assert!(!super::covers(".toso.com", "contoso.com"));
    }
}
