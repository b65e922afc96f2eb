//! The one loop that reads this device over time: at each interval it samples, records,
//! analyses and publishes. The dashboard gets every assessment that differs from the last on
//! a watch channel (the latest wins, so bursts coalesce); a headless recording (`--record FILE
//! --duration D`) only samples and records, until the duration is over or a signal comes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Recording, analysis_options, collect_config, run_to_end, shutdown_signal};
use crate::analysis::{Analyzer, Assessment};
use crate::cli::Options;
use crate::collect::Sampler;
use crate::error::AppError;
use crate::knowledge::Knowledge;
use crate::safe_text;

/// The dashboard's side of a live loop: the assessments, the messages for the status line, and
/// the pause switch. The loop stops when the feed is dropped.
pub(crate) struct LiveFeed {
    pub(crate) assessments: watch::Receiver<Option<Arc<Assessment>>>,
    pub(crate) messages: mpsc::Receiver<String>,
    pub(crate) pause: watch::Sender<bool>,
    pub(crate) knowledge: Arc<Knowledge>,
    pub(crate) producer: StopOnDrop,
}

/// Ends the loop's task when its feed goes away.
pub(crate) struct StopOnDrop(JoinHandle<Result<usize, AppError>>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the loop for the dashboard (records too with `--record FILE`). Runs inside the
/// runtime: the loop is a task of its own.
pub(crate) fn start_dashboard_feed(
    options: &Options,
    knowledge: Arc<Knowledge>,
) -> Result<LiveFeed, AppError> {
    let sampler = Sampler::new(collect_config(options, &knowledge));
    let recording = match &options.record {
        Some(path) => Some(Recording::open(options, path, sampler.host(), &knowledge)?),
        None => None,
    };
    let (assessments_tx, assessments) = watch::channel(None);
    let (messages_tx, messages) = mpsc::channel(8);
    let (pause, pause_rx) = watch::channel(false);
    let publish = Publish {
        analyzer: Analyzer::new(knowledge.clone(), analysis_options(options)),
        assessments: assessments_tx,
        messages: messages_tx,
        pause: pause_rx,
        last: None,
    };
    let sampling = SampleLoop {
        sampler,
        interval: options.interval,
        recording,
        consumer: Consumer::Dashboard(Box::new(publish)),
    };
    Ok(LiveFeed {
        assessments,
        messages,
        pause,
        knowledge,
        producer: StopOnDrop(tokio::spawn(sampling.run())),
    })
}

/// `--record FILE --duration D`: records without a screen, then says how many snapshots.
pub(crate) fn record_headless(
    options: &Options,
    knowledge: Arc<Knowledge>,
    path: &Path,
    duration: Duration,
) -> Result<u8, AppError> {
    let config = collect_config(options, &knowledge);
    let count = run_to_end(async {
        let sampler = Sampler::new(config);
        let recording = Recording::open(options, path, sampler.host(), &knowledge)?;
        SampleLoop {
            sampler,
            interval: options.interval,
            recording: Some(recording),
            consumer: Consumer::Headless {
                until: Instant::now() + duration,
            },
        }
        .run()
        .await
    })??;
    eprintln!(
        "ssetop: recorded {count} snapshot(s) to {}",
        safe_text::field(&path.display().to_string())
    );
    Ok(0)
}

struct SampleLoop {
    sampler: Sampler,
    interval: Duration,
    recording: Option<Recording>,
    consumer: Consumer,
}

/// Who the loop works for, which decides what follows the recording and what a failed write
/// does.
enum Consumer {
    /// Analyse and publish; a failed write stops the recording and says so, the dashboard
    /// goes on.
    Dashboard(Box<Publish>),
    /// Nothing after the recording, which is the point: a failed write ends the run.
    Headless { until: Instant },
}

struct Publish {
    analyzer: Analyzer,
    assessments: watch::Sender<Option<Arc<Assessment>>>,
    messages: mpsc::Sender<String>,
    pause: watch::Receiver<bool>,
    last: Option<Arc<Assessment>>,
}

impl Publish {
    /// Waits while the dashboard has paused the collectors; false when the dashboard is gone.
    async fn wait_while_paused(&mut self) -> bool {
        while *self.pause.borrow() {
            if self.pause.changed().await.is_err() {
                return false;
            }
        }
        true
    }

    /// Analyses the snapshot and publishes the assessment when it differs from the last one;
    /// false when the dashboard is gone.
    fn publish(&mut self, snapshot: &crate::snapshot::Snapshot) -> bool {
        let assessment = self.analyzer.assess(snapshot);
        if self
            .last
            .as_ref()
            .is_some_and(|l| !l.differs_from(&assessment))
        {
            return true;
        }
        let assessment = Arc::new(assessment);
        self.last = Some(assessment.clone());
        self.assessments.send(Some(assessment)).is_ok()
    }
}

impl SampleLoop {
    /// Runs until a signal, the end of a headless recording, or the dashboard going away;
    /// the number of snapshots recorded.
    async fn run(mut self) -> Result<usize, AppError> {
        let mut ticks = tokio::time::interval(self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let stop = shutdown_signal();
        tokio::pin!(stop);
        let mut recorded = 0usize;
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = &mut stop => break,
            }
            let go_on = match &mut self.consumer {
                Consumer::Headless { until } => Instant::now() < *until,
                Consumer::Dashboard(publish) => publish.wait_while_paused().await,
            };
            if !go_on {
                break;
            }
            // Wait for the fast sources for most of the interval; slower ones stay pending.
            let snapshot = self.sampler.sample(self.interval.mul_f32(0.8)).await;
            if let Some(recording) = self.recording.as_mut() {
                match recording.write(&snapshot) {
                    Ok(()) => recorded += 1,
                    Err(e) => match &self.consumer {
                        Consumer::Dashboard(publish) => {
                            let _ = publish.messages.try_send(format!("recording stopped: {e}"));
                            self.recording = None;
                        }
                        Consumer::Headless { .. } => return Err(recording.failed(&e)),
                    },
                }
            }
            if let Consumer::Dashboard(publish) = &mut self.consumer
                && !publish.publish(&snapshot)
            {
                break;
            }
        }
        Ok(recorded)
    }
}
