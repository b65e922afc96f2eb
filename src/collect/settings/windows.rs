//! Windows: the registry values GSA's own health check reads.

use crate::collect::win32::{self, Hive, RegError};
use crate::snapshot::{ProfileText, Reading, Settings, TenantId};

pub const GSA_KEY: &str = r"SOFTWARE\Microsoft\Global Secure Access Client";
pub const JOIN_INFO_KEY: &str = r"SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo";
pub const TCPIP6_KEY: &str = r"SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters";

fn reading<T>(result: Result<T, RegError>, missing: &str) -> Reading<T> {
    match result {
        Ok(value) => Reading::Value(value),
        Err(RegError::NotFound) => Reading::Missing(missing.to_string()),
        Err(RegError::AccessDenied(reason)) => {
            Reading::Unavailable(format!("{reason} (run elevated to read it)"))
        }
        Err(RegError::Other(reason)) => Reading::Unavailable(reason),
    }
}

pub fn read() -> Settings {
    let profile =
        win32::read_string(Hive::LocalMachine, GSA_KEY, "ForwardingProfile").map(|json| {
            ProfileText {
                origin: "registry".into(),
                json,
                timestamp: win32::read_string(
                    Hive::LocalMachine,
                    GSA_KEY,
                    "ForwardingProfileTimestamp",
                )
                .ok()
                .or_else(|| {
                    win32::read_dword(Hive::LocalMachine, GSA_KEY, "ForwardingProfileTimestamp")
                        .ok()
                        .map(|v| v.to_string())
                }),
            }
        });
    Settings {
        forwarding_profile: reading(
            profile,
            r"no ForwardingProfile value under HKLM\SOFTWARE\Microsoft\Global Secure Access Client",
        ),
        tenant_id: reading(
            join_tenant(),
            "the device is not Entra joined (no JoinInfo)",
        ),
        ipv6_disabled_components: reading(
            win32::read_dword(Hive::LocalMachine, TCPIP6_KEY, "DisabledComponents"),
            "DisabledComponents is not set (IPv6 preferred)",
        ),
        ..Settings::default()
    }
}

/// The tenant id under `CloudDomainJoin\JoinInfo\<thumbprint>\TenantId`.
fn join_tenant() -> Result<TenantId, RegError> {
    for thumbprint in win32::subkeys(Hive::LocalMachine, JOIN_INFO_KEY)? {
        let key = format!(r"{JOIN_INFO_KEY}\{thumbprint}");
        if let Ok(id) = win32::read_string(Hive::LocalMachine, &key, "TenantId") {
            return Ok(TenantId {
                id: id.to_lowercase(),
                origin: "registry".into(),
            });
        }
    }
    Err(RegError::NotFound)
}
