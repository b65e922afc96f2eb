//! `entra-join`: the device is joined to Microsoft Entra ID, in the forwarding profile's tenant.

use super::value_or_check;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::Vendor;
use crate::snapshot::JoinState;

const JOIN_REMEDY: &str = "join the device to Microsoft Entra ID (Settings > Accounts > Access work or school > Connect > Join this device to Microsoft Entra ID) or hybrid join it with Microsoft Entra Connect; `dsregcmd /status` shows the state";

/// Why the check stays although GSA's own health check dropped the row.
const STILL_CHECKED: &str = "GSA clients since 2.26.108 (Feb 2026) no longer check the join themselves; Microsoft's coexistence guides still require a joined device";

pub(super) fn entra_join_check(facts: &Facts) -> Check {
    let mut check = judge_join(facts);
    if check.status != Status::Skip {
        check.evidence.push(STILL_CHECKED.to_string());
    }
    check
}

fn judge_join(facts: &Facts) -> Check {
    let id = "entra-join";
    let join: &JoinState = match value_or_check(facts, id, "the Entra join state", |s| &s.join) {
        Ok(join) => join,
        Err(check) => return check,
    };
    let gsa_present = facts.client_of(Vendor::Gsa).is_present();
    let origin = join
        .origin
        .as_deref()
        .map(|o| format!("read through {o}"))
        .unwrap_or_default();
    let not_joined = |summary: String| {
        let check = Check::new(
            id,
            if gsa_present {
                Status::Fail
            } else {
                Status::Warn
            },
            summary,
        )
        .remedy(JOIN_REMEDY);
        if origin.is_empty() {
            check
        } else {
            check.evidence([origin.clone()])
        }
    };
    match join.state.as_str() {
        "entra-joined" => {
            let mut evidence = vec![origin.clone()];
            evidence.retain(|e| !e.is_empty());
            let tenant = join.tenant_id.as_deref();
            let profile_tenant = facts
                .snapshot
                .settings
                .get()
                .and_then(|s| s.forwarding_profile.value())
                .and_then(|p| crate::snapshot::TenantId::find_in_profile(&p.json));
            if let (Some(device), Some(profile)) = (tenant, profile_tenant.as_deref())
                && device != profile
            {
                return Check::new(
                    id,
                    Status::Warn,
                    format!(
                        "Entra joined to tenant {device}, but the forwarding profile's edges belong to tenant {profile}"
                    ),
                )
                .evidence(evidence)
                .remedy("sign in to the GSA client with an account of the device's tenant, or re-join the device to the tenant GSA is licensed in");
            }
            Check::new(
                id,
                Status::Pass,
                match tenant {
                    Some(t) => format!("Microsoft Entra joined (tenant {t})"),
                    None => "Microsoft Entra joined".to_string(),
                },
            )
            .evidence(evidence)
        }
        "workplace-joined" => not_joined(
            "the device is only Entra registered (workplace join); GSA needs it Entra joined or hybrid joined".into(),
        ),
        "unjoined" => not_joined(
            "the device is not Microsoft Entra joined; GSA needs it Entra joined or hybrid joined"
                .into(),
        ),
        other => Check::new(
            id,
            Status::Warn,
            format!("the Entra join state is {other}"),
        )
        .remedy("run `dsregcmd /status` and check AzureAdJoined"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    fn join(state: &str, tenant: Option<&str>) -> Settings {
        with(|s| {
            s.join = Reading::Value(JoinState {
                state: state.into(),
                tenant_id: tenant.map(Into::into),
                origin: Some("registry".into()),
            })
        })
    }

    #[test]
    fn entra_join_passes_when_joined_and_fails_when_only_registered_with_gsa_installed() {
        let tenant = "6b1e4f0a-1111-2222-3333-444455556666";
        let s = snapshot("windows", join("entra-joined", Some(tenant)));
        let check = find(&host_checks(&s, SetupId::GlobalProtect), "entra-join").clone();
        assert_eq!(check.status, Status::Pass);
        assert!(check.summary.contains(tenant));
        let mut settings = join("workplace-joined", None);
        settings.services = Reading::Value(gsa_services("running"));
        let s = snapshot("windows", settings);
        let check = find(&host_checks(&s, SetupId::GlobalProtect), "entra-join").clone();
        assert_eq!(check.status, Status::Fail, "GSA is installed: {check:#?}");
        assert!(check.summary.contains("registered"));
        // Without GSA the join is only a warning.
        let s = snapshot("windows", join("unjoined", None));
        assert_eq!(
            find(&host_checks(&s, SetupId::GlobalProtect), "entra-join").status,
            Status::Warn
        );
    }

    #[test]
    fn entra_join_warns_when_the_profile_belongs_to_another_tenant() {
        let mut settings = join("entra-joined", Some("6b1e4f0a-1111-2222-3333-444455556666"));
        settings.forwarding_profile = Reading::Value(crate::snapshot::ProfileText {
            origin: "registry".into(),
            json: r#"{"edgeAddress":"aaaaaaaa-1111-2222-3333-444455556666.m365.client.globalsecureaccess.microsoft.com"}"#.into(),
            timestamp: None,
        });
        let s = snapshot("windows", settings);
        let check = find(&host_checks(&s, SetupId::GlobalProtect), "entra-join").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("aaaaaaaa-1111"), "{}", check.summary);
    }
}
