//! The Windows API layer: the only place with `unsafe`. Each function wraps one family of
//! Win32 calls behind a safe signature that returns owned Rust data or a readable error.

use std::ffi::c_void;
use std::ptr;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ACCESS_DENIED, ERROR_FILE_NOT_FOUND, ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS,
    ERROR_PATH_NOT_FOUND, ERROR_SUCCESS, HANDLE, WIN32_ERROR,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation,
};
use windows_sys::Win32::System::Registry::{
    HKEY, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY, RRF_RT_REG_DWORD,
    RRF_RT_REG_EXPAND_SZ, RRF_RT_REG_SZ, RegCloseKey, RegEnumKeyExW, RegGetValueW, RegOpenKeyExW,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// A registry hive ssetop reads.
#[derive(Debug, Clone, Copy)]
pub enum Hive {
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

    fn prefix(self) -> &'static str {
        match self {
            Hive::LocalMachine => "HKLM",
            Hive::CurrentUser => "HKCU",
        }
    }
}

/// Why a registry value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegError {
    /// The key or value does not exist.
    NotFound,
    AccessDenied(String),
    Other(String),
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

fn reg_error(code: WIN32_ERROR, hive: Hive, key: &str, value: &str) -> RegError {
    match code {
        ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND => RegError::NotFound,
        ERROR_ACCESS_DENIED => RegError::AccessDenied(format!(
            "access denied to {}\\{key}\\{value}",
            hive.prefix()
        )),
        other => RegError::Other(format!(
            "cannot read {}\\{key}\\{value}: Windows error {other}",
            hive.prefix()
        )),
    }
}

/// Reads a REG_SZ or REG_EXPAND_SZ value.
pub fn read_string(hive: Hive, key: &str, value: &str) -> Result<String, RegError> {
    let key_w = wide(key);
    let value_w = wide(value);
    let flags = RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | KEY_WOW64_64KEY_FLAG;
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
        let mut buffer = vec![0u16; (size as usize).div_ceil(2) + 1];
        let mut bytes = (buffer.len() * 2) as u32;
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
        let units = (bytes as usize / 2).min(buffer.len());
        let text = &buffer[..units];
        let end = text.iter().position(|c| *c == 0).unwrap_or(text.len());
        return Ok(String::from_utf16_lossy(&text[..end]));
    }
    Err(RegError::Other(format!(
        "{}\\{key}\\{value} kept changing size while being read",
        hive.prefix()
    )))
}

/// Reads a REG_DWORD value.
pub fn read_dword(hive: Hive, key: &str, value: &str) -> Result<u32, RegError> {
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
pub fn subkeys(hive: Hive, key: &str) -> Result<Vec<String>, RegError> {
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
        names.push(String::from_utf16_lossy(&name[..len as usize]));
    }
    // SAFETY: `handle` was opened above and is closed once.
    unsafe { RegCloseKey(handle) };
    result.map(|()| names)
}

/// Whether this process runs elevated (administrator with a full token).
pub fn is_elevated() -> bool {
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
