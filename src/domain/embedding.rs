//! Where an organization's booking pages and booking API may be used from:
//! the sites allowed to embed them (iframe) and to call the public API from
//! a browser (the widget). The default is any site.

use super::{ValidationError, invalid};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// More origins than this is a configuration mistake, and every one of them
/// travels in each booking page's `Content-Security-Policy` header.
const MAX_ORIGINS: usize = 50;
const MAX_ORIGIN_LEN: usize = 300;

/// An organization's embedding settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmbeddingSettings {
    /// `null` (the default): any site may embed the booking pages and call
    /// the public booking API from a browser. A list: only these origins
    /// (`https://shop.example`, `http://localhost:3000`, or a wildcard
    /// subdomain `https://*.example.com`); an empty list: no other site.
    /// Kairos's own pages are always allowed.
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
}

impl EmbeddingSettings {
    /// The settings with every origin checked and written the way browsers
    /// send them (lowercase, no default port, no trailing slash), duplicates
    /// dropped.
    pub fn normalized(&self) -> Result<EmbeddingSettings, ValidationError> {
        let Some(origins) = &self.allowed_origins else {
            return Ok(EmbeddingSettings::default());
        };
        if origins.len() > MAX_ORIGINS {
            return invalid("allowed_origins", format!("at most {MAX_ORIGINS} origins"));
        }
        let mut normalized: Vec<String> = Vec::with_capacity(origins.len());
        for (i, origin) in origins.iter().enumerate() {
            let origin = normalize_origin(origin).map_err(|message| {
                ValidationError::new(format!("allowed_origins[{i}]"), message)
            })?;
            if !normalized.contains(&origin) {
                normalized.push(origin);
            }
        }
        Ok(EmbeddingSettings {
            allowed_origins: Some(normalized),
        })
    }

    /// Whether any site may embed and call (no list).
    pub fn any_origin(&self) -> bool {
        self.allowed_origins.is_none()
    }

    /// Whether a browser's `Origin` is allowed. `null` origins (sandboxed
    /// frames, `file:`) pass only when any site is.
    pub fn allows(&self, origin: &str) -> bool {
        let Some(list) = &self.allowed_origins else {
            return true;
        };
        let origin = origin.to_ascii_lowercase();
        let Some((scheme, host, port)) = split_origin(&origin) else {
            return false;
        };
        list.iter().any(|pattern| {
            let Some((p_scheme, p_host, p_port)) = split_origin(pattern) else {
                return false;
            };
            if p_scheme != scheme || p_port != port {
                return false;
            }
            match p_host.strip_prefix("*.") {
                // Like CSP: any depth of subdomain, but not the bare domain.
                Some(domain) => host
                    .strip_suffix(domain)
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
                None => p_host == host,
            }
        })
    }

    /// The value of the `Content-Security-Policy` header a booking page
    /// sends so that only allowed sites can frame it, or `None` when any
    /// site may (no header: the browser's default, which also lets `file:`
    /// pages and apps embed). Kairos's own pages (`'self'`) always may.
    pub fn frame_ancestors(&self) -> Option<String> {
        let list = self.allowed_origins.as_ref()?;
        let mut policy = String::from("frame-ancestors 'self'");
        for origin in list {
            policy.push(' ');
            policy.push_str(origin);
        }
        Some(policy)
    }
}

/// `scheme://host[:port]` → (scheme, host, port or "").
fn split_origin(origin: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = origin.split_once("://")?;
    // A bracketed IPv6 host holds colons.
    let (host, port) = if rest.starts_with('[') {
        let end = rest.find(']')?;
        let (host, after) = rest.split_at(end + 1);
        (host, after.strip_prefix(':').unwrap_or(after))
    } else {
        rest.split_once(':').unwrap_or((rest, ""))
    };
    Some((scheme, host, port))
}

/// One origin as browsers write it, or why it is not one.
fn normalize_origin(input: &str) -> Result<String, String> {
    let explain = || {
        format!(
            "{input:?} is not an origin: write the scheme, host and optional port, \
             like https://shop.example or https://*.example.com, without a path"
        )
    };
    let text = input.trim().to_ascii_lowercase();
    if text.is_empty() || text.len() > MAX_ORIGIN_LEN {
        return Err(explain());
    }
    let text = text.strip_suffix('/').unwrap_or(&text);
    let (scheme, host, port) = split_origin(text).ok_or_else(explain)?;
    if scheme != "http" && scheme != "https" {
        return Err(format!("{input:?}: only http and https sites can embed"));
    }
    let bare = host.strip_prefix("*.").unwrap_or(host);
    let host_ok = if let Some(inner) = bare.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
            && !host.starts_with("*.")
    } else {
        !bare.is_empty()
            && bare.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    if !host_ok {
        return Err(explain());
    }
    let port = match port {
        "" => None,
        digits => match digits.parse::<u16>() {
            Ok(p) if p > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Some(p),
            _ => return Err(explain()),
        },
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    Ok(match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(origins: &[&str]) -> EmbeddingSettings {
        EmbeddingSettings {
            allowed_origins: Some(origins.iter().map(|o| o.to_string()).collect()),
        }
        .normalized()
        .expect("valid")
    }

    #[test]
    fn origins_are_written_as_browsers_send_them() {
        let s = settings(&[
            "HTTPS://Shop.Example/",
            "https://shop.example:443",
            "http://localhost:3000",
            "http://127.0.0.1:80",
            "https://*.Example.com",
            "http://[::1]:8080",
        ]);
        assert_eq!(
            s.allowed_origins.as_deref().expect("list"),
            [
                "https://shop.example",
                "http://localhost:3000",
                "http://127.0.0.1",
                "https://*.example.com",
                "http://[::1]:8080"
            ]
        );
    }

    #[test]
    fn anything_but_an_origin_is_refused_naming_its_index() {
        for bad in [
            "shop.example",
            "https://shop.example/path",
            "https://shop.example?x=1",
            "ftp://shop.example",
            "https://",
            "https://shop..example",
            "https://shop.example:0",
            "https://shop.example:99999",
            "https://user@shop.example",
            "https://*.",
            "https://a.*.example",
            "javascript://alert(1)",
            "https://shop.exa\nmple",
            "https://<script>",
        ] {
            let error = EmbeddingSettings {
                allowed_origins: Some(vec!["https://ok.example".into(), bad.into()]),
            }
            .normalized()
            .expect_err(bad);
            assert_eq!(error.field, "allowed_origins[1]", "{bad}");
        }
        let many = EmbeddingSettings {
            allowed_origins: Some(vec!["https://a.example".into(); MAX_ORIGINS + 1]),
        };
        assert_eq!(
            many.normalized().expect_err("too many").field,
            "allowed_origins"
        );
    }

    #[test]
    fn allows_exact_origins_and_wildcard_subdomains() {
        let any = EmbeddingSettings::default();
        assert!(any.allows("https://anything.example"));
        assert!(any.allows("null"));
        let s = settings(&[
            "https://shop.example",
            "https://*.example.com",
            "http://localhost:3000",
        ]);
        assert!(s.allows("https://shop.example"));
        assert!(s.allows("HTTPS://SHOP.EXAMPLE"));
        assert!(!s.allows("http://shop.example"), "scheme counts");
        assert!(!s.allows("https://shop.example:8443"), "port counts");
        assert!(!s.allows("https://evilshop.example"));
        assert!(!s.allows("https://shop.example.evil"));
        assert!(s.allows("https://a.example.com"));
        assert!(s.allows("https://a.b.example.com"));
        assert!(
            !s.allows("https://example.com"),
            "the bare domain is not a subdomain"
        );
        assert!(!s.allows("https://badexample.com"));
        assert!(s.allows("http://localhost:3000"));
        assert!(!s.allows("http://localhost:3001"));
        assert!(!s.allows("null"));
        assert!(!settings(&[]).allows("https://shop.example"));
    }

    #[test]
    fn frame_ancestors_follows_the_list() {
        assert_eq!(EmbeddingSettings::default().frame_ancestors(), None);
        assert_eq!(
            settings(&[]).frame_ancestors().as_deref(),
            Some("frame-ancestors 'self'")
        );
        assert_eq!(
            settings(&["https://shop.example", "https://*.example.com"])
                .frame_ancestors()
                .as_deref(),
            Some("frame-ancestors 'self' https://shop.example https://*.example.com")
        );
    }
}
