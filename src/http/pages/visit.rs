//! What a request says about the person reading: language, clock,
//! embedding, and the parameters every link and form passes on (campaign,
//! embedding page, prefill), read leniently: an address bar, not an API
//! client, so unknown parameters are ignored.

use super::layout::{self, Here};
use crate::http::error::ApiError;
use crate::http::extract::body_rejection;
use crate::i18n::{Clock, Lang};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

/// Parameters a page hands on to the next one (the calendar to the form,
/// the form to itself): language and clock once chosen, embedding, the
/// campaign, prefill, a hold and a reschedule.
pub const CARRIED: [&str; 15] = [
    "lang",
    "clock",
    "embed",
    "embed_url",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "name",
    "email",
    "hold",
    "reschedule",
    "token",
    "timezone",
];

pub const UTM: [(&str, &str); 5] = [
    ("utm_source", "source"),
    ("utm_medium", "medium"),
    ("utm_campaign", "campaign"),
    ("utm_term", "term"),
    ("utm_content", "content"),
];

#[derive(Debug, Clone)]
pub struct Visit {
    pub lang: Lang,
    pub clock: Clock,
    pub embed: bool,
    /// The query's pairs, in order (a repeated name keeps every value).
    pub params: Vec<(String, String)>,
}

impl Visit {
    pub fn read(raw: Option<&str>, headers: &HeaderMap) -> Visit {
        let params: Vec<(String, String)> =
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let last = |key: &str| {
            params
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let lang = Lang::choose(last("lang"), accept);
        let clock = last("clock")
            .and_then(Clock::parse)
            .unwrap_or(lang.default_clock());
        let embed = matches!(last("embed"), Some("1" | "true"));
        Visit {
            lang,
            clock,
            embed,
            params,
        }
    }

    /// The last value of `key`, if any and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// `path` with the parameters this page carries on (`extra`: the page's
    /// own, such as question ids for prefill).
    pub fn here(&self, path: &str, extra: &[&str]) -> Here {
        let mut here = Here::new(path);
        for (key, value) in &self.params {
            let carried = CARRIED.contains(&key.as_str()) || extra.contains(&key.as_str());
            if carried && !value.is_empty() && here.get(key).is_none() {
                here.set(key, self.get(key));
            }
        }
        here
    }

    /// A page for an error, in the reader's language: unknown things are
    /// 404 pages, refusals say what was wrong.
    pub fn fail(&self, here: &Here, error: ApiError) -> Response {
        let status = error.status();
        let (title, text) = match status {
            StatusCode::NOT_FOUND => {
                return layout::not_found(self.lang, here, self.embed);
            }
            StatusCode::GONE => (
                "error.gone.title",
                self.lang.t("error.gone.text").to_string(),
            ),
            s if s.is_client_error() => (
                "error.bad.title",
                self.lang.tf(
                    "error.bad.text",
                    &[(
                        "detail",
                        &match error.field() {
                            Some(field) => format!("{field}: {}", error.detail()),
                            None => error.detail().to_string(),
                        },
                    )],
                ),
            ),
            _ => (
                "error.busy.title",
                self.lang.t("error.busy.text").to_string(),
            ),
        };
        let mut response = layout::message(status, self.lang, here, self.embed, title, &text);
        if let Some(seconds) = error.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        response
    }
}

/// A form POSTed to a page at `path` whose address carries a `token`:
/// who reads, where, the token, and the fields.
pub struct FormPost {
    pub visit: Visit,
    pub here: Here,
    pub token: String,
    body: Bytes,
}

impl FormPost {
    /// The post, or the page that says why the body could not be read.
    pub fn read(
        raw: Option<&str>,
        headers: &HeaderMap,
        path: &str,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<FormPost, Box<Response>> {
        let visit = Visit::read(raw, headers);
        let here = visit.here(path, &[]);
        let body = match body {
            Ok(body) => body,
            Err(rejection) => return Err(Box::new(visit.fail(&here, body_rejection(rejection)))),
        };
        let token = visit.get("token").unwrap_or_default().to_string();
        Ok(FormPost {
            visit,
            here,
            token,
            body,
        })
    }

    /// A field's text exactly as sent (a password); `None` when empty.
    pub fn raw_field(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    }

    /// A field's text, trimmed, with LF line ends; `None` when empty.
    pub fn field(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().replace("\r\n", "\n"))
            .filter(|v| !v.is_empty())
    }
}
