//! Email-safe HTML a host pastes into a signature or a message: tables and
//! inline styles only (mail clients drop `<style>`, classes and scripts),
//! every value escaped, and the same content as plain text for clients
//! that show no HTML.

use crate::html::escape;
use serde::Serialize;
use utoipa::ToSchema;

/// The colour of buttons when the host chose none.
pub const DEFAULT_BRAND: &str = "#1f4fd1";

pub const FONT: &str = "font-family:Arial,Helvetica,sans-serif";

/// One piece of mail content in both forms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Snippet {
    /// Inline-styled HTML, safe to paste into a signature or message.
    pub html: String,
    /// The same content as plain text.
    pub text: String,
}

/// A link that looks like a button in every mail client (a one-cell table
/// carries the background where clients ignore an anchor's padding).
pub fn button(url: &str, label: &str, brand: &str) -> String {
    let (background, ink) = colours(brand);
    format!(
        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"border-collapse:separate\"><tr><td style=\"border-radius:6px;background:{background}\">\
         <a href=\"{url}\" style=\"display:inline-block;padding:10px 18px;{FONT};font-size:14px;\
         font-weight:bold;line-height:20px;color:{ink};text-decoration:none;border-radius:6px\">{label}</a>\
         </td></tr></table>",
        url = escape(url),
        label = escape(label),
    )
}

/// Plain text as email-safe HTML: paragraphs at blank lines, line breaks
/// kept, web addresses made links, everything else escaped.
pub fn paragraphs(text: &str) -> String {
    let mut html = String::new();
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let lines: Vec<String> = paragraph.trim_matches('\n').lines().map(linked).collect();
        html.push_str(&format!(
            "<p style=\"margin:0 0 16px;{FONT};font-size:15px;line-height:22px;color:#222222\">{}</p>",
            lines.join("<br>")
        ));
    }
    html
}

/// One line, escaped, its `http(s)://` words made links.
fn linked(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            let url = word.trim_end_matches(['.', ',', ')', ';', '!', '?']);
            if url.starts_with("https://") || url.starts_with("http://") {
                format!(
                    "<a href=\"{0}\" style=\"color:#1f4fd1\">{0}</a>{1}",
                    escape(url),
                    escape(&word[url.len()..])
                )
            } else {
                escape(word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Book time with me": the host's page (or one event type's) as a button.
pub fn signature(url: &str, label: &str, brand: &str) -> Snippet {
    Snippet {
        html: button(url, label, brand),
        text: format!("{label}: {url}"),
    }
}

/// A time offered in a suggestion: how the recipient reads it, and its link.
pub struct Offered<'a> {
    pub label: &'a str,
    pub url: &'a str,
}

/// The texts around suggested times, already in the reader's language.
pub struct SuggestionTexts<'a> {
    /// "Intro call (30 minutes)".
    pub heading: &'a str,
    /// "Times shown in Europe/Berlin."
    pub zone_note: &'a str,
    /// "None of these? See all times".
    pub more_label: &'a str,
    pub more_url: &'a str,
    /// Said instead of times when none is free.
    pub none_free: &'a str,
}

/// A block of one-click times, each its own link, then a link to every time.
pub fn suggestions(times: &[Offered<'_>], texts: &SuggestionTexts<'_>, brand: &str) -> Snippet {
    let (background, ink) = colours(brand);
    let mut html = format!(
        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"{FONT};font-size:14px;color:#1a1a1a\">\
         <tr><td style=\"padding:0 0 8px 0;font-weight:bold\">{}</td></tr>",
        escape(texts.heading)
    );
    let mut text = format!("{}\n", texts.heading);
    if times.is_empty() {
        html.push_str(&format!(
            "<tr><td style=\"padding:0 0 8px 0\">{}</td></tr>",
            escape(texts.none_free)
        ));
        text.push_str(&format!("{}\n", texts.none_free));
    }
    for time in times {
        html.push_str(&format!(
            "<tr><td style=\"padding:0 0 6px 0\"><a href=\"{url}\" style=\"display:inline-block;padding:8px 14px;\
             border-radius:6px;background:{background};color:{ink};text-decoration:none;font-weight:bold\">{label}</a></td></tr>",
            url = escape(time.url),
            label = escape(time.label),
        ));
        text.push_str(&format!("- {}: {}\n", time.label, time.url));
    }
    html.push_str(&format!(
        "<tr><td style=\"padding:4px 0 0 0;font-size:12px;color:#555555\">{note} \
         <a href=\"{url}\" style=\"color:#1a1a1a\">{more}</a></td></tr></table>",
        note = escape(texts.zone_note),
        url = escape(texts.more_url),
        more = escape(texts.more_label),
    ));
    text.push_str(&format!(
        "{} {}: {}\n",
        texts.zone_note, texts.more_label, texts.more_url
    ));
    Snippet { html, text }
}

/// The button's background and a text colour readable on it (WCAG AA,
/// 4.5:1): white where it reaches that, else near-black. A colour that is
/// not `#rrggbb` falls back to the default brand.
pub fn colours(brand: &str) -> (&str, &'static str) {
    let background = if parse_hex(brand).is_some() {
        brand
    } else {
        DEFAULT_BRAND
    };
    let luminance = parse_hex(background).map_or(0.0, relative_luminance);
    let on_white = 1.05 / (luminance + 0.05);
    (
        background,
        if on_white >= 4.5 {
            "#ffffff"
        } else {
            "#111111"
        },
    )
}

fn parse_hex(colour: &str) -> Option<[u8; 3]> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// WCAG 2.1's relative luminance of an sRGB colour.
fn relative_luminance(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_on_buttons_keeps_contrast() {
        assert_eq!(colours("#1f4fd1").1, "#ffffff");
        assert_eq!(colours("#ffe066").1, "#111111");
        assert_eq!(colours("#000000").1, "#ffffff");
        // Not a colour: the default brand, never the raw text.
        assert_eq!(colours("red;background:url(x)"), (DEFAULT_BRAND, "#ffffff"));
    }

    #[test]
    fn every_value_is_escaped() {
        let snippet = signature("https://k.example/a?x=1&y=\"2\"", "<b>Book</b>", "#1f4fd1");
        assert!(snippet.html.contains("x=1&amp;y=&quot;2&quot;"));
        assert!(snippet.html.contains("&lt;b&gt;Book&lt;/b&gt;"));
        assert!(!snippet.html.contains("<b>"));
        assert!(!snippet.html.contains("<style") && !snippet.html.contains("class="));
    }
}
