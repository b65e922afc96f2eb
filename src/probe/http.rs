//! `--probe`'s HTTP GET: one request on one fresh connection, over TLS for `https`, trusting
//! the OS certificate store (and `SSL_CERT_FILE`/`SSL_CERT_DIR`, through rustls-native-certs).
//! It never follows a redirect (the answer is returned as it is, `Location` included), sends
//! no credentials and no cookies, reads a bounded answer, and keeps the connection open in
//! [`HttpProbe`] so that the caller can find its socket in the OS socket table.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::crypto::ring;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use super::ConnectError;

/// The most of an answer read (headers and body): a diagnostic answer is a few bytes.
const ANSWER_LIMIT: usize = 64 * 1024;
/// The most of a body kept.
const BODY_LIMIT: usize = 512;

/// A URL as the probe takes it: `http` or `https`, a host name or IPv4 address, a port, a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProbeUrl {
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

/// Reads `http://host[:port]/path` or `https://…`. A URL with credentials (`user@`) or an IPv6
/// literal is refused: nothing secret is ever sent, and GSA probes over IPv4 only.
pub(crate) fn parse_url(url: &str) -> Result<ProbeUrl, String> {
    let url = url.trim();
    let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
        (true, rest)
    } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
        (false, rest)
    } else {
        return Err(format!("{url:?} is not an http or https URL"));
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let path = path.split('#').next().unwrap_or("/");
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    if authority.contains('@') {
        return Err("the URL carries credentials; ssetop sends none".into());
    }
    if authority.starts_with('[') {
        return Err("an IPv6 address: the probes use IPv4, as GSA does".into());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| format!("{port:?} is not a port"))?,
        ),
        None => (authority, if https { 443 } else { 80 }),
    };
    if host.is_empty() || path.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!("{url:?} has no host or an unusable path"));
    }
    Ok(ProbeUrl {
        https,
        host: host.to_ascii_lowercase(),
        port,
        path,
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// The first IPv4 address of `host` (a name or an address).
pub(crate) fn resolve_v4(host: &str, port: u16) -> Result<SocketAddr, ConnectError> {
    let addresses = (host, port)
        .to_socket_addrs()
        .map_err(|e| ConnectError::Failed(format!("cannot resolve {host}: {e}")))?;
    addresses
        .into_iter()
        .find(SocketAddr::is_ipv4)
        .ok_or_else(|| ConnectError::Failed(format!("{host} has no IPv4 address")))
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpAnswer {
    pub status: u16,
    /// The body, bounded and with invalid UTF-8 replaced.
    pub body: String,
    pub location: Option<String>,
    /// Over HTTPS: the issuer of the certificate the server showed.
    pub issuer: Option<String>,
}

/// One GET: its socket (once connected), how long it took, and what came back.
pub(crate) struct HttpProbe {
    pub local: Option<SocketAddr>,
    pub remote: Option<SocketAddr>,
    pub elapsed: Duration,
    pub answer: Result<HttpAnswer, ConnectError>,
    /// The connection, held open until dropped.
    pub held: Option<Box<dyn Send>>,
}

impl std::fmt::Debug for HttpProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProbe")
            .field("local", &self.local)
            .field("remote", &self.remote)
            .field("elapsed", &self.elapsed)
            .field("answer", &self.answer)
            .finish_non_exhaustive()
    }
}

/// GETs `url` within `timeout` (resolution, connection, handshake and answer together).
pub(crate) fn get(url: &ProbeUrl, timeout: Duration) -> HttpProbe {
    let started = Instant::now();
    let mut probe = HttpProbe {
        local: None,
        remote: None,
        elapsed: Duration::ZERO,
        answer: Err(ConnectError::Failed("not started".into())),
        held: None,
    };
    probe.answer = get_into(url, timeout, started, &mut probe);
    probe.elapsed = started.elapsed();
    probe
}

fn get_into(
    url: &ProbeUrl,
    timeout: Duration,
    started: Instant,
    probe: &mut HttpProbe,
) -> Result<HttpAnswer, ConnectError> {
    let remote = resolve_v4(&url.host, url.port)?;
    probe.remote = Some(remote);
    let left = timeout.saturating_sub(started.elapsed());
    if left.is_zero() {
        return Err(ConnectError::TimedOut(format!(
            "no time left after resolving {}",
            url.host
        )));
    }
    let (stream, local) = super::connect(remote, left)?;
    probe.local = Some(local);
    let left = timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_millis(1));
    stream
        .set_read_timeout(Some(left))
        .and_then(|()| stream.set_write_timeout(Some(left)))
        .map_err(|e| ConnectError::Failed(format!("cannot set a timeout: {e}")))?;
    // The read timeout is set again before each read from what is left of the whole
    // probe's time, so that a server trickling bytes cannot hold it past its deadline; a
    // clone of the socket sets it while the TLS stream holds the original.
    let deadline = started + timeout;
    let control = stream
        .try_clone()
        .map_err(|e| ConnectError::Failed(format!("cannot set a timeout: {e}")))?;
    let request = request_text(url);
    if url.https {
        let config = tls_config()?;
        let name = ServerName::try_from(url.host.clone())
            .map_err(|e| ConnectError::Failed(format!("{:?}: {e}", url.host)))?;
        let connection = ClientConnection::new(config, name)
            .map_err(|e| ConnectError::Failed(format!("TLS configuration: {e}")))?;
        let mut tls = StreamOwned::new(connection, stream);
        let answer = exchange(&mut tls, &request, started, deadline, &control);
        let issuer = tls
            .conn
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|leaf| super::issuer_of(leaf.as_ref()).unwrap_or_else(|why| why));
        probe.held = Some(Box::new(tls));
        let mut answer = answer?;
        answer.issuer = issuer;
        Ok(answer)
    } else {
        let mut stream = stream;
        let answer = exchange(&mut stream, &request, started, deadline, &control);
        probe.held = Some(Box::new(stream));
        answer
    }
}

/// The request: the path, the host, who asks. No cookie, no authorisation, ever.
fn request_text(url: &ProbeUrl) -> String {
    let default_port = if url.https { 443 } else { 80 };
    let host = if url.port == default_port {
        url.host.clone()
    } else {
        format!("{}:{}", url.host, url.port)
    };
    format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ssetop/{}\r\nAccept: */*\r\n\r\n",
        url.path,
        env!("CARGO_PKG_VERSION")
    )
}

/// The client configuration: the OS's trusted roots (`SSL_CERT_FILE` honoured), ring.
fn tls_config() -> Result<Arc<ClientConfig>, ConnectError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(ConnectError::Failed(format!(
            "no trusted root certificate found in the OS store{}",
            found
                .errors
                .first()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        )));
    }
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Failed(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn io_error(e: &io::Error, started: Instant) -> ConnectError {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ConnectError::TimedOut(format!(
            "no answer within {} ms",
            started.elapsed().as_millis()
        )),
        _ => ConnectError::Failed(e.to_string()),
    }
}

/// Writes the request and reads the answer until its body is complete (by `Content-Length`,
/// chunked encoding, or the server closing), within the bound.
fn exchange(
    stream: &mut (impl Read + Write),
    request: &str,
    started: Instant,
    deadline: Instant,
    control: &std::net::TcpStream,
) -> Result<HttpAnswer, ConnectError> {
    stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.flush())
        .map_err(|e| io_error(&e, started))?;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ConnectError::TimedOut(format!(
                "the answer was not complete within {} ms",
                started.elapsed().as_millis()
            )));
        }
        control
            .set_read_timeout(Some(left))
            .map_err(|e| ConnectError::Failed(format!("cannot set a timeout: {e}")))?;
        let read = match stream.read(&mut chunk) {
            Ok(n) => n,
            // A TLS server that closes without close_notify: what arrived is the answer.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(io_error(&e, started)),
        };
        buffer.extend(chunk.iter().take(read));
        let closed = read == 0;
        match parse_answer(&buffer, closed)? {
            Some(answer) => return Ok(answer),
            None if closed => {
                return Err(ConnectError::Failed(
                    "the server closed the connection before a whole answer".into(),
                ));
            }
            None if buffer.len() >= ANSWER_LIMIT => {
                return Err(ConnectError::Failed(format!(
                    "the answer is longer than {ANSWER_LIMIT} bytes"
                )));
            }
            None => {}
        }
    }
}

/// The answer in `buffer` once it is complete (`closed`: no more will come).
pub(crate) fn parse_answer(
    buffer: &[u8],
    closed: bool,
) -> Result<Option<HttpAnswer>, ConnectError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(buffer) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => {
            return Err(ConnectError::Failed(format!("not an HTTP answer: {e}")));
        }
    };
    let status = response.code.unwrap_or_default();
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
    };
    let location = header("location");
    let rest = buffer.get(head..).unwrap_or_default();
    let chunked =
        header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        match dechunk(rest) {
            Some(body) => body,
            None if closed => rest.to_vec(),
            None => return Ok(None),
        }
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        match rest.get(..length) {
            Some(body) => body.to_vec(),
            None if closed => rest.to_vec(),
            None => return Ok(None),
        }
    } else if status == 204 || status == 304 || (100..200).contains(&status) {
        Vec::new()
    } else if closed {
        rest.to_vec()
    } else {
        return Ok(None);
    };
    let body: String = String::from_utf8_lossy(&body)
        .chars()
        .take(BODY_LIMIT)
        .collect();
    Ok(Some(HttpAnswer {
        status,
        body,
        location,
        issuer: None,
    }))
}

/// A chunked body, once its last chunk has arrived.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(rest.get(..line_end)?).to_string();
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = rest.get(line_end + 2..)?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_with_default_ports_and_credentials_refused() {
        let url = parse_url("HTTPS://Contoso.Edge.example/diag/ping?x=1").unwrap();
        assert_eq!(
            url,
            ProbeUrl {
                https: true,
                host: "contoso.edge.example".into(),
                port: 443,
                path: "/diag/ping?x=1".into()
            }
        );
        let url = parse_url("http://www.msftconnecttest.com").unwrap();
        assert_eq!((url.port, url.path.as_str()), (80, "/"));
        assert_eq!(parse_url("http://10.0.0.1:8080/x").unwrap().port, 8080);
        assert!(
            parse_url("https://user:secret@example.com/")
                .unwrap_err()
                .contains("credentials")
        );
        assert!(parse_url("https://[::1]/").is_err());
        assert!(parse_url("ftp://example.com/").is_err());
        assert!(parse_url("https://example.com:99999/").is_err());
    }

    #[test]
    fn the_request_sends_no_cookie_and_no_authorisation() {
        let text = request_text(&parse_url("https://example.com:8443/ping").unwrap());
        assert!(text.starts_with("GET /ping HTTP/1.1\r\nHost: example.com:8443\r\n"));
        let lower = text.to_ascii_lowercase();
        assert!(!lower.contains("cookie") && !lower.contains("authorization"));
    }

    #[test]
    fn answers_are_complete_by_length_chunks_or_close() {
        let full = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong";
        let answer = parse_answer(full, false).unwrap().unwrap();
        assert_eq!((answer.status, answer.body.as_str()), (200, "pong"));
        assert_eq!(parse_answer(&full[..full.len() - 1], false).unwrap(), None);
        let chunked =
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n2\r\npo\r\n2\r\nng\r\n0\r\n\r\n";
        assert_eq!(parse_answer(chunked, false).unwrap().unwrap().body, "pong");
        let moved = b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://login.example/\r\nContent-Length: 0\r\n\r\n";
        let answer = parse_answer(moved, false).unwrap().unwrap();
        assert_eq!(answer.status, 301);
        assert_eq!(answer.location.as_deref(), Some("https://login.example/"));
        let until_close = b"HTTP/1.0 200 OK\r\n\r\nMicrosoft Connect Test";
        assert_eq!(parse_answer(until_close, false).unwrap(), None);
        assert_eq!(
            parse_answer(until_close, true).unwrap().unwrap().body,
            "Microsoft Connect Test"
        );
        assert!(parse_answer(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", true).is_err());
    }

    #[test]
    fn a_plain_get_reads_the_answer_and_holds_the_connection() {
        use std::net::TcpListener;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, peer) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let n = stream.read(&mut request).unwrap();
            let text = String::from_utf8_lossy(&request[..n]).to_string();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npong\r\n")
                .unwrap();
            (text, peer, stream)
        });
        let url = parse_url(&format!("http://127.0.0.1:{port}/ping")).unwrap();
        let probe = get(&url, Duration::from_secs(2));
        let (request, peer, _server_side) = server.join().unwrap();
        assert!(request.starts_with("GET /ping HTTP/1.1"), "{request}");
        let answer = probe.answer.as_ref().unwrap();
        assert_eq!((answer.status, answer.body.as_str()), (200, "pong\r\n"));
        assert_eq!(probe.local, Some(peer));
        assert!(probe.held.is_some());
    }
}
