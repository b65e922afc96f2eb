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
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("SKIPPED tui_tmux: tmux is not installed (apt-get install tmux)");
            return None;
        }
        let tmux = Tmux {
            socket: format!("ssetop-test-{}", std::process::id()),
        };
        let status = tmux
            .command()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .args([
                "env",
                "-i",
                "TERM=xterm-256color",
                "PS1=READY$ ",
                "HOME=/tmp",
            ])
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

    /// Waits until the screen satisfies `condition` (with a deadline), and returns it.
    fn wait_until(&self, what: &str, condition: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
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
    tmux.wait_for_all(&["Keys", "any key closes this help"]);
    tmux.keys(&["x"]);
    tmux.wait_until("closed the help", |s| {
        !s.contains("any key closes") && s.contains("Connections: 1 of 4")
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
