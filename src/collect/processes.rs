//! Processes: pid, name, executable, start time and user. On Linux, read from `/proc` directly:
//! per process `stat` (name, parent, start), `status` (the real uid), and, once per process
//! while it lives, its `exe` link and `cmdline`; that is what `ps -e` reads, less than sysinfo
//! (which at scale made this source 1.3–1.9 times `ps -e`). Each is opened relative to the
//! process's directory and read without asking its size: 12 system calls per process where
//! `ps -e` makes 16 (and full paths with `read_to_end` made 18). Elsewhere from one long-lived
//! sysinfo `System` that refreshes processes only (rebuilding it per tick would re-read
//! everything).

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
    #[cfg_attr(target_os = "linux", allow(dead_code))]
    system: Option<System>,
    users: Option<Users>,
    /// Lower-case names whose command lines are kept.
    cmdline_names: Vec<String>,
    #[cfg(target_os = "linux")]
    proc_fs: proc_fs::ProcTable,
}

/// One process as the OS gives it, before it becomes a snapshot row.
struct RawProcess {
    pid: u32,
    parent: Option<u32>,
    name: String,
    exe: Option<String>,
    /// The command line, empty arguments left out (as sysinfo gives it).
    cmd: Vec<String>,
    /// Seconds since the epoch; 0 when unknown.
    start_time: u64,
    uid: Option<sysinfo::Uid>,
}

impl ProcessReader {
    pub(crate) fn new(cmdline_names: Vec<String>) -> ProcessReader {
        ProcessReader {
            system: None,
            users: None,
            cmdline_names: cmdline_names.iter().map(|n| n.to_lowercase()).collect(),
            #[cfg(target_os = "linux")]
            proc_fs: proc_fs::ProcTable::default(),
        }
    }

    pub(crate) fn collect(&mut self) -> JobResult<Vec<Process>> {
        #[cfg(target_os = "linux")]
        let raw = self.proc_fs.read()?;
        #[cfg(not(target_os = "linux"))]
        let raw = self.read_sysinfo()?;
        Ok((self.rows(raw), None))
    }

    #[cfg_attr(target_os = "linux", allow(dead_code))]
    fn read_sysinfo(&mut self) -> Result<Vec<RawProcess>, String> {
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
        Ok(system
            .processes()
            .values()
            .map(|p| RawProcess {
                pid: p.pid().as_u32(),
                parent: p.parent().map(|pp| pp.as_u32()),
                name: p.name().to_string_lossy().into_owned(),
                exe: p.exe().map(|e| e.display().to_string()),
                cmd: p
                    .cmd()
                    .iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect(),
                start_time: p.start_time(),
                uid: p.user_id().cloned(),
            })
            .collect())
    }

    /// Snapshot rows, in pid order, with user names and the command lines the knowledge base
    /// asks for.
    fn rows(&mut self, raw: Vec<RawProcess>) -> Vec<Process> {
        let unknown_user = |users: &Option<Users>, uid: &sysinfo::Uid| {
            users
                .as_ref()
                .is_none_or(|u| u.get_user_by_id(uid).is_none())
        };
        if raw
            .iter()
            .filter_map(|p| p.uid.as_ref())
            .any(|uid| unknown_user(&self.users, uid))
        {
            self.users = Users::new_with_refreshed_list().ok();
        }
        let mut processes: Vec<Process> = raw
            .into_iter()
            .map(|p| {
                let exe = p.exe;
                let command = p
                    .cmd
                    .first()
                    .and_then(|a| a.rsplit(['/', '\\']).next().map(str::to_string))
                    .filter(|c| !c.is_empty());
                let name = full_name(p.name, exe.as_deref(), command.as_deref());
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
                    pid: p.pid,
                    parent: p.parent,
                    cmdline: keep_cmdline.then_some(p.cmd),
                    command,
                    started_at: (p.start_time > 0)
                        .then(|| Timestamp::from_second(p.start_time as i64).ok())
                        .flatten(),
                    user: p.uid.and_then(|uid| {
                        self.users
                            .as_ref()
                            .and_then(|u| u.get_user_by_id(&uid))
                            .map(|u| u.name().to_string())
                    }),
                    name,
                    exe,
                }
            })
            .collect();
        // Neither sysinfo's hash map nor /proc's listing is in pid order.
        processes.sort_unstable_by_key(|p| p.pid);
        processes
    }
}

#[cfg(target_os = "linux")]
mod proc_fs {
    //! The process table from `/proc`, one buffer reused for every file.

    use std::collections::HashMap;
    use std::ffi::CStr;
    use std::fmt::Write as _;
    use std::fs::File;
    use std::io::Read;
    use std::os::fd::OwnedFd;

    use rustix::fs::{Mode, OFlags};

    use super::RawProcess;

    /// Linux's USER_HZ, the unit of `stat`'s start time: 100 on every architecture ssetop is
    /// built for (only alpha's is 1024).
    const TICKS_PER_SECOND: u64 = 100;

    /// What is read once per process while it lives.
    struct Known {
        start_ticks: u64,
        exe: Option<String>,
        cmd: Vec<String>,
    }

    #[derive(Default)]
    pub(super) struct ProcTable {
        /// Seconds since the epoch at boot (`btime` in `/proc/stat`), read once.
        boot_time: Option<u64>,
        known: HashMap<u32, Known>,
        buf: Vec<u8>,
    }

    impl ProcTable {
        pub(super) fn read(&mut self) -> Result<Vec<RawProcess>, String> {
            let boot_time = match self.boot_time {
                Some(t) => t,
                None => {
                    let t = read_into("/proc/stat", &mut self.buf)
                        .then(|| boot_time(&self.buf))
                        .flatten()
                        .unwrap_or(0);
                    self.boot_time = Some(t);
                    t
                }
            };
            let entries = std::fs::read_dir("/proc")
                .map_err(|e| format!("cannot read the process table: {e}"))?;
            let mut known = HashMap::with_capacity(self.known.len());
            let mut processes = Vec::new();
            let mut path = String::new();
            for entry in entries.flatten() {
                let Some(pid) = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.parse::<u32>().ok())
                else {
                    continue;
                };
                path.clear();
                let _ = write!(path, "/proc/{pid}");
                // Each file is opened relative to the process's directory: the kernel then
                // looks up one name per file instead of three. A process that ended meanwhile
                // is left out.
                let Ok(dir) = rustix::fs::open(
                    path.as_str(),
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                ) else {
                    continue;
                };
                if !read_at(&dir, c"stat", &mut self.buf) {
                    continue;
                }
                let Some(stat) = parse_stat(&self.buf) else {
                    continue;
                };
                let uid = read_at(&dir, c"status", &mut self.buf)
                    .then(|| real_uid(&self.buf))
                    .flatten()
                    .and_then(|uid| uid.to_string().parse::<sysinfo::Uid>().ok());
                // The same pid with the same start is the same process: its executable and
                // command line are kept; both are read again while unknown (as sysinfo did).
                let mut this = self
                    .known
                    .remove(&pid)
                    .filter(|k| k.start_ticks == stat.start_ticks)
                    .unwrap_or(Known {
                        start_ticks: stat.start_ticks,
                        exe: None,
                        cmd: Vec::new(),
                    });
                if this.exe.is_none() {
                    this.exe = rustix::fs::readlinkat(&dir, c"exe", Vec::new())
                        .ok()
                        .map(|exe| {
                            let exe = exe.to_string_lossy().into_owned();
                            // A replaced or removed executable reads `PATH (deleted)`.
                            match exe.strip_suffix(" (deleted)") {
                                Some(path) => path.to_string(),
                                None => exe,
                            }
                        });
                }
                if this.cmd.is_empty() && read_at(&dir, c"cmdline", &mut self.buf) {
                    this.cmd = split_cmdline(&self.buf);
                }
                processes.push(RawProcess {
                    pid,
                    parent: stat.parent.filter(|p| *p != 0),
                    name: stat.name,
                    exe: this.exe.clone(),
                    cmd: this.cmd.clone(),
                    start_time: (stat.start_ticks / TICKS_PER_SECOND).saturating_add(boot_time),
                    uid,
                });
                known.insert(pid, this);
            }
            self.known = known;
            Ok(processes)
        }
    }

    /// Reads the whole file `name` in the directory `dir` into `buf`; false when it cannot be
    /// read.
    fn read_at(dir: &OwnedFd, name: &CStr, buf: &mut Vec<u8>) -> bool {
        rustix::fs::openat(dir, name, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
            .is_ok_and(|file| read_generated(File::from(file), buf))
    }

    /// Reads a whole file into `buf`; false when it cannot be read.
    fn read_into(path: &str, buf: &mut Vec<u8>) -> bool {
        File::open(path).is_ok_and(|file| read_generated(file, buf))
    }

    /// Reads a file `/proc` generates into `buf` (cleared first): one made of a single record
    /// (`stat`, `status`, `cmdline`, `/proc/stat`), not a table such as `/proc/net/*` or
    /// `maps`, whose reads may end early at a record's end.
    ///
    /// Not `read_to_end`: on a `File` that first asks the file's size and position, two calls
    /// per file that `/proc` cannot answer (its files have no size). And a read that returns
    /// less than it asked for ends the file: the kernel formats such a file whole on each read
    /// and gives all it has, so the empty read that would confirm the end is not made (`ps`
    /// reads them the same way).
    pub(super) fn read_generated(mut file: File, buf: &mut Vec<u8>) -> bool {
        let mut chunk = [0u8; 4096];
        buf.clear();
        loop {
            match file.read(&mut chunk) {
                Ok(read) => {
                    buf.extend_from_slice(chunk.get(..read).unwrap_or_default());
                    if read < chunk.len() {
                        return true;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }

    pub(super) struct Stat {
        pub(super) name: String,
        pub(super) parent: Option<u32>,
        pub(super) start_ticks: u64,
    }

    /// `PID (NAME) STATE PPID … STARTTIME …`: the name is everything between the first `(`
    /// and the last `)` (it may hold spaces and parentheses); the fields after it are counted
    /// from the state (field 3): the parent is field 4, the start time field 22.
    pub(super) fn parse_stat(data: &[u8]) -> Option<Stat> {
        let open = data.iter().position(|b| *b == b'(')?;
        let close = data.iter().rposition(|b| *b == b')')?;
        let name = data.get(open.checked_add(1)?..close)?;
        let mut fields = data
            .get(close.checked_add(1)?..)?
            .split(|b| *b == b' ')
            .filter(|f| !f.is_empty());
        let parent = fields.nth(1).and_then(number);
        let start_ticks = fields.nth(22 - 5).and_then(number)?;
        Some(Stat {
            name: String::from_utf8_lossy(name).into_owned(),
            parent: parent.and_then(|p| u32::try_from(p).ok()),
            start_ticks,
        })
    }

    fn number(field: &[u8]) -> Option<u64> {
        std::str::from_utf8(field).ok()?.trim().parse().ok()
    }

    /// The real uid: the first number of `status`'s `Uid:` line.
    pub(super) fn real_uid(status: &[u8]) -> Option<u32> {
        status
            .split(|b| *b == b'\n')
            .find_map(|line| line.strip_prefix(b"Uid:"))?
            .split(|b| *b == b'\t' || *b == b' ')
            .find(|f| !f.is_empty())
            .and_then(number)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// `cmdline`'s NUL-separated arguments, empty ones left out.
    pub(super) fn split_cmdline(data: &[u8]) -> Vec<String> {
        data.split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    /// `btime` in `/proc/stat`.
    pub(super) fn boot_time(stat: &[u8]) -> Option<u64> {
        stat.split(|b| *b == b'\n')
            .find_map(|line| line.strip_prefix(b"btime"))
            .and_then(number)
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

#[cfg(all(test, target_os = "linux"))]
mod proc_fs_tests {
    use super::proc_fs::*;
    use super::*;

    /// A real `stat` line (kernel 6.x) of a process whose name holds spaces and parentheses.
    const STAT: &[u8] = b"4242 (Web (Content) x) S 1 4242 4242 0 -1 4194560 6351 0 12 0 40 11 0 0 20 0 \
        27 0 123456 228372480 12117 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0 \
        0 0 0 0 0 0 0 0\n";

    #[test]
    fn stat_gives_the_whole_name_the_parent_and_the_start() {
        let stat = parse_stat(STAT).unwrap();
        assert_eq!(stat.name, "Web (Content) x");
        assert_eq!(stat.parent, Some(1));
        assert_eq!(stat.start_ticks, 123_456);
        // pid 1's parent is 0, which means none (the caller drops it); garbage is no process.
        assert_eq!(
            parse_stat(b"1 (systemd) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0")
                .unwrap()
                .parent,
            Some(0)
        );
        assert!(parse_stat(b"garbage").is_none());
        assert!(parse_stat(b"12 (cut) S 1 2").is_none());
    }

    #[test]
    fn status_gives_the_real_uid_and_stat_the_boot_time() {
        let status = b"Name:\tsudo\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t77\n\
            Uid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(real_uid(status), Some(1000));
        assert_eq!(real_uid(b"Name:\tx\n"), None);
        let stat = b"cpu  1 2 3 4\nintr 5 6\nctxt 7\nbtime 1764400000\nprocesses 9\n";
        assert_eq!(boot_time(stat), Some(1_764_400_000));
        assert_eq!(boot_time(b"cpu 1\r\n"), None);
    }

    #[test]
    fn command_lines_lose_their_empty_arguments() {
        assert_eq!(
            split_cmdline(b"/opt/paloaltonetworks/globalprotect/PanGPS\0\0--flag\0"),
            ["/opt/paloaltonetworks/globalprotect/PanGPS", "--flag"]
        );
        assert!(split_cmdline(b"").is_empty());
    }

    /// Files are read whole whatever their length: generated ones (a command line longer than
    /// one read among them), one longer than a read, and one whose length is a multiple of a
    /// read (the empty read ends it).
    #[test]
    fn files_are_read_whole_whatever_their_length() {
        let mut buf = Vec::new();
        assert!(read_generated(
            std::fs::File::open("/proc/self/status").unwrap(),
            &mut buf
        ));
        assert!(buf.starts_with(b"Name:") && buf.ends_with(b"\n"), "{buf:?}");
        let long_argument = "x".repeat(10_000);
        let mut child = std::process::Command::new("sh")
            .args(["-c", "echo ready; read line", "sh", &long_argument])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Until the shell runs, its command line may still be empty: the spawn returns as soon
        // as the kernel has let go of the parent, before it has laid out the new arguments.
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut ready,
        )
        .unwrap();
        assert_eq!(ready, "ready\n");
        let cmdline = format!("/proc/{}/cmdline", child.id());
        assert!(read_generated(
            std::fs::File::open(&cmdline).unwrap(),
            &mut buf
        ));
        let whole = std::fs::read(&cmdline).unwrap();
        drop(child.stdin.take());
        child.wait().unwrap();
        assert!(whole.len() > 10_000, "{}", whole.len());
        assert_eq!(buf, whole);
        let dir = tempfile::tempdir().unwrap();
        for len in [10_000, 8192, 0] {
            let path = dir.path().join(format!("f{len}"));
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &data).unwrap();
            buf.extend_from_slice(b"left over");
            assert!(read_generated(
                std::fs::File::open(&path).unwrap(),
                &mut buf
            ));
            assert_eq!(buf, data, "{len} bytes");
        }
        assert!(!read_generated(
            std::fs::File::open(dir.path()).unwrap(),
            &mut buf
        ));
    }

    /// This test process, read through /proc, is what sysinfo says it is.
    #[test]
    fn the_proc_reader_agrees_with_sysinfo_on_this_process() {
        let own = std::process::id();
        let mut table = ProcTable::default();
        let raw = table.read().unwrap();
        let mine = raw.iter().find(|p| p.pid == own).unwrap();
        let mut system = System::new().unwrap();
        system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[sysinfo::Pid::from_u32(own)]),
            true,
            ProcessRefreshKind::nothing()
                .with_exe(UpdateKind::Always)
                .with_cmd(UpdateKind::Always)
                .with_user(UpdateKind::Always),
        );
        let p = system.process(sysinfo::Pid::from_u32(own)).unwrap();
        assert_eq!(mine.name, p.name().to_string_lossy());
        assert_eq!(mine.parent, p.parent().map(|pp| pp.as_u32()));
        assert_eq!(mine.exe, p.exe().map(|e| e.display().to_string()));
        assert_eq!(
            mine.cmd,
            p.cmd()
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        );
        assert_eq!(mine.start_time, p.start_time());
        assert_eq!(mine.uid.as_ref(), p.user_id());
        // A second read keeps what it read once.
        let again = table.read().unwrap();
        assert_eq!(again.iter().find(|p| p.pid == own).unwrap().cmd, mine.cmd);
    }
}
