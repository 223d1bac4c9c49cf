//! Reading iCalendar text (RFC 5545) into [`Calendar`]s.
//!
//! `ical_lines` gives us components and properties (each knowing its source
//! line, so an error can name it); this module resolves
//! `TZID`s (IANA, Windows, then `VTIMEZONE`) and interprets the properties that
//! decide busy time.

use super::calendar::{Calendar, EventComponent, EventTime, Length, RDate, Series};
use super::civil::Zone;
pub use super::ical_lines::IcalError;
use super::ical_lines::{self, Component, Property, components, unfold};
use super::limits::{MAX_DATE_LIST, MAX_EVENT_DAYS};
use super::recurrence::Recurrence;
use super::vtimezone::{CustomZone, Observance, parse_utc_offset};
use super::zones;
use chrono::NaiveDateTime;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Reads the text of one or more `VCALENDAR`s.
pub fn parse_calendar(text: &str) -> Result<Calendar, IcalError> {
    let lines = unfold(text)?;
    let components = components(&lines)?;
    let reader = Reader::default();
    let calendars: Vec<&Component> = components
        .iter()
        .filter(|c| c.name.eq_ignore_ascii_case("VCALENDAR"))
        .collect();
    if calendars.is_empty() {
        return Err(IcalError {
            line: 1,
            message: "expected BEGIN:VCALENDAR".to_string(),
        });
    }
    let mut custom: HashMap<String, Zone> = HashMap::new();
    for calendar in &calendars {
        for component in calendar.children("VTIMEZONE") {
            let (name, zone) = reader.vtimezone(component)?;
            custom.insert(name, zone);
        }
    }
    // Sized for every sub-component being an event with its own UID (the
    // usual case), so the index is not rehashed as it grows.
    let events = calendars.iter().map(|c| c.components.len()).sum();
    let mut by_uid: Vec<Series> = Vec::with_capacity(events);
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(events);
    for calendar in &calendars {
        for component in calendar.children("VEVENT") {
            let (uid, event) = reader.vevent(component, &custom)?;
            let slot = *index.entry(uid).or_insert_with(|| {
                by_uid.push(Series {
                    uid: Arc::from(uid),
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

/// Interprets the properties that decide busy time.
#[derive(Default)]
struct Reader {
    /// `TZID`s already resolved: a calendar names the same few zones on
    /// every event, and a name lookup costs more than reading the event.
    zones: RefCell<Vec<(String, Zone)>>,
}

impl Reader {
    fn error(&self, property: &Property<'_>, message: String) -> IcalError {
        IcalError {
            line: property.line,
            message: format!("{}: {message}", property.name.to_ascii_uppercase()),
        }
    }

    fn component_error(&self, component: &Component<'_>, message: String) -> IcalError {
        IcalError {
            line: component.line,
            message,
        }
    }

    fn zone(
        &self,
        property: &Property<'_>,
        custom: &HashMap<String, Zone>,
    ) -> Result<Option<Zone>, IcalError> {
        let Some(tzid) = property.param("TZID") else {
            return Ok(None);
        };
        if let Some((_, zone)) = self.zones.borrow().iter().find(|(name, _)| name == tzid) {
            return Ok(Some(zone.clone()));
        }
        let zone = match zones::by_tzid(tzid) {
            Some(tz) => Zone::Iana(tz),
            None => custom.get(tzid).cloned().ok_or_else(|| {
                self.error(
                    property,
                    format!("unknown time zone {tzid:?} (not IANA, not Windows, no VTIMEZONE)"),
                )
            })?,
        };
        let mut known = self.zones.borrow_mut();
        // A few names are all real calendars use; a hostile one naming
        // thousands is read without the cache rather than scanning it.
        if known.len() < 16 {
            known.push((tzid.to_string(), zone.clone()));
        }
        Ok(Some(zone))
    }

    /// One date or date-time value of `property` (which may carry TZID/VALUE).
    fn time(
        &self,
        property: &Property<'_>,
        value: &str,
        custom: &HashMap<String, Zone>,
    ) -> Result<EventTime, IcalError> {
        let value = value.trim();
        let is_date = property
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
            || (value.len() == 8 && !value.contains('T'));
        if is_date {
            return ical_lines::date(value).map(EventTime::Date).ok_or_else(|| {
                self.error(property, format!("{value:?} is not a DATE (YYYYMMDD)"))
            });
        }
        let bad = || {
            self.error(
                property,
                format!("{value:?} is not a DATE-TIME (YYYYMMDDTHHMMSS[Z])"),
            )
        };
        if let Some(utc) = value.strip_suffix(['Z', 'z']) {
            let local = ical_lines::date_time(utc).ok_or_else(bad)?;
            return Ok(EventTime::Zoned(local, Zone::UTC));
        }
        let local = ical_lines::date_time(value).ok_or_else(bad)?;
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
            .value
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

    fn vevent<'t>(
        &self,
        component: &Component<'t>,
        custom: &HashMap<String, Zone>,
    ) -> Result<(&'t str, EventComponent), IcalError> {
        let found = EventProperties::of(component);
        let uid = found.uid.map_or("", |p| p.value.trim());
        let dtstart = found
            .dtstart
            .ok_or_else(|| self.component_error(component, "VEVENT has no DTSTART".to_string()))?;
        let start = self.time(dtstart, dtstart.value, custom)?;
        let length = match (found.dtend, found.duration) {
            (Some(dtend), None) => {
                let end = self.time(dtend, dtend.value, custom)?;
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
                let (days, seconds) = parse_duration(duration.value).ok_or_else(|| {
                    self.error(
                        duration,
                        format!(
                            "{:?} is not a DURATION (e.g. PT30M, P1D) of at most {MAX_EVENT_DAYS} days",
                            duration.value
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
        let rule = match found.rrule {
            Some(rrule) => Some(
                Recurrence::parse(rrule.value, start_local(&start))
                    .map_err(|message| self.error(rrule, message))?,
            ),
            None => None,
        };
        let mut rdates = Vec::new();
        for rdate in found.all(component, "RDATE", found.rdate) {
            for value in rdate.value.split(',').filter(|v| !v.trim().is_empty()) {
                if rdates.len() >= MAX_DATE_LIST {
                    return Err(self.error(rdate, format!("more than {MAX_DATE_LIST} dates")));
                }
                rdates.push(self.rdate(rdate, value, custom)?);
            }
        }
        let mut exdates = Vec::new();
        for exdate in found.all(component, "EXDATE", found.exdate) {
            exdates.extend(self.times(exdate, custom)?);
            if exdates.len() > MAX_DATE_LIST {
                return Err(self.error(exdate, format!("more than {MAX_DATE_LIST} dates")));
            }
        }
        let recurrence_id = match found.recurrence_id {
            Some(id) => Some(self.time(id, id.value, custom)?),
            None => None,
        };
        let cancelled = found
            .status
            .is_some_and(|p| p.value.trim().eq_ignore_ascii_case("CANCELLED"));
        let transparent = found
            .transp
            .is_some_and(|p| p.value.trim().eq_ignore_ascii_case("TRANSPARENT"));
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
        let tzid = component
            .find("TZID")
            .ok_or_else(|| self.component_error(component, "VTIMEZONE has no TZID".to_string()))?;
        let name = tzid.value.trim().to_string();
        let mut observances = Vec::new();
        for part in component.components.iter().filter(|c| {
            let n = c.name;
            n.eq_ignore_ascii_case("STANDARD") || n.eq_ignore_ascii_case("DAYLIGHT")
        }) {
            let offset = |key: &str| -> Result<i64, IcalError> {
                let property = part.find(key).ok_or_else(|| {
                    self.component_error(
                        part,
                        format!("{} in VTIMEZONE {name:?} has no {key}", part.name),
                    )
                })?;
                parse_utc_offset(property.value).ok_or_else(|| {
                    self.error(
                        property,
                        format!("{:?} is not a UTC offset (+HHMM)", property.value),
                    )
                })
            };
            let dtstart = part.find("DTSTART").ok_or_else(|| {
                self.component_error(
                    part,
                    format!("{} in VTIMEZONE {name:?} has no DTSTART", part.name),
                )
            })?;
            let local = NaiveDateTime::parse_from_str(dtstart.value.trim(), "%Y%m%dT%H%M%S")
                .map_err(|_| {
                    self.error(
                        dtstart,
                        format!("{:?} is not a local DATE-TIME", dtstart.value),
                    )
                })?;
            let rrule = match part.find("RRULE") {
                Some(p) => Some(Recurrence::parse(p.value, local).map_err(|m| self.error(p, m))?),
                None => None,
            };
            let mut rdates = Vec::new();
            for rdate in part.all("RDATE") {
                for value in rdate.value.split(',') {
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

/// The properties of a `VEVENT` that decide busy time, each the first of
/// its name (as [`Component::find`] would take it), found in one pass: a
/// lookup per name compared every name of the event ten times over.
#[derive(Default)]
struct EventProperties<'c, 't> {
    uid: Option<&'c Property<'t>>,
    dtstart: Option<&'c Property<'t>>,
    dtend: Option<&'c Property<'t>>,
    duration: Option<&'c Property<'t>>,
    rrule: Option<&'c Property<'t>>,
    recurrence_id: Option<&'c Property<'t>>,
    status: Option<&'c Property<'t>>,
    transp: Option<&'c Property<'t>>,
    /// Whether there is any `RDATE` or `EXDATE` (there may be many; they are
    /// read in order with [`Component::all`]).
    rdate: bool,
    exdate: bool,
}

impl<'c, 't> EventProperties<'c, 't> {
    fn of(component: &'c Component<'t>) -> Self {
        let mut found = EventProperties::default();
        for property in &component.properties {
            // Names are ASCII (`content_line` checks them); the longest we
            // look for is RECURRENCE-ID.
            let mut buffer = [0u8; 13];
            let Some(name) = buffer.get_mut(..property.name.len()) else {
                continue;
            };
            name.copy_from_slice(property.name.as_bytes());
            name.make_ascii_uppercase();
            let slot = match &*name {
                b"UID" => &mut found.uid,
                b"DTSTART" => &mut found.dtstart,
                b"DTEND" => &mut found.dtend,
                b"DURATION" => &mut found.duration,
                b"RRULE" => &mut found.rrule,
                b"RECURRENCE-ID" => &mut found.recurrence_id,
                b"STATUS" => &mut found.status,
                b"TRANSP" => &mut found.transp,
                b"RDATE" => {
                    found.rdate = true;
                    continue;
                }
                b"EXDATE" => {
                    found.exdate = true;
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert(property);
        }
        found
    }

    /// Every `name` property of `component`, in order; none without a look
    /// when the pass found none (`present`).
    fn all(
        &self,
        component: &'c Component<'t>,
        name: &'static str,
        present: bool,
    ) -> impl Iterator<Item = &'c Property<'t>> {
        component
            .all(name)
            .take(if present { usize::MAX } else { 0 })
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
    // The digits read since the last unit; `None` before the first.
    let mut number: Option<u64> = None;
    let digit = |number: Option<u64>, c: char| -> Option<u64> {
        number
            .unwrap_or(0)
            .checked_mul(10)?
            .checked_add(u64::from(c.to_digit(10)?))
    };
    for c in date_part.chars() {
        match c {
            '0'..='9' => {
                number = Some(digit(number, c)?);
                continue;
            }
            'W' | 'w' => days = days.checked_add(u32::try_from(number?).ok()?.checked_mul(7)?)?,
            'D' | 'd' => days = days.checked_add(u32::try_from(number?).ok()?)?,
            _ => return None,
        }
        number = None;
    }
    if number.is_some() {
        return None;
    }
    if let Some(time_part) = time_part {
        if time_part.is_empty() {
            return None;
        }
        for c in time_part.chars() {
            let unit = match c {
                '0'..='9' => {
                    number = Some(digit(number, c)?);
                    continue;
                }
                'H' | 'h' => 3600,
                'M' | 'm' => 60,
                'S' | 's' => 1,
                _ => return None,
            };
            let value = i64::try_from(number?).ok()?;
            seconds = seconds.checked_add(value.checked_mul(unit)?)?;
            number = None;
        }
        if number.is_some() {
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
