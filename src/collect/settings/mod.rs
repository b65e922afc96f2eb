//! OS settings the checks need: GSA's forwarding profile and the tenant id (the registry on
//! Windows, or files and options anywhere), and on Windows the IPv6/IPv4 preference, the
//! vendors' services and drivers, the Entra join, the system proxy and the DoH/QUIC policies;
//! on macOS GSA's client state (system extension, proxy configuration, interfaces, resolvers)
//! and its cached forwarding profile. The parsers and mappings are in `parse` and
//! `macos_parse` (every OS, unit-tested); `windows` and `macos` only read.

#[cfg_attr(
    not(windows),
    allow(
        dead_code,
        reason = "the Windows reader calls them; every OS tests them"
    )
)]
mod gsa_host;
pub mod parse;
// macOS client state: parsers (every OS) and the reader (called on macOS only)
pub(crate) mod macos;
pub(crate) mod macos_parse;
#[cfg(windows)]
mod windows;

use super::{CollectConfig, JobResult};
use crate::snapshot::Reading;
use crate::snapshot::{ProfileText, Settings, TenantId};

pub fn collect(config: &CollectConfig) -> JobResult<Settings> {
    #[cfg(windows)]
    let mut settings = windows::read(config);
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
            "the system proxy is read on Windows (WinHTTP and WinINet) and macOS (scutil --proxy)".into(),
        ),
        policies: Reading::NotApplicable(
            "DoH and QUIC policies are read from the Windows registry".into(),
        ),
        gsa_windows: crate::snapshot::GsaWindowsReadings::not_on_windows(),
        ..Settings::default()
    };
    // macOS client state: GSA's system extension, proxy configuration, interfaces, resolvers and
    // cached forwarding profile; the profile found there is the one the checks judge.
    #[cfg(target_os = "macos")]
    {
        let (macos, cached) = macos::read(&config.macos_profile_files, config.source_deadline);
        settings.forwarding_profile = cached_profile_reading(&macos.profile_file, cached);
        settings.macos = Reading::Value(macos);
        settings.proxy = macos::proxy(config.source_deadline / 8);
        settings.gsa_client = macos::app_version(
            &config.macos_app_plists,
            &crate::input_file::Deadline::after(config.source_deadline / 8),
        );
    }
    #[cfg(not(any(target_os = "macos", windows)))]
    {
        settings.gsa_client = Reading::NotApplicable(
            "GSA's client version is read on Windows and macOS (Microsoft ships no Linux client)"
                .into(),
        );
    }
    #[cfg(not(target_os = "macos"))]
    {
        settings.macos = Reading::NotApplicable(
            "GSA's macOS client state (systemextensionsctl, scutil) is read on macOS".into(),
        );
    }
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

/// The forwarding-profile reading on macOS: the cached file's profile; where the file holds none
/// ssetop recognises, a skip that says what the file is (ssetop does not know every client
/// version's layout, so that is no failure of the device).
#[cfg_attr(
    not(target_os = "macos"),
    allow(
        dead_code,
        reason = "called on macOS only; compiled everywhere so Linux tests it"
    )
)]
fn cached_profile_reading(
    file: &Reading<crate::snapshot::ProfileFile>,
    cached: Option<ProfileText>,
) -> Reading<ProfileText> {
    if let Some(profile) = cached {
        return Reading::Value(profile);
    }
    match file {
        Reading::Value(file) => Reading::NotApplicable(format!(
            "GSA's cached profile file {} ({} bytes, modified {}, {}) holds no forwarding-profile JSON ssetop recognises (keys: {}); give --forwarding-profile FILE",
            file.path,
            file.size,
            file.modified
                .map_or_else(|| "at an unknown time".to_string(), |t| t.to_string()),
            file.format,
            if file.keys.is_empty() {
                "none".to_string()
            } else {
                file.keys.join(", ")
            }
        )),
        Reading::Unavailable(reason) => Reading::Unavailable(reason.clone()),
        Reading::Missing(reason) | Reading::NotApplicable(reason) => {
            Reading::Missing(reason.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::ProfileFile;

    #[test]
    fn a_cached_file_without_a_recognised_profile_is_a_skip_naming_size_time_and_keys() {
        let file = Reading::Value(ProfileFile {
            path: "/private/var/root/Library/Preferences/x.plist".into(),
            size: 812,
            modified: "2026-11-20T08:00:00Z".parse().ok(),
            format: "binary".into(),
            keys: vec!["LastSync".into()],
            profile_key: None,
        });
        let reading = cached_profile_reading(&file, None);
        let Reading::NotApplicable(reason) = reading else {
            panic!("{reading:?}")
        };
        assert!(reason.contains("812 bytes"), "{reason}");
        assert!(reason.contains("2026-11-20T08:00:00Z"), "{reason}");
        assert!(reason.contains("keys: LastSync"), "{reason}");
        let denied =
            cached_profile_reading(&Reading::Unavailable("Permission denied".into()), None);
        assert_eq!(denied, Reading::Unavailable("Permission denied".into()));
        let absent = cached_profile_reading(&Reading::Missing("not found".into()), None);
        assert_eq!(absent, Reading::Missing("not found".into()));
    }
}
