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
/// variable is already set (a user's own value is kept).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod one_malloc_arena {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    const ARENAS: &str = "MALLOC_ARENA_MAX";

    /// Replaces this process (same pid, arguments, descriptors) with ssetop under one arena.
    /// Returns only when it cannot: then ssetop runs on, with glibc's default.
    pub(super) fn restart_with_one_arena() {
        if std::env::var_os(ARENAS).is_some() {
            return;
        }
        let mut args = std::env::args_os();
        let Some(program_name) = args.next() else {
            return;
        };
        // `/proc/self/exe` rather than the path ssetop was started by: it names this very
        // executable even if the file was replaced or removed since (an upgrade).
        let _cannot_restart = Command::new("/proc/self/exe")
            .arg0(program_name)
            .args(args)
            .env(ARENAS, "1")
            .exec();
    }
}
