//! `--probe` on the real binary, on loopback only: without it nothing is connected and the
//! probe checks are `skip`; with it the profile's edge and `diagnosticUri` are probed.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::*;

/// A forwarding profile whose m365 edge and diagnostic URI are on this loopback listener.
fn profile_on(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let json = format!(
        r#"{{"policy": {{"channels": [{{"id": "m365", "name": "m365", "isEnabled": true,
          "edgesSettings": {{"primaryEdges": [{{"edgeAddress": "127.0.0.1", "edgePort": {port}}}]}},
          "diagnosticUri": "http://127.0.0.1:{port}/ping"}}], "rules": []}}}}"#
    );
    let path = dir.join("profile.json");
    std::fs::write(&path, json).unwrap();
    path
}

#[test]
fn without_probe_nothing_is_connected_and_the_probe_checks_are_skip() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let profile = profile_on(dir.path(), port);
    let out = run(&[
        "--once",
        "--no-dns",
        "--format",
        "json",
        "--setup",
        "globalprotect",
        "--forwarding-profile",
        profile.to_str().unwrap(),
    ]);
    let report = json(&out);
    for id in [
        "edge-reachable:m365",
        "edge-reachable:internet",
        "edge-reachable:private",
        "diagnostic-uri:m365",
        "diagnostic-uri:internet",
        "diagnostic-uri:private",
        "internet",
    ] {
        assert_eq!(status(&report, id), "skip", "{id}");
        assert_eq!(
            check(&report, id)["summary"],
            "not probed: run with --probe",
            "{id}"
        );
    }
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("ssetop connected without --probe: {other:?}"),
    }
}

#[test]
fn with_probe_the_profiles_edge_and_diagnostic_uri_are_probed() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let profile = profile_on(dir.path(), port);
    // Answers every connection: the edge probe sends nothing, the GET gets pong.
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut request = [0u8; 2048];
                if let Ok(n) = stream.read(&mut request) {
                    if n > 0 {
                        let _ =
                            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\npong\n");
                    }
                }
                // Held open until ssetop closes its end (or the read timeout passes): the
                // probe's socket must still be in the table when ssetop reads it.
                while matches!(stream.read(&mut request), Ok(n) if n > 0) {}
            });
        }
    });
    let out = run(&[
        "--once",
        "--no-dns",
        "--probe",
        "--probe-url",
        &format!("http://127.0.0.1:{port}/ping"),
        "--deadline",
        "4s",
        "--format",
        "json",
        "--setup",
        "globalprotect",
        "--forwarding-profile",
        profile.to_str().unwrap(),
    ]);
    let report = json(&out);
    let edge = check(&report, "edge-reachable:m365");
    assert_eq!(edge["status"], "pass", "{edge:#}");
    let uri = check(&report, "diagnostic-uri:m365");
    assert_eq!(uri["status"], "pass", "{uri:#}");
    // The probe's own socket was found and attributed (loopback: local).
    assert!(
        uri["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("carried by local")),
        "{uri:#}"
    );
    // A channel the profile does not have is skipped with that reason.
    let private = check(&report, "edge-reachable:private");
    assert_eq!(private["status"], "skip");
    assert!(
        private["summary"]
            .as_str()
            .unwrap()
            .contains("not in the forwarding profile")
    );
    assert_eq!(status(&report, "internet"), "pass");
}

#[test]
fn probe_is_refused_with_replay_and_a_bad_probe_url() {
    let out = run(&["--probe", "--replay", "nothing.ndjson"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("--probe"));
    let out = run(&[
        "--once",
        "--probe",
        "--probe-url",
        "https://user:pw@example.com/",
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("credentials"), "{}", stderr(&out));
}
