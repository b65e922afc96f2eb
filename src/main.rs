use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    one_malloc_arena::restart_with_one_arena();
    ExitCode::from(ssetop::app::main_with_args(std::env::args_os()))
}

/// glibc's allocator gives each thread that allocates its own heap (an "arena", up to eight per
/// core) and keeps what was freed in it. ssetop's collectors run on a pool of threads, and each
/// thread's heap settles at the largest read it ever held: at scale the dashboard and a
/// recording held 80–90 MiB for a 40 MB heap (README, Performance). One arena holds the same
/// work in 51–56 MiB and costs `--once` nothing measurable (its sources hardly contend for the
/// allocator). glibc reads the arena limit only from the environment, before `main`; setting it
/// from inside would take `mallopt`, an `unsafe` call this crate does not make outside the
/// Windows API layer. So ssetop starts itself once more with `MALLOC_ARENA_MAX=1`, unless the
/// user chose an arena limit (the variable, or `glibc.malloc.arena_max` in `GLIBC_TUNABLES`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod one_malloc_arena {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    const ARENAS: &str = "MALLOC_ARENA_MAX";
    /// Set on the restart, so that there is only one: glibc drops `MALLOC_*` variables from the
    /// environment of a privileged (setuid, setcap) program, which would otherwise restart for
    /// ever.
    const RESTARTED: &str = "SSETOP_RESTARTED_WITH_ONE_ARENA";

    /// Replaces this process (same pid, name, arguments, descriptors) with ssetop under one
    /// arena. Returns only when it does not or cannot: then ssetop runs on, as it was started.
    pub(super) fn restart_with_one_arena() {
        let tuned = std::env::var_os("GLIBC_TUNABLES")
            .is_some_and(|t| t.to_string_lossy().contains("glibc.malloc.arena_max"));
        if tuned || std::env::var_os(ARENAS).is_some() || std::env::var_os(RESTARTED).is_some() {
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
            .env(ARENAS, "1")
            .env(RESTARTED, "1")
            .exec();
    }
}
