//! `--probe`: a snapshot with the probes' results. One collection to plan from (the forwarding
//! profile and tenant id it read), the probes (their connections held open), then the
//! collection the report judges, taken while they are open so that its socket table holds the
//! probes' own sockets, with the results in its `probes` section.

use std::time::{Duration, Instant};

use jiff::Timestamp;

use crate::analysis::Analyzer;
use crate::cli::Options;
use crate::collect::probes::InternetProbe;
use crate::collect::{self, CollectConfig};
use crate::snapshot::{Section, Snapshot};

pub(crate) fn internet_probe(
    options: &Options,
    knowledge: &crate::knowledge::Knowledge,
) -> InternetProbe {
    InternetProbe {
        url: options
            .probe_url
            .clone()
            .unwrap_or_else(|| knowledge.file.connectivity.url.clone()),
        prefer_url: options.probe_url.is_some(),
    }
}

/// A snapshot within `budget`, probed: a third to plan, a third to probe, the rest to collect.
pub(crate) async fn snapshot_with_probes(
    config: CollectConfig,
    analyzer: &mut Analyzer,
    internet: InternetProbe,
    budget: Duration,
) -> Snapshot {
    let started = Instant::now();
    let floor = Duration::from_millis(50);
    // The planning read needs the profile and sockets only: the vendors' tools run once, in
    // the read the report judges.
    let mut planning = config.clone();
    planning.vendor_tools.clear();
    let first = collect::collect_once(planning, (budget / 3).max(floor)).await;
    let targets = analyzer.probe_plan(&first);
    let probe_budget = (budget / 3).max(floor);
    let probed_at = Timestamp::now();
    let probing =
        tokio::task::spawn_blocking(move || collect::probes::run(targets, &internet, probe_budget));
    let probes = match tokio::time::timeout(probe_budget + floor, probing).await {
        Ok(Ok((results, held))) => Ok((results, held)),
        Ok(Err(e)) => Err(format!("the probes crashed: {e}")),
        Err(_) => Err(format!("no answer within {} ms", probe_budget.as_millis())),
    };
    let probe_ms = probed_at
        .duration_until(Timestamp::now())
        .as_millis()
        .max(0) as u64;
    let left = budget.saturating_sub(started.elapsed()).max(floor);
    let mut snapshot = collect::collect_once(config, left).await;
    snapshot.probes = match probes {
        Ok((results, held)) => {
            drop(held);
            Section::ok(results, probed_at, probe_ms)
        }
        Err(why) => Section::failed(why),
    };
    snapshot
}
