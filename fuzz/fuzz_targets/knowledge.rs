//! `--knowledge FILE`: any text gives a knowledge base or an error, never a panic; a
//! knowledge base that parses has passed validation, so every lookup the analysis makes on it
//! answers (a vendor entry for each vendor, names for each OS).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssetop::knowledge::{Knowledge, Os, SetupId, Vendor};

fuzz_target!(|text: &str| {
    let Ok(knowledge) = Knowledge::from_toml(text, "fuzz") else {
        return;
    };
    for vendor in Vendor::ALL {
        let _ = knowledge.vendor(vendor);
    }
    for os in [Os::Windows, Os::Macos, Os::Linux] {
        let _ = knowledge.processes_for(os).count();
        let _ = knowledge.services_for(os).count();
        let _ = knowledge.service_names(os);
    }
    for setup in [
        SetupId::GlobalProtect,
        SetupId::ZscalerInternet,
        SetupId::ZscalerPrivate,
    ] {
        let _ = knowledge.setup(setup);
    }
});
