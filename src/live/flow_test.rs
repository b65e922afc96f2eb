//! `ssetop flow-test`: one snapshot of this device and its setup, the rows of that setup's
//! guide, each name resolved and explained by the `explain` engine (predicted), and with
//! `--connect` one real connection per row, found again in a fresh socket collection taken
//! while it is open and attributed by the same analysis (observed). All within `--deadline`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::explain::{explain_in, parse_destination, resolve};
use super::{analysis_options, collect_config, run_to_end};
use crate::analysis::flow_test::{
    self, AddressProbe, DestinationOverride, FlowRow, FlowTestRequest, Prediction, Probe,
    Resolution, RowFindings,
};
use crate::analysis::{Analyzer, explain};
use crate::assessment::{
    ExplainQuery, Explanation, FlowPath, FlowTest, Resolution as DnsResolution,
};
use crate::cli::{FlowTestArgs, Options};
use crate::collect;
use crate::error::AppError;
use crate::input_file::Deadline;
use crate::knowledge::Knowledge;
use crate::probe::{self, ConnectError, OpenConnection};
use crate::snapshot::Protocol;

/// What the output and the exit take after the last step.
const OUTPUT_RESERVE: Duration = Duration::from_millis(150);

/// The arguments checked: any bad one is exit 3 before anything is collected.
fn request_of(args: &FlowTestArgs) -> Result<FlowTestRequest, AppError> {
    let tenant_domain = args
        .tenant_domain
        .as_deref()
        .map(flow_test::parse_tenant_domain)
        .transpose()
        .map_err(AppError::Usage)?;
    let private_app = args
        .private_app
        .as_deref()
        .map(|text| {
            parse_destination(text, None)
                .map_err(|e| AppError::Usage(format!("--private-app: {e}")))
        })
        .transpose()?;
    let destinations = args
        .destination
        .iter()
        .map(|text| {
            let (target, carrier) = flow_test::split_destination(text).map_err(AppError::Usage)?;
            let (host, port) = parse_destination(target, None)
                .map_err(|e| AppError::Usage(format!("--destination: {e}")))?;
            Ok(DestinationOverride {
                host,
                port,
                carrier,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(FlowTestRequest {
        tenant_domain,
        private_app,
        destinations,
    })
}

/// The engine's answer as the judgement reads it. flow-test resolves every row's name at once
/// (`resolve`) and then asks the engine (`explain_in`) for each: `predict_destination` would
/// resolve one row after the other, and several slow names would outlast `--deadline`.
fn findings_of(explanation: Option<&Explanation>) -> RowFindings {
    let Some(explanation) = explanation else {
        return RowFindings::default();
    };
    let resolution = &explanation.resolution;
    RowFindings {
        resolution: Some(if resolution.addresses.is_empty() {
            Resolution::Failed(match &resolution.detail {
                Some(detail) => format!("{} ({detail})", resolution.status.id()),
                None => resolution.status.id().to_string(),
            })
        } else {
            Resolution::Resolved(resolution.addresses.clone())
        }),
        predictions: explanation
            .paths
            .iter()
            .map(|path| Prediction {
                address: path.address,
                path: FlowPath {
                    carrier: path.carrier,
                    channel: path.channel,
                },
                // What the device cannot show is part of the prediction's evidence.
                evidence: path.evidence.iter().chain(&path.unseen).cloned().collect(),
            })
            .collect(),
        probes: None,
    }
}

/// One row's connections, one address after the other (IPv4 first), within `window`: each
/// address gets a fair share of what is left ([`flow_test::attempt_timeout`]); those for which
/// no time is left are not tried, saying so. Every connection opened is held (returned).
fn open_row(
    addresses: &[IpAddr],
    name: &str,
    port: u16,
    window: Duration,
) -> (Vec<AddressProbe>, Vec<OpenConnection>) {
    let started = Instant::now();
    let order = flow_test::connect_order(addresses);
    let mut probes = Vec::with_capacity(order.len());
    let mut held = Vec::new();
    for (i, address) in order.iter().enumerate() {
        let remaining = window.saturating_sub(started.elapsed());
        let probe = match flow_test::attempt_timeout(remaining, order.len() - i) {
            None => Probe::NotTried(format!(
                "{} ms of the connection window left, less than {} ms",
                remaining.as_millis(),
                flow_test::MIN_ATTEMPT.as_millis()
            )),
            Some(timeout) => match probe::open((*address, port).into(), name, timeout) {
                Ok(open) => {
                    let probe = probe_of(&open);
                    held.push(open);
                    probe
                }
                Err(ConnectError::Refused(why)) => Probe::Refused(why),
                Err(ConnectError::TimedOut(why)) => Probe::TimedOut(why),
                Err(ConnectError::Failed(why)) => Probe::Failed(why),
            },
        };
        probes.push(AddressProbe {
            address: *address,
            probe,
        });
    }
    (probes, held)
}

/// Every row's connections, the rows in parallel, each within `window`.
fn open_all(
    rows: &[FlowRow],
    findings: &[RowFindings],
    window: Duration,
) -> Vec<(Option<Vec<AddressProbe>>, Vec<OpenConnection>)> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .iter()
            .zip(findings)
            .map(|(row, found)| {
                let addresses = match &found.resolution {
                    Some(Resolution::Resolved(addresses)) if !addresses.is_empty() => {
                        Some(addresses.clone())
                    }
                    _ => None,
                };
                let name = row.destination.clone();
                let port = row.port;
                addresses
                    .map(|addresses| scope.spawn(move || open_row(&addresses, &name, port, window)))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| match handle {
                None => (None, Vec::new()),
                Some(h) => match h.join() {
                    Ok((probes, held)) => (Some(probes), held),
                    Err(_) => (Some(Vec::new()), Vec::new()),
                },
            })
            .collect()
    })
}

fn probe_of(open: &OpenConnection) -> Probe {
    Probe::Connected {
        local: open.local,
        remote: open.remote,
        tls: open.tls.clone(),
    }
}

/// `ssetop flow-test`.
pub(crate) fn flow_test(
    options: &Options,
    args: &FlowTestArgs,
    knowledge: Arc<Knowledge>,
    deadline: &Deadline,
) -> Result<FlowTest, AppError> {
    let request = request_of(args)?;
    let budget = || deadline.remaining().saturating_sub(OUTPUT_RESERVE);
    let mut config = collect_config(options, &knowledge);
    // The rows read no vendor's own word: its tools are not run.
    config.vendor_tools.clear();
    let mut analyzer = Analyzer::new(knowledge.clone(), analysis_options(options));
    analyzer.set_profile_deadline(Instant::now() + budget());
    // With --connect, the first collection leaves time for the connections and the second.
    let first_budget = if args.connect {
        budget() / 3
    } else {
        budget() / 2
    };
    let snapshot = run_to_end(collect::collect_once(
        config.clone(),
        first_budget.max(Duration::from_millis(50)),
    ))?;
    let assessment = analyzer.assess(&snapshot);
    let setup = assessment.setup.clone();
    let rows = flow_test::build_rows(&knowledge, setup.id, &request).map_err(AppError::Usage)?;

    // Every name at once (the rows' and Intelligent Local Access's probe names), each through
    // the same DNS code as `explain`.
    let dns_budget = if args.connect { budget() / 2 } else { budget() };
    let ila_networks = analyzer.ila_networks(&snapshot);
    let ila_names = explain::ila_probe_names(&ila_networks);
    let (resolutions, ila_answers): (Vec<Option<DnsResolution>>, Vec<DnsResolution>) =
        run_to_end(async {
            futures::join!(
                futures::future::join_all(rows.iter().map(|row| {
                    let host = row.host().map(str::to_string);
                    async move {
                        match host {
                            Some(host) => Some(
                                resolve(&host, options.dns_timeout, dns_budget, options.no_dns)
                                    .await,
                            ),
                            None => None,
                        }
                    }
                })),
                futures::future::join_all(ila_names.iter().map(|name| resolve(
                    name,
                    options.dns_timeout,
                    dns_budget,
                    options.no_dns
                )))
            )
        })?;
    let ila_answers: Vec<(String, DnsResolution)> =
        ila_names.into_iter().zip(ila_answers).collect();
    let ila = explain::judge_ila(&ila_networks, &ila_answers);
    let explanations: Vec<Option<Explanation>> = rows
        .iter()
        .zip(resolutions)
        .map(|(row, resolution)| {
            resolution.map(|resolution| {
                let query = ExplainQuery {
                    destination: row.destination.clone(),
                    port: row.port,
                    protocol: Protocol::Tcp,
                };
                explain_in(&mut analyzer, &snapshot, &query, resolution)
            })
        })
        .collect();
    let mut findings: Vec<RowFindings> = explanations
        .iter()
        .map(|e| findings_of(e.as_ref()))
        .collect();

    let mut observed_assessment = None;
    // Held open until the judgement is done: the fresh socket collection must see them.
    let mut held = Vec::new();
    if args.connect {
        let window = (budget() / 2).max(Duration::from_millis(50));
        let opened = open_all(&rows, &findings, window);
        let mut any_open = false;
        for (found, (probes, open)) in findings.iter_mut().zip(opened) {
            found.probes = probes;
            any_open |= !open.is_empty();
            held.extend(open);
        }
        if any_open {
            let fresh = run_to_end(collect::collect_once(
                config,
                budget().max(Duration::from_millis(50)),
            ))?;
            observed_assessment = Some(analyzer.assess(&fresh));
        }
    }
    let results = rows
        .iter()
        .zip(&findings)
        .map(|(row, found)| {
            let observed = observed_assessment
                .as_ref()
                .map_or(&[][..], |a| a.connections.as_slice());
            flow_test::judge(&knowledge, row, found, observed, ila.as_ref())
        })
        .collect();
    drop(held);
    Ok(FlowTest {
        setup,
        connect: args.connect,
        results,
        ila,
    })
}
