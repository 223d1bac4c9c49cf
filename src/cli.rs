//! The `kairos` command line.

use crate::engine::{self, instant::parse_rfc3339};
use crate::scenario;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kairos",
    version,
    about = "Kairos: scheduling with exact availability"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Print the slots of a scenario file (format: shared/spec/availability.md).
    Slots {
        /// The scenario JSON file.
        #[arg(long, value_name = "FILE")]
        scenario: PathBuf,
        /// Instead of the slots, explain why this start time is or is not a slot.
        #[arg(long, value_name = "INSTANT")]
        explain: Option<String>,
    },
}

/// Exit status for input the user must fix (a bad scenario or argument).
const BAD_INPUT: u8 = 2;

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Slots { scenario, explain } => slots(&scenario, explain.as_deref()),
    }
}

fn slots(path: &PathBuf, explain: Option<&str>) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read scenario {}: {error}", path.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    let query = match scenario::parse_scenario(&text) {
        Ok(query) => query,
        Err(error) => {
            eprintln!("error: {}: {error}", path.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    let document = match explain {
        None => scenario::slots_json(&query, &engine::find_slots(&query)),
        Some(text) => match parse_rfc3339(text) {
            Some(start) => scenario::explanation_json(&query, &engine::explain(&query, start)),
            None => {
                eprintln!("error: --explain: {text:?} is not an RFC 3339 instant with an offset");
                return ExitCode::from(BAD_INPUT);
            }
        },
    };
    match serde_json::to_string_pretty(&document) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
