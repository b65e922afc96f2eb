//! Routes of every table, and the policy rules on Linux.
//!
//! Linux reads the kernel over rtnetlink: net-route folds tables above 255 into 252 and drops
//! the route type, both of which the bypass checks need. Windows and macOS have one table,
//! read through net-route (GetIpForwardTable2 / the routing socket).
//!
//! On Linux the dashboard reads the tables again only after the kernel announced a change
//! (`watch.rs`); Windows and macOS read them every interval.

// Windows and macOS use it; Linux builds it only so that its unit tests run here.
#[cfg_attr(target_os = "linux", allow(dead_code))]
pub(crate) mod convert;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(any(windows, target_os = "macos"))]
mod single_table;
#[cfg(target_os = "linux")]
mod watch;

#[cfg(target_os = "linux")]
pub(crate) use watch::RouteWatch;

use super::JobResult;
use crate::snapshot::RouteData;

pub(crate) async fn collect() -> JobResult<RouteData> {
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
