//! `ssetop flow-test`: one snapshot of this device and its setup, the rows of that setup's
//! guide, each name resolved and explained by the `explain` engine (predicted), and with
//! `--connect` one real connection per row, found again in a fresh socket collection taken
//! while it is open and attributed by the same analysis (observed). All within `--deadline`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::explain::{explain_in, parse_destination, resolve};
use super::{analysis_options, collect_config, run_to_end};
use crate::analysis::Analyzer;
use crate::analysis::flow_test::{
    self, DestinationOverride, FlowRow, FlowTestRequest, Prediction, Probe, Resolution, RowFindings,
};
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
        probe: None,
    }
}

/// One connection per row (in parallel), to the row's first address.
fn open_all(
    rows: &[FlowRow],
    findings: &[RowFindings],
    timeout: Duration,
) -> Vec<Option<Result<OpenConnection, ConnectError>>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .iter()
            .zip(findings)
            .map(|(row, found)| {
                let address = match &found.resolution {
                    Some(Resolution::Resolved(addresses)) => addresses.first().copied(),
                    _ => None,
                };
                let name = row.destination.clone();
                let port = row.port;
                address.map(|address| {
                    scope.spawn(move || probe::open((address, port).into(), &name, timeout))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(ConnectError::Failed(
                            "the connection's thread failed".into(),
                        ))
                    })
                })
            })
            .collect()
    })
}

fn probe_of(opened: &Result<OpenConnection, ConnectError>) -> Probe {
    match opened {
        Ok(open) => Probe::Connected {
            local: open.local,
            remote: open.remote,
            tls: open.tls.clone(),
        },
        Err(ConnectError::Refused(why)) => Probe::Refused(why.clone()),
        Err(ConnectError::TimedOut(why)) => Probe::TimedOut(why.clone()),
        Err(ConnectError::Failed(why)) => Probe::Failed(why.clone()),
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
    let config = collect_config(options, &knowledge);
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

    // Every name at once, each through the same DNS code as `explain`.
    let dns_budget = if args.connect { budget() / 2 } else { budget() };
    let resolutions: Vec<Option<DnsResolution>> =
        run_to_end(futures::future::join_all(rows.iter().map(|row| {
            let host = row.host().map(str::to_string);
            async move {
                match host {
                    Some(host) => {
                        Some(resolve(&host, options.dns_timeout, dns_budget, options.no_dns).await)
                    }
                    None => None,
                }
            }
        })))?;
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
        let timeout = (budget() / 2).max(Duration::from_millis(50));
        let opened = open_all(&rows, &findings, timeout);
        for (found, opened) in findings.iter_mut().zip(&opened) {
            found.probe = opened.as_ref().map(probe_of);
        }
        if opened.iter().any(|o| matches!(o, Some(Ok(_)))) {
            let fresh = run_to_end(collect::collect_once(
                config,
                budget().max(Duration::from_millis(50)),
            ))?;
            observed_assessment = Some(analyzer.assess(&fresh));
        }
        held = opened;
    }
    let results = rows
        .iter()
        .zip(&findings)
        .map(|(row, found)| {
            let observed = match (&found.probe, &observed_assessment) {
                (Some(Probe::Connected { local, remote, .. }), Some(assessment)) => {
                    flow_test::own_connection(assessment, *local, *remote)
                }
                _ => None,
            };
            flow_test::judge(&knowledge, row, found, observed)
        })
        .collect();
    drop(held);
    Ok(FlowTest {
        setup,
        connect: args.connect,
        results,
    })
}
