//! The shell every page shares: `lang`, the stylesheet and script (versioned
//! URLs, cached for a year), the host's brand colours, the language switch,
//! embedding (`embed=1`: no outer chrome, the embed relay script) and the
//! page's data for the script (the page events of the embed contract).

use super::assets;
use crate::html::escape;
use crate::i18n::Lang;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::fmt::Write;

/// The page's own address and its query parameters, to link to the same
/// page with one parameter changed (language, month, clock…).
#[derive(Debug, Clone, Default)]
pub struct Here {
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl Here {
    pub fn new(path: impl Into<String>) -> Here {
        Here {
            path: path.into(),
            params: Vec::new(),
        }
    }

    /// Sets (or with `None` removes) a parameter.
    pub fn set(&mut self, key: &str, value: Option<&str>) {
        self.params.retain(|(k, _)| k != key);
        if let Some(value) = value {
            self.params.push((key.to_string(), value.to_string()));
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// This address with `changes` applied (not escaped for HTML).
    pub fn with(&self, changes: &[(&str, Option<&str>)]) -> String {
        let mut here = self.clone();
        for (key, value) in changes {
            here.set(key, *value);
        }
        here.url()
    }

    pub fn url(&self) -> String {
        if self.params.is_empty() {
            return self.path.clone();
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.params)
            .finish();
        format!("{}?{query}", self.path)
    }
}

/// A host's colours; `None` keeps Kairos's own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Brand<'a> {
    pub light: Option<&'a str>,
    pub dark: Option<&'a str>,
}

/// Everything around a page's body.
pub struct Shell<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub brand: Brand<'a>,
    pub embed: bool,
    pub here: &'a Here,
    /// Handed to the script as JSON: `{"events": [...]}` for the page
    /// events, and whatever the page's enhancement needs.
    pub data: Option<serde_json::Value>,
}

/// JSON inside `<script>`: `<` written as `\u003c`, so no text a person
/// typed can close the element.
pub fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// Black or white, whichever reads better on `#rrggbb` (WCAG contrast).
pub fn ink_for(colour: &str) -> &'static str {
    let channel = |i: usize| {
        let v = u8::from_str_radix(colour.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
        let c = f64::from(v) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    let against_white = 1.05 / (luminance + 0.05);
    let against_black = (luminance + 0.05) / 0.05;
    if against_white >= against_black {
        "#ffffff"
    } else {
        "#111111"
    }
}

fn brand_style(brand: Brand<'_>) -> String {
    let mut style = String::new();
    // Colours were validated as #rrggbb when stored; checked again here
    // since they go into CSS.
    let valid = |c: &str| crate::domain::is_hex_colour(c);
    if let Some(light) = brand.light.filter(|c| valid(c)) {
        let _ = write!(
            style,
            ":root{{--brand:{light};--brand-ink:{}}}",
            ink_for(light)
        );
    }
    if let Some(dark) = brand.dark.filter(|c| valid(c)) {
        let _ = write!(
            style,
            "@media (prefers-color-scheme:dark){{:root{{--brand:{dark};--brand-ink:{}}}}}",
            ink_for(dark)
        );
    }
    if style.is_empty() {
        style
    } else {
        format!("<style>{style}</style>")
    }
}

/// A whole page: the shell around `body`.
pub fn document(shell: &Shell<'_>, body: &str) -> Html<String> {
    let lang = shell.lang;
    let mut html = String::with_capacity(body.len() + 2_048);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"{}\">{}\
         <script src=\"{}\" defer></script>",
        lang.code(),
        escape(shell.title),
        assets::css_url(),
        brand_style(shell.brand),
        assets::js_url(),
    );
    if shell.embed {
        html.push_str("<script src=\"/embed/frame.js\" defer></script>");
    }
    html.push_str("</head>");
    let _ = write!(
        html,
        "<body class=\"{}\"><a class=\"skip\" href=\"#main\">{}</a><main id=\"main\" tabindex=\"-1\">",
        if shell.embed { "embed" } else { "page" },
        escape(lang.t("skip"))
    );
    html.push_str(body);
    html.push_str("</main>");
    // Pages without an address of their own (polls) have no language switch.
    if !shell.embed && !shell.here.path.is_empty() {
        let _ = write!(
            html,
            "<footer><nav aria-label=\"{}\">",
            escape(lang.t("lang.label"))
        );
        for other in Lang::ALL {
            let name = match other {
                Lang::En => "English",
                Lang::De => "Deutsch",
            };
            if other == lang {
                let _ = write!(html, "<span aria-current=\"true\">{name}</span> ");
            } else {
                let _ = write!(
                    html,
                    "<a href=\"{}\" hreflang=\"{}\" lang=\"{}\">{name}</a> ",
                    escape(&shell.here.with(&[("lang", Some(other.code()))])),
                    other.code(),
                    other.code()
                );
            }
        }
        let _ = write!(
            html,
            "</nav><p class=\"muted\">{}</p></footer>",
            escape(lang.t("powered"))
        );
    }
    if let Some(data) = &shell.data {
        let _ = write!(
            html,
            "<script type=\"application/json\" id=\"kairos-page\">{}</script>",
            script_json(data)
        );
    }
    html.push_str("</body></html>");
    Html(html)
}

/// A page that says something went wrong, in the visitor's language (never
/// JSON: a person is reading).
pub fn message(
    status: StatusCode,
    lang: Lang,
    here: &Here,
    embed: bool,
    title_key: &str,
    text: &str,
) -> Response {
    let title = lang.t(title_key);
    let body = format!(
        "<div class=\"card narrow\"><h1>{}</h1><p role=\"alert\">{}</p></div>",
        escape(title),
        escape(text)
    );
    let shell = Shell {
        lang,
        title,
        brand: Brand::default(),
        embed,
        here,
        data: None,
    };
    (status, document(&shell, &body)).into_response()
}

pub fn not_found(lang: Lang, here: &Here, embed: bool) -> Response {
    message(
        StatusCode::NOT_FOUND,
        lang,
        here,
        embed,
        "error.not_found.title",
        lang.t("error.not_found.text"),
    )
}

/// Pages whose address is a secret (a link's token) are neither cached by
/// others nor named to other sites (the host's avatar comes from a CDN).
pub fn secret_headers(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A page whose address carries a secret (a manage, approval, survey or
/// reconnect token), sent with [`secret_headers`]; 422 when `refused` (the
/// form comes back with its error beside the field).
pub fn secret_page(shell: &Shell<'_>, body: &str, refused: bool) -> Response {
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = (status, document(shell, body)).into_response();
    secret_headers(&mut response);
    response
}

/// A "reason" text area under `label`, with its error beside it (read
/// aloud, and tied to the field) when there is one.
pub fn reason_field(label: &str, error: Option<&str>) -> String {
    let (attrs, error) = match error {
        Some(message) => (
            " aria-invalid=\"true\" aria-describedby=\"e-reason\"",
            format!(
                "<p class=\"error\" id=\"e-reason\" role=\"alert\">{}</p>",
                escape(message)
            ),
        ),
        None => ("", String::new()),
    };
    format!(
        "<div class=\"field\"><label for=\"f-reason\">{}</label>\
         <textarea id=\"f-reason\" name=\"reason\" rows=\"3\" maxlength=\"2000\"{attrs}></textarea>{error}</div>",
        escape(label)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_keeps_contrast() {
        assert_eq!(ink_for("#000000"), "#ffffff");
        assert_eq!(ink_for("#ffffff"), "#111111");
        assert_eq!(ink_for("#0b57d0"), "#ffffff");
        assert_eq!(ink_for("#ffd400"), "#111111");
    }

    #[test]
    fn script_json_cannot_close_the_element() {
        let value = serde_json::json!({ "name": "</script><script>alert(1)</script>" });
        assert!(!script_json(&value).contains("</script"));
    }

    #[test]
    fn links_change_one_parameter() {
        let mut here = Here::new("/ana/intro");
        here.set("month", Some("2026-06"));
        here.set("lang", Some("en"));
        assert_eq!(
            here.with(&[("lang", Some("de"))]),
            "/ana/intro?month=2026-06&lang=de"
        );
        assert_eq!(here.with(&[("month", None)]), "/ana/intro?lang=en");
    }
}
