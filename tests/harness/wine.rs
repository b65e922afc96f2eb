//! The Wine runner: the same scenario files played by the Windows build. The network is the
//! Linux runner's (namespaces, links, DNS server, servers); inside the device's holder a fresh
//! Wine prefix boots (Wine's network driver then reports that namespace's routes, interfaces and
//! sockets, and the PID namespace ends every Wine process with the holder), the MSI is installed
//! with `msiexec`, and the installed `C:\Program Files\ssetop\ssetop.exe` runs. Stand-ins are
//! `tests/windows/standin.c` built with mingw, copied under the vendors' names: the knowledge
//! base's Windows services are created and started with `sc`, the rest run as programs. The
//! scenario's `[wine]` table adds what a Windows device has besides: registry values (the
//! forwarding profile, the join, policies), services and drivers that are no stand-in.
//!
//! Needs what the Linux runner needs, plus wine64, mingw-w64 and the MSI
//! (`SSETOP_WINE_MSI=target/windows/ssetop-<version>-x64.msi`, as packaging/windows/build-msi.sh
//! makes it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ssetop::knowledge::{Knowledge, Os, ServiceKind};

use super::linux::{Network, describe, end_tree, outcome, program, run, spawn};
use super::runner::{Background, Collected, Lines, Runner, Standin};
use super::spec::{Behaviour, RegistryValue, Scenario, ServiceState, Wine};
use super::verify::Outcome;

/// The MSI the scenarios install.
pub(crate) const MSI_ENV: &str = "SSETOP_WINE_MSI";
/// The Wine loader (Debian's wine64 package); `SSETOP_WINE` overrides it.
const WINE: &str = "/usr/lib/wine/wine64";
const MINGW: &str = "x86_64-w64-mingw32-gcc";
/// How long one Wine command (boot, install, `sc`, `reg`) may take.
const WINE_LIMIT: Duration = Duration::from_secs(120);
/// How long a Windows stand-in may take to start: a Wine process's first start on a busy
/// machine takes seconds.
const WINE_READY_LIMIT: Duration = Duration::from_secs(60);
/// `timeout`'s exit code when it ended the command.
const TIMED_OUT: i32 = 124;

const INSTALLED: &str = r"C:\Program Files\ssetop\ssetop.exe";
const KNOWLEDGE: &str = r"C:\ssetop-test\kb.toml";
const STANDINS: &str = r"C:\standins";
/// GSA's registry key (the knowledge base's `gsa` sources) and the join's, with a certificate thumbprint as its subkey.
const GSA_KEY: &str = r"HKLM\SOFTWARE\Microsoft\Global Secure Access Client";
const JOIN_KEY: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo\0F5A7C3B9E2D4A1B8C6D5E4F3A2B1C0D9E8F7A6B";
const PATH_KEY: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment";

fn wine_loader() -> PathBuf {
    std::env::var_os("SSETOP_WINE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(WINE))
}

/// The MSI to install, or why the Wine scenarios cannot run here.
pub(crate) fn preconditions() -> Result<PathBuf, String> {
    super::linux::preconditions()?;
    if !wine_loader().is_file() {
        return Err(format!(
            "needs Wine ({}; apt-get install wine64)",
            wine_loader().display()
        ));
    }
    if super::linux::tool(MINGW).is_none() {
        return Err(format!("needs {MINGW} (apt-get install mingw-w64)"));
    }
    let msi = std::env::var_os(MSI_ENV).ok_or_else(|| {
        format!("needs {MSI_ENV}=the MSI to install (packaging/windows/build-msi.sh makes it)")
    })?;
    let msi = PathBuf::from(msi);
    if !msi.is_file() {
        return Err(format!("{MSI_ENV}: no file {}", msi.display()));
    }
    std::path::absolute(&msi).map_err(|e| format!("{MSI_ENV}: {e}"))
}

/// The Windows programs the runner puts in a prefix, built once per test process.
struct Tools {
    standin: PathBuf,
    driver: PathBuf,
    /// Windows has bcryptprimitives.dll; Wine 8 lacks it, and Rust's std imports it (CONTRIBUTING.md, "The Windows build").
    bcrypt: PathBuf,
}

fn tools() -> Result<&'static Tools, String> {
    static TOOLS: OnceLock<Result<Tools, String>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/windows");
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine-tools");
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let mingw = |out: &Path, args: &[&str]| {
                run(Command::new(program(MINGW))
                    .args(["-O2", "-Wall", "-o"])
                    .arg(out)
                    .args(args)
                    .current_dir(&source))
            };
            let tools = Tools {
                standin: dir.join("standin.exe"),
                driver: dir.join("driver.sys"),
                bcrypt: dir.join("bcryptprimitives.dll"),
            };
            mingw(&tools.standin, &["standin.c", "-lws2_32"])?;
            mingw(&tools.bcrypt, &["-shared", "bcrypt_shim.c", "-ladvapi32"])?;
            mingw(
                &tools.driver,
                &[
                    "-shared",
                    "-nostdlib",
                    "-Wl,--subsystem,native",
                    "-Wl,--entry,DriverEntry",
                    "driver.c",
                    "-lntoskrnl",
                ],
            )?;
            Ok(tools)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The `Z:\…` path Wine gives a host file.
pub(crate) fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display().to_string().replace('/', "\\"))
}

/// A Wine prefix booted in the device namespace, with the MSI installed.
pub(crate) struct WineRunner<'n> {
    network: &'n Network,
    prefix: PathBuf,
    msi: PathBuf,
    tools: &'static Tools,
    knowledge: Knowledge,
    /// The scenario's environment for ssetop.exe (`[ssetop] env`); Wine passes it on.
    env: Vec<(String, String)>,
}

impl<'n> WineRunner<'n> {
    /// Boots the prefix, installs the MSI and sets up the scenario's `[wine]` table.
    pub(crate) fn new(
        network: &'n Network,
        scenario: &Scenario,
        msi: &Path,
    ) -> Result<Self, String> {
        let runner = WineRunner {
            network,
            prefix: network.work.path().join("prefix"),
            msi: msi.to_path_buf(),
            tools: tools()?,
            knowledge: Knowledge::embedded(),
            env: Vec::new(),
        };
        let started = Instant::now();
        runner.boot()?;
        eprintln!(
            "  Wine prefix booted in the device namespace in {:?}",
            started.elapsed()
        );
        let started = Instant::now();
        runner.install()?;
        eprintln!("  MSI installed in {:?}", started.elapsed());
        runner.write_knowledge()?;
        if let Some(wine) = &scenario.wine {
            runner.set_up(scenario, wine)?;
        }
        Ok(runner)
    }

    /// A command in the device namespace (at most `limit`, then killed), in this prefix.
    fn inside(&self, limit: Duration) -> Result<Command, String> {
        let mut command = Command::new(program("timeout"));
        command
            .args(["--kill-after=5", &limit.as_secs().to_string()])
            .arg(program("nsenter"))
            .args(self.network.device()?.enter_args())
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko download prompt, no window.
            .env("WINEDLLOVERRIDES", "mscoree=;mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("SSETOP_THEME");
        Ok(command)
    }

    /// Runs `command` (bounded by its `timeout`) to its end: status, output, error output and
    /// time taken. The output goes through files, not pipes: a Wine command may leave a server
    /// or service behind that holds its output open, and a pipe would never end.
    fn capture(
        &self,
        mut command: Command,
    ) -> Result<(ExitStatus, Vec<u8>, String, Duration), String> {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let n = RUNS.fetch_add(1, Ordering::SeqCst);
        let out = self.network.work.path().join(format!("wine-{n}.out"));
        let err = self.network.work.path().join(format!("wine-{n}.err"));
        let file = |path: &Path| {
            std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))
        };
        command
            .stdin(Stdio::null())
            .stdout(file(&out)?)
            .stderr(file(&err)?);
        let started = Instant::now();
        let status = command
            .status()
            .map_err(|e| format!("cannot run {}: {e}", describe(&command)))?;
        let elapsed = started.elapsed();
        let stdout = std::fs::read(&out).unwrap_or_default();
        let stderr = String::from_utf8_lossy(&std::fs::read(&err).unwrap_or_default()).into_owned();
        if status.code() == Some(TIMED_OUT) {
            return Err(format!("{} did not finish in time", describe(&command)));
        }
        Ok((status, stdout, stderr, elapsed))
    }

    /// `wine ARGS…` to its end; its output, or why it failed.
    fn wine(&self, args: &[&str]) -> Result<String, String> {
        self.succeed(self.inside(WINE_LIMIT)?.arg(wine_loader()).args(args))
    }

    fn wineserver(&self, args: &[&str]) -> Result<String, String> {
        let server = wine_loader().with_file_name("wineserver");
        self.succeed(self.inside(WINE_LIMIT)?.arg(server).args(args))
    }

    fn succeed(&self, command: &mut Command) -> Result<String, String> {
        let described = describe(command);
        let command = std::mem::replace(command, Command::new("true"));
        let (status, stdout, stderr, _) = self.capture(command)?;
        if !status.success() {
            return Err(format!("{described} failed ({status}): {}", stderr.trim()));
        }
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    }

    fn drive_c(&self, path: &str) -> PathBuf {
        self.prefix.join("drive_c").join(path.replace('\\', "/"))
    }

    fn boot(&self) -> Result<(), String> {
        std::fs::create_dir_all(&self.prefix)
            .map_err(|e| format!("cannot create {}: {e}", self.prefix.display()))?;
        self.wine(&["wineboot", "--init"])?;
        // Creating a prefix leaves two services.exe behind (Wine 8), which answer the Service
        // Control Manager's calls in turn, so a service started through one is unknown to the
        // other. Start over: one persistent server and one services.exe.
        // (-k fails when the server already ended.)
        let _ = self.wineserver(&["-k"]);
        self.wineserver(&["-w"])?;
        self.wineserver(&["-p"])?;
        self.wine(&["wineboot"])?;
        let system32 = self.drive_c("windows/system32");
        std::fs::copy(&self.tools.bcrypt, system32.join("bcryptprimitives.dll"))
            .map_err(|e| format!("cannot copy bcryptprimitives.dll: {e}"))?;
        for dir in [STANDINS, r"C:\ssetop-test"] {
            let dir = self.drive_c(dir.trim_start_matches(r"C:\"));
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        Ok(())
    }

    fn install(&self) -> Result<(), String> {
        self.wine(&["msiexec", "/i", &windows_path(&self.msi), "/qn"])?;
        let exe = self.drive_c(r"Program Files\ssetop\ssetop.exe");
        if exe.is_file() {
            Ok(())
        } else {
            Err(format!("the MSI did not install {}", exe.display()))
        }
    }

    /// The knowledge file the runs use: ssetop's own, with GlobalProtect's `gpd*` adapter name
    /// (an unconfirmed Linux fact) also applying to Windows. On Windows ssetop knows the adapter
    /// by its description ("PANGP Virtual Ethernet Adapter"); under Wine the description is the
    /// Linux name, which cannot hold that text. The shipped knowledge stays true to devices.
    fn write_knowledge(&self) -> Result<(), String> {
        let dumped = self.wine(&[INSTALLED, "--dump-knowledge"])?;
        let linux_only = "os = [\"linux\"]\nfield = \"name\"\npattern = \"gpd*\"";
        if !dumped.contains(linux_only) {
            return Err(format!(
                "the dumped knowledge base has no entry {linux_only:?}: update the Wine runner"
            ));
        }
        let both = "os = [\"linux\", \"windows\"]\nfield = \"name\"\npattern = \"gpd*\"";
        let path = self.drive_c(r"ssetop-test\kb.toml");
        std::fs::write(&path, dumped.replace(linux_only, both))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    fn set_up(&self, scenario: &Scenario, wine: &Wine) -> Result<(), String> {
        let mut values: Vec<RegistryValue> = wine.registry.clone();
        if let Some(profile) = &wine.forwarding_profile {
            // A REG_SZ in a .reg file is one line; JSON does not mind the spaces.
            values.push(sz(
                GSA_KEY,
                "ForwardingProfile",
                &profile.replace('\n', " "),
            ));
            values.push(sz(
                GSA_KEY,
                "ForwardingProfileTimestamp",
                "133765000000000000",
            ));
        }
        if wine.joined {
            let tenant = scenario.tenant_id.as_deref().unwrap_or_default();
            values.push(sz(JOIN_KEY, "TenantId", tenant));
        }
        if !values.is_empty() {
            self.import_registry(&values)?;
        }
        for (name, state) in &wine.services {
            self.install_service(name, *state)?;
        }
        Ok(())
    }

    fn import_registry(&self, values: &[RegistryValue]) -> Result<(), String> {
        let file = self.network.work.path().join("scenario.reg");
        std::fs::write(&file, reg_file(values))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        self.wine(&["reg", "import", &windows_path(&file)])
            .map(|_| ())
    }

    fn service_kind(&self, name: &str) -> Option<ServiceKind> {
        self.knowledge
            .services_for(Os::Windows)
            // Windows compares service names without case.
            .find(|s| s.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
            .map(|s| s.kind)
    }

    /// A copy of the stand-in as `C:\standins\NAME.exe`; its command line with `args`.
    fn standin_command(&self, name: &str, args: &[String]) -> Result<String, String> {
        let copy = self.drive_c(&format!(r"standins\{name}.exe"));
        if !copy.exists() {
            std::fs::copy(&self.tools.standin, &copy)
                .map_err(|e| format!("cannot copy the stand-in to {}: {e}", copy.display()))?;
        }
        let mut line = format!(r"{STANDINS}\{name}.exe");
        for arg in args {
            line.push(' ');
            line.push_str(arg);
        }
        Ok(line)
    }

    fn install_service(&self, name: &str, state: ServiceState) -> Result<(), String> {
        match self.service_kind(name) {
            Some(ServiceKind::Driver) => {
                let sys = format!(r"windows\system32\drivers\{name}.sys");
                std::fs::copy(&self.tools.driver, self.drive_c(&sys))
                    .map_err(|e| format!("cannot copy the driver {name}: {e}"))?;
                let bin = format!(r"C:\{sys}");
                self.wine(&[
                    "sc", "create", name, "type=", "kernel", "start=", "demand", "binPath=", &bin,
                ])?;
                if state == ServiceState::Running {
                    self.wine(&["sc", "start", name])?;
                }
                Ok(())
            }
            Some(ServiceKind::Service) => self.create_service(name, &[], state).map(|_| ()),
            None => Err(format!(
                "[wine.services] {name}: no Windows service of that name in the knowledge base"
            )),
        }
    }

    fn create_service(
        &self,
        name: &str,
        args: &[String],
        state: ServiceState,
    ) -> Result<(), String> {
        let line = self.standin_command(name, args)?;
        self.wine(&["sc", "create", name, "start=", "auto", "binPath=", &line])?;
        if state == ServiceState::Running {
            // StartService returns once the service left START_PENDING, and the stand-in
            // reports SERVICE_RUNNING only when its sockets are open.
            self.wine(&["sc", "start", name])?;
            let query = self.wine(&["sc", "query", name])?;
            if !query.contains("RUNNING") {
                return Err(format!("service {name} did not come up: {}", query.trim()));
            }
        }
        Ok(())
    }

    /// What `cmd /c ssetop --version` prints in a new process: the MSI's PATH entry at work.
    pub(crate) fn version_through_path(&self) -> Result<String, String> {
        self.wine(&["cmd", "/c", "ssetop --version"])
    }

    /// Uninstalls the MSI; afterwards, whether ssetop.exe and the PATH entry are still there.
    pub(crate) fn uninstall(&self) -> Result<(bool, bool), String> {
        self.wine(&["msiexec", "/x", &windows_path(&self.msi), "/qn"])?;
        let exe_left = self.drive_c(r"Program Files\ssetop\ssetop.exe").exists();
        let path = self.wine(&["reg", "query", PATH_KEY, "/v", "PATH"])?;
        Ok((exe_left, path.to_lowercase().contains("ssetop")))
    }
}

impl Drop for WineRunner<'_> {
    fn drop(&mut self) {
        // Ends the prefix's services now; the holder's PID namespace would end them anyway.
        let _ = self.wineserver(&["-k"]);
    }
}

fn sz(key: &str, name: &str, data: &str) -> RegistryValue {
    RegistryValue {
        key: key.into(),
        name: name.into(),
        sz: Some(data.into()),
        dword: None,
        winhttp_proxy: None,
    }
}

/// A .reg file (REGEDIT4, CRLF) that sets `values`.
pub(crate) fn reg_file(values: &[RegistryValue]) -> String {
    let mut text = String::from("REGEDIT4\r\n");
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    for value in values {
        let key = value
            .key
            .replacen("HKLM\\", "HKEY_LOCAL_MACHINE\\", 1)
            .replacen("HKCU\\", "HKEY_CURRENT_USER\\", 1);
        let data = if let Some(text) = &value.sz {
            quote(text)
        } else if let Some(dword) = value.dword {
            format!("dword:{dword:08x}")
        } else if let Some(proxy) = &value.winhttp_proxy {
            let bytes = winhttp_blob(&proxy.proxy, &proxy.bypass);
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("hex:{}", hex.join(","))
        } else {
            continue;
        };
        text.push_str(&format!("\r\n[{key}]\r\n{}={data}\r\n", quote(&value.name)));
    }
    text
}

/// The `WinHttpSettings` blob `netsh winhttp set proxy PROXY BYPASS` writes: a version (24),
/// a counter, flags (3: direct and proxy), then each string with its length.
pub(crate) fn winhttp_blob(proxy: &str, bypass: &str) -> Vec<u8> {
    let mut blob = Vec::new();
    for word in [24u32, 1, 3] {
        blob.extend(word.to_le_bytes());
    }
    for text in [proxy, bypass] {
        blob.extend((text.len() as u32).to_le_bytes());
        blob.extend(text.as_bytes());
    }
    blob
}

/// A stand-in: a program (its output lines, ended when dropped), or a service (which says
/// nothing; the prefix's server ends it).
struct WineStandin {
    name: String,
    child: Option<Child>,
    lines: Option<Lines>,
    stderr: Option<Collected>,
}

impl Standin for WineStandin {
    fn wait_line(&mut self, prefix: &str, limit: Duration) -> Result<String, String> {
        let said = || {
            self.stderr
                .as_ref()
                .map(Collected::text)
                .unwrap_or_default()
        };
        match &mut self.lines {
            Some(lines) => lines
                .wait_for(prefix, limit)
                .map_err(|e| format!("{e}; stderr: {}", said())),
            // A service is ready once started (see `create_service`), and prints nothing else.
            None if prefix == "ready" => Ok("ready".into()),
            None => Err(format!(
                "the service {} prints no {prefix:?} line (the Windows stand-in only holds sockets)",
                self.name
            )),
        }
    }
}

impl Drop for WineStandin {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            end_tree(&mut child);
        }
    }
}

impl Runner for WineRunner<'_> {
    fn name(&self) -> &'static str {
        "wine"
    }

    fn start_standin(
        &mut self,
        name: &str,
        behaviour: &Behaviour,
    ) -> Result<Box<dyn Standin>, String> {
        if behaviour.reconnect {
            return Err("the Windows stand-in does not reconnect".into());
        }
        let args = behaviour.endpoint_args();
        if self.service_kind(name) == Some(ServiceKind::Service) {
            self.create_service(name, &args, ServiceState::Running)?;
            return Ok(Box::new(WineStandin {
                name: name.into(),
                child: None,
                lines: None,
                stderr: None,
            }));
        }
        let line = self.standin_command(name, &args)?;
        let mut command = self.inside(Duration::from_secs(3600))?;
        command
            .arg(wine_loader())
            .args(line.split(' '))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut command)?;
        let mut standin = WineStandin {
            name: name.into(),
            lines: Some(Lines::read(
                &format!("{name}.exe"),
                child.stdout.take().ok_or("no stdout")?,
            )),
            stderr: child.stderr.take().map(Collected::read),
            child: Some(child),
        };
        standin.wait_line("ready", WINE_READY_LIMIT)?;
        Ok(Box::new(standin))
    }

    fn run_ssetop(&mut self, args: &[String], limit: Duration) -> Result<Outcome, String> {
        let mut command = self.inside(limit)?;
        command
            .arg(wine_loader())
            .arg(INSTALLED)
            .args(args)
            .args(["--knowledge", KNOWLEDGE])
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        let (status, stdout, stderr, elapsed) = self.capture(command)?;
        outcome(status, &stdout, stderr, elapsed)
    }

    fn spawn_ssetop(&mut self, _args: &[String]) -> Result<Box<dyn Background>, String> {
        Err("the Wine runner plays no recordings (give the scenario [ssetop])".into())
    }

    fn ssetop_path(&self, path: &Path) -> String {
        windows_path(path)
    }

    fn set_ssetop_env(&mut self, env: Vec<(String, String)>) {
        self.env = env;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_winhttp_blob_has_the_layout_netsh_writes() {
        let blob = winhttp_blob("p:8", "<local>");
        assert_eq!(&blob[..12], &[24, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0]);
        assert_eq!(&blob[12..16], &[3, 0, 0, 0]);
        assert_eq!(&blob[16..19], b"p:8");
        assert_eq!(&blob[19..23], &[7, 0, 0, 0]);
        assert_eq!(&blob[23..], b"<local>");
    }

    #[test]
    fn a_reg_file_escapes_strings_and_expands_the_hive() {
        let text = reg_file(&[
            sz(r"HKLM\SOFTWARE\X", "V", r#"{"a": "b\c"}"#),
            RegistryValue {
                dword: Some(32),
                sz: None,
                ..sz(r"HKLM\SOFTWARE\Y", "D", "")
            },
        ]);
        assert!(text.starts_with("REGEDIT4\r\n"));
        assert!(text.contains(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"V\"=\"{\\\"a\\\": \\\"b\\\\c\\\"}\"\r\n"
        ));
        assert!(text.contains("\"D\"=dword:00000020\r\n"));
    }
}
