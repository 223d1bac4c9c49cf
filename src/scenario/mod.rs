//! The spec's scenario file: reading it into an engine [`Query`] with errors
//! that name the offending field, and writing slots and explanations as JSON.
//!
//! Shared by `kairos slots --scenario` and (later) the HTTP debugging
//! endpoints, so both give the same answer and the same messages.

mod input;
mod output;

pub use input::{ScenarioError, parse_scenario};
pub use output::{explanation_json, slots_json};
