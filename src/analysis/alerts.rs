//! Alerts: conditions held over time. The GlobalProtect reconnect outage (Microsoft's Palo Alto
//! coexistence guide: when GlobalProtect comes up while GSA is connected, GSA is disconnected
//! for a few minutes) and a GSA tunnel loss with no GlobalProtect event nearby.
//!
//! Live, the tracker follows the timeline's events; on the first snapshot (and in `--once`) it
//! judges from one snapshot, using GlobalProtect's process start time as the clock.

use std::time::Duration;

use super::timeline::Digest;
use crate::assessment::{Alert, Event, EventKind, Severity};
use crate::knowledge::Vendor;
use crate::util::format_duration;
use jiff::{SignedDuration, Timestamp};

pub(crate) const OUTAGE_ID: &str = "globalprotect-reconnect-outage";
pub(crate) const GSA_LOST_ID: &str = "gsa-tunnel-lost";

/// A GlobalProtect start seen this long after GSA's drop still counts (sampling skew).
const LATE_GLOBALPROTECT_SLACK: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutageOptions {
    /// After this long the alert escalates from warn to fail (`--outage-threshold`).
    pub threshold: Duration,
    /// GSA's drop counts as the reconnect outage when GlobalProtect came up at most this long
    /// before it (`--outage-window`).
    pub window: Duration,
}

impl Default for OutageOptions {
    fn default() -> Self {
        OutageOptions {
            threshold: Duration::from_secs(5 * 60),
            window: Duration::from_secs(3 * 60),
        }
    }
}

#[derive(Debug, Clone)]
struct Open {
    id: &'static str,
    since: Timestamp,
    globalprotect_up_at: Option<Timestamp>,
    escalated: bool,
    /// Judged from one snapshot: `since` is an estimate.
    estimated: bool,
}

pub(crate) struct OutageTracker {
    options: OutageOptions,
    /// The last time GlobalProtect came up (adapter up, routes appeared, process started).
    globalprotect_up_at: Option<Timestamp>,
    open: Option<Open>,
    seen_first: bool,
}

fn elapsed(from: Timestamp, to: Timestamp) -> Duration {
    let d: SignedDuration = to.duration_since(from);
    d.try_into().unwrap_or(Duration::ZERO)
}

fn clock(t: Timestamp) -> String {
    t.strftime("%H:%M:%S UTC").to_string()
}

/// Whether an event says GlobalProtect came up.
fn is_globalprotect_up(event: &Event) -> bool {
    event.vendor == Some(Vendor::GlobalProtect)
        && matches!(
            event.kind,
            EventKind::InterfaceUp | EventKind::RouteAdded | EventKind::ProcessStarted
        )
}

impl OutageTracker {
    pub(crate) fn new(options: OutageOptions) -> OutageTracker {
        OutageTracker {
            options,
            globalprotect_up_at: None,
            open: None,
            seen_first: false,
        }
    }

    /// Takes the next snapshot's digest and the timeline's new events; returns the alerts that
    /// hold now and the alert events (raised, escalated, closed) for the timeline.
    pub(crate) fn update(&mut self, digest: &Digest, events: &[Event]) -> (Vec<Alert>, Vec<Event>) {
        let now = digest.at;
        let mut out = Vec::new();
        if let Some(up) = events
            .iter()
            .filter(|e| is_globalprotect_up(e))
            .map(|e| e.at)
            .max()
        {
            self.globalprotect_up_at = Some(up);
        }
        let gsa_running = digest.running.contains(&Vendor::Gsa);
        let gsa_tunnels = digest.tunnel_count(Vendor::Gsa);

        if !self.seen_first {
            self.seen_first = true;
            self.open_from_one_snapshot(digest);
            if let Some(open) = &self.open {
                out.push(self.raised_event(open, now));
            }
        } else if events
            .iter()
            .any(|e| e.kind == EventKind::TunnelLost && e.vendor == Some(Vendor::Gsa))
            && gsa_running
        {
            let near = self
                .globalprotect_up_at
                .filter(|up| *up <= now && elapsed(*up, now) <= self.options.window);
            let open = Open {
                id: if near.is_some() {
                    OUTAGE_ID
                } else {
                    GSA_LOST_ID
                },
                since: now,
                globalprotect_up_at: near,
                escalated: false,
                estimated: false,
            };
            out.push(self.raised_event(&open, now));
            self.open = Some(open);
        }

        // A GlobalProtect start just after GSA's drop: the same outage, seen out of order.
        if let (Some(open), Some(up)) = (self.open.as_mut(), self.globalprotect_up_at)
            && open.id == GSA_LOST_ID
            && up >= open.since
            && elapsed(open.since, up) <= LATE_GLOBALPROTECT_SLACK
        {
            open.id = OUTAGE_ID;
            open.globalprotect_up_at = Some(up);
            let reclassified = open.clone();
            out.push(self.raised_event(&reclassified, now));
        }

        let Some(open) = self.open.as_mut() else {
            return (Vec::new(), out);
        };
        // Closed when GSA's tunnel is back, or moot when GSA itself stopped.
        let back = gsa_tunnels.is_some_and(|n| n > 0);
        if back || !gsa_running {
            let duration = format_duration(elapsed(open.since, now));
            let text = if back {
                format!(
                    "{}: GSA reconnected after {duration}{}",
                    title(open.id),
                    if open.estimated { " (at least)" } else { "" }
                )
            } else {
                format!(
                    "{}: closed, GSA's client stopped after {duration}",
                    title(open.id)
                )
            };
            out.push(Event {
                at: now,
                kind: EventKind::AlertClosed,
                vendor: Some(Vendor::Gsa),
                text,
            });
            self.open = None;
            return (Vec::new(), out);
        }
        let down_for = elapsed(open.since, now);
        if !open.escalated && down_for >= self.options.threshold {
            open.escalated = true;
            out.push(Event {
                at: now,
                kind: EventKind::AlertEscalated,
                vendor: Some(Vendor::Gsa),
                text: format!(
                    "{}: not healed after {}, escalated to fail",
                    title(open.id),
                    format_duration(self.options.threshold)
                ),
            });
        }
        let open = open.clone();
        (vec![self.alert(&open, now)], out)
    }

    /// `--once` and the first live snapshot: GlobalProtect up, GSA running without a tunnel.
    fn open_from_one_snapshot(&mut self, digest: &Digest) {
        let now = digest.at;
        let gsa_running = digest.running.contains(&Vendor::Gsa);
        if !gsa_running || digest.tunnel_count(Vendor::Gsa) != Some(0) {
            return;
        }
        if !digest.globalprotect_up {
            self.open = Some(Open {
                id: GSA_LOST_ID,
                since: now,
                globalprotect_up_at: None,
                escalated: false,
                estimated: true,
            });
            return;
        }
        match digest.globalprotect_started.filter(|t| *t <= now) {
            Some(started) => {
                self.globalprotect_up_at = Some(started);
                let escalated = elapsed(started, now) >= self.options.threshold;
                self.open = Some(Open {
                    id: OUTAGE_ID,
                    since: started,
                    globalprotect_up_at: Some(started),
                    escalated,
                    estimated: true,
                });
            }
            None => {
                self.open = Some(Open {
                    id: GSA_LOST_ID,
                    since: now,
                    globalprotect_up_at: None,
                    escalated: false,
                    estimated: true,
                });
            }
        }
    }

    fn raised_event(&self, open: &Open, now: Timestamp) -> Event {
        let text = match open.globalprotect_up_at {
            Some(up) if open.id == OUTAGE_ID => format!(
                "{} raised: GSA's tunnel is down; GlobalProtect came up at {}",
                title(open.id),
                clock(up)
            ),
            _ => format!(
                "{} raised: GSA's tunnel connections are down",
                title(open.id)
            ),
        };
        Event {
            at: now,
            kind: EventKind::AlertRaised,
            vendor: Some(Vendor::Gsa),
            text,
        }
    }

    fn alert(&self, open: &Open, now: Timestamp) -> Alert {
        let down_for = elapsed(open.since, now);
        let severity = if open.escalated || down_for >= self.options.threshold {
            Severity::Fail
        } else {
            Severity::Warn
        };
        let at_least = if open.estimated { "at least " } else { "" };
        let threshold = format_duration(self.options.threshold);
        let summary = match (open.id, open.globalprotect_up_at) {
            (OUTAGE_ID, Some(up)) if severity == Severity::Warn => format!(
                "GSA disconnected for {at_least}{} since GlobalProtect came up at {}: this is the known GlobalProtect coexistence behaviour and should heal within a few minutes",
                format_duration(down_for),
                clock(up)
            ),
            (OUTAGE_ID, Some(up)) => format!(
                "GSA disconnected for {at_least}{} since GlobalProtect came up at {}: longer than the {threshold} it should take; restart the GSA client, and check GlobalProtect's split-tunnel exclusions",
                format_duration(down_for),
                clock(up)
            ),
            // One snapshot, nothing to date the drop by: a duration would read "0ms".
            _ if open.estimated && down_for.is_zero() => {
                "GSA runs but its tunnel is down (since when, one snapshot cannot tell), with no GlobalProtect event nearby".to_string()
            }
            _ => format!(
                "GSA runs but its tunnel has been down for {at_least}{}, with no GlobalProtect event nearby",
                format_duration(down_for)
            ),
        };
        let mut details = Vec::new();
        if open.estimated {
            details.push(
                "judged from one snapshot: the time GSA dropped is not known, GlobalProtect's start time stands in"
                    .to_string(),
            );
        }
        details.push(format!("escalates to fail after {threshold}"));
        Alert {
            id: open.id,
            severity,
            since: open.since,
            summary,
            globalprotect_up_at: open.globalprotect_up_at,
            disconnected_secs: down_for.as_secs(),
            threshold_secs: self.options.threshold.as_secs(),
            details,
        }
    }
}

fn title(id: &str) -> &'static str {
    if id == OUTAGE_ID {
        "GlobalProtect reconnect outage"
    } else {
        "GSA tunnel lost"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::fixture::{Device, with_gsa};
    use crate::analysis::{AnalysisOptions, Analyzer, Assessment};
    use crate::knowledge::Knowledge;
    use crate::snapshot::Snapshot;

    fn run(snapshots: &[Snapshot]) -> Assessment {
        let mut analyzer =
            Analyzer::new(Arc::new(Knowledge::embedded()), AnalysisOptions::default());
        let mut last = None;
        for s in snapshots {
            last = Some(analyzer.assess(s));
        }
        last.unwrap()
    }

    fn connected(at: i64) -> Snapshot {
        with_gsa(Device::windows())
            .tcp("150.171.19.10:443", Some(4100))
            .at(at)
            .build()
    }

    fn dropped(at: i64, globalprotect: bool) -> Snapshot {
        let d = with_gsa(Device::windows()).at(at);
        if globalprotect {
            d.pangp()
                .process_started(4200, "PanGPS.exe", Some(at))
                .build()
        } else {
            d.build()
        }
    }

    #[test]
    fn globalprotect_seen_just_after_the_drop_is_still_the_outage() {
        // GSA drops at 10 s; GlobalProtect's adapter is first seen at 12 s (sampling order).
        let a = run(&[connected(0), dropped(10, false), dropped(12, true)]);
        assert_eq!(a.alerts.len(), 1);
        assert_eq!(a.alerts[0].id, OUTAGE_ID);
        assert_eq!(a.alerts[0].since, crate::analysis::fixture::at(10));
    }

    #[test]
    fn gsa_stopping_altogether_closes_the_alert() {
        let stopped = Device::windows().at(20).build();
        let a = run(&[connected(0), dropped(10, false), stopped]);
        assert!(a.alerts.is_empty());
        let closed = a
            .events
            .iter()
            .find(|e| e.kind == EventKind::AlertClosed)
            .unwrap();
        assert!(closed.text.contains("client stopped"), "{}", closed.text);
    }

    #[test]
    fn one_snapshot_without_globalprotect_start_time_is_not_called_the_outage() {
        let s = with_gsa(Device::windows().pangp())
            .process(4200, "PanGPS.exe")
            .build();
        let a = run(&[s]);
        assert_eq!(a.alerts.len(), 1);
        assert_eq!(a.alerts[0].id, GSA_LOST_ID);
        // Nothing dates the drop: no made-up "down for 0ms".
        assert!(
            a.alerts[0].summary.contains("one snapshot cannot tell")
                && !a.alerts[0].summary.contains("0ms"),
            "{}",
            a.alerts[0].summary
        );
    }

    #[test]
    fn no_alert_while_gsa_is_connected() {
        let s = with_gsa(Device::windows().pangp())
            .process_started(4200, "PanGPS.exe", Some(-30))
            .tcp("150.171.19.10:443", Some(4100))
            .build();
        assert!(run(&[s]).alerts.is_empty());
    }
}
