//! Where a packet to an address leaves the device: longest-prefix match over every routing
//! table, chosen by the policy rules where the OS has them, on prefix tries so that tens of
//! thousands of routes stay cheap. Also answers the question for a whole range (the bypass
//! checks): the range is split only where a route or rule boundary falls inside it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

use crate::assessment::table_name;
use crate::assessment::{PathPiece, RangePath, TABLE_DEFAULT, TABLE_LOCAL, TABLE_MAIN};
use crate::knowledge::Vendor;
use crate::snapshot::{PolicyRule, Route, RouteData, RouteKind, RuleAction};

/// Routes of one table by prefix: for each prefix, the position of the route a lookup takes
/// (the lowest metric, the first listed between equal metrics). Plain positions keep the tries
/// cheap to build and to drop (values that need no drop are not visited).
#[derive(Default)]
struct Table {
    v4: PrefixMap<Ipv4Net, usize>,
    v6: PrefixMap<Ipv6Net, usize>,
}

/// How a lookup ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Sent out of an interface by this route.
    Forward(usize),
    /// Delivered on this device (a `local` route).
    Local(usize),
    /// Dropped: a blackhole, unreachable or prohibit route or rule.
    Drop(Option<usize>),
    /// No route matches.
    NoRoute,
}

/// The answer for one destination, with what explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub outcome: Outcome,
    /// The priority of the policy rule that chose the table, where there are rules.
    pub rule: Option<u32>,
    /// Rules that could not be evaluated and were passed over.
    pub passed_over: Vec<u32>,
}

impl Lookup {
    pub fn route(&self) -> Option<usize> {
        match self.outcome {
            Outcome::Forward(i) | Outcome::Local(i) | Outcome::Drop(Some(i)) => Some(i),
            Outcome::Drop(None) | Outcome::NoRoute => None,
        }
    }
}

/// What is known about the flow besides its destination (for rule selectors).
#[derive(Debug, Clone, Copy, Default)]
pub struct FlowContext {
    pub source: Option<IpAddr>,
    pub uid: Option<u32>,
}

/// A rule as the index uses it: either one from the OS or one of the implied defaults.
#[derive(Debug, Clone)]
struct IndexRule {
    rule: PolicyRule,
    /// Implied (no rules were read), so not named in evidence.
    implied: bool,
    /// The position of the rule's table in `RouteIndex::tables`, resolved once.
    table: Option<usize>,
}

/// The routes and rules of one snapshot, indexed. It owns its data where the dashboard keeps
/// it for the next snapshots while the routing table does not change ([`RouteCache`]), and
/// borrows the snapshot's where nothing is kept ([`RouteCache::off`]).
pub struct RouteIndex<'a> {
    /// Owned where a cache keeps the index; borrowed from the snapshot where nothing is kept.
    data: Cow<'a, RouteData>,
    tables: Vec<Table>,
    /// IPv4 rules, then IPv6 rules, each by priority.
    rules_v4: Vec<IndexRule>,
    rules_v6: Vec<IndexRule>,
}

/// Whether a rule's selectors match: `Some(true|false)`, or `None` when ssetop cannot know.
fn rule_matches(rule: &PolicyRule, destination: IpAddr, flow: FlowContext) -> Option<bool> {
    let family = if destination.is_ipv4() { 4 } else { 6 };
    if rule.family != family {
        return Some(false);
    }
    let mut matched = true;
    if let Some(to) = rule.to.filter(|n| n.prefix_len() > 0) {
        matched &= to.contains(&destination);
    }
    if let Some(from) = rule.from.filter(|n| n.prefix_len() > 0) {
        matched &= from.contains(&flow.source?);
    }
    // Ordinary application traffic carries no firewall mark (a VPN marks its own packets).
    if let Some(mark) = rule.fwmark {
        matched &= mark == 0;
    }
    // Locally generated traffic enters from `lo`.
    if let Some(iif) = &rule.iif {
        matched &= iif == "lo";
    }
    if rule.oif.is_some() {
        matched = false;
    }
    if let Some((start, end)) = rule.uid_range {
        let uid = flow.uid?;
        matched &= (start..=end).contains(&uid);
    }
    if rule.other_selectors {
        return None;
    }
    Some(matched != rule.invert)
}

impl RouteIndex<'static> {
    pub fn new(data: RouteData) -> RouteIndex<'static> {
        RouteIndex::build(Cow::Owned(data))
    }
}

impl<'a> RouteIndex<'a> {
    /// An index over `data` where it is, for a snapshot analysed once (no copy of tens of
    /// thousands of routes).
    pub fn borrowing(data: &'a RouteData) -> RouteIndex<'a> {
        RouteIndex::build(Cow::Borrowed(data))
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from the tables and routes this index was built from"
    )]
    fn build(data: Cow<'a, RouteData>) -> RouteIndex<'a> {
        let routes = data.routes.as_slice();
        let mut positions: HashMap<Option<u32>, usize> = HashMap::new();
        let mut tables: Vec<Table> = Vec::new();
        // The OS lists a table's routes together: the last table saves a lookup per route.
        let mut last: Option<(Option<u32>, usize)> = None;
        for (i, route) in routes.iter().enumerate() {
            let position = match last {
                Some((table, position)) if table == route.table => position,
                _ => {
                    let position = *positions.entry(route.table).or_insert_with(|| {
                        tables.push(Table::default());
                        tables.len() - 1
                    });
                    last = Some((route.table, position));
                    position
                }
            };
            let table = &mut tables[position];
            // Equal prefixes: the lowest metric wins, the first listed between equals.
            let metric = route.metric.unwrap_or(0);
            let better = |best: &mut usize| {
                if metric < routes[*best].metric.unwrap_or(0) {
                    *best = i;
                }
            };
            match route.destination {
                IpNet::V4(net) => {
                    table.v4.entry(net).and_modify(better).or_insert(i);
                }
                IpNet::V6(net) => {
                    table.v6.entry(net).and_modify(better).or_insert(i);
                }
            }
        }
        let rules: Vec<PolicyRule> = if !data.rules.is_empty() {
            data.rules.clone()
        } else if routes.iter().any(|r| r.table.is_some()) {
            // Linux without a rule dump: the kernel's three default rules.
            [
                (0, TABLE_LOCAL),
                (32766, TABLE_MAIN),
                (32767, TABLE_DEFAULT),
            ]
            .into_iter()
            .flat_map(|(priority, table)| {
                [4u8, 6].map(|family| implied_rule(priority, family, Some(table)))
            })
            .collect()
        } else {
            [4u8, 6].map(|family| implied_rule(0, family, None)).into()
        };
        let implied = data.rules.is_empty();
        let mut indexed: Vec<IndexRule> = rules
            .into_iter()
            .map(|rule| IndexRule {
                table: positions.get(&rule.table).copied(),
                rule,
                implied,
            })
            .collect();
        indexed.sort_by_key(|r| r.rule.priority);
        let (rules_v4, rules_v6) = indexed.into_iter().partition(|r| r.rule.family == 4);
        RouteIndex {
            data,
            tables,
            rules_v4,
            rules_v6,
        }
    }

    /// The routes and rules the index was built from.
    pub fn data(&self) -> &RouteData {
        &self.data
    }

    pub fn routes(&self) -> &[Route] {
        &self.data.routes
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from the tables and routes this index was built from"
    )]
    pub fn route(&self, i: usize) -> &Route {
        &self.data.routes[i]
    }

    /// The best route of one table for an address: longest prefix, then lowest metric.
    fn table_lookup(&self, table: Option<usize>, destination: IpAddr) -> Option<usize> {
        let table = self.tables.get(table?)?;
        match destination {
            IpAddr::V4(a) => table.v4.get_lpm(&Ipv4Net::from(a)).map(|(_, i)| *i),
            IpAddr::V6(a) => table.v6.get_lpm(&Ipv6Net::from(a)).map(|(_, i)| *i),
        }
    }

    /// Where a packet to `destination` goes.
    pub fn lookup(&self, destination: IpAddr, flow: FlowContext) -> Lookup {
        let mut passed_over = Vec::new();
        let rules = if destination.is_ipv4() {
            &self.rules_v4
        } else {
            &self.rules_v6
        };
        for entry in rules {
            let rule = &entry.rule;
            match rule_matches(rule, destination, flow) {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    passed_over.push(rule.priority);
                    continue;
                }
            }
            let chosen_by = (!entry.implied).then_some(rule.priority);
            match rule.action {
                RuleAction::Blackhole | RuleAction::Unreachable | RuleAction::Prohibit => {
                    return Lookup {
                        outcome: Outcome::Drop(None),
                        rule: chosen_by,
                        passed_over,
                    };
                }
                RuleAction::Table => {}
                RuleAction::Goto | RuleAction::Nop | RuleAction::Other => continue,
            }
            let Some(found) = self.table_lookup(entry.table, destination) else {
                continue;
            };
            let route = self.route(found);
            if rule
                .suppress_prefixlen
                .is_some_and(|n| u32::from(route.destination.prefix_len()) <= n)
            {
                continue;
            }
            let outcome = match route.kind {
                RouteKind::Throw => continue,
                RouteKind::Local => Outcome::Local(found),
                RouteKind::Blackhole | RouteKind::Unreachable | RouteKind::Prohibit => {
                    Outcome::Drop(Some(found))
                }
                _ => Outcome::Forward(found),
            };
            return Lookup {
                outcome,
                rule: chosen_by,
                passed_over,
            };
        }
        Lookup {
            outcome: Outcome::NoRoute,
            rule: None,
            passed_over,
        }
    }

    /// Whether any route or rule boundary lies strictly inside `net`.
    fn boundary_inside(&self, net: Ipv4Net) -> bool {
        let inside = |q: &Ipv4Net| q.prefix_len() > net.prefix_len() && net.contains(q);
        self.tables
            .iter()
            .any(|t| t.v4.children(&net).any(|(q, _)| inside(&q)))
            || self.rules_v4.iter().any(|r| {
                [r.rule.to, r.rule.from]
                    .into_iter()
                    .flatten()
                    .any(|n| matches!(n, IpNet::V4(q) if inside(&q)))
            })
    }

    /// The pieces of `range` that each take one path, with the path: every address of a piece
    /// meets exactly the same routes and rules.
    pub fn range_lookup(&self, range: Ipv4Net, flow: FlowContext) -> Vec<(Ipv4Net, Lookup)> {
        let mut pieces = Vec::new();
        let mut stack = vec![range.trunc()];
        while let Some(net) = stack.pop() {
            if net.prefix_len() == 32 || !self.boundary_inside(net) {
                pieces.push((net, self.lookup(IpAddr::V4(net.network()), flow)));
            } else if let Ok(halves) = net.subnets(net.prefix_len() + 1) {
                // Pushed in reverse so that pieces come out in address order.
                let halves: Vec<Ipv4Net> = halves.collect();
                stack.extend(halves.into_iter().rev());
            }
        }
        pieces
    }
}

/// The route index of the last routing table seen: routing tables change rarely, so each
/// snapshot of the dashboard reuses the index while its routes and rules are unchanged (one
/// comparison, like the timeline's) instead of building the tries again.
#[derive(Default)]
pub struct RouteCache {
    last: Option<Arc<RouteIndex<'static>>>,
    /// Keeps nothing: each index borrows the snapshot's routes ([`RouteCache::off`]).
    off: bool,
}

impl RouteCache {
    /// A cache that keeps nothing, for a snapshot analysed once: its index borrows the
    /// snapshot's routes instead of owning a copy to outlive it.
    pub fn off() -> RouteCache {
        RouteCache {
            last: None,
            off: true,
        }
    }

    pub fn index<'a>(&mut self, data: &'a RouteData) -> Arc<RouteIndex<'a>> {
        if self.off {
            return Arc::new(RouteIndex::borrowing(data));
        }
        if let Some(index) = &self.last
            && index.data() == data
        {
            return index.clone();
        }
        // Released first: the old index is not kept alive while the new one is built.
        self.last = None;
        let index = Arc::new(RouteIndex::new(data.clone()));
        self.last = Some(index.clone());
        index
    }
}

fn implied_rule(priority: u32, family: u8, table: Option<u32>) -> PolicyRule {
    PolicyRule {
        priority,
        family,
        from: None,
        to: None,
        table,
        action: RuleAction::Table,
        invert: false,
        fwmark: None,
        iif: None,
        oif: None,
        uid_range: None,
        suppress_prefixlen: None,
        other_selectors: false,
    }
}

/// A route as one short line: `0.0.0.0/0 via 10.0.0.1 dev gpd0 table main metric 0`.
pub fn describe_route(route: &Route) -> String {
    let mut text = route.destination.to_string();
    if route.kind != RouteKind::Unicast {
        text = format!("{} {text}", route.kind.id());
    }
    if let Some(gateway) = route.gateway {
        text.push_str(&format!(" via {gateway}"));
    }
    if let Some(dev) = &route.interface {
        text.push_str(&format!(" dev {dev}"));
    } else if let Some(index) = route.interface_index {
        text.push_str(&format!(" ifindex {index}"));
    }
    if let Some(table) = route.table {
        text.push_str(&format!(" table {}", table_name(table)));
    }
    if let Some(metric) = route.metric {
        text.push_str(&format!(" metric {metric}"));
    }
    text
}

/// Where each of `ranges` (GSA's service ranges) leaves the device: the range cut into the
/// pieces that take one path each. `vendor_of` names the vendor whose adapter an interface is.
pub(crate) fn range_paths(
    index: &RouteIndex,
    ranges: impl IntoIterator<Item = Ipv4Net>,
    vendor_of: impl Fn(&str) -> Option<Vendor>,
) -> Vec<RangePath> {
    ranges
        .into_iter()
        .map(|range| RangePath {
            range,
            pieces: index
                .range_lookup(range, FlowContext::default())
                .into_iter()
                .map(|(net, lookup)| path_piece(index, net, &lookup, &vendor_of))
                .collect(),
        })
        .collect()
}

fn path_piece(
    index: &RouteIndex,
    net: Ipv4Net,
    lookup: &Lookup,
    vendor_of: &impl Fn(&str) -> Option<Vendor>,
) -> PathPiece {
    let route = lookup.route().map(|i| describe_route(index.route(i)));
    let (outcome, interface) = match lookup.outcome {
        Outcome::Forward(i) => (
            "forward",
            index.route(i).interface.as_deref().map(str::to_string),
        ),
        Outcome::Local(_) => ("local", None),
        Outcome::Drop(_) => ("drop", None),
        Outcome::NoRoute => ("no-route", None),
    };
    PathPiece {
        net,
        outcome,
        route,
        rule: lookup.rule,
        vendor: interface.as_deref().and_then(vendor_of),
        interface,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(dest: &str, dev: &str, table: Option<u32>, metric: u32) -> Route {
        Route {
            destination: dest.parse().unwrap(),
            gateway: None,
            interface_index: None,
            interface: Some(dev.into()),
            metric: Some(metric),
            table,
            kind: RouteKind::Unicast,
            source: None,
        }
    }

    fn dev_of(index: &RouteIndex, lookup: &Lookup) -> Option<String> {
        lookup
            .route()
            .and_then(|i| index.route(i).interface.as_deref().map(str::to_string))
    }

    fn v4(a: &str) -> IpAddr {
        a.parse().unwrap()
    }

    #[test]
    fn longest_prefix_wins_and_edges_of_a_prefix_belong_to_it() {
        let data = RouteData {
            routes: vec![
                route("0.0.0.0/0", "gpd0", None, 0),
                route("150.171.19.0/24", "eth0", None, 0),
            ],
            rules: vec![],
        };
        let index = RouteIndex::new(data);
        let flow = FlowContext::default();
        for inside in ["150.171.19.0", "150.171.19.255", "150.171.19.77"] {
            let l = index.lookup(v4(inside), flow);
            assert_eq!(dev_of(&index, &l).as_deref(), Some("eth0"), "{inside}");
        }
        for outside in ["150.171.18.255", "150.171.20.0"] {
            let l = index.lookup(v4(outside), flow);
            assert_eq!(dev_of(&index, &l).as_deref(), Some("gpd0"), "{outside}");
        }
    }

    #[test]
    fn lowest_metric_wins_between_equal_prefixes() {
        let data = RouteData {
            routes: vec![
                route("0.0.0.0/0", "eth0", None, 100),
                route("0.0.0.0/0", "gpd0", None, 1),
            ],
            rules: vec![],
        };
        let index = RouteIndex::new(data);
        let l = index.lookup(v4("8.8.8.8"), FlowContext::default());
        assert_eq!(dev_of(&index, &l).as_deref(), Some("gpd0"));
    }

    #[test]
    fn policy_rules_pick_tables_above_255_and_honour_suppress_prefixlength() {
        // wg-quick's pattern: `not fwmark` → table 1000 holds the default; main's default is
        // suppressed, main's specific routes still count.
        let data = RouteData {
            routes: vec![
                route("0.0.0.0/0", "eth0", Some(254), 0),
                route("150.171.19.0/24", "eth0", Some(254), 0),
                route("0.0.0.0/0", "gpd0", Some(1000), 0),
            ],
            rules: vec![
                PolicyRule {
                    suppress_prefixlen: Some(0),
                    ..implied_rule(100, 4, Some(254))
                },
                PolicyRule {
                    fwmark: Some(0xca6c),
                    invert: true,
                    ..implied_rule(200, 4, Some(1000))
                },
                implied_rule(32766, 4, Some(254)),
            ],
        };
        let index = RouteIndex::new(data);
        let flow = FlowContext::default();
        let edge = index.lookup(v4("150.171.19.5"), flow);
        assert_eq!(dev_of(&index, &edge).as_deref(), Some("eth0"));
        assert_eq!(edge.rule, Some(100));
        let other = index.lookup(v4("8.8.8.8"), flow);
        assert_eq!(dev_of(&index, &other).as_deref(), Some("gpd0"));
        assert_eq!(other.rule, Some(200));
        assert_eq!(index.route(other.route().unwrap()).table, Some(1000));
    }

    #[test]
    fn throw_routes_fall_through_and_unreachable_routes_drop() {
        let mut throw = route("10.0.0.0/8", "gpd0", Some(1000), 0);
        throw.kind = RouteKind::Throw;
        let mut unreachable = route("192.0.2.0/24", "gpd0", Some(254), 0);
        unreachable.kind = RouteKind::Unreachable;
        let data = RouteData {
            routes: vec![
                throw,
                route("0.0.0.0/0", "gpd0", Some(1000), 0),
                route("10.0.0.0/8", "eth0", Some(254), 0),
                unreachable,
            ],
            rules: vec![
                PolicyRule {
                    to: Some("10.0.0.0/8".parse().unwrap()),
                    ..implied_rule(10, 4, Some(1000))
                },
                implied_rule(32766, 4, Some(254)),
            ],
        };
        let index = RouteIndex::new(data);
        let flow = FlowContext::default();
        let thrown = index.lookup(v4("10.1.2.3"), flow);
        assert_eq!(dev_of(&index, &thrown).as_deref(), Some("eth0"));
        assert_eq!(thrown.rule, Some(32766));
        let dropped = index.lookup(v4("192.0.2.1"), flow);
        assert_eq!(dropped.outcome, Outcome::Drop(Some(3)));
    }

    #[test]
    fn source_selectors_need_a_source_and_are_passed_over_without_one() {
        let data = RouteData {
            routes: vec![
                route("0.0.0.0/0", "eth0", Some(254), 0),
                route("0.0.0.0/0", "gpd0", Some(7), 0),
            ],
            rules: vec![
                PolicyRule {
                    from: Some("10.9.0.0/16".parse().unwrap()),
                    ..implied_rule(5, 4, Some(7))
                },
                implied_rule(32766, 4, Some(254)),
            ],
        };
        let index = RouteIndex::new(data);
        let unknown = index.lookup(v4("8.8.8.8"), FlowContext::default());
        assert_eq!(dev_of(&index, &unknown).as_deref(), Some("eth0"));
        assert_eq!(unknown.passed_over, vec![5]);
        let from_vpn = index.lookup(
            v4("8.8.8.8"),
            FlowContext {
                source: Some(v4("10.9.1.1")),
                uid: None,
            },
        );
        assert_eq!(dev_of(&index, &from_vpn).as_deref(), Some("gpd0"));
    }

    #[test]
    fn a_range_splits_only_where_a_boundary_lies_inside_it() {
        let data = RouteData {
            routes: vec![
                route("0.0.0.0/0", "gpd0", None, 0),
                route("150.171.19.0/25", "eth0", None, 0),
                route("150.171.0.0/16", "eth1", None, 0),
            ],
            rules: vec![],
        };
        let index = RouteIndex::new(data);
        let pieces = index.range_lookup("150.171.19.0/24".parse().unwrap(), FlowContext::default());
        let summary: Vec<(String, Option<String>)> = pieces
            .iter()
            .map(|(net, l)| (net.to_string(), dev_of(&index, l)))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("150.171.19.0/25".to_string(), Some("eth0".to_string())),
                ("150.171.19.128/25".to_string(), Some("eth1".to_string())),
            ]
        );
        let whole = index.range_lookup("151.206.0.0/16".parse().unwrap(), FlowContext::default());
        assert_eq!(whole.len(), 1);
        assert_eq!(dev_of(&index, &whole[0].1).as_deref(), Some("gpd0"));
    }

    #[test]
    fn a_host_route_inside_a_range_makes_that_address_its_own_piece() {
        let data = RouteData {
            routes: vec![
                route("0.0.0.0/0", "eth0", None, 0),
                route("6.6.1.2/32", "gpd0", None, 0),
            ],
            rules: vec![],
        };
        let index = RouteIndex::new(data);
        let pieces = index.range_lookup("6.6.0.0/16".parse().unwrap(), FlowContext::default());
        let via_gp: Vec<String> = pieces
            .iter()
            .filter(|(_, l)| dev_of(&index, l).as_deref() == Some("gpd0"))
            .map(|(n, _)| n.to_string())
            .collect();
        assert_eq!(via_gp, ["6.6.1.2/32"]);
        assert_eq!(
            pieces.len(),
            17,
            "16 siblings on the way down plus the host"
        );
    }

    /// A default route on eth0 and GSA's edge range on GlobalProtect's gpd0, in the main table.
    fn default_and_gsa_edge_via_gpd0() -> RouteData {
        RouteData {
            routes: vec![
                route("0.0.0.0/0", "eth0", Some(254), 0),
                route("150.171.19.0/24", "gpd0", Some(254), 0),
            ],
            rules: vec![implied_rule(32766, 4, Some(254))],
        }
    }

    #[test]
    fn a_cache_that_is_off_indexes_the_routes_in_place_keeps_nothing_and_answers_the_same() {
        let data = default_and_gsa_edge_via_gpd0();
        let mut off = RouteCache::off();
        let first = off.index(&data);
        assert!(matches!(first.data, Cow::Borrowed(_)));
        assert!(!Arc::ptr_eq(&first, &off.index(&data)));
        let owned = RouteIndex::new(data.clone());
        for address in ["150.171.19.5", "8.8.8.8"] {
            let (a, b) = (
                first.lookup(v4(address), FlowContext::default()),
                owned.lookup(v4(address), FlowContext::default()),
            );
            assert_eq!(a, b, "{address}");
            assert_eq!(dev_of(&first, &a), dev_of(&owned, &b), "{address}");
        }
    }

    #[test]
    fn an_unchanged_routing_table_reuses_its_index_and_a_changed_one_rebuilds_it() {
        let data = default_and_gsa_edge_via_gpd0();
        let mut cache = RouteCache::default();
        let first = cache.index(&data);
        // An equal table read again (as each snapshot reads it): the same index.
        let again = data.clone();
        let same = cache.index(&again);
        assert!(Arc::ptr_eq(&first, &same));

        let mut moved = data.clone();
        moved.routes[1].interface = Some("eth1".into());
        let rebuilt = cache.index(&moved);
        assert!(!Arc::ptr_eq(&first, &rebuilt));
        let l = rebuilt.lookup(v4("150.171.19.5"), FlowContext::default());
        assert_eq!(dev_of(&rebuilt, &l).as_deref(), Some("eth1"));
        assert!(Arc::ptr_eq(&rebuilt, &cache.index(&moved)));

        // A change of the rules alone rebuilds it too.
        let mut ruled = moved.clone();
        ruled.rules[0].priority = 100;
        let by_rules = cache.index(&ruled);
        assert!(!Arc::ptr_eq(&rebuilt, &by_rules));
        let l = by_rules.lookup(v4("8.8.8.8"), FlowContext::default());
        assert_eq!(l.rule, Some(100));
        // Back to the first table: built again (only the last one is kept), same answers.
        let back = cache.index(&data);
        assert!(!Arc::ptr_eq(&first, &back));
        assert_eq!(back.data(), first.data());
    }

    #[test]
    fn equal_prefixes_keep_the_first_listed_of_equal_metrics() {
        let data = RouteData {
            routes: vec![
                route("10.0.0.0/8", "eth0", None, 5),
                route("10.0.0.0/8", "gpd0", None, 5),
                route("10.0.0.0/8", "eth1", None, 7),
            ],
            rules: vec![],
        };
        let index = RouteIndex::new(data);
        let l = index.lookup(v4("10.1.1.1"), FlowContext::default());
        assert_eq!(dev_of(&index, &l).as_deref(), Some("eth0"));
    }

    #[test]
    fn routes_describe_themselves_like_ip_route() {
        let mut r = route("0.0.0.0/0", "gpd0", Some(254), 5);
        r.gateway = Some(v4("10.1.0.1"));
        assert_eq!(
            describe_route(&r),
            "0.0.0.0/0 via 10.1.0.1 dev gpd0 table main metric 5"
        );
    }
}
