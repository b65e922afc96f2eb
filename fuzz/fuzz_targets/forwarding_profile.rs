//! `--forwarding-profile FILE` (and GSA's registry value): any text gives a profile or an
//! error, never a panic; a profile that parses answers lookups.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssetop::analysis::profile::ForwardingProfile;

fuzz_target!(|text: &str| {
    // The one call to rename when the profile module moves.
    let parsed = ForwardingProfile::parse(text);
    if let Ok(profile) = parsed {
        let _ = profile.enabled_channels();
    }
});
