use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(ssetop::app::main_with_args(std::env::args_os()))
}
