//! A row of a single routing table (Windows, macOS) turned into a snapshot route. Plain Rust on
//! every OS, so that the unit tests run in every `cargo test` from recorded rows; the API call
//! that produces the rows (net-route over GetIpForwardTable2 or the routing socket) is in
//! `single_table.rs`.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::snapshot::{Route, RouteKind};

/// One route as net-route reports it, before any interpretation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableRow {
    pub destination: IpAddr,
    pub prefix: u8,
    /// Windows gives every row a next hop: `0.0.0.0` or `::` for on-link routes.
    pub gateway: Option<IpAddr>,
    pub ifindex: Option<u32>,
    /// The route's own metric (Windows; the interface metric is added by the OS when it
    /// chooses a route). `None` on macOS.
    pub metric: Option<u32>,
}

/// The snapshot route of one row; `None` for a row whose prefix length does not fit its address
/// family, which the OS never reports and nothing can match.
pub(crate) fn route_from_row(row: TableRow) -> Option<Route> {
    let destination = IpNet::new(row.destination, row.prefix).ok()?.trunc();
    Some(Route {
        destination,
        // Windows reports on-link routes with an unspecified next hop.
        gateway: row.gateway.filter(|g| !g.is_unspecified()),
        interface_index: row.ifindex,
        interface: None,
        metric: row.metric,
        table: None,
        kind: RouteKind::Unicast,
        source: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(destination: &str, prefix: u8, gateway: &str, ifindex: u32, metric: u32) -> TableRow {
        TableRow {
            destination: destination.parse().unwrap(),
            prefix,
            gateway: Some(gateway.parse().unwrap()),
            ifindex: Some(ifindex),
            metric: Some(metric),
        }
    }

    /// A GlobalProtect-connected Windows laptop's table as GetIpForwardTable2 lists it (the
    /// rows of `route print` / `Get-NetRoute`, the device of tests/captures/globalprotect-*):
    /// every row has a next hop, `0.0.0.0` or `::` when the destination is on-link.
    fn windows_table() -> Vec<TableRow> {
        vec![
            row("0.0.0.0", 0, "192.168.1.1", 12, 25),
            row("192.168.1.0", 24, "0.0.0.0", 12, 281),
            row("192.168.1.50", 32, "0.0.0.0", 12, 281),
            row("127.0.0.0", 8, "0.0.0.0", 1, 331),
            row("0.0.0.0", 0, "10.200.0.1", 23, 1),
            row("10.200.0.7", 32, "0.0.0.0", 23, 1),
            row("150.171.19.0", 24, "192.168.1.1", 12, 1),
            row("224.0.0.0", 4, "0.0.0.0", 12, 281),
            row("255.255.255.255", 32, "0.0.0.0", 12, 281),
            row("::", 0, "fe80::1", 12, 256),
            row("fe80::", 64, "::", 12, 256),
        ]
    }

    fn shown(route: &Route) -> String {
        format!(
            "{} via {} if {} metric {}",
            route.destination,
            route
                .gateway
                .map_or_else(|| "on-link".into(), |g| g.to_string()),
            route.interface_index.unwrap(),
            route.metric.unwrap()
        )
    }

    #[test]
    fn windows_rows_become_routes_with_on_link_next_hops_dropped() {
        let routes: Vec<String> = windows_table()
            .into_iter()
            .filter_map(route_from_row)
            .map(|r| shown(&r))
            .collect();
        assert_eq!(
            routes,
            [
                "0.0.0.0/0 via 192.168.1.1 if 12 metric 25",
                "192.168.1.0/24 via on-link if 12 metric 281",
                "192.168.1.50/32 via on-link if 12 metric 281",
                "127.0.0.0/8 via on-link if 1 metric 331",
                "0.0.0.0/0 via 10.200.0.1 if 23 metric 1",
                "10.200.0.7/32 via on-link if 23 metric 1",
                "150.171.19.0/24 via 192.168.1.1 if 12 metric 1",
                "224.0.0.0/4 via on-link if 12 metric 281",
                "255.255.255.255/32 via on-link if 12 metric 281",
                "::/0 via fe80::1 if 12 metric 256",
                "fe80::/64 via on-link if 12 metric 256",
            ]
        );
    }

    #[test]
    fn every_row_is_one_unicast_route_of_the_single_table_without_interface_name() {
        for route in windows_table().into_iter().filter_map(route_from_row) {
            assert_eq!(route.table, None, "{route:?}");
            assert_eq!(route.kind, RouteKind::Unicast, "{route:?}");
            assert_eq!(route.interface, None, "filled from the interfaces later");
            assert_eq!(route.source, None, "{route:?}");
        }
    }

    #[test]
    fn host_bits_are_cleared_and_impossible_prefixes_dropped() {
        let route = route_from_row(row("10.200.0.7", 24, "10.200.0.1", 23, 1)).unwrap();
        assert_eq!(route.destination.to_string(), "10.200.0.0/24");
        assert!(route_from_row(row("10.0.0.0", 33, "0.0.0.0", 1, 1)).is_none());
        assert!(route_from_row(row("fe80::", 129, "::", 1, 1)).is_none());
    }

    #[test]
    fn macos_rows_without_gateway_or_metric_keep_their_absence() {
        let route = route_from_row(TableRow {
            destination: "100.64.0.0".parse().unwrap(),
            prefix: 16,
            gateway: None,
            ifindex: Some(17),
            metric: None,
        })
        .unwrap();
        assert_eq!(
            (route.gateway, route.interface_index, route.metric),
            (None, Some(17), None)
        );
    }
}
