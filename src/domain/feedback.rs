//! What an invitee said of a meeting on its survey page.

use super::{ValidationError, check_text, invalid};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    /// How likely they are to recommend it, 0 to 10.
    pub score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl FeedbackInput {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.score > 10 {
            return invalid("score", "must be from 0 to 10");
        }
        if let Some(comment) = &self.comment {
            check_text("comment", comment, 5_000, false)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Feedback {
    pub booking_uid: String,
    pub score: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub submitted_at: DateTime<Utc>,
}
