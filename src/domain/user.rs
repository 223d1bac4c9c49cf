//! Users: the hosts people book.

use super::{Email, Slug, TimeZoneName, ValidationError, check_line};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Unique across the server: the first part of public links.
    pub slug: Slug,
    pub name: String,
    pub email: Email,
    pub timezone: TimeZoneName,
}

/// Slugs public paths use for themselves: `/api/v1/public/holds/{hold}`
/// would shadow a host called `holds`.
pub const RESERVED_USER_SLUGS: &[&str] = &["holds"];

impl UserInput {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if RESERVED_USER_SLUGS.contains(&self.slug.as_str()) {
            return Err(ValidationError::new(
                "slug",
                format!(
                    "{:?} is reserved for Kairos's own paths",
                    self.slug.as_str()
                ),
            ));
        }
        check_line("name", &self.name, 200, true)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: String,
    pub organization_id: String,
    #[serde(flatten)]
    pub input: UserInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
