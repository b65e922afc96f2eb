//! The Windows API layer: the only place with `unsafe`. Each function wraps one family of
//! Win32 calls behind a safe signature that returns owned Rust data or a readable error.

// The one exception to the crate-wide `unsafe_code = "deny"` (Cargo.toml [lints]).
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::ptr;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ACCESS_DENIED, ERROR_FILE_NOT_FOUND, ERROR_INSUFFICIENT_BUFFER,
    ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS, ERROR_PATH_NOT_FOUND, ERROR_SERVICE_DOES_NOT_EXIST,
    ERROR_SUCCESS, FreeLibrary, GetLastError, HANDLE, WIN32_ERROR,
};
use windows_sys::Win32::NetworkManagement::NetManagement::DSREG_JOIN_INFO;
use windows_sys::Win32::Security::{
    GetTokenInformation, TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation,
};
use windows_sys::Win32::System::LibraryLoader::{
    GetProcAddress, LOAD_LIBRARY_SEARCH_SYSTEM32, LoadLibraryExW,
};
use windows_sys::Win32::System::Registry::{
    HKEY, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY, RRF_RT_REG_BINARY,
    RRF_RT_REG_DWORD, RRF_RT_REG_MULTI_SZ, RRF_RT_REG_SZ, RegCloseKey, RegEnumKeyExW, RegGetValueW,
    RegOpenKeyExW,
};
use windows_sys::Win32::System::Services::{
    CloseServiceHandle, OpenSCManagerW, OpenServiceW, QUERY_SERVICE_CONFIGW, QueryServiceConfigW,
    QueryServiceStatusEx, SC_HANDLE, SC_MANAGER_CONNECT, SC_STATUS_PROCESS_INFO,
    SERVICE_QUERY_CONFIG, SERVICE_QUERY_STATUS, SERVICE_STATUS_PROCESS,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use crate::collect::settings::parse::{
    self, AadJoin, RawService, RegError, ServiceLookup, reg_sz_text, utf16_until_nul,
    wide_nul as wide, win32_error,
};

/// A registry hive ssetop reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Hive {
    LocalMachine,
    CurrentUser,
}

impl Hive {
    fn handle(self) -> HKEY {
        match self {
            Hive::LocalMachine => HKEY_LOCAL_MACHINE,
            Hive::CurrentUser => HKEY_CURRENT_USER,
        }
    }

    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Hive::LocalMachine => "HKLM",
            Hive::CurrentUser => "HKCU",
        }
    }
}

// The codes `parse::reg_error` tells apart are windows-sys's.
const _: () = assert!(
    win32_error::FILE_NOT_FOUND == ERROR_FILE_NOT_FOUND
        && win32_error::PATH_NOT_FOUND == ERROR_PATH_NOT_FOUND
        && win32_error::ACCESS_DENIED == ERROR_ACCESS_DENIED
);

fn reg_error(code: WIN32_ERROR, hive: Hive, key: &str, value: &str) -> RegError {
    parse::reg_error(code, hive.prefix(), key, value)
}

/// Reads a value of the types `flags` allows, as raw bytes.
fn read_bytes(hive: Hive, key: &str, value: &str, flags: u32) -> Result<Vec<u8>, RegError> {
    let key_w = wide(key);
    let value_w = wide(value);
    let flags = flags | KEY_WOW64_64KEY_FLAG;
    let mut size: u32 = 0;
    // SAFETY: a size query: null data pointer, `size` receives the byte count; the strings are
    // NUL-terminated UTF-16 that outlive the call.
    let code = unsafe {
        RegGetValueW(
            hive.handle(),
            key_w.as_ptr(),
            value_w.as_ptr(),
            flags,
            ptr::null_mut(),
            ptr::null_mut(),
            &mut size,
        )
    };
    if code != ERROR_SUCCESS && code != ERROR_MORE_DATA {
        return Err(reg_error(code, hive, key, value));
    }
    // The value may grow between the two calls; retry a few times with the new size.
    for _ in 0..4 {
        // Two spare bytes: RegGetValueW adds a terminating NUL to strings stored without one.
        let mut buffer = vec![0u8; size as usize + 2];
        let mut bytes = buffer.len() as u32;
        // SAFETY: `buffer` holds `bytes` writable bytes; the API writes at most that many and
        // reports the length written in `bytes`.
        let code = unsafe {
            RegGetValueW(
                hive.handle(),
                key_w.as_ptr(),
                value_w.as_ptr(),
                flags,
                ptr::null_mut(),
                buffer.as_mut_ptr().cast::<c_void>(),
                &mut bytes,
            )
        };
        if code == ERROR_MORE_DATA {
            size = bytes;
            continue;
        }
        if code != ERROR_SUCCESS {
            return Err(reg_error(code, hive, key, value));
        }
        buffer.truncate((bytes as usize).min(buffer.len()));
        return Ok(buffer);
    }
    Err(RegError::Other(format!(
        "{} kept changing size while being read",
        parse::registry_path(hive.prefix(), key, value)
    )))
}

/// Reads a REG_SZ or REG_EXPAND_SZ value (expanded). Only `RRF_RT_REG_SZ` is asked for: it
/// also returns REG_EXPAND_SZ values, expanded, while `RRF_RT_REG_EXPAND_SZ` without
/// `RRF_NOEXPAND` is documented to fail with ERROR_INVALID_PARAMETER (the Wine scenarios
/// caught every string read failing with error 87 that way).
pub(crate) fn read_string(hive: Hive, key: &str, value: &str) -> Result<String, RegError> {
    read_bytes(hive, key, value, RRF_RT_REG_SZ).map(|bytes| reg_sz_text(&bytes))
}

/// Reads a REG_MULTI_SZ value as its raw UTF-16 bytes (`gsa_host::reg_multi_sz` splits them).
pub(crate) fn read_multi_string(hive: Hive, key: &str, value: &str) -> Result<Vec<u8>, RegError> {
    read_bytes(hive, key, value, RRF_RT_REG_MULTI_SZ)
}

/// Reads a REG_BINARY value.
pub(crate) fn read_binary(hive: Hive, key: &str, value: &str) -> Result<Vec<u8>, RegError> {
    read_bytes(hive, key, value, RRF_RT_REG_BINARY)
}

/// Reads a REG_DWORD value.
pub(crate) fn read_dword(hive: Hive, key: &str, value: &str) -> Result<u32, RegError> {
    let key_w = wide(key);
    let value_w = wide(value);
    let mut data: u32 = 0;
    let mut bytes = std::mem::size_of::<u32>() as u32;
    // SAFETY: `data` is a writable u32 and `bytes` says so; the strings are NUL-terminated.
    let code = unsafe {
        RegGetValueW(
            hive.handle(),
            key_w.as_ptr(),
            value_w.as_ptr(),
            RRF_RT_REG_DWORD | KEY_WOW64_64KEY_FLAG,
            ptr::null_mut(),
            (&mut data as *mut u32).cast::<c_void>(),
            &mut bytes,
        )
    };
    if code != ERROR_SUCCESS {
        return Err(reg_error(code, hive, key, value));
    }
    Ok(data)
}

/// `RRF_SUBKEY_WOW6464KEY`: read the 64-bit view even from a 32-bit process.
const KEY_WOW64_64KEY_FLAG: u32 = 0x0001_0000;

/// Names of the subkeys of a key.
pub(crate) fn subkeys(hive: Hive, key: &str) -> Result<Vec<String>, RegError> {
    let key_w = wide(key);
    let mut handle: HKEY = ptr::null_mut();
    // SAFETY: `handle` receives an open key that is closed below on every path.
    let code = unsafe {
        RegOpenKeyExW(
            hive.handle(),
            key_w.as_ptr(),
            0,
            KEY_READ | KEY_WOW64_64KEY,
            &mut handle,
        )
    };
    if code != ERROR_SUCCESS {
        return Err(reg_error(code, hive, key, ""));
    }
    let mut names = Vec::new();
    let mut result = Ok(());
    for index in 0.. {
        let mut name = [0u16; 256];
        let mut len = name.len() as u32;
        // SAFETY: `name` holds `len` UTF-16 units (255 is the registry's key-name limit);
        // the optional out-pointers are null.
        let code = unsafe {
            RegEnumKeyExW(
                handle,
                index,
                name.as_mut_ptr(),
                &mut len,
                ptr::null(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if code == ERROR_NO_MORE_ITEMS {
            break;
        }
        if code != ERROR_SUCCESS {
            result = Err(reg_error(code, hive, key, ""));
            break;
        }
        // The API writes at most the buffer; a longer `len` would be its bug, not a panic here.
        names.push(utf16_until_nul(
            name.get(..len as usize).unwrap_or(name.as_slice()),
        ));
    }
    // SAFETY: `handle` was opened above and is closed once.
    unsafe { RegCloseKey(handle) };
    result.map(|()| names)
}

/// Whether this process runs elevated (administrator with a full token).
pub(crate) fn is_elevated() -> bool {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: the pseudo-handle of the current process needs no closing; `token` receives a
    // handle closed below.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return false;
    }
    let mut elevation = TOKEN_ELEVATION { TokenIsElevated: 0 };
    let mut returned = 0u32;
    // SAFETY: `elevation` is a TOKEN_ELEVATION and the size passed is its size.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenElevation,
            (&mut elevation as *mut TOKEN_ELEVATION).cast::<c_void>(),
            std::mem::size_of::<TOKEN_ELEVATION>() as u32,
            &mut returned,
        )
    };
    // SAFETY: `token` is a valid handle from OpenProcessToken.
    unsafe { CloseHandle(token) };
    ok != 0 && elevation.TokenIsElevated != 0
}

/// A Win32 error code as "Windows error N".
fn last_error() -> WIN32_ERROR {
    // SAFETY: reads the calling thread's last-error value; no arguments.
    unsafe { GetLastError() }
}

/// Queries each named service (or driver) directly; nothing is enumerated. `Err` when the
/// Service Control Manager itself cannot be opened.
pub(crate) fn query_services(names: &[String]) -> Result<Vec<(String, ServiceLookup)>, String> {
    // SAFETY: null machine and database names select the local active database; the handle is
    // closed below.
    let manager = unsafe { OpenSCManagerW(ptr::null(), ptr::null(), SC_MANAGER_CONNECT) };
    if manager.is_null() {
        return Err(match last_error() {
            ERROR_ACCESS_DENIED => "access denied to the Service Control Manager".to_string(),
            other => format!("cannot open the Service Control Manager: Windows error {other}"),
        });
    }
    let results = names
        .iter()
        .map(|name| (name.clone(), query_service(manager, name)))
        .collect();
    // SAFETY: `manager` was opened above and is closed once.
    unsafe { CloseServiceHandle(manager) };
    Ok(results)
}

fn query_service(manager: SC_HANDLE, name: &str) -> ServiceLookup {
    let name_w = wide(name);
    let mut with_config = true;
    // SAFETY: `manager` is an open SCM handle; `name_w` is NUL-terminated UTF-16.
    let mut service = unsafe {
        OpenServiceW(
            manager,
            name_w.as_ptr(),
            SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG,
        )
    };
    if service.is_null() && last_error() == ERROR_ACCESS_DENIED {
        // Some services deny reading their configuration to non-administrators: status only.
        with_config = false;
        // SAFETY: as above.
        service = unsafe { OpenServiceW(manager, name_w.as_ptr(), SERVICE_QUERY_STATUS) };
    }
    if service.is_null() {
        return match last_error() {
            ERROR_SERVICE_DOES_NOT_EXIST => ServiceLookup::NotInstalled,
            ERROR_ACCESS_DENIED => {
                ServiceLookup::Denied(format!("access denied to service {name}"))
            }
            other => {
                ServiceLookup::Failed(format!("cannot open service {name}: Windows error {other}"))
            }
        };
    }
    let mut status = SERVICE_STATUS_PROCESS::default();
    let mut needed = 0u32;
    // SAFETY: `status` is a SERVICE_STATUS_PROCESS and the size passed is its size;
    // SC_STATUS_PROCESS_INFO asks for exactly that structure.
    let ok = unsafe {
        QueryServiceStatusEx(
            service,
            SC_STATUS_PROCESS_INFO,
            (&mut status as *mut SERVICE_STATUS_PROCESS).cast::<u8>(),
            std::mem::size_of::<SERVICE_STATUS_PROCESS>() as u32,
            &mut needed,
        )
    };
    let result = if ok == 0 {
        match last_error() {
            ERROR_ACCESS_DENIED => {
                ServiceLookup::Denied(format!("access denied to the status of service {name}"))
            }
            other => ServiceLookup::Failed(format!(
                "cannot query service {name}: Windows error {other}"
            )),
        }
    } else {
        ServiceLookup::Found(RawService {
            state: status.dwCurrentState,
            pid: status.dwProcessId,
            service_type: status.dwServiceType,
            start_type: if with_config {
                start_type(service)
            } else {
                None
            },
        })
    };
    // SAFETY: `service` was opened above and is closed once.
    unsafe { CloseServiceHandle(service) };
    result
}

/// `dwStartType` of an open service handle, or `None` when it cannot be read.
fn start_type(service: SC_HANDLE) -> Option<u32> {
    let mut needed = 0u32;
    // SAFETY: a size query: null buffer of size 0; `needed` receives the byte count.
    let ok = unsafe { QueryServiceConfigW(service, ptr::null_mut(), 0, &mut needed) };
    if ok != 0 || last_error() != ERROR_INSUFFICIENT_BUFFER || needed == 0 {
        return None;
    }
    // u64 elements: the structure holds pointers and must be 8-byte aligned.
    let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
    let size = (buffer.len() * 8) as u32;
    // SAFETY: `buffer` holds `size` writable, suitably aligned bytes; the API writes a
    // QUERY_SERVICE_CONFIGW followed by its strings into them.
    let ok = unsafe {
        QueryServiceConfigW(
            service,
            buffer.as_mut_ptr().cast::<QUERY_SERVICE_CONFIGW>(),
            size,
            &mut needed,
        )
    };
    if ok == 0 {
        return None;
    }
    // SAFETY: the call succeeded, so the buffer starts with an initialised QUERY_SERVICE_CONFIGW.
    let config = unsafe { &*buffer.as_ptr().cast::<QUERY_SERVICE_CONFIGW>() };
    Some(config.dwStartType)
}

/// Why the join state could not be read through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JoinApiError {
    /// netapi32.dll lacks NetGetAadJoinInformation (before Windows 10 1607, or Wine).
    NotAvailable(String),
    Failed(String),
}

type NetGetAadJoinInformationFn =
    unsafe extern "system" fn(*const u16, *mut *mut DSREG_JOIN_INFO) -> i32;
type NetFreeAadJoinInformationFn = unsafe extern "system" fn(*const DSREG_JOIN_INFO);

/// The device's Entra join through `NetGetAadJoinInformation`; `Ok(None)`: not joined.
/// The function is looked up at run time, so that the program still starts where netapi32.dll
/// does not export it (a static import would stop the whole program from loading there).
pub(crate) fn aad_join_info() -> Result<Option<AadJoin>, JoinApiError> {
    let library = wide("netapi32.dll");
    // SAFETY: loads a system DLL from System32 only; released with FreeLibrary below.
    let module = unsafe {
        LoadLibraryExW(
            library.as_ptr(),
            ptr::null_mut(),
            LOAD_LIBRARY_SEARCH_SYSTEM32,
        )
    };
    if module.is_null() {
        return Err(JoinApiError::NotAvailable(format!(
            "cannot load netapi32.dll: Windows error {}",
            last_error()
        )));
    }
    // SAFETY: `module` is loaded; the names are NUL-terminated ASCII.
    let (get, free) = unsafe {
        (
            GetProcAddress(module, c"NetGetAadJoinInformation".as_ptr().cast()),
            GetProcAddress(module, c"NetFreeAadJoinInformation".as_ptr().cast()),
        )
    };
    let result = match (get, free) {
        (Some(get), Some(free)) => {
            // SAFETY: these exports have exactly these documented signatures (lmjoin.h).
            let (get, free) = unsafe {
                (
                    std::mem::transmute::<
                        unsafe extern "system" fn() -> isize,
                        NetGetAadJoinInformationFn,
                    >(get),
                    std::mem::transmute::<
                        unsafe extern "system" fn() -> isize,
                        NetFreeAadJoinInformationFn,
                    >(free),
                )
            };
            call_join_api(get, free)
        }
        _ => Err(JoinApiError::NotAvailable(
            "netapi32.dll does not export NetGetAadJoinInformation".into(),
        )),
    };
    // SAFETY: `module` came from LoadLibraryExW above and is released once, after its
    // functions were last used.
    unsafe { FreeLibrary(module) };
    result
}

fn call_join_api(
    get: NetGetAadJoinInformationFn,
    free: NetFreeAadJoinInformationFn,
) -> Result<Option<AadJoin>, JoinApiError> {
    let mut info: *mut DSREG_JOIN_INFO = ptr::null_mut();
    // SAFETY: a null tenant id asks for the device's join; `info` receives a structure that
    // is freed with NetFreeAadJoinInformation below.
    let hr = unsafe { get(ptr::null(), &mut info) };
    if hr < 0 {
        return Err(JoinApiError::Failed(format!(
            "NetGetAadJoinInformation failed: HRESULT {:#010x}",
            hr as u32
        )));
    }
    if info.is_null() {
        return Ok(None);
    }
    // SAFETY: `info` is non-null and points to the DSREG_JOIN_INFO the API allocated.
    let (join_type, tenant) = unsafe { ((*info).joinType, (*info).pszTenantId) };
    let tenant_id = wide_to_string(tenant);
    // SAFETY: frees the structure allocated by NetGetAadJoinInformation, once; not used after.
    unsafe { free(info) };
    Ok(Some(AadJoin {
        join_type,
        tenant_id,
    }))
}

/// A NUL-terminated UTF-16 string owned by the OS, copied (at most 1024 units).
fn wide_to_string(text: *const u16) -> Option<String> {
    if text.is_null() {
        return None;
    }
    let mut units = Vec::new();
    for i in 0..1024 {
        // SAFETY: `text` is a NUL-terminated string from the OS; reading stops at the NUL,
        // which comes before the bound for every string the API returns (GUIDs, names).
        let unit = unsafe { *text.add(i) };
        if unit == 0 {
            break;
        }
        units.push(unit);
    }
    Some(utf16_until_nul(&units))
}
