//! `ssetop explain DEST`: the destination parsed, one snapshot of this device and the
//! destination's DNS answer taken side by side within `--deadline`, and the analysis's walk.
//! `flow-test` calls [`resolve`] and [`predict`] for its "predicted" column.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{analysis_options, collect_config, run_to_end};
use crate::analysis::Analyzer;
use crate::assessment::{Carrier, ExplainQuery, Explanation, Resolution, ResolutionStatus};
use crate::cli::{ExplainArgs, Options, Protocol as CliProtocol};
use crate::collect;
use crate::error::AppError;
use crate::input_file::Deadline;
use crate::knowledge::{EdgeName, Knowledge};
use crate::snapshot::{DnsStatus, Protocol, Snapshot};

/// The port `explain` assumes without one.
pub(crate) const DEFAULT_PORT: u16 = 443;

/// `DEST` as given: `host`, `host:port`, `1.2.3.4`, `1.2.3.4:22`, `2001:db8::1`,
/// `[2001:db8::1]:443`; `--port` (when given) must agree with a port in DEST.
pub(crate) fn parse_destination(text: &str, port: Option<u16>) -> Result<(String, u16), AppError> {
    let bad = |why: &str| {
        AppError::Usage(format!(
            "{} is not a destination: {why} (give a host name or an address, optionally with :PORT)",
            crate::safe_text::field(text)
        ))
    };
    let text = text.trim();
    let (host, in_text): (&str, Option<&str>) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| bad("no closing ]"))?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(after.strip_prefix(':').ok_or_else(|| bad("text after ]"))?),
            ),
        }
    } else if text.matches(':').count() == 1 {
        let (host, port) = text.split_once(':').unwrap_or((text, ""));
        (host, Some(port))
    } else {
        (text, None)
    };
    let in_text = in_text
        .map(|p| p.parse::<u16>().map_err(|_| bad("the port is not 0-65535")))
        .transpose()?;
    let port = match (in_text, port) {
        (Some(a), Some(b)) if a != b => {
            return Err(bad(&format!("its port {a} differs from --port {b}")));
        }
        (Some(p), _) | (None, Some(p)) => p,
        (None, None) => DEFAULT_PORT,
    };
    if port == 0 {
        return Err(bad("port 0 is not a destination port"));
    }
    if let Ok(address) = host.parse::<IpAddr>() {
        return Ok((address.to_string(), port));
    }
    let host = host.trim_end_matches('.');
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !valid {
        return Err(bad("not a valid host name"));
    }
    Ok((host.to_ascii_lowercase(), port))
}

/// The addresses of `destination`: itself when it is an address, else the system resolver's
/// answer through the same DNS code and per-query timeout as the edge checks (IPv4, as those).
pub(crate) async fn resolve(
    destination: &str,
    dns_timeout: Duration,
    budget: Duration,
    no_dns: bool,
) -> Resolution {
    if let Ok(address) = destination.parse::<IpAddr>() {
        return Resolution::literal(address);
    }
    if no_dns {
        return Resolution {
            status: ResolutionStatus::Skipped,
            addresses: Vec::new(),
            elapsed_ms: 0,
            detail: Some("--no-dns: the name was not resolved".into()),
        };
    }
    let name = EdgeName {
        name: destination.to_string(),
        channel: None,
        list: "explain".into(),
        required: false,
        source: "command line".into(),
        confirmed: true,
    };
    let started = Instant::now();
    let answer =
        match collect::dns::collect(vec![name], None, Vec::new(), dns_timeout, budget).await {
            Ok((mut answers, _)) if !answers.is_empty() => answers.swap_remove(0),
            Ok(_) => {
                return failed(started, "the resolver gave no answer".into());
            }
            Err(e) => return failed(started, e),
        };
    Resolution {
        status: match answer.status {
            DnsStatus::Resolved => ResolutionStatus::Resolved,
            DnsStatus::Nxdomain => ResolutionStatus::Nxdomain,
            DnsStatus::Refused => ResolutionStatus::Refused,
            DnsStatus::Timeout => ResolutionStatus::Timeout,
            DnsStatus::Error => ResolutionStatus::Error,
            DnsStatus::Skipped => ResolutionStatus::Skipped,
        },
        addresses: answer.addresses,
        elapsed_ms: answer.elapsed_ms,
        detail: answer.detail,
    }
}

fn failed(started: Instant, detail: String) -> Resolution {
    Resolution {
        status: ResolutionStatus::Error,
        addresses: Vec::new(),
        elapsed_ms: started.elapsed().as_millis() as u64,
        detail: Some(detail),
    }
}

/// The carrier `explain` predicts for a destination, and its evidence: the carrier of every
/// address when they agree; when they differ, the first address's, with a line saying so;
/// `None` when no address was found (the resolution says why).
// Called by flow-test through predict_destination; tested below.
#[allow(dead_code)]
pub(crate) fn predict(explanation: &Explanation) -> Option<(Carrier, Vec<String>)> {
    let first = explanation.paths.first()?;
    let mut evidence: Vec<String> = first.evidence.clone();
    evidence.extend(first.unseen.iter().cloned());
    let others: Vec<String> = explanation
        .paths
        .iter()
        .filter(|p| p.carrier != first.carrier)
        .map(|p| format!("{} goes to {}", p.address, p.carrier.label()))
        .collect();
    if !others.is_empty() {
        evidence.push(format!(
            "the addresses differ: {} goes to {}, {}",
            first.address,
            first.carrier.label(),
            others.join(", ")
        ));
    }
    evidence.extend(explanation.notes.iter().skip(1).cloned());
    Some((first.carrier, evidence))
}

/// One question for the engine, against a snapshot already taken (flow-test asks many).
pub(crate) fn explain_in(
    analyzer: &mut Analyzer,
    snapshot: &Snapshot,
    query: &ExplainQuery,
    resolution: Resolution,
) -> Explanation {
    analyzer.explain(snapshot, query, resolution)
}

/// flow-test's "predicted" column for one (host or address, port, protocol): resolves the
/// destination (not when it is an address) within `budget`, walks the engine on `snapshot`,
/// and returns the whole explanation with the predicted carrier and its evidence (`None`
/// when nothing resolved: the explanation's resolution says why).
// Called by flow-test (its own branch); tested below.
#[allow(dead_code)]
pub(crate) async fn predict_destination(
    analyzer: &mut Analyzer,
    snapshot: &Snapshot,
    query: &ExplainQuery,
    dns_timeout: Duration,
    budget: Duration,
    no_dns: bool,
) -> (Explanation, Option<(Carrier, Vec<String>)>) {
    let resolution = resolve(&query.destination, dns_timeout, budget, no_dns).await;
    let explanation = explain_in(analyzer, snapshot, query, resolution);
    let predicted = predict(&explanation);
    (explanation, predicted)
}

/// `ssetop explain DEST`: one snapshot and the DNS answer, side by side, within `--deadline`.
pub(crate) fn explain(
    options: &Options,
    args: &ExplainArgs,
    knowledge: Arc<Knowledge>,
    deadline: &Deadline,
) -> Result<Explanation, AppError> {
    let (destination, port) = parse_destination(&args.destination, args.port)?;
    let query = ExplainQuery {
        destination,
        port,
        protocol: match args.protocol {
            CliProtocol::Tcp => Protocol::Tcp,
            CliProtocol::Udp => Protocol::Udp,
        },
    };
    let budget = deadline
        .remaining()
        .saturating_sub(Duration::from_millis(150))
        .max(Duration::from_millis(50));
    let mut config = collect_config(options, &knowledge);
    config.source_deadline = budget;
    // The walk reads no vendor's own word: its tools are not run.
    config.vendor_tools.clear();
    let (snapshot, resolution) = run_to_end(async {
        tokio::join!(
            collect::collect_once(config, budget),
            resolve(
                &query.destination,
                options.dns_timeout,
                budget,
                options.no_dns
            )
        )
    })?;
    let mut analyzer = Analyzer::new(knowledge, analysis_options(options));
    analyzer.set_profile_deadline(
        Instant::now()
            + deadline
                .remaining()
                .saturating_sub(Duration::from_millis(100)),
    );
    let mut explanation = explain_in(&mut analyzer, &snapshot, &query, resolution);
    // Intelligent Local Access: the profile's probe names, asked now (after the snapshot that
    // holds the profile), within what is left.
    let networks = analyzer.ila_networks(&snapshot);
    let names = crate::analysis::explain::ila_probe_names(&networks);
    if !networks.is_empty() {
        let left = deadline
            .remaining()
            .saturating_sub(Duration::from_millis(150));
        let answers =
            run_to_end(futures::future::join_all(names.iter().map(|name| {
                resolve(name, options.dns_timeout, left, options.no_dns)
            })))?;
        let answers: Vec<(String, Resolution)> = names.into_iter().zip(answers).collect();
        let ila = crate::analysis::explain::judge_ila(&networks, &answers);
        crate::analysis::explain::apply_ila(&mut explanation, ila);
    }
    Ok(explanation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalysisOptions;
    use crate::analysis::fixture::Device;

    #[test]
    fn predict_gives_the_carrier_of_a_literal_address_without_resolving() {
        let snapshot = Device::windows()
            .pangp()
            .route("0.0.0.0/1", "Ethernet 3", Some("10.200.0.1"), 1)
            .build();
        let mut analyzer =
            Analyzer::new(Arc::new(Knowledge::embedded()), AnalysisOptions::default());
        let query = ExplainQuery {
            destination: "93.184.216.34".into(),
            port: 443,
            protocol: Protocol::Tcp,
        };
        let runtime = crate::live::runtime().unwrap();
        let (explanation, predicted) = runtime.block_on(predict_destination(
            &mut analyzer,
            &snapshot,
            &query,
            Duration::from_secs(1),
            Duration::from_secs(1),
            true,
        ));
        assert_eq!(explanation.resolution.status, ResolutionStatus::Literal);
        let (carrier, evidence) = predicted.unwrap();
        assert_eq!(carrier, Carrier::GlobalProtect);
        assert!(
            evidence.iter().any(|e| e.contains("Ethernet 3")),
            "{evidence:?}"
        );
        // A name with --no-dns resolves to nothing: no prediction, and the reason.
        let query = ExplainQuery {
            destination: "www.example.org".into(),
            ..query
        };
        let (explanation, predicted) = runtime.block_on(predict_destination(
            &mut analyzer,
            &snapshot,
            &query,
            Duration::from_secs(1),
            Duration::from_secs(1),
            true,
        ));
        assert!(predicted.is_none());
        assert_eq!(explanation.resolution.status, ResolutionStatus::Skipped);
    }

    #[test]
    fn destinations_parse_with_and_without_ports() {
        let ok = |t: &str, p: Option<u16>| parse_destination(t, p).unwrap();
        assert_eq!(
            ok("outlook.office.com", None),
            ("outlook.office.com".into(), 443)
        );
        assert_eq!(ok("10.1.2.3", Some(3389)), ("10.1.2.3".into(), 3389));
        assert_eq!(
            ok("App.Contoso.local:22", None),
            ("app.contoso.local".into(), 22)
        );
        assert_eq!(
            ok("app.contoso.local:22", Some(22)),
            ("app.contoso.local".into(), 22)
        );
        assert_eq!(ok("2001:db8::1", None), ("2001:db8::1".into(), 443));
        assert_eq!(ok("[2001:db8::1]:8443", None), ("2001:db8::1".into(), 8443));
        for bad in [
            "",
            "a..b",
            "host:99999",
            "host:x",
            "[::1",
            "bad\u{1b}[2Jname",
            "host:0",
            "a b",
        ] {
            assert!(parse_destination(bad, None).is_err(), "{bad:?}");
        }
        assert!(parse_destination("host:22", Some(23)).is_err());
    }
}
