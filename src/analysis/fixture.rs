//! A small builder of snapshots for the analysis's unit tests: a device described in a few
//! chained calls, every section present and `ok` unless a test says otherwise.

use jiff::Timestamp;

use crate::snapshot::*;

pub const T0: i64 = 1_790_000_000;

pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(T0 + seconds).unwrap_or_else(|e| panic!("{e}"))
}

pub struct Device {
    pub snapshot: Snapshot,
}

fn ok<T>(data: T) -> Section<T> {
    Section::ok(data, at(0), 1)
}

impl Device {
    pub fn new(os: &str) -> Device {
        Device {
            snapshot: Snapshot {
                taken_at: at(0),
                host: Host {
                    name: "test".into(),
                    os: os.into(),
                    os_version: None,
                    elevated: true,
                },
                routes: ok(RouteData::default()),
                interfaces: ok(vec![]),
                sockets: ok(vec![]),
                processes: ok(vec![]),
                dns: ok(vec![]),
                settings: ok(Settings::default()),
                probes: crate::snapshot::not_probed(),
                vendor_reports: ok(vec![]),
            },
        }
    }

    /// A Windows laptop on Ethernet with a default route.
    pub fn windows() -> Device {
        Device::new("windows")
            .interface(1, "Loopback", None, &["127.0.0.1/8"])
            .interface(12, "Ethernet", Some("Intel Ethernet"), &["192.168.1.50/24"])
            .route("0.0.0.0/0", "Ethernet", Some("192.168.1.1"), 25)
            .route("192.168.1.0/24", "Ethernet", None, 281)
    }

    /// What a vendor's own status tool said.
    pub fn vendor_report(mut self, report: crate::snapshot::VendorReport) -> Device {
        if let Some(reports) = self.snapshot.vendor_reports.data.as_mut() {
            reports.retain(|r| r.vendor != report.vendor);
            reports.push(report);
        }
        self
    }

    pub fn at(mut self, seconds: i64) -> Device {
        self.snapshot.taken_at = at(seconds);
        self
    }

    pub fn interface(
        mut self,
        index: u32,
        name: &str,
        description: Option<&str>,
        addresses: &[&str],
    ) -> Device {
        if let Some(list) = self.snapshot.interfaces.data.as_mut() {
            list.push(Interface {
                index,
                name: name.into(),
                id: None,
                friendly_name: None,
                description: description.map(Into::into),
                kind: "ethernet".into(),
                oper_state: "up".into(),
                up: true,
                addresses: addresses
                    .iter()
                    .map(|a| a.parse().unwrap_or_else(|e| panic!("{a}: {e}")))
                    .collect(),
            });
        }
        self
    }

    /// GlobalProtect's Windows adapter, up.
    pub fn pangp(self) -> Device {
        self.interface(
            23,
            "Ethernet 3",
            Some("PANGP Virtual Ethernet Adapter Secure"),
            &["10.200.0.7/32"],
        )
    }

    pub fn route(
        mut self,
        destination: &str,
        dev: &str,
        gateway: Option<&str>,
        metric: u32,
    ) -> Device {
        self.push_route(destination, dev, gateway, metric, RouteKind::Unicast);
        self
    }

    pub fn route_kind(mut self, destination: &str, dev: &str, kind: RouteKind) -> Device {
        self.push_route(destination, dev, None, 0, kind);
        self
    }

    fn push_route(
        &mut self,
        destination: &str,
        dev: &str,
        gateway: Option<&str>,
        metric: u32,
        kind: RouteKind,
    ) {
        if let Some(data) = self.snapshot.routes.data.as_mut() {
            data.routes.push(Route {
                destination: destination
                    .parse()
                    .unwrap_or_else(|e| panic!("{destination}: {e}")),
                gateway: gateway.map(|g| g.parse().unwrap_or_else(|e| panic!("{g}: {e}"))),
                interface_index: None,
                interface: Some(dev.into()),
                metric: Some(metric),
                table: None,
                kind,
                source: None,
            });
        }
    }

    pub fn process(self, pid: u32, name: &str) -> Device {
        self.process_started(pid, name, None)
    }

    pub fn process_started(mut self, pid: u32, name: &str, started: Option<i64>) -> Device {
        if let Some(list) = self.snapshot.processes.data.as_mut() {
            list.push(Process {
                pid,
                parent: None,
                name: name.into(),
                exe: None,
                cmdline: None,
                command: None,
                started_at: started.map(at),
                user: None,
            });
        }
        self
    }

    pub fn socket(
        mut self,
        protocol: Protocol,
        local: &str,
        remote: Option<&str>,
        state: Option<&str>,
        pid: Option<u32>,
    ) -> Device {
        if let Some(list) = self.snapshot.sockets.data.as_mut() {
            list.push(Socket {
                protocol,
                local: local.parse().unwrap_or_else(|e| panic!("{local}: {e}")),
                remote: remote.map(|r| r.parse().unwrap_or_else(|e| panic!("{r}: {e}"))),
                state: state.map(Into::into),
                pids: pid.into_iter().collect(),
                uid: None,
            });
        }
        self
    }

    /// An established TCP connection from the Ethernet address.
    pub fn tcp(self, remote: &str, pid: Option<u32>) -> Device {
        let port = 40_000 + self.snapshot.sockets.data.as_ref().map_or(0, Vec::len) as u16;
        self.socket(
            Protocol::Tcp,
            &format!("192.168.1.50:{port}"),
            Some(remote),
            Some("ESTABLISHED"),
            pid,
        )
    }

    pub fn listen(self, local: &str, pid: Option<u32>) -> Device {
        self.socket(Protocol::Tcp, local, None, Some("LISTEN"), pid)
    }

    pub fn dns(mut self, name: &str, status: DnsStatus, addresses: &[&str]) -> Device {
        if let Some(list) = self.snapshot.dns.data.as_mut() {
            list.push(DnsAnswer {
                name: name.into(),
                status,
                addresses: addresses
                    .iter()
                    .map(|a| a.parse().unwrap_or_else(|e| panic!("{a}: {e}")))
                    .collect(),
                elapsed_ms: 5,
                detail: None,
                purpose: DnsPurpose::Edge,
            });
        }
        self
    }

    /// An answer for the host of a `diagnosticUri` (the `magic-ip` check's).
    pub fn diagnostic_dns(mut self, name: &str, status: DnsStatus, addresses: &[&str]) -> Device {
        self = self.dns(name, status, addresses);
        if let Some(answer) = self.snapshot.dns.data.as_mut().and_then(|l| l.last_mut()) {
            answer.purpose = DnsPurpose::DiagnosticHost;
        }
        self
    }

    pub fn profile(mut self, json: &str) -> Device {
        if let Some(s) = self.snapshot.settings.data.as_mut() {
            s.forwarding_profile = Reading::Value(ProfileText {
                origin: "test".into(),
                json: json.into(),
                timestamp: None,
            });
        }
        self
    }

    pub fn settings(mut self, edit: impl FnOnce(&mut Settings)) -> Device {
        if let Some(s) = self.snapshot.settings.data.as_mut() {
            edit(s);
        }
        self
    }

    pub fn without_routes(mut self) -> Device {
        self.snapshot.routes = Section::failed("test: no routes");
        self
    }

    pub fn build(self) -> Snapshot {
        self.snapshot
    }
}

/// A profile with one channel per entry of `channels` (`name`, enabled) and the given rules.
pub fn profile_json(channels: &[(&str, bool)], rules: &str) -> String {
    let channels: Vec<String> = channels
        .iter()
        .map(|(name, enabled)| {
            format!(r#"{{"id": "{name}", "name": "{name}", "isEnabled": {enabled}}}"#)
        })
        .collect();
    format!(
        r#"{{"policy": {{"channels": [{}], "rules": [{rules}]}}}}"#,
        channels.join(",")
    )
}

/// GSA's tunnel process, another service and the tray app, as on Windows.
pub fn with_gsa(device: Device) -> Device {
    device
        .process(4100, "GlobalSecureAccessTunnelingService.exe")
        .process(4101, "GlobalSecureAccessEngineService.exe")
        .process(4102, "GlobalSecureAccessClient.exe")
}
