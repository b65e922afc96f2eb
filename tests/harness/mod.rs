//! The scenario harness: reads a scenario file (tests/scenarios/NAME.toml), builds its network,
//! starts its stand-ins, runs ssetop inside and compares the report with the file's
//! expectations. [`play`] knows nothing of Linux: it drives a [`runner::Runner`] (the device's
//! processes) and a [`runner::Lab`] (the network), so that another runner can play the same
//! files.

#![allow(dead_code)]

#[cfg(target_os = "linux")]
pub(crate) mod linux;
pub(crate) mod runner;
pub(crate) mod spec;
pub(crate) mod verify;
#[cfg(target_os = "linux")]
pub(crate) mod wine;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use runner::{Background, Lab, Runner, Standin};
use spec::{Expect, Scenario};
use verify::Outcome;

/// Extra arguments for every ssetop run of the scenarios, split at spaces; for experiments
/// such as `SSETOP_SCENARIO_ARGS="--knowledge /tmp/broken.toml"`.
pub(crate) const EXTRA_ARGS_ENV: &str = "SSETOP_SCENARIO_ARGS";
/// When set (CI), a scenario that cannot run here fails instead of being skipped.
pub(crate) const REQUIRE_ENV: &str = "SSETOP_REQUIRE_SCENARIOS";

/// The longest one ssetop run may take before the harness calls it hung.
const SSETOP_LIMIT: Duration = Duration::from_secs(30);
/// The longest one step may wait for its condition.
const STEP_LIMIT: Duration = Duration::from_secs(20);
/// How often a growing capture is looked at.
const POLL: Duration = Duration::from_millis(50);

/// Writes to the test process's stderr directly: libtest does not capture that, so a skip is
/// seen even when the test passes.
pub(crate) fn loud(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn skip(label: &str, reason: &str) {
    if std::env::var_os(REQUIRE_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("scenario {label} cannot run ({reason}) and {REQUIRE_ENV} is set");
    }
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| loud(&format!("skipped: {reason}")));
    loud(&format!("SKIPPED scenario {label}: {reason}"));
}

/// What one play of a scenario produced: each ssetop report and every difference found.
#[derive(Default)]
pub(crate) struct Played {
    pub reports: Vec<(String, Outcome)>,
    pub wrong: Vec<String>,
    pub out_dir: PathBuf,
}

impl Played {
    fn check(&mut self, label: &str, expect: &Expect, outcome: Outcome) -> Result<(), String> {
        let file = self.out_dir.join(format!("{label}.json"));
        let text = serde_json::to_string_pretty(&outcome.report).unwrap_or_default();
        std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        self.wrong.extend(
            verify::verify(expect, &outcome)
                .into_iter()
                .map(|w| format!("{label}: {w}")),
        );
        self.reports.push((label.to_string(), outcome));
        Ok(())
    }

    fn check_explain(
        &mut self,
        label: &str,
        spec: &spec::ExplainSpec,
        outcome: Outcome,
    ) -> Result<(), String> {
        let file = self.out_dir.join(format!("{label}.json"));
        let text = serde_json::to_string_pretty(&outcome.report).unwrap_or_default();
        std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        self.wrong.extend(
            verify::verify_explain(spec, &outcome)
                .into_iter()
                .map(|w| format!("{label}: {w}")),
        );
        Ok(())
    }

    fn check_flow_test(
        &mut self,
        label: &str,
        expect: &spec::FlowTestExpect,
        outcome: Outcome,
    ) -> Result<(), String> {
        let file = self.out_dir.join(format!("{label}.json"));
        let text = serde_json::to_string_pretty(&outcome.report).unwrap_or_default();
        std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        self.wrong.extend(
            verify::verify_flow_test(expect, &outcome)
                .into_iter()
                .map(|w| format!("{label}: {w}")),
        );
        self.reports.push((label.to_string(), outcome));
        Ok(())
    }

    /// The failure message: every difference, then what each report concluded.
    pub(crate) fn explain(&self, name: &str) -> String {
        let mut text = format!(
            "scenario {name}: ssetop's verdict differs from the expected one:\n  - {}\n",
            self.wrong.join("\n  - ")
        );
        for (label, outcome) in &self.reports {
            text.push_str(&format!(
                "\n{label} (exit {}, {:?}, saved in {}):\n{}",
                outcome.exit,
                outcome.elapsed,
                self.out_dir.join(format!("{label}.json")).display(),
                verify::digest(&outcome.report)
            ));
            if !outcome.stderr.trim().is_empty() {
                text.push_str(&format!("  stderr: {}\n", outcome.stderr.trim()));
            }
        }
        text
    }
}

/// Plays the scenario `name` and fails the test on any difference.
pub(crate) fn run(name: &str) {
    match play_named(name, name, &[]) {
        None => {}
        Some(Ok(played)) if played.wrong.is_empty() => {}
        Some(Ok(played)) => panic!("{}", played.explain(name)),
        Some(Err(e)) => panic!("scenario {name} could not be played: {e}"),
    }
}

/// Plays a scenario with this OS's runner; `None` when it cannot run here (said loudly).
/// `label` names the output directory (target/tmp/scenarios/LABEL).
pub(crate) fn play_named(
    name: &str,
    label: &str,
    extra: &[String],
) -> Option<Result<Played, String>> {
    let scenario = Scenario::load(name).unwrap_or_else(|e| panic!("{e}"));
    #[cfg(target_os = "linux")]
    {
        if let Err(reason) = linux::preconditions() {
            skip(label, &reason);
            return None;
        }
        let played = (|| {
            let network = linux::Network::build(&scenario)?;
            let mut runner = linux::LinuxRunner::new(&network)?;
            play(&scenario, label, &network, &mut runner, extra)
        })();
        Some(played)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (label, extra, &scenario);
        skip(
            name,
            "no runner for this OS (the Linux runner needs network namespaces)",
        );
        None
    }
}

/// Plays the scenario `name` with the Windows build under Wine (its `[wine]` table applied)
/// and fails the test on any difference. `after` runs with the runner once the scenario is
/// played (its stand-ins stopped) and returns more differences.
#[cfg(target_os = "linux")]
pub(crate) fn run_wine(name: &str, after: impl FnOnce(&wine::WineRunner) -> Vec<String>) {
    let label = format!("{name} (Windows build under Wine)");
    let scenario = Scenario::load(name).unwrap_or_else(|e| panic!("{e}"));
    let scenario = scenario
        .for_wine()
        .unwrap_or_else(|| panic!("scenario {name} has no [wine] table"));
    let msi = match wine::preconditions() {
        Ok(msi) => msi,
        Err(reason) => return skip(&label, &reason),
    };
    let played = (|| {
        let network = linux::Network::build(&scenario)?;
        let mut runner = wine::WineRunner::new(&network, &scenario, &msi)?;
        let mut played = play(&scenario, name, &network, &mut runner, &[])?;
        played.wrong.extend(after(&runner));
        Ok::<_, String>(played)
    })();
    match played {
        Ok(played) if played.wrong.is_empty() => {}
        Ok(played) => panic!("{}", played.explain(&label)),
        Err(e) => panic!("scenario {label} could not be played: {e}"),
    }
}

fn output_dir(runner: &str, label: &str) -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("scenarios")
        .join(runner)
        .join(label);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Snapshots in a capture so far (every line after the header).
fn snapshots(capture: &Path) -> usize {
    std::fs::read(capture)
        .map(|bytes| {
            bytes
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                .saturating_sub(1)
        })
        .unwrap_or(0)
}

fn wait_snapshots(
    capture: &Path,
    more: usize,
    limit: Duration,
    recording: &mut dyn Background,
) -> Result<(), String> {
    let base = snapshots(capture);
    let deadline = Instant::now() + limit;
    loop {
        let now = snapshots(capture);
        if now >= base + more {
            return Ok(());
        }
        if let Some((code, stderr)) = recording.ended() {
            return Err(format!(
                "the recording ended (exit code {code}) after {now} snapshot(s), waiting for {} more: {}",
                base + more - now,
                stderr.trim()
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the capture {} grew from {base} to {now} snapshot(s) within {limit:?}, not by {more}",
                capture.display()
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// The `taken_at` of the capture's snapshot number `n` (1-based), as ssetop reads it (after
/// the first, each line is a patch to the one before).
fn snapshot_time(capture: &Path, n: usize) -> Result<String, String> {
    let read = ssetop::capture::Capture::load(capture).map_err(|e| e.to_string())?;
    n.checked_sub(1)
        .and_then(|index| read.taken_at(index))
        .map(|at| at.to_string())
        .ok_or_else(|| format!("{} has no snapshot {n}", capture.display()))
}

/// `[ssetop] env`, with `{scenario_ca}` replaced by the CA file as ssetop names it.
fn ssetop_env(
    scenario: &Scenario,
    lab: &dyn Lab,
    runner: &dyn Runner,
) -> Result<Vec<(String, String)>, String> {
    let Some(once) = &scenario.ssetop else {
        return Ok(Vec::new());
    };
    once.env
        .iter()
        .map(|(key, value)| {
            if !value.contains(spec::SCENARIO_CA) {
                return Ok((key.clone(), scenario.fill(value)));
            }
            let ca = lab
                .scenario_ca()
                .ok_or("[ssetop] env names {scenario_ca}, but no HTTPS server made it")?;
            Ok((
                key.clone(),
                value.replace(spec::SCENARIO_CA, &runner.ssetop_path(ca)),
            ))
        })
        .collect()
}

/// Plays a scenario: starts its stand-ins, runs ssetop (once, or a recording driven by the
/// steps and then replayed) and compares each report with the expectations.
pub(crate) fn play(
    scenario: &Scenario,
    label: &str,
    lab: &dyn Lab,
    runner: &mut dyn Runner,
    extra: &[String],
) -> Result<Played, String> {
    let out_dir = output_dir(runner.name(), label)?;
    let mut extra = extra.to_vec();
    extra.extend(
        std::env::var(EXTRA_ARGS_ENV)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string),
    );
    let mut played = Played {
        out_dir: out_dir.clone(),
        ..Played::default()
    };
    let mut standins: BTreeMap<String, Box<dyn Standin>> = BTreeMap::new();
    let start = |runner: &mut dyn Runner,
                 standins: &mut BTreeMap<String, Box<dyn Standin>>,
                 name: &str|
     -> Result<(), String> {
        let spec = scenario
            .clients
            .iter()
            .chain(&scenario.apps)
            .find(|s| s.name == name)
            .ok_or_else(|| format!("no stand-in {name}"))?;
        let standin = runner
            .start_standin(name, &spec.behaviour())
            .map_err(|e| format!("stand-in {name}: {e}"))?;
        standins.insert(name.to_string(), standin);
        Ok(())
    };
    let env = ssetop_env(scenario, lab, runner)?;
    runner.set_ssetop_env(env);
    for s in scenario.clients.iter().chain(&scenario.apps) {
        if !s.later {
            start(runner, &mut standins, &s.name)?;
        }
    }

    if let Some(once) = &scenario.ssetop {
        let mut args: Vec<String> = ["--once", "--format", "json"].map(String::from).to_vec();
        args.extend(once.args.iter().map(|a| scenario.fill(a)));
        if let Some(profile) = &once.forwarding_profile {
            let path = out_dir.join("forwarding-profile.json");
            std::fs::write(&path, profile)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            args.push("--forwarding-profile".into());
            args.push(runner.ssetop_path(&path));
        }
        args.extend(extra.iter().cloned());
        let outcome = runner.run_ssetop(&args, SSETOP_LIMIT)?;
        played.check("report", &scenario.expect, outcome)?;
        // The same options after `explain DEST`: they are global to the subcommand.
        if runner.name() == "linux" {
            for (i, spec) in scenario.explain.iter().enumerate() {
                let mut explain: Vec<String> = vec!["explain".into()];
                explain.extend(spec.args.iter().map(|a| scenario.fill(a)));
                explain.extend(args.iter().skip(1).filter(|&a| a != "--once").cloned());
                let outcome = runner.run_ssetop(&explain, SSETOP_LIMIT)?;
                played.check_explain(&format!("explain-{i}"), spec, outcome)?;
            }
        }
    }

    if let Some(flow_test) = &scenario.flow_test {
        let mut args: Vec<String> = ["flow-test", "--format", "json"].map(String::from).to_vec();
        args.extend(flow_test.args.iter().map(|a| scenario.fill(a)));
        if let Some(profile) = scenario
            .ssetop
            .as_ref()
            .and_then(|o| o.forwarding_profile.as_ref())
        {
            let path = out_dir.join("forwarding-profile.json");
            std::fs::write(&path, profile)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            args.push("--forwarding-profile".into());
            args.push(runner.ssetop_path(&path));
        }
        args.extend(extra.iter().cloned());
        let outcome = runner.run_ssetop(&args, SSETOP_LIMIT)?;
        let expect = scenario.expect_flow_test.clone().unwrap_or_default();
        played.check_flow_test("flow-test", &expect, outcome)?;
    }

    if let Some(record) = &scenario.record {
        let capture = out_dir.join("capture.ndjson");
        let mut args = vec!["--record".to_string(), runner.ssetop_path(&capture)];
        args.extend(record.args.iter().map(|a| scenario.fill(a)));
        args.extend(extra.iter().cloned());
        let mut recording = runner.spawn_ssetop(&args)?;
        let mut marks = BTreeMap::new();
        for (i, step) in scenario.steps.iter().enumerate() {
            // Shown with the test's output when it fails.
            eprintln!("step {}: {}", i + 1, step.say);
            let context = |e: String| format!("step {} ({}): {e}", i + 1, step.say);
            for name in &step.start {
                start(runner, &mut standins, name).map_err(context)?;
            }
            for command in &step.ip {
                lab.ip(&step.ns, command).map_err(context)?;
            }
            if let Some(filter) = &step.kill_connections {
                let killed = lab.kill_connections(&step.ns, filter).map_err(context)?;
                eprintln!("  ss -K {filter}: {}", killed.trim());
            }
            if let Some(wait) = &step.wait_for {
                let standin = standins
                    .get_mut(&wait.client)
                    .ok_or_else(|| context(format!("{} is not running", wait.client)))?;
                let line = standin.wait_line(&wait.line, STEP_LIMIT).map_err(context)?;
                eprintln!("  {}: {line}", wait.client);
            }
            if let Some(more) = step.wait_snapshots {
                wait_snapshots(&capture, more, STEP_LIMIT, recording.as_mut()).map_err(context)?;
            }
            if let Some(mark) = &step.mark {
                marks.insert(mark.clone(), snapshots(&capture));
            }
        }
        let code = recording.stop(STEP_LIMIT)?;
        if code != 0 {
            played
                .wrong
                .push(format!("the recording ended with exit code {code}"));
        }
        let capture_arg = runner.ssetop_path(&capture);
        let replay = |at: Option<&str>| {
            let mut args: Vec<String> = vec![
                "--once".into(),
                "--replay".into(),
                capture_arg.clone(),
                "--format".into(),
                "json".into(),
            ];
            if let Some(at) = at {
                args.extend(["--at".to_string(), at.to_string()]);
            }
            args.extend(record.replay_args.iter().map(|a| scenario.fill(a)));
            args.extend(extra.iter().cloned());
            args
        };
        let outcome = runner.run_ssetop(&replay(None), SSETOP_LIMIT)?;
        played.check("replay", &scenario.expect, outcome)?;
        for (mark, expect) in &scenario.expect_at {
            let n = marks.get(mark).copied().unwrap_or(0);
            let at = snapshot_time(&capture, n)?;
            let outcome = runner.run_ssetop(&replay(Some(&at)), SSETOP_LIMIT)?;
            played.check(&format!("replay-at-{mark}"), expect, outcome)?;
        }
    }
    drop(standins);
    Ok(played)
}
