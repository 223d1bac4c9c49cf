//! Kairos: scheduling and calendar platform.
//!
//! `engine` is the pure availability core; `scenario` reads and writes the
//! spec's scenario JSON; `cli` is the command line.

pub mod cli;
pub mod engine;
pub mod scenario;
