//! Windows and macOS: sockets with their owning PIDs through netstat2. The OS tables give a
//! UDP socket no peer.

use std::net::SocketAddr;

use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo, TcpState};

use crate::snapshot::{Protocol, Socket};

pub(super) fn collect() -> Result<Vec<Socket>, String> {
    let infos = netstat2::get_sockets_info(
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    )
    .map_err(|e| format!("cannot list sockets: {e}"))?;
    Ok(infos
        .into_iter()
        .map(|info| {
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
                    uid: None,
                },
                ProtocolSocketInfo::Udp(udp) => Socket {
                    protocol: Protocol::Udp,
                    local: SocketAddr::new(udp.local_addr, udp.local_port),
                    remote: None,
                    state: None,
                    pids,
                    uid: None,
                },
            }
        })
        .collect())
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
