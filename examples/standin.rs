//! A stand-in for an SSE client's process (or an application, or a server), for the scenario
//! tests in `tests/scenarios/`. The harness copies this program under a vendor's process name
//! (`PanGPS`, `ZSATunnel`, `GlobalSecureAccessTunnelingService`, …) so that ssetop recognises it
//! by name, and runs it inside the scenario's network namespace.
//!
//! ```text
//! standin hold                         wait until stdin closes (a namespace's first process)
//! standin serve ADDR...                listen on each TCP ADDR, accept and hold connections
//! standin client [--listen ADDR]... [--connect ADDR]... [--reconnect]
//!                                      listen and connect like a client, then hold everything
//! ```
//!
//! Every mode prints `ready` on stdout once its sockets are up (listeners bound, connections
//! established), so the harness waits on that line instead of on time. A client then reports
//! `lost ADDR` when a connection ends and, with `--reconnect`, retries every 200 ms and reports
//! `reconnected ADDR`. Every mode exits when its stdin closes: when the harness ends, even
//! killed, its stand-ins end with it.
//!
//! Only the standard library, so that the same program builds for Windows (the Wine runner).

use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

/// The pause between two reconnection attempts: the stand-in's own behaviour, not a test wait.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // The harness reads these lines; if it is gone, nobody listens any more.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|e| format!("{text:?} is not an ip:port address: {e}"))
}

/// Reads and discards until the peer closes; returns why it ended.
fn drain(mut stream: TcpStream) -> String {
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return "closed by peer".to_string(),
            Ok(_) => {}
            Err(e) => return e.to_string(),
        }
    }
}

fn listen(addr: SocketAddr) -> Result<(), String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || drain(stream));
        }
    });
    Ok(())
}

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Holds one connection; reports its end and, with `reconnect`, opens it again.
fn hold(addr: SocketAddr, mut stream: TcpStream, reconnect: bool) {
    loop {
        let why = drain(stream);
        say(&format!("lost {addr} ({why})"));
        if !reconnect {
            return;
        }
        stream = loop {
            match connect(addr) {
                Ok(s) => break s,
                Err(_) => thread::sleep(RETRY_PAUSE),
            }
        };
        say(&format!("reconnected {addr}"));
    }
}

fn client(args: &[String]) -> Result<(), String> {
    let mut listens = Vec::new();
    let mut connects = Vec::new();
    let mut reconnect = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listens.push(parse_addr(args.next().ok_or("--listen needs ADDR")?)?),
            "--connect" => connects.push(parse_addr(args.next().ok_or("--connect needs ADDR")?)?),
            "--reconnect" => reconnect = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    for addr in listens {
        listen(addr)?;
    }
    let mut held = Vec::new();
    for addr in connects {
        let stream = connect(addr).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        held.push((addr, stream));
    }
    for (addr, stream) in held {
        thread::spawn(move || hold(addr, stream, reconnect));
    }
    Ok(())
}

fn serve(args: &[String]) -> Result<(), String> {
    if args.is_empty() {
        return Err("serve needs at least one ADDR".into());
    }
    for arg in args {
        listen(parse_addr(arg)?)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = args.first() else {
        eprintln!(
            "usage: standin hold | serve ADDR... | client [--listen ADDR]... [--connect ADDR]... [--reconnect]"
        );
        return ExitCode::from(2);
    };
    let started = match mode.as_str() {
        "hold" => Ok(()),
        "serve" => serve(&args[1..]),
        "client" => client(&args[1..]),
        other => Err(format!("unknown mode {other:?}")),
    };
    if let Err(why) = started {
        eprintln!("standin: {why}");
        return ExitCode::from(1);
    }
    say("ready");
    // Block until stdin closes; the other threads hold the sockets meanwhile.
    let mut lines = std::io::stdin().lock().lines();
    while let Some(Ok(_)) = lines.next() {}
    ExitCode::SUCCESS
}
