//! Linux: which processes hold a socket, by its inode, kept between reads.
//!
//! The kernel does not say who holds a socket; the only way is each process's descriptor table
//! (`/proc/PID/fd/*` → `socket:[INODE]`), one `readlink` per descriptor. Doing that for every
//! descriptor of every process on every tick was most of ssetop's cost on a busy machine, so
//! the index is kept between reads and a process's table is read again only when needed:
//! - nothing at all is read while every socket's owner is known;
//! - otherwise, only processes not read before, or whose descriptor count changed (Linux ≥ 6.2
//!   reports it as the size of `/proc/PID/fd`; on older kernels the size is 0 and such a
//!   process is read again each time owners are missing).
//!
//! - a process can close a descriptor and open a socket between two reads, leaving its count
//!   unchanged: when sockets are still unknown after the pass above, every table is read once
//!   more; sockets that even that leaves unknown (held by another user's processes, which an
//!   unprivileged ssetop cannot read, or closed meanwhile) trigger no further full pass for
//!   the next [`UNPLACEABLE_SAMPLES`] reads (the cheap pass above still runs for them).
//!
//! What this gives up: a process that gains a socket another process already holds (a fork
//! sharing its parent's listener) is not added as a second owner until that socket is unknown
//! for another reason; the first owner, the one the analysis reads first, stays right.

use std::collections::HashMap;

use std::fmt::Write as _;
use std::fs;
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirEntryExt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rustix::fs::{Dir, Mode, OFlags};

use crate::collect::JobEnded;

/// How many reads a socket that no descriptor table holds waits before another full pass.
const UNPLACEABLE_SAMPLES: u32 = 10;

/// At most this many threads read descriptor tables at once.
const SCAN_THREADS: usize = 4;
/// Each thread past the first gets at least this many processes to read: below that, starting
/// a thread costs more than it saves.
const PROCESSES_PER_SCAN_THREAD: usize = 64;

/// A process whose descriptor table was read.
#[derive(Debug)]
struct ReadProcess {
    /// The inode of `/proc/PID`: a new process under a reused pid has another.
    proc_inode: u64,
    /// The size of `/proc/PID/fd` when it was read (its number of descriptors on Linux ≥ 6.2).
    descriptors: u64,
    sockets: Vec<u32>,
}

/// Socket inode → the pids holding it, kept up to date across reads.
#[derive(Debug, Default)]
pub(crate) struct OwnerIndex {
    processes: HashMap<u32, ReadProcess>,
    owners: HashMap<u32, Vec<u32>>,
    /// Sockets a full pass could not place, with the reads since: no full pass is made for
    /// them until [`UNPLACEABLE_SAMPLES`] reads have passed.
    unplaceable: HashMap<u32, u32>,
    /// Full passes made by the last `resolve` (for tests).
    pub(crate) full_passes: usize,
    /// Descriptor tables read by the last `resolve` (for tests and the harness's reasoning).
    pub(crate) tables_read: usize,
}

impl OwnerIndex {
    /// The owners of `inode`, lowest pid first; empty when unknown.
    pub(crate) fn owners(&self, inode: u32) -> &[u32] {
        self.owners.get(&inode).map_or(&[], Vec::as_slice)
    }

    /// Brings the index up to date for these sockets (0 = held by no process, never looked for).
    /// Helper threads start once the job `helpers_after` names ended, or at its deadline.
    pub(crate) fn resolve(
        &mut self,
        inodes: impl Iterator<Item = u32> + Clone,
        helpers_after: Option<(JobEnded, Instant)>,
    ) {
        let helpers_after = Mutex::new(helpers_after);
        self.tables_read = 0;
        let running = running_processes();
        // Processes that ended take their sockets with them.
        let ended: Vec<u32> = self
            .processes
            .iter()
            .filter(|(pid, read)| running.get(pid) != Some(&read.proc_inode))
            .map(|(pid, _)| *pid)
            .collect();
        for pid in ended {
            self.forget(pid);
        }
        self.full_passes = 0;
        // Age the sockets a full pass could not place; forget those no longer asked about.
        let asked: std::collections::HashSet<u32> = inodes.clone().collect();
        self.unplaceable
            .retain(|inode, reads| asked.contains(inode) && *reads < UNPLACEABLE_SAMPLES);
        for reads in self.unplaceable.values_mut() {
            *reads += 1;
        }
        let unknown = |index: &OwnerIndex| -> Vec<u32> {
            inodes
                .clone()
                .filter(|inode| *inode != 0 && !index.owners.contains_key(inode))
                .collect()
        };
        if unknown(self).is_empty() {
            return;
        }
        let mut pids: Vec<(u32, u64)> = running.into_iter().collect();
        pids.sort_unstable();
        self.read_tables(&pids, false, &helpers_after);
        let still: Vec<u32> = unknown(self)
            .into_iter()
            .filter(|inode| !self.unplaceable.contains_key(inode))
            .collect();
        if still.is_empty() {
            return;
        }
        self.full_passes += 1;
        self.read_tables(&pids, true, &helpers_after);
        for inode in still {
            if !self.owners.contains_key(&inode) {
                self.unplaceable.insert(inode, 0);
            }
        }
    }

    /// Reads the descriptor tables of `pids`: those not read before or whose descriptor count
    /// changed, or (`all`) every one.
    ///
    /// On a first read or a full pass that is one `readlink` per descriptor on the machine
    /// (tens of thousands at scale, most of the sockets source's time), so the tables are then
    /// read by up to [`SCAN_THREADS`] threads, each taking the next few processes not yet taken
    /// (a busy process takes one thread a while; the others go on); the index is updated
    /// afterwards, on this thread.
    fn read_tables(
        &mut self,
        pids: &[(u32, u64)],
        all: bool,
        helpers_after: &Mutex<Option<(JobEnded, Instant)>>,
    ) {
        // Later reads look only at the few processes whose table changed: one thread.
        let threads = if all || self.processes.is_empty() {
            std::thread::available_parallelism()
                .map_or(1, usize::from)
                .clamp(1, SCAN_THREADS)
                .min(pids.len().div_ceil(PROCESSES_PER_SCAN_THREAD).max(1))
        } else {
            1
        };
        self.read_tables_on(pids, all, threads, helpers_after);
    }

    fn read_tables_on(
        &mut self,
        pids: &[(u32, u64)],
        all: bool,
        threads: usize,
        helpers_after: &Mutex<Option<(JobEnded, Instant)>>,
    ) {
        /// Processes taken at a time: few enough to share the work evenly, enough that the
        /// threads rarely meet on the counter.
        const TAKEN_AT_ONCE: usize = 8;
        let index: &OwnerIndex = self;
        let next = AtomicUsize::new(0);
        let scan = || -> Vec<(u32, ReadProcess)> {
            let mut read = Vec::new();
            loop {
                let first = next.fetch_add(TAKEN_AT_ONCE, Ordering::Relaxed);
                let Some(taken) = pids.get(first..pids.len().min(first + TAKEN_AT_ONCE)) else {
                    return read;
                };
                read.extend(
                    taken
                        .iter()
                        .filter_map(|&(pid, proc_inode)| index.read_table(pid, proc_inode, all)),
                );
            }
        };
        let read: Vec<Vec<(u32, ReadProcess)>> = if threads <= 1 {
            vec![scan()]
        } else {
            std::thread::scope(|scope| {
                // Helpers that cannot be started leave their share to this thread.
                let helpers: Vec<_> = (1..threads)
                    .filter_map(|_| {
                        std::thread::Builder::new()
                            .name("socket-owners".into())
                            .spawn_scoped(scope, || {
                                // The first helper waits (until the job ends, or nothing is
                                // left to take); the others wait for it.
                                if let Ok(mut after) = helpers_after.lock()
                                    && let Some((job, deadline)) = after.take()
                                {
                                    job.wait_while(deadline, || {
                                        next.load(Ordering::Relaxed) < pids.len()
                                    });
                                }
                                scan()
                            })
                            .ok()
                    })
                    .collect();
                let mut read = vec![scan()];
                // A helper that panicked read nothing: its processes stay as they were.
                read.extend(helpers.into_iter().filter_map(|h| h.join().ok()));
                read
            })
        };
        for (pid, table) in read.into_iter().flatten() {
            self.tables_read += 1;
            self.forget(pid);
            for &inode in &table.sockets {
                let owners = self.owners.entry(inode).or_default();
                if let Err(at) = owners.binary_search(&pid) {
                    owners.insert(at, pid);
                }
            }
            self.processes.insert(pid, table);
        }
    }

    /// One process's descriptor table, unless it is unchanged since it was read (and not
    /// `all`), ended, or this user may not read it.
    fn read_table(&self, pid: u32, proc_inode: u64, all: bool) -> Option<(u32, ReadProcess)> {
        let mut path = String::with_capacity(24);
        let _ = write!(path, "/proc/{pid}/fd");
        // One call tells an unchanged table; the directory is opened only to be read.
        let descriptors = u64::try_from(rustix::fs::stat(path.as_str()).ok()?.st_size).unwrap_or(0);
        let unchanged = !all
            && self.processes.get(&pid).is_some_and(|read| {
                read.proc_inode == proc_inode && descriptors != 0 && read.descriptors == descriptors
            });
        if unchanged {
            return None;
        }
        let fd_dir = rustix::fs::open(
            path.as_str(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok()?;
        let sockets = socket_inodes(fd_dir)?;
        Some((
            pid,
            ReadProcess {
                proc_inode,
                descriptors,
                sockets,
            },
        ))
    }

    fn forget(&mut self, pid: u32) {
        let Some(read) = self.processes.remove(&pid) else {
            return;
        };
        for inode in read.sockets {
            if let Some(owners) = self.owners.get_mut(&inode) {
                owners.retain(|p| *p != pid);
                if owners.is_empty() {
                    self.owners.remove(&inode);
                }
            }
        }
    }
}

/// Running processes: pid → inode of `/proc/PID` (from the directory listing, no extra call).
fn running_processes() -> HashMap<u32, u64> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((pid, entry.ino()))
        })
        .collect()
}

/// The socket inodes among a process's descriptors; `None` when the table cannot be read.
///
/// Each descriptor is read relative to the open `/proc/PID/fd` (`readlinkat`), not by its full
/// path: the kernel then looks up one name per descriptor instead of four (what `ss -p` does),
/// and nothing is allocated per descriptor but the directory entry.
fn socket_inodes(fd_dir: OwnedFd) -> Option<Vec<u32>> {
    let mut dir = Dir::new(fd_dir).ok()?;
    let mut sockets = Vec::new();
    // `socket:[4294967295]` is 19 bytes; a longer link is not a socket.
    let mut link = [0u8; 32];
    while let Some(entry) = dir.read() {
        let Ok(entry) = entry else {
            // The process ended while its table was read.
            return None;
        };
        let name = entry.file_name();
        if name.to_bytes().first() == Some(&b'.') {
            continue;
        }
        let Ok(dir_fd) = dir.fd() else {
            return None;
        };
        if let Ok(len) = rustix::fs::readlinkat_raw(dir_fd, name, &mut link[..]) {
            if let Some(inode) = link.get(..len).and_then(parse_socket_link) {
                sockets.push(inode);
            }
        }
    }
    sockets.sort_unstable();
    sockets.dedup();
    Some(sockets)
}

/// `socket:[12345]` → 12345; anything else (files, pipes, `anon_inode:…`) → `None`.
fn parse_socket_link(target: &[u8]) -> Option<u32> {
    let digits = target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::os::unix::fs::MetadataExt;

    use super::*;

    #[test]
    fn socket_links_are_told_from_other_descriptors() {
        assert_eq!(parse_socket_link(b"socket:[4294967296]"), None); // above u32: not an inode
        assert_eq!(parse_socket_link(b"socket:[123456]"), Some(123_456));
        assert_eq!(parse_socket_link(b"pipe:[123456]"), None);
        assert_eq!(parse_socket_link(b"anon_inode:[eventpoll]"), None);
        assert_eq!(parse_socket_link(b"/tmp/socket:[1]"), None);
        assert_eq!(parse_socket_link(b"socket:[-1]"), None);
    }

    fn inode_of(descriptor: &impl std::os::fd::AsRawFd) -> u32 {
        let link = fs::read_link(format!("/proc/self/fd/{}", descriptor.as_raw_fd())).unwrap();
        parse_socket_link(link.as_os_str().as_encoded_bytes()).unwrap()
    }

    /// Tables read by several threads give the index one thread gives.
    #[test]
    fn tables_read_in_parallel_give_the_same_owners_and_helpers_held_back_never_hold_up_the_scan() {
        let listeners: Vec<TcpListener> = (0..5)
            .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let mut pids: Vec<(u32, u64)> = running_processes().into_iter().collect();
        pids.sort_unstable();
        let mut one = OwnerIndex::default();
        one.read_tables_on(&pids, true, 1, &Mutex::new(None));
        let mut three = OwnerIndex::default();
        three.read_tables_on(&pids, true, 3, &Mutex::new(None));
        for listener in &listeners {
            let inode = inode_of(listener);
            assert_eq!(three.owners(inode), [std::process::id()]);
            assert_eq!(three.owners(inode), one.owners(inode));
        }
        // (Other tests open and close sockets meanwhile: only this test's are compared.)
        // Helpers held back by a job that does not end: this thread reads every table, and
        // the helpers, with nothing left to take, stop waiting.
        let (_never_ends, ended) = crate::collect::job_end();
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        let (done, read) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut held_back = OwnerIndex::default();
            held_back.read_tables_on(&pids, true, 3, &Mutex::new(Some((ended, far))));
            let _ = done.send(held_back);
        });
        let held_back = read
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("helpers waiting on a job kept the scan from ending");
        for listener in &listeners {
            let inode = inode_of(listener);
            assert_eq!(held_back.owners(inode), [std::process::id()]);
        }
        assert!(three.tables_read > 1 && one.tables_read > 1);
    }

    /// This test process holding a socket is found as its owner; a second read with every
    /// owner known reads no descriptor table; a new socket makes its process read again.
    #[test]
    fn owners_are_found_once_and_known_owners_cost_nothing() {
        let first = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut index = OwnerIndex::default();
        index.resolve([inode_of(&first), 0].into_iter(), None);
        assert_eq!(index.owners(inode_of(&first)), [std::process::id()]);
        assert!(index.tables_read > 0);
        assert!(index.owners(0).is_empty());

        index.resolve([inode_of(&first), 0].into_iter(), None);
        assert_eq!(index.tables_read, 0, "nothing unknown, nothing read");

        let second = TcpListener::bind("127.0.0.1:0").unwrap();
        index.resolve([inode_of(&first), inode_of(&second)].into_iter(), None);
        assert!(index.tables_read > 0);
        assert_eq!(index.owners(inode_of(&second)), [std::process::id()]);
        // A descriptor closed and a socket opened between two reads: the count is the same,
        // and the socket is still found (by the full pass unknown sockets trigger).
        let file = fs::File::open("/proc/self/stat").unwrap();
        index.resolve([inode_of(&first), inode_of(&second)].into_iter(), None);
        drop(file);
        let third = TcpListener::bind("127.0.0.1:0").unwrap();
        index.resolve(
            [inode_of(&first), inode_of(&second), inode_of(&third)].into_iter(),
            None,
        );
        assert_eq!(index.owners(inode_of(&third)), [std::process::id()]);
        // A socket nobody can be found holding triggers one full pass, not one per read,
        // until it has waited its reads.
        index.resolve([inode_of(&first), 4_000_000_000].into_iter(), None);
        assert_eq!(index.full_passes, 1);
        for _ in 0..UNPLACEABLE_SAMPLES {
            index.resolve([inode_of(&first), 4_000_000_000].into_iter(), None);
            assert_eq!(index.full_passes, 0, "a known-unplaceable socket waits");
        }
        index.resolve([inode_of(&first), 4_000_000_000].into_iter(), None);
        assert_eq!(index.full_passes, 1, "then it is looked for once more");
        index.resolve([inode_of(&first), 4_000_000_000].into_iter(), None);
        assert_eq!(index.full_passes, 0);
        // The directory's size is the descriptor count on Linux >= 6.2, 0 before.
        let size = fs::metadata("/proc/self/fd").unwrap().size();
        assert!(size == 0 || size >= 3, "{size}");
    }
}
