//! The DNS pane judges nothing: for every edge name it shows the status of the name's
//! `edge-dns:<name>` check, whatever the DNS answer (every DNS status; answers inside and
//! outside GSA's ranges, intercepted by another vendor's synthetic range or leaving through
//! another vendor's tunnel) and whether the knowledge base requires the name or lists it as
//! optional.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ssetop::analysis::fixture::Device;
use ssetop::analysis::{AnalysisOptions, Assessment, assess_snapshot};
use ssetop::assessment::Status;
use ssetop::knowledge::Knowledge;
use ssetop::snapshot::DnsStatus;
use ssetop::tui::state::{Action, Pane, UiState};
use ssetop::tui::theme::Theme;
use ssetop::tui::view;

/// Required by the knowledge base, and optional (a newer list's name).
const REQUIRED: &str = "m365.edgediagnostic.globalsecureaccess.microsoft.com";
const OPTIONAL: &str = "auth.edgediagnostic.globalsecureaccess.microsoft.com";

const STATUS_IDS: [&str; 6] = [
    "resolved", "nxdomain", "refused", "timeout", "error", "skipped",
];

/// The status glyph the DNS pane draws (ASCII mode) before each name's DNS status, by name.
fn pane_statuses(assessment: Assessment) -> BTreeMap<String, Status> {
    let mut state = UiState::new(true);
    state.set_assessment(Arc::new(assessment));
    state.apply(Action::GoTo(Pane::Dns));
    let theme = Theme::built_in("default").expect("built-in theme");
    let mut terminal = Terminal::new(TestBackend::new(160, 40)).expect("test terminal");
    terminal
        .draw(|frame| view::draw(frame, &state, &theme))
        .expect("draws");
    let buffer = terminal.backend().buffer().clone();
    let width = buffer.area.width as usize;
    let mut shown = BTreeMap::new();
    for row in buffer.content.chunks(width) {
        let line: String = row.iter().map(|c| c.symbol()).collect();
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = tokens.iter().position(|t| STATUS_IDS.contains(t)) else {
            continue;
        };
        let Some(name) = ["m365.edgediagnostic", "auth.edgediagnostic"]
            .into_iter()
            .find(|n| line.contains(n))
        else {
            continue;
        };
        let status = match tokens.get(at.wrapping_sub(1)).copied() {
            Some("+") => Status::Pass,
            Some("!") => Status::Warn,
            Some("x") => Status::Fail,
            Some("-") => Status::Skip,
            other => panic!("no status glyph before the DNS status in {line:?}: {other:?}"),
        };
        shown.insert(name.to_string(), status);
    }
    shown
}

#[test]
fn the_dns_pane_shows_each_names_edge_dns_check_status_for_every_answer() {
    let knowledge = Knowledge::embedded();
    let answers: [(DnsStatus, &[&str]); 9] = [
        (DnsStatus::Resolved, &["150.171.19.2"]),
        (DnsStatus::Resolved, &["20.1.1.1"]),
        (DnsStatus::Resolved, &["100.64.0.9"]),
        (DnsStatus::Resolved, &[]),
        (DnsStatus::Nxdomain, &[]),
        (DnsStatus::Refused, &[]),
        (DnsStatus::Timeout, &[]),
        (DnsStatus::Error, &[]),
        (DnsStatus::Skipped, &[]),
    ];
    let mut covered = BTreeSet::new();
    for through_globalprotect in [false, true] {
        for (status, addresses) in answers {
            let device = if through_globalprotect {
                // Everything, GSA's ranges included, leaves through GlobalProtect's adapter.
                Device::windows()
                    .pangp()
                    .route("0.0.0.0/0", "Ethernet 3", Some("10.200.0.1"), 1)
            } else {
                Device::windows()
            };
            let snapshot = device
                .dns(REQUIRED, status, addresses)
                .dns(OPTIONAL, status, addresses)
                .build();
            let assessment = assess_snapshot(&snapshot, &knowledge, &AnalysisOptions::default());
            let case =
                format!("{status:?} {addresses:?}, through GlobalProtect {through_globalprotect}");
            let checks: BTreeMap<String, Status> = assessment
                .checks
                .iter()
                .filter_map(|c| Some((c.id.strip_prefix("edge-dns:")?.to_string(), c.status)))
                .collect();
            let rows: Vec<(String, bool, Status)> = assessment
                .dns
                .iter()
                .map(|d| (d.answer.name.clone(), d.required, d.status))
                .collect();
            let shown = pane_statuses(assessment);
            assert_eq!(rows.len(), 2, "{case}");
            for (name, required, row_status) in rows {
                let check = checks[&name];
                let short = name.split('.').take(2).collect::<Vec<_>>().join(".");
                assert_eq!(shown.get(&short), Some(&check), "{name}, {case}");
                assert_eq!(row_status, check, "{name}, {case}");
                assert_eq!(required, name == REQUIRED, "{name}");
                covered.insert((required, check));
            }
        }
    }
    // Every status a name can have was shown, for required and optional names alike (an
    // optional name that does not resolve is a warning, not a failure).
    for required in [true, false] {
        for status in [Status::Pass, Status::Warn, Status::Fail, Status::Skip] {
            assert!(
                covered.contains(&(required, status)),
                "no case shows {status:?} for a {} name",
                if required { "required" } else { "optional" }
            );
        }
    }
    let optional_nxdomain = assess_snapshot(
        &Device::windows()
            .dns(OPTIONAL, DnsStatus::Nxdomain, &[])
            .build(),
        &knowledge,
        &AnalysisOptions::default(),
    );
    assert_eq!(
        pane_statuses(optional_nxdomain).get("auth.edgediagnostic"),
        Some(&Status::Warn)
    );
}
