//! The command line turned into what the collectors and the analysis take.

use std::path::Path;
use std::time::Duration;

use crate::analysis::AnalysisOptions;
use crate::analysis::alerts::OutageOptions;
use crate::analysis::profile::ForwardingProfile;
use crate::cli::Options;
use crate::collect::CollectConfig;
use crate::error::AppError;
use crate::input_file::{self, Deadline};
use crate::knowledge::Knowledge;

/// `--zpa-range`, or the ranges a capture recorded, in place of the knowledge base's.
pub(crate) fn with_zpa_ranges(mut knowledge: Knowledge, ranges: &[ipnet::IpNet]) -> Knowledge {
    if !ranges.is_empty() {
        knowledge.set_zpa_ranges(ranges);
    }
    knowledge
}

/// A forwarding profile given on the command line must be readable and parse: a mistake in
/// the probe's input is exit 3, unlike a broken profile on the device (a failed check).
pub(crate) fn check_profile_file(path: &Path, deadline: &Deadline) -> Result<(), AppError> {
    let text = input_file::read_text(path, "forwarding profile", deadline)
        .map_err(|e| AppError::Input(e.to_string()))?;
    // Read once here; the analysis indexes what was read instead of reading the text again.
    ForwardingProfile::check_and_remember(&text)
        .map_err(|e| AppError::Input(format!("{}: {e}", path.display())))
}

pub(crate) fn collect_config(options: &Options, knowledge: &Knowledge) -> CollectConfig {
    CollectConfig {
        interval: options.interval,
        // Saturating: `--interval` is bounded by its parser, and no product may panic.
        slow_interval: options
            .interval
            .saturating_mul(30)
            .max(Duration::from_secs(10)),
        source_deadline: options.deadline,
        dns_timeout: options.dns_timeout,
        dns_names: (!options.no_dns).then(|| knowledge.file.gsa.edge_names.clone()),
        forwarding_profile_file: options.forwarding_profile.clone(),
        tenant_id: options.tenant_id.clone(),
        cmdline_names: CollectConfig::cmdline_names_from(knowledge),
        service_names: CollectConfig::service_names_from(knowledge),
        gsa_executables: CollectConfig::gsa_executables_from(knowledge),
        macos_profile_files: CollectConfig::macos_profile_files_from(knowledge),
        gsa_product_names: knowledge.file.gsa.product_names.clone(),
        macos_app_plists: CollectConfig::macos_app_plists_from(knowledge),
        vendor_tools: CollectConfig::vendor_tools_from(knowledge),
    }
}

pub(crate) fn analysis_options(options: &Options) -> AnalysisOptions {
    AnalysisOptions {
        setup: options.setup,
        outage: OutageOptions {
            threshold: options.outage_threshold,
            window: options.outage_window,
        },
    }
}
