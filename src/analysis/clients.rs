//! Which SSE clients are on the device: their processes (by name and executable), their
//! adapters (by name or description), their Windows services, and their tunnel connections.

use std::collections::HashMap;

use crate::assessment::{VendorAdapter, VendorProcess};
use crate::knowledge::{Knowledge, Os, ProcessEntry, ProcessRole, Vendor};
use crate::snapshot::{Process, Snapshot, strip_exe};

/// Linux keeps only this many characters of a process name.
const LINUX_COMM_LEN: usize = 15;

/// Knowledge process entries of one OS by lower-case name.
pub(crate) struct ProcessMatcher<'k> {
    by_name: HashMap<String, Vec<&'k ProcessEntry>>,
    /// The same names in the knowledge base's order, for the truncated-name search (the map's
    /// order differs from one matcher to the next).
    names: Vec<String>,
    os: Os,
}

impl<'k> ProcessMatcher<'k> {
    pub(crate) fn new(knowledge: &'k Knowledge, os: Os) -> Self {
        let mut by_name: HashMap<String, Vec<&ProcessEntry>> = HashMap::new();
        let mut names = Vec::new();
        for entry in knowledge.processes_for(os) {
            for name in &entry.names {
                let name = name.to_lowercase();
                if !by_name.contains_key(&name) {
                    names.push(name.clone());
                }
                by_name.entry(name).or_default().push(entry);
            }
        }
        ProcessMatcher { by_name, names, os }
    }

    fn entry_for(&self, name: &str, process: &Process) -> Option<&'k ProcessEntry> {
        self.by_name
            .get(&name.to_lowercase())?
            .iter()
            .copied()
            .find(|e| {
                e.cmdline_contains.as_ref().is_none_or(|needle| {
                    process
                        .cmdline
                        .as_ref()
                        .is_some_and(|args| args.iter().any(|a| a.contains(needle.as_str())))
                })
            })
    }

    /// The vendor entry a process belongs to, and how it was recognised.
    pub(crate) fn recognise(&self, process: &Process) -> Option<(&'k ProcessEntry, &'static str)> {
        let name = strip_exe(&process.name);
        if let Some(entry) = self.entry_for(name, process) {
            return Some((entry, "name"));
        }
        if let Some(entry) = process
            .exe_stem()
            .and_then(|stem| self.entry_for(stem, process))
        {
            return Some((entry, "executable"));
        }
        if let Some(entry) = process
            .command
            .as_deref()
            .and_then(|c| self.entry_for(strip_exe(c), process))
        {
            return Some((entry, "command"));
        }
        if self.os == Os::Linux && name.chars().count() == LINUX_COMM_LEN {
            let prefix = name.to_lowercase();
            let candidates: Vec<&'k ProcessEntry> = self
                .names
                .iter()
                .filter(|known| known.starts_with(&prefix))
                .filter_map(|known| self.entry_for(known, process))
                .collect();
            // Several names share the prefix: the vendor is known, the role is not, so never
            // claim the tunnel role on a guess (and take the first other entry in the
            // knowledge base's order, the same one every time).
            let chosen = if candidates.len() > 1 {
                candidates.iter().find(|e| e.role != ProcessRole::Tunnel)
            } else {
                candidates.first()
            };
            if let Some(entry) = chosen {
                return Some((entry, "truncated name"));
            }
        }
        None
    }
}

pub(crate) fn vendor_processes(
    snapshot: &Snapshot,
    knowledge: &Knowledge,
    os: Os,
) -> Vec<VendorProcess> {
    let matcher = ProcessMatcher::new(knowledge, os);
    let mut found: Vec<VendorProcess> = snapshot
        .processes
        .get()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let (entry, matched_by) = matcher.recognise(p)?;
            Some(VendorProcess {
                vendor: entry.vendor,
                role: entry.role,
                pid: p.pid,
                name: p.name.clone(),
                started_at: p.started_at,
                matched_by,
            })
        })
        .collect();
    found.sort_by_key(|p| (p.vendor, p.pid));
    found
}

/// `--interface=NAME`, `--interface NAME` or `-i NAME` in an openconnect command line.
fn interface_argument(args: &[String]) -> Option<String> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if let Some(name) = arg.strip_prefix("--interface=") {
            return Some(name.to_string());
        }
        if arg == "--interface" || arg == "-i" {
            return iter.next().cloned();
        }
    }
    None
}

pub(crate) fn vendor_adapters(
    snapshot: &Snapshot,
    knowledge: &Knowledge,
    os: Os,
    processes: &[VendorProcess],
) -> Vec<VendorAdapter> {
    let Some(interfaces) = snapshot.interfaces.get() else {
        return Vec::new();
    };
    // Interfaces named on a GlobalProtect tunnel process's command line (openconnect -i).
    let named_by_process: Vec<(String, u32)> = processes
        .iter()
        .filter(|p| p.vendor == Vendor::GlobalProtect && p.role == ProcessRole::Tunnel)
        .filter_map(|vp| {
            let process = snapshot.processes.get()?.iter().find(|p| p.pid == vp.pid)?;
            Some((interface_argument(process.cmdline.as_ref()?)?, vp.pid))
        })
        .collect();
    let mut adapters = Vec::new();
    for interface in interfaces {
        let by_pattern = knowledge
            .adapters
            .iter()
            .filter(|a| a.os.contains(&os))
            .find(|a| {
                let field = match a.field {
                    crate::knowledge::AdapterField::Name => Some(interface.name.as_str()),
                    crate::knowledge::AdapterField::Description => interface
                        .description
                        .as_deref()
                        .or(interface.friendly_name.as_deref()),
                };
                field.is_some_and(|text| a.matches(text))
            })
            .map(|a| (a.vendor, format!("pattern {:?}", a.pattern)));
        let by_process = named_by_process
            .iter()
            .find(|(name, _)| *name == interface.name)
            .map(|(_, pid)| {
                (
                    Vendor::GlobalProtect,
                    format!("named by the tunnel process (pid {pid})"),
                )
            });
        if let Some((vendor, matched_by)) = by_pattern.or(by_process) {
            adapters.push(VendorAdapter {
                vendor,
                name: interface.name.clone(),
                description: interface.description.clone(),
                up: interface.up,
                matched_by,
            });
        }
    }
    adapters
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(name: &str, exe: Option<&str>, cmdline: Option<&[&str]>) -> Process {
        Process {
            pid: 42,
            parent: None,
            name: name.into(),
            exe: exe.map(Into::into),
            cmdline: cmdline.map(|c| c.iter().map(|s| s.to_string()).collect()),
            command: None,
            started_at: None,
            user: None,
        }
    }

    #[test]
    fn processes_match_by_name_executable_or_linux_truncated_name() {
        let k = Knowledge::embedded();
        let windows = ProcessMatcher::new(&k, Os::Windows);
        let (e, how) = windows
            .recognise(&process("PanGPS.exe", None, None))
            .unwrap();
        assert_eq!((e.vendor, how), (Vendor::GlobalProtect, "name"));
        let (e, how) = windows
            .recognise(&process("svchost.exe", Some(r"C:\x\ZSATunnel.exe"), None))
            .unwrap();
        assert_eq!(
            (e.vendor, e.role, how),
            (Vendor::Zscaler, ProcessRole::Tunnel, "executable")
        );
        let linux = ProcessMatcher::new(&k, Os::Linux);
        // Every GSA service shares the first 15 characters: the vendor is known, the role is
        // not, so the tunnel role is never claimed from a truncated name alone.
        let (e, how) = linux
            .recognise(&process("GlobalSecureAcc", None, None))
            .unwrap();
        assert_eq!((e.vendor, how), (Vendor::Gsa, "truncated name"));
        assert_ne!(e.role, ProcessRole::Tunnel);
        let mut by_command = process("GlobalSecureAcc", None, None);
        by_command.command = Some("GlobalSecureAccessTunnelingService".into());
        let (e, how) = linux.recognise(&by_command).unwrap();
        assert_eq!((e.role, how), (ProcessRole::Tunnel, "command"));
        assert!(
            linux
                .recognise(&process("bash", Some("/usr/bin/bash"), None))
                .is_none()
        );
    }

    #[test]
    fn a_truncated_name_shared_by_several_roles_is_recognised_the_same_way_every_time() {
        let mut k = Knowledge::embedded();
        // A knowledge file that also knows GSA's agent on Linux: "GlobalSecureAcc" is now the
        // prefix of a tunnel, a service and an agent name.
        let mut agent = k
            .file
            .processes
            .iter()
            .find(|e| e.vendor == Vendor::Gsa && e.role == ProcessRole::Agent)
            .unwrap()
            .clone();
        agent.os = vec![Os::Linux];
        agent.names = vec!["GlobalSecureAccessClient".into()];
        k.file.processes.push(agent);
        let roles: Vec<ProcessRole> = (0..32)
            .map(|_| {
                let matcher = ProcessMatcher::new(&k, Os::Linux);
                let (entry, _) = matcher
                    .recognise(&process("GlobalSecureAcc", None, None))
                    .unwrap();
                entry.role
            })
            .collect();
        // The service entry comes before the added agent in the knowledge base.
        assert!(
            roles.iter().all(|r| *r == ProcessRole::Service),
            "{roles:?}"
        );
    }

    #[test]
    fn command_line_entries_need_their_argument() {
        let k = Knowledge::embedded();
        let linux = ProcessMatcher::new(&k, Os::Linux);
        assert!(
            linux
                .recognise(&process(
                    "openconnect",
                    None,
                    Some(&["openconnect", "vpn.example"])
                ))
                .is_none()
        );
        let (e, _) = linux
            .recognise(&process(
                "openconnect",
                None,
                Some(&["openconnect", "--protocol=gp", "-i", "gptun", "vpn.example"]),
            ))
            .unwrap();
        assert_eq!(e.vendor, Vendor::GlobalProtect);
    }

    #[test]
    fn openconnect_interface_argument_is_read_in_all_spellings() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            interface_argument(&args(&["-i", "tun7"])).as_deref(),
            Some("tun7")
        );
        assert_eq!(
            interface_argument(&args(&["--interface=gp0"])).as_deref(),
            Some("gp0")
        );
        assert_eq!(
            interface_argument(&args(&["--interface", "x"])).as_deref(),
            Some("x")
        );
        assert_eq!(interface_argument(&args(&["-v"])), None);
    }
}
