//! The vendors' own status commands (Zscaler's `ZSACli`/`zscli`, GlobalProtect's
//! `globalprotect show`), where installed: each run read-only through [`super::command::run`]
//! with its timeout, all at once, and recorded with what their output was understood to say.
//! Which tools, where and with which arguments is knowledge data (`[[vendor_tools]]`); the
//! analysis weighs what they say against what the OS shows.

pub(crate) mod parse;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;

use super::JobResult;
use super::command::{self, CommandError, CommandOutput};
use crate::knowledge::{Vendor, VendorTool};
use crate::snapshot::{ToolOutcome, ToolRun, VendorReport, VendorStatus};

/// The most of a command's stdout kept in the snapshot (a status is a few hundred bytes; the
/// whole output is kept verbatim up to here, so that nothing understood is still readable).
pub(crate) const STDOUT_LIMIT: usize = 16 * 1024;
/// The most of a command's stderr kept.
pub(crate) const STDERR_LIMIT: usize = 2 * 1024;

/// At most `limit` bytes of `text`, cut at a character boundary; whether it was cut.
fn bounded(text: &str, limit: usize) -> (String, bool) {
    if text.len() <= limit {
        return (text.to_string(), false);
    }
    let mut cut = limit;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    (text.get(..cut).unwrap_or_default().to_string(), true)
}

/// The directories an elevated ssetop looks in for a bare tool name, instead of an inherited
/// `PATH` that another user may have put a writable directory on (sudo's usual secure path).
const TRUSTED_DIRS: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// The first of `paths` that exists: a path with a directory as it is, a bare name on `PATH`
/// (on Windows also with `.exe`); elevated, a bare name only in [`TRUSTED_DIRS`] (and on
/// Windows not at all): ssetop must not run as root whatever a user's `PATH` offers.
pub(crate) fn find_tool(paths: &[String]) -> Option<PathBuf> {
    let search: Vec<PathBuf> = if super::is_elevated() {
        if cfg!(windows) {
            Vec::new()
        } else {
            TRUSTED_DIRS.iter().map(PathBuf::from).collect()
        }
    } else {
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default()
    };
    paths.iter().find_map(|candidate| {
        let path = Path::new(candidate);
        if path.components().count() > 1 || path.is_absolute() {
            path.is_file().then(|| path.to_path_buf())
        } else {
            let names: Vec<String> = if cfg!(windows) && path.extension().is_none() {
                vec![candidate.clone(), format!("{candidate}.exe")]
            } else {
                vec![candidate.clone()]
            };
            search
                .iter()
                .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
                .find(|p| p.is_file())
        }
    })
}

/// One command's run as the snapshot records it.
fn record(
    args: &[String],
    ran_at: Timestamp,
    result: Result<CommandOutput, CommandError>,
) -> ToolRun {
    let base = ToolRun {
        args: args.to_vec(),
        ran_at,
        elapsed_ms: 0,
        outcome: ToolOutcome::Output,
        exit_code: None,
        detail: None,
        stdout: String::new(),
        stderr: String::new(),
        truncated: false,
    };
    match result {
        Ok(out) => {
            let (stdout, out_cut) = bounded(&out.stdout, STDOUT_LIMIT);
            let (stderr, err_cut) = bounded(&out.stderr, STDERR_LIMIT);
            ToolRun {
                elapsed_ms: out.elapsed.as_millis() as u64,
                outcome: if out.success() {
                    ToolOutcome::Output
                } else {
                    ToolOutcome::Failed
                },
                exit_code: out.code,
                detail: out.code.is_none().then(|| "ended by a signal".to_string()),
                stdout,
                stderr,
                truncated: out.truncated || out_cut || err_cut,
                ..base
            }
        }
        Err(e) => ToolRun {
            outcome: match e {
                CommandError::NotInstalled { .. } => ToolOutcome::NotInstalled,
                CommandError::TimedOut { .. } => ToolOutcome::TimedOut,
                CommandError::Failed { .. } => ToolOutcome::Failed,
            },
            detail: Some(e.to_string()),
            ..base
        },
    }
}

/// What all of a tool's runs say together: their stdout (and stderr, where an error message
/// often goes) parsed by the vendor's parser; `None` when nothing was printed.
fn understand(vendor: Vendor, runs: &[ToolRun]) -> Option<VendorStatus> {
    let text: String = runs
        .iter()
        .flat_map(|r| [r.stdout.as_str(), "\n", r.stderr.as_str(), "\n"])
        .collect();
    if text.trim().is_empty() {
        return None;
    }
    Some(match vendor {
        Vendor::Zscaler => parse::parse_zscaler(&text),
        Vendor::GlobalProtect | Vendor::Gsa => parse::parse_globalprotect(&text),
    })
}

/// Runs one vendor's tool: every command at once, each within its timeout and `deadline`.
pub(crate) fn run_tool(tool: &VendorTool, deadline: Duration) -> VendorReport {
    let Some(path) = find_tool(&tool.paths) else {
        return VendorReport {
            vendor: tool.vendor,
            tool: tool.paths.join(" or "),
            installed: false,
            runs: Vec::new(),
            status: None,
        };
    };
    let timeout = Duration::from_millis(tool.timeout_ms).min(deadline);
    let runs: Vec<ToolRun> = std::thread::scope(|scope| {
        let handles: Vec<_> = tool
            .commands
            .iter()
            .map(|args| {
                let path = &path;
                scope.spawn(move || {
                    let ran_at = Timestamp::now();
                    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                    record(args, ran_at, command::run(path, &argv, timeout))
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(&tool.commands)
            .map(|(handle, args)| {
                handle.join().unwrap_or_else(|_| {
                    record(
                        args,
                        Timestamp::now(),
                        Err(CommandError::Failed {
                            program: path.display().to_string(),
                            reason: "the thread running it crashed".into(),
                        }),
                    )
                })
            })
            .collect()
    });
    VendorReport {
        vendor: tool.vendor,
        tool: path.display().to_string(),
        installed: true,
        status: understand(tool.vendor, &runs),
        runs,
    }
}

/// Runs every tool at once (a job of the sampler). Never fails as a whole: each tool's own
/// outcome is in its report.
pub(crate) fn collect(tools: &[VendorTool], deadline: Duration) -> JobResult<Vec<VendorReport>> {
    let reports = std::thread::scope(|scope| {
        let handles: Vec<_> = tools
            .iter()
            .map(|tool| scope.spawn(move || run_tool(tool, deadline)))
            .collect();
        handles
            .into_iter()
            .zip(tools)
            .map(|(handle, tool)| {
                handle.join().unwrap_or_else(|_| VendorReport {
                    vendor: tool.vendor,
                    tool: tool.paths.join(" or "),
                    installed: true,
                    runs: Vec::new(),
                    status: None,
                })
            })
            .collect::<Vec<_>>()
    });
    Ok((reports, None))
}

#[cfg(test)]
#[cfg(unix)]
pub(crate) mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::knowledge::{Knowledge, Os};
    use crate::snapshot::ReportedState;

    /// A fake `globalprotect` in a temp dir: prints real-shaped output per subcommand.
    fn fake_tool(dir: &Path, name: &str, script: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    /// The embedded knowledge's Linux GlobalProtect entry, pointed at `path` first.
    pub(crate) fn globalprotect_tool(path: &str) -> VendorTool {
        let knowledge = Knowledge::embedded();
        let mut tool = knowledge
            .vendor_tools_for(Os::Linux)
            .find(|t| t.vendor == Vendor::GlobalProtect)
            .unwrap()
            .clone();
        tool.paths = vec![path.into()];
        tool
    }

    #[test]
    fn a_fake_globalprotect_is_run_with_the_knowledge_arguments_and_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = fake_tool(
            dir.path(),
            "globalprotect",
            r#"case "$2" in
  --status) printf 'GlobalProtect status: Connected\r\n' ;;
  --details) printf 'Assigned IP address: 10.8.0.7   \r\nGateway IP address: 198.51.100.4\r\nProtocol: SSL\r\nUptime(sec): 95\r\n' ;;
  *) echo "unexpected $*" >&2; exit 9 ;;
esac"#,
        );
        let (reports, note) =
            collect(&[globalprotect_tool(&path)], Duration::from_secs(5)).unwrap();
        assert_eq!(note, None);
        let report = &reports[0];
        assert!(report.installed);
        assert_eq!(report.tool, path);
        assert_eq!(report.runs.len(), 2);
        assert!(report.runs.iter().all(|r| r.outcome == ToolOutcome::Output));
        assert_eq!(report.runs[0].args, ["show", "--status"]);
        let status = report.status.as_ref().unwrap();
        assert_eq!(status.state, ReportedState::Connected);
        assert_eq!(status.field("protocol"), Some("SSL"));
        assert_eq!(status.field("assigned_ip"), Some("10.8.0.7"));
    }

    #[test]
    fn a_missing_tool_is_not_installed_naming_every_place_looked() {
        let tool = globalprotect_tool("/nonexistent/globalprotect");
        let report = run_tool(&tool, Duration::from_secs(1));
        assert!(!report.installed);
        assert_eq!(report.tool, "/nonexistent/globalprotect");
        assert!(report.runs.is_empty());
        assert_eq!(report.status, None);
    }

    #[test]
    fn a_failing_tool_keeps_its_exit_code_and_bounded_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let path = fake_tool(
            dir.path(),
            "zscli",
            "echo 'CLI is disabled. Contact your administrator.' >&2; head -c 10000 /dev/zero | tr '\\0' x >&2; exit 4",
        );
        let mut tool = globalprotect_tool(&path);
        tool.vendor = Vendor::Zscaler;
        tool.commands = vec![vec!["status".into()]];
        let report = run_tool(&tool, Duration::from_secs(5));
        let run = &report.runs[0];
        assert_eq!(run.outcome, ToolOutcome::Failed);
        assert_eq!(run.exit_code, Some(4));
        assert_eq!(run.stderr.len(), STDERR_LIMIT);
        assert!(run.truncated);
        assert_eq!(report.status.unwrap().state, ReportedState::NotEnabled);
    }

    #[test]
    fn a_hanging_tool_is_stopped_at_its_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = fake_tool(dir.path(), "globalprotect", "exec sleep 30");
        let mut tool = globalprotect_tool(&path);
        tool.timeout_ms = 200;
        let started = std::time::Instant::now();
        let report = run_tool(&tool, Duration::from_secs(5));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(
            report
                .runs
                .iter()
                .all(|r| r.outcome == ToolOutcome::TimedOut)
        );
        assert_eq!(report.status, None);
    }

    #[test]
    fn a_bare_name_is_found_on_path_and_a_directory_path_is_not() {
        // `sh` is on every Unix PATH; a directory is never a tool.
        assert!(find_tool(&["sh".into()]).is_some());
        assert_eq!(find_tool(&["/".into(), "no-such-tool-ssetop".into()]), None);
    }

    #[test]
    fn bounded_cuts_at_a_character_boundary() {
        assert_eq!(bounded("héllo", 2), ("h".to_string(), true));
        assert_eq!(bounded("abc", 3), ("abc".to_string(), false));
    }
}
