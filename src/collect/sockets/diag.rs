//! Linux: the kernel's socket table over `sock_diag` netlink, TCP and UDP, IPv4 and IPv6, each
//! socket with its inode (for the owners, see `owners.rs`) and, for a connected UDP socket, its
//! peer (QUIC, DTLS and IPsec-over-UDP tunnels are connected sockets).

use std::net::SocketAddr;

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP};
use netlink_packet_sock_diag::inet::{
    ExtensionFlags, InetRequest, InetResponseHeader, SocketId, StateFlags,
};
use netlink_sys::Socket as NetlinkSocket;
use netlink_sys::SocketAddr as NetlinkAddr;
use netlink_sys::protocols::NETLINK_SOCK_DIAG;

use crate::snapshot::Protocol;

/// One socket as the kernel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiagSocket {
    pub protocol: Protocol,
    pub local: SocketAddr,
    pub remote: Option<SocketAddr>,
    pub state: Option<&'static str>,
    /// 0 for a socket no process holds (TIME_WAIT, an orphan closing down).
    pub inode: u32,
    pub uid: u32,
}

/// The kernel fills a dump message up to the reader's buffer (up to 32 KiB); a larger buffer
/// means fewer `recv` calls for the same table.
const RECEIVE_BUFFER: usize = 64 * 1024;

/// Every TCP and UDP socket of this network namespace.
pub(crate) fn dump_all() -> Result<Vec<DiagSocket>, String> {
    let mut socket =
        NetlinkSocket::new(NETLINK_SOCK_DIAG).map_err(|e| format!("cannot open sock_diag: {e}"))?;
    socket
        .bind_auto()
        .and_then(|_| socket.connect(&NetlinkAddr::new(0, 0)))
        .map_err(|e| format!("cannot open sock_diag: {e}"))?;
    let mut buffer = vec![0u8; RECEIVE_BUFFER];
    let mut sockets = Vec::new();
    for protocol in [IPPROTO_TCP, IPPROTO_UDP] {
        for family in [AF_INET, AF_INET6] {
            dump(&socket, &mut buffer, family, protocol, &mut sockets)?;
        }
    }
    Ok(sockets)
}

#[allow(
    clippy::indexing_slicing,
    reason = "offset < size, and size is what recv wrote into the buffer"
)]
fn dump(
    socket: &NetlinkSocket,
    buffer: &mut [u8],
    family: u8,
    protocol: u8,
    into: &mut Vec<DiagSocket>,
) -> Result<(), String> {
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let mut request = NetlinkMessage::new(
        header,
        SockDiagMessage::InetRequest(InetRequest {
            family,
            protocol,
            extensions: ExtensionFlags::empty(),
            states: StateFlags::all(),
            socket_id: if family == AF_INET {
                SocketId::new_v4()
            } else {
                SocketId::new_v6()
            },
        })
        .into(),
    );
    request.finalize();
    let mut bytes = vec![0u8; request.buffer_len()];
    request.serialize(&mut bytes);
    socket
        .send(&bytes, 0)
        .map_err(|e| format!("cannot ask sock_diag for the socket table: {e}"))?;
    loop {
        let size = socket
            .recv(&mut &mut buffer[..], 0)
            .map_err(|e| format!("cannot read the socket table: {e}"))?;
        let mut offset = 0;
        while offset < size {
            let message: NetlinkMessage<SockDiagMessage> =
                NetlinkMessage::deserialize(&buffer[offset..size])
                    .map_err(|e| format!("unreadable sock_diag message: {e}"))?;
            let length = message.header.length as usize;
            match message.payload {
                NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(response)) => {
                    into.extend(convert(&response.header, protocol));
                }
                NetlinkPayload::Done(_) => return Ok(()),
                NetlinkPayload::Error(error) => {
                    return Err(format!("sock_diag refused the dump: {}", error.to_io()));
                }
                _ => {}
            }
            if length == 0 {
                return Err("sock_diag sent an empty message".into());
            }
            offset += length;
        }
    }
}

/// The kernel's TCP states (`include/net/tcp_states.h`), in the names the snapshot uses.
fn tcp_state(state: u8) -> &'static str {
    match state {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECEIVED",
        4 => "FIN_WAIT_1",
        5 => "FIN_WAIT_2",
        6 => "TIME_WAIT",
        7 => "CLOSED",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "SYN_RECEIVED",
        _ => "UNKNOWN",
    }
}

fn convert(header: &InetResponseHeader, protocol: u8) -> Option<DiagSocket> {
    let id = &header.socket_id;
    let local = SocketAddr::new(id.source_address, id.source_port);
    let peer = SocketAddr::new(id.destination_address, id.destination_port);
    let has_peer = !peer.ip().is_unspecified() || peer.port() != 0;
    let (protocol, state, remote) = match protocol {
        IPPROTO_TCP => (
            Protocol::Tcp,
            Some(tcp_state(header.state)),
            has_peer.then_some(peer),
        ),
        // A connected UDP socket (connect(2)) carries its peer; an unconnected one has none.
        IPPROTO_UDP => (Protocol::Udp, None, has_peer.then_some(peer)),
        _ => return None,
    };
    Some(DiagSocket {
        protocol,
        local,
        remote,
        state,
        inode: header.inode,
        uid: header.uid,
    })
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream, UdpSocket};

    use super::*;

    /// Real sockets of this test process, read back from the kernel.
    #[test]
    fn the_dump_lists_tcp_connections_and_a_connected_udp_sockets_peer() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let client = TcpStream::connect(server).unwrap();
        let (_accepted, _) = listener.accept().unwrap();
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let unconnected = UdpSocket::bind("127.0.0.1:0").unwrap();
        udp.connect("127.0.0.1:4501").unwrap();

        let sockets = dump_all().unwrap();
        let find = |local: SocketAddr| sockets.iter().find(|s| s.local == local);
        let listening = find(server).filter(|s| s.remote.is_none()).unwrap();
        assert_eq!(listening.state, Some("LISTEN"));
        assert_ne!(listening.inode, 0);
        let connection = find(client.local_addr().unwrap()).unwrap();
        assert_eq!(connection.protocol, Protocol::Tcp);
        assert_eq!(connection.remote, Some(server));
        assert_eq!(connection.state, Some("ESTABLISHED"));
        assert_eq!(connection.uid, nix::unistd::geteuid().as_raw());
        let connected_udp = find(udp.local_addr().unwrap()).unwrap();
        assert_eq!(connected_udp.protocol, Protocol::Udp);
        assert_eq!(
            connected_udp.remote,
            Some("127.0.0.1:4501".parse().unwrap())
        );
        assert_eq!(connected_udp.state, None);
        assert_eq!(
            find(unconnected.local_addr().unwrap()).unwrap().remote,
            None
        );
    }

    #[test]
    fn kernel_tcp_states_have_the_snapshots_names() {
        assert_eq!(tcp_state(1), "ESTABLISHED");
        assert_eq!(tcp_state(6), "TIME_WAIT");
        assert_eq!(tcp_state(10), "LISTEN");
        assert_eq!(tcp_state(200), "UNKNOWN");
    }
}
