//! The `scale-lab` command (see `scale_lab::runner::cli`).

fn main() -> std::process::ExitCode {
    scale_lab::runner::cli::main()
}
