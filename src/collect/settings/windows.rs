//! Windows: the registry values and services GSA's own health check looks at. Only the reads
//! are here; what they mean is decided in `parse.rs` (blobs, codes) and in the analysis.

use super::gsa_host;
use super::parse::{self, ProxyValues, registry_optional, registry_reading};
use crate::collect::win32::{self, Hive, JoinApiError};
use crate::snapshot::{
    ClientCertificates, CrashReport, GsaWindowsReadings, InstalledVersion, JoinState, NrptRule,
    NrptTables, PolicyValue, ProfileText, ProxySettings, Reading, Settings,
};

pub(super) const GSA_KEY: &str = r"SOFTWARE\Microsoft\Global Secure Access Client";
pub(super) const JOIN_INFO_KEY: &str = r"SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo";
pub(super) const TCPIP6_KEY: &str = r"SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters";
pub(super) const CONNECTIONS_KEY: &str =
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
pub(super) const INTERNET_SETTINGS_KEY: &str =
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings";
pub(super) const DNSCACHE_KEY: &str = r"SYSTEM\CurrentControlSet\Services\Dnscache\Parameters";

/// A registry value that holds a policy GSA's health check looks at.
struct PolicyPlace {
    scope: &'static str,
    hive: Hive,
    key: &'static str,
    value: &'static str,
    /// The name the policy goes by in the snapshot (the value name, or `Key\Value`).
    name: &'static str,
    dword: bool,
}

const fn place(
    scope: &'static str,
    hive: Hive,
    key: &'static str,
    value: &'static str,
    name: &'static str,
    dword: bool,
) -> PolicyPlace {
    PolicyPlace {
        scope,
        hive,
        key,
        value,
        name,
        dword,
    }
}

const EDGE: &str = r"SOFTWARE\Policies\Microsoft\Edge";
const CHROME: &str = r"SOFTWARE\Policies\Google\Chrome";
const FIREFOX_DOH: &str = r"SOFTWARE\Policies\Mozilla\Firefox\DNSOverHTTPS";
const DNSCLIENT_POLICY: &str = r"SOFTWARE\Policies\Microsoft\Windows NT\DNSClient";

/// Machine policies first: where both exist, the machine's wins (as in the browsers).
const POLICY_PLACES: &[PolicyPlace] = &[
    place(
        "windows",
        Hive::LocalMachine,
        DNSCLIENT_POLICY,
        "DoHPolicy",
        "DoHPolicy",
        true,
    ),
    place(
        "windows",
        Hive::LocalMachine,
        DNSCACHE_KEY,
        "EnableAutoDoh",
        "EnableAutoDoh",
        true,
    ),
    place(
        "edge",
        Hive::LocalMachine,
        EDGE,
        "DnsOverHttpsMode",
        "DnsOverHttpsMode",
        false,
    ),
    place(
        "edge",
        Hive::CurrentUser,
        EDGE,
        "DnsOverHttpsMode",
        "DnsOverHttpsMode",
        false,
    ),
    place(
        "chrome",
        Hive::LocalMachine,
        CHROME,
        "DnsOverHttpsMode",
        "DnsOverHttpsMode",
        false,
    ),
    place(
        "chrome",
        Hive::CurrentUser,
        CHROME,
        "DnsOverHttpsMode",
        "DnsOverHttpsMode",
        false,
    ),
    place(
        "firefox",
        Hive::LocalMachine,
        FIREFOX_DOH,
        "Enabled",
        r"DNSOverHTTPS\Enabled",
        true,
    ),
    place(
        "firefox",
        Hive::CurrentUser,
        FIREFOX_DOH,
        "Enabled",
        r"DNSOverHTTPS\Enabled",
        true,
    ),
    place(
        "edge",
        Hive::LocalMachine,
        EDGE,
        "QuicAllowed",
        "QuicAllowed",
        true,
    ),
    place(
        "edge",
        Hive::CurrentUser,
        EDGE,
        "QuicAllowed",
        "QuicAllowed",
        true,
    ),
    place(
        "chrome",
        Hive::LocalMachine,
        CHROME,
        "QuicAllowed",
        "QuicAllowed",
        true,
    ),
    place(
        "chrome",
        Hive::CurrentUser,
        CHROME,
        "QuicAllowed",
        "QuicAllowed",
        true,
    ),
];

pub(super) fn read(config: &crate::collect::CollectConfig) -> Settings {
    let (service_names, gsa_executables) = (&config.service_names, &config.gsa_executables);
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
    let join = join_state();
    let tenant_id = match &join {
        Reading::Value(JoinState {
            tenant_id: Some(id),
            origin,
            ..
        }) => Reading::Value(crate::snapshot::TenantId {
            id: id.clone(),
            origin: origin.clone().unwrap_or_else(|| "registry".into()),
        }),
        Reading::Value(_) => Reading::Missing("the device is not Entra joined".into()),
        Reading::Unavailable(r) => Reading::Unavailable(r.clone()),
        Reading::Missing(r) | Reading::NotApplicable(r) => Reading::Missing(r.clone()),
    };
    Settings {
        forwarding_profile: registry_reading(
            profile,
            r"no ForwardingProfile value under HKLM\SOFTWARE\Microsoft\Global Secure Access Client",
        ),
        tenant_id,
        join,
        ipv6_disabled_components: registry_reading(
            win32::read_dword(Hive::LocalMachine, TCPIP6_KEY, "DisabledComponents"),
            "DisabledComponents is not set (IPv6 preferred)",
        ),
        services: services(service_names),
        proxy: proxy(),
        policies: policies(),
        gsa_windows: GsaWindowsReadings {
            nrpt: nrpt(),
            client_certificates: client_certificates(),
            eds_results: registry_reading(
                win32::read_string(Hive::LocalMachine, GSA_STATE_KEY, "EdsResults"),
                r"no EdsResults value under HKLM\SOFTWARE\Microsoft\Global Secure Access Client\State",
            ),
            crash_reports: crash_reports(gsa_executables),
        },
        gsa_client: installed_version(&config.gsa_product_names),
        ..Settings::default()
    }
}

/// The local NRPT (where the DNS client keeps rules that programs add) and Group Policy's.
const NRPT_LOCAL_KEY: &str =
    r"SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig";
const NRPT_POLICY_KEY: &str = r"SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig";
/// The machine's Personal certificate store, as the registry keeps it.
const MACHINE_MY_KEY: &str = r"SOFTWARE\Microsoft\SystemCertificates\MY\Certificates";
const GSA_STATE_KEY: &str = r"SOFTWARE\Microsoft\Global Secure Access Client\State";

fn nrpt() -> Reading<NrptTables> {
    let table = |key: &str| -> Result<Vec<NrptRule>, String> {
        let Some(rules) = registry_optional(win32::subkeys(Hive::LocalMachine, key))? else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        for rule in rules {
            let path = format!(r"{key}\{rule}");
            let namespaces =
                registry_optional(win32::read_multi_string(Hive::LocalMachine, &path, "Name"))?
                    .map(|bytes| gsa_host::reg_multi_sz(&bytes))
                    // Some tools write a single namespace as REG_SZ.
                    .or(
                        registry_optional(win32::read_string(Hive::LocalMachine, &path, "Name"))
                            .ok()
                            .flatten()
                            .map(|n| vec![n]),
                    )
                    .unwrap_or_default();
            let servers = registry_optional(win32::read_string(
                Hive::LocalMachine,
                &path,
                "GenericDNSServers",
            ))?;
            let comment =
                registry_optional(win32::read_string(Hive::LocalMachine, &path, "DisplayName"))?
                    .or(registry_optional(win32::read_string(
                        Hive::LocalMachine,
                        &path,
                        "Comment",
                    ))?);
            found.push(gsa_host::nrpt_rule(
                &rule,
                namespaces,
                servers.as_deref(),
                comment,
            ));
        }
        Ok(found)
    };
    match (table(NRPT_LOCAL_KEY), table(NRPT_POLICY_KEY)) {
        (Ok(local), Ok(group_policy)) => Reading::Value(NrptTables {
            local,
            group_policy,
        }),
        (Err(reason), _) | (_, Err(reason)) => Reading::Unavailable(reason),
    }
}

fn client_certificates() -> Reading<ClientCertificates> {
    let read = || -> Result<ClientCertificates, String> {
        let cert_common_name = registry_optional(win32::read_string(
            Hive::LocalMachine,
            GSA_KEY,
            "CertCommonName",
        ))?;
        let mut found = ClientCertificates {
            cert_common_name,
            ..ClientCertificates::default()
        };
        let thumbprints = registry_optional(win32::subkeys(Hive::LocalMachine, MACHINE_MY_KEY))?
            .unwrap_or_default();
        for thumbprint in thumbprints {
            let path = format!(r"{MACHINE_MY_KEY}\{thumbprint}");
            let Some(blob) =
                registry_optional(win32::read_binary(Hive::LocalMachine, &path, "Blob"))?
            else {
                continue;
            };
            match gsa_host::certificate_info(&thumbprint, &blob) {
                Ok(info)
                    if gsa_host::is_gsa_certificate(&info, found.cert_common_name.as_deref()) =>
                {
                    found.certificates.push(info)
                }
                Ok(_) => {}
                Err(reason) => found.unreadable.push(format!("{thumbprint}: {reason}")),
            }
        }
        Ok(found)
    };
    match read() {
        Ok(found) => Reading::Value(found),
        Err(reason) => Reading::Unavailable(reason),
    }
}

/// Programs and Features: the uninstall entry whose `DisplayName` is one of `names`.
const UNINSTALL_KEY: &str = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";

fn installed_version(names: &[String]) -> Reading<InstalledVersion> {
    if names.is_empty() {
        return Reading::NotApplicable("the knowledge base names no GSA product".into());
    }
    let find = || -> Result<Option<InstalledVersion>, String> {
        let entries = registry_optional(win32::subkeys(Hive::LocalMachine, UNINSTALL_KEY))?
            .unwrap_or_default();
        for entry in entries {
            let key = format!(r"{UNINSTALL_KEY}\{entry}");
            let Ok(Some(name)) =
                registry_optional(win32::read_string(Hive::LocalMachine, &key, "DisplayName"))
            else {
                continue;
            };
            if !names.iter().any(|n| n.eq_ignore_ascii_case(name.trim())) {
                continue;
            }
            if let Some(version) = registry_optional(win32::read_string(
                Hive::LocalMachine,
                &key,
                "DisplayVersion",
            ))? {
                return Ok(Some(InstalledVersion {
                    version: version.trim().to_string(),
                    origin: format!(r"HKLM\{key}"),
                }));
            }
        }
        Ok(None)
    };
    match find() {
        Ok(Some(found)) => Reading::Value(found),
        Ok(None) => Reading::Missing(format!(
            "no {} in Programs and Features",
            names.join(" or ")
        )),
        Err(reason) => Reading::Unavailable(reason),
    }
}

fn crash_reports(executables: &[String]) -> Reading<Vec<CrashReport>> {
    let Some(data) = std::env::var_os("ProgramData") else {
        return Reading::Unavailable(
            "%ProgramData% is not set: Windows Error Reporting's folders are unknown".into(),
        );
    };
    let wer = std::path::Path::new(&data).join(r"Microsoft\Windows\WER");
    let archive = wer.join("ReportArchive");
    let queue = wer.join("ReportQueue");
    Reading::Value(gsa_host::crash_reports(&[&archive, &queue], executables))
}

fn services(names: &[String]) -> Reading<Vec<crate::snapshot::ServiceState>> {
    if names.is_empty() {
        return Reading::NotApplicable("the knowledge base names no Windows services".into());
    }
    match win32::query_services(names) {
        Ok(lookups) => Reading::Value(parse::service_states(lookups)),
        Err(reason) => Reading::Unavailable(reason),
    }
}

/// The join state from the API, or from the registry where the API is missing or fails.
fn join_state() -> Reading<JoinState> {
    let api_problem = match win32::aad_join_info() {
        Ok(info) => return Reading::Value(parse::join_from_api(info)),
        Err(JoinApiError::NotAvailable(reason)) | Err(JoinApiError::Failed(reason)) => reason,
    };
    match registry_tenants() {
        Ok(tenants) => Reading::Value(parse::join_from_registry(&tenants)),
        Err(reason) => Reading::Unavailable(format!("{api_problem}; {reason}")),
    }
}

/// `TenantId` of every `CloudDomainJoin\JoinInfo\<thumbprint>` (empty: no JoinInfo).
fn registry_tenants() -> Result<Vec<String>, String> {
    let thumbprints = match registry_optional(win32::subkeys(Hive::LocalMachine, JOIN_INFO_KEY))? {
        Some(list) => list,
        None => return Ok(Vec::new()),
    };
    let mut tenants = Vec::new();
    for thumbprint in thumbprints {
        let key = format!(r"{JOIN_INFO_KEY}\{thumbprint}");
        if let Some(id) =
            registry_optional(win32::read_string(Hive::LocalMachine, &key, "TenantId"))?
        {
            tenants.push(id);
        }
    }
    Ok(tenants)
}

fn proxy() -> Reading<ProxySettings> {
    let user_string = |value: &str| {
        registry_optional(win32::read_string(
            Hive::CurrentUser,
            INTERNET_SETTINGS_KEY,
            value,
        ))
    };
    let values = (|| -> Result<ProxyValues, String> {
        Ok(ProxyValues {
            winhttp_settings: registry_optional(win32::read_binary(
                Hive::LocalMachine,
                CONNECTIONS_KEY,
                "WinHttpSettings",
            ))?,
            proxy_enable: registry_optional(win32::read_dword(
                Hive::CurrentUser,
                INTERNET_SETTINGS_KEY,
                "ProxyEnable",
            ))?,
            proxy_server: user_string("ProxyServer")?,
            proxy_override: user_string("ProxyOverride")?,
            auto_config_url: user_string("AutoConfigURL")?,
        })
    })();
    match values.and_then(|v| parse::proxy_settings(&v)) {
        Ok(settings) => Reading::Value(settings),
        Err(reason) => Reading::Unavailable(reason),
    }
}

/// Every policy value that is set. One that cannot be read (access denied, a value of the
/// wrong type) is kept with the value `unreadable: <reason>`, so the others still count.
fn policies() -> Reading<Vec<PolicyValue>> {
    let mut found: Vec<PolicyValue> = Vec::new();
    for place in POLICY_PLACES {
        // The machine's policy wins over the user's: skip the user's once one is found.
        if found
            .iter()
            .any(|p| p.scope == place.scope && p.name == place.name)
        {
            continue;
        }
        let value = if place.dword {
            registry_optional(win32::read_dword(place.hive, place.key, place.value))
                .map(|v| v.map(|d| d.to_string()))
        } else {
            registry_optional(win32::read_string(place.hive, place.key, place.value))
        };
        let value = match value {
            Ok(Some(value)) => value,
            Ok(None) => continue,
            Err(reason) => format!("{}{reason}", crate::snapshot::UNREADABLE_POLICY),
        };
        found.push(PolicyValue {
            scope: place.scope.into(),
            name: place.name.into(),
            value,
            origin: Some(format!("{}\\{}", place.hive.prefix(), place.key)),
        });
    }
    Reading::Value(found)
}
