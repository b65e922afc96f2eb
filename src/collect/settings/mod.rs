//! OS settings the checks need: GSA's forwarding profile and the tenant id (the registry on
//! Windows, or files and options anywhere), and on Windows the IPv6/IPv4 preference, the
//! vendors' services and drivers, the Entra join, the system proxy and the DoH/QUIC policies.
//! The parsers and mappings are in `parse` (every OS, unit-tested); `windows` only reads.

#[cfg_attr(
    not(windows),
    allow(
        dead_code,
        reason = "the Windows reader calls them; every OS tests them"
    )
)]
mod gsa_host;
pub mod parse;
#[cfg(windows)]
mod windows;

use super::{CollectConfig, JobResult};
#[cfg(not(windows))]
use crate::snapshot::Reading;
use crate::snapshot::{ProfileText, Settings, TenantId};

pub fn collect(config: &CollectConfig) -> JobResult<Settings> {
    #[cfg(windows)]
    let mut settings = windows::read(&config.service_names, &config.gsa_executables);
    #[cfg(not(windows))]
    let mut settings = Settings {
        forwarding_profile: Reading::NotApplicable(
            "GSA keeps its forwarding profile in the Windows registry; give --forwarding-profile FILE"
                .into(),
        ),
        tenant_id: Reading::NotApplicable(
            "the tenant id is read from the Windows registry; give --tenant-id".into(),
        ),
        join: Reading::NotApplicable(
            "Entra join is read on Windows (NetGetAadJoinInformation)".into(),
        ),
        ipv6_disabled_components: Reading::NotApplicable(
            "the IPv4 preference (Tcpip6 DisabledComponents) is a Windows setting".into(),
        ),
        services: Reading::NotApplicable(
            "services are read from the Windows Service Control Manager".into(),
        ),
        proxy: Reading::NotApplicable(
            "the system proxy is read on Windows (WinHTTP and WinINet)".into(),
        ),
        policies: Reading::NotApplicable(
            "DoH and QUIC policies are read from the Windows registry".into(),
        ),
        gsa_windows: crate::snapshot::GsaWindowsReadings::not_on_windows(),
    };
    if let Some(path) = &config.forwarding_profile_file {
        settings.forwarding_profile = match std::fs::read_to_string(path) {
            Ok(json) => crate::snapshot::Reading::Value(ProfileText {
                origin: format!("file:{}", path.display()),
                json,
                timestamp: None,
            }),
            Err(e) => crate::snapshot::Reading::Unavailable(format!(
                "cannot read {}: {e}",
                path.display()
            )),
        };
    }
    if let Some(id) = &config.tenant_id {
        settings.tenant_id = crate::snapshot::Reading::Value(TenantId {
            id: id.clone(),
            origin: "option".into(),
        });
    } else if settings.tenant_id.value().is_none()
        && let Some(id) = settings
            .forwarding_profile
            .value()
            .and_then(|p| TenantId::find_in_profile(&p.json))
    {
        settings.tenant_id = crate::snapshot::Reading::Value(TenantId {
            id,
            origin: "forwarding-profile".into(),
        });
    }
    Ok((settings, None))
}
