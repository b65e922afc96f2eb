//! Command-line options.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
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
/// 0 (all pass), 1 (a warning), 2 (a failure) or 3 (the probe could not run). `explain DEST`
/// says where a new connection to DEST would go and why; `flow-test` checks the setup's
/// destinations against the coexistence guide.
#[derive(Debug, Clone, Parser)]
#[command(name = "ssetop", version, about, long_about, max_term_width = 100)]
pub(crate) struct Options {
    /// A one-shot question instead of the dashboard or `--once`.
    #[command(subcommand)]
    pub command: Option<SubCommand>,

    /// Print one report and exit (for scripts and fleet tools).
    #[arg(long, help_heading = "Modes")]
    pub once: bool,

    /// Report format with --once, explain and flow-test.
    #[arg(
        long,
        value_enum,
        default_value = "text",
        global = true,
        help_heading = "Modes"
    )]
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
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration, global = true, help_heading = "Collection")]
    pub deadline: Duration,

    /// Timeout of one DNS query.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration, global = true, help_heading = "Collection")]
    pub dns_timeout: Duration,

    /// Send no DNS queries (the edge-name checks are skipped).
    #[arg(long, global = true, help_heading = "Collection")]
    pub no_dns: bool,

    /// Microsoft Entra tenant id (a GUID), to resolve the tenant's edge names. Read from the
    /// device on Windows.
    #[arg(long, value_name = "GUID", value_parser = parse_tenant, global = true, help_heading = "Collection")]
    pub tenant_id: Option<String>,

    // --probe (issue 13)
    /// Probe GSA's edges (TCP), each channel's diagnosticUri (HTTPS GET, expects pong) and
    /// internet connectivity: the Health check rows that need traffic. Off by default: without
    /// it ssetop sends nothing but DNS. With --once; in the dashboard, once at the start (P
    /// probes again).
    #[arg(long, help_heading = "Collection")]
    pub probe: bool,

    /// The URL the internet probe fetches instead of reading the OS's connectivity verdict
    /// (without it, the OS's verdict where readable, else this default).
    #[arg(
        long,
        value_name = "URL",
        requires = "probe",
        help_heading = "Collection"
    )]
    pub probe_url: Option<String>,

    /// Use this GSA forwarding profile (JSON) instead of the one in the Windows registry.
    #[arg(long, value_name = "FILE", global = true, help_heading = "Collection")]
    pub forwarding_profile: Option<PathBuf>,

    /// The coexistence setup, instead of detecting it.
    #[arg(long, value_enum, global = true, help_heading = "Analysis")]
    pub setup: Option<SetupId>,

    /// Use this knowledge file instead of the embedded one (see --dump-knowledge).
    #[arg(long, value_name = "FILE", global = true, help_heading = "Analysis")]
    pub knowledge: Option<PathBuf>,

    /// Zscaler's ZPA synthetic range, if moved from 100.64.0.0/16 (repeatable).
    #[arg(long, value_name = "CIDR", global = true, help_heading = "Analysis")]
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

/// The subcommands: one-shot questions answered from one snapshot of this device, with the
/// same collection and analysis options as `--once` (given before or after the name).
#[derive(Debug, Clone, Subcommand)]
pub(crate) enum SubCommand {
    /// Where a new connection to DEST would go now, and why.
    ///
    /// For each address DEST resolves
    /// to, the attribution's steps (address class, forwarding-profile rule, route, proxy) and
    /// the verdict. Sends only the DNS queries for DEST; opens no connection. Exit 0 answered
    /// (an unresolvable DEST included), 3 bad arguments or input.
    Explain(ExplainArgs),
    /// Does each destination of the setup go where the coexistence guide says?
    ///
    /// The guide's "Test traffic flow", automated: each destination of the setup,
    /// where it must go (expected), where `explain` says it goes (predicted) and, with
    /// --connect, where a real connection went (observed). Exit codes as --once.
    FlowTest(FlowTestArgs),
}

/// `ssetop explain DEST [--port N] [--protocol tcp|udp]`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ExplainArgs {
    /// A host name or an address, optionally with a port: outlook.office.com, 10.1.2.3,
    /// app.contoso.local:22, [2001:db8::1]:443.
    #[arg(value_name = "DEST")]
    pub destination: String,

    /// Destination port (default 443, or the port given in DEST).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,

    /// Transport protocol of the connection.
    #[arg(long, value_enum, default_value = "tcp")]
    pub protocol: Protocol,
}

/// The transport of a hypothetical connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Protocol {
    Tcp,
    Udp,
}

/// `ssetop flow-test [--connect] [--tenant-domain D] [--private-app HOST[:PORT]]
/// [--destination HOST[:PORT]=CARRIER]...`.
#[derive(Debug, Clone, Args)]
pub(crate) struct FlowTestArgs {
    /// Also open one TCP connection to each destination (TLS handshake only on port 443,
    /// nothing sent after it) and attribute the real socket. Without it (and without
    /// `--probe`) ssetop opens no connection and sends only DNS queries.
    #[arg(long)]
    pub connect: bool,

    /// The tenant's domain prefix, to fill <tenant>.sharepoint.com (e.g. contoso).
    #[arg(long, value_name = "D")]
    pub tenant_domain: Option<String>,

    /// The private application's row: a host with an optional port (default 443).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub private_app: Option<String>,

    /// Add or override a row: where HOST must go (gsa, zscaler, globalprotect, direct)
    /// (repeatable).
    #[arg(long, value_name = "HOST[:PORT]=CARRIER")]
    pub destination: Vec<String>,
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

    #[test]
    fn analysis_options_are_accepted_before_or_after_the_subcommand() {
        for args in [
            vec![
                "ssetop",
                "--deadline",
                "3s",
                "--format",
                "json",
                "explain",
                "10.1.2.3",
            ],
            vec![
                "ssetop",
                "explain",
                "10.1.2.3",
                "--deadline",
                "3s",
                "--format",
                "json",
            ],
        ] {
            let options = Options::parse_args(args.clone()).unwrap();
            assert_eq!(options.deadline, Duration::from_secs(3), "{args:?}");
            assert_eq!(options.format, Format::Json, "{args:?}");
            assert!(options.given("deadline"), "{args:?}");
            let Some(SubCommand::Explain(explain)) = options.command else {
                panic!("no explain in {args:?}");
            };
            assert_eq!(explain.destination, "10.1.2.3");
            assert_eq!(explain.port, None);
            assert_eq!(explain.protocol, Protocol::Tcp);
        }
        let options = Options::parse_args([
            "ssetop",
            "flow-test",
            "--setup",
            "globalprotect",
            "--connect",
            "--destination",
            "a.example:8443=gsa",
            "--destination",
            "b.example=direct",
            "--zpa-range",
            "100.65.0.0/16",
        ])
        .unwrap();
        assert_eq!(options.setup, Some(SetupId::GlobalProtect));
        assert_eq!(options.zpa_range.len(), 1);
        let Some(SubCommand::FlowTest(flow)) = options.command else {
            panic!("no flow-test");
        };
        assert!(flow.connect);
        assert_eq!(flow.destination, ["a.example:8443=gsa", "b.example=direct"]);
    }

    #[test]
    fn no_subcommand_keeps_the_dashboard_and_once_invocations() {
        assert!(Options::parse_args(["ssetop"]).unwrap().command.is_none());
        let once = Options::parse_args(["ssetop", "--once", "--format", "json"]).unwrap();
        assert!(once.command.is_none() && once.once && once.format == Format::Json);
    }
}
