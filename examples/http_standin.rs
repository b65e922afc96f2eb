//! An HTTP(S) server stand-in for the scenario tests (`[[servers]] http = {…}` in
//! tests/scenarios/): answers every request on each TCP ADDR with one fixed answer, then holds
//! the connection until the client goes (a prober reads the socket table meanwhile). With
//! `--tls CERT KEY` (DER files the harness wrote: a certificate its own scenario CA issued for
//! the names the scenario gives) it speaks HTTPS.
//!
//! ```text
//! http_standin [--tls CERT.der KEY.der] --status N [--body TEXT] [--location URL] ADDR...
//! ```
//!
//! Prints `ready` once every listener is bound; exits when its stdin closes.

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

struct Options {
    tls: Option<Arc<ServerConfig>>,
    answer: Arc<Vec<u8>>,
    addresses: Vec<String>,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Answer",
    }
}

fn tls_config(cert: &str, key: &str) -> Result<Arc<ServerConfig>, String> {
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"));
    let cert = CertificateDer::from(read(cert)?);
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(read(key)?));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| format!("TLS: {e}"))?;
    Ok(Arc::new(config))
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut tls, mut status, mut body, mut location, mut addresses) =
        (None, None, String::new(), None, Vec::new());
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--tls" => {
                let cert = value()?;
                let key = args.next().ok_or("--tls needs CERT and KEY")?;
                tls = Some(tls_config(&cert, &key)?);
            }
            "--status" => {
                status = Some(
                    value()?
                        .parse::<u16>()
                        .map_err(|e| format!("--status: {e}"))?,
                )
            }
            "--body" => body = value()?,
            "--location" => location = Some(value()?),
            _ => addresses.push(arg),
        }
    }
    let status = status.ok_or("--status is required")?;
    let mut answer = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n",
        reason(status),
        body.len()
    );
    if let Some(location) = location {
        answer.push_str(&format!("Location: {location}\r\n"));
    }
    answer.push_str("\r\n");
    answer.push_str(&body);
    Ok(Options {
        tls,
        answer: Arc::new(answer.into_bytes()),
        addresses,
    })
}

/// Reads the request's head, writes the answer, then holds until the client closes.
fn exchange(stream: &mut (impl Read + Write), answer: &[u8]) {
    let mut request: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend(buffer.iter().take(n)),
        }
    }
    if stream
        .write_all(answer)
        .and_then(|()| stream.flush())
        .is_err()
    {
        return;
    }
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
    }
}

fn serve(stream: TcpStream, tls: Option<Arc<ServerConfig>>, answer: Arc<Vec<u8>>) {
    match tls {
        Some(config) => {
            let Ok(connection) = ServerConnection::new(config) else {
                return;
            };
            exchange(&mut StreamOwned::new(connection, stream), &answer);
        }
        None => exchange(&mut { stream }, &answer),
    }
}

fn main() -> std::process::ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("http_standin: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    for address in &options.addresses {
        let listener = match TcpListener::bind(address.as_str()) {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("http_standin: cannot listen on {address}: {e}");
                return std::process::ExitCode::from(1);
            }
        };
        let (tls, answer) = (options.tls.clone(), options.answer.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (tls, answer) = (tls.clone(), answer.clone());
                thread::spawn(move || serve(stream, tls, answer));
            }
        });
    }
    println!("ready");
    let _ = std::io::stdout().flush();
    // Until the harness closes stdin.
    for _ in std::io::stdin().lock().lines() {}
    std::process::ExitCode::SUCCESS
}
