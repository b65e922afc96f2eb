//! The real binary: options, output shapes, exit codes, bad input. Live runs use `--no-dns` so
//! that no test sends a query to the host's resolver.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn help_and_version_exit_zero() {
    let help = run(&["--help"]);
    assert_eq!(code(&help), 0);
    assert!(stdout(&help).contains("--once"));
    let version = run(&["--version"]);
    assert_eq!(code(&version), 0);
    assert!(stdout(&version).starts_with("ssetop "));
}

#[test]
fn unknown_option_value_exits_3_and_lists_the_values() {
    let out = run(&["--once", "--setup", "fortinet"]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("fortinet"), "{err}");
    assert!(err.contains("zscaler-private"), "{err}");
    let out = run(&["--once", "--format", "xml"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("xml"));
}

#[test]
fn unknown_option_exits_3() {
    let out = run(&["--onse"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("--once"),
        "clap suggests the right option"
    );
}

#[test]
fn malformed_durations_tenant_and_zero_interval_exit_3() {
    for args in [
        &["--once", "--deadline", "soon"][..],
        &["--once", "--tenant-id", "contoso.com"],
        &["--once", "--interval", "0s"],
        &["--once", "--zpa-range", "100.64.0.0/33"],
    ] {
        let out = run(args);
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
}

#[test]
fn malformed_knowledge_file_exits_3_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kb.toml");
    let dump = run(&["--dump-knowledge"]);
    let text = stdout(&dump).replacen("local_proxy_port = 9000", "local_proxy_port = \"nine\"", 1);
    let line = text
        .lines()
        .position(|l| l.contains("\"nine\""))
        .expect("edited line")
        + 1;
    std::fs::write(&path, text).unwrap();
    let out = run(&["--once", "--no-dns", "--knowledge", path.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("kb.toml"), "{err}");
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(out.stdout.is_empty(), "no report on bad input");
}

#[test]
fn edited_knowledge_file_is_used_instead_of_the_embedded_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kb.toml");
    let dump = stdout(&run(&["--dump-knowledge"]));
    std::fs::write(&path, dump.replace("version = \"", "version = \"edited-")).unwrap();
    let capture = capture("globalprotect-healthy");
    let out = run(&[
        "--once",
        "--format",
        "json",
        "--replay",
        capture.to_str().unwrap(),
        "--knowledge",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert!(
        report["knowledge"]["version"]
            .as_str()
            .unwrap()
            .starts_with("edited-")
    );
    assert_eq!(report["knowledge"]["origin"], path.to_str().unwrap());
}

#[test]
fn malformed_forwarding_profile_exits_3_naming_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fp.json");
    std::fs::write(&path, "{\n  \"policy\": {\n    \"rules\": [,]\n  }\n}\n").unwrap();
    let out = run(&[
        "--once",
        "--no-dns",
        "--forwarding-profile",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("fp.json"), "{err}");
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn missing_input_files_exit_3_with_the_path() {
    for option in ["--knowledge", "--forwarding-profile", "--replay"] {
        let out = run(&["--once", "--no-dns", option, "/nonexistent/ssetop-input"]);
        assert_eq!(code(&out), 3, "{option}");
        let err = stderr(&out);
        assert!(err.contains("/nonexistent/ssetop-input"), "{option}: {err}");
        assert!(!err.contains("panicked"), "{option}: {err}");
    }
}

#[test]
fn once_json_reports_this_machine_within_the_deadline() {
    let started = Instant::now();
    let out = run(&["--once", "--no-dns", "--format", "json", "--deadline", "3s"]);
    let elapsed = started.elapsed();
    assert!(
        [0, 1, 2].contains(&code(&out)),
        "exit {}: {}",
        code(&out),
        stderr(&out)
    );
    // A bound on correctness (the deadline holds), not a speed measurement.
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    let report = json(&out);
    assert_eq!(report["schema"], "ssetop.report.v1");
    assert!(!report["host"]["name"].as_str().unwrap().is_empty());
    let routes = report["routes"].as_array().unwrap();
    assert!(!routes.is_empty(), "this machine has routes");
    assert!(
        routes
            .iter()
            .all(|r| r["destination"].as_str().unwrap().contains('/'))
    );
    if cfg!(target_os = "linux") {
        // rtnetlink omits a zero priority: that is metric 0, not unknown.
        assert!(
            routes.iter().all(|r| r["metric"].is_u64()),
            "{:#}",
            report["routes"]
        );
    }
    let sources = report["sources"].as_array().unwrap();
    for source in ["routes", "interfaces", "sockets", "processes"] {
        let s = sources.iter().find(|s| s["name"] == source).unwrap();
        assert!(
            ["ok", "partial"].contains(&s["status"].as_str().unwrap()),
            "{source}: {s}"
        );
    }
    let dns = sources.iter().find(|s| s["name"] == "dns").unwrap();
    assert_eq!(dns["status"], "skipped");
    let interfaces = report["interfaces"].as_array().unwrap();
    assert!(!interfaces.is_empty(), "this machine has interfaces");
    let order: Vec<(u64, &str)> = interfaces
        .iter()
        .map(|i| (i["index"].as_u64().unwrap(), i["name"].as_str().unwrap()))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "interfaces by index, then name: {order:?}"
    );
    for c in report["connections"].as_array().unwrap() {
        assert!(
            [
                "gsa",
                "zscaler",
                "globalprotect",
                "direct",
                "local",
                "unknown"
            ]
            .contains(&c["carrier"].as_str().unwrap()),
            "{c}"
        );
        assert!(!c["evidence"].as_array().unwrap().is_empty(), "{c}");
    }
}

#[test]
fn once_sees_a_socket_this_test_opens_with_its_process() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = run(&["--once", "--no-dns", "--format", "json"]);
    let report = json(&out);
    let local = format!("127.0.0.1:{port}");
    let row = report["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["local"] == local.as_str())
        .unwrap_or_else(|| panic!("no socket {local}"));
    assert_eq!(row["state"], "LISTEN");
    assert_eq!(row["carrier"], "local");
    assert_eq!(row["pid"], std::process::id());
}

#[test]
fn once_text_starts_with_the_verdict() {
    let out = run(&["--once", "--no-dns"]);
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    let expected = ["OK:", "WARN:", "FAIL:"][code(&out) as usize];
    assert!(
        first.starts_with(expected),
        "exit {} but {first}",
        code(&out)
    );
    assert!(text.contains("\nChecks (failing first)\n"));
    assert!(text.contains("\nInterfaces (vendor adapters first)\n"));
    assert!(text.contains("\nConnections by carrier\n"));
}

#[test]
fn text_report_lists_interfaces_vendor_adapters_first_between_checks_and_connections() {
    let capture = capture("globalprotect-healthy");
    let out = run(&["--once", "--replay", capture.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let at = |heading: &str| {
        text.find(heading)
            .unwrap_or_else(|| panic!("no {heading:?} in\n{text}"))
    };
    let (checks, interfaces, connections) = (
        at("\nChecks (failing first)\n"),
        at("\nInterfaces (vendor adapters first)\n"),
        at("\nConnections by carrier\n"),
    );
    assert!(checks < interfaces && interfaces < connections, "{text}");
    let section: Vec<&str> = text[interfaces..connections]
        .lines()
        .filter(|l| l.starts_with("  "))
        .collect();
    // The capture lists GlobalProtect's adapter last (index 23); the report puts it first.
    assert_eq!(section.len(), 3, "{section:?}");
    assert!(
        section[0].starts_with("  GlobalProtect  Ethernet 3 (PANGP Virtual Ethernet Adapter"),
        "{section:?}"
    );
    assert!(
        section[0].ends_with(": up, ethernet, 10.200.0.7/32"),
        "{section:?}"
    );
    assert!(
        section[1..].iter().all(|l| l.starts_with("  -  ")),
        "others are not marked: {section:?}"
    );
}

#[test]
fn exit_codes_follow_the_verdict() {
    assert_eq!(replay("globalprotect-healthy", &[]).0, 0);
    assert_eq!(replay("once-outage-young", &[]).0, 1);
    assert_eq!(replay("globalprotect-no-exclusions", &[]).0, 2);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let capture = capture("outage-no-heal");
    let mut child = Command::new(binary())
        .args(["--once", "--replay", capture.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("error"), "{err}");
    assert_eq!(out.status.code(), Some(2), "the verdict's code still");
}

#[test]
fn man_page_and_completions_are_generated() {
    let man = run(&["--generate-man"]);
    assert_eq!(code(&man), 0);
    let page = stdout(&man);
    assert!(page.contains(".TH ssetop"));
    for section in [
        ".SH \"DASHBOARD KEYS\"",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
    ] {
        assert!(page.contains(section), "{section} missing");
    }
    for text in [
        "\\fBNO_COLOR\\fR",
        "\\fBTERM\\fR",
        "\\fBSSETOP_THEME\\fR",
        "\\fBMALLOC_MMAP_THRESHOLD_\\fR",
        "\\fB< >\\fR",
    ] {
        assert!(page.contains(text), "{text} missing");
    }
    // The options come before the added sections.
    assert!(page.find(".SH OPTIONS") < page.find(".SH \"DASHBOARD KEYS\""));
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(&["--generate-completions", shell]);
        assert_eq!(code(&out), 0, "{shell}");
        assert!(stdout(&out).contains("--once"), "{shell}");
    }
}

#[test]
fn forwarding_profile_file_is_read_and_judged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fp.json");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(
        f,
        r#"{{"policy": {{"channels": [{{"id": "a", "name": "m365"}}], "rules": []}}}}"#
    )
    .unwrap();
    let out = run(&[
        "--once",
        "--no-dns",
        "--format",
        "json",
        "--forwarding-profile",
        path.to_str().unwrap(),
    ]);
    let report = json(&out);
    let check = check(&report, "forwarding-profile");
    assert!(
        check["summary"].as_str().unwrap().contains("m365"),
        "{check}"
    );
}

#[test]
fn json_contract_fields_have_their_documented_types() {
    let (_, r) = replay("globalprotect-healthy", &[]);
    for key in ["schema", "ssetop_version", "generated_at", "verdict"] {
        assert!(r[key].is_string(), "{key}");
    }
    assert!(r["host"]["name"].is_string() && r["host"]["os"].is_string());
    assert!(["detected", "option"].contains(&r["setup"]["source"].as_str().unwrap()));
    for c in r["clients"].as_array().unwrap() {
        assert!(c["vendor"].is_string() && c["state"].is_string());
        for p in c["processes"].as_array().unwrap() {
            assert!(p["pid"].is_u64() && p["name"].is_string());
            assert!(p["started_at"].is_string() || p["started_at"].is_null());
        }
        assert!(
            c["adapters"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a.is_string())
        );
    }
    for c in r["checks"].as_array().unwrap() {
        assert!(c["id"].is_string() && c["summary"].is_string() && c["evidence"].is_array());
        assert!(["pass", "warn", "fail", "skip"].contains(&c["status"].as_str().unwrap()));
        assert!(c["remedy"].is_string() || c["remedy"].is_null());
    }
    for c in r["connections"].as_array().unwrap() {
        for key in ["protocol", "local", "carrier", "confidence"] {
            assert!(c[key].is_string(), "{key} in {c}");
        }
        for key in ["remote", "state", "pid", "process", "channel", "interface"] {
            assert!(c.get(key).is_some(), "{key} present (maybe null) in {c}");
        }
        assert!(["certain", "likely", "inferred"].contains(&c["confidence"].as_str().unwrap()));
    }
    for route in r["routes"].as_array().unwrap() {
        for key in [
            "destination",
            "gateway",
            "interface",
            "metric",
            "table",
            "vendor",
        ] {
            assert!(route.get(key).is_some(), "{key} in {route}");
        }
    }
    let interfaces = r["interfaces"].as_array().unwrap();
    assert!(!interfaces.is_empty());
    for i in interfaces {
        for key in ["name", "kind", "state"] {
            assert!(i[key].is_string(), "{key} in {i}");
        }
        assert!(i["index"].is_u64() && i["up"].is_boolean(), "{i}");
        assert!(
            i["description"].is_string() || i["description"].is_null(),
            "{i}"
        );
        assert!(
            i["addresses"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a.as_str().is_some_and(|a| a.contains('/'))),
            "addresses as CIDR in {i}"
        );
        let vendor = &i["vendor"];
        assert!(
            vendor.is_null()
                || ["gsa", "zscaler", "globalprotect"].contains(&vendor.as_str().unwrap()),
            "{i}"
        );
    }
    let pangp = interfaces
        .iter()
        .find(|i| i["name"] == "Ethernet 3")
        .expect("GlobalProtect's adapter");
    assert_eq!(pangp["vendor"], "globalprotect");
    assert_eq!(
        pangp["description"],
        "PANGP Virtual Ethernet Adapter Secure"
    );
    assert_eq!(pangp["index"], 23);
    assert_eq!(pangp["state"], "up");
    assert_eq!(pangp["addresses"], serde_json::json!(["10.200.0.7/32"]));
    assert!(
        interfaces
            .iter()
            .filter(|i| i["name"] != "Ethernet 3")
            .all(|i| i["vendor"].is_null())
    );
    for d in r["dns"].as_array().unwrap() {
        assert!(d["name"].is_string() && d["addresses"].is_array() && d["elapsed_ms"].is_u64());
    }
    assert!(r["alerts"].is_array());
}

#[test]
fn ipv6_endpoints_are_bracketed() {
    let listener = std::net::TcpListener::bind("[::1]:0");
    let Ok(listener) = listener else {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let report = json(&run(&["--once", "--no-dns", "--format", "json"]));
    let local = format!("[::1]:{port}");
    assert!(
        report["connections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["local"] == local.as_str()),
        "no {local}"
    );
}

// Reads /proc and drops privilege with setpriv: Linux only (keeps the Windows type-check of
// the tests building).
#[cfg(target_os = "linux")]
#[test]
fn once_runs_unprivileged_and_says_what_elevation_would_add() {
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    let scratch = tempfile::tempdir().unwrap();
    let mut command = if root {
        // As root (CI), drop to nobody for this run.
        if Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("SKIPPED once_runs_unprivileged: setpriv (util-linux) is missing");
            return;
        }
        // The checkout may sit in a directory nobody cannot enter: run a copy from /tmp.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = scratch.path().join("ssetop");
        std::fs::copy(binary(), &copy).unwrap();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        c.arg(&copy);
        c
    } else {
        Command::new(binary())
    };
    let out = command
        .args(["--once", "--no-dns", "--format", "json"])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!([0, 1, 2].contains(&code(&out)), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["host"]["elevated"], false);
    let notices = report["notices"].to_string();
    assert!(notices.contains("elevation"), "{notices}");
    assert!(!report["routes"].as_array().unwrap().is_empty());
}

#[test]
fn help_text_is_reviewed() {
    let out = Command::new(binary())
        .arg("--help")
        .env("COLUMNS", "100")
        .env_remove("SSETOP_THEME")
        .output()
        .unwrap();
    insta::assert_snapshot!("help", stdout(&out));
}

/// On glibc, ssetop restarts itself once with `MALLOC_ARENA_MAX=1` (one allocator heap for all
/// its threads) and a fixed `MALLOC_MMAP_THRESHOLD_` (src/main.rs says why) under its own name;
/// a setting the user chose is kept, the other still set, and a program already restarted
/// (whose variables a privileged start would have dropped) does not restart again.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn ssetop_runs_with_one_malloc_arena_and_a_fixed_mmap_threshold_unless_the_user_set_them() {
    fn environment(pid: u32, name: &str) -> Option<String> {
        let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
        let prefix = format!("{name}=");
        environ
            .split(|b| *b == 0)
            .find_map(|v| v.strip_prefix(prefix.as_bytes()))
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }
    /// Variables set for the run.
    type Given = &'static [(&'static str, &'static str)];
    /// Given, then the arena limit and the mmap threshold expected in the running program.
    type Expected = (Option<&'static str>, Option<&'static str>);
    let cases: [(Given, Expected); 6] = [
        (&[], (Some("1"), Some("131072"))),
        (&[("MALLOC_ARENA_MAX", "3")], (Some("3"), Some("131072"))),
        (
            &[("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")],
            (None, Some("131072")),
        ),
        (
            &[("MALLOC_MMAP_THRESHOLD_", "65536")],
            (Some("1"), Some("65536")),
        ),
        (
            &[
                ("MALLOC_ARENA_MAX", "2"),
                ("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=4096"),
            ],
            (Some("2"), None),
        ),
        (&[("SSETOP_RESTARTED_WITH_ONE_ARENA", "1")], (None, None)),
    ];
    for (given, expected) in cases {
        // Recorded to its own stdout: the capture's first line is written by the program that
        // runs, after any restart, and reading it waits for exactly that.
        let mut child = Command::new(binary())
            .args(["--record", "/dev/stdout", "--duration", "60s", "--no-dns"])
            .env_remove("MALLOC_ARENA_MAX")
            .env_remove("MALLOC_MMAP_THRESHOLD_")
            .env_remove("GLIBC_TUNABLES")
            .env_remove("SSETOP_RESTARTED_WITH_ONE_ARENA")
            .envs(given.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kept open until the end: a closed pipe would end the recording.
        let mut output = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut header = String::new();
        std::io::BufRead::read_line(&mut output, &mut header).unwrap();
        assert!(header.contains("ssetop.capture"), "no header: {header:?}");
        let arenas = environment(child.id(), "MALLOC_ARENA_MAX");
        let threshold = environment(child.id(), "MALLOC_MMAP_THRESHOLD_");
        let name = std::fs::read_to_string(format!("/proc/{}/comm", child.id())).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        drop(output);
        assert_eq!(
            (arenas.as_deref(), threshold.as_deref()),
            expected,
            "given {given:?}"
        );
        assert_eq!(name.trim_end(), "ssetop", "given {given:?}");
    }
}
