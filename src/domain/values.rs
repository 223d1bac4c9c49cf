//! Small validated values: slugs, emails, time zones, ids.

use super::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident, $check:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(try_from = "String", into = "String")]
        #[schema(value_type = String)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: impl Into<String>) -> Result<Self, String> {
                let value = value.into();
                $check(&value)?;
                Ok($name(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn check_slug(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a slug (1 to 64 of a-z, 0-9 and '-', not starting or ending with '-')"
        ))
    }
}

fn check_email(value: &str) -> Result<(), String> {
    let bad = || Err(format!("{value:?} is not an email address"));
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad();
    }
    match value.rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@') =>
        {
            Ok(())
        }
        _ => bad(),
    }
}

fn check_zone(value: &str) -> Result<(), String> {
    crate::engine::zones::iana(value)
        .map(|_| ())
        .ok_or_else(|| {
            format!("unknown time zone {value:?} (expected an IANA name such as Europe/Berlin)")
        })
}

string_newtype!(
    /// URL-safe identifier: `a-z`, `0-9`, `-`.
    Slug,
    check_slug
);
string_newtype!(
    /// An email address (checked for shape, not deliverability).
    Email,
    check_email
);
string_newtype!(
    /// An IANA time zone name.
    TimeZoneName,
    check_zone
);

impl TimeZoneName {
    pub fn zone(&self) -> crate::engine::Zone {
        crate::engine::Zone::Iana(crate::engine::zones::iana(&self.0).unwrap_or(chrono_tz::UTC))
    }
}

/// Checks a free-text field is present and not too long.
pub fn check_text(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), ValidationError> {
    if required && value.trim().is_empty() {
        return super::invalid(field, "must not be empty");
    }
    if value.chars().count() > max {
        return super::invalid(field, format!("is longer than {max} characters"));
    }
    // Line breaks and tabs are text; other control characters (NUL above all,
    // which PostgreSQL refuses to store) are not.
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return super::invalid(field, "contains control characters");
    }
    Ok(())
}

/// Checks a single-line text field (a name, a title, a label): like
/// [`check_text`], and no control characters at all. A line break in a name
/// would otherwise travel into calendar events, headers and page titles.
pub fn check_line(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), ValidationError> {
    check_text(field, value, max, required)?;
    if value.chars().any(char::is_control) {
        return super::invalid(
            field,
            "must be a single line: line breaks, tabs and other control characters are not allowed",
        );
    }
    Ok(())
}

/// A new unique id (UUID v7: time-ordered, so indexes stay compact).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A random token of `len` characters from an unambiguous alphabet; `len`
/// 32 gives about 165 bits, beyond guessing.
pub fn random_token(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Could `text` be one of our random ids or tokens (booking uids, link and
/// poll tokens)? Checked before touching the database, so junk in a URL is a
/// plain 404.
pub fn looks_like_token(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The public id of a booking (appears in links and emails).
pub fn new_booking_uid() -> String {
    random_token(20)
}

/// SHA-256 of a secret, hex: API keys and manage tokens are stored only hashed.
pub fn hash_secret(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_validate() {
        assert!(Slug::parse("intro-call").is_ok());
        for bad in ["", "Intro", "-a", "a-", "a b", "a_b"] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse("ana@example.com").is_ok());
        for bad in ["ana", "ana@", "@x.com", "a b@x.com", "ana@x", "ana@.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(TimeZoneName::parse("Asia/Kathmandu").is_ok());
        assert!(TimeZoneName::parse("Mars/Base").is_err());
        let parsed: Result<Slug, _> = serde_json::from_str("\"Bad Slug\"");
        assert!(parsed.is_err());
    }
}
