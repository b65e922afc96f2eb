//! `edge-dns:<name>`: GSA's edge names resolve into GSA's ranges and leave outside other
//! tunnels. Each name is judged once, into the [`DnsRow`] the DNS pane shows and the check
//! reports: the pane and the check cannot disagree.

use std::net::IpAddr;

use super::console;
use crate::analysis::facts::Facts;
use crate::analysis::routing::FlowContext;
use crate::assessment::{AnswerAddress, Check, DnsRow, Status};
use crate::knowledge::{EdgeName, Vendor};
use crate::snapshot::{DnsAnswer, DnsPurpose, DnsStatus, SourceStatus};

/// One edge name judged: the row the views show, with the check's sentences beside it.
pub(crate) struct JudgedName {
    pub(crate) row: DnsRow,
    /// One line per answer address.
    evidence: Vec<String>,
    /// The first remedy an address calls for.
    remedy: Option<String>,
}

pub(super) fn edge_name_entry<'k>(facts: &'k Facts, name: &str) -> Option<&'k EdgeName> {
    facts.knowledge.file.gsa.edge_names.iter().find(|n| {
        n.name == name
            || n.name
                .split_once("{tenant}")
                .is_some_and(|(_, suffix)| name.ends_with(suffix) && !name.starts_with('{'))
    })
}

/// Every DNS answer of the snapshot judged, or `None` when the DNS source has no data.
pub(crate) fn judge_names(facts: &Facts) -> Option<Vec<JudgedName>> {
    let answers = facts.snapshot.dns.get()?;
    // The diagnostic hosts are asked for the `magic-ip` check, not as edge names.
    Some(
        answers
            .iter()
            .filter(|a| a.purpose == DnsPurpose::Edge)
            .map(|a| judge_name(facts, a))
            .collect(),
    )
}

fn judge_name(facts: &Facts, answer: &DnsAnswer) -> JudgedName {
    let entry = edge_name_entry(facts, &answer.name);
    // A name the knowledge base does not list was asked for on purpose: it counts as required.
    let required = entry.is_none_or(|e| e.required);
    let mut evidence = Vec::new();
    let mut remedy = None;
    let addresses: Vec<AnswerAddress> = answer
        .addresses
        .iter()
        .map(|ip| {
            let (address, line, fix) = judge_edge_address(facts, *ip);
            evidence.push(line);
            if remedy.is_none() {
                remedy = fix;
            }
            address
        })
        .collect();
    let status = match answer.status {
        DnsStatus::Skipped => Status::Skip,
        DnsStatus::Resolved if !addresses.is_empty() => addresses
            .iter()
            .map(|a| a.status)
            .max()
            .unwrap_or(Status::Pass),
        _ if required => Status::Fail,
        _ => Status::Warn,
    };
    JudgedName {
        row: DnsRow {
            answer: answer.clone(),
            status,
            required,
            list: entry.map(|e| e.list.clone()),
            addresses,
        },
        evidence,
        remedy,
    }
}

pub(super) fn edge_dns_checks(facts: &Facts, names: Option<&[JudgedName]>) -> Vec<Check> {
    let section = &facts.snapshot.dns;
    let Some(names) = names else {
        let (status, summary) = match section.status {
            SourceStatus::Skipped => (Status::Skip, section.describe()),
            SourceStatus::Pending => (Status::Skip, "DNS answers pending".to_string()),
            SourceStatus::Timeout => (
                Status::Fail,
                format!("no DNS answers: {}", section.describe()),
            ),
            _ => (
                Status::Warn,
                format!("could not query DNS: {}", section.describe()),
            ),
        };
        return vec![Check::new("edge-dns", status, summary)];
    };
    names.iter().map(edge_dns_check).collect()
}

/// The check of one judged name: its status is the row's, its sentences say why.
fn edge_dns_check(judged: &JudgedName) -> Check {
    let row = &judged.row;
    let answer = &row.answer;
    let id = format!("edge-dns:{}", answer.name);
    let list = row
        .list
        .as_ref()
        .map_or(String::new(), |l| format!(" ({l} list)"));
    // A status that says it all needs no detail beside it.
    let detail = match answer.status {
        DnsStatus::Nxdomain | DnsStatus::Refused => String::new(),
        _ => answer.detail.clone().unwrap_or_default(),
    };
    if answer.status == DnsStatus::Skipped {
        return Check::new(id, row.status, format!("not queried: {detail}"));
    }
    if answer.status != DnsStatus::Resolved || answer.addresses.is_empty() {
        let summary = format!(
            "does not resolve: {} after {} ms{}{list}",
            answer.status.id(),
            answer.elapsed_ms,
            if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            }
        );
        return Check::new(id, row.status, summary)
            .remedy("check the DNS servers this device uses and that the other client does not intercept *.globalsecureaccess.microsoft.com");
    }
    let evidence = &judged.evidence;
    let addresses: Vec<String> = answer.addresses.iter().map(ToString::to_string).collect();
    let summary = match row.status {
        Status::Fail => format!(
            "resolves to {}: {}",
            addresses.join(", "),
            evidence
                .iter()
                .find(|e| e.contains("intercepted") || e.contains("through"))
                .cloned()
                .unwrap_or_default()
        ),
        Status::Warn => format!(
            "resolves to {}, outside GSA's service ranges",
            addresses.join(", ")
        ),
        _ => format!(
            "resolves to {} in GSA's ranges ({} ms)",
            addresses.join(", "),
            answer.elapsed_ms
        ),
    };
    let mut check = Check::new(id, row.status, summary).evidence(evidence.iter().cloned());
    check.remedy = judged.remedy.clone();
    check
}

/// One answer address: intercepted, through another tunnel, outside GSA's ranges, or fine;
/// with the evidence line and the remedy it calls for.
fn judge_edge_address(facts: &Facts, ip: IpAddr) -> (AnswerAddress, String, Option<String>) {
    let synthetic = facts.synthetic(ip);
    let interface = facts
        .egress(ip, FlowContext::default())
        .and_then(|(_, dev)| dev);
    let vendor = interface.as_deref().and_then(|d| facts.adapter_vendor(d));
    let gsa_range = facts.gsa_range(ip);
    let address = |status: Status| AnswerAddress {
        address: ip,
        status,
        gsa_range,
        synthetic: synthetic.map(|r| r.vendor),
        interface: interface.clone(),
        vendor,
    };
    if let Some(range) = synthetic.filter(|r| r.vendor != Vendor::Gsa) {
        return (
            address(Status::Fail),
            format!(
                "{ip} is in {}'s synthetic range {}: {} intercepted GSA's name",
                range.vendor.label(),
                range.cidr,
                range.vendor.label()
            ),
            Some(format!(
                "add *.globalsecureaccess.microsoft.com to the {} bypass: {}",
                range.vendor.label(),
                console(facts, range.vendor)
            )),
        );
    }
    if let Some(other) = vendor.filter(|v| *v != Vendor::Gsa) {
        let dev = interface.clone().unwrap_or_default();
        return (
            address(Status::Fail),
            format!(
                "{ip} leaves through {dev}, {}'s tunnel adapter",
                other.label()
            ),
            Some(format!(
                "exclude GSA's ranges and *.globalsecureaccess.microsoft.com from the {} tunnel: {}",
                other.label(),
                console(facts, other)
            )),
        );
    }
    let via = interface
        .as_ref()
        .map_or_else(String::new, |d| format!(", leaves via {d}"));
    match gsa_range {
        Some(net) => (
            address(Status::Pass),
            format!("{ip} is in GSA range {net}{via}"),
            None,
        ),
        None => (
            address(Status::Warn),
            format!("{ip} is outside GSA's service ranges{via}"),
            Some(
                "compare with nslookup on an unaffected device; update the knowledge file if Microsoft added a range"
                    .into(),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    #[test]
    fn edge_dns_judges_each_answer() {
        let name = "m365.edgediagnostic.globalsecureaccess.microsoft.com";
        let id = format!("edge-dns:{name}");
        let answer = |status: DnsStatus, addresses: &[&str]| {
            Device::windows().dns(name, status, addresses).build()
        };
        assert_eq!(
            status(&answer(DnsStatus::Resolved, &["150.171.19.2"]), None, &id),
            Status::Pass
        );
        // Outside GSA's ranges: warn.
        assert_eq!(
            status(&answer(DnsStatus::Resolved, &["20.1.1.1"]), None, &id),
            Status::Warn
        );
        // In ZPA's synthetic range: intercepted by Zscaler.
        let intercepted = find(
            &checks(&answer(DnsStatus::Resolved, &["100.64.0.9"]), None),
            &id,
        )
        .clone();
        assert_eq!(intercepted.status, Status::Fail);
        assert!(intercepted.summary.contains("intercepted"));
        // Does not resolve: fail for a required name, warn for a newer optional one.
        for s in [
            DnsStatus::Nxdomain,
            DnsStatus::Timeout,
            DnsStatus::Refused,
            DnsStatus::Error,
        ] {
            assert_eq!(status(&answer(s, &[]), None, &id), Status::Fail, "{s:?}");
        }
        let optional = Device::windows()
            .dns(
                "auth.edgediagnostic.globalsecureaccess.microsoft.com",
                DnsStatus::Nxdomain,
                &[],
            )
            .build();
        assert_eq!(
            status(
                &optional,
                None,
                "edge-dns:auth.edgediagnostic.globalsecureaccess.microsoft.com"
            ),
            Status::Warn
        );
        // An answer that leaves through GlobalProtect's adapter: fail.
        let through = globalprotect(&[])
            .dns(name, DnsStatus::Resolved, &["150.171.19.2"])
            .build();
        let check = find(&checks(&through, None), &id).clone();
        assert_eq!(check.status, Status::Fail);
        assert!(check.summary.contains("Ethernet 3"), "{}", check.summary);
    }
}
