//! Network interfaces: names, Windows friendly names and descriptions, kind, state, addresses.
//! netdev is built without its `gateway` feature, which would re-dump the whole routing table
//! on every call.

use ipnet::IpNet;

use super::JobResult;
use crate::snapshot::Interface;

pub fn collect() -> JobResult<Vec<Interface>> {
    let interfaces: Vec<Interface> = netdev::get_interfaces()
        .into_iter()
        .map(|i| Interface {
            index: i.index,
            up: i.is_up(),
            kind: i.if_type.name().to_lowercase(),
            oper_state: i.oper_state.as_str().to_string(),
            addresses: i
                .ipv4
                .iter()
                .map(|a| IpNet::V4(*a))
                .chain(i.ipv6.iter().map(|a| IpNet::V6(*a)))
                .collect(),
            friendly_name: i.friendly_name.filter(|f| !f.is_empty() && *f != i.name),
            description: i.description.filter(|d| !d.is_empty()),
            name: i.name,
        })
        .collect();
    if interfaces.is_empty() {
        return Err("the OS listed no network interfaces".into());
    }
    Ok((interfaces, None))
}
