//! Windows and macOS: one routing table, read through net-route.

use ipnet::IpNet;

use crate::collect::JobResult;
use crate::snapshot::{Route, RouteData, RouteKind};

pub async fn collect() -> JobResult<RouteData> {
    let handle =
        net_route::Handle::new().map_err(|e| format!("cannot open the routing API: {e}"))?;
    let listed = handle
        .list()
        .await
        .map_err(|e| format!("cannot list routes: {e}"))?;
    let routes = listed.into_iter().filter_map(convert).collect();
    Ok((
        RouteData {
            routes,
            rules: Vec::new(),
        },
        None,
    ))
}

fn convert(route: net_route::Route) -> Option<Route> {
    let destination = IpNet::new(route.destination, route.prefix).ok()?.trunc();
    Some(Route {
        destination,
        // Windows reports on-link routes with an unspecified next hop.
        gateway: route.gateway.filter(|g| !g.is_unspecified()),
        interface_index: route.ifindex,
        interface: None,
        #[cfg(windows)]
        metric: route.metric,
        #[cfg(not(windows))]
        metric: None,
        table: None,
        kind: RouteKind::Unicast,
        source: None,
    })
}
