//! The spec's scenario file: reading it into an engine [`Query`] with errors
//! that name the offending field, and writing slots and explanations as JSON.
//!
//! Shared by `kairos slots --scenario` and (later) the HTTP debugging
//! endpoints, so both give the same answer and the same messages.

mod input;
mod json;
mod output;
mod raw;

pub use input::{MAX_SCENARIO_BYTES, ScenarioError, parse_scenario};
pub use output::{explanation_json, explanation_text, slots_json, slots_text};

use crate::engine::{self, Query, Slot};

/// The slots of a scenario, refusing (rather than counting busy) any event
/// whose recurrence goes over the engine's budget: a scenario is a question
/// about the rules, so an answer that guessed would mislead.
pub fn strict_slots(query: &Query) -> Result<Vec<Slot>, ScenarioError> {
    strict_slots_of(engine::search(query))
}

/// [`strict_slots`] of a search already run.
pub fn strict_slots_of(search: engine::Search) -> Result<Vec<Slot>, ScenarioError> {
    match search.unreadable.first() {
        None => Ok(search.slots),
        Some(unreadable) => Err(ScenarioError {
            field: format!("hosts[{}].events", unreadable.host),
            message: format!(
                "event {:?} cannot be expanded: {}",
                unreadable.uid,
                unreadable.limit.describe()
            ),
        }),
    }
}
