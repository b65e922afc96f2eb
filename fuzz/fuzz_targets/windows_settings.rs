//! The registry decoders (plain Rust on every OS): a WinHTTP/WinINet connection-settings blob,
//! REG_SZ data and the proxy values built from them. Any bytes decode or give an error, never
//! a panic; a blob that decodes encodes back to bytes that decode to the same blob, and text
//! decoded from REG_SZ bytes encodes back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssetop::collect::settings::parse::{
    ConnectionBlob, ProxyValues, parse_connection_blob, proxy_settings, reg_sz_text,
    utf16_until_nul, wide_nul,
};

fn encode(blob: &ConnectionBlob) -> Vec<u8> {
    let mut bytes = Vec::new();
    for number in [blob.version, blob.counter, blob.flags] {
        bytes.extend_from_slice(&number.to_le_bytes());
    }
    let texts = [
        Some(&blob.proxy),
        Some(&blob.bypass),
        blob.auto_config_url.as_ref(),
    ];
    for text in texts.into_iter().flatten() {
        bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
    }
    bytes
}

fn reg_sz_bytes(text: &str) -> Vec<u8> {
    wide_nul(text)
        .iter()
        .flat_map(|unit| unit.to_le_bytes())
        .collect()
}

fuzz_target!(|bytes: &[u8]| {
    if let Ok(blob) = parse_connection_blob("WinHttpSettings", bytes) {
        let again = parse_connection_blob("re-encoded", &encode(&blob)).expect("re-encoded blob");
        assert_eq!(again, blob);
    }

    let text = reg_sz_text(bytes);
    assert!(!text.contains('\0'));
    assert_eq!(reg_sz_text(&reg_sz_bytes(&text)), text);
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    assert_eq!(utf16_until_nul(&units), text);

    // The same bytes as the values the proxy collector reads: the blob, ProxyEnable's DWORD,
    // and three REG_SZ strings split from the rest.
    let enable = bytes
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut strings = bytes
        .get(4..)
        .unwrap_or_default()
        .split(|b| *b == 0xff)
        .map(reg_sz_text);
    let values = ProxyValues {
        winhttp_settings: Some(bytes.to_vec()),
        proxy_enable: enable,
        proxy_server: strings.next(),
        proxy_override: strings.next(),
        auto_config_url: strings.next(),
    };
    let settings = proxy_settings(&values);
    assert_eq!(
        settings.is_ok(),
        parse_connection_blob("WinHttpSettings", bytes).is_ok()
    );
    let without_blob = ProxyValues {
        winhttp_settings: None,
        ..values
    };
    let settings = proxy_settings(&without_blob).expect("without a blob there is nothing to fail");
    for text in [
        &settings.wininet,
        &settings.bypass,
        &settings.auto_config_url,
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(text.trim(), text, "values are trimmed");
        assert!(!text.is_empty());
    }
});
