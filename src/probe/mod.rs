//! `flow-test --connect` and `--probe`: the only place ssetop opens connections. For
//! `--probe`, [`connect`] (an edge: TCP only) and [`http::get`] (one GET, see there). For
//! `flow-test --connect`: one TCP connection to one
//! address, and on port 443 a TLS handshake with the row's name as SNI, to record who issued
//! the certificate the far end showed (no validation: a TLS-inspecting proxy's certificate is
//! exactly what is looked for). Nothing is sent after the handshake; the connection stays
//! open, held by [`OpenConnection`], until the caller has found it in the OS socket table.

pub(crate) mod http;

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

/// The port on which the handshake is made.
pub(crate) const TLS_PORT: u16 = 443;

/// A connection that is open (held until dropped).
#[derive(Debug)]
pub(crate) struct OpenConnection {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// On port 443: the leaf certificate's issuer (its distinguished name), or why none.
    pub tls: Option<Result<String, String>>,
    _stream: TcpStream,
}

/// Why no connection was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnectError {
    Refused(String),
    TimedOut(String),
    Failed(String),
}

/// Opens one TCP connection to `remote` within `timeout` (the handshake included).
pub(crate) fn open(
    remote: SocketAddr,
    server_name: &str,
    timeout: Duration,
) -> Result<OpenConnection, ConnectError> {
    let started = Instant::now();
    let (stream, local) = connect(remote, timeout)?;
    let tls = (remote.port() == TLS_PORT).then(|| {
        let left = timeout.saturating_sub(started.elapsed());
        certificate_issuer(&stream, server_name, left)
    });
    Ok(OpenConnection {
        local,
        remote,
        tls,
        _stream: stream,
    })
}

/// One TCP connection to `remote` within `timeout`, and its local address; nothing is sent.
pub(crate) fn connect(
    remote: SocketAddr,
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), ConnectError> {
    let started = Instant::now();
    let stream = TcpStream::connect_timeout(&remote, timeout).map_err(|e| match e.kind() {
        io::ErrorKind::ConnectionRefused => ConnectError::Refused(format!("{remote}: {e}")),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ConnectError::TimedOut(format!(
            "no answer from {remote} within {} ms",
            started.elapsed().as_millis()
        )),
        _ => ConnectError::Failed(format!("{remote}: {e}")),
    })?;
    let local = stream
        .local_addr()
        .map_err(|e| ConnectError::Failed(format!("{remote}: no local address: {e}")))?;
    Ok((stream, local))
}

/// The TLS handshake, and the issuer of the first certificate the server sent.
fn certificate_issuer(
    stream: &TcpStream,
    server_name: &str,
    left: Duration,
) -> Result<String, String> {
    if left.is_zero() {
        return Err("no time left for the handshake".into());
    }
    let mut stream = stream;
    stream
        .set_read_timeout(Some(left))
        .and_then(|()| stream.set_write_timeout(Some(left)))
        .map_err(|e| format!("cannot set a timeout: {e}"))?;
    let provider = Arc::new(ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(KeepAnyCertificate(provider)))
        .with_no_client_auth();
    let name = ServerName::try_from(server_name.to_string())
        .map_err(|e| format!("{server_name:?} is no TLS server name: {e}"))?;
    let mut tls = ClientConnection::new(Arc::new(config), name)
        .map_err(|e| format!("TLS configuration: {e}"))?;
    let started = Instant::now();
    // Until the handshake is done and its last flight written; nothing after it.
    loop {
        if tls.wants_write() {
            tls.write_tls(&mut stream)
                .map_err(|e| io_text(&e, started))?;
            continue;
        }
        if !tls.is_handshaking() {
            break;
        }
        if tls
            .read_tls(&mut stream)
            .map_err(|e| io_text(&e, started))?
            == 0
        {
            return Err("the server closed the connection during the handshake".into());
        }
        tls.process_new_packets()
            .map_err(|e| format!("handshake failed: {e}"))?;
    }
    let leaf = tls
        .peer_certificates()
        .and_then(|chain| chain.first())
        .ok_or("the server sent no certificate")?;
    issuer_of(leaf.as_ref())
}

fn io_text(e: &io::Error, started: Instant) -> String {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => format!(
            "handshake timed out after {} ms",
            started.elapsed().as_millis()
        ),
        _ => format!("handshake: {e}"),
    }
}

/// The issuer's distinguished name of a DER certificate (`CN=…, O=…`).
pub(crate) fn issuer_of(der: &[u8]) -> Result<String, String> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("the server's certificate does not parse: {e}"))?;
    Ok(certificate.issuer().to_string())
}

/// Accepts any certificate: ssetop records who issued it and trusts nothing it says (no
/// request is sent on the connection).
#[derive(Debug)]
struct KeepAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for KeepAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn issuer_of_reads_the_issuer_of_a_generated_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["outlook.office.com".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Zscaler Intermediate Root CA");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let issuer = issuer_of(cert.der()).unwrap();
        assert!(
            issuer.contains("CN=Zscaler Intermediate Root CA"),
            "{issuer}"
        );
        assert!(
            issuer_of(b"not a certificate")
                .unwrap_err()
                .contains("does not parse")
        );
    }

    #[test]
    fn open_reports_a_refused_port_as_refused() {
        // A port that was just free on loopback: nothing listens there any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let remote: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        match open(remote, "localhost", Duration::from_secs(1)) {
            Err(ConnectError::Refused(text)) => assert!(text.contains(&port.to_string())),
            other => panic!("expected refused, got {other:?}"),
        }
    }

    #[test]
    fn open_holds_the_connection_and_skips_tls_off_port_443() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let remote = listener.local_addr().unwrap();
        let open = open(remote, "localhost", Duration::from_secs(1)).unwrap();
        let (_, peer) = listener.accept().unwrap();
        assert_eq!(peer, open.local);
        assert_eq!(open.remote, remote);
        assert_eq!(open.tls, None);
    }

    #[test]
    fn open_completes_a_tls_handshake_on_443_and_records_the_issuer() {
        // Port 443 on loopback needs root (or the capability); without it, say so and pass.
        let Ok(listener) = TcpListener::bind("127.0.0.1:443") else {
            eprintln!(
                "SKIPPED open_completes_a_tls_handshake_on_443: cannot listen on 127.0.0.1:443"
            );
            return;
        };
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["outlook.office.com".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Zscaler Root CA");
        let cert = params.self_signed(&key).unwrap();
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(
                    vec![cert.der().clone()],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
                )
                .unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let connection = rustls::ServerConnection::new(Arc::new(config)).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut buffer = [0u8; 64];
            // The handshake, then nothing: the client sends no request.
            let _ = std::io::Read::read(&mut tls, &mut buffer);
        });
        let open = open(
            "127.0.0.1:443".parse().unwrap(),
            "outlook.office.com",
            Duration::from_secs(2),
        )
        .unwrap();
        let issuer = open.tls.clone().unwrap().unwrap();
        assert!(issuer.contains("Zscaler Root CA"), "{issuer}");
        drop(open);
        server.join().unwrap();
    }

    #[test]
    fn a_server_that_never_answers_the_handshake_is_a_timeout_within_the_budget() {
        // 127.0.0.2 (Linux answers all of 127/8): not the other test's 127.0.0.1:443.
        let Ok(listener) = TcpListener::bind("127.0.0.2:443") else {
            eprintln!(
                "SKIPPED a_server_that_never_answers_the_handshake: cannot listen on 127.0.0.2:443"
            );
            return;
        };
        let started = Instant::now();
        let open = open(
            "127.0.0.2:443".parse().unwrap(),
            "instagram.com",
            Duration::from_millis(300),
        )
        .unwrap();
        let why = open.tls.clone().unwrap().unwrap_err();
        assert!(why.contains("timed out"), "{why}");
        assert!(
            started.elapsed() < Duration::from_millis(1000),
            "{:?}",
            started.elapsed()
        );
        drop(listener);
    }
}
