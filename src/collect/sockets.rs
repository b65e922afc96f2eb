//! TCP and UDP sockets, IPv4 and IPv6, with their owning processes (netstat2).

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
    let sockets: Vec<Socket> = infos
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
