//! `ssetop flow-test` through the real binary: bad input is exit 3 with what was expected,
//! and the rows and the JSON contract without sending anything (`--no-dns`, no `--connect`).
//! The scenarios (tests/scenarios/flow-test-*.toml) run it with DNS and real connections.

mod common;

use common::*;

#[test]
fn flow_test_bad_destinations_and_names_exit_3_with_what_was_expected() {
    for (args, says) in [
        (
            &["flow-test", "--destination", "foo"][..],
            "HOST[:PORT]=CARRIER",
        ),
        (
            &["flow-test", "--destination", "foo=mars"],
            "unknown carrier",
        ),
        (&["flow-test", "--destination", "foo:99999=gsa"], "port"),
        (
            &["flow-test", "--destination", "fo o=gsa"],
            "not a valid host name",
        ),
        (&["flow-test", "--private-app", "a..b"], "--private-app"),
        (
            &["flow-test", "--tenant-domain", "con toso"],
            "--tenant-domain",
        ),
    ] {
        let out = run(args);
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}");
    }
}

#[test]
fn flow_test_private_app_needs_a_carrier_where_the_setup_names_none() {
    let out = run(&[
        "flow-test",
        "--no-dns",
        "--setup",
        "zscaler-internet",
        "--private-app",
        "app.corp.local:22",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("--destination app.corp.local:22=CARRIER"));
}

#[test]
fn flow_test_json_lists_exactly_the_guides_rows_without_sending_anything() {
    let out = run(&[
        "flow-test",
        "--no-dns",
        "--setup",
        "globalprotect",
        "--format",
        "json",
        "--deadline",
        "3s",
    ]);
    // Nothing resolved (--no-dns): every testable row warns, SharePoint is skipped.
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["schema"], "ssetop.flowtest.v1");
    assert_eq!(report["setup"]["id"], "globalprotect");
    assert_eq!(report["setup"]["source"], "option");
    assert_eq!(report["connect"], false);
    let rows = report["results"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["destination"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "salesforce.com",
            "instagram.com",
            "outlook.com",
            "outlook.office.com",
            "outlook.office365.com",
            "{tenant}.sharepoint.com"
        ]
    );
    for row in &rows[..5] {
        assert_eq!(row["status"], "warn");
        assert!(
            row["detail"]
                .as_str()
                .unwrap()
                .starts_with("resolution failed")
        );
        assert_eq!(row["port"], 443);
        assert_eq!(row["protocol"], "tcp");
        assert!(row["observed"].is_null() && row["predicted"].is_null());
    }
    assert_eq!(rows[5]["status"], "skip");
    assert!(
        rows[5]["detail"]
            .as_str()
            .unwrap()
            .contains("--tenant-domain")
    );
}

#[test]
fn flow_test_destination_override_and_literal_address_are_predicted_without_dns() {
    // An address is not resolved: the explain engine predicts it from this machine's routes.
    let out = run(&[
        "flow-test",
        "--no-dns",
        "--setup",
        "globalprotect",
        "--format",
        "json",
        "--destination",
        "127.0.0.1:9=direct",
        "--destination",
        "salesforce.com=gsa",
    ]);
    let report = json(&out);
    let rows = report["results"].as_array().unwrap();
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[0]["expected"], "gsa");
    assert_eq!(rows[0]["source"], "--destination");
    let local = &rows[6];
    assert_eq!(local["destination"], "127.0.0.1");
    assert_eq!(local["port"], 9);
    assert_eq!(local["predicted"], "local");
    // Loopback is `local`, not `direct`: a different carrier fails, naming where it must go.
    assert_eq!(local["status"], "fail");
    assert!(local["remedy"].as_str().unwrap().contains("--destination"));
    assert_eq!(code(&out), 2);
}

#[test]
fn flow_test_help_says_it_opens_connections_only_with_connect_or_probe() {
    let out = run(&["flow-test", "--help"]);
    assert_eq!(code(&out), 0);
    // Help wraps at the terminal's width: compare with the line breaks as spaces.
    let help = stdout(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(help.contains("--connect"), "{help}");
    assert!(
        help.contains("Without it (and without `--probe`) ssetop opens no connection"),
        "{help}"
    );
}

#[test]
fn flow_test_without_rows_for_the_setup_exits_3_saying_what_gives_rows() {
    let out = run(&["flow-test", "--no-dns", "--setup", "none"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("--destination HOST[:PORT]=CARRIER"));
}

/// A forwarding profile as GSA writes it, with an Intelligent Local Access network.
const ILA_PROFILE: &str = r#"{"policy": {
  "channels": [{"id": "p1", "name": "Private", "isEnabled": true}],
  "rules": [{"id": "private-apps", "channelId": "p1", "order": 2.0, "action": "Tunnel",
             "matchingCriteria": {"address": {"ips": [{"start": 167774208, "end": 167774463}]}}}],
  "networkDefinitions": [{"id": "hq", "name": "Contoso HQ",
    "networkIdentification": [{"dnsResolution": {"fqdnToResolve": "ila.contoso.local",
      "serverAddresses": [-1062731766], "expectedIpResolution": [{"start": 167772160, "end": 167837695}]}}]}]
}}"#;

fn profile_file(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("flow_test_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, ILA_PROFILE).unwrap();
    path
}

#[test]
fn flow_test_says_ila_on_the_private_app_row_and_asks_no_dns_with_no_dns() {
    let profile = profile_file("ila-no-dns.json");
    let out = run(&[
        "flow-test",
        "--no-dns",
        "--setup",
        "none",
        "--forwarding-profile",
        profile.to_str().unwrap(),
        "--private-app",
        "10.0.8.20:445",
        "--destination",
        "10.0.8.20:445=gsa",
        "--format",
        "json",
    ]);
    let report = json(&out);
    // --no-dns: the probe name was not asked, so whether ILA applies is unknown (null).
    assert!(report["ila"]["applies"].is_null(), "{report:#}");
    let probe = &report["ila"]["probes"][0];
    assert_eq!(probe["fqdn"], "ila.contoso.local");
    assert_eq!(probe["status"], "skipped");
    assert_eq!(probe["dns_servers"][0], "192.168.0.10");
    assert_eq!(probe["expected"][0], "10.0.0.0-10.0.255.255");
    let row = &report["results"][0];
    assert_eq!(row["destination"], "10.0.8.20");
    assert!(
        row["evidence"].as_array().unwrap().iter().any(|e| e
            .as_str()
            .unwrap()
            .starts_with("Intelligent Local Access unknown")),
        "{row:#}"
    );
    // No --connect: no attempts.
    assert_eq!(row["attempts"].as_array().unwrap().len(), 0);
}

#[test]
fn flow_test_connect_records_each_address_attempt_found_in_the_socket_table() {
    // A listener on loopback: the connection is opened, found by its endpoints, attributed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let destination = format!("127.0.0.1:{port}=direct");
    let out = run(&[
        "flow-test",
        "--no-dns",
        "--setup",
        "none",
        "--connect",
        "--destination",
        &destination,
        "--format",
        "json",
        "--deadline",
        "5s",
    ]);
    let report = json(&out);
    let row = &report["results"][0];
    let attempts = row["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{row:#}");
    let attempt = &attempts[0];
    assert_eq!(attempt["address"], "127.0.0.1");
    assert_eq!(attempt["outcome"], "connected");
    assert!(attempt["local"].as_str().unwrap().starts_with("127.0.0.1:"));
    // Loopback is `local`, not `direct`: the attempt and the row fail.
    assert_eq!(attempt["observed"], "local", "{row:#}");
    assert_eq!(attempt["status"], "fail");
    assert_eq!(row["observed"], "local");
    assert_eq!(row["status"], "fail");
    assert_eq!(code(&out), 2);
    drop(listener);
}
