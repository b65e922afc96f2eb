use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    malloc_settings::restart_with_them();
    ExitCode::from(ssetop::app::main_with_args(std::env::args_os()))
}

/// glibc's allocator gives each thread that allocates its own heap (an "arena", up to eight per
/// core) and keeps what was freed in it. ssetop's collectors run on a pool of threads, and each
/// thread's heap settles at the largest read it ever held: at scale the dashboard and a
/// recording held 80–90 MiB for a 40 MB heap (README, Performance). One arena holds the same
/// work in 51–56 MiB and costs `--once` nothing measurable (its sources hardly contend for the
/// allocator). glibc reads the arena limit only from the environment, before `main`; setting it
/// from inside would take `mallopt`, an `unsafe` call this crate does not make outside the
/// Windows API layer. So ssetop starts itself once more with `MALLOC_ARENA_MAX=1`.
///
/// The same restart fixes the size from which an allocation gets pages of its own
/// (`MALLOC_MMAP_THRESHOLD_`, at glibc's initial 128 KiB). Left to itself, glibc raises that
/// size to the largest such block freed (up to 32 MiB), after which large buffers come from the
/// shared heap and leave holes in it: at scale, `--once` peaked at 36–38 or 41–44 MiB from run
/// to run, depending on the order in which its reads freed their buffers, and at 34–38 MiB with
/// the size fixed. The cost is a page fault or two more per large buffer: a recording at scale
/// took 1.04–1.24 times the CPU floor instead of 0.95–1.08 (its budget is 1.5).
///
/// A setting the user chose (the variable, or its `GLIBC_TUNABLES` name) is kept.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod malloc_settings {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    /// Each setting: its variable, its name in `GLIBC_TUNABLES`, ssetop's value.
    const SETTINGS: [(&str, &str, &str); 2] = [
        ("MALLOC_ARENA_MAX", "glibc.malloc.arena_max", "1"),
        (
            "MALLOC_MMAP_THRESHOLD_",
            "glibc.malloc.mmap_threshold",
            "131072",
        ),
    ];
    /// Set on the restart, so that there is only one: glibc drops `MALLOC_*` variables from the
    /// environment of a privileged (setuid, setcap) program, which would otherwise restart for
    /// ever. (Named when the arena limit was the only setting; kept, since scripts may test it.)
    const RESTARTED: &str = "SSETOP_RESTARTED_WITH_ONE_ARENA";

    /// Replaces this process (same pid, name, arguments, descriptors) with ssetop under
    /// [`SETTINGS`]. Returns only when it does not or cannot: then ssetop runs on, as it was
    /// started.
    pub(super) fn restart_with_them() {
        if std::env::var_os(RESTARTED).is_some() {
            return;
        }
        let tunables = std::env::var_os("GLIBC_TUNABLES")
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default();
        let missing: Vec<(&str, &str)> = SETTINGS
            .iter()
            .filter(|(variable, tunable, _)| {
                std::env::var_os(variable).is_none() && !tunables.contains(tunable)
            })
            .map(|&(variable, _, value)| (variable, value))
            .collect();
        if missing.is_empty() {
            return;
        }
        // The path this executable was started from: the kernel names the process after it
        // (`/proc/self/exe` would rename it `exe`). Not when the file was removed since (its
        // link then ends in " (deleted)"), nor when the dynamic loader was started by hand
        // (`ld.so ./ssetop`), which is what the path would then name.
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        let usable = program.exists()
            && program
                .file_name()
                .is_some_and(|name| !name.to_string_lossy().starts_with("ld-"));
        if !usable {
            return;
        }
        let mut args = std::env::args_os();
        let Some(program_name) = args.next() else {
            return;
        };
        let _cannot_restart = Command::new(program)
            .arg0(program_name)
            .args(args)
            .envs(missing)
            .env(RESTARTED, "1")
            .exec();
    }
}
