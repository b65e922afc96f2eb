//! The knowledge base: what the SSE clients look like from the device, as data.
//!
//! The embedded `default.toml` is parsed at start-up (or a file given with `--knowledge`);
//! unknown keys, unknown sources and malformed addresses are errors with the file and line.

mod health_checks;
mod schema;
mod toml_text;
mod vocabulary;

use std::path::Path;

use ipnet::IpNet;
use regex::Regex;

pub use health_checks::{Answer, HealthCheckRow, HealthCheckSource, HealthCheckTable};
pub use schema::*;
pub use toml_text::{describe_toml_error, glob_regex, line_column};
pub use vocabulary::{Channel, Os, ProcessRole, SetupId, Vendor};

/// The embedded knowledge file, as shipped.
pub const DEFAULT_TOML: &str = include_str!("default.toml");
const SCHEMA: &str = "ssetop.knowledge.v1";

/// An adapter pattern compiled for matching.
#[derive(Debug, Clone)]
pub struct AdapterMatcher {
    pub vendor: Vendor,
    pub os: Vec<Os>,
    pub field: AdapterField,
    pub pattern: String,
    regex: Regex,
}

impl AdapterMatcher {
    pub fn matches(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

/// The knowledge base, checked and ready for the analysis.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub file: KnowledgeFile,
    /// Where it came from: `embedded` or a path.
    pub origin: String,
    /// The file's text when read from a file (`--knowledge`): a recording carries it, so that
    /// a replay elsewhere judges with the same facts.
    pub file_text: Option<String>,
    pub adapters: Vec<AdapterMatcher>,
}

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("cannot read knowledge file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("malformed knowledge file {origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("invalid knowledge file {origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Knowledge {
    /// The embedded knowledge base.
    pub fn embedded() -> Knowledge {
        // The embedded file is checked by a unit test; failing here is a build defect.
        Self::from_toml(DEFAULT_TOML, "embedded").unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn load(path: &Path) -> Result<Knowledge, KnowledgeError> {
        let text = std::fs::read_to_string(path).map_err(|source| KnowledgeError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut knowledge = Self::from_toml(&text, &path.display().to_string())?;
        knowledge.file_text = Some(text);
        Ok(knowledge)
    }

    pub fn from_toml(text: &str, origin: &str) -> Result<Knowledge, KnowledgeError> {
        let file: KnowledgeFile = toml::from_str(text).map_err(|e| KnowledgeError::Parse {
            origin: origin.to_string(),
            message: describe_toml_error(text, &e),
        })?;
        let invalid = |message: String| KnowledgeError::Invalid {
            origin: origin.to_string(),
            message,
        };
        if file.schema != SCHEMA {
            return Err(invalid(format!(
                "schema is {:?}, this ssetop reads {SCHEMA:?}",
                file.schema
            )));
        }
        file.validate_sources().map_err(invalid)?;
        if let Some(tool) = file
            .vendor_tools
            .iter()
            .find(|t| t.paths.is_empty() || t.commands.is_empty() || t.timeout_ms == 0)
        {
            return Err(invalid(format!(
                "a [[vendor_tools]] entry of {} needs paths, commands and a timeout_ms above 0",
                tool.vendor
            )));
        }
        if let Some(entry) = file.services.iter().find(|s| s.names.is_empty()) {
            return Err(invalid(format!(
                "a [[services]] entry of {} ({}) names no service",
                entry.vendor, entry.label
            )));
        }
        for vendor in Vendor::ALL {
            if !file.vendors.iter().any(|v| v.id == vendor) {
                return Err(invalid(format!("no [[vendors]] entry for {vendor}")));
            }
        }
        let adapters = file
            .adapters
            .iter()
            .map(|a| {
                Ok(AdapterMatcher {
                    vendor: a.vendor,
                    os: a.os.clone(),
                    field: a.field,
                    pattern: a.pattern.clone(),
                    regex: glob_regex(&a.pattern)
                        .map_err(|e| invalid(format!("adapter pattern {:?}: {e}", a.pattern)))?,
                })
            })
            .collect::<Result<Vec<_>, KnowledgeError>>()?;
        Ok(Knowledge {
            file,
            origin: origin.to_string(),
            file_text: None,
            adapters,
        })
    }

    pub fn vendor(&self, vendor: Vendor) -> &VendorInfo {
        // Presence of every vendor is checked at load time.
        self.file
            .vendors
            .iter()
            .find(|v| v.id == vendor)
            .unwrap_or_else(|| unreachable!("vendor {vendor} checked at load"))
    }

    pub fn setup(&self, id: SetupId) -> Option<&Setup> {
        self.file.setups.iter().find(|s| s.id == id)
    }

    /// Process entries for one OS.
    pub fn processes_for(&self, os: Os) -> impl Iterator<Item = &ProcessEntry> {
        self.file
            .processes
            .iter()
            .filter(move |p| p.os.contains(&os))
    }

    /// The vendors' status commands for one OS.
    pub fn vendor_tools_for(&self, os: Os) -> impl Iterator<Item = &VendorTool> {
        self.file
            .vendor_tools
            .iter()
            .filter(move |t| t.os.contains(&os))
    }

    /// Service entries for one OS.
    pub fn services_for(&self, os: Os) -> impl Iterator<Item = &ServiceEntry> {
        self.file
            .services
            .iter()
            .filter(move |s| s.os.contains(&os))
    }

    /// Every service name to query on one OS, each once, in knowledge order.
    pub fn service_names(&self, os: Os) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in self.services_for(os).flat_map(|s| &s.names) {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name.clone());
            }
        }
        names
    }

    /// A vendor's macOS component names of one kind, in knowledge order.
    pub fn macos_names(&self, vendor: Vendor, kind: MacosComponentKind) -> Vec<&str> {
        self.file
            .macos_components
            .iter()
            .filter(|c| c.vendor == vendor && c.kind == kind)
            .flat_map(|c| c.names.iter().map(String::as_str))
            .collect()
    }

    /// Replaces the ZPA synthetic ranges (the `--zpa-range` option).
    pub fn set_zpa_ranges(&mut self, ranges: &[IpNet]) {
        let template = self
            .file
            .synthetic_ranges
            .iter()
            .find(|r| r.vendor == Vendor::Zscaler)
            .cloned();
        self.file
            .synthetic_ranges
            .retain(|r| r.vendor != Vendor::Zscaler);
        for cidr in ranges {
            self.file.synthetic_ranges.push(SyntheticRange {
                vendor: Vendor::Zscaler,
                cidr: *cidr,
                channel: Some(Channel::Zpa),
                note: Some("given with --zpa-range".into()),
                while_running: template.as_ref().is_none_or(|t| t.while_running),
                source: template
                    .as_ref()
                    .map_or_else(|| "zscaler-help".into(), |t| t.source.clone()),
                confirmed: true,
            });
        }
    }
}

impl KnowledgeFile {
    fn validate_sources(&self) -> Result<(), String> {
        let mut refs: Vec<(&str, String)> = Vec::new();
        refs.extend(
            self.vendors
                .iter()
                .map(|v| (v.source.as_str(), format!("vendor {}", v.id))),
        );
        refs.extend(
            self.setups
                .iter()
                .map(|s| (s.source.as_str(), format!("setup {}", s.id))),
        );
        refs.push((
            self.gsa.tunnel_port_source.as_str(),
            "gsa.tunnel_port".into(),
        ));
        refs.extend(
            self.gsa
                .service_ranges
                .iter()
                .map(|r| (r.source.as_str(), format!("gsa range {}", r.cidr))),
        );
        refs.extend(
            self.gsa
                .edge_names
                .iter()
                .map(|n| (n.source.as_str(), format!("edge name {}", n.name))),
        );
        refs.extend(
            self.gsa
                .bypass_domains
                .iter()
                .map(|d| (d.source.as_str(), format!("bypass domain {}", d.pattern))),
        );
        refs.push((self.connectivity.source.as_str(), "connectivity".into()));
        refs.extend(self.gsa.client_versions.iter().map(|v| {
            (
                v.source.as_str(),
                format!("gsa client version {}", v.version),
            )
        }));
        refs.extend(
            self.synthetic_ranges
                .iter()
                .map(|r| (r.source.as_str(), format!("synthetic range {}", r.cidr))),
        );
        refs.push((
            self.zscaler.local_proxy_source.as_str(),
            "zscaler.local_proxy_port".into(),
        ));
        refs.extend(
            self.processes
                .iter()
                .map(|p| (p.source.as_str(), format!("processes {:?}", p.names))),
        );
        refs.extend(
            self.services
                .iter()
                .map(|e| (e.source.as_str(), format!("services {:?}", e.names))),
        );
        refs.extend(
            self.adapters
                .iter()
                .map(|a| (a.source.as_str(), format!("adapter {}", a.pattern))),
        );
        refs.push((self.m365.source.as_str(), "m365".into()));
        refs.extend(
            self.gsa
                .profile_bypasses
                .iter()
                .map(|b| (b.source.as_str(), format!("gsa profile bypass {}", b.fqdn))),
        );
        refs.extend(self.flow_tests.iter().map(|t| {
            (
                t.source.as_str(),
                format!("flow test {} {:?}", t.setup, t.destinations),
            )
        }));
        refs.extend(self.inspection_roots.iter().map(|r| {
            (
                r.source.as_str(),
                format!("inspection root {}", r.issuer_contains),
            )
        }));
        refs.extend(self.vendor_tools.iter().map(|t| {
            (
                t.source.as_str(),
                format!("vendor tool {} {:?}", t.vendor, t.paths),
            )
        }));
        refs.extend(
            self.macos_components
                .iter()
                .map(|c| (c.source.as_str(), format!("macos component {:?}", c.names))),
        );
        refs.extend(
            self.m365
                .service_areas
                .iter()
                .map(|a| (a.source.as_str(), format!("m365 service area {}", a.id))),
        );
        for (source, what) in refs {
            if !self.sources.contains_key(source) {
                return Err(format!(
                    "{what} names source {source:?}, which is not in [sources]"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_knowledge_parses_and_names_all_eight_gsa_ranges() {
        let k = Knowledge::embedded();
        let ranges: Vec<String> = k
            .file
            .gsa
            .service_ranges
            .iter()
            .map(|r| r.cidr.to_string())
            .collect();
        assert_eq!(
            ranges,
            [
                "150.171.19.0/24",
                "150.171.20.0/24",
                "13.107.232.0/24",
                "13.107.233.0/24",
                "150.171.15.0/24",
                "150.171.18.0/24",
                "151.206.0.0/16",
                "6.6.0.0/16"
            ]
        );
        assert_eq!(k.file.zscaler.local_proxy_port, 9000);
        assert_eq!(k.file.setups.len(), 3);
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let text =
            DEFAULT_TOML.replacen("tunnel_port = 443", "tunnel_port = 443\ntunnel_prot = 1", 1);
        let err = Knowledge::from_toml(&text, "kb.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("kb.toml"), "{err}");
        assert!(err.contains("tunnel_prot"), "{err}");
        let line = text
            .lines()
            .position(|l| l.starts_with("tunnel_prot"))
            .unwrap()
            + 1;
        assert!(err.contains(&format!("line {line}")), "{err}");
    }

    #[test]
    fn malformed_cidr_is_an_error() {
        let text = DEFAULT_TOML.replacen("150.171.19.0/24", "150.171.19.0/33", 1);
        let err = Knowledge::from_toml(&text, "kb.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line "), "{err}");
    }

    #[test]
    fn unknown_source_reference_is_an_error() {
        let text = DEFAULT_TOML.replacen("source = \"paloalto-docs\"", "source = \"nowhere\"", 1);
        let err = Knowledge::from_toml(&text, "kb.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"nowhere\""), "{err}");
    }

    #[test]
    fn flow_tests_are_exactly_the_guides_rows_per_setup() {
        let k = Knowledge::embedded();
        let rows = |setup: SetupId| -> Vec<(String, Vendor)> {
            let mut rows: Vec<(String, Vendor)> = k
                .file
                .flow_tests
                .iter()
                .filter(|t| t.setup == setup)
                .flat_map(|t| t.destinations.iter().map(|d| (d.clone(), t.carrier)))
                .collect();
            rows.sort();
            rows
        };
        let outlook_and_sharepoint = [
            "outlook.com",
            "outlook.office.com",
            "outlook.office365.com",
            "{tenant}.sharepoint.com",
        ];
        let expect = |gsa: &[&str], other: &[(&str, Vendor)]| {
            let mut rows: Vec<(String, Vendor)> = gsa
                .iter()
                .chain(outlook_and_sharepoint.iter())
                .map(|d| (d.to_string(), Vendor::Gsa))
                .chain(other.iter().map(|(d, v)| (d.to_string(), *v)))
                .collect();
            rows.sort();
            rows
        };
        assert_eq!(
            rows(SetupId::ZscalerPrivate),
            expect(
                &["bing.com", "salesforce.com", "instagram.com"],
                &[("{private-app}", Vendor::Zscaler)]
            )
        );
        assert_eq!(
            rows(SetupId::ZscalerInternet),
            expect(
                &[],
                &[
                    ("bing.com", Vendor::Zscaler),
                    ("salesforce.com", Vendor::Zscaler),
                    ("instagram.com", Vendor::Zscaler)
                ]
            )
        );
        assert_eq!(
            rows(SetupId::GlobalProtect),
            expect(
                &[],
                &[
                    ("salesforce.com", Vendor::GlobalProtect),
                    ("instagram.com", Vendor::GlobalProtect),
                    ("{private-app}", Vendor::GlobalProtect)
                ]
            )
        );
        assert!(k.file.flow_tests.iter().all(|t| t.port == 443));
    }

    #[test]
    fn gsa_profile_bypasses_name_each_other_clients_brokers() {
        let k = Knowledge::embedded();
        let bypasses: Vec<(&str, Vendor)> = k
            .file
            .gsa
            .profile_bypasses
            .iter()
            .map(|b| (b.fqdn.as_str(), b.vendor))
            .collect();
        assert_eq!(
            bypasses,
            [
                ("*.prod.zpath.net", Vendor::Zscaler),
                ("*.gpcloudservice.com", Vendor::GlobalProtect)
            ]
        );
    }

    #[test]
    fn every_single_value_entry_says_whether_it_is_confirmed() {
        let k = Knowledge::embedded();
        // The vendors' documents: TCP 443 to the edge, the local proxy on 9000 and the Optimize list are
        // documented (only UDP for GSA's tunnel comes from field reports, so it is unconfirmed).
        assert!(k.file.gsa.tunnel_port_confirmed);
        assert!(k.file.zscaler.local_proxy_confirmed);
        assert!(k.file.m365.confirmed);
    }

    #[test]
    fn a_missing_confirmed_flag_is_an_error_naming_the_key_and_table() {
        for (key, after, table) in [
            ("tunnel_port_confirmed", "tunnel_port_source", "[gsa]"),
            ("local_proxy_confirmed", "local_proxy_source", "[zscaler]"),
            ("confirmed", "list_version", "[m365]"),
        ] {
            // Drop the key's line where it follows `after`, the table's first key or two.
            let at = DEFAULT_TOML.find(&format!("\n{after} = ")).unwrap();
            let removed = format!("\n{key} = true");
            let line = DEFAULT_TOML[at..].find(&format!("{removed}\n")).unwrap() + at;
            let text = format!(
                "{}{}",
                &DEFAULT_TOML[..line],
                &DEFAULT_TOML[line + removed.len()..]
            );
            assert!(text.len() < DEFAULT_TOML.len(), "{key} removed");
            let err = Knowledge::from_toml(&text, "kb.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains("kb.toml"), "{err}");
            assert!(err.contains(&format!("missing field `{key}`")), "{err}");
            let table_line = text.lines().position(|l| l == table).unwrap() + 1;
            assert!(err.contains(&format!("line {table_line}")), "{err}");
        }
    }

    #[test]
    fn adapter_globs_match_case_insensitively_and_whole() {
        let k = Knowledge::embedded();
        let pangp = k
            .adapters
            .iter()
            .find(|a| a.pattern.starts_with("PANGP"))
            .unwrap();
        assert!(pangp.matches("PANGP Virtual Ethernet Adapter Secure"));
        assert!(pangp.matches("pangp virtual ethernet adapter #2"));
        assert!(!pangp.matches("Intel PANGP Virtual Ethernet Adapter"));
        let gpd = k.adapters.iter().find(|a| a.pattern == "gpd*").unwrap();
        assert!(gpd.matches("gpd0"));
        assert!(!gpd.matches("eth0"));
    }

    #[test]
    fn zpa_range_override_replaces_the_default() {
        let mut k = Knowledge::embedded();
        k.set_zpa_ranges(&["100.83.0.0/16".parse().unwrap()]);
        let zpa: Vec<String> = k
            .file
            .synthetic_ranges
            .iter()
            .filter(|r| r.vendor == Vendor::Zscaler)
            .map(|r| r.cidr.to_string())
            .collect();
        assert_eq!(zpa, ["100.83.0.0/16"]);
    }

    #[test]
    fn service_names_for_windows_cover_gsa_old_and_new_names_and_the_driver_once_each() {
        let k = Knowledge::embedded();
        let names = k.service_names(Os::Windows);
        for expected in [
            "GlobalSecureAccessTunnelingService",
            "GlobalSecureAccessEngineService",
            "GlobalSecureAccessManagementService",
            "GlobalSecureAccessPolicyRetrieverService",
            "GlobalSecureAccessForwardingProfileService",
            "GlobalSecureAccessDriver",
            "PanGPS",
            "ZSAService",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(k.service_names(Os::Linux).is_empty());
        let driver = k
            .services_for(Os::Windows)
            .find(|s| s.names.iter().any(|n| n == "GlobalSecureAccessDriver"))
            .unwrap();
        assert_eq!((driver.kind, driver.required), (ServiceKind::Driver, true));
    }

    #[test]
    fn knowledge_without_services_still_loads_and_a_nameless_service_is_an_error() {
        let start = DEFAULT_TOML.find("[[services]]").unwrap();
        let end = DEFAULT_TOML[start..].find("# ----").unwrap() + start;
        let without = format!("{}{}", &DEFAULT_TOML[..start], &DEFAULT_TOML[end..]);
        let k = Knowledge::from_toml(&without, "old.toml").unwrap();
        assert!(k.file.services.is_empty());
        let nameless = DEFAULT_TOML.replacen(
            "names = [\"PanGPS\"]\nkind = \"service\"",
            "names = []\nkind = \"service\"",
            1,
        );
        assert_ne!(nameless, DEFAULT_TOML);
        let err = Knowledge::from_toml(&nameless, "kb.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("names no service"), "{err}");
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
    }
}
