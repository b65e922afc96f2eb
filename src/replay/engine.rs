//! The replay engine: a capture's snapshots through the same analysis as live, one after the
//! other, so that the timeline and the alerts build up as they did on the device. Going back
//! means starting over (the analysis keeps history); going forward goes on from where it is.

use std::sync::Arc;

use jiff::Timestamp;

use super::{ReplaySettings, ReplayStart};
use crate::analysis::{AnalysisOptions, Analyzer, Assessment};
use crate::assessment::{ExplainQuery, Explanation};
use crate::capture::{Capture, Cursor};
use crate::input_file::Deadline;
use crate::knowledge::Knowledge;
use crate::report::{Replay, ReplayOption};
use crate::snapshot::Snapshot;

/// Steps and seeks through a capture; plays or waits.
pub(crate) struct ReplayEngine {
    capture: Capture,
    settings: ReplaySettings,
    analyzer: Analyzer,
    /// Rebuilds the snapshots after the one shown.
    cursor: Cursor,
    /// The snapshot shown, its index, and its assessment.
    shown: Snapshot,
    position: usize,
    assessment: Arc<Assessment>,
    playing: bool,
}

/// Where a replay stands and what it judges with. The dashboard shows it as it is; the
/// report's `replay` section (of `--replay --once` and of the dashboard's export alike) is
/// built from it by [`ReplayStatus::section`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayStatus {
    pub capture: String,
    /// The index of the snapshot shown.
    pub position: usize,
    pub total: usize,
    /// The capture's own time of the snapshot shown.
    pub at: Timestamp,
    pub playing: bool,
    pub warnings: Vec<String>,
    /// The analysis options and where each came from (the capture, the command line).
    pub options: Vec<ReplayOption>,
}

impl ReplayStatus {
    /// The report's `replay` section: the snapshots analysed are those up to the one shown.
    pub fn section(&self) -> Replay {
        Replay {
            capture: self.capture.clone(),
            at: self.at,
            snapshots: self.position + 1,
            warnings: self.warnings.clone(),
            options: self.options.clone(),
        }
    }
}

/// Why a replay could not open where it was asked to.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReplayError {
    #[error(
        "stopped replaying {capture}: --deadline {deadline} passed with {analysed} of the {wanted} \
         snapshot(s) up to the one asked for analysed (a longer --deadline lets it finish)"
    )]
    Deadline {
        capture: String,
        deadline: String,
        analysed: usize,
        wanted: usize,
    },
    #[error("{capture}: snapshot {} cannot be rebuilt: {reason}", index + 1)]
    Damaged {
        capture: String,
        index: usize,
        reason: String,
    },
}

impl ReplayEngine {
    /// Analyses the capture up to `start`'s snapshot, by `deadline` if one is given (a
    /// one-shot report has one; the dashboard shows the replay as it plays).
    pub(crate) fn open(
        capture: Capture,
        settings: ReplaySettings,
        start: ReplayStart,
        deadline: Option<&Deadline>,
    ) -> Result<Self, ReplayError> {
        let wanted = start.index.min(capture.len() - 1);
        if let Some(deadline) = deadline
            && deadline.remaining().is_zero()
        {
            return Err(ReplayError::Deadline {
                capture: capture.path.clone(),
                deadline: crate::util::format_duration_exact(deadline.given()),
                analysed: 0,
                wanted: wanted + 1,
            });
        }
        let mut analyzer = new_analyzer(&settings);
        let mut cursor = Cursor::default();
        let first = rebuilt(&capture, &mut cursor, 0)?;
        let assessment = Arc::new(analyzer.assess(&first));
        let mut engine = ReplayEngine {
            capture,
            settings,
            analyzer,
            cursor,
            shown: first,
            position: 0,
            assessment,
            playing: start.playing,
        };
        engine.analyse_to(wanted, deadline)?;
        Ok(engine)
    }

    /// The assessment of the snapshot shown.
    pub(crate) fn assessment(&self) -> Arc<Assessment> {
        self.assessment.clone()
    }

    pub(crate) fn knowledge(&self) -> &Knowledge {
        &self.settings.knowledge
    }

    pub(crate) fn playing(&self) -> bool {
        self.playing
    }

    pub(crate) fn status(&self) -> ReplayStatus {
        ReplayStatus {
            capture: self.capture.path.clone(),
            position: self.position,
            total: self.capture.len(),
            at: self.shown.taken_at,
            playing: self.playing,
            warnings: self.settings.warnings.clone(),
            options: self.settings.options.clone(),
        }
    }

    /// Playing: on to the next snapshot; the last one pauses. True when it moved.
    pub(crate) fn advance(&mut self) -> bool {
        self.move_by(1)
    }

    /// Pauses and moves this many snapshots, within the capture. True when it moved.
    pub(crate) fn step(&mut self, by: isize) -> bool {
        self.playing = false;
        self.move_by(by)
    }

    /// Pauses and moves by this much capture time: forward to the first snapshot at or after
    /// it (else the last), back to the last one at or before it (else the first).
    pub(crate) fn jump(&mut self, seconds: i64) -> bool {
        self.playing = false;
        let now = self.shown.taken_at;
        let target = now
            .checked_add(jiff::SignedDuration::from_secs(seconds))
            .unwrap_or(now);
        let index = if seconds >= 0 {
            self.capture.index_from(target).unwrap_or(self.last())
        } else {
            self.capture.index_at(target).unwrap_or(0)
        };
        self.move_by(index as isize - self.position as isize)
    }

    /// Plays or pauses; playing again at the end starts over from the first snapshot. True
    /// when it moved.
    pub(crate) fn set_playing(&mut self, playing: bool) -> bool {
        self.playing = playing;
        if playing && self.position == self.last() {
            return self.seek(0);
        }
        false
    }

    /// The dashboard's explain (`x`): the walk for `query` on the snapshot shown, by the
    /// same engine as `ssetop explain`, with the destination's own address (no DNS).
    pub(crate) fn explain(&mut self, query: &ExplainQuery) -> Explanation {
        let resolution = query.literal_resolution();
        self.analyzer.explain(&self.shown, query, resolution)
    }

    fn last(&self) -> usize {
        self.capture.len() - 1
    }

    fn move_by(&mut self, by: isize) -> bool {
        let last = self.last();
        let target = (self.position as isize + by).clamp(0, last as isize) as usize;
        if target == last && by > 0 {
            self.playing = false;
        }
        self.seek(target)
    }

    /// Analyses up to snapshot `target`: from the start again when going back. True when it
    /// moved.
    fn seek(&mut self, target: usize) -> bool {
        if target == self.position {
            return false;
        }
        if target < self.position {
            let mut cursor = Cursor::default();
            let first = match rebuilt(&self.capture, &mut cursor, 0) {
                Ok(first) => first,
                Err(e) => {
                    self.settings.warnings.push(e.to_string());
                    return false;
                }
            };
            self.analyzer = new_analyzer(&self.settings);
            self.assessment = Arc::new(self.analyzer.assess(&first));
            self.cursor = cursor;
            self.shown = first;
            self.position = 0;
        }
        // No deadline: nothing to miss. A snapshot that does not rebuild (a capture that read
        // rebuilds: reading took the same steps) stops the replay where it is, and says so.
        if let Err(e) = self.analyse_to(target, None) {
            self.settings.warnings.push(e.to_string());
        }
        true
    }

    /// Analyses the snapshots after the one shown up to `target`, one after the other.
    fn analyse_to(
        &mut self,
        target: usize,
        deadline: Option<&Deadline>,
    ) -> Result<(), ReplayError> {
        while self.position < target {
            if let Some(deadline) = deadline
                && deadline.remaining().is_zero()
            {
                return Err(ReplayError::Deadline {
                    capture: self.capture.path.clone(),
                    deadline: crate::util::format_duration_exact(deadline.given()),
                    analysed: self.position + 1,
                    wanted: target + 1,
                });
            }
            let snapshot = rebuilt(&self.capture, &mut self.cursor, self.position + 1)?;
            self.assessment = Arc::new(self.analyzer.assess(&snapshot));
            self.shown = snapshot;
            self.position += 1;
        }
        Ok(())
    }
}

/// The next snapshot from `cursor`, which stands before snapshot `index`.
fn rebuilt(capture: &Capture, cursor: &mut Cursor, index: usize) -> Result<Snapshot, ReplayError> {
    let damaged = |reason: String| ReplayError::Damaged {
        capture: capture.path.clone(),
        index,
        reason,
    };
    match cursor.next(capture) {
        Some(Ok(snapshot)) => Ok(snapshot),
        Some(Err(reason)) => Err(damaged(reason)),
        None => Err(damaged("the capture ends before it".into())),
    }
}

fn new_analyzer(settings: &ReplaySettings) -> Analyzer {
    Analyzer::new(settings.knowledge.clone(), settings.analysis.clone())
}

/// The assessment of a capture's snapshot `last`, analysed from the first as a replay does
/// (for tests that draw the dashboard from a capture).
pub fn replay_until(
    knowledge: Arc<Knowledge>,
    analysis: AnalysisOptions,
    capture: &Capture,
    last: usize,
) -> Assessment {
    let mut analyzer = Analyzer::new(knowledge, analysis);
    let mut assessment = None;
    for snapshot in capture.snapshots().take(last + 1) {
        assessment = Some(analyzer.assess(&snapshot));
    }
    assessment.unwrap_or_else(|| panic!("{}: no snapshot {last} to replay to", capture.path))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::report::Report;

    /// 25 snapshots, 10 s apart, from 09:00:00.
    fn capture() -> Capture {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/outage-heals.ndjson");
        Capture::load(&path).expect("the capture loads")
    }

    fn open(capture: &Capture, index: usize, playing: bool) -> ReplayEngine {
        let settings = ReplaySettings {
            knowledge: Arc::new(Knowledge::embedded()),
            analysis: AnalysisOptions::default(),
            options: Vec::new(),
            warnings: vec!["recorded by a test".into()],
        };
        ReplayEngine::open(
            capture.clone(),
            settings,
            ReplayStart { index, playing },
            None,
        )
        .expect("the test capture replays")
    }

    fn json(assessment: &Assessment) -> String {
        Report::new(assessment, "embedded").to_json()
    }

    /// What a replay analysing from the first snapshot to `last` in one go shows.
    fn fresh(capture: &Capture, last: usize) -> String {
        json(&replay_until(
            Arc::new(Knowledge::embedded()),
            AnalysisOptions::default(),
            capture,
            last,
        ))
    }

    #[test]
    fn every_move_shows_what_a_fresh_replay_up_to_that_snapshot_shows() {
        let capture = capture();
        let mut engine = open(&capture, 12, false);
        assert_eq!(json(&engine.assessment()), fresh(&capture, 12));
        type Move = fn(&mut ReplayEngine) -> bool;
        let moves: [(&str, Move, usize); 6] = [
            ("forward 3", |e| e.step(3), 15),
            ("back 5, starting over", |e| e.step(-5), 10),
            ("a minute on", |e| e.jump(60), 16),
            ("a minute back", |e| e.jump(-60), 10),
            ("past the end", |e| e.step(100), 24),
            ("before the start", |e| e.step(-100), 0),
        ];
        for (what, apply, expected) in moves {
            assert!(apply(&mut engine), "{what}: moved");
            assert_eq!(engine.status().position, expected, "{what}");
            assert_eq!(
                json(&engine.assessment()),
                fresh(&capture, expected),
                "{what}"
            );
        }
        assert!(!engine.step(-1), "already at the first snapshot");
    }

    #[test]
    fn playing_stops_at_the_last_snapshot_and_playing_again_starts_over() {
        let capture = capture();
        let mut engine = open(&capture, 23, true);
        assert!(engine.advance());
        assert_eq!(engine.status().position, 24);
        assert!(!engine.playing(), "the last snapshot pauses");
        assert!(!engine.advance(), "nothing after the last snapshot");
        assert!(engine.set_playing(true));
        assert!(engine.playing());
        assert_eq!(engine.status().position, 0);
        assert_eq!(json(&engine.assessment()), fresh(&capture, 0));
        assert!(!engine.set_playing(false), "pausing does not move");
        assert!(!engine.playing());
    }

    #[test]
    fn a_report_past_its_deadline_stops_with_how_far_it_got() {
        let settings = ReplaySettings {
            knowledge: Arc::new(Knowledge::embedded()),
            analysis: AnalysisOptions::default(),
            options: Vec::new(),
            warnings: Vec::new(),
        };
        let start = ReplayStart {
            index: 12,
            playing: false,
        };
        let passed = Deadline::after(std::time::Duration::ZERO);
        let Err(err) = ReplayEngine::open(capture(), settings, start, Some(&passed)) else {
            panic!("a passed deadline stops the replay");
        };
        let text = err.to_string();
        assert!(
            text.contains("--deadline 0s passed with 0 of the 13 snapshot(s)")
                && text.contains("a longer --deadline"),
            "{text}"
        );
    }

    #[test]
    fn stepping_pauses_a_playing_replay() {
        let mut engine = open(&capture(), 3, true);
        assert!(engine.step(1));
        assert!(!engine.playing());
    }

    #[test]
    fn the_report_section_is_built_from_the_status_of_the_snapshot_shown() {
        let capture = capture();
        let engine = open(&capture, 12, false);
        let status = engine.status();
        assert_eq!((status.position, status.total), (12, 25));
        let section = status.section();
        assert_eq!(section.capture, capture.path);
        assert_eq!(
            section.snapshots, 13,
            "the snapshots analysed: up to the one shown"
        );
        assert_eq!(Some(section.at), capture.taken_at(12));
        assert_eq!(section.warnings, ["recorded by a test"]);
    }
}
