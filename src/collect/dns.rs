//! DNS answers for GSA's edge names, through the system's resolver configuration.
//!
//! Cache off, one attempt per query with a short timeout, all names in parallel under one
//! overall deadline. Each name reports resolved, nxdomain, refused, timeout or error.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use hickory_resolver::TokioResolver;
use hickory_resolver::config::LookupIpStrategy;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;

use super::JobResult;
use crate::knowledge::EdgeName;
use crate::snapshot::{DnsAnswer, DnsPurpose, DnsStatus};

/// The names to query: templates filled with the tenant id, or skipped without one.
pub(crate) fn expand_names(
    names: &[EdgeName],
    tenant: Option<&str>,
) -> Vec<(String, Option<String>)> {
    names
        .iter()
        .map(|n| match (n.needs_tenant(), tenant) {
            (false, _) => (n.name.clone(), None),
            (true, Some(t)) => (n.name.replace("{tenant}", t), None),
            (true, None) => (
                n.name.clone(),
                Some("no tenant id known (give --tenant-id)".to_string()),
            ),
        })
        .collect()
}

/// Whether a query that is still unanswered when the outer timeout fires was cut by ssetop's
/// own deadline (shorter than the query's own timeout) rather than left unanswered by the
/// server for its whole `--dns-timeout`.
fn cut_by_budget(overall: Duration, per_query: Duration) -> bool {
    overall < per_query
}

/// Resolves GSA's edge names and, beside them, `diagnostic_hosts` (the hosts of the forwarding
/// profile's `diagnosticUri`s, which GSA answers with a synthetic address when it acquires
/// names).
pub(crate) async fn collect(
    names: Vec<EdgeName>,
    tenant: Option<String>,
    diagnostic_hosts: Vec<String>,
    per_query: Duration,
    overall: Duration,
) -> JobResult<Vec<DnsAnswer>> {
    let mut builder = TokioResolver::builder_tokio()
        .map_err(|e| format!("cannot read the system's resolver configuration: {e}"))?;
    let options = builder.options_mut();
    options.cache_size = 0;
    options.timeout = per_query;
    // hickory counts retries after the first try: 0 is one attempt, so that a query gives up
    // after --dns-timeout (1 made every unanswered name take twice as long).
    options.attempts = 0;
    options.num_concurrent_reqs = 1;
    options.ip_strategy = LookupIpStrategy::Ipv4Only;
    let resolver = builder
        .build()
        .map_err(|e| format!("cannot start a resolver: {e}"))?;
    let edge_names = expand_names(&names, tenant.as_deref());
    // A diagnostic host that is also an edge name is asked for once, as the edge name.
    let diagnostic_hosts: Vec<String> = diagnostic_hosts
        .into_iter()
        .filter(|h| !edge_names.iter().any(|(n, _)| n.eq_ignore_ascii_case(h)))
        .collect();
    let queries = edge_names
        .into_iter()
        .map(|(name, skip)| (name, skip, DnsPurpose::Edge))
        .chain(
            diagnostic_hosts
                .into_iter()
                .map(|host| (host, None, DnsPurpose::DiagnosticHost)),
        )
        .map(|(name, skip, purpose)| {
            let resolver = resolver.clone();
            async move {
                if let Some(reason) = skip {
                    return DnsAnswer {
                        name,
                        status: DnsStatus::Skipped,
                        addresses: Vec::new(),
                        elapsed_ms: 0,
                        detail: Some(reason),
                        purpose,
                    };
                }
                let query_started = Instant::now();
                // A trailing dot: the name is absolute, no search-domain variants are sent.
                let lookup = resolver.lookup_ip(format!("{name}."));
                let outcome = tokio::time::timeout(overall.min(per_query * 2), lookup).await;
                let elapsed_ms = query_started.elapsed().as_millis() as u64;
                let (status, addresses, detail) = match outcome {
                    // ssetop's own budget ran out before the query's --dns-timeout: the
                    // server was not given its time, so this says nothing about it.
                    Err(_) if cut_by_budget(overall, per_query) => (
                        DnsStatus::Skipped,
                        Vec::new(),
                        Some(format!(
                            "not answered within ssetop's deadline ({elapsed_ms} ms left of --deadline, less than --dns-timeout {}); the query was cut short, not failed",
                            crate::util::format_duration(per_query)
                        )),
                    ),
                    Err(_) => (
                        DnsStatus::Timeout,
                        Vec::new(),
                        Some(format!("no answer within {} ms", elapsed_ms)),
                    ),
                    Ok(Ok(found)) => {
                        // Sorted: a server may rotate its answers (round robin), which is no
                        // change of what the name resolves to.
                        let mut addresses: Vec<IpAddr> = found.iter().collect();
                        addresses.sort_unstable();
                        addresses.dedup();
                        (DnsStatus::Resolved, addresses, None)
                    }
                    Ok(Err(e)) => {
                        let (status, detail) = classify(&e);
                        (status, Vec::new(), Some(detail))
                    }
                };
                DnsAnswer {
                    name,
                    status,
                    addresses,
                    elapsed_ms,
                    detail,
                    purpose,
                }
            }
        });
    let answers = futures::future::join_all(queries).await;
    Ok((answers, None))
}

/// Maps a resolver error to the report's status and a short detail.
fn classify(error: &NetError) -> (DnsStatus, String) {
    match error {
        NetError::Timeout => (DnsStatus::Timeout, "the DNS server did not answer".into()),
        NetError::Dns(DnsError::NoRecordsFound(no))
            if no.response_code == ResponseCode::NXDomain =>
        {
            (DnsStatus::Nxdomain, "the name does not exist".into())
        }
        NetError::Dns(DnsError::NoRecordsFound(no))
            if no.response_code == ResponseCode::Refused =>
        {
            (
                DnsStatus::Refused,
                "the DNS server refused the query".into(),
            )
        }
        NetError::Dns(DnsError::NoRecordsFound(no)) => (
            DnsStatus::Error,
            format!("no IPv4 address for the name ({})", no.response_code),
        ),
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => (
            DnsStatus::Refused,
            "the DNS server refused the query".into(),
        ),
        NetError::Dns(DnsError::ResponseCode(ResponseCode::NXDomain)) => {
            (DnsStatus::Nxdomain, "the name does not exist".into())
        }
        NetError::NoConnections => (
            DnsStatus::Error,
            "no DNS server could be reached (no route to it, or it refused)".into(),
        ),
        other => {
            let text = other.to_string();
            if text.to_ascii_lowercase().contains("timed out") {
                (DnsStatus::Timeout, text)
            } else if text.contains("Refused") || text.contains("REFUSED") {
                (DnsStatus::Refused, text)
            } else {
                (DnsStatus::Error, text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Knowledge;

    #[test]
    fn tenant_names_are_filled_in_or_skipped_with_a_reason() {
        let k = Knowledge::embedded();
        let without = expand_names(&k.file.gsa.edge_names, None);
        assert!(
            without
                .iter()
                .any(|(n, skip)| n.starts_with("{tenant}.m365") && skip.is_some())
        );
        assert!(without.iter().any(|(n, skip)| n
            == "m365.edgediagnostic.globalsecureaccess.microsoft.com"
            && skip.is_none()));
        let tenant = "11111111-2222-3333-4444-555555555555";
        let with = expand_names(&k.file.gsa.edge_names, Some(tenant));
        assert!(with.iter().all(|(_, skip)| skip.is_none()));
        assert!(
            with.iter().any(
                |(n, _)| n == &format!("{tenant}.m365.client.globalsecureaccess.microsoft.com")
            )
        );
    }
}
