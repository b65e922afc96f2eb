//! The one loop that reads this device over time: at each interval it samples, records,
//! analyses and publishes. The dashboard gets every assessment that differs from the last on
//! a watch channel (the latest wins, so bursts coalesce); a headless recording (`--record FILE
//! --duration D`) only samples and records, until the duration is over or a signal comes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Recording, analysis_options, collect_config, run_to_end, shutdown_signal};
use crate::analysis::{Analyzer, Assessment};
use crate::assessment::{ExplainQuery, Explanation};
use crate::cli::Options;
use crate::collect::probes::InternetProbe;
use crate::collect::{CollectConfig, Sampler};
use crate::error::AppError;
use crate::knowledge::Knowledge;
use crate::safe_text;
use crate::snapshot::{ProbeResult, Section, Snapshot};

/// The dashboard's side of a live loop: the assessments, the messages for the status line, and
/// the pause switch. The loop stops when the feed is dropped.
pub(crate) struct LiveFeed {
    pub(crate) assessments: watch::Receiver<Option<Arc<Assessment>>>,
    /// When the device was last read, at every sample (the assessments come only when they
    /// change: on a quiet device their own time stands still).
    pub(crate) sampled: watch::Receiver<Option<jiff::Timestamp>>,
    /// Snapshots written by `--record FILE` so far.
    pub(crate) recorded: Arc<AtomicUsize>,
    pub(crate) messages: mpsc::Receiver<String>,
    pub(crate) pause: watch::Sender<bool>,
    /// What the dashboard asks of the loop (probe once, explain a connection).
    pub(crate) requests: mpsc::Sender<Request>,
    /// The loop's answers to those requests, in order.
    pub(crate) answers: mpsc::Receiver<Answer>,
    pub(crate) knowledge: Arc<Knowledge>,
    pub(crate) producer: StopOnDrop,
}

/// What the dashboard asks the live loop for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Request {
    /// Run the probes once (`--once --probe`'s plan, probe, collect and judge), at once.
    Probe,
    /// The explain walk for this destination, on the last snapshot read.
    Explain(ExplainQuery),
}

/// The loop's answer to a [`Request`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    ProbeStarted,
    /// The probed assessment has been published (or the probes failed: the reason).
    ProbeFinished(Result<jiff::Timestamp, String>),
    /// The walk, or why there is none yet.
    Explained(Result<Arc<Explanation>, String>),
}

/// How the loop probes when asked: what `--once --probe` would use.
pub(crate) struct ProbeSetup {
    pub(crate) config: CollectConfig,
    pub(crate) internet: InternetProbe,
    /// Plan, probe and collect within this (`--deadline`).
    pub(crate) budget: Duration,
    /// `--probe` on the command line: once at the start (then only on the key).
    pub(crate) at_start: bool,
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
    let analyzer = Analyzer::new(knowledge.clone(), analysis_options(options));
    let probes = ProbeSetup {
        config: collect_config(options, &knowledge),
        internet: super::probes::internet_probe(options, &knowledge),
        budget: options.deadline.max(Duration::from_secs(1)),
        at_start: options.probe,
    };
    Ok(dashboard_feed(
        sampler,
        options.interval,
        recording,
        analyzer,
        knowledge,
        probes,
    ))
}

/// Spawns the loop with the dashboard as its consumer.
fn dashboard_feed(
    sampler: Sampler,
    interval: Duration,
    recording: Option<Recording>,
    analyzer: Analyzer,
    knowledge: Arc<Knowledge>,
    probes: ProbeSetup,
) -> LiveFeed {
    let (assessments_tx, assessments) = watch::channel(None);
    let (sampled_tx, sampled) = watch::channel(None);
    let recorded = Arc::new(AtomicUsize::new(0));
    let (messages_tx, messages) = mpsc::channel(8);
    let (pause, pause_rx) = watch::channel(false);
    let (requests, requests_rx) = mpsc::channel(8);
    let (answers_tx, answers) = mpsc::channel(8);
    let publish = Publish {
        analyzer,
        assessments: assessments_tx,
        sampled: sampled_tx,
        messages: messages_tx,
        pause: pause_rx,
        last: None,
        requests: requests_rx,
        answers: answers_tx,
        probe_due: probes.at_start,
        probes,
        last_probes: None,
        last_snapshot: None,
    };
    let sampling = SampleLoop {
        sampler,
        interval,
        recording,
        recorded: recorded.clone(),
        consumer: Consumer::Dashboard(Box::new(publish)),
    };
    LiveFeed {
        assessments,
        sampled,
        recorded,
        messages,
        pause,
        requests,
        answers,
        knowledge,
        producer: StopOnDrop(tokio::spawn(sampling.run())),
    }
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
            recorded: Arc::default(),
            consumer: Consumer::Headless {
                // `--duration` is bounded by the parser; the fallback never comes into play.
                until: Instant::now()
                    .checked_add(duration)
                    .unwrap_or_else(|| Instant::now() + crate::util::MAX_DURATION),
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
    /// Snapshots written so far, shared with whoever reports them.
    recorded: Arc<AtomicUsize>,
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
    sampled: watch::Sender<Option<jiff::Timestamp>>,
    messages: mpsc::Sender<String>,
    pause: watch::Receiver<bool>,
    last: Option<Arc<Assessment>>,
    requests: mpsc::Receiver<Request>,
    answers: mpsc::Sender<Answer>,
    probes: ProbeSetup,
    /// A probe was asked for (or `--probe` at the start): the next sample probes.
    probe_due: bool,
    /// The last probes' results, carried by every later snapshot until the next probe (their
    /// `collected_at` says when they ran).
    last_probes: Option<Section<Vec<ProbeResult>>>,
    /// The snapshot behind the last assessment: what an explain walks.
    last_snapshot: Option<Snapshot>,
}

impl Publish {
    /// Waits while the dashboard has paused the collectors, answering its requests meanwhile
    /// (a probe asked for while paused runs all the same: the user asked for it); false when
    /// the dashboard is gone.
    async fn wait_while_paused(&mut self) -> bool {
        while *self.pause.borrow() && !self.probe_due {
            let request = tokio::select! {
                changed = self.pause.changed() => {
                    if changed.is_err() {
                        return false;
                    }
                    continue;
                }
                request = self.requests.recv() => request,
            };
            match request {
                Some(request) => {
                    self.take(request);
                }
                None => return false,
            }
        }
        true
    }

    /// Takes one request: a probe is noted for the next sample (true: sample now); an
    /// explanation is answered at once from the last snapshot.
    fn take(&mut self, request: Request) -> bool {
        match request {
            Request::Probe => {
                self.probe_due = true;
                true
            }
            Request::Explain(query) => {
                let answer = match &self.last_snapshot {
                    Some(snapshot) => {
                        let resolution = query.literal_resolution();
                        Ok(Arc::new(
                            self.analyzer.explain(snapshot, &query, resolution),
                        ))
                    }
                    None => Err("nothing read yet: try again after the first sample".into()),
                };
                let _ = self.answers.try_send(Answer::Explained(answer));
                false
            }
        }
    }

    /// The next request; never, once the dashboard has gone.
    async fn next_request(&mut self) -> Request {
        match self.requests.recv().await {
            Some(request) => request,
            None => std::future::pending().await,
        }
    }

    /// A probed snapshot: `--once --probe`'s plan, probe and collect, within the budget.
    async fn probed_snapshot(&mut self) -> Snapshot {
        let _ = self.answers.try_send(Answer::ProbeStarted);
        super::probes::snapshot_with_probes(
            self.probes.config.clone(),
            &mut self.analyzer,
            self.probes.internet.clone(),
            self.probes.budget,
        )
        .await
    }

    /// Keeps a fresh probe's results, or gives a later snapshot the last ones.
    fn carry_probes(&mut self, snapshot: &mut Snapshot, probed: bool) {
        if probed {
            self.last_probes = Some(snapshot.probes.clone());
        } else if let Some(probes) = &self.last_probes {
            snapshot.probes = probes.clone();
            for result in snapshot.probes.data.iter_mut().flatten() {
                result.carried = true;
            }
        }
    }

    /// After a probed snapshot was published: when it ran, or why it did not.
    fn probe_finished(&self, snapshot: &Snapshot) {
        let outcome = match (&snapshot.probes.collected_at, &snapshot.probes.reason) {
            (Some(at), _) if snapshot.probes.data.is_some() => Ok(*at),
            (_, Some(reason)) => Err(reason.clone()),
            _ => Err(snapshot.probes.describe()),
        };
        let _ = self.answers.try_send(Answer::ProbeFinished(outcome));
    }

    /// Analyses the snapshot and publishes the assessment when it differs from the last one;
    /// false when the dashboard is gone.
    fn publish(&mut self, snapshot: &crate::snapshot::Snapshot) -> bool {
        let assessment = self.analyzer.assess(snapshot);
        // Every sample, changed or not: the dashboard's clock and its export's time.
        self.sampled.send_replace(Some(snapshot.taken_at));
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
        loop {
            let probe_due = matches!(&self.consumer, Consumer::Dashboard(p) if p.probe_due);
            if !probe_due {
                tokio::select! {
                    _ = ticks.tick() => {}
                    // A probe samples at once; an explanation is answered and waits on.
                    request = async {
                        match &mut self.consumer {
                            Consumer::Dashboard(publish) => publish.next_request().await,
                            Consumer::Headless { .. } => std::future::pending().await,
                        }
                    } => {
                        let sample_now = match &mut self.consumer {
                            Consumer::Dashboard(publish) => publish.take(request),
                            Consumer::Headless { .. } => false,
                        };
                        if !sample_now {
                            continue;
                        }
                    }
                    _ = &mut stop => break,
                }
            }
            let go_on = match &mut self.consumer {
                Consumer::Headless { until } => Instant::now() < *until,
                Consumer::Dashboard(publish) => publish.wait_while_paused().await,
            };
            if !go_on {
                break;
            }
            let probing = match &mut self.consumer {
                Consumer::Dashboard(publish) if publish.probe_due => {
                    publish.probe_due = false;
                    true
                }
                _ => false,
            };
            let mut snapshot = match &mut self.consumer {
                Consumer::Dashboard(publish) if probing => publish.probed_snapshot().await,
                // Wait for the fast sources for most of the interval; slower ones stay
                // pending.
                _ => self.sampler.sample(self.interval.mul_f32(0.8)).await,
            };
            if let Consumer::Dashboard(publish) = &mut self.consumer {
                publish.carry_probes(&mut snapshot, probing);
            }
            if let Some(recording) = self.recording.as_mut() {
                match recording.write(&snapshot) {
                    Ok(()) => {
                        self.recorded.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => match &self.consumer {
                        Consumer::Dashboard(publish) => {
                            let _ = publish.messages.try_send(format!("recording stopped: {e}"));
                            self.recording = None;
                        }
                        Consumer::Headless { .. } => return Err(recording.failed(&e)),
                    },
                }
            }
            if let Consumer::Dashboard(publish) = &mut self.consumer {
                if !publish.publish(&snapshot) {
                    break;
                }
                if probing {
                    publish.probe_finished(&snapshot);
                }
                publish.last_snapshot = Some(snapshot);
            }
        }
        Ok(self.recorded.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::capture::Capture;
    use crate::live::recording::capture_header;

    /// A recording's file that the test reads back, and can break after the header.
    #[derive(Clone, Default)]
    struct TestFile {
        bytes: Arc<Mutex<Vec<u8>>>,
        broken: Arc<AtomicBool>,
    }

    impl Write for TestFile {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.broken.load(Ordering::SeqCst) {
                return Err(std::io::Error::other("disk gone"));
            }
            self.bytes.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl TestFile {
        fn capture(&self) -> Capture {
            let bytes = self.bytes.lock().unwrap().clone();
            Capture::read(bytes.as_slice(), "test.ndjson").expect("the recording reads back")
        }

        fn lines(&self) -> usize {
            self.bytes
                .lock()
                .unwrap()
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
        }
    }

    /// This device's real collectors (no DNS), a fast interval, and a recording into `file`.
    fn parts(file: &TestFile) -> (Options, Arc<Knowledge>, Sampler, Recording) {
        let options = Options::parse_args(["ssetop", "--no-dns", "--interval", "200ms"]).unwrap();
        let knowledge = Arc::new(Knowledge::embedded());
        let sampler = Sampler::new(collect_config(&options, &knowledge));
        let header = capture_header(&options, sampler.host(), &knowledge);
        let recording = Recording::start(
            Box::new(file.clone()),
            Path::new("test.ndjson"),
            header,
            false,
        )
        .unwrap();
        (options, knowledge, sampler, recording)
    }

    fn feed(file: &TestFile) -> LiveFeed {
        let (options, knowledge, sampler, recording) = parts(file);
        let analyzer = Analyzer::new(knowledge.clone(), analysis_options(&options));
        let probes = ProbeSetup {
            config: collect_config(&options, &knowledge),
            internet: super::super::probes::internet_probe(&options, &knowledge),
            budget: Duration::from_secs(1),
            at_start: false,
        };
        dashboard_feed(
            sampler,
            options.interval,
            Some(recording),
            analyzer,
            knowledge,
            probes,
        )
    }

    async fn next_assessment(feed: &mut LiveFeed) -> Arc<Assessment> {
        tokio::time::timeout(Duration::from_secs(10), feed.assessments.changed())
            .await
            .expect("an assessment within 10 s")
            .expect("the loop runs");
        feed.assessments
            .borrow_and_update()
            .clone()
            .expect("a published assessment")
    }

    #[tokio::test]
    async fn the_dashboard_loop_records_each_snapshot_and_publishes_its_assessment() {
        let file = TestFile::default();
        let mut feed = feed(&file);
        let first = next_assessment(&mut feed).await;
        drop(feed);
        let capture = file.capture();
        assert!(!capture.is_empty());
        // The first assessment is always published: it is the first snapshot recorded's.
        assert_eq!(capture.taken_at(0), Some(first.taken_at));
    }

    #[tokio::test]
    async fn every_sample_moves_the_dashboards_clock_and_counts_the_recording() {
        let file = TestFile::default();
        let mut feed = feed(&file);
        let mut times = Vec::new();
        while times.len() < 3 {
            tokio::time::timeout(Duration::from_secs(10), feed.sampled.changed())
                .await
                .expect("a sample within 10 s")
                .expect("the loop runs");
            times.extend(*feed.sampled.borrow_and_update());
        }
        // Three samples are three times, whether or not the assessment changed.
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
        assert!(feed.recorded.load(Ordering::Relaxed) >= 3);
    }

    #[tokio::test]
    async fn a_paused_dashboard_loop_samples_nothing_until_resumed() {
        let file = TestFile::default();
        let mut feed = feed(&file);
        // On this single-threaded runtime the loop has not run yet: paused from its start.
        feed.pause.send(true).unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert!(!feed.assessments.has_changed().unwrap());
        assert_eq!(file.lines(), 1, "the header only");
        feed.pause.send(false).unwrap();
        next_assessment(&mut feed).await;
        assert!(!file.capture().is_empty());
    }

    #[tokio::test]
    async fn a_paused_dashboard_loop_still_answers_an_explain_request() {
        let file = TestFile::default();
        let mut feed = feed(&file);
        next_assessment(&mut feed).await;
        feed.pause.send(true).unwrap();
        let query = ExplainQuery {
            destination: "192.0.2.7".into(),
            port: 22,
            protocol: crate::snapshot::Protocol::Tcp,
        };
        let ask = async |feed: &mut LiveFeed| {
            feed.requests
                .send(Request::Explain(query.clone()))
                .await
                .unwrap();
            tokio::time::timeout(Duration::from_secs(10), feed.answers.recv())
                .await
                .expect("an answer while paused")
        };
        // Requests are answered between samples only, so once one is answered after the pause
        // the loop takes no further sample: what is recorded now must stay as it is.
        ask(&mut feed).await;
        let lines = file.lines();
        let answer = ask(&mut feed).await;
        assert!(
            matches!(&answer, Some(Answer::Explained(Ok(e))) if e.query == query),
            "{answer:?}"
        );
        assert_eq!(file.lines(), lines, "still paused: nothing sampled");
    }

    #[tokio::test]
    async fn a_failed_write_stops_the_dashboards_recording_with_a_message_and_it_goes_on() {
        let file = TestFile::default();
        let mut feed = feed(&file);
        file.broken.store(true, Ordering::SeqCst);
        let message = tokio::time::timeout(Duration::from_secs(10), feed.messages.recv())
            .await
            .expect("a message within 10 s");
        assert_eq!(message.as_deref(), Some("recording stopped: disk gone"));
        next_assessment(&mut feed).await;
    }

    #[tokio::test]
    async fn without_the_probe_key_or_option_the_dashboard_loop_probes_nothing() {
        let file = TestFile::default();
        let mut feed = feed(&file);
        for _ in 0..3 {
            tokio::time::timeout(Duration::from_secs(10), feed.sampled.changed())
                .await
                .expect("a sample within 10 s")
                .expect("the loop runs");
        }
        let shown = feed.assessments.borrow().clone().expect("an assessment");
        let internet = shown.checks.iter().find(|c| c.id == "internet").unwrap();
        assert_eq!(internet.status, crate::assessment::Status::Skip);
        assert!(
            file.capture().snapshots().all(|s| s.probes.data.is_none()),
            "no snapshot recorded a probe"
        );
        assert!(feed.answers.try_recv().is_err(), "no probe started");
    }

    /// `--probe` at the start, its internet probe sent to a closed port on loopback (no
    /// forwarding profile here, so no edge is planned: nothing leaves the machine).
    #[tokio::test]
    async fn probing_at_start_publishes_the_probe_checks_and_later_samples_keep_them() {
        let file = TestFile::default();
        let (_, knowledge, sampler, recording) = parts(&file);
        let options = Options::parse_args([
            "ssetop",
            "--no-dns",
            "--interval",
            "200ms",
            "--probe",
            "--probe-url",
            "http://127.0.0.1:1/",
        ])
        .unwrap();
        let analyzer = Analyzer::new(knowledge.clone(), analysis_options(&options));
        let probes = ProbeSetup {
            config: collect_config(&options, &knowledge),
            internet: super::super::probes::internet_probe(&options, &knowledge),
            budget: Duration::from_secs(3),
            at_start: options.probe,
        };
        let mut feed = dashboard_feed(
            sampler,
            options.interval,
            Some(recording),
            analyzer,
            knowledge,
            probes,
        );
        async fn answer(answers: &mut mpsc::Receiver<Answer>) -> Answer {
            tokio::time::timeout(Duration::from_secs(10), answers.recv())
                .await
                .expect("an answer within 10 s")
                .expect("the loop runs")
        }
        assert_eq!(answer(&mut feed.answers).await, Answer::ProbeStarted);
        let Answer::ProbeFinished(Ok(probed_at)) = answer(&mut feed.answers).await else {
            panic!("the probe finishes");
        };
        // The probed assessment is published before the answer says so.
        let shown = feed.assessments.borrow().clone().expect("an assessment");
        let internet = shown.checks.iter().find(|c| c.id == "internet").unwrap();
        assert_eq!(
            internet.status,
            crate::assessment::Status::Fail,
            "{internet:?}"
        );
        // Two more samples: they carry the same results, of the same time.
        for _ in 0..2 {
            tokio::time::timeout(Duration::from_secs(10), feed.sampled.changed())
                .await
                .expect("a sample within 10 s")
                .expect("the loop runs");
        }
        drop(feed);
        let capture = file.capture();
        assert!(capture.len() >= 2, "{}", capture.len());
        assert!(
            capture
                .snapshots()
                .all(|s| s.probes.collected_at == Some(probed_at) && s.probes.data.is_some()),
            "every snapshot from the probe on carries its results"
        );
    }

    #[tokio::test]
    async fn an_explain_request_is_answered_from_the_last_snapshot_without_a_new_sample() {
        let file = TestFile::default();
        let mut feed = feed(&file);
        next_assessment(&mut feed).await;
        let query = ExplainQuery {
            destination: "192.0.2.7".into(),
            port: 443,
            protocol: crate::snapshot::Protocol::Tcp,
        };
        feed.requests
            .send(Request::Explain(query.clone()))
            .await
            .unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), feed.answers.recv())
            .await
            .expect("an answer within 10 s");
        let Some(Answer::Explained(Ok(explanation))) = answer else {
            panic!("a walk: {answer:?}");
        };
        assert_eq!(explanation.query, query);
        assert_eq!(
            explanation.resolution.status,
            crate::assessment::ResolutionStatus::Literal
        );
        assert_eq!(explanation.paths.len(), 1);
    }

    #[tokio::test]
    async fn a_failed_write_ends_a_headless_recording_naming_the_file() {
        let file = TestFile::default();
        let (options, _, sampler, recording) = parts(&file);
        file.broken.store(true, Ordering::SeqCst);
        let sampling = SampleLoop {
            sampler,
            interval: options.interval,
            recording: Some(recording),
            recorded: Arc::default(),
            consumer: Consumer::Headless {
                until: Instant::now() + Duration::from_secs(10),
            },
        };
        let error = sampling.run().await.expect_err("the write fails");
        assert_eq!(error.to_string(), "cannot write test.ndjson: disk gone");
    }

    #[tokio::test]
    async fn a_headless_recording_ends_at_its_duration_and_counts_what_it_wrote() {
        let file = TestFile::default();
        let (options, _, sampler, recording) = parts(&file);
        let sampling = SampleLoop {
            sampler,
            interval: options.interval,
            recording: Some(recording),
            recorded: Arc::default(),
            consumer: Consumer::Headless {
                until: Instant::now() + Duration::from_millis(900),
            },
        };
        let recorded = tokio::time::timeout(Duration::from_secs(10), sampling.run())
            .await
            .expect("the recording ends by its duration")
            .unwrap();
        assert!(recorded >= 1, "{recorded} snapshots");
        assert_eq!(file.capture().len(), recorded);
    }
}
