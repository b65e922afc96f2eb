//! TCP and UDP sockets, IPv4 and IPv6, with their owning processes.
//!
//! Linux reads the kernel's table over `sock_diag` (`diag.rs`; it also gives a connected UDP
//! socket's peer) and keeps the owners between reads (`owners.rs`). Windows and macOS read
//! through netstat2 (`netstat.rs`). Both lists are put in order here, so that an idle device
//! reads the same every time and a shared socket's first owner is always the same.

#[cfg(target_os = "linux")]
mod diag;
#[cfg(not(target_os = "linux"))]
mod netstat;
#[cfg(target_os = "linux")]
mod owners;

use super::{JobEnded, JobResult};
use crate::snapshot::Socket;

/// How long the first read waits for the other sources' first reads in all (at scale on a
/// 2-core machine: 600 processes in 20 ms, 50,000 routes in 55 ms; a process stuck in the
/// kernel can hold up its `/proc` files).
#[cfg(target_os = "linux")]
const OTHERS_FIRST_AT_MOST: std::time::Duration = std::time::Duration::from_millis(200);

/// Reads sockets; keeps what a next read can reuse (on Linux, the socket owners).
#[derive(Debug, Default)]
pub(crate) struct SocketReader {
    #[cfg(target_os = "linux")]
    owners: owners::OwnerIndex,
    #[cfg(target_os = "linux")]
    read_before: bool,
}

impl SocketReader {
    /// `routes` and `processes` end with those sources' reads of the same sample, if they
    /// started.
    pub(crate) fn collect(
        &mut self,
        routes: JobEnded,
        processes: JobEnded,
    ) -> JobResult<Vec<Socket>> {
        #[cfg(target_os = "linux")]
        let mut sockets = {
            // The first read of the owners reads every descriptor of every process, on every
            // core: at scale the longest first read by far. Run beside the routes' dump and the
            // process table on two cores, it held them to 1.5 and 2 times their own time. So
            // the shortest go first: this source starts reading once the process table is read,
            // and its scan takes more cores once the routes are, which keeps the cores busy
            // without oversubscribing them. Later reads look only at changed tables and do not
            // wait. A first read that fails still counts: a `sock_diag` that keeps failing must
            // not wait at every tick.
            let first = !std::mem::replace(&mut self.read_before, true);
            let deadline = std::time::Instant::now() + OTHERS_FIRST_AT_MOST;
            if first {
                processes.wait(deadline);
            }
            let listed = diag::dump_all()?;
            self.owners.resolve(
                listed.iter().map(|s| s.inode),
                first.then_some((routes, deadline)),
            );
            listed
                .into_iter()
                .map(|s| Socket {
                    protocol: s.protocol,
                    local: s.local,
                    remote: s.remote,
                    state: s.state.map(str::to_string),
                    pids: self.owners.owners(s.inode).to_vec(),
                    uid: Some(s.uid),
                })
                .collect::<Vec<_>>()
        };
        #[cfg(not(target_os = "linux"))]
        let mut sockets = {
            drop((routes, processes));
            netstat::collect()?
        };
        drop_own_dns_sockets(&mut sockets, std::process::id());
        put_in_order(&mut sockets);
        let ownerless = sockets.iter().filter(|s| s.pids.is_empty()).count();
        // Why owners are missing (privilege) is the analysis's to say: it knows the host.
        let note = (ownerless > 0).then(|| {
            format!(
                "{ownerless} of {} sockets without an owning process",
                sockets.len()
            )
        });
        Ok((sockets, note))
    }
}

/// ssetop's own DNS queries (the edge names it resolves) are not the device's traffic: without
/// this they would come and go as connections at each DNS refresh. Its other sockets stay (a
/// `flow-test --connect` finds and attributes its own connection).
fn drop_own_dns_sockets(sockets: &mut Vec<Socket>, own_pid: u32) {
    use crate::snapshot::Protocol;
    sockets.retain(|s| {
        let own = s.pids == [own_pid];
        let dns = s.remote.is_some_and(|r| r.port() == 53)
            || (s.protocol == Protocol::Udp && s.remote.is_none());
        !(own && dns)
    });
}

/// Owners by pid (lowest first, once each); sockets by protocol, local and remote endpoint,
/// state, owners.
pub(crate) fn put_in_order(sockets: &mut [Socket]) {
    for socket in sockets.iter_mut() {
        socket.pids.sort_unstable();
        socket.pids.dedup();
    }
    sockets.sort_by(|a, b| {
        (a.protocol, a.local, a.remote, &a.state, &a.pids, a.uid)
            .cmp(&(b.protocol, b.local, b.remote, &b.state, &b.pids, b.uid))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Protocol;

    fn socket(protocol: Protocol, local: &str, remote: Option<&str>, pids: &[u32]) -> Socket {
        Socket {
            protocol,
            local: local.parse().unwrap(),
            remote: remote.map(|r| r.parse().unwrap()),
            state: (protocol == Protocol::Tcp).then(|| "ESTABLISHED".to_string()),
            pids: pids.to_vec(),
            uid: None,
        }
    }

    #[test]
    fn ssetops_own_dns_sockets_are_not_listed_but_its_other_sockets_and_others_dns_are() {
        let me = 4242;
        let mut read = vec![
            socket(Protocol::Udp, "0.0.0.0:40000", None, &[me]),
            socket(
                Protocol::Udp,
                "10.0.0.2:40001",
                Some("10.53.0.53:53"),
                &[me],
            ),
            socket(
                Protocol::Tcp,
                "10.0.0.2:40002",
                Some("10.53.0.53:53"),
                &[me],
            ),
            socket(
                Protocol::Tcp,
                "10.0.0.2:40003",
                Some("52.96.1.10:443"),
                &[me],
            ),
            socket(Protocol::Udp, "0.0.0.0:5353", None, &[7]),
            socket(Protocol::Udp, "10.0.0.2:40004", Some("10.53.0.53:53"), &[7]),
        ];
        drop_own_dns_sockets(&mut read, me);
        let left: Vec<(u16, &[u32])> = read.iter().map(|s| (s.local.port(), &s.pids[..])).collect();
        assert_eq!(
            left,
            [(40003, &[me][..]), (5353, &[7][..]), (40004, &[7][..])]
        );
    }

    #[test]
    fn sockets_and_their_owners_are_put_in_a_stable_order() {
        let mut read = vec![
            socket(Protocol::Udp, "0.0.0.0:53", None, &[7]),
            socket(Protocol::Tcp, "[::1]:8080", Some("[::1]:50000"), &[9]),
            socket(
                Protocol::Tcp,
                "10.0.0.2:50001",
                Some("1.1.1.1:443"),
                &[4300, 812, 4300],
            ),
            socket(Protocol::Tcp, "10.0.0.2:50000", Some("1.1.1.1:443"), &[]),
        ];
        let mut other_read = read.clone();
        other_read.reverse();
        other_read[1].pids.reverse();
        put_in_order(&mut read);
        put_in_order(&mut other_read);
        assert_eq!(read, other_read);
        let listed: Vec<String> = read
            .iter()
            .map(|s| format!("{} {} {:?}", s.protocol.id(), s.local, s.pids))
            .collect();
        assert_eq!(
            listed,
            [
                "tcp 10.0.0.2:50000 []",
                "tcp 10.0.0.2:50001 [812, 4300]",
                "tcp [::1]:8080 [9]",
                "udp 0.0.0.0:53 [7]",
            ]
        );
    }
}
