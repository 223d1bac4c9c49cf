//! Teams: a public page listing an organization's team event types, in the
//! team's own branding.

use super::{Slug, ValidationError, check_branding, check_line, check_text};
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
    /// The team's logo on its pages (an `https://` URL, like a host's avatar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub logo_url: Option<String>,
    /// The team pages' accent colour, `#rrggbb`; the text on it is chosen for contrast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub brand_color: Option<String>,
    /// The accent colour when the reader's system is in dark mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub brand_color_dark: Option<String>,
}

impl TeamInput {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_line("name", &self.name, 200, true)?;
        check_text("description", &self.description, 5_000, false)?;
        check_branding(
            ("logo_url", self.logo_url.as_deref()),
            self.brand_color.as_deref(),
            self.brand_color_dark.as_deref(),
        )
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
