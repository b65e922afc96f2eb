//! What a scenario needs from the machine that plays it, so that more than one can: the Linux
//! runner (stand-ins are copies of `examples/standin.rs` under the vendors' names, ssetop is
//! the Linux build; both run inside the device's network namespace), and later the Windows
//! build under Wine (stand-in `.exe` files, `ssetop.exe`) in the same namespaces.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::spec::Behaviour;
use super::verify::Outcome;

/// A stand-in process that is running.
pub(crate) trait Standin {
    /// Waits until the process prints a line starting with `prefix` (lines already returned by
    /// an earlier wait are not looked at again); fails when it ends first or `limit` passes.
    fn wait_line(&mut self, prefix: &str, limit: Duration) -> Result<String, String>;
}

/// ssetop running in the background (a recording).
pub(crate) trait Background {
    /// Its exit code and error output if it has ended already.
    fn ended(&mut self) -> Option<(i32, String)>;
    /// Asks it to stop (as Ctrl-C would) and waits; its exit code.
    fn stop(self: Box<Self>, limit: Duration) -> Result<i32, String>;
}

/// Runs the device's processes: the stand-ins and ssetop.
pub(crate) trait Runner {
    fn name(&self) -> &'static str;
    /// Starts a stand-in under the process name `name`; returns once it printed `ready`.
    fn start_standin(
        &mut self,
        name: &str,
        behaviour: &Behaviour,
    ) -> Result<Box<dyn Standin>, String>;
    /// Runs ssetop with `args` to its end (at most `limit`): exit code, JSON report, time taken.
    fn run_ssetop(&mut self, args: &[String], limit: Duration) -> Result<Outcome, String>;
    /// Starts ssetop with `args` in the background.
    fn spawn_ssetop(&mut self, args: &[String]) -> Result<Box<dyn Background>, String>;
    /// A host file as ssetop names it (the same path on Linux; `Z:\…` under Wine).
    fn ssetop_path(&self, path: &Path) -> String;
    /// Environment variables for every later ssetop run (`[ssetop] env`).
    fn set_ssetop_env(&mut self, env: Vec<(String, String)>);
}

/// The network around the device, as steps change it.
pub(crate) trait Lab {
    /// Runs `ip ARGS` in the namespace of role `ns`.
    fn ip(&self, ns: &str, args: &str) -> Result<(), String>;
    /// Destroys the sockets `ss` selects with `filter` in the namespace of role `ns`.
    fn kill_connections(&self, ns: &str, filter: &str) -> Result<String, String>;
    /// The PEM file of the CA that issued the scenario's HTTPS servers' certificates, if any.
    fn scenario_ca(&self) -> Option<&Path>;
}

/// Lines a process prints, read on a thread and handed over as they come.
pub(crate) struct Lines {
    rx: Receiver<String>,
    pub seen: Vec<String>,
    what: String,
}

impl Lines {
    pub(crate) fn read(what: &str, source: impl std::io::Read + Send + 'static) -> Lines {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(source).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: Vec::new(),
            what: what.to_string(),
        }
    }

    /// The next line starting with `prefix`, within `limit`.
    pub(crate) fn wait_for(&mut self, prefix: &str, limit: Duration) -> Result<String, String> {
        self.wait_until(
            |line| line.starts_with(prefix),
            &format!("a line starting with {prefix:?}"),
            limit,
        )
    }

    /// The next line for which `wanted` holds, within `limit`.
    pub(crate) fn wait_until(
        &mut self,
        wanted: impl Fn(&str) -> bool,
        what_line: &str,
        limit: Duration,
    ) -> Result<String, String> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return Ok(line);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "{} printed no {what_line} within {limit:?} (printed: {:?})",
                        self.what, self.seen
                    ));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!(
                        "{} ended before printing {what_line} (printed: {:?})",
                        self.what, self.seen
                    ));
                }
            }
        }
    }

    /// Keeps reading (and dropping) the rest, so that the process never blocks on a full pipe.
    pub(crate) fn drain(self) {
        std::thread::spawn(move || for _ in self.rx.iter() {});
    }
}

/// Everything a process writes to a stream, kept for error messages.
pub(crate) struct Collected(std::sync::Arc<std::sync::Mutex<String>>);

impl Collected {
    pub(crate) fn read(source: impl std::io::Read + Send + 'static) -> Collected {
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = text.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(source).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut t) = sink.lock() {
                    t.push_str(&line);
                    t.push('\n');
                }
            }
        });
        Collected(text)
    }

    pub(crate) fn text(&self) -> String {
        self.0.lock().map(|t| t.clone()).unwrap_or_default()
    }
}
