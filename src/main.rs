use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    kairos::cli::run(kairos::cli::Cli::parse())
}
