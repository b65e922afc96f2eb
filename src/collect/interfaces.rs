//! Network interfaces: names, Windows friendly names and descriptions, kind, state, addresses.
//! netdev is built without its `gateway` feature, which would re-dump the whole routing table
//! on every call. netdev lists interfaces in hash-map order (on Linux a different order on
//! every read), so the list is put in order here: an idle device reads the same every time.

use ipnet::IpNet;

use super::JobResult;
use crate::snapshot::Interface;

pub(crate) fn collect() -> JobResult<Vec<Interface>> {
    let mut interfaces: Vec<Interface> = netdev::get_interfaces()
        .into_iter()
        .map(|i| {
            let up = i.is_up();
            let friendly_name = i.friendly_name.filter(|f| !f.is_empty() && *f != i.name);
            let (name, id, friendly_name) = display_name(i.name, friendly_name, cfg!(windows));
            Interface {
                index: i.index,
                up,
                kind: i.if_type.name().to_lowercase(),
                oper_state: i.oper_state.as_str().to_string(),
                addresses: i
                    .ipv4
                    .iter()
                    .map(|a| IpNet::V4(*a))
                    .chain(i.ipv6.iter().map(|a| IpNet::V6(*a)))
                    .collect(),
                friendly_name,
                description: i.description.filter(|d| !d.is_empty()),
                name,
                id,
            }
        })
        .collect();
    if interfaces.is_empty() {
        return Err("the OS listed no network interfaces".into());
    }
    put_in_order(&mut interfaces);
    Ok((interfaces, None))
}

/// By interface index, then name (an index is unique on every OS; the name settles it anyway),
/// and each interface's addresses sorted (IPv4 before IPv6).
pub(crate) fn put_in_order(interfaces: &mut [Interface]) {
    for interface in interfaces.iter_mut() {
        interface.addresses.sort_unstable();
    }
    interfaces.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.name.cmp(&b.name)));
}

/// Windows names an adapter by a GUID (`{4D36E972-…}`) that nobody recognises; its friendly
/// name ("Ethernet 2", "Wi-Fi") is unique too and is what routes, checks and screens show. The
/// GUID is kept as `id`. Elsewhere the OS name is the name.
fn display_name(
    os_name: String,
    friendly_name: Option<String>,
    windows: bool,
) -> (String, Option<String>, Option<String>) {
    match friendly_name {
        Some(friendly) if windows => (friendly.clone(), Some(os_name), Some(friendly)),
        other => (os_name, None, other),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::fixture::Device;
    use crate::analysis::{AnalysisOptions, Analyzer};
    use crate::knowledge::Knowledge;
    use crate::snapshot::Snapshot;

    fn names(interfaces: &[Interface]) -> Vec<(u32, &str)> {
        interfaces
            .iter()
            .map(|i| (i.index, i.name.as_str()))
            .collect()
    }

    /// The same device read twice: the OS listed its interfaces, and their addresses, in
    /// another order the second time.
    fn two_reads() -> (Snapshot, Snapshot) {
        let first = Device::new("linux")
            .interface(1, "lo", None, &["127.0.0.1/8", "::1/128"])
            .interface(2, "eth0", None, &["192.168.50.10/24", "fe80::1/64"])
            .interface(7, "gpd0", None, &["10.200.0.7/32"])
            .route("0.0.0.0/0", "gpd0", Some("10.200.0.1"), 0)
            .route("192.168.50.0/24", "eth0", None, 100)
            .process(4200, "PanGPS")
            .build();
        let mut second = first.clone();
        second.taken_at = crate::analysis::fixture::at(1);
        if let Some(list) = second.interfaces.data.as_mut() {
            list.reverse();
            list.iter_mut().for_each(|i| i.addresses.reverse());
        }
        (first, second)
    }

    #[test]
    fn interfaces_are_put_in_index_then_name_order_with_sorted_addresses() {
        let (_, mut read) = two_reads();
        let list = read.interfaces.data.as_mut().unwrap();
        list.push(Interface {
            name: "dup".into(),
            ..list[0].clone()
        });
        put_in_order(list);
        assert_eq!(
            names(list),
            [(1, "lo"), (2, "eth0"), (7, "dup"), (7, "gpd0")]
        );
        let eth0: Vec<String> = list[1].addresses.iter().map(ToString::to_string).collect();
        assert_eq!(eth0, ["192.168.50.10/24", "fe80::1/64"], "IPv4 first");
        let lo: Vec<String> = list[0].addresses.iter().map(ToString::to_string).collect();
        assert_eq!(lo, ["127.0.0.1/8", "::1/128"]);
    }

    #[test]
    fn two_reads_listing_the_same_interfaces_in_another_order_are_not_a_change() {
        let (mut first, mut second) = two_reads();
        assert_ne!(
            first.interfaces, second.interfaces,
            "the OS's two lists differ in order"
        );
        // What the collector hands on.
        put_in_order(first.interfaces.data.as_mut().unwrap());
        put_in_order(second.interfaces.data.as_mut().unwrap());
        let mut analyzer =
            Analyzer::new(Arc::new(Knowledge::embedded()), AnalysisOptions::default());
        let before = analyzer.assess(&first);
        let after = analyzer.assess(&second);
        assert!(
            !after.differs_from(&before),
            "the dashboard would redraw an idle device: {:?} vs {:?}",
            names_of(&before),
            names_of(&after)
        );
        assert!(after.events.is_empty(), "{:?}", after.events);
    }

    fn names_of(a: &crate::analysis::Assessment) -> Vec<(u32, String)> {
        a.interfaces
            .iter()
            .map(|r| (r.interface.index, r.interface.name.clone()))
            .collect()
    }

    #[test]
    fn windows_adapters_are_named_by_their_friendly_name_and_keep_the_guid() {
        let guid = "{00000003-0000-0000-0000-4E6574446576}".to_string();
        let (name, id, friendly) = display_name(guid.clone(), Some("Ethernet 2".into()), true);
        assert_eq!(
            (name.as_str(), id.as_deref(), friendly.as_deref()),
            ("Ethernet 2", Some(guid.as_str()), Some("Ethernet 2"))
        );
        // A Windows adapter without a friendly name keeps its GUID as its name.
        let (name, id, _) = display_name(guid.clone(), None, true);
        assert_eq!((name.as_str(), id), (guid.as_str(), None));
        // Elsewhere the OS name stays the name.
        let (name, id, friendly) = display_name("eth0".into(), Some("uplink".into()), false);
        assert_eq!(
            (name.as_str(), id, friendly.as_deref()),
            ("eth0", None, Some("uplink"))
        );
    }
}
