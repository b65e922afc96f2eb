//! The health checks: each a stable id, a status, a one-line summary, the evidence, and a
//! remedy that names where to fix it. This module is the framework (how a check is built, the
//! one list of checks in the order they run, and how a check reads a setting); each check
//! family lives in its own file with its tests.

mod break_glass;
mod bypass_routes;
mod clients;
mod diagnostic_urls;
mod doh;
mod edge_dns;
mod entra_join;
mod forwarding_profile;
mod gsa_crashes;
mod gsa_edge_results;
mod gsa_tunnel;
mod gsa_version;
mod hyperv_switch;
mod ipv4_preference;
mod magic_ip;
mod mtls_certificate;
// macOS client state (GSA's macOS Health check)
mod macos_client;
mod nested_tunnel;
mod nrpt;
// --probe (issue 13): edge-reachable, diagnostic-uri, internet.
pub(crate) mod probes;
mod profile_bypass;
mod proxy;
mod quic;
mod services;
mod setup;
#[cfg(test)]
mod testing;
// --- vendor status tools (issue 13, part 4) ---
mod vendor_status;
// --- end vendor status tools ---

pub(crate) use edge_dns::{JudgedName, judge_names};

use super::attribution::Attributor;
use super::facts::Facts;
use crate::assessment::{Check, RangePath, SetupDecision, Status};
use crate::knowledge::{SetupId, Vendor};
use crate::snapshot::{PolicyValue, Reading, Settings};

impl Check {
    fn new(id: impl Into<String>, status: Status, summary: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            remedy: None,
        }
    }

    fn evidence(mut self, evidence: impl IntoIterator<Item = String>) -> Check {
        self.evidence.extend(evidence);
        self
    }

    fn remedy(mut self, remedy: impl Into<String>) -> Check {
        self.remedy = Some(remedy.into());
        self
    }
}

/// Every check, in the order the report lists them before sorting by status. `names` are GSA's
/// edge names as the analysis judged them (`None` when the DNS source has no data): the DNS
/// pane shows the same rows.
pub(crate) fn run(
    facts: &Facts,
    setup: &SetupDecision,
    attributor: &Attributor,
    paths: Option<&[RangePath]>,
    names: Option<&[JudgedName]>,
) -> Vec<Check> {
    let mut checks = vec![setup::setup_check(facts, setup)];
    checks.extend(
        Vendor::ALL
            .iter()
            .map(|v| clients::client_check(facts, setup.id, *v)),
    );
    checks.extend(bypass_routes::bypass_route_checks(facts, setup.id, paths));
    checks.extend(edge_dns::edge_dns_checks(facts, names));
    checks.push(gsa_tunnel::gsa_tunnel_check(facts, attributor));
    checks.push(nested_tunnel::nested_tunnel_check(facts, attributor));
    checks.push(forwarding_profile::forwarding_profile_check(
        facts, setup.id,
    ));
    checks.extend(profile_bypass::profile_bypass_checks(facts, setup.id));
    // GSA's own health check rows that read the profile and DNS.
    checks.push(break_glass::break_glass_check(facts));
    checks.push(diagnostic_urls::diagnostic_urls_check(facts));
    checks.push(magic_ip::magic_ip_check(facts));
    checks.push(ipv4_preference::ipv4_preference_check(facts));
    checks.extend(windows_host_checks(facts, setup.id));
    checks.push(gsa_edge_results::gsa_edge_results_check(facts, names));
    checks.push(gsa_version::gsa_version_check(facts));
    // --probe (issue 13): GSA's Health check rows that need traffic; skip without --probe.
    checks.extend(probes::probe_checks(facts, attributor));
    // macOS client state (GSA's macOS Health check): skipped with the reason elsewhere.
    checks.extend(macos_client::macos_client_checks(facts));
    // --- vendor status tools (issue 13, part 4) ---
    checks.extend(vendor_status::vendor_status_checks(facts));
    // --- end vendor status tools ---
    checks
}

/// The host configuration GSA's own health check looks at on Windows: the vendors' services and
/// drivers, the Entra join, the system proxy, DNS over HTTPS and QUIC policies. Each judges one
/// reading of the settings source; where the reading does not apply (other OSes) the check is
/// skipped with its reason, and where it could not be read (access denied) the check warns
/// with the reason.
fn windows_host_checks(facts: &Facts, setup: SetupId) -> Vec<Check> {
    let mut checks: Vec<Check> = Vendor::ALL
        .iter()
        .map(|v| services::services_check(facts, setup, *v))
        .collect();
    checks.push(entra_join::entra_join_check(facts));
    checks.push(proxy::proxy_check(facts));
    checks.push(doh::doh_check(facts));
    checks.push(quic::quic_check(facts, setup));
    checks.push(nrpt::nrpt_check(facts));
    checks.push(mtls_certificate::mtls_certificate_check(facts));
    checks.push(hyperv_switch::hyperv_switch_check(facts));
    checks.push(gsa_crashes::gsa_crashes_check(facts));
    checks
}

fn console(facts: &Facts, vendor: Vendor) -> String {
    facts.knowledge.vendor(vendor).console.clone()
}

/// The reading a check judges, or the check that says why there is none.
fn value_or_check<'s, T>(
    facts: &'s Facts,
    id: &str,
    what: &str,
    pick: impl Fn(&'s Settings) -> &'s Reading<T>,
) -> Result<&'s T, Check> {
    let Some(settings) = facts.snapshot.settings.get() else {
        return Err(Check::new(
            id,
            Status::Skip,
            format!(
                "settings unavailable ({})",
                facts.snapshot.settings.describe()
            ),
        ));
    };
    reading_or_check(id, what, pick(settings)).map_err(|check| match check.status {
        Status::Warn => check.remedy("run ssetop elevated (Run as administrator) to read it"),
        _ => check,
    })
}

/// A reading's value, or the check that says why there is none: `skip` where it does not
/// apply or is not set, `warn` where it could not be read.
fn reading_or_check<'s, T>(id: &str, what: &str, reading: &'s Reading<T>) -> Result<&'s T, Check> {
    match reading {
        Reading::Value(value) => Ok(value),
        Reading::NotApplicable(reason) | Reading::Missing(reason) => {
            Err(Check::new(id, Status::Skip, reason.clone()))
        }
        Reading::Unavailable(reason) => Err(Check::new(
            id,
            Status::Warn,
            format!("cannot read {what}: {reason}"),
        )),
    }
}

fn policies<'s>(facts: &'s Facts, id: &str) -> Result<&'s [PolicyValue], Check> {
    value_or_check(facts, id, "the browser and DNS policies", |s| &s.policies).map(Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use crate::assessment::Status;
    use crate::knowledge::SetupId;
    use crate::snapshot::Reading;

    #[test]
    fn on_linux_every_host_check_is_skipped_with_the_collectors_reason() {
        let s = snapshot(
            "linux",
            with(|s| {
                s.services = Reading::NotApplicable("services are read on Windows".into());
                s.join = Reading::NotApplicable("join is read on Windows".into());
                s.proxy = Reading::NotApplicable("proxy is read on Windows".into());
                s.policies = Reading::NotApplicable("policies are read on Windows".into());
                s.gsa_windows = crate::snapshot::GsaWindowsReadings::not_on_windows();
            }),
        );
        let all = host_checks(&s, SetupId::GlobalProtect);
        assert_eq!(all.len(), 11);
        for check in &all {
            assert_eq!(check.status, Status::Skip, "{check:#?}");
            assert!(check.summary.contains("Windows"), "{check:#?}");
        }
    }
}
