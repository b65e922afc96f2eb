//! Processes: pid, name, executable, start time and user, from one long-lived sysinfo `System`
//! that refreshes processes only (rebuilding it per tick would re-read everything).

use jiff::Timestamp;
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};

use super::JobResult;
use crate::snapshot::{Process, strip_exe};

/// Linux keeps 15 characters of a process name; the executable or the command line has all of
/// it. Other names are left as the OS gives them.
fn full_name(name: String, exe: Option<&str>, command: Option<&str>) -> String {
    const LINUX_COMM_LEN: usize = 15;
    if name.chars().count() != LINUX_COMM_LEN {
        return name;
    }
    let exe_file = exe.map(|e| e.rsplit(['/', '\\']).next().unwrap_or(e));
    [exe_file, command]
        .into_iter()
        .flatten()
        .find(|longer| longer.len() > name.len() && longer.starts_with(&name))
        .map_or(name, str::to_string)
}

pub(crate) struct ProcessReader {
    system: Option<System>,
    users: Option<Users>,
    /// Lower-case names whose command lines are kept.
    cmdline_names: Vec<String>,
}

impl ProcessReader {
    pub(crate) fn new(cmdline_names: Vec<String>) -> ProcessReader {
        ProcessReader {
            system: None,
            users: None,
            cmdline_names: cmdline_names.iter().map(|n| n.to_lowercase()).collect(),
        }
    }

    pub(crate) fn collect(&mut self) -> JobResult<Vec<Process>> {
        if self.system.is_none() {
            self.system =
                Some(System::new().map_err(|e| format!("cannot read the process table: {e}"))?);
        }
        let Some(system) = self.system.as_mut() else {
            return Err("cannot read the process table".into());
        };
        system.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing()
                .without_tasks()
                .with_exe(UpdateKind::OnlyIfNotSet)
                .with_cmd(UpdateKind::OnlyIfNotSet)
                .with_user(UpdateKind::OnlyIfNotSet),
        );
        let unknown_user = |users: &Option<Users>, uid: &sysinfo::Uid| {
            users
                .as_ref()
                .is_none_or(|u| u.get_user_by_id(uid).is_none())
        };
        if system
            .processes()
            .values()
            .filter_map(|p| p.user_id())
            .any(|uid| unknown_user(&self.users, uid))
        {
            self.users = Users::new_with_refreshed_list().ok();
        }
        let mut processes: Vec<Process> = system
            .processes()
            .values()
            .map(|p| {
                let exe = p.exe().map(|e| e.display().to_string());
                let command = p
                    .cmd()
                    .first()
                    .map(|a| a.to_string_lossy())
                    .and_then(|a| a.rsplit(['/', '\\']).next().map(str::to_string))
                    .filter(|c| !c.is_empty());
                let name = full_name(
                    p.name().to_string_lossy().into_owned(),
                    exe.as_deref(),
                    command.as_deref(),
                );
                let keep_cmdline = {
                    let stem = exe
                        .as_deref()
                        .map(|e| strip_exe(e.rsplit(['/', '\\']).next().unwrap_or(e)));
                    self.cmdline_names.iter().any(|n| {
                        n.eq_ignore_ascii_case(strip_exe(&name))
                            || stem.is_some_and(|s| n.eq_ignore_ascii_case(s))
                    })
                };
                Process {
                    pid: p.pid().as_u32(),
                    parent: p.parent().map(|pp| pp.as_u32()),
                    cmdline: keep_cmdline.then(|| {
                        p.cmd()
                            .iter()
                            .map(|a| a.to_string_lossy().into_owned())
                            .collect()
                    }),
                    command,
                    started_at: (p.start_time() > 0)
                        .then(|| Timestamp::from_second(p.start_time() as i64).ok())
                        .flatten(),
                    user: p.user_id().and_then(|uid| {
                        self.users
                            .as_ref()
                            .and_then(|u| u.get_user_by_id(uid))
                            .map(|u| u.name().to_string())
                    }),
                    name,
                    exe,
                }
            })
            .collect();
        // sysinfo keeps processes in a hash map, whose order changes as processes come and go.
        processes.sort_unstable_by_key(|p| p.pid);
        Ok((processes, None))
    }
}

#[cfg(test)]
mod tests {
    use super::full_name;

    #[test]
    fn truncated_linux_names_are_completed_from_the_executable_or_command() {
        assert_eq!(
            full_name(
                "GlobalSecureAcc".into(),
                Some("/tmp/x/GlobalSecureAccessTunnelingService"),
                None
            ),
            "GlobalSecureAccessTunnelingService"
        );
        assert_eq!(
            full_name(
                "GlobalSecureAcc".into(),
                None,
                Some("GlobalSecureAccessEngineService")
            ),
            "GlobalSecureAccessEngineService"
        );
        // Not a prefix, or not truncated: left alone.
        assert_eq!(
            full_name("kworker/0:1-eve".into(), Some("/bin/other"), None),
            "kworker/0:1-eve"
        );
        assert_eq!(
            full_name("bash".into(), Some("/usr/bin/bash-static"), None),
            "bash"
        );
    }
}
