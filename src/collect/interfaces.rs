//! Network interfaces: names, Windows friendly names and descriptions, kind, state, addresses.
//! netdev is built without its `gateway` feature, which would re-dump the whole routing table
//! on every call.

use ipnet::IpNet;

use super::JobResult;
use crate::snapshot::Interface;

pub fn collect() -> JobResult<Vec<Interface>> {
    let interfaces: Vec<Interface> = netdev::get_interfaces()
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
    Ok((interfaces, None))
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
    use super::*;

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
