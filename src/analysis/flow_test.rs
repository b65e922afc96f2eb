//! `ssetop flow-test`'s judgement: which rows the setup's guide asks for (with the user's
//! additions), and each row's status from what was expected, predicted and observed. Pure:
//! the resolution, the prediction (the `explain` engine) and the real connection come in as
//! data, gathered by `crate::live::flow_test`.

use std::net::{IpAddr, SocketAddr};

use std::time::Duration;

use super::explain::{ila_summary, is_private_access};
use crate::assessment::{
    AttemptOutcome, Carrier, Connection, FlowAttempt, FlowPath, FlowStatus, FlowTestResult,
    IlaState,
};
use crate::knowledge::{InspectionRoot, Knowledge, SetupId};

/// The placeholder for the tenant's domain in a knowledge row's destination.
const TENANT: &str = "{tenant}";
/// The destination that stands for the user's private application.
const PRIVATE_APP: &str = "{private-app}";

/// `--destination HOST[:PORT]=CARRIER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DestinationOverride {
    pub host: String,
    pub port: u16,
    pub carrier: Carrier,
}

/// What a user asked for besides the setup.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlowTestRequest {
    pub tenant_domain: Option<String>,
    /// `--private-app HOST[:PORT]`.
    pub private_app: Option<(String, u16)>,
    pub destinations: Vec<DestinationOverride>,
}

/// One row to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlowRow {
    pub destination: String,
    pub port: u16,
    pub expected: FlowPath,
    pub remedy: Option<String>,
    pub source: String,
    /// Why the row is not tested (a placeholder with nothing to fill it).
    pub skip: Option<String>,
    /// The `--private-app` row: Intelligent Local Access is said on it.
    pub private_app: bool,
}

impl FlowRow {
    /// The name to resolve and connect to, unless skipped.
    pub(crate) fn host(&self) -> Option<&str> {
        self.skip.is_none().then_some(self.destination.as_str())
    }
}

/// Splits `--destination HOST[:PORT]=CARRIER` into its target (parsed by the same
/// destination parser as `explain`) and the carrier: gsa, zscaler, globalprotect or direct.
pub(crate) fn split_destination(text: &str) -> Result<(&str, Carrier), String> {
    let (target, carrier) = text.rsplit_once('=').ok_or_else(|| {
        format!(
            "--destination {}: expected HOST[:PORT]=CARRIER (e.g. bing.com=gsa)",
            crate::safe_text::field(text)
        )
    })?;
    let carrier = parse_carrier(carrier.trim()).ok_or_else(|| {
        format!(
            "--destination {}: unknown carrier {} (gsa, zscaler, globalprotect or direct)",
            crate::safe_text::field(text),
            crate::safe_text::field(carrier)
        )
    })?;
    Ok((target, carrier))
}

fn parse_carrier(text: &str) -> Option<Carrier> {
    [
        Carrier::Gsa,
        Carrier::Zscaler,
        Carrier::GlobalProtect,
        Carrier::Direct,
    ]
    .into_iter()
    .find(|c| c.id().eq_ignore_ascii_case(text))
}

/// `--tenant-domain`: the tenant's name as in `contoso.sharepoint.com` (`contoso`; a full
/// `contoso.sharepoint.com` or `contoso.onmicrosoft.com` is taken to its first label).
pub(crate) fn parse_tenant_domain(text: &str) -> Result<String, String> {
    let label = text.trim().split('.').next().unwrap_or("");
    if label.is_empty()
        || label.len() > 63
        || !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!(
            "--tenant-domain {text:?}: expected the tenant's name as in NAME.sharepoint.com (letters, digits, '-')"
        ));
    }
    Ok(label.to_ascii_lowercase())
}

/// The rows for `setup`: exactly the knowledge base's, then `--private-app`'s, then each
/// `--destination` (replacing the row with the same host and port, or added). An error is bad
/// input (exit 3).
pub(crate) fn build_rows(
    knowledge: &Knowledge,
    setup: SetupId,
    request: &FlowTestRequest,
) -> Result<Vec<FlowRow>, String> {
    let mut rows: Vec<FlowRow> = Vec::new();
    let mut private_app_row = false;
    for test in knowledge
        .file
        .flow_tests
        .iter()
        .filter(|t| t.setup == setup)
    {
        let expected = FlowPath {
            carrier: test.carrier.into(),
            channel: test.channel,
        };
        for destination in &test.destinations {
            let (destination, port, skip) = if destination == PRIVATE_APP {
                let Some((host, port)) = &request.private_app else {
                    continue;
                };
                private_app_row = true;
                (host.clone(), *port, None)
            } else if destination.contains(TENANT) {
                match &request.tenant_domain {
                    Some(tenant) => (destination.replace(TENANT, tenant), test.port, None),
                    None => (
                        destination.clone(),
                        test.port,
                        Some("no tenant domain known (give --tenant-domain, e.g. contoso for contoso.sharepoint.com)".to_string()),
                    ),
                }
            } else {
                (destination.clone(), test.port, None)
            };
            rows.push(FlowRow {
                destination,
                port,
                expected,
                remedy: Some(test.remedy.clone()),
                source: test.source.clone(),
                skip,
                private_app: false,
            });
        }
    }
    if let Some((host, port)) = &request.private_app {
        let given = request
            .destinations
            .iter()
            .any(|d| d.host == *host && d.port == *port);
        if !private_app_row && !given {
            return Err(format!(
                "--private-app: the knowledge base names no carrier for a private application in setup {}; say where it must go with --destination {host}:{port}=CARRIER",
                setup.id()
            ));
        }
    }
    for given in &request.destinations {
        let row = FlowRow {
            destination: given.host.clone(),
            port: given.port,
            expected: FlowPath {
                carrier: given.carrier,
                channel: None,
            },
            remedy: None,
            source: "--destination".to_string(),
            skip: None,
            private_app: false,
        };
        match rows
            .iter_mut()
            .find(|r| r.destination == given.host && r.port == given.port)
        {
            Some(existing) => *existing = row,
            None => rows.push(row),
        }
    }
    if let Some((host, port)) = &request.private_app {
        for row in rows
            .iter_mut()
            .filter(|r| r.destination == *host && r.port == *port)
        {
            row.private_app = true;
        }
    }
    if rows.is_empty() {
        // Nothing to test is no pass: say what would give rows.
        return Err(format!(
            "setup {}: the knowledge base lists no flow-test destinations for it; give --setup (globalprotect, zscaler-private, zscaler-internet) or --destination HOST[:PORT]=CARRIER",
            setup.id()
        ));
    }
    Ok(rows)
}

/// The inspection root a certificate issuer names, if any (case-insensitive).
pub(crate) fn inspection_root<'k>(
    knowledge: &'k Knowledge,
    issuer: &str,
) -> Option<&'k InspectionRoot> {
    let issuer = issuer.to_lowercase();
    knowledge
        .file
        .inspection_roots
        .iter()
        .find(|root| issuer.contains(&root.issuer_contains.to_lowercase()))
}

/// How resolving a row's name went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    Resolved(Vec<IpAddr>),
    /// NXDOMAIN, a timeout, …: said as the detail.
    Failed(String),
}

/// Where the `explain` engine sends a new connection to one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prediction {
    pub address: IpAddr,
    pub path: FlowPath,
    pub evidence: Vec<String>,
}

/// What opening a connection to one address gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Probe {
    Connected {
        local: SocketAddr,
        remote: SocketAddr,
        /// The TLS handshake on port 443: the certificate's issuer, or why there is none.
        tls: Option<Result<String, String>>,
    },
    Refused(String),
    TimedOut(String),
    Failed(String),
    /// `--deadline` left no time for it: why.
    NotTried(String),
}

/// One address's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddressProbe {
    pub address: IpAddr,
    pub probe: Probe,
}

/// Everything gathered for one row.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowFindings {
    pub resolution: Option<Resolution>,
    pub predictions: Vec<Prediction>,
    /// `--connect`: one per address, in the order tried (see [`connect_order`]); `None`
    /// without it.
    pub probes: Option<Vec<AddressProbe>>,
}

/// The order `--connect` tries a row's addresses in: IPv4 first (GSA tunnels IPv4 only), each
/// family in the resolver's order, each address once.
pub(crate) fn connect_order(addresses: &[IpAddr]) -> Vec<IpAddr> {
    let mut ordered: Vec<IpAddr> = Vec::with_capacity(addresses.len());
    for address in addresses
        .iter()
        .filter(|a| a.is_ipv4())
        .chain(addresses.iter().filter(|a| a.is_ipv6()))
    {
        if !ordered.contains(address) {
            ordered.push(*address);
        }
    }
    ordered
}

/// The least time one connection attempt is worth (a TCP and TLS handshake to a near edge).
pub(crate) const MIN_ATTEMPT: Duration = Duration::from_millis(150);

/// The time the next of `left` addresses gets from `remaining`: a fair share, at least
/// [`MIN_ATTEMPT`] while that much remains (the addresses after it may then run out of time),
/// `None` when not even that is left (the address is not tried). An attempt that ends early
/// leaves its unused time to those after it.
pub(crate) fn attempt_timeout(remaining: Duration, left: usize) -> Option<Duration> {
    let left = u32::try_from(left.max(1)).unwrap_or(u32::MAX);
    let share = remaining / left;
    if share >= MIN_ATTEMPT {
        Some(share)
    } else if remaining >= MIN_ATTEMPT {
        Some(MIN_ATTEMPT)
    } else {
        None
    }
}

/// The connection ssetop opened, found by both endpoints in the analysis's connections of a
/// snapshot taken while it was open.
pub(crate) fn find_connection(
    connections: &[Connection],
    local: SocketAddr,
    remote: SocketAddr,
) -> Option<&Connection> {
    connections
        .iter()
        .find(|c| c.socket.local == local && c.socket.remote == Some(remote))
}

fn carrier_text(path: FlowPath) -> String {
    match path.channel {
        Some(channel) => format!("{}/{}", path.carrier.id(), channel.id()),
        None => path.carrier.id().to_string(),
    }
}

/// One address's connection judged against the row's expectation; its evidence goes to
/// `evidence`.
fn judge_attempt(
    knowledge: &Knowledge,
    row: &FlowRow,
    tried: &AddressProbe,
    observed: &[Connection],
    evidence: &mut Vec<String>,
) -> FlowAttempt {
    let mut attempt = FlowAttempt {
        address: tried.address,
        outcome: AttemptOutcome::Failed,
        status: FlowStatus::Warn,
        local: None,
        observed: None,
        interface: None,
        issuer: None,
        detail: String::new(),
    };
    let (local, remote, tls) = match &tried.probe {
        Probe::Refused(why) => {
            attempt.outcome = AttemptOutcome::Refused;
            attempt.detail = format!("connection refused: {why}");
            return attempt;
        }
        Probe::TimedOut(why) => {
            attempt.outcome = AttemptOutcome::Timeout;
            attempt.detail = format!("connection timed out: {why}");
            return attempt;
        }
        Probe::Failed(why) => {
            attempt.detail = format!("connection failed: {why}");
            return attempt;
        }
        Probe::NotTried(why) => {
            attempt.outcome = AttemptOutcome::NotTried;
            attempt.status = FlowStatus::Skip;
            attempt.detail = format!("not tried: {why}");
            return attempt;
        }
        Probe::Connected { local, remote, tls } => (*local, *remote, tls),
    };
    attempt.outcome = AttemptOutcome::Connected;
    attempt.local = Some(local);
    let inspected = match tls {
        Some(Ok(issuer)) => {
            attempt.issuer = Some(issuer.clone());
            let root = inspection_root(knowledge, issuer);
            evidence.push(match root {
                Some(root) => format!(
                    "TLS certificate issued by {issuer:?}: {}'s inspection root, the traffic went through {}'s proxy",
                    root.vendor.label(),
                    root.vendor.label()
                ),
                None => format!(
                    "TLS certificate issued by {issuer:?} (no inspecting proxy the knowledge base knows)"
                ),
            });
            root.map(|r| Carrier::from(r.vendor))
        }
        Some(Err(why)) => {
            evidence.push(format!("TLS handshake with {}: {why}", tried.address));
            None
        }
        None => None,
    };
    let Some(connection) = find_connection(observed, local, remote) else {
        attempt.detail =
            format!("connected {local} → {remote}, but the socket was not in the OS socket table");
        return attempt;
    };
    let path = FlowPath {
        carrier: connection.attribution.carrier,
        channel: connection.attribution.channel,
    };
    attempt.observed = Some(path);
    attempt.interface = connection.attribution.interface.clone();
    evidence.push(format!(
        "observed {local} → {remote}{}: {}",
        connection
            .attribution
            .interface
            .as_deref()
            .map(|i| format!(" via {i}"))
            .unwrap_or_default(),
        connection.attribution.evidence.join("; ")
    ));
    if path.carrier != row.expected.carrier {
        attempt.status = FlowStatus::Fail;
        attempt.detail = format!(
            "observed {}, expected {}",
            carrier_text(path),
            carrier_text(row.expected)
        );
    } else if let Some(proxy) = inspected.filter(|c| *c != row.expected.carrier) {
        attempt.status = FlowStatus::Fail;
        attempt.detail = format!(
            "routed as expected ({}), but {}'s proxy inspected the TLS connection",
            carrier_text(path),
            proxy.label()
        );
    } else {
        attempt.status = FlowStatus::Pass;
        attempt.detail = format!("observed {}", carrier_text(path));
    }
    attempt
}

fn fail_remedy(row: &FlowRow) -> Option<String> {
    row.remedy.clone().or_else(|| {
        Some(format!(
            "{} must go through {} (--destination)",
            row.destination,
            row.expected.carrier.label()
        ))
    })
}

/// Judges one row. `observed` is the analysis's connections in a snapshot taken while the
/// probes' sockets were open (each found by both endpoints); `ila` is Intelligent Local
/// Access now, said on the rows GSA's Private Access concerns.
pub(crate) fn judge(
    knowledge: &Knowledge,
    row: &FlowRow,
    findings: &RowFindings,
    observed: &[Connection],
    ila: Option<&IlaState>,
) -> FlowTestResult {
    let mut result = judge_paths(knowledge, row, findings, observed);
    if result.status != FlowStatus::Skip {
        apply_ila(&mut result, row, findings, ila);
    }
    result
}

fn judge_paths(
    knowledge: &Knowledge,
    row: &FlowRow,
    findings: &RowFindings,
    observed: &[Connection],
) -> FlowTestResult {
    let mut result = FlowTestResult {
        destination: row.destination.clone(),
        port: row.port,
        protocol: "tcp",
        expected: row.expected,
        predicted: None,
        observed: None,
        status: FlowStatus::Skip,
        addresses: Vec::new(),
        detail: String::new(),
        evidence: Vec::new(),
        remedy: None,
        source: row.source.clone(),
        attempts: Vec::new(),
    };
    if let Some(reason) = &row.skip {
        result.detail = reason.clone();
        return result;
    }
    let warn = |mut result: FlowTestResult, detail: String| {
        result.status = FlowStatus::Warn;
        result.detail = detail;
        result
    };
    let addresses = match &findings.resolution {
        Some(Resolution::Resolved(addresses)) if !addresses.is_empty() => addresses.clone(),
        Some(Resolution::Resolved(_)) => {
            return warn(result, "resolution failed: the name has no address".into());
        }
        Some(Resolution::Failed(why)) => {
            return warn(result, format!("resolution failed: {why}"));
        }
        None => return warn(result, "the name was not resolved in time".into()),
    };
    result.addresses = addresses;
    // Predicted: every address's path; the row's prediction is the first address's, and a
    // disagreement between addresses is said.
    for prediction in &findings.predictions {
        result.evidence.push(format!(
            "predicted for {}: {} ({})",
            prediction.address,
            carrier_text(prediction.path),
            prediction.evidence.join("; ")
        ));
    }
    result.predicted = findings
        .predictions
        .iter()
        .find(|p| Some(p.address) == result.addresses.first().copied())
        .or(findings.predictions.first())
        .map(|p| p.path);
    let Some(probes) = &findings.probes else {
        // Without --connect the prediction decides.
        let Some(predicted) = result.predicted else {
            return warn(result, "no prediction for its addresses".into());
        };
        if let Some(other) = findings
            .predictions
            .iter()
            .find(|p| p.path.carrier != row.expected.carrier)
        {
            result.status = FlowStatus::Fail;
            result.detail = format!(
                "{} would go to {}, expected {}",
                other.address,
                carrier_text(other.path),
                carrier_text(row.expected)
            );
            result.remedy = fail_remedy(row);
            return result;
        }
        result.status = FlowStatus::Pass;
        result.detail = format!("predicted {}", carrier_text(predicted));
        return result;
    };
    // --connect: every address's connection; the row is the worst of them, naming it.
    let mut evidence = Vec::new();
    result.attempts = probes
        .iter()
        .map(|tried| judge_attempt(knowledge, row, tried, observed, &mut evidence))
        .collect();
    result.evidence.extend(evidence);
    let not_tried: Vec<String> = result
        .attempts
        .iter()
        .filter(|a| a.outcome == AttemptOutcome::NotTried)
        .map(|a| a.address.to_string())
        .collect();
    if !not_tried.is_empty() {
        result.evidence.push(format!(
            "not tried, --deadline ran out: {}",
            not_tried.join(", ")
        ));
    }
    let tried: Vec<&FlowAttempt> = result
        .attempts
        .iter()
        .filter(|a| a.outcome != AttemptOutcome::NotTried)
        .collect();
    // The worst address decides; among equals the first tried.
    let Some(worst) = tried
        .iter()
        .copied()
        .reduce(|worst, a| if a.status > worst.status { a } else { worst })
    else {
        return warn(
            result,
            match not_tried.is_empty() {
                true => "no connection was opened".into(),
                false => format!(
                    "no address tried: --deadline ran out ({})",
                    not_tried.join(", ")
                ),
            },
        );
    };
    let many = result.addresses.len() > 1;
    let status = worst.status;
    let mut detail = if many {
        format!("{}: {}", worst.address, worst.detail)
    } else {
        worst.detail.clone()
    };
    if status == FlowStatus::Pass && tried.len() > 1 {
        detail = format!("{} (all {} addresses tried)", worst.detail, tried.len());
    }
    if !not_tried.is_empty() {
        detail.push_str(&format!(
            "; {} of {} addresses not tried (--deadline)",
            not_tried.len(),
            result.attempts.len()
        ));
    }
    let observed_path = worst
        .observed
        .or_else(|| tried.iter().find_map(|a| a.observed));
    result.observed = observed_path;
    result.status = status;
    result.detail = detail;
    if status == FlowStatus::Fail {
        result.remedy = fail_remedy(row);
    }
    result
}

/// Whether a row is one GSA's Private Access concerns: the `--private-app` row, a row expected
/// on GSA's Private channel, or one the engine sends there.
fn concerns_private_access(row: &FlowRow, findings: &RowFindings) -> bool {
    row.private_app
        || is_private_access(row.expected.carrier, row.expected.channel)
        || findings
            .predictions
            .iter()
            .any(|p| is_private_access(p.path.carrier, p.path.channel))
}

/// Intelligent Local Access on a row GSA's Private Access concerns: said in the evidence, and
/// while it applies a row expected at GSA is a warning (GSA does not tunnel Private Access
/// on the corporate network: `direct` is by design there, not a failure; `gsa` is not what
/// the device will do once ILA takes effect).
fn apply_ila(
    result: &mut FlowTestResult,
    row: &FlowRow,
    findings: &RowFindings,
    ila: Option<&IlaState>,
) {
    let Some(ila) = ila else {
        return;
    };
    if !concerns_private_access(row, findings) {
        return;
    }
    result.evidence.push(ila_summary(ila));
    if ila.applies != Some(true) || row.expected.carrier != Carrier::Gsa {
        return;
    }
    let went_direct = match result.observed {
        Some(observed) => observed.carrier == Carrier::Direct,
        None => findings
            .predictions
            .iter()
            .any(|p| p.path.carrier == Carrier::Direct),
    };
    match result.status {
        FlowStatus::Fail if went_direct => {
            result.status = FlowStatus::Warn;
            result.detail = format!(
                "direct by design: Intelligent Local Access applies now, GSA does not tunnel Private Access on this network ({})",
                result.detail
            );
            result.remedy = Some(ila_remedy(ila));
        }
        FlowStatus::Pass => {
            result.status = FlowStatus::Warn;
            result.detail = format!(
                "Intelligent Local Access applies now: GSA does not tunnel Private Access on this network, so this row goes direct by design (the attribution, which does not model ILA, says: {})",
                result.detail
            );
            result.remedy = Some(ila_remedy(ila));
        }
        _ => {}
    }
}

fn ila_remedy(ila: &IlaState) -> String {
    let names: Vec<&str> = ila
        .probes
        .iter()
        .filter(|p| !p.in_range.is_empty())
        .map(|p| p.fqdn.as_str())
        .collect();
    format!(
        "expected on the corporate network; elsewhere {} must not resolve into its expected range (GSA's Intelligent Local Access network definition and the DNS server that answers it)",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Channel;

    fn knowledge() -> Knowledge {
        Knowledge::embedded()
    }

    fn given(host: &str, port: u16, carrier: Carrier) -> DestinationOverride {
        DestinationOverride {
            host: host.into(),
            port,
            carrier,
        }
    }

    fn names(rows: &[FlowRow]) -> Vec<&str> {
        rows.iter().map(|r| r.destination.as_str()).collect()
    }

    #[test]
    fn globalprotect_rows_are_the_guides_with_sharepoint_skipped_without_a_tenant() {
        let rows = build_rows(
            &knowledge(),
            SetupId::GlobalProtect,
            &FlowTestRequest::default(),
        )
        .unwrap();
        assert_eq!(
            names(&rows),
            [
                "salesforce.com",
                "instagram.com",
                "outlook.com",
                "outlook.office.com",
                "outlook.office365.com",
                "{tenant}.sharepoint.com"
            ]
        );
        assert!(rows.iter().all(|r| r.port == 443));
        assert_eq!(rows[0].expected.carrier, Carrier::GlobalProtect);
        assert_eq!(rows[2].expected.carrier, Carrier::Gsa);
        assert!(rows[5].skip.as_deref().unwrap().contains("--tenant-domain"));
        assert!(rows[..5].iter().all(|r| r.skip.is_none()));
    }

    #[test]
    fn tenant_domain_fills_the_sharepoint_row() {
        let request = FlowTestRequest {
            tenant_domain: Some(parse_tenant_domain("Contoso.onmicrosoft.com").unwrap()),
            ..Default::default()
        };
        let rows = build_rows(&knowledge(), SetupId::ZscalerInternet, &request).unwrap();
        let sharepoint = rows
            .iter()
            .find(|r| r.destination.contains("sharepoint"))
            .unwrap();
        assert_eq!(sharepoint.destination, "contoso.sharepoint.com");
        assert!(sharepoint.skip.is_none());
        assert_eq!(rows.len(), 7);
    }

    #[test]
    fn private_app_row_takes_the_knowledge_rows_carrier_and_its_port() {
        let request = FlowTestRequest {
            private_app: Some(("files.corp.local".into(), 445)),
            ..Default::default()
        };
        let rows = build_rows(&knowledge(), SetupId::ZscalerPrivate, &request).unwrap();
        let app = rows
            .iter()
            .find(|r| r.destination == "files.corp.local")
            .unwrap();
        assert_eq!(app.port, 445);
        assert_eq!(app.expected.carrier, Carrier::Zscaler);
        assert_eq!(app.expected.channel, Some(Channel::Zpa));
        // Without --private-app the row is not there at all.
        let rows = build_rows(
            &knowledge(),
            SetupId::ZscalerPrivate,
            &FlowTestRequest::default(),
        )
        .unwrap();
        assert!(!rows.iter().any(|r| r.destination.contains("private-app")));
    }

    #[test]
    fn private_app_in_a_setup_without_such_a_row_needs_a_destination() {
        let request = FlowTestRequest {
            private_app: Some(("app.corp.local".into(), 22)),
            ..Default::default()
        };
        let error = build_rows(&knowledge(), SetupId::ZscalerInternet, &request).unwrap_err();
        assert!(
            error.contains("--destination app.corp.local:22=CARRIER"),
            "{error}"
        );
        let request = FlowTestRequest {
            destinations: vec![given("app.corp.local", 22, Carrier::Direct)],
            ..request
        };
        let rows = build_rows(&knowledge(), SetupId::ZscalerInternet, &request).unwrap();
        assert_eq!(rows.last().unwrap().expected.carrier, Carrier::Direct);
    }

    #[test]
    fn destination_overrides_the_same_host_and_port_and_adds_others() {
        let request = FlowTestRequest {
            destinations: vec![
                given("salesforce.com", 443, Carrier::Gsa),
                given("2001:db8::1", 8443, Carrier::Zscaler),
            ],
            ..Default::default()
        };
        let rows = build_rows(&knowledge(), SetupId::GlobalProtect, &request).unwrap();
        assert_eq!(rows.len(), 7);
        let salesforce = &rows[0];
        assert_eq!(salesforce.destination, "salesforce.com");
        assert_eq!(salesforce.expected.carrier, Carrier::Gsa);
        assert_eq!(salesforce.source, "--destination");
        assert_eq!(rows[6].destination, "2001:db8::1");
        assert_eq!(rows[6].port, 8443);
    }

    #[test]
    fn bad_destinations_are_refused_with_what_was_expected() {
        assert!(
            split_destination("foo")
                .unwrap_err()
                .contains("HOST[:PORT]=CARRIER")
        );
        let error = split_destination("foo=mars\u{1b}[2J").unwrap_err();
        assert!(
            error.contains("unknown carrier") && !error.contains('\u{1b}'),
            "{error}"
        );
        assert_eq!(
            split_destination("app.corp.local:22=GlobalProtect").unwrap(),
            ("app.corp.local:22", Carrier::GlobalProtect)
        );
        assert_eq!(split_destination("a=direct").unwrap().1, Carrier::Direct);
        assert!(split_destination("a=local").is_err());
        assert!(parse_tenant_domain("con toso").is_err());
        assert!(parse_tenant_domain("").is_err());
    }

    #[test]
    fn issuer_names_the_inspecting_vendor_case_insensitively() {
        let k = knowledge();
        let root = inspection_root(
            &k,
            "CN=zscaler Intermediate Root CA (zscalertwo.net), O=Zscaler Inc.",
        )
        .unwrap();
        assert_eq!(Carrier::from(root.vendor), Carrier::Zscaler);
        assert_eq!(
            Carrier::from(
                inspection_root(&k, "CN=Forward Trust, O=Palo Alto Networks")
                    .unwrap()
                    .vendor
            ),
            Carrier::GlobalProtect
        );
        assert!(
            inspection_root(
                &k,
                "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc"
            )
            .is_none()
        );
    }

    fn row(carrier: Carrier) -> FlowRow {
        FlowRow {
            destination: "outlook.office.com".into(),
            port: 443,
            expected: FlowPath {
                carrier,
                channel: None,
            },
            remedy: Some("exclude it".into()),
            source: "test".into(),
            skip: None,
            private_app: false,
        }
    }

    fn prediction(address: &str, carrier: Carrier) -> Prediction {
        Prediction {
            address: address.parse().unwrap(),
            path: FlowPath {
                carrier,
                channel: None,
            },
            evidence: vec!["route".into()],
        }
    }

    fn resolved(addresses: &[&str]) -> Option<Resolution> {
        Some(Resolution::Resolved(
            addresses.iter().map(|a| a.parse().unwrap()).collect(),
        ))
    }

    #[test]
    fn without_connect_the_prediction_decides_and_any_address_elsewhere_fails() {
        let k = knowledge();
        let findings = RowFindings {
            resolution: resolved(&["52.96.1.10", "52.96.1.11"]),
            predictions: vec![
                prediction("52.96.1.10", Carrier::Gsa),
                prediction("52.96.1.11", Carrier::Gsa),
            ],
            probes: None,
        };
        let result = judge(&k, &row(Carrier::Gsa), &findings, &[], None);
        assert_eq!(result.status, FlowStatus::Pass);
        assert_eq!(result.remedy, None);
        let findings = RowFindings {
            predictions: vec![
                prediction("52.96.1.10", Carrier::Gsa),
                prediction("52.96.1.11", Carrier::GlobalProtect),
            ],
            ..findings
        };
        let result = judge(&k, &row(Carrier::Gsa), &findings, &[], None);
        assert_eq!(result.status, FlowStatus::Fail);
        assert!(
            result
                .detail
                .contains("52.96.1.11 would go to globalprotect"),
            "{}",
            result.detail
        );
        assert_eq!(result.remedy.as_deref(), Some("exclude it"));
    }

    #[test]
    fn failed_resolution_refusal_and_timeout_warn_saying_which() {
        let k = knowledge();
        let judge_with = |resolution, probe: Option<Probe>| {
            judge(
                &k,
                &row(Carrier::Gsa),
                &RowFindings {
                    resolution,
                    predictions: vec![prediction("52.96.1.10", Carrier::Gsa)],
                    probes: probe.map(|probe| {
                        vec![AddressProbe {
                            address: "52.96.1.10".parse().unwrap(),
                            probe,
                        }]
                    }),
                },
                &[],
                None,
            )
        };
        let r = judge_with(Some(Resolution::Failed("NXDOMAIN".into())), None);
        assert_eq!(
            (r.status, r.detail.as_str()),
            (FlowStatus::Warn, "resolution failed: NXDOMAIN")
        );
        let r = judge_with(
            resolved(&["52.96.1.10"]),
            Some(Probe::Refused("RST".into())),
        );
        assert_eq!(r.status, FlowStatus::Warn);
        assert!(r.detail.starts_with("connection refused"));
        let r = judge_with(
            resolved(&["52.96.1.10"]),
            Some(Probe::TimedOut("after 2000 ms".into())),
        );
        assert!(r.detail.starts_with("connection timed out"));
        // Connected, but the socket is not in the table: not a pass.
        let r = judge_with(
            resolved(&["52.96.1.10"]),
            Some(Probe::Connected {
                local: "10.0.0.2:40000".parse().unwrap(),
                remote: "52.96.1.10:443".parse().unwrap(),
                tls: None,
            }),
        );
        assert_eq!(r.status, FlowStatus::Warn);
    }

    #[test]
    fn a_setup_without_rows_is_refused_unless_destinations_are_given() {
        let error =
            build_rows(&knowledge(), SetupId::None, &FlowTestRequest::default()).unwrap_err();
        assert!(
            error.contains("setup none") && error.contains("--setup"),
            "{error}"
        );
        let request = FlowTestRequest {
            destinations: vec![given("intranet.corp.local", 443, Carrier::Direct)],
            ..Default::default()
        };
        assert_eq!(
            build_rows(&knowledge(), SetupId::None, &request)
                .unwrap()
                .len(),
            1
        );
    }

    fn own(local: &str, remote: &str, carrier: Carrier, interface: &str) -> Connection {
        use crate::assessment::{Attribution, Confidence};
        use crate::snapshot::{Protocol, Socket};
        Connection {
            socket: Socket {
                protocol: Protocol::Tcp,
                local: local.parse().unwrap(),
                remote: Some(remote.parse().unwrap()),
                state: Some("ESTABLISHED".into()),
                pids: vec![4242],
                uid: Some(0),
            },
            pid: Some(4242),
            process: Some("ssetop".into()),
            owner_note: None,
            remote_name: None,
            attribution: Attribution {
                carrier,
                channel: None,
                confidence: Confidence::Likely,
                interface: Some(interface.into()),
                tunnel_of: None,
                evidence: vec![format!("leaves via {interface}")],
            },
        }
    }

    fn connected(issuer: Option<&str>) -> RowFindings {
        RowFindings {
            resolution: resolved(&["52.96.1.10"]),
            predictions: vec![prediction("52.96.1.10", Carrier::Gsa)],
            probes: Some(vec![AddressProbe {
                address: "52.96.1.10".parse().unwrap(),
                probe: Probe::Connected {
                    local: "10.200.0.2:40000".parse().unwrap(),
                    remote: "52.96.1.10:443".parse().unwrap(),
                    tls: issuer.map(|i| Ok(i.to_string())),
                },
            }]),
        }
    }

    #[test]
    fn with_connect_the_observed_socket_decides_over_the_prediction() {
        let k = knowledge();
        // The prediction says GSA, the real socket left through gpd0: observed wins.
        let through_gpd0 = own(
            "10.200.0.2:40000",
            "52.96.1.10:443",
            Carrier::GlobalProtect,
            "gpd0",
        );
        let r = judge(
            &k,
            &row(Carrier::Gsa),
            &connected(None),
            std::slice::from_ref(&through_gpd0),
            None,
        );
        assert_eq!(r.status, FlowStatus::Fail);
        assert_eq!(r.predicted.unwrap().carrier, Carrier::Gsa);
        assert_eq!(r.observed.unwrap().carrier, Carrier::GlobalProtect);
        assert_eq!(r.remedy.as_deref(), Some("exclude it"));
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("10.200.0.2:40000 → 52.96.1.10:443 via gpd0"))
        );
        let direct = own("10.200.0.2:40000", "52.96.1.10:443", Carrier::Gsa, "eth0");
        let r = judge(&k, &row(Carrier::Gsa), &connected(None), &[direct], None);
        assert_eq!((r.status, r.remedy), (FlowStatus::Pass, None));
    }

    #[test]
    fn an_inspecting_proxys_certificate_fails_a_row_expected_elsewhere_and_backs_one_expected_there()
     {
        let k = knowledge();
        let conn = own("10.200.0.2:40000", "52.96.1.10:443", Carrier::Gsa, "eth0");
        let zscaler = Some("CN=Zscaler Intermediate Root CA, O=Zscaler Inc.");
        let r = judge(&k, &row(Carrier::Gsa), &connected(zscaler), &[conn], None);
        assert_eq!(r.status, FlowStatus::Fail);
        assert!(
            r.detail.contains("Zscaler's proxy inspected"),
            "{}",
            r.detail
        );
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("Zscaler's inspection root"))
        );
        let conn = own(
            "10.200.0.2:40000",
            "52.96.1.10:443",
            Carrier::Zscaler,
            "eth0",
        );
        let r = judge(
            &k,
            &row(Carrier::Zscaler),
            &connected(zscaler),
            &[conn],
            None,
        );
        assert_eq!(r.status, FlowStatus::Pass);
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("went through Zscaler's proxy"))
        );
    }

    #[test]
    fn own_connection_is_found_by_both_endpoints() {
        let connections = vec![
            own(
                "10.200.0.2:40001",
                "52.96.1.10:443",
                Carrier::Direct,
                "eth0",
            ),
            own(
                "10.200.0.2:40000",
                "52.96.1.10:443",
                Carrier::GlobalProtect,
                "gpd0",
            ),
        ];
        let local = "10.200.0.2:40000".parse().unwrap();
        let remote = "52.96.1.10:443".parse().unwrap();
        let found = find_connection(&connections, local, remote).unwrap();
        assert_eq!(found.attribution.carrier, Carrier::GlobalProtect);
        assert!(find_connection(&connections, local, "52.96.1.11:443".parse().unwrap()).is_none());
    }

    fn connected_to(address: &str, local_port: u16) -> AddressProbe {
        AddressProbe {
            address: address.parse().unwrap(),
            probe: Probe::Connected {
                local: format!("10.200.0.2:{local_port}").parse().unwrap(),
                remote: format!("{address}:443").parse().unwrap(),
                tls: None,
            },
        }
    }

    #[test]
    fn each_address_is_judged_and_the_one_through_the_wrong_tunnel_fails_the_row_by_name() {
        let k = knowledge();
        let findings = RowFindings {
            resolution: resolved(&["52.96.1.10", "52.96.1.11", "52.96.1.12"]),
            predictions: vec![
                prediction("52.96.1.10", Carrier::Gsa),
                prediction("52.96.1.11", Carrier::Gsa),
                prediction("52.96.1.12", Carrier::Gsa),
            ],
            probes: Some(vec![
                connected_to("52.96.1.10", 40000),
                connected_to("52.96.1.11", 40001),
                AddressProbe {
                    address: "52.96.1.12".parse().unwrap(),
                    probe: Probe::Refused("52.96.1.12:443: Connection refused".into()),
                },
            ]),
        };
        let observed = [
            own("10.200.0.2:40000", "52.96.1.10:443", Carrier::Gsa, "eth0"),
            own(
                "10.200.0.2:40001",
                "52.96.1.11:443",
                Carrier::GlobalProtect,
                "gpd0",
            ),
        ];
        let r = judge(&k, &row(Carrier::Gsa), &findings, &observed, None);
        // The worst address decides: a fail beats a refusal (warn) and a pass.
        assert_eq!(r.status, FlowStatus::Fail);
        assert_eq!(
            r.detail, "52.96.1.11: observed globalprotect, expected gsa",
            "{r:?}"
        );
        assert_eq!(r.observed.unwrap().carrier, Carrier::GlobalProtect);
        assert_eq!(r.remedy.as_deref(), Some("exclude it"));
        let outcomes: Vec<(String, AttemptOutcome, FlowStatus, Option<Carrier>)> = r
            .attempts
            .iter()
            .map(|a| {
                (
                    a.address.to_string(),
                    a.outcome,
                    a.status,
                    a.observed.map(|o| o.carrier),
                )
            })
            .collect();
        assert_eq!(
            outcomes,
            [
                (
                    "52.96.1.10".to_string(),
                    AttemptOutcome::Connected,
                    FlowStatus::Pass,
                    Some(Carrier::Gsa)
                ),
                (
                    "52.96.1.11".to_string(),
                    AttemptOutcome::Connected,
                    FlowStatus::Fail,
                    Some(Carrier::GlobalProtect)
                ),
                (
                    "52.96.1.12".to_string(),
                    AttemptOutcome::Refused,
                    FlowStatus::Warn,
                    None
                ),
            ]
        );
        assert_eq!(r.attempts[1].interface.as_deref(), Some("gpd0"));
        // All through GSA: a pass that says every address was tried.
        let observed = [
            own("10.200.0.2:40000", "52.96.1.10:443", Carrier::Gsa, "eth0"),
            own("10.200.0.2:40001", "52.96.1.11:443", Carrier::Gsa, "eth0"),
        ];
        let findings = RowFindings {
            probes: findings.probes.map(|mut p| {
                p.truncate(2);
                p
            }),
            resolution: resolved(&["52.96.1.10", "52.96.1.11"]),
            ..findings
        };
        let r = judge(&k, &row(Carrier::Gsa), &findings, &observed, None);
        assert_eq!(r.status, FlowStatus::Pass);
        assert_eq!(r.detail, "observed gsa (all 2 addresses tried)");
    }

    #[test]
    fn addresses_left_without_time_are_named_and_do_not_pass_for_tried() {
        let k = knowledge();
        let not_tried = |a: &str| AddressProbe {
            address: a.parse().unwrap(),
            probe: Probe::NotTried("40 ms of the connection window left".into()),
        };
        let findings = RowFindings {
            resolution: resolved(&["52.96.1.10", "52.96.1.11", "52.96.1.12"]),
            predictions: vec![prediction("52.96.1.10", Carrier::Gsa)],
            probes: Some(vec![
                connected_to("52.96.1.10", 40000),
                not_tried("52.96.1.11"),
                not_tried("52.96.1.12"),
            ]),
        };
        let observed = [own(
            "10.200.0.2:40000",
            "52.96.1.10:443",
            Carrier::Gsa,
            "eth0",
        )];
        let r = judge(&k, &row(Carrier::Gsa), &findings, &observed, None);
        assert_eq!(r.status, FlowStatus::Pass);
        assert!(
            r.detail
                .ends_with("2 of 3 addresses not tried (--deadline)"),
            "{}",
            r.detail
        );
        assert!(
            r.evidence
                .iter()
                .any(|e| e == "not tried, --deadline ran out: 52.96.1.11, 52.96.1.12"),
            "{:?}",
            r.evidence
        );
        assert_eq!(r.attempts[1].outcome, AttemptOutcome::NotTried);
        assert_eq!(r.attempts[1].status, FlowStatus::Skip);
        // Nothing tried at all: a warning, not a pass.
        let findings = RowFindings {
            probes: Some(vec![not_tried("52.96.1.10")]),
            resolution: resolved(&["52.96.1.10"]),
            ..findings
        };
        let r = judge(&k, &row(Carrier::Gsa), &findings, &[], None);
        assert_eq!(r.status, FlowStatus::Warn);
        assert!(
            r.detail.contains("--deadline ran out (52.96.1.10)"),
            "{}",
            r.detail
        );
    }

    #[test]
    fn ipv4_is_tried_first_and_the_window_is_split_fairly() {
        let order = connect_order(&[
            "2603:1036::1".parse().unwrap(),
            "52.96.1.11".parse().unwrap(),
            "52.96.1.10".parse().unwrap(),
            "52.96.1.11".parse().unwrap(),
        ]);
        let order: Vec<String> = order.iter().map(|a| a.to_string()).collect();
        assert_eq!(order, ["52.96.1.11", "52.96.1.10", "2603:1036::1"]);
        let ms = Duration::from_millis;
        assert_eq!(attempt_timeout(ms(3000), 3), Some(ms(1000)));
        // Too little for a fair share of each: the next gets the minimum, the rest wait.
        assert_eq!(attempt_timeout(ms(400), 4), Some(MIN_ATTEMPT));
        assert_eq!(attempt_timeout(ms(100), 1), None);
        assert_eq!(attempt_timeout(ms(3000), 0), Some(ms(3000)));
    }

    /// A profile as GSA writes it: `fqdnToResolve` and `expectedIpResolution` in mixed case,
    /// DNS servers as signed 32-bit numbers, ranges as unsigned numbers, unknown keys.
    const ILA_PROFILE: &str = r#"{"policy": {
        "channels": [{"id": "ch-private", "name": "Private", "enabled": true}],
        "rules": [],
        "networkDefinitions": [
          {"id": "hq", "name": "Contoso HQ", "futureField": {"x": 1},
           "networkIdentification": [
             {"type": "DnsResolution", "priority": 1,
              "dnsResolution": {"FQDNToResolve": "ILA-Probe.Contoso.local.",
                                "serverAddresses": [-1062731766],
                                "ExpectedIpResolution": [{"start": 167772160, "end": 167837695}],
                                "ttl": 30}}]},
          {"id": "lab",
           "networkIdentification": [
             {"dnsResolution": {"fqdnToResolve": "lab-probe.contoso.local",
                                "serverAddresses": [167772161],
                                "expectedIpResolution": ["172.16.0.0/12"]}}]}
        ]}}"#;

    fn ila_networks() -> Vec<crate::analysis::profile::NetworkDefinition> {
        crate::analysis::profile::ForwardingProfile::parse(ILA_PROFILE)
            .unwrap()
            .network_definitions
    }

    fn answer(name: &str, addresses: &[&str]) -> (String, crate::assessment::Resolution) {
        use crate::assessment::{Resolution, ResolutionStatus};
        (
            name.to_string(),
            Resolution {
                status: if addresses.is_empty() {
                    ResolutionStatus::Nxdomain
                } else {
                    ResolutionStatus::Resolved
                },
                addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
                elapsed_ms: 4,
                detail: None,
            },
        )
    }

    #[test]
    fn ila_applies_when_a_probe_name_answers_inside_its_expected_range() {
        use crate::analysis::explain::{ila_probe_names, judge_ila};
        let networks = ila_networks();
        assert_eq!(
            ila_probe_names(&networks),
            ["ila-probe.contoso.local", "lab-probe.contoso.local"]
        );
        // 10.0.5.5 is inside 10.0.0.0-10.0.255.255 (167772160-167837695).
        let ila = judge_ila(
            &networks,
            &[
                answer("ila-probe.contoso.local", &["10.0.5.5"]),
                answer("lab-probe.contoso.local", &[]),
            ],
        )
        .unwrap();
        assert_eq!(ila.applies, Some(true));
        let hq = &ila.probes[0];
        assert_eq!(hq.network, "Contoso HQ (hq)");
        assert_eq!(
            hq.dns_servers,
            ["192.168.0.10".parse::<std::net::Ipv4Addr>().unwrap()]
        );
        assert_eq!(hq.expected, ["10.0.0.0-10.0.255.255"]);
        assert_eq!(hq.in_range, ["10.0.5.5".parse::<IpAddr>().unwrap()]);
        assert_eq!(ila.probes[1].expected, ["172.16.0.0-172.31.255.255"]);
        // Answered outside the range, or NXDOMAIN: it does not apply.
        let ila = judge_ila(
            &networks,
            &[
                answer("ILA-PROBE.contoso.local", &["10.1.0.1"]),
                answer("lab-probe.contoso.local", &[]),
            ],
        )
        .unwrap();
        assert_eq!(ila.applies, Some(false));
        // Not asked (--no-dns): unknown, not "does not apply".
        let ila = judge_ila(&networks, &[]).unwrap();
        assert_eq!(ila.applies, None);
        // No network definitions: nothing to say.
        assert!(judge_ila(&[], &[]).is_none());
    }

    fn private_row(carrier: Carrier) -> FlowRow {
        FlowRow {
            destination: "files.contoso.local".into(),
            port: 445,
            private_app: true,
            remedy: None,
            ..row(carrier)
        }
    }

    fn private_prediction(carrier: Carrier, channel: Option<Channel>) -> RowFindings {
        RowFindings {
            resolution: resolved(&["10.0.8.20"]),
            predictions: vec![Prediction {
                address: "10.0.8.20".parse().unwrap(),
                path: FlowPath { carrier, channel },
                evidence: vec!["profile rule private-apps".into()],
            }],
            probes: None,
        }
    }

    #[test]
    fn ila_applying_warns_on_a_private_app_row_expected_at_gsa_and_excuses_direct() {
        use crate::analysis::explain::judge_ila;
        let k = knowledge();
        let networks = ila_networks();
        let on_network = judge_ila(
            &networks,
            &[answer("ila-probe.contoso.local", &["10.0.5.5"])],
        )
        .unwrap();
        // Predicted through GSA's Private Access: ILA will send it direct: warn, not pass.
        let findings = private_prediction(Carrier::Gsa, Some(Channel::Private));
        let r = judge(
            &k,
            &private_row(Carrier::Gsa),
            &findings,
            &[],
            Some(&on_network),
        );
        assert_eq!(r.status, FlowStatus::Warn);
        assert!(
            r.detail.starts_with("Intelligent Local Access applies now"),
            "{}",
            r.detail
        );
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("probe ila-probe.contoso.local answers 10.0.5.5")),
            "{:?}",
            r.evidence
        );
        assert!(r.remedy.unwrap().contains("ila-probe.contoso.local"));
        // Direct while ILA applies is by design: a warning saying so, not a failure.
        let findings = private_prediction(Carrier::Direct, None);
        let r = judge(
            &k,
            &private_row(Carrier::Gsa),
            &findings,
            &[],
            Some(&on_network),
        );
        assert_eq!(r.status, FlowStatus::Warn);
        assert!(r.detail.starts_with("direct by design"), "{}", r.detail);
        // ILA not applying: direct stays a failure, GSA a pass, and the state is said.
        let off_network = judge_ila(
            &networks,
            &[
                answer("ila-probe.contoso.local", &["203.0.113.9"]),
                answer("lab-probe.contoso.local", &[]),
            ],
        )
        .unwrap();
        let r = judge(
            &k,
            &private_row(Carrier::Gsa),
            &findings,
            &[],
            Some(&off_network),
        );
        assert_eq!(r.status, FlowStatus::Fail);
        let findings = private_prediction(Carrier::Gsa, Some(Channel::Private));
        let r = judge(
            &k,
            &private_row(Carrier::Gsa),
            &findings,
            &[],
            Some(&off_network),
        );
        assert_eq!(r.status, FlowStatus::Pass);
        assert!(
            r.evidence
                .iter()
                .any(|e| e.starts_with("Intelligent Local Access does not apply now")),
            "{:?}",
            r.evidence
        );
        // A website row is no Private Access row: ILA is not said on it.
        let findings = RowFindings {
            resolution: resolved(&["52.96.1.10"]),
            predictions: vec![prediction("52.96.1.10", Carrier::Gsa)],
            probes: None,
        };
        let r = judge(&k, &row(Carrier::Gsa), &findings, &[], Some(&on_network));
        assert_eq!(r.status, FlowStatus::Pass);
        assert!(
            !r.evidence
                .iter()
                .any(|e| e.contains("Intelligent Local Access"))
        );
        // A private app expected at Zscaler (ZPA): ILA is said, the status is not touched.
        let findings = private_prediction(Carrier::Zscaler, Some(Channel::Zpa));
        let r = judge(
            &k,
            &private_row(Carrier::Zscaler),
            &findings,
            &[],
            Some(&on_network),
        );
        assert_eq!(r.status, FlowStatus::Pass);
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("Intelligent Local Access applies now"))
        );
    }

    #[test]
    fn a_skipped_row_is_skipped_whatever_was_found() {
        let mut skipped = row(Carrier::Gsa);
        skipped.skip = Some("no tenant".into());
        let r = judge(&knowledge(), &skipped, &RowFindings::default(), &[], None);
        assert_eq!(
            (r.status, r.detail.as_str()),
            (FlowStatus::Skip, "no tenant")
        );
    }
}
