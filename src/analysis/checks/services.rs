//! `services:<vendor>`: the vendors' Windows services and drivers are installed and running.

use super::value_or_check;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::{ServiceEntry, SetupId, Vendor};
use crate::snapshot::ServiceState;

/// One knowledge service entry as found on the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ServiceFound<'s> {
    Running(&'s ServiceState),
    /// Installed, in any state but running.
    NotRunning(&'s ServiceState),
    /// Installed, but its state could not be read.
    Unknown(&'s ServiceState),
    NotInstalled,
}

/// Which of an entry's names is installed, and its state (a running one wins when a client
/// upgrade left an old name behind).
pub(crate) fn find_service<'s>(
    entry: &ServiceEntry,
    services: &'s [ServiceState],
) -> ServiceFound<'s> {
    let installed: Vec<&ServiceState> = entry
        .names
        .iter()
        .filter_map(|n| services.iter().find(|s| s.name.eq_ignore_ascii_case(n)))
        .collect();
    if let Some(running) = installed.iter().find(|s| s.state == "running") {
        return ServiceFound::Running(running);
    }
    match installed.first() {
        Some(s) if s.state == "unknown" => ServiceFound::Unknown(s),
        Some(s) => ServiceFound::NotRunning(s),
        None => ServiceFound::NotInstalled,
    }
}

fn describe_service(entry: &ServiceEntry, found: ServiceFound) -> String {
    let label = format!("{} ({})", entry.label, entry.kind.id());
    let optional = if entry.required { "" } else { ", optional" };
    match found {
        ServiceFound::Running(s) | ServiceFound::NotRunning(s) => {
            let mut parts = vec![s.state.replace('_', " ")];
            if let Some(pid) = s.pid {
                parts.push(format!("pid {pid}"));
            }
            if let Some(start) = &s.start_type {
                parts.push(format!("start {start}"));
            }
            format!("{label}: {} {}{optional}", s.name, parts.join(", "))
        }
        ServiceFound::Unknown(s) => format!(
            "{label}: {} state unknown{}{optional}",
            s.name,
            s.detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
        ServiceFound::NotInstalled => format!(
            "{label}: not installed (looked for {}){optional}",
            entry.names.join(", ")
        ),
    }
}

pub(super) fn services_check(facts: &Facts, setup: SetupId, vendor: Vendor) -> Check {
    let id = format!("services:{vendor}");
    let label = vendor.label();
    let services = match value_or_check(facts, &id, "the services", |s| &s.services) {
        Ok(list) => list,
        Err(check) => return check,
    };
    let entries: Vec<&ServiceEntry> = facts
        .knowledge
        .services_for(facts.os)
        .filter(|e| e.vendor == vendor)
        .collect();
    if entries.is_empty() {
        return Check::new(
            id,
            Status::Skip,
            format!(
                "the knowledge base names no {label} services for {}",
                facts.os.id()
            ),
        );
    }
    let expected = vendor == Vendor::Gsa
        || facts
            .knowledge
            .setup(setup)
            .is_some_and(|s| s.other_vendor == vendor);
    let found: Vec<(&ServiceEntry, ServiceFound)> = entries
        .iter()
        .map(|e| (*e, find_service(e, services)))
        .collect();
    let evidence: Vec<String> = found.iter().map(|(e, f)| describe_service(e, *f)).collect();
    if found
        .iter()
        .all(|(_, f)| matches!(f, ServiceFound::NotInstalled))
    {
        return if expected {
            Check::new(
                id,
                Status::Fail,
                format!("none of {label}'s services is installed"),
            )
            .evidence(evidence)
            .remedy(format!(
                "install the {} client",
                facts.knowledge.vendor(vendor).name
            ))
        } else {
            Check::new(
                id,
                Status::Skip,
                format!("{label} is not installed and setup {setup} does not use it"),
            )
        };
    }
    let mut missing = Vec::new();
    let mut stopped = Vec::new();
    let mut disabled = Vec::new();
    let mut unknown = Vec::new();
    for (entry, f) in &found {
        match f {
            ServiceFound::NotInstalled if entry.required => missing.push(entry.label.clone()),
            ServiceFound::NotRunning(s) if entry.required => {
                stopped.push(format!("{} {}", s.name, s.state.replace('_', " ")));
                if s.start_type.as_deref() == Some("disabled") {
                    disabled.push(s.name.clone());
                }
            }
            ServiceFound::Unknown(s) if entry.required => unknown.push(s.name.clone()),
            _ => {}
        }
    }
    if !missing.is_empty() || !stopped.is_empty() {
        let mut problems = Vec::new();
        if !stopped.is_empty() {
            problems.push(format!("not running: {}", stopped.join(", ")));
        }
        if !missing.is_empty() {
            problems.push(format!("not installed: {}", missing.join(", ")));
        }
        let mut remedy = Vec::new();
        if !stopped.is_empty() {
            remedy.push(format!(
                "start the stopped {label} services (services.msc, or `sc start <name>` from an elevated prompt)"
            ));
        }
        if !disabled.is_empty() {
            remedy.push(format!(
                "set the start type of {} back to Automatic",
                disabled.join(", ")
            ));
        }
        if !missing.is_empty() {
            remedy.push(format!(
                "reinstall the {} client",
                facts.knowledge.vendor(vendor).name
            ));
        }
        return Check::new(
            id,
            if expected { Status::Fail } else { Status::Warn },
            format!("{label}: {}", problems.join("; ")),
        )
        .evidence(evidence)
        .remedy(remedy.join("; "));
    }
    if !unknown.is_empty() {
        return Check::new(
            id,
            Status::Warn,
            format!("cannot read the state of {}", unknown.join(", ")),
        )
        .evidence(evidence)
        .remedy("run ssetop elevated (Run as administrator) to read every service");
    }
    let running: Vec<&str> = found
        .iter()
        .filter(|(e, f)| e.required && matches!(f, ServiceFound::Running(_)))
        .map(|(e, _)| e.label.as_str())
        .collect();
    Check::new(
        id,
        Status::Pass,
        format!("{label}'s required services run: {}", running.join(", ")),
    )
    .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    #[test]
    fn gsa_services_pass_with_old_and_new_names_and_an_optional_one_stopped() {
        let s = snapshot(
            "windows",
            with(|s| s.services = Reading::Value(gsa_services("running"))),
        );
        let all = host_checks(&s, SetupId::GlobalProtect);
        let check = find(&all, "services:gsa");
        assert_eq!(check.status, Status::Pass, "{check:#?}");
        assert!(check.summary.contains("tunneling"), "{}", check.summary);
        assert!(
            check.evidence.iter().any(|e| e.contains("client manager")
                && e.contains("stopped")
                && e.contains("optional")),
            "{:#?}",
            check.evidence
        );
    }

    #[test]
    fn a_stopped_gsa_driver_fails_and_names_it() {
        let s = snapshot(
            "windows",
            with(|s| s.services = Reading::Value(gsa_services("stopped"))),
        );
        let check = find(&host_checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Fail);
        assert!(
            check.summary.contains("GlobalSecureAccessDriver stopped"),
            "{}",
            check.summary
        );
        assert!(check.remedy.unwrap().contains("sc start"));
    }

    #[test]
    fn a_disabled_service_is_told_to_go_back_to_automatic() {
        let mut services = gsa_services("running");
        services[0].state = "stopped".into();
        services[0].start_type = Some("disabled".into());
        let s = snapshot("windows", with(|s| s.services = Reading::Value(services)));
        let check = find(&host_checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Fail);
        assert!(check.remedy.unwrap().contains("back to Automatic"));
    }

    #[test]
    fn a_missing_required_service_fails_and_a_missing_other_vendor_is_skipped() {
        let mut services = gsa_services("running");
        services.retain(|s| !s.name.contains("ForwardingProfile"));
        let s = snapshot("windows", with(|s| s.services = Reading::Value(services)));
        let all = host_checks(&s, SetupId::GlobalProtect);
        let gsa = find(&all, "services:gsa");
        assert_eq!(gsa.status, Status::Fail);
        assert!(
            gsa.summary.contains("not installed: policy retriever"),
            "{}",
            gsa.summary
        );
        // GlobalProtect is this setup's other client: nothing installed fails.
        assert_eq!(find(&all, "services:globalprotect").status, Status::Fail);
        // Zscaler is not used by the setup: nothing installed is not a problem.
        assert_eq!(find(&all, "services:zscaler").status, Status::Skip);
    }

    #[test]
    fn a_running_service_wins_over_an_old_name_left_stopped() {
        let mut services = gsa_services("running");
        services.push(service("GlobalSecureAccessEngineService", "stopped"));
        let s = snapshot("windows", with(|s| s.services = Reading::Value(services)));
        assert_eq!(
            find(&host_checks(&s, SetupId::GlobalProtect), "services:gsa").status,
            Status::Pass
        );
    }

    #[test]
    fn an_unreadable_service_or_service_manager_warns_with_the_reason() {
        let mut services = gsa_services("running");
        services[0].state = "unknown".into();
        services[0].detail = Some("access denied to service X".into());
        let s = snapshot("windows", with(|s| s.services = Reading::Value(services)));
        let check = find(&host_checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(check.evidence.iter().any(|e| e.contains("access denied")));
        let s = snapshot(
            "windows",
            with(|s| {
                s.services =
                    Reading::Unavailable("access denied to the Service Control Manager".into())
            }),
        );
        let check = find(&host_checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("access denied"), "{}", check.summary);
    }

    #[test]
    fn the_knowledge_os_decides_which_services_are_looked_for() {
        let k = Knowledge::embedded();
        assert!(k.services_for(Os::Windows).count() >= 6);
        let s = snapshot("linux", with(|s| s.services = Reading::Value(Vec::new())));
        let check = find(&host_checks(&s, SetupId::GlobalProtect), "services:gsa").clone();
        assert_eq!(check.status, Status::Skip);
        assert!(
            check.summary.contains("no GSA services for linux"),
            "{}",
            check.summary
        );
    }
}
