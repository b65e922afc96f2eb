//! `--probe`: the opt-in network probes as a collector. The analysis plans the targets (a
//! channel's edges, its `diagnosticUri`); this runs them in parallel within one timeout, adds
//! the `internet` probe (the OS's own connectivity verdict where it is cheaply readable, else
//! a GET of the connectivity-test URL), and returns the results for the snapshot together with
//! the connections, held open so that a socket collection taken meanwhile sees them.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::probe::{self, ConnectError, http};
use crate::snapshot::{ProbeKind, ProbeOutcome, ProbeResult, ProbeTarget};

/// The probes' connections, open until this is dropped.
#[derive(Default)]
pub(crate) struct Held(
    #[allow(dead_code, reason = "held only to keep the sockets open")] Vec<Box<dyn Send>>,
);

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Held({} connections)", self.0.len())
    }
}

/// How the `internet` probe is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InternetProbe {
    /// The URL fetched when the OS has no verdict (or always, when `prefer_url`).
    pub url: String,
    /// `--probe-url` was given: fetch it instead of reading the OS's verdict.
    pub prefer_url: bool,
}

/// Runs every target (and the `internet` probe) within `timeout`.
pub(crate) fn run(
    targets: Vec<ProbeTarget>,
    internet: &InternetProbe,
    timeout: Duration,
) -> (Vec<ProbeResult>, Held) {
    let started = Instant::now();
    let mut targets = targets;
    targets.push(ProbeTarget {
        kind: ProbeKind::Internet,
        channel: None,
        role: None,
        host: String::new(),
        port: 0,
        url: Some(internet.url.clone()),
        skip: None,
    });
    let (sender, receiver) = mpsc::channel();
    let mut results: Vec<Option<ProbeResult>> = Vec::with_capacity(targets.len());
    for (i, target) in targets.iter().enumerate() {
        if let Some(reason) = &target.skip {
            results.push(Some(result(
                target.clone(),
                ProbeOutcome::NotProbed {
                    reason: reason.clone(),
                },
            )));
            continue;
        }
        results.push(None);
        let sender = sender.clone();
        let target = target.clone();
        let internet = internet.clone();
        // A thread each, not scoped: a name lookup cannot be cancelled, and one that hangs is
        // reported as timed out instead of being waited for.
        let spawned = std::thread::Builder::new()
            .name("ssetop-probe".into())
            .spawn(move || {
                let outcome = probe_one(target, &internet, timeout);
                let _ = sender.send((i, outcome));
            });
        if let (Err(e), Some(slot)) = (spawned, results.get_mut(i)) {
            *slot = Some(result(
                targets.get(i).cloned().unwrap_or_else(unreachable_target),
                ProbeOutcome::Failed {
                    reason: format!("cannot start the probe: {e}"),
                },
            ));
        }
    }
    drop(sender);
    let mut held = Held::default();
    while results.iter().any(Option::is_none) {
        let left = timeout.saturating_sub(started.elapsed());
        let Ok((i, (found, connection))) = receiver.recv_timeout(left) else {
            break;
        };
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(found);
        }
        held.0.extend(connection);
    }
    let results = results
        .into_iter()
        .zip(targets)
        .map(|(found, target)| {
            found.unwrap_or_else(|| {
                result(
                    target,
                    ProbeOutcome::TimedOut {
                        reason: format!("no answer within {} ms", timeout.as_millis()),
                    },
                )
            })
        })
        .collect();
    (results, held)
}

fn unreachable_target() -> ProbeTarget {
    ProbeTarget {
        kind: ProbeKind::Internet,
        channel: None,
        role: None,
        host: String::new(),
        port: 0,
        url: None,
        skip: None,
    }
}

fn result(target: ProbeTarget, outcome: ProbeOutcome) -> ProbeResult {
    ProbeResult {
        target,
        local: None,
        remote: None,
        elapsed_ms: None,
        outcome,
        carried: false,
    }
}

fn error_outcome(error: ConnectError) -> ProbeOutcome {
    match error {
        ConnectError::Refused(reason) => ProbeOutcome::Refused { reason },
        ConnectError::TimedOut(reason) => ProbeOutcome::TimedOut { reason },
        ConnectError::Failed(reason) => ProbeOutcome::Failed { reason },
    }
}

fn probe_one(
    target: ProbeTarget,
    internet: &InternetProbe,
    timeout: Duration,
) -> (ProbeResult, Option<Box<dyn Send>>) {
    match target.kind {
        ProbeKind::EdgeReachable => edge(target, timeout),
        ProbeKind::DiagnosticUri => get(target, timeout),
        ProbeKind::Internet => {
            if !internet.prefer_url {
                if let Some(verdict) = os_verdict(timeout.min(Duration::from_secs(1))) {
                    return (result(target, verdict), None);
                }
            }
            get(target, timeout)
        }
    }
}

/// A TCP connection to an edge, over IPv4, and the time it took.
fn edge(target: ProbeTarget, timeout: Duration) -> (ProbeResult, Option<Box<dyn Send>>) {
    let started = Instant::now();
    let remote = match http::resolve_v4(&target.host, target.port) {
        Ok(remote) => remote,
        Err(e) => return (result(target, error_outcome(e)), None),
    };
    let left = timeout.saturating_sub(started.elapsed());
    let connected = probe::connect(remote, left.max(Duration::from_millis(1)));
    let elapsed_ms = Some(started.elapsed().as_millis() as u64);
    match connected {
        Ok((stream, local)) => (
            ProbeResult {
                target,
                local: Some(local),
                remote: Some(remote),
                elapsed_ms,
                outcome: ProbeOutcome::Connected,
                carried: false,
            },
            Some(Box::new(stream)),
        ),
        Err(e) => (
            ProbeResult {
                target,
                local: None,
                remote: Some(remote),
                elapsed_ms,
                outcome: error_outcome(e),
                carried: false,
            },
            None,
        ),
    }
}

/// One GET of the target's URL.
fn get(target: ProbeTarget, timeout: Duration) -> (ProbeResult, Option<Box<dyn Send>>) {
    let url = match target.url.as_deref().map(http::parse_url) {
        Some(Ok(url)) => url,
        Some(Err(why)) => return (result(target, ProbeOutcome::Failed { reason: why }), None),
        None => {
            return (
                result(
                    target,
                    ProbeOutcome::Failed {
                        reason: "no URL to probe".into(),
                    },
                ),
                None,
            );
        }
    };
    let probe = http::get(&url, timeout);
    let outcome = match probe.answer {
        Ok(answer) => ProbeOutcome::Http {
            status: answer.status,
            body: answer.body,
            location: answer.location,
            issuer: answer.issuer,
        },
        Err(e) => error_outcome(e),
    };
    (
        ProbeResult {
            target,
            local: probe.local,
            remote: probe.remote,
            elapsed_ms: Some(probe.elapsed.as_millis() as u64),
            outcome,
            carried: false,
        },
        probe.held,
    )
}

/// The OS's own last connectivity verdict, where it is cheap to read and asks for no new check.
#[cfg(target_os = "linux")]
fn os_verdict(timeout: Duration) -> Option<ProbeOutcome> {
    // NetworkManager's last known connectivity; `general` does not start a new check.
    let output = super::command::run(
        // An absolute path: run elevated, ssetop does not take a program from `PATH`.
        std::path::Path::new("/usr/bin/nmcli"),
        &["-t", "-f", "CONNECTIVITY", "general"],
        timeout,
    )
    .ok()
    .filter(super::command::CommandOutput::success)?;
    let verdict = parse_nmcli_connectivity(&output.stdout)?;
    Some(ProbeOutcome::OsVerdict {
        source: "NetworkManager's last known connectivity (nmcli -t -f CONNECTIVITY general)"
            .into(),
        verdict,
    })
}

#[cfg(not(target_os = "linux"))]
fn os_verdict(_timeout: Duration) -> Option<ProbeOutcome> {
    None
}

/// `nmcli -t -f CONNECTIVITY general`'s answer: `full`, `limited`, `portal` or `none`; `unknown`
/// (NetworkManager has not checked) and anything else is no verdict.
#[cfg_attr(
    not(target_os = "linux"),
    allow(
        dead_code,
        reason = "NetworkManager is read on Linux; every OS tests the parser"
    )
)]
pub(crate) fn parse_nmcli_connectivity(text: &str) -> Option<String> {
    let verdict = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let verdict = verdict.to_ascii_lowercase();
    matches!(verdict.as_str(), "full" | "limited" | "portal" | "none").then_some(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn nmcli_connectivity_is_read_from_real_shaped_output() {
        assert_eq!(parse_nmcli_connectivity("full\n").as_deref(), Some("full"));
        assert_eq!(
            parse_nmcli_connectivity("\r\n  Portal \r\n").as_deref(),
            Some("portal")
        );
        assert_eq!(parse_nmcli_connectivity("unknown\n"), None);
        assert_eq!(parse_nmcli_connectivity(""), None);
        assert_eq!(
            parse_nmcli_connectivity("Error: NetworkManager is not running.\n"),
            None
        );
    }

    fn edge_target(host: &str, port: u16) -> ProbeTarget {
        ProbeTarget {
            kind: ProbeKind::EdgeReachable,
            channel: Some("m365".into()),
            role: Some("primary".into()),
            host: host.into(),
            port,
            url: None,
            skip: None,
        }
    }

    #[test]
    fn an_edge_probe_connects_holds_the_socket_and_a_skipped_target_is_not_probed() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut skipped = edge_target("edge.example", 443);
        skipped.skip = Some("channel not enabled".into());
        let internet = InternetProbe {
            url: format!("http://127.0.0.1:{port}/connecttest.txt"),
            prefer_url: true,
        };
        // The internet probe's GET gets no answer from this listener: it times out.
        let (results, held) = run(
            vec![edge_target("127.0.0.1", port), skipped],
            &internet,
            Duration::from_millis(500),
        );
        // Two connections arrived: the edge probe's and the internet probe's GET.
        let peers = [listener.accept().unwrap().1, listener.accept().unwrap().1];
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].outcome, ProbeOutcome::Connected);
        assert!(peers.contains(&results[0].local.unwrap()), "{results:?}");
        assert_eq!(
            results[1].outcome,
            ProbeOutcome::NotProbed {
                reason: "channel not enabled".into()
            }
        );
        assert!(
            matches!(results[2].outcome, ProbeOutcome::TimedOut { .. }),
            "{:?}",
            results[2]
        );
        assert!(!held.0.is_empty());
    }
}
