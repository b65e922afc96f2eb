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
use super::spec::{Behaviour, CertBlob, RegistryValue, Scenario, ServiceState, Wine, WineFile};
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
        for file in &wine.files {
            self.write_file(file)?;
        }
        for (name, state) in &wine.services {
            self.install_service(name, *state)?;
        }
        Ok(())
    }

    /// Writes a `[wine] files` entry into the prefix, its placeholders filled.
    fn write_file(&self, file: &WineFile) -> Result<(), String> {
        let relative = file.path.get(3..).unwrap_or_default();
        let path = self.drive_c(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let now = std::time::SystemTime::now();
        let bytes = match (&file.utf16, &file.text) {
            (Some(text), _) => utf16_file(&fill_times(text, now)?),
            (None, Some(text)) => fill_times(text, now)?.into_bytes(),
            (None, None) => Vec::new(),
        };
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    fn import_registry(&self, values: &[RegistryValue]) -> Result<(), String> {
        let file = self.network.work.path().join("scenario.reg");
        std::fs::write(&file, reg_file(values)?)
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
            // Wine's `sc query` now and then fails (exit 1, nothing said) right after a start
            // (seen once in CI): ask again a few times before calling the service down.
            let mut last = String::new();
            for attempt in 0..5 {
                if attempt > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
                match self.wine(&["sc", "query", name]) {
                    Ok(query) if query.contains("RUNNING") => return Ok(()),
                    Ok(query) => last = query.trim().to_string(),
                    Err(e) => last = e,
                }
            }
            return Err(format!("service {name} did not come up: {last}"));
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
        multi_sz: None,
        hex: None,
        cert_blob: None,
    }
}

/// `{filetime_minus_hours:N}` replaced by the FILETIME (100 ns units since 1601-01-01) of N
/// hours before `now`.
pub(crate) fn fill_times(text: &str, now: std::time::SystemTime) -> Result<String, String> {
    const OPEN: &str = "{filetime_minus_hours:";
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("{OPEN}…: no closing brace in {text:?}"))?;
        let hours: u64 = after[..end]
            .trim()
            .parse()
            .map_err(|e| format!("{OPEN}{}}}: {e}", &after[..end]))?;
        let then = now
            .checked_sub(Duration::from_secs(hours * 3600))
            .ok_or("a time before the epoch")?;
        let unix = then
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| format!("a time before the epoch: {e}"))?;
        let filetime =
            (unix.as_secs() + 11_644_473_600) * 10_000_000 + u64::from(unix.subsec_nanos() / 100);
        out.push_str(&filetime.to_string());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// UTF-16LE with a byte order mark, lines ending CRLF.
pub(crate) fn utf16_file(text: &str) -> Vec<u8> {
    let text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// A registry certificate store entry (`Blob`): the certificate as property 32
/// (`CERT_CERT_PROP_ID`: `u32 id, u32 1, u32 length`, then the DER bytes).
pub(crate) fn cert_blob(spec: &CertBlob) -> Result<Vec<u8>, String> {
    let fail = |e: rcgen::Error| format!("a certificate for {:?}: {e}", spec.cn);
    let key = rcgen::KeyPair::generate().map_err(fail)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, spec.cn.clone());
    if spec.expired {
        params.not_before = rcgen::date_time_ymd(2024, 1, 1);
        params.not_after = rcgen::date_time_ymd(2025, 1, 1);
    } else {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| format!("the clock: {e}"))?;
        let day = Duration::from_secs(24 * 3600);
        params.not_before = (std::time::UNIX_EPOCH + (now - day)).into();
        params.not_after = (std::time::UNIX_EPOCH + now + 365 * day).into();
    }
    let der = params.self_signed(&key).map_err(fail)?.der().to_vec();
    let mut blob = Vec::new();
    for word in [32u32, 1, der.len() as u32] {
        blob.extend(word.to_le_bytes());
    }
    blob.extend(der);
    Ok(blob)
}

/// A .reg file (REGEDIT4, CRLF) that sets `values`.
pub(crate) fn reg_file(values: &[RegistryValue]) -> Result<String, String> {
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
            format!("hex:{}", hex(&winhttp_blob(&proxy.proxy, &proxy.bypass)))
        } else if let Some(strings) = &value.multi_sz {
            // REGEDIT4 holds REG_MULTI_SZ as ANSI bytes (reg import widens them): each string
            // NUL-terminated, then an empty one.
            let mut bytes = Vec::new();
            for s in strings {
                bytes.extend(s.as_bytes());
                bytes.push(0);
            }
            bytes.push(0);
            format!("hex(7):{}", hex(&bytes))
        } else if let Some(text) = &value.hex {
            format!("hex:{}", hex(&super::spec::hex_bytes(text)?))
        } else if let Some(spec) = &value.cert_blob {
            format!("hex:{}", hex(&cert_blob(spec)?))
        } else {
            continue;
        };
        text.push_str(&format!("\r\n[{key}]\r\n{}={data}\r\n", quote(&value.name)));
    }
    Ok(text)
}

/// Bytes as .reg hex: `0a,ff,…`, continued on the next line every 25 bytes (as regedit
/// writes long values).
fn hex(bytes: &[u8]) -> String {
    bytes
        .chunks(25)
        .map(|chunk| {
            chunk
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(",\\\r\n  ")
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
    fn multi_strings_binary_and_certificate_entries_are_written_as_reg_hex() {
        let text = reg_file(&[
            RegistryValue {
                multi_sz: Some(vec![".corp.contoso.com".into(), "a".into()]),
                sz: None,
                ..sz(r"HKLM\SOFTWARE\N", "Name", "")
            },
            RegistryValue {
                hex: Some("01 02,ff".into()),
                sz: None,
                ..sz(r"HKLM\SOFTWARE\B", "Bin", "")
            },
        ])
        .unwrap();
        assert!(text.contains(
            "\"Name\"=hex(7):2e,63,6f,72,70,2e,63,6f,6e,74,6f,73,6f,2e,63,6f,6d,00,61,00,00\r\n"
        ));
        assert!(text.contains("\"Bin\"=hex:01,02,ff\r\n"));
        // A long value continues on the next line, as regedit writes it.
        let long = hex(&[0u8; 30]);
        assert!(long.contains(",\\\r\n  00"), "{long:?}");
        let blob = cert_blob(&CertBlob {
            cn: "x.gsa.client".into(),
            expired: true,
        })
        .unwrap();
        assert_eq!(&blob[..8], &[32, 0, 0, 0, 1, 0, 0, 0]);
        let length = u32::from_le_bytes(blob[8..12].try_into().unwrap()) as usize;
        assert_eq!(blob.len(), 12 + length);
        assert_eq!(blob[12], 0x30, "the certificate is DER (a SEQUENCE)");
    }

    #[test]
    fn filetime_placeholders_are_hours_before_now_and_report_wer_is_utf16_with_a_bom() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let text = fill_times("EventTime={filetime_minus_hours:2}\nX=1", now).unwrap();
        let expected = (1_700_000_000u64 - 7200 + 11_644_473_600) * 10_000_000;
        assert_eq!(text, format!("EventTime={expected}\nX=1"));
        assert!(fill_times("{filetime_minus_hours:x}", now).is_err());
        let bytes = utf16_file("A=1\nB");
        assert_eq!(&bytes[..2], &[0xff, 0xfe]);
        assert_eq!(
            &bytes[2..],
            &[b'A', 0, b'=', 0, b'1', 0, b'\r', 0, b'\n', 0, b'B', 0]
        );
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
        ])
        .unwrap();
        assert!(text.starts_with("REGEDIT4\r\n"));
        assert!(text.contains(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"V\"=\"{\\\"a\\\": \\\"b\\\\c\\\"}\"\r\n"
        ));
        assert!(text.contains("\"D\"=dword:00000020\r\n"));
    }
}
