//! The forwarding profile at the size of a big tenant's: ~71,000 rules, ~20 MB, in the shape
//! real clients store (float orders, unsigned 32-bit ranges, mostly CIDR blocks, escaped and
//! wildcard FQDNs, a few regex fragments, mixed-case keywords, the rule keys of real profiles
//! and unknown keys).
//!
//! Budget on the project's 2-core machine: read and indexed in ≤ 1 s with ≤ 200 MB peak
//! memory. Before criterion runs, the bench prints the indexing time as a ratio to reading the
//! same text with `serde_json::from_str::<serde_json::Value>` alone (same run), and the peak
//! resident memory of the indexing alone; it writes the profile to
//! `$TMPDIR/ssetop-bench-profile-20mb.json` so that `ssetop --once --forwarding-profile` can be
//! timed on the same file.
//!
//! `cargo bench --bench profile`

use std::fmt::Write as _;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ssetop::analysis::profile::ForwardingProfile;
use ssetop::snapshot::Protocol;

const RULES: usize = 71_000;

/// A small deterministic generator (xorshift), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// A real-shaped profile with `rules` rules.
fn real_shaped_profile(rules: usize) -> String {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let tenant = "6b1e4f0a-1111-2222-3333-444455556666";
    let mut out = String::with_capacity(rules * 300);
    let _ = write!(
        out,
        r#"{{"schemaVersion":"2.3","policy":{{"tenantId":"{tenant}","channels":["#
    );
    for (i, (id, name)) in [
        ("m365", "M365"),
        ("internet", "Internet"),
        ("private", "private"),
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(
            out,
            r#"{}{{"id":"ch-{id}","name":"{name}","futureFlag":true,"edgesSettings":{{"primaryEdges":[{{"edgeAddress":"{tenant}.{id}.client.globalsecureaccess.microsoft.com","edgePort":443}}],"secondaryEdges":[]}},"diagnosticUri":"https://{id}.edgediagnostic.globalsecureaccess.microsoft.com/connectivitytest/ping"}}"#,
            if i > 0 { "," } else { "" }
        );
    }
    out.push_str(r#"],"rules":["#);
    for i in 0..rules {
        if i > 0 {
            out.push(',');
        }
        let channel = rng.pick(&["ch-m365", "ch-internet", "ch-internet", "ch-private"]);
        let action = rng.pick(&["Tunnel", "Bypass", "tunnel", "BYPASS"]);
        let protocol = rng.pick(&["All", "Tcp", "Udp", "tcp", "all"]);
        let order = (rng.next() % 100_000) as f64 + if i % 7 == 0 { 0.5 } else { 0.0 };
        let _ = write!(
            out,
            r#"{{"id":"rule-{i:06}","channelId":"{channel}","order":{order:.1},"action":"{action}","hardening":"None","tunnelingPrerequisite":"None",{}"acquireIfUnresolved":false,"matchingCriteria":{{"address":{{"ips":["#,
            // Most rules leave their null keys out; some write them.
            if i % 10 == 0 {
                r#""networkId":null,"appAuthorizationTokenContext":null,"#
            } else {
                ""
            }
        );
        let kind = rng.next() % 100;
        if kind < 45 {
            for r in 0..(1 + u64::from(rng.next() % 4 == 0)) {
                // Mostly CIDR blocks (/16 to /30, as the portal and Microsoft's lists give
                // them), one in ten an arbitrary range as an admin types it.
                let (start, end) = if rng.next() % 10 == 0 {
                    let start = rng.next() as u32 & 0xffff_ff00;
                    (start, start.saturating_add((rng.next() % 4096) as u32))
                } else {
                    let host_bits = 2 + (rng.next() % 15) as u32;
                    let mask = u32::MAX << host_bits;
                    let start = rng.next() as u32 & mask;
                    (start, start | !mask)
                };
                let _ = write!(
                    out,
                    r#"{}{{"start":{start},"end":{end}}}"#,
                    if r > 0 { "," } else { "" }
                );
            }
            out.push_str(r#"],"fqdns":[]"#);
        } else {
            out.push_str(r#"],"fqdns":["#);
            for f in 0..(1 + u64::from(rng.next() % 4 == 0)) {
                if f > 0 {
                    out.push(',');
                }
                let n = rng.next() % 1_000_000;
                match (kind, f) {
                    (99, 0) => {
                        let _ = write!(out, r#""login[0-9]+\\.t{n}\\.contoso\\.com""#);
                    }
                    _ => match rng.next() % 3 {
                        0 => {
                            let _ = write!(out, r#""app{n}\\.contoso\\.com""#);
                        }
                        1 => {
                            let _ = write!(out, r#""*.site{n}.sharepoint.com""#);
                        }
                        _ => {
                            let _ = write!(out, r#""*\\.svc{n}\\.prod\\.zpath\\.net""#);
                        }
                    },
                }
            }
            out.push(']');
        }
        let _ = write!(
            out,
            r#"}},"protocol":"{protocol}","ports":[{{"start":443,"end":443}}]}}}}"#
        );
    }
    out.push_str(r#"],"networkDefinitions":[{"id":"hq","name":"HQ","networkIdentification":[{"type":"DnsResolution","dnsResolution":{"fqdn":"ila-probe.contoso.local","serverAddresses":[-1062731766],"ips":[{"start":167772160,"end":184549375}]}}]}],"privateDnsRules":[{"id":"pdns","channelId":"ch-private","fqdns":["contoso.local"]}]}}"#);
    out
}

/// Peak resident memory of this process (Linux), after resetting it: the peak of what runs
/// between `reset_peak` and `peak_mib`.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn fastest(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn budget_report(json: &str) {
    reset_peak();
    let base = peak_mib();
    let profile = ForwardingProfile::parse(json).expect("the generated profile parses");
    let peak = peak_mib();
    assert_eq!(profile.rules.len(), RULES);
    drop(profile);
    let index = fastest(5, || {
        black_box(ForwardingProfile::parse(black_box(json)).ok());
    });
    let value = fastest(5, || {
        black_box(serde_json::from_str::<serde_json::Value>(black_box(json)).ok());
    });
    let mib = json.len() as f64 / (1024.0 * 1024.0);
    eprintln!(
        "profile: {RULES} rules, {mib:.1} MiB: read and indexed in {} ms (budget 1000 ms); serde_json::Value alone {} ms; ratio {:.2}",
        index.as_millis(),
        value.as_millis(),
        index.as_secs_f64() / value.as_secs_f64()
    );
    if let (Some(base), Some(peak)) = (base, peak) {
        eprintln!(
            "profile: peak resident memory while indexing {peak:.0} MiB (the text itself {mib:.0} MiB, before {base:.0} MiB; budget 200 MB)"
        );
    }
    if index > Duration::from_secs(1) {
        eprintln!("profile: OVER BUDGET: indexing took longer than 1 s");
    }
}

fn bench(c: &mut Criterion) {
    let json = real_shaped_profile(RULES);
    let path = std::env::temp_dir().join("ssetop-bench-profile-20mb.json");
    if let Err(e) = std::fs::write(&path, &json) {
        eprintln!("profile: cannot write {}: {e}", path.display());
    }
    budget_report(&json);

    let mut group = c.benchmark_group("profile_20mb");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("read_and_index", |b| {
        b.iter(|| ForwardingProfile::parse(black_box(&json)).map(|p| p.rules.len()))
    });
    group.bench_function("serde_json_value_alone", |b| {
        b.iter(|| {
            serde_json::from_str::<serde_json::Value>(black_box(&json)).map(|v| v.is_object())
        })
    });
    group.finish();

    let profile = ForwardingProfile::parse(&json).expect("the generated profile parses");
    let address = IpAddr::V4(Ipv4Addr::new(52, 96, 1, 10));
    c.bench_function("profile_20mb_lookup_by_name", |b| {
        b.iter(|| {
            profile
                .find(
                    black_box(address),
                    Protocol::Tcp,
                    443,
                    Some(black_box("x.svc123.prod.zpath.net")),
                )
                .map(|r| r.order)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
