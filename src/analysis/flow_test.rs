//! `ssetop flow-test`'s judgement: which rows the setup's guide asks for (with the user's
//! additions), and each row's status from what was expected, predicted and observed. Pure:
//! the resolution, the prediction (the `explain` engine) and the real connection come in as
//! data, gathered by `crate::live::flow_test`.

use std::net::{IpAddr, SocketAddr};

use crate::assessment::{Assessment, Carrier, Connection, FlowPath, FlowStatus, FlowTestResult};
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
        };
        match rows
            .iter_mut()
            .find(|r| r.destination == given.host && r.port == given.port)
        {
            Some(existing) => *existing = row,
            None => rows.push(row),
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

/// What opening a connection to a row's first address gave.
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
}

/// Everything gathered for one row.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowFindings {
    pub resolution: Option<Resolution>,
    pub predictions: Vec<Prediction>,
    pub probe: Option<Probe>,
}

/// The connection ssetop opened, as the analysis attributed it in a snapshot taken while it
/// was open.
pub(crate) fn own_connection(
    assessment: &Assessment,
    local: SocketAddr,
    remote: SocketAddr,
) -> Option<&Connection> {
    assessment
        .connections
        .iter()
        .find(|c| c.socket.local == local && c.socket.remote == Some(remote))
}

fn carrier_text(path: FlowPath) -> String {
    match path.channel {
        Some(channel) => format!("{}/{}", path.carrier.id(), channel.id()),
        None => path.carrier.id().to_string(),
    }
}

/// Judges one row. `observed` is the analysis's connection for the probe's socket (found by
/// [`own_connection`] in a snapshot taken while it was open).
pub(crate) fn judge(
    knowledge: &Knowledge,
    row: &FlowRow,
    findings: &RowFindings,
    observed: Option<&Connection>,
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
    // Predicted: every address's path; the row's prediction is the first address's (the one
    // --connect opens), and a disagreement between addresses is said.
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
    let mismatch = |mut result: FlowTestResult, what: &str, path: FlowPath| {
        result.status = FlowStatus::Fail;
        result.detail = format!(
            "{what} {}, expected {}",
            carrier_text(path),
            carrier_text(row.expected)
        );
        result.remedy = row.remedy.clone().or_else(|| {
            Some(format!(
                "{} must go through {} (--destination)",
                row.destination,
                row.expected.carrier.label()
            ))
        });
        result
    };
    let Some(probe) = &findings.probe else {
        // Without --connect the prediction decides.
        let Some(predicted) = result.predicted else {
            return warn(result, "no prediction for its addresses".into());
        };
        if let Some(other) = findings
            .predictions
            .iter()
            .find(|p| p.path.carrier != row.expected.carrier)
        {
            return mismatch(
                result,
                &format!("{} would go to", other.address),
                other.path,
            );
        }
        result.status = FlowStatus::Pass;
        result.detail = format!("predicted {}", carrier_text(predicted));
        return result;
    };
    match probe {
        Probe::Refused(why) => warn(result, format!("connection refused: {why}")),
        Probe::TimedOut(why) => warn(result, format!("connection timed out: {why}")),
        Probe::Failed(why) => warn(result, format!("connection failed: {why}")),
        Probe::Connected { local, remote, tls } => {
            let inspected = match tls {
                Some(Ok(issuer)) => {
                    let root = inspection_root(knowledge, issuer);
                    result.evidence.push(match root {
                        Some(root) => format!(
                            "TLS certificate issued by {issuer:?}: {}'s inspection root, the traffic went through {}'s proxy",
                            root.vendor.label(),
                            root.vendor.label()
                        ),
                        None => format!("TLS certificate issued by {issuer:?} (no inspecting proxy the knowledge base knows)"),
                    });
                    root.map(|r| Carrier::from(r.vendor))
                }
                Some(Err(why)) => {
                    result.evidence.push(format!("TLS handshake: {why}"));
                    None
                }
                None => None,
            };
            let Some(connection) = observed else {
                return warn(
                    result,
                    format!(
                        "connected {local} → {remote}, but the socket was not in the OS socket table"
                    ),
                );
            };
            let path = FlowPath {
                carrier: connection.attribution.carrier,
                channel: connection.attribution.channel,
            };
            result.observed = Some(path);
            result.evidence.push(format!(
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
                return mismatch(result, "observed", path);
            }
            if let Some(proxy) = inspected.filter(|c| *c != row.expected.carrier) {
                let mut result = mismatch(result, "observed", path);
                result.detail = format!(
                    "routed as expected ({}), but {}'s proxy inspected the TLS connection",
                    carrier_text(path),
                    proxy.label()
                );
                return result;
            }
            result.status = FlowStatus::Pass;
            result.detail = format!("observed {}", carrier_text(path));
            result
        }
    }
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
            probe: None,
        };
        let result = judge(&k, &row(Carrier::Gsa), &findings, None);
        assert_eq!(result.status, FlowStatus::Pass);
        assert_eq!(result.remedy, None);
        let findings = RowFindings {
            predictions: vec![
                prediction("52.96.1.10", Carrier::Gsa),
                prediction("52.96.1.11", Carrier::GlobalProtect),
            ],
            ..findings
        };
        let result = judge(&k, &row(Carrier::Gsa), &findings, None);
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
        let judge_with = |resolution, probe| {
            judge(
                &k,
                &row(Carrier::Gsa),
                &RowFindings {
                    resolution,
                    predictions: vec![prediction("52.96.1.10", Carrier::Gsa)],
                    probe,
                },
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
            probe: Some(Probe::Connected {
                local: "10.200.0.2:40000".parse().unwrap(),
                remote: "52.96.1.10:443".parse().unwrap(),
                tls: issuer.map(|i| Ok(i.to_string())),
            }),
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
            Some(&through_gpd0),
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
        let direct = own("192.168.50.2:40000", "52.96.1.10:443", Carrier::Gsa, "eth0");
        let r = judge(&k, &row(Carrier::Gsa), &connected(None), Some(&direct));
        assert_eq!((r.status, r.remedy), (FlowStatus::Pass, None));
    }

    #[test]
    fn an_inspecting_proxys_certificate_fails_a_row_expected_elsewhere_and_backs_one_expected_there()
     {
        let k = knowledge();
        let conn = own("10.200.0.2:40000", "52.96.1.10:443", Carrier::Gsa, "eth0");
        let zscaler = Some("CN=Zscaler Intermediate Root CA, O=Zscaler Inc.");
        let r = judge(&k, &row(Carrier::Gsa), &connected(zscaler), Some(&conn));
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
        let r = judge(&k, &row(Carrier::Zscaler), &connected(zscaler), Some(&conn));
        assert_eq!(r.status, FlowStatus::Pass);
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("went through Zscaler's proxy"))
        );
    }

    #[test]
    fn own_connection_is_found_by_both_endpoints() {
        use crate::assessment::{SetupDecision, SetupSource};
        let mut assessment = crate::analysis::assess_snapshot(
            &crate::analysis::fixture::Device::new("linux").build(),
            &knowledge(),
            &crate::analysis::AnalysisOptions::default(),
        );
        assessment.setup = SetupDecision {
            id: SetupId::GlobalProtect,
            source: SetupSource::Option,
            evidence: vec![],
        };
        assessment.connections = vec![
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
        let found = own_connection(&assessment, local, remote).unwrap();
        assert_eq!(found.attribution.carrier, Carrier::GlobalProtect);
        assert!(own_connection(&assessment, local, "52.96.1.11:443".parse().unwrap()).is_none());
    }

    #[test]
    fn a_skipped_row_is_skipped_whatever_was_found() {
        let mut skipped = row(Carrier::Gsa);
        skipped.skip = Some("no tenant".into());
        let r = judge(&knowledge(), &skipped, &RowFindings::default(), None);
        assert_eq!(
            (r.status, r.detail.as_str()),
            (FlowStatus::Skip, "no tenant")
        );
    }
}
