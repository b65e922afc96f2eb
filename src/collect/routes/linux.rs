//! Linux: every routing table and the policy rules, over rtnetlink.

use std::net::IpAddr;

use futures::TryStreamExt;
use ipnet::IpNet;
use netlink_packet_route::AddressFamily;
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteType, RouteVia,
};
use netlink_packet_route::rule::{
    RuleAction as NlRuleAction, RuleAttribute, RuleFlags, RuleMessage,
};
use rtnetlink::IpVersion;

use crate::collect::JobResult;
use crate::snapshot::{PolicyRule, Route, RouteData, RouteKind, RuleAction};

pub(super) async fn collect() -> JobResult<RouteData> {
    let (connection, handle, _) =
        rtnetlink::new_connection().map_err(|e| format!("cannot open a netlink socket: {e}"))?;
    let connection = tokio::spawn(connection);
    let result = async {
        let mut routes = Vec::new();
        for family in [AddressFamily::Inet, AddressFamily::Inet6] {
            let mut request = RouteMessage::default();
            request.header.address_family = family;
            // Unspecified table: the kernel dumps every table, not only main.
            request.header.table = RouteHeader::RT_TABLE_UNSPEC;
            let mut stream = handle.route().get(request).execute();
            while let Some(message) = stream
                .try_next()
                .await
                .map_err(|e| format!("cannot dump routes: {e}"))?
            {
                routes.extend(convert_route(&message));
            }
        }
        let mut rules = Vec::new();
        for version in [IpVersion::V4, IpVersion::V6] {
            let mut stream = handle.rule().get(version).execute();
            while let Some(message) = stream
                .try_next()
                .await
                .map_err(|e| format!("cannot dump policy rules: {e}"))?
            {
                rules.extend(convert_rule(&message));
            }
        }
        rules.sort_by_key(|r: &PolicyRule| (r.family, r.priority));
        // The vector doubled as the dump arrived: at 50,000 routes a quarter of it is empty,
        // 1.6 MB held for as long as the snapshot lives.
        routes.shrink_to_fit();
        Ok((RouteData { routes, rules }, None))
    }
    .await;
    connection.abort();
    result
}

fn address(addr: &RouteAddress) -> Option<IpAddr> {
    match addr {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

fn kind(kind: RouteType) -> RouteKind {
    match kind {
        RouteType::Unicast => RouteKind::Unicast,
        RouteType::Local => RouteKind::Local,
        RouteType::Broadcast => RouteKind::Broadcast,
        RouteType::Anycast => RouteKind::Anycast,
        RouteType::Multicast => RouteKind::Multicast,
        RouteType::BlackHole => RouteKind::Blackhole,
        RouteType::Unreachable => RouteKind::Unreachable,
        RouteType::Prohibit => RouteKind::Prohibit,
        RouteType::Throw => RouteKind::Throw,
        RouteType::Nat => RouteKind::Nat,
        _ => RouteKind::Other,
    }
}

/// One route per next hop (a multipath route gives several).
fn convert_route(message: &RouteMessage) -> Vec<Route> {
    let header = &message.header;
    let unspecified: IpAddr = match header.address_family {
        AddressFamily::Inet => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        AddressFamily::Inet6 => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        _ => return Vec::new(),
    };
    let mut destination = unspecified;
    let mut gateway = None;
    let mut oif = None;
    // The kernel leaves RTA_PRIORITY out of a route whose priority is 0 (IPv4 routes added
    // without a metric): absent means 0, not unknown.
    let mut metric = 0;
    let mut table = u32::from(header.table);
    let mut source = None;
    let mut hops = Vec::new();
    for attribute in &message.attributes {
        match attribute {
            RouteAttribute::Destination(a) => destination = address(a).unwrap_or(unspecified),
            RouteAttribute::Gateway(a) => gateway = address(a),
            RouteAttribute::Via(RouteVia::Inet(a)) => gateway = Some(IpAddr::V4(*a)),
            RouteAttribute::Via(RouteVia::Inet6(a)) => gateway = Some(IpAddr::V6(*a)),
            RouteAttribute::Oif(i) => oif = Some(*i),
            RouteAttribute::Priority(p) => metric = *p,
            // The header's table field is 8 bits; tables above 255 come only in this attribute.
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::PrefSource(a) => source = address(a),
            RouteAttribute::MultiPath(next_hops) => {
                for hop in next_hops {
                    let hop_gateway = hop.attributes.iter().find_map(|a| match a {
                        RouteAttribute::Gateway(g) => address(g),
                        RouteAttribute::Via(RouteVia::Inet(g)) => Some(IpAddr::V4(*g)),
                        RouteAttribute::Via(RouteVia::Inet6(g)) => Some(IpAddr::V6(*g)),
                        _ => None,
                    });
                    hops.push((hop_gateway, Some(hop.interface_index)));
                }
            }
            _ => {}
        }
    }
    let Ok(destination) = IpNet::new(destination, header.destination_prefix_length) else {
        return Vec::new();
    };
    if hops.is_empty() {
        hops.push((gateway, oif));
    }
    hops.into_iter()
        .map(|(gateway, interface_index)| Route {
            destination: destination.trunc(),
            gateway,
            interface_index,
            interface: None,
            metric: Some(metric),
            table: Some(table),
            kind: kind(header.kind),
            source,
        })
        .collect()
}

fn convert_rule(message: &RuleMessage) -> Option<PolicyRule> {
    let header = &message.header;
    let family = match header.family {
        AddressFamily::Inet => 4,
        AddressFamily::Inet6 => 6,
        _ => return None,
    };
    let mut rule = PolicyRule {
        priority: 0,
        family,
        from: None,
        to: None,
        table: (header.table != 0).then_some(u32::from(header.table)),
        action: match header.action {
            NlRuleAction::ToTable => RuleAction::Table,
            NlRuleAction::Goto => RuleAction::Goto,
            NlRuleAction::Nop => RuleAction::Nop,
            NlRuleAction::Blackhole => RuleAction::Blackhole,
            NlRuleAction::Unreachable => RuleAction::Unreachable,
            NlRuleAction::Prohibit => RuleAction::Prohibit,
            _ => RuleAction::Other,
        },
        invert: header.flags.contains(RuleFlags::Invert),
        fwmark: None,
        iif: None,
        oif: None,
        uid_range: None,
        suppress_prefixlen: None,
        other_selectors: header.tos != 0,
    };
    for attribute in &message.attributes {
        match attribute {
            RuleAttribute::Priority(p) => rule.priority = *p,
            RuleAttribute::Table(t) => rule.table = Some(*t),
            RuleAttribute::Source(a) => rule.from = IpNet::new(*a, header.src_len).ok(),
            RuleAttribute::Destination(a) => rule.to = IpNet::new(*a, header.dst_len).ok(),
            RuleAttribute::FwMark(m) => rule.fwmark = Some(*m),
            RuleAttribute::Iifname(n) => rule.iif = Some(n.clone()),
            RuleAttribute::Oifname(n) => rule.oif = Some(n.clone()),
            RuleAttribute::UidRange(r) => rule.uid_range = Some((r.start, r.end)),
            // The kernel reports "no suppression" as u32::MAX.
            RuleAttribute::SuppressPrefixLen(n) if *n != u32::MAX => {
                rule.suppress_prefixlen = Some(*n)
            }
            RuleAttribute::IpProtocol(_)
            | RuleAttribute::SourcePortRange(_)
            | RuleAttribute::DestinationPortRange(_)
            | RuleAttribute::TunId(_)
            | RuleAttribute::L3MDev(true) => rule.other_selectors = true,
            _ => {}
        }
    }
    Some(rule)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn message(priority: Option<u32>) -> RouteMessage {
        let mut message = RouteMessage::default();
        message.header.address_family = AddressFamily::Inet;
        message.header.destination_prefix_length = 24;
        message.header.table = RouteHeader::RT_TABLE_MAIN;
        message.header.kind = RouteType::Unicast;
        message.attributes = vec![
            RouteAttribute::Destination(RouteAddress::Inet(Ipv4Addr::new(10, 1, 2, 0))),
            RouteAttribute::Gateway(RouteAddress::Inet(Ipv4Addr::new(10, 0, 0, 1))),
            RouteAttribute::Oif(3),
        ];
        message
            .attributes
            .extend(priority.map(RouteAttribute::Priority));
        message
    }

    #[test]
    fn a_route_without_a_priority_attribute_has_metric_zero() {
        let routes = convert_route(&message(None));
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].metric, Some(0));
        assert_eq!(routes[0].destination.to_string(), "10.1.2.0/24");
        assert_eq!(routes[0].table, Some(254));
        // A priority the kernel sent is kept.
        assert_eq!(convert_route(&message(Some(100)))[0].metric, Some(100));
    }
}
