use clap::Parser;

// mimalloc: the engine and the scenario reader allocate many small short-lived
// values; glibc's allocator took a fresh page (a page fault, expensive in a
// VM) for much of that, mimalloc reuses its segments (2,366 → 590 page faults
// and 12.5 → 9.2 ms for `kairos slots` on the 50-host scenario; PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    kairos::cli::run(kairos::cli::Cli::parse())
}
