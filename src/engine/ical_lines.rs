//! iCalendar content lines (RFC 5545 §3.1) into a tree of components.
//!
//! Our own reader rather than a general parser: it runs once per synced row
//! and per scenario event, so it is one pass without recursion, borrows the
//! text wherever a line is not folded, keeps each property's source line for
//! errors, and enforces the nesting, size and count limits before anything
//! else looks at the text.

use super::limits::{MAX_COMPONENTS, MAX_ICAL_BYTES, MAX_NESTING};
use std::borrow::Cow;
use std::fmt;

/// What is wrong with an iCalendar text, and on which (folded, 1-based) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcalError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for IcalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for IcalError {}

/// `NAME;KEY=VALUE:VALUE`, with its 1-based source line.
#[derive(Debug)]
pub struct Property<'t> {
    pub name: &'t str,
    /// The parameters as written (`;KEY=VALUE…`, checked by `content_line`),
    /// split again when asked for: most lines have none and the rest one or
    /// two, so a list of them per line would cost an allocation for nothing.
    params: &'t str,
    pub value: &'t str,
    pub line: usize,
}

impl Property<'_> {
    /// A parameter's value (the first one given), quotes removed.
    pub fn param(&self, key: &str) -> Option<&str> {
        let mut rest = self.params;
        while let Some(after) = rest.strip_prefix(';') {
            let (name, value, end) = split_param(after);
            if name.eq_ignore_ascii_case(key) {
                return Some(value.trim().trim_matches('"'));
            }
            rest = &after[end..];
        }
        None
    }
}

/// `BEGIN:NAME` … `END:NAME` with its properties and sub-components.
#[derive(Debug)]
pub struct Component<'t> {
    pub name: &'t str,
    pub line: usize,
    pub properties: Vec<Property<'t>>,
    pub components: Vec<Component<'t>>,
}

impl<'t> Component<'t> {
    pub fn find(&self, name: &str) -> Option<&Property<'t>> {
        self.properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub fn all<'c>(&'c self, name: &'static str) -> impl Iterator<Item = &'c Property<'t>> {
        self.properties
            .iter()
            .filter(move |p| p.name.eq_ignore_ascii_case(name))
    }

    pub fn children<'c>(&'c self, name: &'static str) -> impl Iterator<Item = &'c Component<'t>> {
        self.components
            .iter()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Logical lines (continuations joined) with the source line each starts on.
/// Borrowed unless folded.
pub fn unfold(text: &str) -> Result<Vec<(Cow<'_, str>, usize)>, IcalError> {
    if text.len() > MAX_ICAL_BYTES {
        return Err(IcalError {
            line: 0,
            message: format!(
                "iCalendar text of {} bytes is over the limit of {MAX_ICAL_BYTES} bytes",
                text.len()
            ),
        });
    }
    // About one logical line per 30 bytes in real calendars.
    let mut lines: Vec<(Cow<'_, str>, usize)> = Vec::with_capacity(text.len() / 32 + 1);
    for (index, raw) in split_lines(text).enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        // A line that starts with a name is not blank; only others are trimmed.
        let named = line
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphanumeric);
        if !named && line.trim().is_empty() {
            continue;
        }
        match line.as_bytes()[0] {
            b' ' | b'\t' => match lines.last_mut() {
                Some((logical, _)) => logical.to_mut().push_str(&line[1..]),
                None => {
                    return Err(IcalError {
                        line: index + 1,
                        message: "continuation line with nothing to continue".to_string(),
                    });
                }
            },
            _ => lines.push((Cow::Borrowed(line), index + 1)),
        }
    }
    Ok(lines)
}

/// `text.split('\n')` by a plain byte loop: lines are short, and the
/// general searcher costs more to set up than to run on each.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.bytes().position(|b| b == b'\n') {
            Some(end) => {
                rest = Some(&current[end + 1..]);
                Some(&current[..end])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Reads logical lines into their top-level components, checking that every
/// line is a content line and that BEGIN/END nest, so errors name the line.
pub fn components<'t>(lines: &'t [(Cow<'t, str>, usize)]) -> Result<Vec<Component<'t>>, IcalError> {
    let mut top: Vec<Component<'t>> = Vec::new();
    let mut open: Vec<Component<'t>> = Vec::new();
    let mut count = 0usize;
    for (text, line) in lines {
        let line = *line;
        let property = content_line(text, line)?;
        if property.name.eq_ignore_ascii_case("BEGIN") {
            // The tree is built without recursion, but what reads it recurses
            // per level, and no real calendar nests deeper than 3.
            if open.len() >= MAX_NESTING {
                return Err(IcalError {
                    line,
                    message: format!("components are nested deeper than {MAX_NESTING} levels"),
                });
            }
            count += 1;
            if count > MAX_COMPONENTS {
                return Err(IcalError {
                    line,
                    message: format!("more than {MAX_COMPONENTS} components"),
                });
            }
            open.push(Component {
                name: property.value.trim(),
                line,
                // Room for a typical event's properties without regrowing.
                properties: Vec::with_capacity(8),
                components: Vec::new(),
            });
        } else if property.name.eq_ignore_ascii_case("END") {
            let value = property.value.trim();
            let Some(done) = open.pop() else {
                return Err(IcalError {
                    line,
                    message: format!("END:{value} without BEGIN"),
                });
            };
            if !done.name.eq_ignore_ascii_case(value) {
                return Err(IcalError {
                    line,
                    message: format!(
                        "END:{value} closes BEGIN:{} of line {}",
                        done.name.to_ascii_uppercase(),
                        done.line
                    ),
                });
            }
            match open.last_mut() {
                Some(parent) => parent.components.push(done),
                None => top.push(done),
            }
        } else {
            match open.last_mut() {
                Some(component) => component.properties.push(property),
                None => {
                    return Err(IcalError {
                        line,
                        message: format!("{} outside of any component", property.name),
                    });
                }
            }
        }
    }
    if let Some(unclosed) = open.pop() {
        return Err(IcalError {
            line: unclosed.line,
            message: format!(
                "BEGIN:{} is never closed",
                unclosed.name.to_ascii_uppercase()
            ),
        });
    }
    Ok(top)
}

/// `NAME *(";" param) ":" value`; a quoted parameter value may hold `;:,`.
fn content_line(text: &str, line: usize) -> Result<Property<'_>, IcalError> {
    let bad = |what: &str| IcalError {
        line,
        message: format!("{:?} is not an iCalendar content line ({what})", clip(text)),
    };
    let name_end = text
        .bytes()
        .position(|b| b == b';' || b == b':')
        .ok_or_else(|| bad("NAME:VALUE"))?;
    let name = &text[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad("bad property name"));
    }
    let mut rest = &text[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let (_, _, end) = split_param(after);
        if end >= after.len() {
            return Err(IcalError {
                line,
                message: format!("{:?} has no ':' before its value", clip(text)),
            });
        }
        rest = &after[end..];
    }
    let params = &text[name_end..text.len() - rest.len()];
    let value = rest.strip_prefix(':').ok_or_else(|| IcalError {
        line,
        message: format!("{:?} has no ':' before its value", clip(text)),
    })?;
    Ok(Property {
        name,
        params,
        value,
        line,
    })
}

/// The first parameter of `after` (the text after a `;`): its key, its
/// value, and where it ends (the next `;` or `:` outside quotes, or the end
/// of `after`). A parameter without `=` (sloppy exporters) has no value.
fn split_param(after: &str) -> (&str, &str, usize) {
    // A byte loop: the general searcher for a set of characters costs more
    // than these few bytes.
    let key_end = after
        .bytes()
        .position(|b| matches!(b, b'=' | b';' | b':'))
        .unwrap_or(after.len());
    let value_start = if after[key_end..].starts_with('=') {
        key_end + 1
    } else {
        key_end
    };
    let bytes = after.as_bytes();
    let mut end = value_start;
    let mut quoted = false;
    while end < bytes.len() {
        match bytes[end] {
            b'"' => quoted = !quoted,
            b';' | b':' if !quoted => break,
            _ => {}
        }
        end += 1;
    }
    (&after[..key_end], &after[value_start..end], end)
}

/// A DATE value, `YYYYMMDD`, read by hand: thousands of them per calendar,
/// and a fixed-width form needs no format interpreter.
pub fn date(value: &str) -> Option<chrono::NaiveDate> {
    let b = value.as_bytes();
    if b.len() != 8 {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(
        i32::try_from(digits(&b[0..4])?).ok()?,
        digits(&b[4..6])?,
        digits(&b[6..8])?,
    )
}

/// A local DATE-TIME value, `YYYYMMDDTHHMMSS` (no `Z`; the caller strips it).
/// A leap second (`60`) is read as the last second of its minute.
pub fn date_time(value: &str) -> Option<chrono::NaiveDateTime> {
    let b = value.as_bytes();
    if b.len() != 15 || !matches!(b[8], b'T' | b't') {
        return None;
    }
    let second = digits(&b[13..15])?;
    date(&value[..8])?
        .and_hms_opt(digits(&b[9..11])?, digits(&b[11..13])?, second.min(59))
        .filter(|_| second <= 60)
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<usize, IcalError> {
        let lines = unfold(text)?;
        components(&lines).map(|c| c.len())
    }

    #[test]
    fn dates_and_times_read_by_hand() {
        use chrono::{NaiveDate, NaiveDateTime};
        for text in ["20261201", "00010101", "99991231", "20240229"] {
            assert_eq!(
                date(text),
                NaiveDate::parse_from_str(text, "%Y%m%d").ok(),
                "{text}"
            );
        }
        for text in [
            "20261301",
            "20230229",
            "2026120",
            "2026120a",
            "+2026120",
            "202612011",
        ] {
            assert_eq!(date(text), None, "{text}");
        }
        for text in ["20261201T093000", "20261201t235959", "00010101T000000"] {
            assert_eq!(
                date_time(text),
                NaiveDateTime::parse_from_str(&text.to_uppercase(), "%Y%m%dT%H%M%S").ok(),
                "{text}"
            );
        }
        for text in [
            "20261201T240000",
            "20261201T096000",
            "20261201 093000",
            "20261201T0930",
        ] {
            assert_eq!(date_time(text), None, "{text}");
        }
    }

    #[test]
    fn parameters_may_quote_colons() {
        let text = "BEGIN:VEVENT\r\nATTENDEE;CN=\"Doe: Pat\";PARTSTAT=DECLINED:mailto:pat@example.com\r\nEND:VEVENT\r\n";
        let lines = unfold(text).expect("unfolds");
        let top = components(&lines).expect("reads");
        let attendee = top[0].find("ATTENDEE").expect("attendee");
        assert_eq!(attendee.param("CN"), Some("Doe: Pat"));
        assert_eq!(attendee.param("partstat"), Some("DECLINED"));
        assert_eq!(attendee.value, "mailto:pat@example.com");
        assert_eq!(attendee.line, 2);
    }

    #[test]
    fn folded_lines_join_and_keep_their_first_line() {
        let text = "BEGIN:VEVENT\r\nSUMMARY:a long\r\n  title\r\nUID:x\r\nEND:VEVENT\r\n";
        let lines = unfold(text).expect("unfolds");
        let top = components(&lines).expect("reads");
        assert_eq!(
            top[0].find("SUMMARY").map(|p| p.value),
            Some("a long title")
        );
        assert_eq!(top[0].find("UID").map(|p| p.line), Some(4));
    }

    #[test]
    fn broken_structure_names_the_line() {
        assert_eq!(read("BEGIN:A\r\nEND:B\r\n").map_err(|e| e.line), Err(2));
        assert_eq!(read("BEGIN:A\r\n").map_err(|e| e.line), Err(1));
        assert_eq!(read("END:A\r\n").map_err(|e| e.line), Err(1));
        assert_eq!(
            read("BEGIN:A\r\nX;Y=1:z\r\nnope\r\nEND:A\r\n").map_err(|e| e.line),
            Err(3)
        );
        assert_eq!(read(" folded\r\n").map_err(|e| e.line), Err(1));
        let deep = "BEGIN:A\r\n".repeat(100);
        assert_eq!(read(&deep).map_err(|e| e.line), Err(9));
    }
}
