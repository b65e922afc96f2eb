//! `--once`: one snapshot within the deadline, recorded with `--record FILE`, analysed, and
//! the report of it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Recording, analysis_options, collect_config, run_to_end};
use crate::analysis::Analyzer;
use crate::cli::Options;
use crate::collect;
use crate::error::AppError;
use crate::input_file::Deadline;
use crate::knowledge::Knowledge;
use crate::report::Report;

/// The report and the exit code of its verdict.
/// `deadline` started before the input files were read: what they took is not the
/// collectors' to spend.
pub(crate) fn once(
    options: &Options,
    knowledge: Arc<Knowledge>,
    deadline: &Deadline,
) -> Result<(Report, u8), AppError> {
    let config = collect_config(options, &knowledge);
    // Leave time for the analysis and the output inside the deadline.
    let budget = deadline
        .remaining()
        .saturating_sub(Duration::from_millis(150))
        .max(Duration::from_millis(50));
    let mut analyzer = Analyzer::new(knowledge.clone(), analysis_options(options));
    let snapshot = if options.probe {
        run_to_end(super::probes::snapshot_with_probes(
            config,
            &mut analyzer,
            super::probes::internet_probe(options, &knowledge),
            budget,
        ))?
    } else {
        run_to_end(collect::collect_once(config, budget))?
    };
    // `--once --record FILE`: the snapshot behind the report, to hand over or replay later.
    if let Some(path) = &options.record {
        let mut recording = Recording::open(options, path, &snapshot.host, &knowledge)?;
        recording
            .write(&snapshot)
            .map_err(|e| recording.failed(&e))?;
    }
    // A profile too big to index in the time left is left out, and the check says so.
    analyzer.set_profile_deadline(
        Instant::now()
            + deadline
                .remaining()
                .saturating_sub(Duration::from_millis(100)),
    );
    // Nothing is analysed after this snapshot: the analyser and the snapshot end here, and
    // the report keeps the assessment's rows rather than copies of them.
    let assessment = analyzer.assess_last(snapshot);
    let code = assessment.verdict.exit_code();
    Ok((Report::from_assessment(assessment, &knowledge.origin), code))
}
