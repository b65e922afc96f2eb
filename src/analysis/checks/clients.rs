//! `client:<vendor>`: each SSE client from absent to connected, against what the setup expects.

use crate::analysis::facts::Facts;
use crate::assessment::{Check, ClientState, Status};
use crate::knowledge::{ProcessRole, SetupId, Vendor};

pub(super) fn client_check(facts: &Facts, setup: SetupId, vendor: Vendor) -> Check {
    let client = facts.client_of(vendor);
    let id = format!("client:{vendor}");
    let label = vendor.label();
    let expected = vendor == Vendor::Gsa
        || facts
            .knowledge
            .setup(setup)
            .is_some_and(|s| s.other_vendor == vendor);
    // The processes themselves are in the evidence; the summary only counts them.
    let running = match client.processes.len() {
        0 => String::new(),
        1 => " (1 process)".to_string(),
        n => format!(" ({n} processes)"),
    };
    let check = match (client.state, expected) {
        (ClientState::Absent, false) => Check::new(
            id,
            Status::Skip,
            format!("{label} is not present and setup {setup} does not use it"),
        ),
        (ClientState::Absent, true) => {
            let mut check = Check::new(id, Status::Fail, format!("{label} client not found"))
                .remedy(format!(
                    "install and sign in to the {} client",
                    facts.knowledge.vendor(vendor).name
                ));
            if vendor == Vendor::Gsa && facts.os == crate::knowledge::Os::Linux {
                check.evidence.push(
                    "Microsoft ships no GSA client for Linux; ssetop recognises stand-ins named like its Windows services"
                        .into(),
                );
            }
            check
        }
        (ClientState::Stopped, _) => Check::new(
            id,
            if expected { Status::Fail } else { Status::Warn },
            format!("{label} is installed but not running"),
        )
        .remedy(format!(
            "start the {label} services (services.msc) or restart the device"
        )),
        (ClientState::Running, _)
            if vendor == Vendor::Gsa && !client.has_role(ProcessRole::Tunnel) =>
        {
            Check::new(
                id,
                Status::Fail,
                format!("{label} runs, but its tunneling service does not{running}"),
            )
            .remedy(
                "start GlobalSecureAccessTunnelingService (services.msc) or reinstall the client",
            )
        }
        (ClientState::Running, _) => {
            // Its tunnel may be a socket whose owner cannot be seen: say so, not "not up".
            let hidden = facts.sockets().iter().filter(|s| s.pids.is_empty()).count();
            let summary = if hidden == 0 {
                format!("{label} runs but its tunnel is not up{running}")
            } else {
                format!("{label} runs but no tunnel connection of its is seen{running}")
            };
            let mut check = Check::new(id, Status::Warn, summary).remedy(format!(
                "sign in to the {label} client and check its status page"
            ));
            if hidden > 0 {
                check.evidence.push(format!(
                    "{hidden} socket(s) have no visible owner: its tunnel may be among them{}",
                    if facts.snapshot.host.elevated {
                        ""
                    } else {
                        "; run elevated to see their owners"
                    }
                ));
            }
            check
        }
        (ClientState::Connected, true) => {
            Check::new(id, Status::Pass, format!("{label} is connected{running}"))
        }
        (ClientState::Connected, false) => Check::new(
            id,
            Status::Warn,
            format!("{label} is connected, but setup {setup} does not use it{running}"),
        ),
    };
    let mut check = check.evidence(client.evidence.clone());
    // GSA's own health check requires its tray app on Windows: without it the user sees no
    // icon and cannot sign in or be told to.
    if vendor == Vendor::Gsa
        && facts.os == crate::knowledge::Os::Windows
        && client.state != ClientState::Absent
        && !client.has_role(ProcessRole::Agent)
    {
        check.evidence.push(
            "the tray app (GlobalSecureAccessClient.exe) is not running: no icon, no sign-in prompt"
                .into(),
        );
        if check.status == Status::Pass {
            check.status = Status::Warn;
            check.summary.push_str("; its tray app is not running");
            check.remedy = Some(
                "start C:\\Program Files\\Global Secure Access Client\\GlobalSecureAccessClient.exe in the user's session (or sign out and in)".into(),
            );
        }
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    #[test]
    fn client_checks_from_absent_to_connected() {
        let nothing = Device::windows().build();
        let c = checks(&nothing, None);
        assert_eq!(find(&c, "client:gsa").status, Status::Fail);
        assert_eq!(find(&c, "client:zscaler").status, Status::Skip);
        assert_eq!(find(&c, "client:globalprotect").status, Status::Skip);
        // GSA services without the tunneling service: fail, naming it.
        let no_tunnel = Device::windows()
            .process(4101, "GlobalSecureAccessEngineService.exe")
            .build();
        let gsa = find(&checks(&no_tunnel, None), "client:gsa").clone();
        assert_eq!(gsa.status, Status::Fail);
        assert!(
            gsa.remedy
                .unwrap()
                .contains("GlobalSecureAccessTunnelingService")
        );
        // Running without a tunnel connection: warn. Connected: pass.
        let running = with_gsa(Device::windows()).build();
        assert_eq!(status(&running, None, "client:gsa"), Status::Warn);
        let connected = with_gsa(Device::windows())
            .tcp(GSA_EDGE, Some(4100))
            .build();
        assert_eq!(status(&connected, None, "client:gsa"), Status::Pass);
        // The other vendor expected by --setup but absent: fail.
        assert_eq!(
            status(
                &connected,
                Some(SetupId::GlobalProtect),
                "client:globalprotect"
            ),
            Status::Fail
        );
        // Installed (services) but not running: stopped.
        let stopped = Device::windows()
            .settings(|s| {
                s.services = Reading::Value(vec![crate::snapshot::ServiceState {
                    name: "PanGPS".into(),
                    state: "stopped".into(),
                    pid: None,
                    kind: None,
                    start_type: None,
                    detail: None,
                }])
            })
            .build();
        let c = checks(&stopped, Some(SetupId::GlobalProtect));
        assert_eq!(find(&c, "client:globalprotect").status, Status::Fail);
        assert!(
            find(&c, "client:globalprotect")
                .summary
                .contains("not running")
        );
    }

    #[test]
    fn a_running_client_whose_tunnel_may_hide_among_ownerless_sockets_is_not_called_down() {
        // Every socket has its owner: the tunnel is not up.
        let seen = Device::windows()
            .process(4300, "ZSATunnel.exe")
            .process(5000, "firefox.exe")
            .tcp("203.0.113.80:443", Some(5000))
            .build();
        let zscaler = find(&checks(&seen, None), "client:zscaler").clone();
        assert_eq!(zscaler.status, Status::Warn);
        assert!(
            zscaler.summary.contains("tunnel is not up"),
            "{}",
            zscaler.summary
        );
        // A socket without an owner may be its tunnel: say what is seen, and why.
        let hidden = Device::windows()
            .process(4300, "ZSATunnel.exe")
            .tcp("198.51.100.20:443", None)
            .build();
        let zscaler = find(&checks(&hidden, None), "client:zscaler").clone();
        assert_eq!(zscaler.status, Status::Warn);
        assert!(
            zscaler
                .summary
                .contains("no tunnel connection of its is seen"),
            "{}",
            zscaler.summary
        );
        assert!(
            zscaler
                .evidence
                .iter()
                .any(|e| e.contains("1 socket(s) have no visible owner")),
            "{:?}",
            zscaler.evidence
        );
    }
    #[test]
    fn on_windows_gsa_connected_without_its_tray_app_warns() {
        let without_tray = Device::windows()
            .process(4100, "GlobalSecureAccessTunnelingService.exe")
            .process(4101, "GlobalSecureAccessEngineService.exe")
            .tcp(GSA_EDGE, Some(4100))
            .build();
        let check = find(&checks(&without_tray, None), "client:gsa").clone();
        assert_eq!(check.status, Status::Warn, "{check:#?}");
        assert!(check.summary.ends_with("its tray app is not running"));
        let with_tray = with_gsa(Device::windows())
            .tcp(GSA_EDGE, Some(4100))
            .build();
        assert_eq!(status(&with_tray, None, "client:gsa"), Status::Pass);
    }
}
