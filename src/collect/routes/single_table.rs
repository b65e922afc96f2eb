//! Windows and macOS: one routing table, read through net-route. The conversion of each row
//! is in `convert.rs`, tested on every OS.

use super::convert::{TableRow, route_from_row};
use crate::collect::JobResult;
use crate::snapshot::{Route, RouteData};

pub(super) async fn collect() -> JobResult<RouteData> {
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
    route_from_row(TableRow {
        destination: route.destination,
        prefix: route.prefix,
        gateway: route.gateway,
        ifindex: route.ifindex,
        #[cfg(windows)]
        metric: route.metric,
        #[cfg(not(windows))]
        metric: None,
    })
}
