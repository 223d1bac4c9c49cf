//! Users: the hosts people book.

use super::{Email, Slug, TimeZoneName, ValidationError, check_branding, check_line, invalid};
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
    /// A picture for the booking pages (an `https://` URL: pages load it
    /// from the invitee's browser, which must not be sent to plain http).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub avatar_url: Option<String>,
    /// The pages' accent colour, `#rrggbb`; the text on it is chosen for contrast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub brand_color: Option<String>,
    /// The accent colour when the reader's system is in dark mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub brand_color_dark: Option<String>,
    /// The language of this host's emails (`en`, `de`; others fall back
    /// to English). Default `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "de")]
    pub language: Option<String>,
    /// A mobile number for workflows' text messages, in E.164 form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "+14155552671")]
    pub phone: Option<String>,
}

/// First path segments the server uses itself: a user slug taking one of
/// them would be shadowed by (or would shadow) a route. Kept wider than
/// today's routes so new ones need no data migration.
pub const RESERVED_SLUGS: &[&str] = &[
    "about",
    "account",
    "accounts",
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "book",
    "booking",
    "bookings",
    "callback",
    "connections",
    "dashboard",
    "demo",
    "docs",
    "embed",
    "event-types",
    "favicon",
    "health",
    "healthz",
    "help",
    "holds",
    "kairos",
    "links",
    "login",
    "logout",
    "manage",
    "metrics",
    "oauth",
    "openapi",
    "org",
    "orgs",
    "poll",
    "polls",
    "push",
    "readyz",
    "robots",
    "settings",
    "signup",
    "static",
    "status",
    "survey",
    "surveys",
    "team",
    "teams",
    "users",
    "webhooks",
    "widgets",
];

impl UserInput {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_line("name", &self.name, 200, true)?;
        if RESERVED_SLUGS.contains(&self.slug.as_str()) {
            return invalid(
                "slug",
                format!(
                    "{:?} is reserved for the server's own pages; choose another",
                    self.slug.as_str()
                ),
            );
        }
        if let Some(language) = &self.language {
            super::check_language("language", language)?;
        }
        if let Some(phone) = &self.phone {
            super::check_phone("phone", phone)?;
        }
        check_branding(
            ("avatar_url", self.avatar_url.as_deref()),
            self.brand_color.as_deref(),
            self.brand_color_dark.as_deref(),
        )
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
