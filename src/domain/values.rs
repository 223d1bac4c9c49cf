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

/// An address as RFC 5321/5322 `addr-spec` in its dot-atom form: the bare
/// address people type, not a display name (`Pat <pat@x.org>`), and not the
/// quoted-string or address-literal forms that only confuse mail systems.
/// Non-ASCII local parts (RFC 6531) and internationalized domains are fine.
fn check_email(value: &str) -> Result<(), String> {
    email_problem(value).map_or(Ok(()), |why| {
        Err(format!("{value:?} is not an email address: {why}"))
    })
}

fn email_problem(value: &str) -> Option<String> {
    if value.len() > 254 {
        return Some("it is longer than 254 characters".to_string());
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Some("it has no @".to_string());
    };
    if domain.contains('@') {
        return Some("it has more than one @".to_string());
    }
    local_part_problem(local).or_else(|| domain_problem(domain))
}

/// RFC 5322 `atext`, extended to non-ASCII characters by RFC 6531.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
}

fn local_part_problem(local: &str) -> Option<String> {
    if local.is_empty() {
        return Some("nothing before the @".to_string());
    }
    if local.len() > 64 {
        return Some("the part before the @ is longer than 64 characters".to_string());
    }
    if local.split('.').any(str::is_empty) {
        return Some(
            "the part before the @ has a dot at its start or end, or two dots in a row".to_string(),
        );
    }
    local
        .chars()
        .find(|&c| c != '.' && !is_atext(c))
        .map(|c| format!("{c:?} is not allowed before the @"))
}

fn domain_problem(domain: &str) -> Option<String> {
    if domain.is_empty() {
        return Some("nothing after the @".to_string());
    }
    if domain.starts_with('[') {
        return Some("address literals such as [192.0.2.1] are not accepted".to_string());
    }
    // ASCII is letters, digits, '-' and '.'; anything else (not even the
    // %-escapes a URL parser would decode) is not part of a mail domain.
    if let Some(c) = domain
        .chars()
        .find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Some(format!("{c:?} is not allowed in the domain"));
    }
    // Internationalized names become their ASCII (punycode) form; the DNS
    // rules for labels are then checked on that.
    let ascii = match url::Host::parse(domain) {
        Ok(url::Host::Domain(ascii)) => ascii,
        Ok(_) => return Some("the domain is an IP address, not a name".to_string()),
        Err(_) => return Some(format!("the domain {domain:?} is not a valid name")),
    };
    if ascii.len() > 253 {
        return Some("the domain is longer than 253 characters".to_string());
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Some(format!(
            "the domain {domain:?} has no dot (such as example.com)"
        ));
    }
    for label in &labels {
        let ok = (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Some(format!(
                "the domain {domain:?} has an invalid part {label:?} (each part between dots is 1 to 63 letters, digits or '-', not starting or ending with '-')"
            ));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some(format!(
            "the domain {domain:?} ends in a number, not a name"
        ));
    }
    None
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

/// A language tag (`en`, `de-AT`, `pt-BR`; BCP 47's shape): emails are
/// written in it when Kairos has the language, in English otherwise.
pub fn check_language(field: &str, value: &str) -> Result<(), ValidationError> {
    let mut parts = value.split('-');
    let primary = parts.next().unwrap_or_default();
    let well_formed = value.len() <= 35
        && (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if well_formed {
        Ok(())
    } else {
        super::invalid(field, "must be a language tag such as en, de or de-AT")
    }
}

/// `#rrggbb`: the one colour form pages accept (it goes into CSS as is).
pub fn is_hex_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// An absolute web address: `https://` (or `http://` when `https_only` is
/// off), a host, no spaces or control characters, at most 2,000 characters.
pub fn check_url(field: &str, value: &str, https_only: bool) -> Result<(), ValidationError> {
    check_line(field, value, 2_000, true)?;
    let parsed = url::Url::parse(value)
        .map_err(|_| ValidationError::new(field, "must be an absolute URL"))?;
    let scheme_ok = match parsed.scheme() {
        "https" => true,
        "http" => !https_only,
        _ => false,
    };
    if !scheme_ok {
        let wanted = if https_only {
            "an https URL"
        } else {
            "an http(s) URL"
        };
        return super::invalid(field, format!("must be {wanted}"));
    }
    if parsed.host_str().is_none_or(str::is_empty) || value.contains(char::is_whitespace) {
        return super::invalid(field, "must be an absolute URL with a host");
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
    }

    #[test]
    fn emails_are_addr_specs() {
        for good in [
            "pat@example.com",
            "pat.doe+tag@mail.example.co.uk",
            "o'brien@example.ie",
            "x_y-z!#$%&*/=?^`{|}~@example.com",
            "pat@xn--mnchen-3ya.de",
            "pat@münchen.de",
            "jörg@example.de",
            "PAT@EXAMPLE.COM",
            "a@b-c.example",
        ] {
            assert!(
                Email::parse(good).is_ok(),
                "{good}: {:?}",
                Email::parse(good)
            );
        }
        for bad in [
            "pat@@example.com",
            "pat@example..com",
            "a,b@example.com",
            "Pat <pat@example.com>",
            "<pat@example.com>",
            "\"pat\"@example.com",
            "pat.@example.com",
            ".pat@example.com",
            "pa..t@example.com",
            "pat@-example.com",
            "pat@example-.com",
            "pat@exa_mple.com",
            "pat@example.com..",
            "pat@example.com.",
            "pat@exa%6Dple.com",
            "pat@exa\u{0}mple.com",
            "pat@[192.0.2.1]",
            "pat@192.0.2.1",
            "pat@example.123",
            "pat@example",
            "pat(comment)@example.com",
            "pat;x@example.com",
            "pat@exa mple.com",
            "pat\u{0}@example.com",
            &format!("{}@example.com", "a".repeat(65)),
            &format!("pat@{}.com", "a".repeat(64)),
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let message = Email::parse("a,b@example.com").expect_err("comma");
        assert!(message.contains("','"), "{message}");
        assert!(TimeZoneName::parse("Asia/Kathmandu").is_ok());
        assert!(TimeZoneName::parse("Mars/Base").is_err());
        let parsed: Result<Slug, _> = serde_json::from_str("\"Bad Slug\"");
        assert!(parsed.is_err());
    }
}
