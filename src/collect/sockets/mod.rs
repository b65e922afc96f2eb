//! TCP and UDP sockets, IPv4 and IPv6, with their owning processes (netstat2).
//!
//! netstat2 gives a socket's owners from a hash set (on Linux a different order on every read)
//! and lists sockets in the kernel's hash-table order: both are put in order here, so that an
//! idle device reads the same every time and a shared socket's first owner is always the same.

use std::net::SocketAddr;

use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo, TcpState};

use super::JobResult;
use crate::snapshot::{Protocol, Socket};

pub fn collect() -> JobResult<Vec<Socket>> {
    let infos = netstat2::get_sockets_info(
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    )
    .map_err(|e| format!("cannot list sockets: {e}"))?;
    let mut sockets: Vec<Socket> = infos
        .into_iter()
        .map(|info| {
            #[cfg(target_os = "linux")]
            let uid = Some(info.uid);
            #[cfg(not(target_os = "linux"))]
            let uid = None;
            // Under Wine and on Windows without privilege, "no owner" comes back as PID 0.
            let pids: Vec<u32> = info
                .associated_pids
                .into_iter()
                .filter(|p| *p != 0)
                .collect();
            match info.protocol_socket_info {
                ProtocolSocketInfo::Tcp(tcp) => Socket {
                    protocol: Protocol::Tcp,
                    local: SocketAddr::new(tcp.local_addr, tcp.local_port),
                    remote: (!tcp.remote_addr.is_unspecified() || tcp.remote_port != 0)
                        .then(|| SocketAddr::new(tcp.remote_addr, tcp.remote_port)),
                    state: Some(tcp_state(tcp.state).to_string()),
                    pids,
                    uid,
                },
                ProtocolSocketInfo::Udp(udp) => Socket {
                    protocol: Protocol::Udp,
                    local: SocketAddr::new(udp.local_addr, udp.local_port),
                    remote: None,
                    state: None,
                    pids,
                    uid,
                },
            }
        })
        .collect();
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

/// Owners by pid (lowest first, once each); sockets by protocol, local and remote endpoint,
/// state, owners.
pub fn put_in_order(sockets: &mut [Socket]) {
    for socket in sockets.iter_mut() {
        socket.pids.sort_unstable();
        socket.pids.dedup();
    }
    sockets.sort_by(|a, b| {
        (a.protocol, a.local, a.remote, &a.state, &a.pids, a.uid)
            .cmp(&(b.protocol, b.local, b.remote, &b.state, &b.pids, b.uid))
    });
}

fn tcp_state(state: TcpState) -> &'static str {
    match state {
        TcpState::Closed => "CLOSED",
        TcpState::Listen => "LISTEN",
        TcpState::SynSent => "SYN_SENT",
        TcpState::SynReceived => "SYN_RECEIVED",
        TcpState::Established => "ESTABLISHED",
        TcpState::FinWait1 => "FIN_WAIT_1",
        TcpState::FinWait2 => "FIN_WAIT_2",
        TcpState::CloseWait => "CLOSE_WAIT",
        TcpState::Closing => "CLOSING",
        TcpState::LastAck => "LAST_ACK",
        TcpState::TimeWait => "TIME_WAIT",
        TcpState::DeleteTcb => "DELETE_TCB",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
