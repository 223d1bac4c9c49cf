//! One-off links: a few hand-picked times for one invitee, or a single-use
//! link to an event type.

use super::{ValidationError, invalid};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// At most this many hand-picked times on one link.
const MAX_TIMES: usize = 50;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The event type booked through the link (its duration, questions, location).
    pub event_type_id: String,
    /// Hand-picked start times (a one-on-one event type only). They may lie
    /// outside the host's working hours; empty makes a single-use link to the
    /// event type's normal slots.
    #[serde(default)]
    pub times: Vec<DateTime<Utc>>,
    /// After this instant the link answers 410.
    pub expires_at: Option<DateTime<Utc>>,
}

impl LinkInput {
    pub fn validate(&mut self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        if self.times.len() > MAX_TIMES {
            return invalid("times", format!("at most {MAX_TIMES} times"));
        }
        for (i, time) in self.times.iter().enumerate() {
            if *time <= now {
                return invalid(format!("times[{i}]"), "is in the past");
            }
        }
        self.times.sort();
        self.times.dedup();
        if self.expires_at.is_some_and(|at| at <= now) {
            return invalid("expires_at", "is in the past");
        }
        Ok(())
    }
}

/// Whether a link can still be used, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Active,
    Used,
    Expired,
    Revoked,
}

impl LinkState {
    /// What a person opening a dead link is told.
    pub fn explain(self) -> &'static str {
        match self {
            LinkState::Active => "this link is active",
            LinkState::Used => {
                "this link has already been used to book a meeting; ask the host for a new one"
            }
            LinkState::Expired => "this link has expired; ask the host for a new one",
            LinkState::Revoked => "the host has withdrawn this link",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Link {
    pub id: String,
    #[serde(flatten)]
    pub input: LinkInput,
    pub state: LinkState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_booking: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Link {
    pub fn state_at(&self, now: DateTime<Utc>) -> LinkState {
        if self.revoked_at.is_some() {
            LinkState::Revoked
        } else if self.used_booking.is_some() {
            LinkState::Used
        } else if self.input.expires_at.is_some_and(|at| at <= now) {
            LinkState::Expired
        } else {
            LinkState::Active
        }
    }
}
