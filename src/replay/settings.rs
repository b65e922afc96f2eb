//! What a replay judges with: the analysis options recorded in the capture's header, each
//! replaced by the same option given on the replay's command line ("what if the threshold
//! were 2m"), and where each came from for the report.
//!
//! Collection options (`--tenant-id`, `--forwarding-profile`, `--no-dns`, …) are not among
//! them: what they collected is in the snapshots.

use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;

use crate::analysis::AnalysisOptions;
use crate::analysis::alerts::OutageOptions;
use crate::capture::{
    Capture, OPTION_OUTAGE_THRESHOLD, OPTION_OUTAGE_WINDOW, OPTION_SETUP, OPTION_ZPA_RANGE,
    RecordedKnowledge,
};
use crate::cli::Options;
use crate::error::AppError;
use crate::knowledge::{Knowledge, SetupId};
use crate::live::with_zpa_ranges;
use crate::report::ReplayOption;
use crate::util::format_duration_exact;

pub(crate) struct ReplaySettings {
    pub(crate) knowledge: Arc<Knowledge>,
    pub(crate) analysis: AnalysisOptions,
    /// Each analysis option with where its value came from (the report's `replay.options`).
    pub(crate) options: Vec<ReplayOption>,
    /// The capture's own warnings, then what this replay cannot do as asked.
    pub(crate) warnings: Vec<String>,
}

impl ReplaySettings {
    /// `given_knowledge`: the `--knowledge FILE` of the replay's command line, already read.
    pub(crate) fn resolve(
        options: &Options,
        given_knowledge: Option<Knowledge>,
        capture: &Capture,
    ) -> Result<ReplaySettings, AppError> {
        let mut applied = Vec::new();
        let mut warnings = capture.warnings.clone();
        let setup = setup(options, capture, &mut applied)?;
        let outage = OutageOptions {
            threshold: duration(
                options,
                capture,
                OUTAGE_THRESHOLD,
                options.outage_threshold,
                &mut applied,
            )?,
            window: duration(
                options,
                capture,
                OUTAGE_WINDOW,
                options.outage_window,
                &mut applied,
            )?,
        };
        let zpa_ranges = zpa_ranges(options, capture, &mut applied)?;
        let knowledge = knowledge(given_knowledge, capture, &mut applied, &mut warnings)?;
        warnings.extend(ignored_collection_options(options));
        Ok(ReplaySettings {
            knowledge: Arc::new(with_zpa_ranges(knowledge, &zpa_ranges)),
            analysis: AnalysisOptions { setup, outage },
            options: applied,
            warnings,
        })
    }
}

/// An option a capture records: its key in the header (the option's field name, for
/// `Options::given`) and its name as the command line and the report spell it.
#[derive(Clone, Copy)]
struct Recordable {
    key: &'static str,
    name: &'static str,
}

const SETUP: Recordable = Recordable {
    key: OPTION_SETUP,
    name: "setup",
};
const OUTAGE_THRESHOLD: Recordable = Recordable {
    key: OPTION_OUTAGE_THRESHOLD,
    name: "outage-threshold",
};
const OUTAGE_WINDOW: Recordable = Recordable {
    key: OPTION_OUTAGE_WINDOW,
    name: "outage-window",
};
const ZPA_RANGE: Recordable = Recordable {
    key: OPTION_ZPA_RANGE,
    name: "zpa-range",
};

impl Recordable {
    fn given_here(self, value: String, capture: &Capture) -> ReplayOption {
        ReplayOption {
            name: self.name,
            value,
            source: ReplayOption::COMMAND_LINE,
            recorded: capture.recorded_text(self.key).map(str::to_string),
        }
    }

    fn recorded_as(self, value: String) -> ReplayOption {
        ReplayOption {
            name: self.name,
            value,
            source: ReplayOption::CAPTURE,
            recorded: None,
        }
    }
}

fn setup(
    options: &Options,
    capture: &Capture,
    applied: &mut Vec<ReplayOption>,
) -> Result<Option<SetupId>, AppError> {
    if let Some(setup) = options.setup {
        applied.push(SETUP.given_here(setup.to_string(), capture));
        return Ok(Some(setup));
    }
    let recorded = capture.recorded_setup()?;
    if let Some(setup) = recorded {
        applied.push(SETUP.recorded_as(setup.to_string()));
    }
    Ok(recorded)
}

/// `from_options`: the option's value on the command line, or its default.
fn duration(
    options: &Options,
    capture: &Capture,
    option: Recordable,
    from_options: Duration,
    applied: &mut Vec<ReplayOption>,
) -> Result<Duration, AppError> {
    let text = format_duration_exact;
    if options.given(option.key) {
        applied.push(option.given_here(text(from_options), capture));
        return Ok(from_options);
    }
    if let Some(recorded) = capture.recorded_duration(option.key)? {
        applied.push(option.recorded_as(text(recorded)));
        return Ok(recorded);
    }
    // A capture from before the recorded options.
    applied.push(ReplayOption {
        name: option.name,
        value: text(from_options),
        source: ReplayOption::DEFAULT,
        recorded: None,
    });
    Ok(from_options)
}

fn zpa_ranges(
    options: &Options,
    capture: &Capture,
    applied: &mut Vec<ReplayOption>,
) -> Result<Vec<IpNet>, AppError> {
    let join = |ranges: &[IpNet]| {
        let texts: Vec<String> = ranges.iter().map(ToString::to_string).collect();
        texts.join(",")
    };
    if !options.zpa_range.is_empty() {
        applied.push(ZPA_RANGE.given_here(join(&options.zpa_range), capture));
        return Ok(options.zpa_range.clone());
    }
    let recorded = capture.recorded_zpa_ranges()?.unwrap_or_default();
    if !recorded.is_empty() {
        applied.push(ZPA_RANGE.recorded_as(join(&recorded)));
    }
    Ok(recorded)
}

/// Listed in `applied` only when a knowledge file is involved: the embedded knowledge base is
/// the report's `knowledge` already.
fn knowledge(
    given: Option<Knowledge>,
    capture: &Capture,
    applied: &mut Vec<ReplayOption>,
    warnings: &mut Vec<String>,
) -> Result<Knowledge, AppError> {
    let recorded = capture.header.knowledge.as_ref();
    if let Some(given) = given {
        applied.push(ReplayOption {
            name: "knowledge",
            value: given.origin.clone(),
            source: ReplayOption::COMMAND_LINE,
            recorded: recorded.map(|r| r.origin.clone()),
        });
        return Ok(given);
    }
    match recorded {
        Some(RecordedKnowledge {
            origin,
            toml: Some(toml),
            ..
        }) => {
            let knowledge = Knowledge::from_toml(toml, &format!("{origin} (from the capture)"))
                .map_err(|e| {
                    capture.header_error(format!(
                        "the recorded knowledge base does not load ({e}); give --knowledge FILE \
                         to replay with another one"
                    ))
                })?;
            applied.push(ReplayOption {
                name: "knowledge",
                value: origin.clone(),
                source: ReplayOption::CAPTURE,
                recorded: None,
            });
            Ok(knowledge)
        }
        Some(RecordedKnowledge { version, .. }) => {
            let embedded = Knowledge::embedded();
            if embedded.file.version != *version {
                warnings.push(format!(
                    "recorded with the embedded knowledge base of version {version}; this \
                     ssetop's is version {}, whose facts may differ",
                    embedded.file.version
                ));
            }
            Ok(embedded)
        }
        None => Ok(Knowledge::embedded()),
    }
}

/// Options that change what is collected, given to a replay: said, not silently dropped.
fn ignored_collection_options(options: &Options) -> Option<String> {
    let ignored: Vec<&str> = [
        ("tenant_id", "--tenant-id"),
        ("forwarding_profile", "--forwarding-profile"),
    ]
    .into_iter()
    .filter(|(id, _)| options.given(id))
    .map(|(_, flag)| flag)
    .collect();
    (!ignored.is_empty()).then(|| {
        format!(
            "{} ignored: a replay judges what the capture's snapshots hold, collected with the \
             recording's own options",
            ignored.join(" and ")
        )
    })
}
