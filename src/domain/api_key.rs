//! API keys: what an operator sees of them (never the secret after it was
//! shown once), and making a new one.

use super::{ValidationError, check_text, hash_secret, random_token};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Characters of a key kept in clear to tell keys apart in a listing
/// (`kairos_` and five random ones: too few to guess the rest).
const PREFIX_LEN: usize = 12;

/// An organization's API key, as listed: its secret is shown only once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    /// The key's first characters (keys made before Kairos kept them have none).
    pub prefix: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the key was last used, to the minute: it is updated at most once
    /// a minute, not on every request.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set once revoked: the key then answers 401.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A request for a new key.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    /// What the key is for (`ci`, `crm sync`…).
    pub name: String,
}

impl ApiKeyInput {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_text("name", &self.name, 200, true)
    }
}

/// A key just made: the secret (shown once), what is stored of it.
pub struct NewApiKey {
    pub secret: String,
    pub hash: String,
    pub prefix: String,
}

impl NewApiKey {
    pub fn generate() -> NewApiKey {
        let secret = format!("kairos_{}", random_token(32));
        NewApiKey {
            hash: hash_secret(&secret),
            prefix: secret.chars().take(PREFIX_LEN).collect(),
            secret,
        }
    }
}

/// The owner of a presented key, as the admin extractor needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub key_id: String,
    pub organization_id: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}
