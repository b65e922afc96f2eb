//! Holds many established TCP connections for the scale harness (`scripts/scale.sh`): listens on
//! ADDR (port 0 picks one), opens COUNT connections to itself, accepts them, prints `ready` and
//! keeps all 2 × COUNT sockets open until stdin closes. One thread, no per-connection work, so
//! that the harness measures ssetop and the OS's tools, not the holders.
//!
//! ```text
//! scale_holder ADDR COUNT
//! ```
//!
//! Only the standard library.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

fn hold(addr: SocketAddr, count: usize) -> Result<(), String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let target = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?;
    let mut held = Vec::with_capacity(2 * count);
    for _ in 0..count {
        // The backlog holds a pending connection until it is accepted right below.
        let client =
            TcpStream::connect(target).map_err(|e| format!("cannot connect to {target}: {e}"))?;
        let (server, _) = listener
            .accept()
            .map_err(|e| format!("cannot accept on {target}: {e}"))?;
        held.push(client);
        held.push(server);
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready {target}");
    let _ = out.flush();
    drop(out);
    // Until the harness closes stdin (or ends, killed or not).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(held);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [addr, count] => addr
            .parse::<SocketAddr>()
            .map_err(|e| format!("{addr:?} is not an ip:port address: {e}"))
            .and_then(|a| {
                count
                    .parse::<usize>()
                    .map(|c| (a, c))
                    .map_err(|e| format!("{count:?} is not a count: {e}"))
            }),
        _ => Err("usage: scale_holder ADDR COUNT".to_string()),
    };
    match parsed.and_then(|(addr, count)| hold(addr, count)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scale_holder: {e}");
            ExitCode::FAILURE
        }
    }
}
