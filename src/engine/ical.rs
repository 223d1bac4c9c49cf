//! Reading iCalendar text (RFC 5545) into [`Calendar`]s.
//!
//! The `icalendar` crate's parser gives us components and properties; this
//! module checks the lines first so an error can name the line, resolves
//! `TZID`s (IANA, Windows, then `VTIMEZONE`) and interprets the properties that
//! decide busy time.

use super::calendar::{Calendar, EventComponent, EventTime, Length, RDate, Series};
use super::civil::Zone;
use super::limits::{MAX_COMPONENTS, MAX_DATE_LIST, MAX_EVENT_DAYS, MAX_ICAL_BYTES, MAX_NESTING};
use super::recurrence::Recurrence;
use super::vtimezone::{CustomZone, Observance, parse_utc_offset};
use super::zones;
use chrono::{NaiveDate, NaiveDateTime};
use icalendar::parser::{Component, Property, read_components, unfold};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

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

/// Maps byte offsets of the unfolded text back to source line numbers.
struct Lines {
    /// `(byte offset in unfolded text, source line number)` of each logical line.
    starts: Vec<(usize, usize)>,
}

impl Lines {
    fn line_of(&self, offset: usize) -> usize {
        let index = self.starts.partition_point(|(start, _)| *start <= offset);
        index.checked_sub(1).map_or(0, |i| self.starts[i].1)
    }
}

/// Checks every content line is `NAME[;PARAM=…]:VALUE` and that BEGIN/END nest,
/// so the error names the first bad line instead of a parser position.
fn check_lines(text: &str) -> Result<Lines, IcalError> {
    if text.len() > MAX_ICAL_BYTES {
        return Err(IcalError {
            line: 0,
            message: format!(
                "iCalendar text of {} bytes is over the limit of {MAX_ICAL_BYTES} bytes",
                text.len()
            ),
        });
    }
    let mut components = 0usize;
    let mut starts = Vec::new();
    let mut offset = 0usize;
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut logical_start: Option<(usize, usize)> = None;
    let mut logical = String::new();
    let finish = |logical: &mut String,
                  start: Option<(usize, usize)>,
                  starts: &mut Vec<(usize, usize)>,
                  stack: &mut Vec<(String, usize)>,
                  components: &mut usize|
     -> Result<(), IcalError> {
        let Some((at, line)) = start else {
            return Ok(());
        };
        starts.push((at, line));
        let content = logical.as_str();
        let bad = |message: String| IcalError { line, message };
        let name_end = content.find([';', ':']).ok_or_else(|| {
            bad(format!(
                "{:?} is not an iCalendar content line (NAME:VALUE)",
                clip(content)
            ))
        })?;
        let name = &content[..name_end];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(bad(format!(
                "{:?} is not an iCalendar content line (bad property name)",
                clip(content)
            )));
        }
        if !content[name_end..].contains(':') {
            return Err(bad(format!(
                "{:?} has no ':' before its value",
                clip(content)
            )));
        }
        let value = content.rsplit_once(':').map_or("", |(_, v)| v).trim();
        if name.eq_ignore_ascii_case("BEGIN") {
            // The parser behind us recurses per level: depth is bounded here,
            // before it runs, so hostile nesting cannot exhaust the stack.
            if stack.len() >= MAX_NESTING {
                return Err(bad(format!(
                    "components are nested deeper than {MAX_NESTING} levels"
                )));
            }
            *components += 1;
            if *components > MAX_COMPONENTS {
                return Err(bad(format!("more than {MAX_COMPONENTS} components")));
            }
            stack.push((value.to_ascii_uppercase(), line));
        } else if name.eq_ignore_ascii_case("END") {
            match stack.pop() {
                Some((open, _)) if open == value.to_ascii_uppercase() => {}
                Some((open, open_line)) => {
                    return Err(bad(format!(
                        "END:{value} closes BEGIN:{open} of line {open_line}"
                    )));
                }
                None => return Err(bad(format!("END:{value} without BEGIN"))),
            }
        }
        logical.clear();
        Ok(())
    };
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix([' ', '\t']) {
            if logical_start.is_none() {
                return Err(IcalError {
                    line: index + 1,
                    message: "continuation line with nothing to continue".to_string(),
                });
            }
            logical.push_str(rest);
            offset += rest.len();
            continue;
        }
        finish(
            &mut logical,
            logical_start.take(),
            &mut starts,
            &mut stack,
            &mut components,
        )?;
        logical_start = Some((offset, index + 1));
        logical.push_str(line);
        offset += line.len() + 2;
    }
    finish(
        &mut logical,
        logical_start.take(),
        &mut starts,
        &mut stack,
        &mut components,
    )?;
    if let Some((open, line)) = stack.pop() {
        return Err(IcalError {
            line,
            message: format!("BEGIN:{open} is never closed"),
        });
    }
    Ok(Lines { starts })
}

fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

/// Reads the text of one or more `VCALENDAR`s.
pub fn parse_calendar(text: &str) -> Result<Calendar, IcalError> {
    let lines = check_lines(text)?;
    // Normalise to CRLF so folded-line offsets and the crate agree.
    let normalised: String = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n";
    let unfolded = unfold(&normalised);
    let components = read_components(&unfolded).map_err(|e| IcalError {
        line: 0,
        message: format!(
            "unreadable iCalendar: {}",
            e.lines().take(3).collect::<Vec<_>>().join(" ")
        ),
    })?;
    let reader = Reader {
        text: &unfolded,
        lines: &lines,
    };
    let calendars: Vec<&Component> = components
        .iter()
        .filter(|c| c.name.as_str().eq_ignore_ascii_case("VCALENDAR"))
        .collect();
    if calendars.is_empty() {
        return Err(IcalError {
            line: 1,
            message: "expected BEGIN:VCALENDAR".to_string(),
        });
    }
    let mut custom: HashMap<String, Zone> = HashMap::new();
    for calendar in &calendars {
        for component in children(calendar, "VTIMEZONE") {
            let (name, zone) = reader.vtimezone(component)?;
            custom.insert(name, zone);
        }
    }
    let mut by_uid: Vec<Series> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for calendar in &calendars {
        for component in children(calendar, "VEVENT") {
            let (uid, event) = reader.vevent(component, &custom)?;
            let slot = *index.entry(uid.clone()).or_insert_with(|| {
                by_uid.push(Series {
                    uid: Arc::from(uid.as_str()),
                    masters: Vec::new(),
                    overrides: Vec::new(),
                });
                by_uid.len() - 1
            });
            if event.recurrence_id.is_some() {
                by_uid[slot].overrides.push(event);
            } else {
                by_uid[slot].masters.push(event);
            }
        }
    }
    Ok(Calendar {
        series: by_uid,
        bounds: None,
    })
}

fn children<'c, 'a>(
    component: &'c Component<'a>,
    name: &'static str,
) -> impl Iterator<Item = &'c Component<'a>> {
    component
        .components
        .iter()
        .filter(move |c| c.name.as_str().eq_ignore_ascii_case(name))
}

fn find<'c, 'a>(component: &'c Component<'a>, name: &str) -> Option<&'c Property<'a>> {
    component
        .properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn all<'c, 'a>(
    component: &'c Component<'a>,
    name: &'static str,
) -> impl Iterator<Item = &'c Property<'a>> {
    component
        .properties
        .iter()
        .filter(move |p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn param<'p>(property: &'p Property<'_>, key: &str) -> Option<&'p str> {
    property
        .params
        .iter()
        .find(|p| p.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|p| p.val.as_ref())
        .map(|v| v.as_str().trim().trim_matches('"'))
}

struct Reader<'t> {
    text: &'t str,
    lines: &'t Lines,
}

impl Reader<'_> {
    /// The source line of a property, found from where its name sits in the text.
    fn line(&self, property: &Property<'_>) -> usize {
        let base = self.text.as_ptr() as usize;
        let at = property.name.as_str().as_ptr() as usize;
        if at >= base && at < base + self.text.len() {
            self.lines.line_of(at - base)
        } else {
            0
        }
    }

    fn error(&self, property: &Property<'_>, message: String) -> IcalError {
        IcalError {
            line: self.line(property),
            message: format!("{}: {message}", property.name.as_str().to_ascii_uppercase()),
        }
    }

    fn component_error(&self, component: &Component<'_>, message: String) -> IcalError {
        let line = component.properties.first().map_or(0, |p| self.line(p));
        IcalError { line, message }
    }

    fn zone(
        &self,
        property: &Property<'_>,
        custom: &HashMap<String, Zone>,
    ) -> Result<Option<Zone>, IcalError> {
        let Some(tzid) = param(property, "TZID") else {
            return Ok(None);
        };
        if let Some(tz) = zones::by_tzid(tzid) {
            return Ok(Some(Zone::Iana(tz)));
        }
        custom.get(tzid).cloned().map(Some).ok_or_else(|| {
            self.error(
                property,
                format!("unknown time zone {tzid:?} (not IANA, not Windows, no VTIMEZONE)"),
            )
        })
    }

    /// One date or date-time value of `property` (which may carry TZID/VALUE).
    fn time(
        &self,
        property: &Property<'_>,
        value: &str,
        custom: &HashMap<String, Zone>,
    ) -> Result<EventTime, IcalError> {
        let value = value.trim();
        let is_date = param(property, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
            || (value.len() == 8 && !value.contains('T'));
        if is_date {
            return NaiveDate::parse_from_str(value, "%Y%m%d")
                .map(EventTime::Date)
                .map_err(|_| self.error(property, format!("{value:?} is not a DATE (YYYYMMDD)")));
        }
        let bad = || {
            self.error(
                property,
                format!("{value:?} is not a DATE-TIME (YYYYMMDDTHHMMSS[Z])"),
            )
        };
        if let Some(utc) = value.strip_suffix(['Z', 'z']) {
            let local = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
            return Ok(EventTime::Zoned(local, Zone::UTC));
        }
        let local = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        Ok(match self.zone(property, custom)? {
            Some(zone) => EventTime::Zoned(local, zone),
            None => EventTime::Floating(local),
        })
    }

    fn times(
        &self,
        property: &Property<'_>,
        custom: &HashMap<String, Zone>,
    ) -> Result<Vec<EventTime>, IcalError> {
        property
            .val
            .as_str()
            .split(',')
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                // A PERIOD (`start/end`) counts from its start.
                let start = v.split('/').next().unwrap_or(v);
                self.time(property, start, custom)
            })
            .collect()
    }

    /// One `RDATE` value: a date, a date-time, or a PERIOD (`start/end` or
    /// `start/duration`), which keeps its own length.
    fn rdate(
        &self,
        property: &Property<'_>,
        value: &str,
        custom: &HashMap<String, Zone>,
    ) -> Result<RDate, IcalError> {
        let Some((start, end)) = value.split_once('/') else {
            return Ok(RDate {
                start: self.time(property, value, custom)?,
                length: None,
            });
        };
        let start = self.time(property, start, custom)?;
        let end = end.trim();
        let length = if end.starts_with(['P', 'p', '+']) {
            let (days, seconds) = parse_duration(end).ok_or_else(|| {
                self.error(property, format!("{end:?} is not a DURATION (e.g. PT30M)"))
            })?;
            Length::Nominal { days, seconds }
        } else {
            Length::Until(self.time(property, end, custom)?)
        };
        Ok(RDate {
            start,
            length: Some(length),
        })
    }

    fn vevent(
        &self,
        component: &Component<'_>,
        custom: &HashMap<String, Zone>,
    ) -> Result<(String, EventComponent), IcalError> {
        let uid = find(component, "UID")
            .map(|p| p.val.as_str().trim().to_string())
            .unwrap_or_default();
        let dtstart = find(component, "DTSTART")
            .ok_or_else(|| self.component_error(component, "VEVENT has no DTSTART".to_string()))?;
        let start = self.time(dtstart, dtstart.val.as_str(), custom)?;
        let length = match (find(component, "DTEND"), find(component, "DURATION")) {
            (Some(dtend), None) => {
                let end = self.time(dtend, dtend.val.as_str(), custom)?;
                if end.is_date() != start.is_date() {
                    return Err(self.error(
                        dtend,
                        "DTEND and DTSTART must both be dates or both date-times".to_string(),
                    ));
                }
                // Measured on the wall clock: zones move it by hours, not years.
                if (end.local() - start.local()).num_days() > MAX_EVENT_DAYS {
                    return Err(self.error(
                        dtend,
                        format!("the event lasts longer than {MAX_EVENT_DAYS} days"),
                    ));
                }
                match (&start, &end) {
                    (EventTime::Date(s), EventTime::Date(e)) => Length::Nominal {
                        days: u32::try_from((*e - *s).num_days()).unwrap_or(0),
                        seconds: 0,
                    },
                    _ => Length::Until(end),
                }
            }
            (None, Some(duration)) => {
                let (days, seconds) = parse_duration(duration.val.as_str()).ok_or_else(|| {
                    self.error(
                        duration,
                        format!(
                            "{:?} is not a DURATION (e.g. PT30M, P1D) of at most {MAX_EVENT_DAYS} days",
                            duration.val.as_str()
                        ),
                    )
                })?;
                Length::Nominal { days, seconds }
            }
            (Some(dtend), Some(_)) => {
                return Err(self.error(
                    dtend,
                    "a VEVENT may have DTEND or DURATION, not both".to_string(),
                ));
            }
            (None, None) => Length::Nominal {
                days: u32::from(start.is_date()),
                seconds: 0,
            },
        };
        let rule = match find(component, "RRULE") {
            Some(rrule) => Some(
                Recurrence::parse(rrule.val.as_str(), start_local(&start))
                    .map_err(|message| self.error(rrule, message))?,
            ),
            None => None,
        };
        let mut rdates = Vec::new();
        for rdate in all(component, "RDATE") {
            for value in rdate
                .val
                .as_str()
                .split(',')
                .filter(|v| !v.trim().is_empty())
            {
                if rdates.len() >= MAX_DATE_LIST {
                    return Err(self.error(rdate, format!("more than {MAX_DATE_LIST} dates")));
                }
                rdates.push(self.rdate(rdate, value, custom)?);
            }
        }
        let mut exdates = Vec::new();
        for exdate in all(component, "EXDATE") {
            exdates.extend(self.times(exdate, custom)?);
            if exdates.len() > MAX_DATE_LIST {
                return Err(self.error(exdate, format!("more than {MAX_DATE_LIST} dates")));
            }
        }
        let recurrence_id = match find(component, "RECURRENCE-ID") {
            Some(id) => Some(self.time(id, id.val.as_str(), custom)?),
            None => None,
        };
        let cancelled = find(component, "STATUS")
            .is_some_and(|p| p.val.as_str().trim().eq_ignore_ascii_case("CANCELLED"));
        let transparent = find(component, "TRANSP")
            .is_some_and(|p| p.val.as_str().trim().eq_ignore_ascii_case("TRANSPARENT"));
        Ok((
            uid,
            EventComponent {
                start,
                length,
                rule,
                rdates,
                exdates,
                recurrence_id,
                busy: !cancelled && !transparent,
            },
        ))
    }

    fn vtimezone(&self, component: &Component<'_>) -> Result<(String, Zone), IcalError> {
        let tzid = find(component, "TZID")
            .ok_or_else(|| self.component_error(component, "VTIMEZONE has no TZID".to_string()))?;
        let name = tzid.val.as_str().trim().to_string();
        let mut observances = Vec::new();
        for part in component.components.iter().filter(|c| {
            let n = c.name.as_str();
            n.eq_ignore_ascii_case("STANDARD") || n.eq_ignore_ascii_case("DAYLIGHT")
        }) {
            let offset = |key: &str| -> Result<i64, IcalError> {
                let property = find(part, key).ok_or_else(|| {
                    self.component_error(
                        part,
                        format!("{} in VTIMEZONE {name:?} has no {key}", part.name.as_str()),
                    )
                })?;
                parse_utc_offset(property.val.as_str()).ok_or_else(|| {
                    self.error(
                        property,
                        format!("{:?} is not a UTC offset (+HHMM)", property.val.as_str()),
                    )
                })
            };
            let dtstart = find(part, "DTSTART").ok_or_else(|| {
                self.component_error(
                    part,
                    format!(
                        "{} in VTIMEZONE {name:?} has no DTSTART",
                        part.name.as_str()
                    ),
                )
            })?;
            let local = NaiveDateTime::parse_from_str(dtstart.val.as_str().trim(), "%Y%m%dT%H%M%S")
                .map_err(|_| {
                    self.error(
                        dtstart,
                        format!("{:?} is not a local DATE-TIME", dtstart.val.as_str()),
                    )
                })?;
            let rrule = match find(part, "RRULE") {
                Some(p) => {
                    Some(Recurrence::parse(p.val.as_str(), local).map_err(|m| self.error(p, m))?)
                }
                None => None,
            };
            let mut rdates = Vec::new();
            for rdate in all(part, "RDATE") {
                for value in rdate.val.as_str().split(',') {
                    let at = NaiveDateTime::parse_from_str(value.trim(), "%Y%m%dT%H%M%S").map_err(
                        |_| self.error(rdate, format!("{value:?} is not a local DATE-TIME")),
                    )?;
                    rdates.push(at);
                }
            }
            observances.push(Observance {
                dtstart: local,
                offset_from: offset("TZOFFSETFROM")?,
                offset_to: offset("TZOFFSETTO")?,
                rrule,
                rdates,
            });
        }
        if observances.is_empty() {
            return Err(self.error(
                tzid,
                format!("VTIMEZONE {name:?} has no STANDARD or DAYLIGHT part"),
            ));
        }
        let zone = Zone::Custom(Arc::new(
            CustomZone::new(&name, &observances).map_err(|message| self.error(tzid, message))?,
        ));
        Ok((name, zone))
    }
}

fn start_local(start: &EventTime) -> NaiveDateTime {
    match start {
        EventTime::Date(date) => date.and_time(chrono::NaiveTime::MIN),
        EventTime::Floating(local) | EventTime::Zoned(local, _) => *local,
    }
}

/// Parses an RFC 5545 DURATION into (nominal days, exact seconds). Negative
/// durations are rejected: busy time cannot end before it starts; so are
/// durations over [`MAX_EVENT_DAYS`], so no later arithmetic can overflow.
pub fn parse_duration(text: &str) -> Option<(u32, i64)> {
    let (days, seconds) = parse_unbounded_duration(text)?;
    let total_days = i64::from(days).checked_add(seconds / 86_400)?;
    (total_days <= MAX_EVENT_DAYS).then_some((days, seconds))
}

fn parse_unbounded_duration(text: &str) -> Option<(u32, i64)> {
    let text = text.trim();
    let text = text.strip_prefix('+').unwrap_or(text);
    let rest = text.strip_prefix(['P', 'p'])?;
    if rest.is_empty() {
        return None;
    }
    let (date_part, time_part) = match rest.find(['T', 't']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut days: u32 = 0;
    let mut seconds: i64 = 0;
    let mut number = String::new();
    for c in date_part.chars() {
        match c {
            '0'..='9' => number.push(c),
            'W' | 'w' => days = days.checked_add(number.parse::<u32>().ok()?.checked_mul(7)?)?,
            'D' | 'd' => days = days.checked_add(number.parse::<u32>().ok()?)?,
            _ => return None,
        }
        if !c.is_ascii_digit() {
            number.clear();
        }
    }
    if !number.is_empty() {
        return None;
    }
    if let Some(time_part) = time_part {
        if time_part.is_empty() {
            return None;
        }
        for c in time_part.chars() {
            let unit = match c {
                '0'..='9' => {
                    number.push(c);
                    continue;
                }
                'H' | 'h' => 3600,
                'M' | 'm' => 60,
                'S' | 's' => 1,
                _ => return None,
            };
            seconds = seconds.checked_add(number.parse::<i64>().ok()?.checked_mul(unit)?)?;
            number.clear();
        }
        if !number.is_empty() {
            return None;
        }
    }
    Some((days, seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("PT30M"), Some((0, 1800)));
        assert_eq!(parse_duration("P1D"), Some((1, 0)));
        assert_eq!(parse_duration("P1W"), Some((7, 0)));
        assert_eq!(parse_duration("P1DT2H3M4S"), Some((1, 7384)));
        assert_eq!(parse_duration("-PT1H"), None);
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("30M"), None);
        // Huge values are refused rather than overflowing later.
        assert_eq!(parse_duration("PT9999999999999999S"), None);
        assert_eq!(parse_duration("PT9223372036854775807S"), None);
        assert_eq!(parse_duration("P4294967295D"), None);
        assert_eq!(parse_duration("P36525D"), Some((36_525, 0)));
        assert_eq!(parse_duration("P36526D"), None);
    }

    #[test]
    fn bad_lines_are_named() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nthis is not a line\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let error = parse_calendar(text).expect_err("bad line");
        assert_eq!(error.line, 3, "{error}");
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2026XX01T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let error = parse_calendar(text).expect_err("bad date");
        assert_eq!(error.line, 4, "{error}");
        assert!(error.message.contains("DTSTART"), "{error}");
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n";
        assert!(parse_calendar(text).is_err());
    }

    #[test]
    fn folded_lines_keep_their_numbers() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:a long\r\n  title\r\nDTSTART:20260101T100000Z\r\nRRULE:FREQ=NEVER\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let error = parse_calendar(text).expect_err("bad rule");
        assert_eq!(error.line, 7, "{error}");
    }
}
