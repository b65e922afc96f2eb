//! A TLS server stand-in for the scenario tests (`[[servers]] tls_issuer = "…"` in
//! tests/scenarios/): listens on each TCP ADDR, completes a TLS handshake with every client
//! and then holds the connection. Its certificate is generated at start (rcgen), signed by a
//! CA whose common name is ISSUER, as a TLS-inspecting proxy (Zscaler's, Palo Alto's) signs
//! the certificates it shows, or any other issuer for a server reached directly.
//!
//! ```text
//! tls_standin ISSUER ADDR...
//! ```
//!
//! Prints `ready` once every listener is bound; exits when its stdin closes.

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

fn config(issuer: &str) -> Result<Arc<ServerConfig>, String> {
    let fail = |e: rcgen::Error| format!("certificate: {e}");
    let ca_key = KeyPair::generate().map_err(fail)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, issuer);
    let ca_cert = ca.self_signed(&ca_key).map_err(fail)?;
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = KeyPair::generate().map_err(fail)?;
    // Any name the client sends: a proxy mints one per name; the client checks nothing.
    let leaf = CertificateParams::new(vec!["stand-in.invalid".to_string()]).map_err(fail)?;
    let leaf = leaf.signed_by(&key, &issuer).map_err(fail)?;
    let chain = vec![leaf.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(
            chain.into_iter().map(CertificateDer::into_owned).collect(),
            key,
        )
        .map_err(|e| format!("TLS: {e}"))?;
    Ok(Arc::new(config))
}

fn serve(stream: TcpStream, config: Arc<ServerConfig>) {
    let Ok(connection) = ServerConnection::new(config) else {
        return;
    };
    let mut tls = StreamOwned::new(connection, stream);
    // Reading drives the handshake; then hold until the client goes.
    let mut buffer = [0u8; 4096];
    while let Ok(n) = tls.read(&mut buffer) {
        if n == 0 {
            break;
        }
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((issuer, addresses)) = args.split_first() else {
        eprintln!("usage: tls_standin ISSUER ADDR...");
        return std::process::ExitCode::from(2);
    };
    let config = match config(issuer) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("tls_standin: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    for address in addresses {
        let listener = match TcpListener::bind(address.as_str()) {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("tls_standin: cannot listen on {address}: {e}");
                return std::process::ExitCode::from(1);
            }
        };
        let config = config.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = config.clone();
                thread::spawn(move || serve(stream, config));
            }
        });
    }
    println!("ready");
    let _ = std::io::stdout().flush();
    // Until the harness closes stdin.
    for _ in std::io::stdin().lock().lines() {}
    std::process::ExitCode::SUCCESS
}
