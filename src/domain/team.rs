//! Teams: a public page listing an organization's team event types.

use super::{Slug, ValidationError, check_line, check_text};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// Unique across the server: the team's page is `/team/{slug}`.
    pub slug: Slug,
    pub name: String,
    /// Shown on the team's page.
    #[serde(default)]
    pub description: String,
}

impl TeamInput {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_line("name", &self.name, 200, true)?;
        check_text("description", &self.description, 5_000, false)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: String,
    pub organization_id: String,
    #[serde(flatten)]
    pub input: TeamInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
