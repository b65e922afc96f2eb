//! Command-line options.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};
use ipnet::IpNet;

use crate::knowledge::SetupId;
use crate::util::parse_duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// ssetop: which tunnel carries each connection on a device running Microsoft Global Secure
/// Access beside Zscaler or GlobalProtect, live.
///
/// Without options, opens the dashboard. `--once` prints one health report and exits with
/// 0 (all pass), 1 (a warning), 2 (a failure) or 3 (the probe could not run).
#[derive(Debug, Clone, Parser)]
#[command(name = "ssetop", version, about, long_about, max_term_width = 100)]
pub(crate) struct Options {
    /// Print one report and exit (for scripts and fleet tools).
    #[arg(long, help_heading = "Modes")]
    pub once: bool,

    /// Report format with --once.
    #[arg(long, value_enum, default_value = "text", help_heading = "Modes")]
    pub format: Format,

    /// Record snapshots to FILE (newline-delimited JSON): with the dashboard, headless with
    /// --duration, or the one snapshot behind a --once report.
    #[arg(long, value_name = "FILE", help_heading = "Modes")]
    pub record: Option<PathBuf>,

    /// Record headless for this long (with --record), e.g. 10m; more than zero.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "record", help_heading = "Modes")]
    pub duration: Option<Duration>,

    /// Replace host name, user names and tenant id with placeholders in the recording.
    #[arg(long, requires = "record", help_heading = "Modes")]
    pub redact: bool,

    /// Replay a capture instead of reading this device (dashboard, or --once).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "record",
        help_heading = "Modes"
    )]
    pub replay: Option<PathBuf>,

    /// With --replay: report the state at this time (RFC 3339, or +OFFSET from the capture's
    /// start such as +2m40s) instead of the end; a time outside the capture is an error.
    #[arg(long, value_name = "TIME", requires = "replay", help_heading = "Modes")]
    pub at: Option<String>,

    /// Refresh interval of routes, interfaces, sockets and processes (at least 100ms).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, help_heading = "Collection")]
    pub interval: Duration,

    /// With --once: report whatever has arrived by then; unfinished sources are timed out.
    /// Reading the input files (knowledge, theme, capture) counts against it in every mode.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration, help_heading = "Collection")]
    pub deadline: Duration,

    /// Timeout of one DNS query.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration, help_heading = "Collection")]
    pub dns_timeout: Duration,

    /// Send no DNS queries (the edge-name checks are skipped).
    #[arg(long, help_heading = "Collection")]
    pub no_dns: bool,

    /// Microsoft Entra tenant id (a GUID), to resolve the tenant's edge names. Read from the
    /// device on Windows.
    #[arg(long, value_name = "GUID", value_parser = parse_tenant, help_heading = "Collection")]
    pub tenant_id: Option<String>,

    /// Use this GSA forwarding profile (JSON) instead of the one in the Windows registry.
    #[arg(long, value_name = "FILE", help_heading = "Collection")]
    pub forwarding_profile: Option<PathBuf>,

    /// The coexistence setup, instead of detecting it.
    #[arg(long, value_enum, help_heading = "Analysis")]
    pub setup: Option<SetupId>,

    /// Use this knowledge file instead of the embedded one (see --dump-knowledge).
    #[arg(long, value_name = "FILE", help_heading = "Analysis")]
    pub knowledge: Option<PathBuf>,

    /// Zscaler's ZPA synthetic range, if moved from 100.64.0.0/16 (repeatable).
    #[arg(long, value_name = "CIDR", help_heading = "Analysis")]
    pub zpa_range: Vec<IpNet>,

    /// How long GSA may stay disconnected after GlobalProtect comes up before the alert
    /// escalates to a failure.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, help_heading = "Analysis")]
    pub outage_threshold: Duration,

    /// A GSA drop this soon after GlobalProtect comes up counts as the reconnect outage.
    #[arg(long, value_name = "DURATION", default_value = "3m", value_parser = parse_duration, help_heading = "Analysis")]
    pub outage_window: Duration,

    /// Colour theme: default, light, high-contrast, mono, or a theme file. Without it,
    /// NO_COLOR, TERM=dumb and TERM=vt* select mono (TERM also ASCII); given, it wins.
    #[arg(
        long,
        value_name = "NAME|FILE",
        env = "SSETOP_THEME",
        help_heading = "Display"
    )]
    pub theme: Option<String>,

    /// Draw with ASCII only (consoles without box-drawing glyphs).
    #[arg(long, help_heading = "Display")]
    pub ascii: bool,

    /// Print the embedded knowledge base (TOML) and exit.
    #[arg(long, help_heading = "Other")]
    pub dump_knowledge: bool,

    /// Print the man page (roff) and exit.
    #[arg(long, help_heading = "Other")]
    pub generate_man: bool,

    /// Print shell completions and exit.
    #[arg(long, value_name = "SHELL", value_enum, help_heading = "Other")]
    pub generate_completions: Option<clap_complete::Shell>,

    /// The ids (field names) of the options the command line gave, defaults left out: a
    /// replay applies a recorded option unless the command line gave it.
    #[arg(skip)]
    pub given: Vec<String>,
}

impl Options {
    /// Parses like `Options::try_parse_from`, and remembers which options were given.
    pub(crate) fn parse_args<I, T>(args: I) -> Result<Options, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut matches = Options::command().try_get_matches_from(args)?;
        let given = matches
            .ids()
            .filter(|id| matches.value_source(id.as_str()) == Some(ValueSource::CommandLine))
            .map(|id| id.to_string())
            .collect();
        let mut options = Options::from_arg_matches_mut(&mut matches)
            .map_err(|e| e.format(&mut Options::command()))?;
        options.given = given;
        Ok(options)
    }

    /// Whether the command line gave this option (by field name), rather than its default.
    pub(crate) fn given(&self, id: &str) -> bool {
        self.given.iter().any(|g| g == id)
    }
}

fn parse_tenant(text: &str) -> Result<String, String> {
    if crate::snapshot::TenantId::is_valid(text) {
        Ok(text.to_lowercase())
    } else {
        Err(format!(
            "{text:?} is not a tenant id (a GUID such as 6b1e4f0a-1111-2222-3333-444455556666)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_tells_an_option_on_the_command_line_from_its_default() {
        let defaulted = Options::parse_args(["ssetop", "--once"]).unwrap();
        assert_eq!(defaulted.outage_threshold, Duration::from_secs(300));
        assert!(!defaulted.given("outage_threshold"));
        assert!(defaulted.given("once"));
        let given =
            Options::parse_args(["ssetop", "--outage-threshold", "5m", "--outage-window=1m"])
                .unwrap();
        // The default's own value, written out, still counts as given.
        assert!(given.given("outage_threshold"));
        assert!(given.given("outage_window"));
        assert!(!given.given("setup"));
    }
}
