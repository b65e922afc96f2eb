//! The real dashboard in a real terminal (tmux): start a replay, switch panes, filter, open
//! help, quit; the screen is asserted at each step, and the terminal is usable afterwards.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server, killed when the test ends however it ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16) -> Option<Tmux> {
        Tmux::start_with(width, height, &["TERM=xterm-256color"])
    }

    /// A shell in a fresh environment holding only `env` (and the prompt, and HOME).
    fn start_with(width: u16, height: u16, env: &[&str]) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("SKIPPED tui_tmux: tmux is not installed (apt-get install tmux)");
            return None;
        }
        // One server per test: the tests of this file run in parallel.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tmux = Tmux {
            socket: format!("ssetop-test-{}-{n}", std::process::id()),
        };
        let status = tmux
            .command()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .args(["env", "-i", "PS1=READY$ ", "HOME=/tmp"])
            .args(env)
            .args(["bash", "--norc", "--noprofile"])
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Some(tmux)
    }

    fn command(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// The process the pane's shell is running in the foreground (its only child).
    fn foreground_child(&self) -> Option<u32> {
        let shell = self
            .command()
            .args(["display-message", "-p", "-t", "t", "#{pane_pid}"])
            .output()
            .expect("tmux display-message");
        let shell = String::from_utf8_lossy(&shell.stdout).trim().to_string();
        let children = Command::new("pgrep").args(["-P", &shell]).output().ok()?;
        let children = String::from_utf8_lossy(&children.stdout);
        let pids: Vec<u32> = children
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        assert_eq!(
            pids.len(),
            1,
            "the shell {shell} runs one program: {pids:?}"
        );
        pids.first().copied()
    }

    fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with its colours as escape sequences (`capture-pane -e`).
    fn screen_with_colours(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-e", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types a command line and runs it.
    fn run(&self, command: &str) {
        self.keys(&[command, "Enter"]);
    }

    /// Waits until the screen satisfies `condition` (with a deadline), and returns it.
    fn wait_until(&self, what: &str, condition: impl Fn(&str) -> bool) -> String {
        // Generous: a loaded CI machine can take seconds to start the binary; a pass is fast.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if condition(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never {what}; it shows:\n{screen}"
            );
            std::thread::park_timeout(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("showed {text:?}"), |s| s.contains(text))
    }

    /// Waits until the screen shows every one of `texts` at once: a frame is written in
    /// several pieces, so asserting on a screen that showed only the first could catch it
    /// half drawn.
    fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("showed all of {texts:?}"), |s| {
            texts.iter().all(|t| s.contains(t))
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

#[test]
fn dashboard_in_tmux_switches_panes_filters_helps_and_quits_cleanly() {
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    tmux.wait_for("READY$");
    let capture = common::capture("outage-heals");
    let command = format!(
        "{} --replay {} --at +100s",
        common::binary(),
        capture.display()
    );
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for_all(&[
        "Checks:",
        "REPLAY",
        "GSA disconnected for 30s",
        "[1 Overview",
    ]);

    tmux.keys(&["2"]);
    tmux.wait_for_all(&["[2 Connections", "Carrier", "Remote", "▲ GlobalProtect"]);

    tmux.keys(&["/", "msedge"]);
    tmux.wait_for("filter: msedge_");
    tmux.keys(&["Enter"]);
    let filtered = tmux.wait_for_all(&["Connections: 1 of 4", "msedge.exe"]);
    assert!(!filtered.contains("OUTLOOK.EXE"), "{filtered}");

    tmux.keys(&["]"]);
    tmux.wait_for("GSA disconnected for 40s");

    tmux.keys(&["?"]);
    tmux.wait_for_all(&["Keys", "any other key closes this help"]);
    tmux.keys(&["x"]);
    tmux.wait_until("closed the help", |s| {
        !s.contains("key closes this help") && s.contains("Connections: 1 of 4")
    });

    tmux.keys(&["5"]);
    tmux.wait_for_all(&["[5 Timeline", "tunnel connections lost"]);

    tmux.keys(&["q"]);
    let after = tmux.wait_for("READY$ ");
    assert!(
        !after.contains("Timeline"),
        "the dashboard's screen is gone:\n{after}"
    );
    // The terminal is back in cooked mode with echo: a typed command runs and shows.
    tmux.keys(&[
        "stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo END",
        "Enter",
    ]);
    let modes = tmux.wait_for("END\n");
    let line = modes
        .lines()
        .find(|l| l.contains("icanon"))
        .unwrap_or_else(|| panic!("no stty output:\n{modes}"));
    assert!(
        line.contains("icanon") && !line.contains("-icanon"),
        "{line}"
    );
    assert!(line.contains("echo") && !line.contains("-echo "), "{line}");
}

#[test]
fn dashboard_without_a_terminal_says_so_and_exits_3() {
    let out = common::run(&[
        "--replay",
        common::capture("outage-heals").to_str().unwrap(),
    ]);
    assert_eq!(common::code(&out), 3);
    assert!(common::stderr(&out).contains("needs a terminal"));
}

#[test]
fn malformed_and_unknown_themes_exit_3_with_a_clear_message() {
    let out = common::run(&["--theme", "solarized"]);
    assert_eq!(common::code(&out), 3);
    assert!(common::stderr(&out).contains("unknown theme \"solarized\""));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "name = \"broken\"\n[slots]\ntext = \"reset\"\nsparkle = \"red\"\n",
    )
    .unwrap();
    let out = common::run(&["--theme", path.to_str().unwrap()]);
    assert_eq!(common::code(&out), 3);
    let err = common::stderr(&out);
    assert!(
        err.contains("broken.toml") && err.contains("line 4"),
        "{err}"
    );
    assert!(err.contains("sparkle"), "{err}");
}

/// Whether a captured screen carries any colour (SGR 30-49, 90-107, or 38;5 / 48;5).
fn has_colour(screen: &str) -> bool {
    screen.split("\x1b[").skip(1).any(|sgr| {
        let params = sgr.split('m').next().unwrap_or("");
        params.split(';').any(|p| {
            p.parse::<u16>().is_ok_and(|n| {
                (30..=49).contains(&n) && n != 39 && n != 49 || (90..=107).contains(&n)
            })
        })
    })
}

fn replay_command(extra: &str) -> String {
    format!(
        "{} --replay {} {extra}",
        common::binary(),
        common::capture("outage-heals").display()
    )
}

#[test]
fn no_color_with_an_explicit_theme_still_draws_in_colour() {
    let Some(tmux) = Tmux::start_with(80, 24, &["TERM=xterm-256color", "NO_COLOR=1"]) else {
        return;
    };
    tmux.wait_for("READY$");
    tmux.run(&replay_command("--at +100s"));
    tmux.wait_for_all(&["Checks:", "REPLAY"]);
    assert!(
        !has_colour(&tmux.screen_with_colours()),
        "NO_COLOR alone: mono"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("READY$ ");
    tmux.run("clear");
    tmux.run(&replay_command("--at +100s --theme default"));
    tmux.wait_for_all(&["Checks:", "REPLAY"]);
    let screen = tmux.screen_with_colours();
    assert!(has_colour(&screen), "--theme wins over NO_COLOR:\n{screen}");
    tmux.keys(&["q"]);
}

#[test]
fn term_vt100_and_dumb_draw_mono_and_ascii() {
    for term in ["TERM=vt100", "TERM=dumb"] {
        let Some(tmux) = Tmux::start_with(80, 24, &[term]) else {
            return;
        };
        tmux.wait_for("READY$");
        // Short lines: readline on these terminals scrolls a long one sideways.
        tmux.run(&format!("cd {}", env!("CARGO_MANIFEST_DIR")));
        tmux.run(&format!(
            "{} --replay tests/captures/outage-heals.ndjson --at +100s; echo EXIT=$?",
            common::binary()
        ));
        let screen = tmux.wait_for_all(&["Checks:", "REPLAY"]);
        assert!(screen.is_ascii(), "{term}: ASCII only:\n{screen}");
        assert!(
            !has_colour(&tmux.screen_with_colours()),
            "{term}: no colour"
        );
        tmux.keys(&["q"]);
        let after = tmux.wait_until("ended", |s| s.lines().any(|l| l.starts_with("EXIT=")));
        assert!(after.contains("\nEXIT=0"), "{term}:\n{after}");
    }
}

/// After the dashboard: the prompt is back, the alternate screen gone, echo and canonical
/// mode on.
fn assert_terminal_restored(tmux: &Tmux) {
    tmux.run("stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo END");
    let modes = tmux.wait_for("END\n");
    assert!(
        !modes.contains("Overview"),
        "the dashboard's screen is gone:\n{modes}"
    );
    let line = modes
        .lines()
        .find(|l| l.contains("icanon"))
        .unwrap_or_else(|| panic!("no stty output:\n{modes}"));
    assert!(
        line.contains("icanon") && !line.contains("-icanon"),
        "{line}"
    );
    assert!(line.contains("echo") && !line.contains("-echo "), "{line}");
}

#[test]
fn sigquit_ends_the_dashboard_and_restores_the_terminal() {
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    tmux.wait_for("READY$");
    tmux.run(&replay_command("--at +100s"));
    tmux.wait_for_all(&["Checks:", "REPLAY"]);
    // Ctrl-\ sends SIGQUIT to the foreground process (the terminal is raw: send the signal),
    // to this session's dashboard alone: the child of this pane's shell, never a process found
    // by name (the other tests run the same replay in parallel).
    let Some(dashboard) = tmux.foreground_child() else {
        eprintln!("SKIPPED sigquit: pgrep is not installed");
        return;
    };
    let status = Command::new("kill")
        .args(["-QUIT", &dashboard.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -QUIT {dashboard}");
    tmux.wait_for("READY$ ");
    assert_terminal_restored(&tmux);
}

#[test]
fn a_panic_in_the_dashboard_restores_the_terminal_and_exits_3_with_one_line() {
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    tmux.wait_for("READY$");
    tmux.run(&format!(
        "SSETOP_TEST_PANIC=dashboard {}; echo \"EXIT=$?\"",
        replay_command("")
    ));
    let screen = tmux.wait_until("ended", |s| s.lines().any(|l| l.starts_with("EXIT=")));
    assert!(screen.contains("\nEXIT=3"), "{screen}");
    assert!(
        screen.contains("ssetop: internal error: SSETOP_TEST_PANIC=dashboard asked for a panic"),
        "{screen}"
    );
    assert!(screen.contains("--record"), "{screen}");
    assert_terminal_restored(&tmux);
}

#[test]
fn the_end_key_jumps_a_replay_to_its_last_snapshot() {
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    tmux.wait_for("READY$");
    tmux.run(&replay_command("--at +100s"));
    tmux.wait_for("11/25");
    tmux.keys(&[">"]);
    tmux.wait_for("25/25");
    tmux.keys(&["<"]);
    tmux.wait_for("1/25");
    tmux.keys(&["q"]);
}

#[test]
fn recording_beside_the_dashboard_shows_rec_and_says_what_it_wrote_on_quit() {
    let Some(tmux) = Tmux::start(100, 24) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    tmux.wait_for("READY$");
    tmux.run(&format!("cd {}", dir.path().display()));
    tmux.run(&format!(
        "{} --no-dns --interval 200ms --record r.ndjson; echo EXIT=$?",
        common::binary()
    ));
    tmux.wait_for_all(&["REC", "Overview"]);
    tmux.keys(&["q"]);
    let after = tmux.wait_until("ended", |s| s.lines().any(|l| l.starts_with("EXIT=")));
    assert!(after.contains("\nEXIT=0"), "{after}");
    let said = after
        .lines()
        .find(|l| l.starts_with("ssetop: recorded "))
        .unwrap_or_else(|| panic!("no word on the recording:\n{after}"));
    let count: usize = said["ssetop: recorded ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(said.ends_with("snapshot(s) to r.ndjson"), "{said}");
    let written = std::fs::read_to_string(dir.path().join("r.ndjson")).unwrap();
    assert_eq!(
        written.lines().count(),
        count + 1,
        "the header and {count} snapshots"
    );
}

#[test]
fn in_a_replay_x_explains_the_selected_connection_and_p_says_probing_needs_a_live_device() {
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    tmux.wait_for("READY$");
    let capture = common::capture("outage-heals");
    let command = format!(
        "{} --replay {} --at +100s",
        common::binary(),
        capture.display()
    );
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for_all(&["REPLAY", "[1 Overview"]);
    tmux.keys(&["2", "/", "msedge", "Enter"]);
    tmux.wait_for_all(&["Connections: 1 of 4", "msedge.exe"]);

    tmux.keys(&["x"]);
    let overlay = tmux.wait_for_all(&[
        "Explain 142.250.1.1 tcp/443, Esc closes",
        "explain 142.250.1.1 tcp/443: literal",
        "[1/1] 142.250.1.1",
    ]);
    assert!(overlay.contains("1. local"), "{overlay}");
    // A pane key does nothing under the overlay; Esc closes it and the pane is back, the
    // dashboard still running.
    tmux.keys(&["5"]);
    tmux.keys(&["Escape"]);
    tmux.wait_until("closed the overlay", |s| {
        !s.contains("Explain 142.250.1.1") && s.contains("[2 Connections")
    });

    tmux.keys(&["P"]);
    tmux.wait_for("probing needs a live device");

    tmux.keys(&["q"]);
    tmux.wait_for("READY$ ");
}

/// The live dashboard with `--probe`: it probes once at the start and says when; `P` probes
/// again. The internet probe goes to a closed port on loopback and this machine has no
/// forwarding profile (no edge is planned): nothing leaves the machine.
#[test]
fn the_live_dashboard_with_probe_probes_at_start_and_again_on_shift_p() {
    let Some(tmux) = Tmux::start(100, 24) else {
        return;
    };
    tmux.wait_for("READY$");
    tmux.run(&format!(
        "{} --no-dns --interval 200ms --probe --probe-url http://127.0.0.1:1/; echo EXIT=$?",
        common::binary()
    ));
    let first = tmux.wait_for_all(&["Overview", " probed "]);
    let when = |screen: &str| {
        screen
            .lines()
            .last()
            .and_then(|l| l.split(" probed ").nth(1))
            .map(|t| t.chars().take(8).collect::<String>())
    };
    let started = when(first.trim_end()).unwrap_or_default();
    // The probed checks are on the Overview: internet is judged, not "not probed".
    tmux.keys(&["/", "internet", "Enter"]);
    let internet = tmux.wait_for("no internet connectivity");
    assert!(!internet.contains("not probed"), "{internet}");
    // Once the footer says the probe is a second old, P probes again: a later time in the
    // footer (the loop's own samples move the age; nothing here sleeps).
    tmux.wait_until("the probe a second old", |s| {
        s.contains(" probed ") && !s.contains("(0s ago)")
    });
    tmux.keys(&["P"]);
    tmux.wait_until("probed again", |s| {
        when(s.trim_end()).is_some_and(|t| t.len() == 8 && t != started)
    });
    tmux.keys(&["q"]);
    let after = tmux.wait_until("ended", |s| s.lines().any(|l| l.starts_with("EXIT=")));
    assert!(after.contains("\nEXIT=0"), "{after}");
}
