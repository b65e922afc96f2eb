//! `ssetop explain` and `ssetop flow-test` through the real binary: the JSON contract, exit
//! codes and bad input. Only literal addresses (or `--no-dns`) are asked: no test sends a query
//! to the host's resolver.

mod common;

use common::*;

#[test]
fn explain_a_literal_address_answers_in_the_json_contract_with_exit_0() {
    let out = run(&[
        "explain",
        "10.1.2.3",
        "--port",
        "3389",
        "--format",
        "json",
        "--deadline",
        "3s",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let e = json(&out);
    assert_eq!(e["schema"], "ssetop.explain.v1");
    assert_eq!(e["query"]["destination"], "10.1.2.3");
    assert_eq!(e["query"]["port"], 3389);
    assert_eq!(e["query"]["protocol"], "tcp");
    assert_eq!(e["resolution"]["status"], "literal");
    assert_eq!(e["resolution"]["addresses"][0], "10.1.2.3");
    assert!(e["resolution"]["elapsed_ms"].is_u64());
    let path = &e["paths"][0];
    assert_eq!(path["address"], "10.1.2.3");
    for field in ["carrier", "confidence", "class"] {
        assert!(path[field].is_string(), "{field}: {path}");
    }
    assert!(path["rule"].is_null() || path["rule"]["id"].is_string());
    let steps = path["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    assert_eq!(steps[0]["step"], "local");
    for step in steps {
        assert!(["decided", "noted", "passed"].contains(&step["outcome"].as_str().unwrap()));
    }
    assert_eq!(steps.last().unwrap()["outcome"], "decided");
    assert!(path["evidence"].is_array());
}

#[test]
fn explain_options_go_before_or_after_the_subcommand_and_text_numbers_the_steps() {
    let out = run(&[
        "--format",
        "text",
        "explain",
        "[::1]:22",
        "--protocol",
        "udp",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("explain ::1 udp/22: literal"), "{text}");
    assert!(text.contains("  1. local"), "{text}");
    assert!(text.contains("-> local"), "{text}");
}

#[test]
fn explain_a_name_with_no_dns_is_answered_as_skipped_with_exit_0() {
    let out = run(&[
        "explain",
        "app.contoso.local:22",
        "--no-dns",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let e = json(&out);
    assert_eq!(e["query"]["port"], 22);
    assert_eq!(e["resolution"]["status"], "skipped");
    assert_eq!(e["paths"].as_array().unwrap().len(), 0);
}

#[test]
fn explain_bad_input_exits_3_with_a_clear_message() {
    for args in [
        vec!["explain", "bad host"],
        vec!["explain", "host:70000"],
        vec!["explain", "host:22", "--port", "23"],
        vec!["explain", "10.0.0.1", "--protocol", "icmp"],
        vec!["explain"],
        vec!["--once", "explain", "10.0.0.1"],
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "{args:?}");
    }
    let hostile = run(&["explain", "evil\u{1b}]0;title\u{7}.com"]);
    assert_eq!(code(&hostile), 3);
    assert!(!stderr(&hostile).contains('\u{1b}'), "{}", stderr(&hostile));
}

#[test]
fn explain_says_intelligent_local_access_from_the_profile_and_asks_nothing_with_no_dns() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("explain_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let profile = dir.join("ila.json");
    std::fs::write(
        &profile,
        r#"{"policy": {"channels": [], "rules": [],
            "networkDefinitions": [{"id": "hq", "networkIdentification": [{"dnsResolution":
              {"FQDNToResolve": "ILA.contoso.local", "serverAddresses": [-1062731766],
               "expectedIpResolution": ["10.0.0.0/16"], "futureKey": true}}]}]}}"#,
    )
    .unwrap();
    let out = run(&[
        "explain",
        "10.0.8.20:445",
        "--no-dns",
        "--forwarding-profile",
        profile.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert!(report["ila"]["applies"].is_null(), "{report:#}");
    assert_eq!(report["ila"]["probes"][0]["fqdn"], "ila.contoso.local");
    assert_eq!(report["ila"]["probes"][0]["status"], "skipped");
    assert!(
        report["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("Intelligent Local Access unknown")),
        "{report:#}"
    );
    // A profile without ILA networks: `ila` is null.
    std::fs::write(&profile, r#"{"policy": {"channels": [], "rules": []}}"#).unwrap();
    let out = run(&[
        "explain",
        "10.0.8.20:445",
        "--no-dns",
        "--forwarding-profile",
        profile.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(json(&out)["ila"].is_null());
}
