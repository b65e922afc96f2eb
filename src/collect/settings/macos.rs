//! Reads what GSA's macOS Health check looks at: `systemextensionsctl list`, `scutil --nc list`,
//! `scutil --nwi`, `scutil --dns` (each through `command::run`: no shell, bounded, killed at its
//! timeout) and GSA's cached forwarding-profile property list (through the deadline-bounded
//! input-file reader). Everything here compiles on every OS, so Linux type-checks and tests it;
//! only `settings::collect` calls it, and only on macOS. What the output means is in
//! `macos_parse`.

#![cfg_attr(
    not(target_os = "macos"),
    allow(
        dead_code,
        reason = "called from settings::collect on macOS only; compiled everywhere so Linux type-checks and tests it"
    )
)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::macos_parse;
use crate::collect::command::{self, CommandError};
use crate::input_file::{Deadline, InputFileError};
use crate::snapshot::{MacosSettings, ProfileFile, ProfileText, Reading};

const SYSTEMEXTENSIONSCTL: &str = "/usr/bin/systemextensionsctl";
const SCUTIL: &str = "/usr/sbin/scutil";

/// Every part within `budget` (an eighth each: four tools and the file here, `scutil --proxy`
/// and the app's version beside them, one after the other, and room to spare); the
/// cached profile, when the file holds one.
pub(crate) fn read(
    profile_files: &[PathBuf],
    budget: Duration,
) -> (MacosSettings, Option<ProfileText>) {
    let timeout = budget / 8;
    let (profile_file, profile) = read_profile_file(profile_files, &Deadline::after(timeout));
    let settings = MacosSettings {
        system_extensions: tool(SYSTEMEXTENSIONSCTL, &["list"], timeout, |out| {
            macos_parse::system_extensions(out)
        }),
        network_services: tool(SCUTIL, &["--nc", "list"], timeout, |out| {
            macos_parse::network_services(out)
        }),
        network_state: tool(SCUTIL, &["--nwi"], timeout, macos_parse::network_state),
        resolvers: tool(SCUTIL, &["--dns"], timeout, macos_parse::resolvers),
        profile_file,
    };
    (settings, profile)
}

/// The installed client's version, from the first of `plists` (app bundles' `Info.plist`)
/// that exists.
pub(crate) fn app_version(
    plists: &[PathBuf],
    deadline: &Deadline,
) -> Reading<crate::snapshot::InstalledVersion> {
    if let Some(path) = plists.iter().find(|p| p.exists()) {
        let shown = path.display().to_string();
        return match crate::input_file::read_bytes(path, "app Info.plist", deadline)
            .map_err(|e| e.to_string())
            .and_then(|bytes| macos_parse::app_version(&bytes))
        {
            Ok(version) => Reading::Value(crate::snapshot::InstalledVersion {
                version,
                origin: shown,
            }),
            Err(reason) => Reading::Unavailable(format!("{shown}: {reason}")),
        };
    }
    Reading::Missing(format!(
        "no GSA app bundle at {}",
        plists
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" or ")
    ))
}

/// The system proxy (`scutil --proxy`).
pub(crate) fn proxy(timeout: Duration) -> Reading<crate::snapshot::ProxySettings> {
    tool(SCUTIL, &["--proxy"], timeout, macos_parse::proxy_settings)
}

/// Runs one tool and parses what it printed; why not, when it could not.
fn tool<T>(
    program: &str,
    args: &[&str],
    timeout: Duration,
    parse: impl Fn(&str) -> T,
) -> Reading<T> {
    let shown = format!("{program} {}", args.join(" "));
    match command::run(Path::new(program), args, timeout) {
        Ok(out) if out.success() => Reading::Value(parse(&out.stdout)),
        Ok(out) => Reading::Unavailable(format!(
            "{shown} exited with {}: {}",
            out.code
                .map_or_else(|| "a signal".to_string(), |c| c.to_string()),
            out.stderr.lines().next().unwrap_or("").trim()
        )),
        Err(CommandError::NotInstalled { .. }) => {
            Reading::Unavailable(format!("{program} is not there (not macOS?)"))
        }
        Err(e) => Reading::Unavailable(format!("{shown}: {e}")),
    }
}

/// The first of `paths` that exists: its size, time and keys, and the forwarding profile it
/// holds (origin `cache:<path>`, timestamp its modification time). `Missing` when none exists.
pub(crate) fn read_profile_file(
    paths: &[PathBuf],
    deadline: &Deadline,
) -> (Reading<ProfileFile>, Option<ProfileText>) {
    let tried: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut denied: Option<String> = None;
    for path in paths {
        let shown = path.display().to_string();
        let metadata = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                denied.get_or_insert(format!("cannot read {shown}: {e} (run ssetop as root)"));
                continue;
            }
        };
        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| jiff::Timestamp::try_from(t).ok());
        let mut file = ProfileFile {
            path: shown.clone(),
            size: metadata.len(),
            modified,
            format: String::new(),
            keys: Vec::new(),
            profile_key: None,
        };
        let bytes = match crate::input_file::read_bytes(path, "cached forwarding profile", deadline)
        {
            Ok(bytes) => bytes,
            Err(InputFileError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                return (
                    Reading::Unavailable(format!(
                        "cannot read {shown}: {source} (run ssetop as root)"
                    )),
                    None,
                );
            }
            Err(e) => return (Reading::Unavailable(e.to_string()), None),
        };
        let mut profile = None;
        match macos_parse::plist_content(&bytes) {
            Ok(content) => {
                file.format = content.format.into();
                file.keys = content.keys;
                if let Some((key, json)) = content.profile {
                    file.profile_key = Some(key);
                    profile = Some(ProfileText {
                        origin: format!("cache:{shown}"),
                        json,
                        timestamp: modified.map(|t| t.to_string()),
                    });
                }
            }
            Err(e) => file.format = format!("unreadable: not a property list ({e})"),
        }
        return (Reading::Value(file), profile);
    }
    match denied {
        Some(reason) => (Reading::Unavailable(reason), None),
        None => (
            Reading::Missing(format!(
                "no cached forwarding profile ({} not found)",
                tried.join(", ")
            )),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadline() -> Deadline {
        Deadline::after(Duration::from_secs(5))
    }

    fn write_plist(path: &Path, binary: bool, value: &str) {
        let mut dict = plist::Dictionary::new();
        dict.insert(
            "ForwardingProfile".into(),
            plist::Value::String(value.into()),
        );
        let value = plist::Value::Dictionary(dict);
        if binary {
            value.to_file_binary(path).unwrap();
        } else {
            value.to_file_xml(path).unwrap();
        }
    }

    const PROFILE: &str = r#"{"policy":{"channels":[{"id":"m365","enabled":true}]}}"#;

    #[test]
    fn the_newer_file_is_tried_first_and_its_profile_is_taken_with_origin_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir
            .path()
            .join("com.microsoft.globalsecureaccess.tunnel.plist");
        let old = dir
            .path()
            .join("com.microsoft.naas.globalsecure.tunnel-df.plist");
        write_plist(&old, true, PROFILE);
        let (file, profile) = read_profile_file(&[new.clone(), old.clone()], &deadline());
        let file = file.value().unwrap();
        assert_eq!(file.path, old.display().to_string());
        assert_eq!(file.format, "binary");
        assert!(file.size > 0);
        assert!(file.modified.is_some());
        assert_eq!(file.profile_key.as_deref(), Some("ForwardingProfile"));
        let profile = profile.unwrap();
        assert_eq!(profile.origin, format!("cache:{}", old.display()));
        assert_eq!(profile.json, PROFILE);
        assert_eq!(
            profile.timestamp,
            file.modified.map(|t| t.to_string()),
            "the timestamp is the file's modification time"
        );

        write_plist(&new, false, PROFILE);
        let (file, _) = read_profile_file(&[new.clone(), old], &deadline());
        assert_eq!(file.value().unwrap().format, "xml");
        assert_eq!(file.value().unwrap().path, new.display().to_string());
    }

    #[test]
    fn a_file_without_a_profile_is_recorded_without_one_and_none_at_all_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.plist");
        write_plist(&path, false, "not json");
        let (file, profile) = read_profile_file(std::slice::from_ref(&path), &deadline());
        assert_eq!(profile, None);
        assert_eq!(file.value().unwrap().keys, ["ForwardingProfile"]);
        assert_eq!(file.value().unwrap().profile_key, None);

        std::fs::write(&path, b"garbage").unwrap();
        let (file, profile) = read_profile_file(std::slice::from_ref(&path), &deadline());
        assert!(profile.is_none());
        assert!(
            file.value().unwrap().format.starts_with("unreadable"),
            "{file:?}"
        );

        let (file, _) = read_profile_file(&[dir.path().join("nope.plist")], &deadline());
        assert!(matches!(file, Reading::Missing(ref r) if r.contains("nope.plist")));
    }

    #[test]
    fn a_directory_in_the_files_place_is_unavailable_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let (file, profile) = read_profile_file(&[dir.path().to_path_buf()], &deadline());
        assert!(profile.is_none());
        assert!(
            matches!(file, Reading::Unavailable(ref r) if r.contains("a directory")),
            "{file:?}"
        );
    }

    #[test]
    fn a_tool_that_is_not_there_is_unavailable_with_its_name() {
        let reading = tool(
            "/nonexistent/scutil",
            &["--dns"],
            Duration::from_secs(1),
            |_| (),
        );
        assert!(
            matches!(reading, Reading::Unavailable(ref r) if r.contains("/nonexistent/scutil")),
            "{reading:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_tool_that_fails_is_unavailable_with_its_exit_code_and_first_error_line() {
        let reading = tool(
            "/bin/sh",
            &["-c", "echo 'No such key' >&2; exit 2"],
            Duration::from_secs(5),
            |_| (),
        );
        assert!(
            matches!(reading, Reading::Unavailable(ref r) if r.contains("exited with 2: No such key")),
            "{reading:?}"
        );
    }
}
