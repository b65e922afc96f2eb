//! Routes of every table, and the policy rules on Linux.
//!
//! Linux reads the kernel over rtnetlink: net-route folds tables above 255 into 252 and drops
//! the route type, both of which the bypass checks need. Windows and macOS have one table,
//! read through net-route (GetIpForwardTable2 / the routing socket).

pub mod convert;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(any(windows, target_os = "macos"))]
mod single_table;

use super::JobResult;
use crate::snapshot::RouteData;

pub async fn collect() -> JobResult<RouteData> {
    #[cfg(target_os = "linux")]
    {
        linux::collect().await
    }
    #[cfg(any(windows, target_os = "macos"))]
    {
        single_table::collect().await
    }
    #[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
    {
        Err("reading routes is not supported on this OS".into())
    }
}
