//! `gsa-tunnel`: GSA holds tunnel connections to its edges, and none runs inside another
//! vendor's tunnel.

use super::console;
use crate::analysis::attribution::Attributor;
use crate::analysis::facts::Facts;
use crate::assessment::{Check, Status};
use crate::knowledge::{Channel, Vendor};

#[allow(
    clippy::indexing_slicing,
    reason = "tunnel_sockets holds positions in this snapshot's socket list, made from that list"
)]
pub(super) fn gsa_tunnel_check(facts: &Facts, attributor: &Attributor) -> Check {
    let client = facts.client_of(Vendor::Gsa);
    if !client.is_running() {
        return Check::new("gsa-tunnel", Status::Skip, "GSA is not running");
    }
    let sockets = facts.sockets();
    let mut evidence = Vec::new();
    let mut inside_other = Vec::new();
    let mut channels = std::collections::BTreeSet::new();
    for &i in &client.tunnel_sockets {
        let socket = &sockets[i];
        let attribution = attributor.attribute(socket);
        let remote = socket.remote.map(|r| r.to_string()).unwrap_or_default();
        let channel = attribution.channel.map_or("channel unknown", Channel::id);
        if let Some(c) = attribution.channel {
            channels.insert(c);
        }
        let dev = attribution.interface.clone().unwrap_or_else(|| "?".into());
        evidence.push(format!("{channel}: {remote} via {dev}"));
        if let Some(vendor) = attribution
            .interface
            .as_deref()
            .and_then(|d| facts.adapter_vendor(d))
            .filter(|v| *v != Vendor::Gsa)
        {
            inside_other.push((remote, dev, vendor));
        }
    }
    if let Some((remote, dev, vendor)) = inside_other.first() {
        return Check::new(
            "gsa-tunnel",
            Status::Fail,
            format!(
                "GSA's tunnel to {remote} runs inside {}'s tunnel ({dev})",
                vendor.label()
            ),
        )
        .evidence(evidence)
        .remedy(format!(
            "exclude GSA's ranges from the {} tunnel: {}",
            vendor.label(),
            console(facts, *vendor)
        ));
    }
    if client.tunnel_sockets.is_empty() {
        let mut check = Check::new(
            "gsa-tunnel",
            Status::Warn,
            "GSA runs but holds no tunnel connection to its edges",
        )
        .remedy("open the GSA client's Advanced Diagnostics > Health check; restart the client if it stays disconnected");
        if !facts.snapshot.host.elevated && facts.sockets().iter().any(|s| s.pids.is_empty()) {
            check.evidence.push(
                "some sockets' owners are hidden from an unprivileged user; run elevated to see GSA's".into(),
            );
        }
        return check;
    }
    let channels: Vec<&str> = channels.iter().map(|c| c.id()).collect();
    Check::new(
        "gsa-tunnel",
        Status::Pass,
        format!(
            "{} tunnel connection(s) to GSA's edges{}",
            client.tunnel_sockets.len(),
            if channels.is_empty() {
                String::new()
            } else {
                format!(" ({})", channels.join(", "))
            }
        ),
    )
    .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::checks::testing::*;

    #[test]
    fn gsa_tunnel_check() {
        assert_eq!(
            status(&Device::windows().build(), None, "gsa-tunnel"),
            Status::Skip
        );
        assert_eq!(
            status(&with_gsa(Device::windows()).build(), None, "gsa-tunnel"),
            Status::Warn
        );
        let up = with_gsa(Device::windows())
            .tcp(GSA_EDGE, Some(4100))
            .build();
        assert_eq!(status(&up, None, "gsa-tunnel"), Status::Pass);
        // Owners hidden: the edge connection counts, a flow to a synthetic address does not.
        let hidden = with_gsa(Device::windows())
            .tcp(GSA_EDGE, None)
            .tcp("6.6.0.10:443", None)
            .build();
        let check = find(&checks(&hidden, None), "gsa-tunnel").clone();
        assert_eq!(check.status, Status::Pass);
        assert!(
            check.summary.starts_with("1 tunnel connection(s)"),
            "{}",
            check.summary
        );
        let inside = globalprotect(&[]).build();
        let check = find(&checks(&inside, None), "gsa-tunnel").clone();
        assert_eq!(check.status, Status::Fail);
        assert!(check.summary.contains("inside GlobalProtect's tunnel"));
    }
}
