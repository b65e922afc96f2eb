//! What the Windows settings collector reads, turned into snapshot data: the proxy blobs of the
//! registry, registry strings and error codes, Service Control Manager codes, join types. Plain
//! Rust on every OS, so that the unit tests run in every `cargo test` from recorded values; the
//! API calls that produce these inputs are in `windows.rs` and `win32.rs`.

use crate::snapshot::{JoinState, ProxySettings, Reading, ServiceState};

/// Flags of a connection-settings blob (`WinHttpSettings`, `DefaultConnectionSettings`).
pub const PROXY_TYPE_DIRECT: u32 = 0x1;
pub const PROXY_TYPE_PROXY: u32 = 0x2;
pub const PROXY_TYPE_AUTO_PROXY_URL: u32 = 0x4;
pub const PROXY_TYPE_AUTO_DETECT: u32 = 0x8;

/// A WinHTTP/WinINet connection-settings blob. The format is undocumented; as written by
/// `netsh winhttp set proxy` and Internet Options, all integers little-endian:
/// `u32 version` (0x18 WinHTTP, 0x3C/0x46 WinINet), `u32 counter`, `u32 flags`,
/// `u32 len` + proxy (ASCII), `u32 len` + bypass list, then (WinINet, optional)
/// `u32 len` + auto-config URL, then fields ssetop does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionBlob {
    pub version: u32,
    pub counter: u32,
    pub flags: u32,
    pub proxy: String,
    pub bypass: String,
    pub auto_config_url: Option<String>,
}

impl ConnectionBlob {
    /// The manual proxy, when the flags turn it on and one is named.
    pub fn manual_proxy(&self) -> Option<&str> {
        (self.flags & PROXY_TYPE_PROXY != 0 && !self.proxy.is_empty())
            .then_some(self.proxy.as_str())
    }

    /// The auto-config (PAC) URL, when the flags turn it on.
    pub fn pac_url(&self) -> Option<&str> {
        self.auto_config_url
            .as_deref()
            .filter(|u| self.flags & PROXY_TYPE_AUTO_PROXY_URL != 0 && !u.is_empty())
    }
}

struct Reader<'a> {
    name: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    #[allow(
        clippy::indexing_slicing,
        reason = "each slice is taken after its length was checked (a 4-byte chunk, a pair of chunks_exact(2), a NUL found within)"
    )]
    fn u32(&mut self, field: &str) -> Result<u32, String> {
        let end = self.at + 4;
        let Some(chunk) = self.bytes.get(self.at..end) else {
            return Err(format!(
                "{} is {} bytes long and ends inside its {field} (at byte {})",
                self.name,
                self.bytes.len(),
                self.at
            ));
        };
        self.at = end;
        Ok(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
    }

    fn text(&mut self, field: &str) -> Result<String, String> {
        let len = self.u32(&format!("{field} length"))? as usize;
        let start = self.at;
        let Some(chunk) = start
            .checked_add(len)
            .and_then(|end| self.bytes.get(start..end))
        else {
            return Err(format!(
                "{}: the {field} claims {len} bytes at byte {start}, but only {} remain",
                self.name,
                self.bytes.len().saturating_sub(start)
            ));
        };
        self.at += len;
        Ok(String::from_utf8_lossy(chunk)
            .trim_end_matches('\0')
            .to_string())
    }

    fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

/// Parses a connection-settings blob; `name` names the value in errors.
pub fn parse_connection_blob(name: &str, bytes: &[u8]) -> Result<ConnectionBlob, String> {
    let mut reader = Reader { name, bytes, at: 0 };
    let version = reader.u32("version")?;
    let counter = reader.u32("counter")?;
    let flags = reader.u32("flags")?;
    let proxy = reader.text("proxy server")?;
    let bypass = reader.text("bypass list")?;
    // WinHTTP's blob ends here; WinINet's goes on with the PAC URL. A value written by an
    // older tool may stop after the bypass list.
    let auto_config_url = if reader.at_end() {
        None
    } else {
        Some(reader.text("auto-config URL")?)
    };
    Ok(ConnectionBlob {
        version,
        counter,
        flags,
        proxy,
        bypass,
        auto_config_url,
    })
}

/// The registry values behind the proxy settings, as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxyValues {
    /// `HKLM\…\Internet Settings\Connections\WinHttpSettings` (None: the value does not exist).
    pub winhttp_settings: Option<Vec<u8>>,
    /// `HKCU\…\Internet Settings\ProxyEnable`.
    pub proxy_enable: Option<u32>,
    pub proxy_server: Option<String>,
    pub proxy_override: Option<String>,
    pub auto_config_url: Option<String>,
}

/// WinHTTP's blob and WinINet's values as one `ProxySettings`. A malformed WinHTTP blob is an
/// error: the probe cannot tell what WinHTTP uses.
pub fn proxy_settings(values: &ProxyValues) -> Result<ProxySettings, String> {
    let mut settings = ProxySettings::default();
    if let Some(bytes) = &values.winhttp_settings {
        let blob = parse_connection_blob("WinHttpSettings", bytes)?;
        settings.winhttp = blob.manual_proxy().map(str::to_string);
        if settings.winhttp.is_some() && !blob.bypass.is_empty() {
            settings.winhttp_bypass = Some(blob.bypass.clone());
        }
    }
    let non_empty = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    if values.proxy_enable.unwrap_or(0) != 0 {
        settings.wininet = non_empty(&values.proxy_server);
        if settings.wininet.is_some() {
            settings.bypass = non_empty(&values.proxy_override);
        }
    }
    settings.auto_config_url = non_empty(&values.auto_config_url);
    Ok(settings)
}

/// A service's status and configuration codes as the Service Control Manager gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawService {
    /// `SERVICE_STATUS_PROCESS.dwCurrentState`.
    pub state: u32,
    /// `dwProcessId` (0 when not running).
    pub pid: u32,
    /// `dwServiceType`.
    pub service_type: u32,
    /// `QUERY_SERVICE_CONFIGW.dwStartType`, when the configuration could be read.
    pub start_type: Option<u32>,
}

/// The answer for one service name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceLookup {
    Found(RawService),
    /// `ERROR_SERVICE_DOES_NOT_EXIST`.
    NotInstalled,
    /// The service exists but this account may not query it.
    Denied(String),
    Failed(String),
}

/// `SERVICE_STOPPED` … `SERVICE_PAUSED` as names.
pub fn service_state_name(code: u32) -> &'static str {
    match code {
        1 => "stopped",
        2 => "start_pending",
        3 => "stop_pending",
        4 => "running",
        5 => "continue_pending",
        6 => "pause_pending",
        7 => "paused",
        _ => "unknown",
    }
}

/// `SERVICE_KERNEL_DRIVER` / `SERVICE_FILE_SYSTEM_DRIVER` → `driver`; Win32 services → `service`.
pub fn service_kind_name(service_type: u32) -> &'static str {
    if service_type & 0x3 != 0 {
        "driver"
    } else if service_type & 0x30 != 0 {
        "service"
    } else {
        "other"
    }
}

/// `SERVICE_BOOT_START` … `SERVICE_DISABLED` as names.
pub fn start_type_name(code: u32) -> &'static str {
    match code {
        0 => "boot",
        1 => "system",
        2 => "auto",
        3 => "demand",
        4 => "disabled",
        _ => "unknown",
    }
}

/// The services that exist, from the answers for every queried name. Names that are not
/// installed are left out (the checks know which names were asked for).
pub fn service_states(lookups: Vec<(String, ServiceLookup)>) -> Vec<ServiceState> {
    lookups
        .into_iter()
        .filter_map(|(name, lookup)| match lookup {
            ServiceLookup::NotInstalled => None,
            ServiceLookup::Found(raw) => Some(ServiceState {
                name,
                state: service_state_name(raw.state).to_string(),
                pid: (raw.pid != 0).then_some(raw.pid),
                kind: Some(service_kind_name(raw.service_type).to_string()),
                start_type: raw.start_type.map(|t| start_type_name(t).to_string()),
                detail: None,
            }),
            ServiceLookup::Denied(reason) | ServiceLookup::Failed(reason) => Some(ServiceState {
                name,
                state: "unknown".to_string(),
                pid: None,
                kind: None,
                start_type: None,
                detail: Some(reason),
            }),
        })
        .collect()
}

/// `DSREG_JOIN_INFO` reduced to what ssetop uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AadJoin {
    /// `DSREG_JOIN_TYPE`: 0 unknown, 1 device join (Entra joined or hybrid joined), 2 workplace
    /// join (Entra registered).
    pub join_type: i32,
    pub tenant_id: Option<String>,
}

/// `DSREG_JOIN_TYPE` as a state name.
pub fn join_state_name(join_type: i32) -> &'static str {
    match join_type {
        1 => "entra-joined",
        2 => "workplace-joined",
        _ => "unknown",
    }
}

/// The join state from `NetGetAadJoinInformation` (`None`: the API says the device is not joined).
pub fn join_from_api(info: Option<AadJoin>) -> JoinState {
    match info {
        Some(info) => JoinState {
            state: join_state_name(info.join_type).to_string(),
            tenant_id: info
                .tenant_id
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty()),
            origin: Some("NetGetAadJoinInformation".into()),
        },
        None => JoinState {
            state: "unjoined".into(),
            tenant_id: None,
            origin: Some("NetGetAadJoinInformation".into()),
        },
    }
}

/// The join state from `CloudDomainJoin\JoinInfo`: a subkey with a tenant id means Entra joined
/// (or hybrid joined); no subkey means not joined. Workplace join leaves no trace there.
pub fn join_from_registry(tenant_ids: &[String]) -> JoinState {
    let tenant = tenant_ids
        .iter()
        .map(|t| t.trim().to_lowercase())
        .find(|t| !t.is_empty());
    JoinState {
        state: if tenant.is_some() {
            "entra-joined"
        } else {
            "unjoined"
        }
        .into(),
        tenant_id: tenant,
        origin: Some("registry".into()),
    }
}

/// The Win32 error codes a registry read tells apart (winerror.h). `win32.rs` checks at compile
/// time that they equal windows-sys's constants.
pub mod win32_error {
    pub const FILE_NOT_FOUND: u32 = 2;
    pub const PATH_NOT_FOUND: u32 = 3;
    pub const ACCESS_DENIED: u32 = 5;
}

/// Why a registry value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegError {
    /// The key or value does not exist.
    NotFound,
    AccessDenied(String),
    Other(String),
}

/// `HKLM\key\value`, or `HKLM\key` for the key itself (an empty value name).
pub fn registry_path(hive: &str, key: &str, value: &str) -> String {
    if value.is_empty() {
        format!("{hive}\\{key}")
    } else {
        format!("{hive}\\{key}\\{value}")
    }
}

/// A failed registry call's Win32 error code as a [`RegError`]; `hive` is `HKLM` or `HKCU`.
pub fn reg_error(code: u32, hive: &str, key: &str, value: &str) -> RegError {
    let path = registry_path(hive, key, value);
    match code {
        win32_error::FILE_NOT_FOUND | win32_error::PATH_NOT_FOUND => RegError::NotFound,
        win32_error::ACCESS_DENIED => RegError::AccessDenied(format!("access denied to {path}")),
        other => RegError::Other(format!("cannot read {path}: Windows error {other}")),
    }
}

/// A registry read as a snapshot reading: `missing` says what an absent value means.
pub fn registry_reading<T>(result: Result<T, RegError>, missing: &str) -> Reading<T> {
    match result {
        Ok(value) => Reading::Value(value),
        Err(RegError::NotFound) => Reading::Missing(missing.to_string()),
        Err(RegError::AccessDenied(reason)) => {
            Reading::Unavailable(format!("{reason} (run elevated to read it)"))
        }
        Err(RegError::Other(reason)) => Reading::Unavailable(reason),
    }
}

/// A registry read where absence is normal: `Ok(None)` for a value that does not exist.
pub fn registry_optional<T>(result: Result<T, RegError>) -> Result<Option<T>, String> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(RegError::NotFound) => Ok(None),
        Err(RegError::AccessDenied(reason)) => Err(format!("{reason} (run elevated to read it)")),
        Err(RegError::Other(reason)) => Err(reason),
    }
}

/// UTF-16 text up to its first NUL (all of it without one); unpaired surrogates become U+FFFD.
#[allow(
    clippy::indexing_slicing,
    reason = "each slice is taken after its length was checked (a 4-byte chunk, a pair of chunks_exact(2), a NUL found within)"
)]
pub fn utf16_until_nul(units: &[u16]) -> String {
    let end = units.iter().position(|c| *c == 0).unwrap_or(units.len());
    String::from_utf16_lossy(&units[..end])
}

/// A REG_SZ or REG_EXPAND_SZ value's data (UTF-16LE bytes) as text: up to the first NUL, which
/// values written without a terminator lack; an odd trailing byte is ignored.
#[allow(
    clippy::indexing_slicing,
    reason = "each slice is taken after its length was checked (a 4-byte chunk, a pair of chunks_exact(2), a NUL found within)"
)]
pub fn reg_sz_text(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    utf16_until_nul(&units)
}

/// Text as the NUL-terminated UTF-16 the Windows API takes.
pub fn wide_nul(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text
            .bytes()
            .filter(u8::is_ascii_hexdigit)
            .map(|b| (b as char).to_digit(16).unwrap() as u8)
            .collect();
        digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
    }

    /// `netsh winhttp reset proxy` (Microsoft's documented "direct access" value).
    const WINHTTP_DIRECT: &str = "1800000000000000010000000000000000000000";

    /// `netsh winhttp set proxy proxy.contoso.com:8080 "<local>;*.contoso.com"`.
    fn winhttp_with_proxy() -> Vec<u8> {
        let mut v = hex("18000000 05000000 03000000");
        let proxy = b"proxy.contoso.com:8080";
        let bypass = b"<local>;*.contoso.com";
        v.extend((proxy.len() as u32).to_le_bytes());
        v.extend(proxy);
        v.extend((bypass.len() as u32).to_le_bytes());
        v.extend(bypass);
        v
    }

    #[test]
    fn winhttp_direct_access_value_parses_as_no_proxy() {
        let blob = parse_connection_blob("WinHttpSettings", &hex(WINHTTP_DIRECT)).unwrap();
        assert_eq!((blob.version, blob.flags), (0x18, PROXY_TYPE_DIRECT));
        assert_eq!(blob.manual_proxy(), None);
        let settings = proxy_settings(&ProxyValues {
            winhttp_settings: Some(hex(WINHTTP_DIRECT)),
            ..ProxyValues::default()
        })
        .unwrap();
        assert_eq!(settings, ProxySettings::default());
    }

    #[test]
    fn winhttp_proxy_and_bypass_are_read_from_the_blob() {
        let blob = parse_connection_blob("WinHttpSettings", &winhttp_with_proxy()).unwrap();
        assert_eq!(blob.counter, 5);
        assert_eq!(blob.manual_proxy(), Some("proxy.contoso.com:8080"));
        assert_eq!(blob.bypass, "<local>;*.contoso.com");
        assert_eq!(blob.auto_config_url, None);
        let settings = proxy_settings(&ProxyValues {
            winhttp_settings: Some(winhttp_with_proxy()),
            ..ProxyValues::default()
        })
        .unwrap();
        assert_eq!(settings.winhttp.as_deref(), Some("proxy.contoso.com:8080"));
        assert_eq!(
            settings.winhttp_bypass.as_deref(),
            Some("<local>;*.contoso.com")
        );
    }

    #[test]
    fn a_proxy_string_without_the_proxy_flag_is_not_used() {
        let mut bytes = winhttp_with_proxy();
        bytes[8] = PROXY_TYPE_DIRECT as u8;
        let blob = parse_connection_blob("WinHttpSettings", &bytes).unwrap();
        assert_eq!(blob.manual_proxy(), None);
    }

    #[test]
    fn wininet_default_connection_settings_with_pac_url_and_trailing_fields_parse() {
        // Internet Options with "Use automatic configuration script" and "Automatically
        // detect settings": version 0x46, flags 0x0D, no manual proxy, a PAC URL, then the
        // fields WinINet keeps after it (zeros here).
        let url = b"http://wpad.contoso.com/proxy.pac";
        let mut v = hex("46000000 2a000000 0d000000 00000000 00000000");
        v.extend((url.len() as u32).to_le_bytes());
        v.extend(url);
        v.extend([0u8; 32]);
        let blob = parse_connection_blob("DefaultConnectionSettings", &v).unwrap();
        assert_eq!(blob.version, 0x46);
        assert_eq!(blob.flags & PROXY_TYPE_AUTO_DETECT, PROXY_TYPE_AUTO_DETECT);
        assert_eq!(blob.pac_url(), Some("http://wpad.contoso.com/proxy.pac"));
        assert_eq!(blob.manual_proxy(), None);
    }

    #[test]
    fn truncated_blobs_are_errors_that_say_where() {
        let err = parse_connection_blob("WinHttpSettings", &hex("18000000 00000000")).unwrap_err();
        assert!(err.contains("WinHttpSettings"), "{err}");
        assert!(err.contains("8 bytes"), "{err}");
        assert!(err.contains("flags"), "{err}");
        let mut bytes = winhttp_with_proxy();
        bytes.truncate(30);
        let err = parse_connection_blob("WinHttpSettings", &bytes).unwrap_err();
        assert!(err.contains("proxy server claims 22 bytes"), "{err}");
        // A length field near u32::MAX must not overflow.
        let err = parse_connection_blob(
            "WinHttpSettings",
            &hex("18000000 00000000 03000000 ffffffff"),
        )
        .unwrap_err();
        assert!(err.contains("4294967295"), "{err}");
        assert!(
            proxy_settings(&ProxyValues {
                winhttp_settings: Some(vec![0x18]),
                ..ProxyValues::default()
            })
            .is_err()
        );
    }

    #[test]
    fn wininet_proxy_counts_only_when_enabled() {
        let mut values = ProxyValues {
            proxy_enable: Some(0),
            proxy_server: Some("proxy:8080".into()),
            proxy_override: Some("<local>".into()),
            ..ProxyValues::default()
        };
        assert_eq!(proxy_settings(&values).unwrap(), ProxySettings::default());
        values.proxy_enable = Some(1);
        let settings = proxy_settings(&values).unwrap();
        assert_eq!(settings.wininet.as_deref(), Some("proxy:8080"));
        assert_eq!(settings.bypass.as_deref(), Some("<local>"));
        values.proxy_server = Some("  ".into());
        assert_eq!(proxy_settings(&values).unwrap().wininet, None);
        values.auto_config_url = Some("http://pac/x.pac".into());
        assert_eq!(
            proxy_settings(&values).unwrap().auto_config_url.as_deref(),
            Some("http://pac/x.pac")
        );
    }

    #[test]
    fn service_codes_map_to_names() {
        assert_eq!(service_state_name(1), "stopped");
        assert_eq!(service_state_name(4), "running");
        assert_eq!(service_state_name(7), "paused");
        assert_eq!(service_state_name(99), "unknown");
        assert_eq!(service_kind_name(0x1), "driver");
        assert_eq!(service_kind_name(0x2), "driver");
        assert_eq!(service_kind_name(0x10), "service");
        assert_eq!(service_kind_name(0x20 | 0x100), "service");
        assert_eq!(service_kind_name(0x0), "other");
        assert_eq!(start_type_name(2), "auto");
        assert_eq!(start_type_name(4), "disabled");
        assert_eq!(start_type_name(9), "unknown");
    }

    #[test]
    fn service_lookups_keep_installed_services_and_say_why_one_is_unreadable() {
        let states = service_states(vec![
            (
                "GlobalSecureAccessTunnelingService".into(),
                ServiceLookup::Found(RawService {
                    state: 4,
                    pid: 4242,
                    service_type: 0x10,
                    start_type: Some(2),
                }),
            ),
            (
                "GlobalSecureAccessManagementService".into(),
                ServiceLookup::NotInstalled,
            ),
            (
                "GlobalSecureAccessDriver".into(),
                ServiceLookup::Found(RawService {
                    state: 1,
                    pid: 0,
                    service_type: 0x1,
                    start_type: None,
                }),
            ),
            (
                "PanGPS".into(),
                ServiceLookup::Denied("access denied to service PanGPS".into()),
            ),
        ]);
        assert_eq!(states.len(), 3);
        assert_eq!(states[0].state, "running");
        assert_eq!(states[0].pid, Some(4242));
        assert_eq!(states[0].start_type.as_deref(), Some("auto"));
        assert_eq!(states[1].name, "GlobalSecureAccessDriver");
        assert_eq!(
            (
                states[1].state.as_str(),
                states[1].kind.as_deref(),
                states[1].pid
            ),
            ("stopped", Some("driver"), None)
        );
        assert_eq!(states[2].state, "unknown");
        assert!(
            states[2]
                .detail
                .as_deref()
                .unwrap()
                .contains("access denied")
        );
    }

    #[test]
    fn join_types_map_to_states_with_the_tenant_in_lower_case() {
        let joined = join_from_api(Some(AadJoin {
            join_type: 1,
            tenant_id: Some("6B1E4F0A-1111-2222-3333-444455556666".into()),
        }));
        assert_eq!(joined.state, "entra-joined");
        assert_eq!(
            joined.tenant_id.as_deref(),
            Some("6b1e4f0a-1111-2222-3333-444455556666")
        );
        let registered = join_from_api(Some(AadJoin {
            join_type: 2,
            tenant_id: Some(String::new()),
        }));
        assert_eq!(
            (registered.state.as_str(), registered.tenant_id),
            ("workplace-joined", None)
        );
        assert_eq!(join_from_api(None).state, "unjoined");
        assert_eq!(
            join_from_api(Some(AadJoin {
                join_type: 0,
                tenant_id: None
            }))
            .state,
            "unknown"
        );
    }

    #[test]
    fn registry_join_info_with_a_tenant_means_joined() {
        let joined =
            join_from_registry(&["".into(), "6B1E4F0A-1111-2222-3333-444455556666".into()]);
        assert_eq!(joined.state, "entra-joined");
        assert_eq!(joined.origin.as_deref(), Some("registry"));
        assert_eq!(
            joined.tenant_id.as_deref(),
            Some("6b1e4f0a-1111-2222-3333-444455556666")
        );
        assert_eq!(join_from_registry(&[]).state, "unjoined");
    }

    /// A REG_SZ value's data as `win32::read_string` gets it from RegGetValueW: UTF-16LE with
    /// its NUL, plus the two spare bytes the reader allocates.
    fn reg_sz(text: &str) -> Vec<u8> {
        let mut bytes: Vec<u8> = wide_nul(text)
            .iter()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        bytes.extend([0, 0]);
        bytes
    }

    #[test]
    fn reg_sz_data_decodes_up_to_the_terminator() {
        assert_eq!(reg_sz_text(&reg_sz("1762074000")), "1762074000");
        // A JSON forwarding profile with non-ASCII text (a rule named by an admin).
        let profile = r#"{"policy":{"rules":[{"name":"Zürich – 東京"}]}}"#;
        assert_eq!(reg_sz_text(&reg_sz(profile)), profile);
        // Characters outside the BMP arrive as surrogate pairs.
        assert_eq!(reg_sz_text(&reg_sz("edge 🛡")), "edge 🛡");
        assert_eq!(reg_sz_text(&[]), "");
        assert_eq!(reg_sz_text(&[0, 0]), "");
    }

    #[test]
    fn reg_sz_data_without_terminator_or_with_an_odd_length_still_decodes() {
        // A string stored without its NUL (RegSetValueEx with a length that leaves it out).
        let bytes = hex("36 00 62 00 31 00 65 00");
        assert_eq!(reg_sz_text(&bytes), "6b1e");
        // A stray odd byte at the end (a value of the wrong size) is ignored.
        let mut odd = bytes.clone();
        odd.push(0x41);
        assert_eq!(reg_sz_text(&odd), "6b1e");
        // Text after an embedded NUL (REG_MULTI_SZ read as REG_SZ) is not shown.
        assert_eq!(reg_sz_text(&hex("61 00 00 00 62 00 00 00")), "a");
    }

    #[test]
    fn unpaired_surrogates_become_replacement_characters() {
        assert_eq!(reg_sz_text(&hex("41 00 00 d8 42 00")), "A\u{fffd}B");
        assert_eq!(utf16_until_nul(&[0x0041, 0xdc00]), "A\u{fffd}");
    }

    #[test]
    fn subkey_names_and_api_strings_stop_at_the_length_or_the_nul() {
        // RegEnumKeyExW fills a 256-unit buffer and reports the length without the NUL.
        let mut buffer = [0u16; 256];
        let name = "C0FFEE1234567890";
        for (slot, unit) in buffer.iter_mut().zip(name.encode_utf16()) {
            *slot = unit;
        }
        assert_eq!(utf16_until_nul(&buffer[..name.len()]), name);
        assert_eq!(utf16_until_nul(&buffer), name);
        assert_eq!(utf16_until_nul(&[]), "");
    }

    #[test]
    fn wide_strings_end_in_one_nul_and_round_trip() {
        let key = r"SOFTWARE\Microsoft\Global Secure Access Client";
        let wide = wide_nul(key);
        assert_eq!(wide.last(), Some(&0));
        assert_eq!(wide.iter().filter(|u| **u == 0).count(), 1);
        assert_eq!(utf16_until_nul(&wide), key);
        assert_eq!(wide_nul(""), [0]);
        assert_eq!(wide_nul("€").len(), 2);
    }

    #[test]
    fn registry_error_codes_map_to_not_found_denied_or_other_with_the_path() {
        let key = r"SOFTWARE\Microsoft\Global Secure Access Client";
        assert_eq!(
            reg_error(2, "HKLM", key, "ForwardingProfile"),
            RegError::NotFound
        );
        assert_eq!(
            reg_error(3, "HKLM", key, "ForwardingProfile"),
            RegError::NotFound
        );
        assert_eq!(
            reg_error(5, "HKCU", key, "IsPrivateAccessDisabledByUser"),
            RegError::AccessDenied(
                r"access denied to HKCU\SOFTWARE\Microsoft\Global Secure Access Client\IsPrivateAccessDisabledByUser"
                    .into()
            )
        );
        // ERROR_INVALID_PARAMETER, as Wine answered RRF_RT_REG_EXPAND_SZ without RRF_NOEXPAND.
        assert_eq!(
            reg_error(87, "HKLM", key, "ForwardingProfile"),
            RegError::Other(
                r"cannot read HKLM\SOFTWARE\Microsoft\Global Secure Access Client\ForwardingProfile: Windows error 87"
                    .into()
            )
        );
        // A key opened for its subkeys has no value name: no trailing backslash.
        assert_eq!(
            reg_error(
                5,
                "HKLM",
                r"SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo",
                ""
            ),
            RegError::AccessDenied(
                r"access denied to HKLM\SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo"
                    .into()
            )
        );
    }

    #[test]
    fn registry_results_become_readings_saying_what_elevation_would_change() {
        assert_eq!(registry_reading(Ok(32u32), "not set"), Reading::Value(32));
        assert_eq!(
            registry_reading::<u32>(Err(RegError::NotFound), "DisabledComponents is not set"),
            Reading::Missing("DisabledComponents is not set".into())
        );
        assert_eq!(
            registry_reading::<u32>(
                Err(RegError::AccessDenied("access denied to HKLM\\X".into())),
                ""
            ),
            Reading::Unavailable("access denied to HKLM\\X (run elevated to read it)".into())
        );
        assert_eq!(
            registry_reading::<u32>(Err(RegError::Other("Windows error 87".into())), ""),
            Reading::Unavailable("Windows error 87".into())
        );
        assert_eq!(registry_optional(Ok(1u32)), Ok(Some(1)));
        assert_eq!(registry_optional::<u32>(Err(RegError::NotFound)), Ok(None));
        assert_eq!(
            registry_optional::<u32>(Err(RegError::AccessDenied(
                "access denied to HKCU\\Y".into()
            ))),
            Err("access denied to HKCU\\Y (run elevated to read it)".into())
        );
        assert_eq!(
            registry_optional::<u32>(Err(RegError::Other("cannot read HKCU\\Y".into()))),
            Err("cannot read HKCU\\Y".into())
        );
    }
}
