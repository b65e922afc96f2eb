//! Linux: the kernel's route, rule and link change notifications (rtnetlink multicast), so that
//! the routing tables are dumped again only after they changed. A link going down removes its
//! IPv4 routes without a route notification, hence the link group.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use rtnetlink::MulticastGroup;
use tokio::task::JoinHandle;

/// Counts change notifications while its task runs.
pub(crate) struct RouteWatch {
    state: Arc<WatchState>,
    task: JoinHandle<()>,
    connection: JoinHandle<()>,
}

struct WatchState {
    /// Bumped on every notification.
    generation: AtomicU64,
    /// When the last notification came, in ms after `origin`.
    last_change_ms: AtomicU64,
    origin: Instant,
    /// False once the subscription ended (socket error, overflow): read every time then.
    alive: AtomicBool,
}

/// How long the tables must be quiet before they are read again: a VPN client pushing
/// thousands of routes is read once it has finished, not halfway through.
const QUIET: Duration = Duration::from_millis(250);
/// A table that keeps changing is still read at least this often.
const LONGEST_WAIT: Duration = Duration::from_secs(3);

impl RouteWatch {
    /// Subscribes before returning: no change after this call is missed. Needs a Tokio runtime.
    pub(crate) fn start() -> Result<RouteWatch, String> {
        let (connection, _handle, mut messages) = rtnetlink::new_multicast_connection(&[
            MulticastGroup::Ipv4Route,
            MulticastGroup::Ipv6Route,
            MulticastGroup::Ipv4Rule,
            MulticastGroup::Ipv6Rule,
            MulticastGroup::Link,
        ])
        .map_err(|e| format!("cannot subscribe to route changes: {e}"))?;
        let state = Arc::new(WatchState {
            generation: AtomicU64::new(0),
            last_change_ms: AtomicU64::new(0),
            origin: Instant::now(),
            alive: AtomicBool::new(true),
        });
        let connection = tokio::spawn(connection);
        let watched = state.clone();
        let task = tokio::spawn(async move {
            while messages.next().await.is_some() {
                let ms = watched.origin.elapsed().as_millis() as u64;
                watched.last_change_ms.store(ms, Ordering::Relaxed);
                watched.generation.fetch_add(1, Ordering::AcqRel);
            }
            watched.alive.store(false, Ordering::Release);
        });
        Ok(RouteWatch {
            state,
            task,
            connection,
        })
    }

    /// The current generation; `None` when the subscription has ended (read every time).
    pub(crate) fn generation(&self) -> Option<u64> {
        (self.state.alive.load(Ordering::Acquire) && !self.connection.is_finished())
            .then(|| self.state.generation.load(Ordering::Acquire))
    }

    /// Whether tables read at generation `read_at` (at `read_when`) must be read again now.
    pub(crate) fn must_read(&self, read_at: Option<(u64, Instant)>, now: Instant) -> bool {
        let (Some(generation), Some((read_generation, read_when))) = (self.generation(), read_at)
        else {
            return true;
        };
        if generation == read_generation {
            return false;
        }
        let since_change = self
            .state
            .origin
            .elapsed()
            .saturating_sub(Duration::from_millis(
                self.state.last_change_ms.load(Ordering::Relaxed),
            ));
        since_change >= QUIET || now.saturating_duration_since(read_when) >= LONGEST_WAIT
    }
}

impl Drop for RouteWatch {
    fn drop(&mut self) {
        self.task.abort();
        self.connection.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A route added in a network namespace of the test's own is noticed; an unchanged table
    /// is never read again. Needs root for the namespace (else the change half is skipped).
    #[test]
    fn an_unchanged_table_is_not_read_again_and_a_change_is() {
        // This thread alone moves to a new network namespace; the runtime below runs on it.
        let own_namespace = nix::unistd::geteuid().is_root()
            && nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).is_ok();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let watch = RouteWatch::start().unwrap();
            let generation = watch.generation().unwrap();
            let now = Instant::now();
            assert!(watch.must_read(None, now), "never read: read");
            assert!(
                !watch.must_read(Some((generation, now)), now),
                "unchanged: not read"
            );
            assert!(
                !watch.must_read(Some((generation, now)), now + Duration::from_secs(3600)),
                "unchanged for an hour: still not read"
            );
            if !own_namespace {
                eprintln!("SKIPPED the change half of this test: needs root for a namespace");
                return;
            }
            // The child `ip` inherits this thread's namespace.
            let added = std::process::Command::new("ip")
                .args([
                    "route",
                    "add",
                    "blackhole",
                    "198.51.100.77/32",
                    "table",
                    "4077",
                ])
                .status();
            let Ok(status) = added else {
                eprintln!("SKIPPED the change half of this test: no ip command");
                return;
            };
            assert!(status.success());
            let deadline = Instant::now() + Duration::from_secs(5);
            while watch.generation() == Some(generation) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert_ne!(
                watch.generation(),
                Some(generation),
                "the change was not noticed"
            );
            let changed = watch.generation().unwrap();
            assert!(
                !watch.must_read(Some((generation, now)), Instant::now()),
                "read before the table is quiet"
            );
            tokio::time::sleep(QUIET).await;
            assert!(watch.must_read(Some((generation, now)), Instant::now()));
            assert!(!watch.must_read(Some((changed, Instant::now())), Instant::now()));
        });
    }
}
