//! Decoders for what else GSA's own Windows health check reads: NRPT rules, the machine
//! store's certificates and Windows Error Reporting's crash reports. They take bytes and text
//! as the OS stores them, so they run (and are tested) on every OS; `windows.rs` only reads.

use std::path::Path;

use jiff::Timestamp;

use super::parse::reg_sz_text;
use crate::snapshot::{CertificateInfo, CrashReport, NrptRule};

/// The strings of a REG_MULTI_SZ value (UTF-16LE, each NUL-terminated, an empty one last).
pub(crate) fn reg_multi_sz(bytes: &[u8]) -> Vec<String> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| {
            u16::from_le_bytes([
                pair.first().copied().unwrap_or(0),
                pair.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    units
        .split(|u| *u == 0)
        .map(String::from_utf16_lossy)
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// An NRPT rule from its key's values. `GenericDNSServers` separates servers with `;` (and
/// is seen with spaces and commas too).
pub(crate) fn nrpt_rule(
    key: &str,
    namespaces: Vec<String>,
    servers: Option<&str>,
    comment: Option<String>,
) -> NrptRule {
    NrptRule {
        key: key.to_string(),
        namespaces: namespaces
            .into_iter()
            .map(|n| n.trim().to_string())
            .collect(),
        servers: servers
            .unwrap_or_default()
            .split([';', ',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        comment: comment.filter(|c| !c.trim().is_empty()),
    }
}

/// `CERT_CERT_PROP_ID`: the property of a serialized store entry that holds the certificate.
const CERT_PROPERTY: u32 = 32;

/// The DER certificate inside a registry store entry's `Blob`: a sequence of properties, each
/// `id: u32, reserved: u32, length: u32` (little-endian) and `length` bytes.
pub(crate) fn certificate_der(blob: &[u8]) -> Result<&[u8], String> {
    let mut rest = blob;
    loop {
        let Some((header, after)) = rest.split_first_chunk::<12>() else {
            return Err(if rest.is_empty() {
                "no certificate property in the store entry".into()
            } else {
                format!(
                    "a store entry property cut short ({} bytes left)",
                    rest.len()
                )
            });
        };
        let word = |i: usize| {
            let mut four = [0u8; 4];
            four.copy_from_slice(header.get(i..i + 4).unwrap_or(&[0; 4]));
            u32::from_le_bytes(four)
        };
        let (id, length) = (word(0), word(8) as usize);
        let Some(value) = after.get(..length) else {
            return Err(format!(
                "property {id} claims {length} bytes, {} remain",
                after.len()
            ));
        };
        if id == CERT_PROPERTY {
            return Ok(value);
        }
        rest = after.get(length..).unwrap_or_default();
    }
}

/// Subject, issuer and validity of a store entry.
pub(crate) fn certificate_info(thumbprint: &str, blob: &[u8]) -> Result<CertificateInfo, String> {
    let der = certificate_der(blob)?;
    let (_, certificate) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let time = |t: x509_parser::time::ASN1Time| {
        Timestamp::from_second(t.timestamp()).map_err(|e| format!("a date out of range: {e}"))
    };
    let validity = certificate.validity();
    Ok(CertificateInfo {
        thumbprint: thumbprint.to_ascii_uppercase(),
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        not_before: time(validity.not_before)?,
        not_after: time(validity.not_after)?,
    })
}

/// Whether a certificate is GSA's client certificate: its subject names `CertCommonName`, or,
/// without that value, a common name ending in `gsa.client` (the Learn page's rule).
pub(crate) fn is_gsa_certificate(info: &CertificateInfo, cert_common_name: Option<&str>) -> bool {
    let subject = info.subject.to_ascii_lowercase();
    match cert_common_name.map(str::trim).filter(|c| !c.is_empty()) {
        Some(name) => subject.contains(&name.to_ascii_lowercase()),
        None => subject
            .split(',')
            .filter_map(|part| part.trim().strip_prefix("cn="))
            .any(|cn| cn.trim().ends_with("gsa.client")),
    }
}

/// The crash reports of `executables` in Windows Error Reporting's folders (`ReportArchive`,
/// `ReportQueue`): each `AppCrash_<name>_…` folder, its `Report.wer` read for the program and
/// the time. A folder that cannot be read is passed over; a missing folder is no crash.
pub(crate) fn crash_reports(folders: &[&Path], executables: &[String]) -> Vec<CrashReport> {
    let mut reports = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let report = entry.file_name().to_string_lossy().into_owned();
            let Some(named) = crash_folder_program(&report) else {
                continue;
            };
            let wer = read_report_wer(&entry.path().join("Report.wer"));
            let program = wer.app_path.as_deref().map_or(named, exe_file_name);
            let Some(executable) = matching_executable(program, executables) else {
                continue;
            };
            let time = wer.event_time.or_else(|| {
                entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| Timestamp::try_from(t).ok())
            });
            if let Some(time) = time {
                reports.push(CrashReport {
                    executable,
                    report,
                    time,
                });
            }
        }
    }
    reports.sort_by_key(|r| std::cmp::Reverse(r.time));
    reports
}

/// The program a WER folder names: `AppCrash_<program>_<hash>_…` (WER cuts long names).
fn crash_folder_program(folder: &str) -> Option<&str> {
    let rest = folder
        .get(..9)
        .filter(|p| p.eq_ignore_ascii_case("AppCrash_"))
        .and_then(|_| folder.get(9..))?;
    // The hash that follows is 40 hex digits: the program name is what comes before it.
    let cut = rest
        .match_indices('_')
        .map(|(i, _)| i)
        .find(|i| {
            rest.get(i + 1..).is_some_and(|after| {
                after.len() >= 40
                    && after
                        .get(..40)
                        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            })
        })
        .unwrap_or(rest.len());
    rest.get(..cut).filter(|p| !p.is_empty())
}

fn exe_file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// The known executable a (possibly cut) program name stands for.
fn matching_executable(program: &str, executables: &[String]) -> Option<String> {
    let program = program.trim().to_ascii_lowercase();
    let stem = program.strip_suffix(".exe").unwrap_or(&program);
    executables
        .iter()
        .find(|e| {
            let known = e.to_ascii_lowercase();
            let known_stem = known.strip_suffix(".exe").unwrap_or(&known);
            // WER keeps at least the first 15 characters of a name it cuts.
            known_stem == stem || (stem.len() >= 15 && known_stem.starts_with(stem))
        })
        .cloned()
}

#[derive(Debug, Default, PartialEq)]
struct WerFields {
    app_path: Option<String>,
    event_time: Option<Timestamp>,
}

/// `Report.wer` is UTF-16LE (with a BOM) `Key=Value` lines; at most 256 KiB is read.
fn read_report_wer(path: &Path) -> WerFields {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(256 << 10).read_to_end(&mut bytes));
    if read.is_err() {
        return WerFields::default();
    }
    parse_report_wer(&report_text(&bytes))
}

fn report_text(bytes: &[u8]) -> String {
    match bytes {
        [0xff, 0xfe, rest @ ..] => reg_sz_text(rest),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn parse_report_wer(text: &str) -> WerFields {
    let mut fields = WerFields::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "apppath" if !value.is_empty() => fields.app_path = Some(value.to_string()),
            // A FILETIME: 100 ns units since 1601-01-01.
            "eventtime" => {
                fields.event_time = value
                    .parse::<i64>()
                    .ok()
                    .and_then(|ft| Timestamp::from_second(ft / 10_000_000 - 11_644_473_600).ok());
            }
            _ => {}
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn multi_sz_values_split_at_nuls_and_drop_the_empty_terminator() {
        let bytes = utf16(".contoso.local\0Corp.Contoso.com\0\0");
        assert_eq!(reg_multi_sz(&bytes), [".contoso.local", "Corp.Contoso.com"]);
        assert!(reg_multi_sz(&[]).is_empty());
        // An odd trailing byte (a damaged value) is dropped, not a panic.
        assert_eq!(reg_multi_sz(&[b'a', 0, b'b']), ["a"]);
    }

    #[test]
    fn nrpt_servers_split_on_semicolons_commas_and_spaces() {
        let rule = nrpt_rule(
            "{6F4A…}",
            vec![" .contoso.local ".into()],
            Some("6.6.255.254; 10.0.0.53,10.0.0.54"),
            Some(" ".into()),
        );
        assert_eq!(rule.namespaces, [".contoso.local"]);
        assert_eq!(rule.servers, ["6.6.255.254", "10.0.0.53", "10.0.0.54"]);
        assert_eq!(rule.comment, None);
    }

    fn store_blob(der: &[u8]) -> Vec<u8> {
        let mut blob = Vec::new();
        // A property before the certificate (e.g. the key provider info, id 2).
        for (id, value) in [(2u32, &b"provider"[..]), (CERT_PROPERTY, der)] {
            blob.extend(id.to_le_bytes());
            blob.extend(1u32.to_le_bytes());
            blob.extend((value.len() as u32).to_le_bytes());
            blob.extend(value);
        }
        blob
    }

    fn generated(cn: &str) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.not_before = rcgen::date_time_ymd(2026, 1, 1);
        params.not_after = rcgen::date_time_ymd(2027, 1, 1);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn a_store_entry_yields_subject_issuer_and_validity() {
        let der = generated("6b1e4f0a-1111-2222-3333-444455556666.gsa.client");
        let info = certificate_info("ab12cd", &store_blob(&der)).unwrap();
        assert_eq!(info.thumbprint, "AB12CD");
        assert!(info.subject.contains("gsa.client"), "{}", info.subject);
        assert_eq!(info.subject, info.issuer);
        assert_eq!(info.not_after.to_string(), "2027-01-01T00:00:00Z");
        assert!(is_gsa_certificate(&info, None));
        assert!(is_gsa_certificate(
            &info,
            Some("6B1E4F0A-1111-2222-3333-444455556666.gsa.client")
        ));
        assert!(!is_gsa_certificate(&info, Some("other.gsa.client")));
    }

    #[test]
    fn damaged_store_entries_are_errors_not_panics() {
        assert!(certificate_der(&[]).unwrap_err().contains("no certificate"));
        assert!(
            certificate_der(&[1, 2, 3])
                .unwrap_err()
                .contains("cut short")
        );
        let mut lying = Vec::new();
        lying.extend(CERT_PROPERTY.to_le_bytes());
        lying.extend(1u32.to_le_bytes());
        lying.extend(4096u32.to_le_bytes());
        lying.extend([0u8; 10]);
        assert!(
            certificate_der(&lying)
                .unwrap_err()
                .contains("claims 4096 bytes")
        );
        let err = certificate_info("x", &store_blob(b"not der")).unwrap_err();
        assert!(err.contains("not an X.509"), "{err}");
        let other = generated("laptop.contoso.com");
        let info = certificate_info("y", &store_blob(&other)).unwrap();
        assert!(!is_gsa_certificate(&info, None));
    }

    #[test]
    fn wer_folder_names_give_the_program_before_the_hash() {
        let hash = "a".repeat(40);
        assert_eq!(
            crash_folder_program(&format!(
                "AppCrash_GlobalSecureAcc_{hash}_1b2c3d4e_cab_0a1b2c3d"
            )),
            Some("GlobalSecureAcc")
        );
        assert_eq!(
            crash_folder_program(&format!("appcrash_Zsa_Tunnel.exe_{hash}_x")),
            Some("Zsa_Tunnel.exe")
        );
        assert_eq!(
            crash_folder_program("AppHang_GlobalSecureAccessClient.exe_x"),
            None
        );
        assert_eq!(crash_folder_program("AppCrash_"), None);
    }

    #[test]
    fn cut_program_names_match_the_known_executable() {
        let known = vec![
            "GlobalSecureAccessClient.exe".to_string(),
            "GlobalSecureAccessTunnelingService.exe".to_string(),
        ];
        assert_eq!(
            matching_executable("GlobalSecureAccessTu", &known).as_deref(),
            Some("GlobalSecureAccessTunnelingService.exe")
        );
        assert_eq!(
            matching_executable("globalsecureaccessclient.EXE", &known).as_deref(),
            Some("GlobalSecureAccessClient.exe")
        );
        assert_eq!(matching_executable("Global", &known), None);
        assert_eq!(matching_executable("chrome.exe", &known), None);
    }

    #[test]
    fn report_wer_gives_the_program_path_and_the_filetime_as_utc() {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(utf16(
            "Version=1\r\nEventType=APPCRASH\r\nEventTime=134077088720000000\r\nAppPath=C:\\Program Files\\Global Secure Access Client\\GlobalSecureAccessClient.exe\r\nUnknownKey=x\r\n",
        ));
        let fields = parse_report_wer(&report_text(&bytes));
        assert_eq!(
            fields.app_path.as_deref().map(exe_file_name),
            Some("GlobalSecureAccessClient.exe")
        );
        assert_eq!(
            fields.event_time.unwrap().to_string(),
            "2025-11-15T19:34:32Z"
        );
    }

    #[test]
    fn crash_reports_are_found_in_wer_folders_newest_first_and_others_ignored() {
        let root = tempfile::tempdir().unwrap();
        let archive = root.path().join("ReportArchive");
        let hash = "0123456789abcdef0123456789abcdef01234567";
        for (name, time) in [
            (
                format!("AppCrash_GlobalSecureAcc_{hash}_1_cab_1"),
                "134077616720000000",
            ),
            (
                format!("AppCrash_GlobalSecureAcc_{hash}_2_cab_2"),
                "134077700000000000",
            ),
            (
                format!("AppCrash_chrome.exe_{hash}_3_cab_3"),
                "134077700000000000",
            ),
        ] {
            let dir = archive.join(&name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("Report.wer"),
                format!("EventTime={time}\nAppPath=C:\\x\\GlobalSecureAccessClient.exe\n"),
            )
            .unwrap();
        }
        // A folder whose Report.wer is missing: its name and modification time count.
        std::fs::create_dir_all(archive.join(format!("AppCrash_GlobalSecureAccessClie_{hash}_4")))
            .unwrap();
        let found = crash_reports(
            &[&archive, &root.path().join("ReportQueue")],
            &["GlobalSecureAccessClient.exe".to_string()],
        );
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found.windows(2).all(|w| w[0].time >= w[1].time));
        // chrome's folder names GSA's AppPath in this damaged fixture: the path wins.
        assert!(
            found
                .iter()
                .all(|r| r.executable == "GlobalSecureAccessClient.exe")
        );
    }
}
