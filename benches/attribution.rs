//! Attribution at scale: 10,000 connections against 50,000 routes and a 2,000-rule forwarding
//! profile (budget: under 10 ms for the attribution on the project's 2-core machine), the
//! building of the indexes, and the whole analysis of a first and of a next snapshot (the
//! dashboard's, which reuses the indexes of an unchanged routing table and profile).
//!
//! `cargo bench --bench attribution`

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ipnet::{IpNet, Ipv4Net};
use ssetop::analysis::attribution::Attributor;
use ssetop::analysis::facts::Facts;
use ssetop::analysis::fixture::{Device, at};
use ssetop::analysis::routing::RouteIndex;
use ssetop::analysis::{AnalysisOptions, Analyzer, assess_snapshot};
use ssetop::knowledge::{Knowledge, SetupId};
use ssetop::snapshot::*;

const ROUTES: usize = 50_000;
const CONNECTIONS: usize = 10_000;
const RULES: usize = 2_000;

/// A small deterministic generator (xorshift), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn ipv4(&mut self) -> Ipv4Addr {
        Ipv4Addr::from(self.next() as u32)
    }
}

fn profile_json(rng: &mut Rng) -> String {
    let rules: Vec<String> = (0..RULES)
        .map(|i| {
            let start = u32::from(rng.ipv4());
            let end = start.saturating_add((rng.next() % 65_536) as u32);
            let action = if i % 5 == 0 { "bypass" } else { "tunnel" };
            let address = if i % 50 == 0 {
                format!(r#""fqdns": ["host{i}\\.contoso\\.com", "*.app{i}.example"]"#)
            } else {
                format!(r#""ips": [{{"start": {start}, "end": {end}}}]"#)
            };
            format!(
                r#"{{"id": "r{i}", "channelId": "m365", "order": {i}, "action": "{action}",
                    "matchingCriteria": {{"address": {{{address}}}, "protocol": "tcp",
                    "ports": [{{"start": 443, "end": 443}}, {{"start": 80, "end": 80}}]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"policy": {{"channels": [{{"id": "m365", "name": "m365"}}], "rules": [{}]}}}}"#,
        rules.join(",")
    )
}

fn scenario() -> Snapshot {
    let mut rng = Rng(0x5eed_5e70);
    let now = at(0);
    let mut routes: Vec<Route> = (0..ROUTES)
        .map(|i| {
            let len = 16 + (rng.next() % 13) as u8;
            let net = Ipv4Net::new(rng.ipv4(), len).unwrap().trunc();
            Route {
                destination: IpNet::V4(net),
                gateway: None,
                interface_index: Some(if i % 3 == 0 { 3 } else { 2 }),
                interface: Some(if i % 3 == 0 { "gpd0" } else { "eth0" }.into()),
                metric: Some((rng.next() % 100) as u32),
                table: Some(254),
                kind: RouteKind::Unicast,
                source: None,
            }
        })
        .collect();
    routes.push(Route {
        destination: "0.0.0.0/0".parse().unwrap(),
        gateway: Some("10.0.0.1".parse().unwrap()),
        interface_index: Some(3),
        interface: Some("gpd0".into()),
        metric: Some(0),
        table: Some(254),
        kind: RouteKind::Unicast,
        source: None,
    });
    let processes: Vec<Process> = (0..100u32)
        .map(|pid| Process {
            pid: 1000 + pid,
            parent: None,
            name: match pid {
                0 => "GlobalSecureAccessTunnelingService".into(),
                1 => "PanGPS".into(),
                _ => format!("app{pid}"),
            },
            exe: None,
            cmdline: None,
            command: None,
            started_at: Some(now),
            user: None,
        })
        .collect();
    let sockets: Vec<Socket> = (0..CONNECTIONS)
        .map(|i| {
            let remote = match i % 10 {
                0 => IpAddr::V4(Ipv4Addr::new(6, 6, (i % 256) as u8, 1)),
                1 => IpAddr::V4(Ipv4Addr::new(150, 171, 19, (i % 256) as u8)),
                _ => IpAddr::V4(rng.ipv4()),
            };
            Socket {
                protocol: Protocol::Tcp,
                local: SocketAddr::new("10.0.0.5".parse().unwrap(), 40_000 + (i % 20_000) as u16),
                remote: Some(SocketAddr::new(remote, if i % 2 == 0 { 443 } else { 80 })),
                state: Some("ESTABLISHED".into()),
                pids: vec![1000 + (i % 100) as u32],
                uid: None,
            }
        })
        .collect();
    let profile = profile_json(&mut rng);
    // The shared snapshot builder gives the device; the generated tables replace its own.
    let mut device = Device::new("windows")
        .interface(1, "lo", None, &[])
        .interface(2, "eth0", None, &[])
        .interface(3, "gpd0", None, &[])
        .profile(&profile);
    device.snapshot.taken_at = now;
    device.snapshot.host.name = "bench".into();
    device.snapshot.routes = Section::ok(
        RouteData {
            routes,
            rules: vec![],
        },
        now,
        0,
    );
    device.snapshot.sockets = Section::ok(sockets, now, 0);
    device.snapshot.processes = Section::ok(processes, now, 0);
    device.build()
}

fn bench(c: &mut Criterion) {
    let snapshot = scenario();
    let mut knowledge = Knowledge::embedded();
    // Recognise gpd0 as GlobalProtect's adapter on the snapshot's OS (windows).
    for a in &mut knowledge.adapters {
        a.os.push(ssetop::knowledge::Os::Windows);
    }
    let facts = Facts::new(&snapshot, &knowledge);
    let attributor = Attributor::new(&facts, SetupId::GlobalProtect);
    let sockets = facts.sockets();
    let mut group = c.benchmark_group("attribution");
    group.sample_size(20);
    group.bench_function("attribute 10k connections (indexes built)", |b| {
        b.iter(|| {
            for socket in sockets {
                black_box(attributor.attribute(black_box(socket)));
            }
        })
    });
    group.bench_function("build indexes: 50k routes + 2k-rule profile", |b| {
        b.iter(|| {
            let facts = Facts::new(black_box(&snapshot), &knowledge);
            black_box(Attributor::new(&facts, SetupId::GlobalProtect).attribute(&sockets[0]));
        })
    });
    // What the dashboard saves per snapshot while the routing table is unchanged (the owned
    // copy of the routes is part of the build).
    group.bench_function("build route index: 50k routes", |b| {
        let data = snapshot.routes.get().expect("routes");
        b.iter(|| black_box(RouteIndex::new(black_box(data).clone())))
    });
    group.bench_function("whole snapshot analysis, first snapshot", |b| {
        let options = AnalysisOptions::default();
        b.iter(|| black_box(assess_snapshot(black_box(&snapshot), &knowledge, &options)))
    });
    group.bench_function("whole snapshot analysis, next snapshots (dashboard)", |b| {
        let mut analyzer = Analyzer::new(Arc::new(knowledge.clone()), AnalysisOptions::default());
        b.iter(|| black_box(analyzer.assess(black_box(&snapshot))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
