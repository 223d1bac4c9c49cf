//! Calendar busy time through our iCalendar reader and recurrence wrapper:
//! iCalendar text in (`parse_calendar`), busy intervals out (`Calendar::busy`).
//!
//! The first half runs the RRULE examples of RFC 5545 section 3.8.5.3 with the
//! dates exactly as the RFC lists them. The RFC's `DTSTART` is 09:00 in
//! America/New_York; every example also runs with the same local times in
//! Europe/Berlin, Asia/Kathmandu (+05:45) and as floating time read in the
//! host zone Australia/Lord_Howe, so the expected instants follow from the
//! local times. The second half covers the other properties the spec's "Busy
//! time of a host" names, and the reader's errors.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use kairos::engine::ical::{IcalError, parse_calendar};
use kairos::engine::instant::parse_rfc3339;
use kairos::engine::limits::Budget;
use kairos::engine::{Instant, Interval, Zone};

// ------------------------------------------------------------------ helpers

const NEW_YORK: Tz = chrono_tz::America::New_York;

fn dt(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .unwrap_or_else(|_| panic!("test input {text:?} is YYYYMMDDTHHMMSS"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .unwrap_or_else(|_| panic!("test input {text:?} is YYYY-MM-DD"))
}

fn utc(text: &str) -> Instant {
    parse_rfc3339(text).unwrap_or_else(|| panic!("test input {text:?} is RFC 3339"))
}

/// The instant of an unambiguous local time, straight from chrono-tz (not
/// through the engine), so expectations do not reuse the code under test.
fn instant_in(tz: Tz, local: NaiveDateTime) -> Instant {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(at) => Instant(at.timestamp()),
        other => panic!("{local} in {tz} is not a single instant: {other:?}"),
    }
}

/// Wraps VEVENT/VTIMEZONE lines (joined with CRLF) into a VCALENDAR.
fn calendar(lines: &[&str]) -> String {
    let mut text =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kairos//tests//EN\r\n");
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

/// Busy intervals of `text` for a host in `host` overlapping `[from, to)`, sorted.
fn busy_in(text: &str, host: Tz, window: Interval) -> Vec<Interval> {
    let calendar = parse_calendar(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut out = Vec::new();
    let unreadable = calendar.busy(
        &Zone::Iana(host),
        window,
        &mut out,
        &mut Budget::for_query(),
    );
    assert!(unreadable.is_empty(), "{unreadable:?}");
    let mut intervals: Vec<Interval> = out.into_iter().map(|o| o.interval).collect();
    intervals.sort();
    intervals
}

fn busy(text: &str, host: Tz, from: &str, to: &str) -> Vec<Interval> {
    busy_in(text, host, Interval::new(utc(from), utc(to)))
}

/// `(start, end)` as RFC 3339 strings, for readable assertions.
fn pairs(intervals: &[Interval]) -> Vec<(String, String)> {
    intervals
        .iter()
        .map(|i| (i.start.rfc3339(), i.end.rfc3339()))
        .collect()
}

fn starts(intervals: &[Interval]) -> Vec<String> {
    intervals.iter().map(|i| i.start.rfc3339()).collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn string_pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

// ----------------------------------------------------- RFC 5545 3.8.5.3

/// Local 09:00 on each listed day: `[("1997-09", &[2, 4]), ...]`, the way the
/// RFC writes its results.
fn nine_on(months: &[(&str, &[u32])]) -> Vec<NaiveDateTime> {
    let mut out = Vec::new();
    for (year_month, days) in months {
        for day in *days {
            out.push(dt(&format!(
                "{}{day:02}T090000",
                year_month.replace('-', "")
            )));
        }
    }
    out
}

/// Local 09:00 on every day from `first` to `last`, both included ("September 2-30").
fn nine_from_to(first: &str, last: &str) -> Vec<NaiveDateTime> {
    let (mut day, last) = (date(first), date(last));
    let mut out = Vec::new();
    while day <= last {
        out.push(day.and_hms_opt(9, 0, 0).expect("valid time"));
        day = day.succ_opt().expect("valid date");
    }
    out
}

/// The given local times of day on one date.
fn times_on(day: &str, times: &[&str]) -> Vec<NaiveDateTime> {
    times
        .iter()
        .map(|t| {
            date(day).and_time(NaiveTime::parse_from_str(t, "%H:%M").expect("test input HH:MM"))
        })
        .collect()
}

struct Example {
    name: &'static str,
    /// Local `DTSTART` (America/New_York in the RFC).
    dtstart: &'static str,
    /// As printed in the RFC; a `UNTIL=…Z` is rewritten per zone (see [`until_for`]).
    rrule: &'static str,
    /// Local `EXDATE`s in the event's zone.
    exdates: &'static [&'static str],
    /// Local start times, exactly as the RFC lists them.
    expected: Vec<NaiveDateTime>,
    /// The rule has no end: the window stops right after the last listed date.
    forever: bool,
}

fn rfc_examples() -> Vec<Example> {
    let ex = |name, dtstart, rrule, expected, forever| Example {
        name,
        dtstart,
        rrule,
        exdates: &[],
        expected,
        forever,
    };
    let twenty_minutes: Vec<&str> = [
        "09:00", "09:20", "09:40", "10:00", "10:20", "10:40", "11:00", "11:20", "11:40", "12:00",
        "12:20", "12:40", "13:00", "13:20", "13:40", "14:00", "14:20", "14:40", "15:00", "15:20",
        "15:40", "16:00", "16:20", "16:40",
    ]
    .to_vec();
    let every_twenty_minutes = [
        times_on("1997-09-02", &twenty_minutes),
        times_on("1997-09-03", &twenty_minutes),
    ]
    .concat();
    let january_three_years = [
        nine_from_to("1998-01-01", "1998-01-31"),
        nine_from_to("1999-01-01", "1999-01-31"),
        nine_from_to("2000-01-01", "2000-01-31"),
    ]
    .concat();
    let odd: Vec<u32> = (1..=29).step_by(2).collect();
    let even: Vec<u32> = (2..=30).step_by(2).collect();
    vec![
        ex(
            "daily for 10 occurrences",
            "19970902T090000",
            "FREQ=DAILY;COUNT=10",
            nine_from_to("1997-09-02", "1997-09-11"),
            false,
        ),
        // ==> (1997 9:00 AM EDT) September 2-30;October 1-25
        //     (1997 9:00 AM EST) October 26-31;November 1-30;December 1-23
        ex(
            "daily until December 24, 1997",
            "19970902T090000",
            "FREQ=DAILY;UNTIL=19971224T000000Z",
            nine_from_to("1997-09-02", "1997-12-23"),
            false,
        ),
        // ==> September 2,4,6,8...24,26,28,30; October 2,4,6...20,22,24;
        //     October 26,28,30; November 1,3,5,7...25,27,29; December 1,3,...
        ex(
            "every other day - forever",
            "19970902T090000",
            "FREQ=DAILY;INTERVAL=2",
            nine_on(&[
                ("1997-09", &even),
                ("1997-10", &even),
                ("1997-11", &odd),
                ("1997-12", &[1, 3]),
            ]),
            true,
        ),
        ex(
            "every 10 days, 5 occurrences",
            "19970902T090000",
            "FREQ=DAILY;INTERVAL=10;COUNT=5",
            nine_on(&[("1997-09", &[2, 12, 22]), ("1997-10", &[2, 12])]),
            false,
        ),
        ex(
            "every day in January, for 3 years (yearly form)",
            "19980101T090000",
            "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
            january_three_years.clone(),
            false,
        ),
        ex(
            "every day in January, for 3 years (daily form)",
            "19980101T090000",
            "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
            january_three_years,
            false,
        ),
        ex(
            "weekly for 10 occurrences",
            "19970902T090000",
            "FREQ=WEEKLY;COUNT=10",
            nine_on(&[
                ("1997-09", &[2, 9, 16, 23, 30]),
                ("1997-10", &[7, 14, 21, 28]),
                ("1997-11", &[4]),
            ]),
            false,
        ),
        ex(
            "weekly until December 24, 1997",
            "19970902T090000",
            "FREQ=WEEKLY;UNTIL=19971224T000000Z",
            nine_on(&[
                ("1997-09", &[2, 9, 16, 23, 30]),
                ("1997-10", &[7, 14, 21, 28]),
                ("1997-11", &[4, 11, 18, 25]),
                ("1997-12", &[2, 9, 16, 23]),
            ]),
            false,
        ),
        ex(
            "every other week - forever",
            "19970902T090000",
            "FREQ=WEEKLY;INTERVAL=2;WKST=SU",
            nine_on(&[
                ("1997-09", &[2, 16, 30]),
                ("1997-10", &[14, 28]),
                ("1997-11", &[11, 25]),
                ("1997-12", &[9, 23]),
                ("1998-01", &[6, 20]),
                ("1998-02", &[3, 17]),
            ]),
            true,
        ),
        ex(
            "weekly on Tuesday and Thursday for five weeks (UNTIL form)",
            "19970902T090000",
            "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
            nine_on(&[
                ("1997-09", &[2, 4, 9, 11, 16, 18, 23, 25, 30]),
                ("1997-10", &[2]),
            ]),
            false,
        ),
        ex(
            "weekly on Tuesday and Thursday for five weeks (COUNT form)",
            "19970902T090000",
            "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
            nine_on(&[
                ("1997-09", &[2, 4, 9, 11, 16, 18, 23, 25, 30]),
                ("1997-10", &[2]),
            ]),
            false,
        ),
        ex(
            "every other week on Monday, Wednesday, and Friday until December 24, 1997",
            "19970901T090000",
            "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
            nine_on(&[
                ("1997-09", &[1, 3, 5, 15, 17, 19, 29]),
                ("1997-10", &[1, 3, 13, 15, 17, 27, 29, 31]),
                ("1997-11", &[10, 12, 14, 24, 26, 28]),
                ("1997-12", &[8, 10, 12, 22]),
            ]),
            false,
        ),
        ex(
            "every other week on Tuesday and Thursday, for 8 occurrences",
            "19970902T090000",
            "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
            nine_on(&[("1997-09", &[2, 4, 16, 18, 30]), ("1997-10", &[2, 14, 16])]),
            false,
        ),
        ex(
            "monthly on the first Friday for 10 occurrences",
            "19970905T090000",
            "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
            nine_on(&[
                ("1997-09", &[5]),
                ("1997-10", &[3]),
                ("1997-11", &[7]),
                ("1997-12", &[5]),
                ("1998-01", &[2]),
                ("1998-02", &[6]),
                ("1998-03", &[6]),
                ("1998-04", &[3]),
                ("1998-05", &[1]),
                ("1998-06", &[5]),
            ]),
            false,
        ),
        ex(
            "monthly on the first Friday until December 24, 1997",
            "19970905T090000",
            "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR",
            nine_on(&[
                ("1997-09", &[5]),
                ("1997-10", &[3]),
                ("1997-11", &[7]),
                ("1997-12", &[5]),
            ]),
            false,
        ),
        ex(
            "every other month on the first and last Sunday, 10 occurrences",
            "19970907T090000",
            "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
            nine_on(&[
                ("1997-09", &[7, 28]),
                ("1997-11", &[2, 30]),
                ("1998-01", &[4, 25]),
                ("1998-03", &[1, 29]),
                ("1998-05", &[3, 31]),
            ]),
            false,
        ),
        ex(
            "monthly on the second-to-last Monday for 6 months",
            "19970922T090000",
            "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
            nine_on(&[
                ("1997-09", &[22]),
                ("1997-10", &[20]),
                ("1997-11", &[17]),
                ("1997-12", &[22]),
                ("1998-01", &[19]),
                ("1998-02", &[16]),
            ]),
            false,
        ),
        ex(
            "monthly on the third-to-the-last day, forever",
            "19970928T090000",
            "FREQ=MONTHLY;BYMONTHDAY=-3",
            nine_on(&[
                ("1997-09", &[28]),
                ("1997-10", &[29]),
                ("1997-11", &[28]),
                ("1997-12", &[29]),
                ("1998-01", &[29]),
                ("1998-02", &[26]),
            ]),
            true,
        ),
        ex(
            "monthly on the 2nd and 15th for 10 occurrences",
            "19970902T090000",
            "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
            nine_on(&[
                ("1997-09", &[2, 15]),
                ("1997-10", &[2, 15]),
                ("1997-11", &[2, 15]),
                ("1997-12", &[2, 15]),
                ("1998-01", &[2, 15]),
            ]),
            false,
        ),
        ex(
            "monthly on the first and last day for 10 occurrences",
            "19970930T090000",
            "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
            nine_on(&[
                ("1997-09", &[30]),
                ("1997-10", &[1, 31]),
                ("1997-11", &[1, 30]),
                ("1997-12", &[1, 31]),
                ("1998-01", &[1, 31]),
                ("1998-02", &[1]),
            ]),
            false,
        ),
        ex(
            "every 18 months on the 10th thru 15th, 10 occurrences",
            "19970910T090000",
            "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
            nine_on(&[
                ("1997-09", &[10, 11, 12, 13, 14, 15]),
                ("1999-03", &[10, 11, 12, 13]),
            ]),
            false,
        ),
        ex(
            "every Tuesday, every other month",
            "19970902T090000",
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
            nine_on(&[
                ("1997-09", &[2, 9, 16, 23, 30]),
                ("1997-11", &[4, 11, 18, 25]),
                ("1998-01", &[6, 13, 20, 27]),
                ("1998-03", &[3, 10, 17, 24, 31]),
            ]),
            true,
        ),
        ex(
            "yearly in June and July for 10 occurrences",
            "19970610T090000",
            "FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
            nine_on(&[
                ("1997-06", &[10]),
                ("1997-07", &[10]),
                ("1998-06", &[10]),
                ("1998-07", &[10]),
                ("1999-06", &[10]),
                ("1999-07", &[10]),
                ("2000-06", &[10]),
                ("2000-07", &[10]),
                ("2001-06", &[10]),
                ("2001-07", &[10]),
            ]),
            false,
        ),
        ex(
            "every other year on January, February, and March for 10 occurrences",
            "19970310T090000",
            "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
            nine_on(&[
                ("1997-03", &[10]),
                ("1999-01", &[10]),
                ("1999-02", &[10]),
                ("1999-03", &[10]),
                ("2001-01", &[10]),
                ("2001-02", &[10]),
                ("2001-03", &[10]),
                ("2003-01", &[10]),
                ("2003-02", &[10]),
                ("2003-03", &[10]),
            ]),
            false,
        ),
        ex(
            "every third year on the 1st, 100th, and 200th day for 10 occurrences",
            "19970101T090000",
            "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
            nine_on(&[
                ("1997-01", &[1]),
                ("1997-04", &[10]),
                ("1997-07", &[19]),
                ("2000-01", &[1]),
                ("2000-04", &[9]),
                ("2000-07", &[18]),
                ("2003-01", &[1]),
                ("2003-04", &[10]),
                ("2003-07", &[19]),
                ("2006-01", &[1]),
            ]),
            false,
        ),
        ex(
            "every 20th Monday of the year, forever",
            "19970519T090000",
            "FREQ=YEARLY;BYDAY=20MO",
            nine_on(&[("1997-05", &[19]), ("1998-05", &[18]), ("1999-05", &[17])]),
            true,
        ),
        ex(
            "Monday of week number 20, forever",
            "19970512T090000",
            "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
            nine_on(&[("1997-05", &[12]), ("1998-05", &[11]), ("1999-05", &[17])]),
            true,
        ),
        ex(
            "every Thursday in March, forever",
            "19970313T090000",
            "FREQ=YEARLY;BYMONTH=3;BYDAY=TH",
            nine_on(&[
                ("1997-03", &[13, 20, 27]),
                ("1998-03", &[5, 12, 19, 26]),
                ("1999-03", &[4, 11, 18, 25]),
            ]),
            true,
        ),
        ex(
            "every Thursday, but only during June, July, and August, forever",
            "19970605T090000",
            "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8",
            nine_on(&[
                ("1997-06", &[5, 12, 19, 26]),
                ("1997-07", &[3, 10, 17, 24, 31]),
                ("1997-08", &[7, 14, 21, 28]),
                ("1998-06", &[4, 11, 18, 25]),
                ("1998-07", &[2, 9, 16, 23, 30]),
                ("1998-08", &[6, 13, 20, 27]),
                ("1999-06", &[3, 10, 17, 24]),
                ("1999-07", &[1, 8, 15, 22, 29]),
                ("1999-08", &[5, 12, 19, 26]),
            ]),
            true,
        ),
        Example {
            name: "every Friday the 13th, forever",
            dtstart: "19970902T090000",
            rrule: "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
            exdates: &["19970902T090000"],
            expected: nine_on(&[
                ("1998-02", &[13]),
                ("1998-03", &[13]),
                ("1998-11", &[13]),
                ("1999-08", &[13]),
                ("2000-10", &[13]),
            ]),
            forever: true,
        },
        ex(
            "the first Saturday that follows the first Sunday of the month, forever",
            "19970913T090000",
            "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
            nine_on(&[
                ("1997-09", &[13]),
                ("1997-10", &[11]),
                ("1997-11", &[8]),
                ("1997-12", &[13]),
                ("1998-01", &[10]),
                ("1998-02", &[7]),
                ("1998-03", &[7]),
                ("1998-04", &[11]),
                ("1998-05", &[9]),
                ("1998-06", &[13]),
            ]),
            true,
        ),
        ex(
            "every 4 years, U.S. Presidential Election day, forever",
            "19961105T090000",
            "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
            nine_on(&[("1996-11", &[5]), ("2000-11", &[7]), ("2004-11", &[2])]),
            true,
        ),
        ex(
            "the third instance of Tuesday, Wednesday, or Thursday, for the next 3 months",
            "19970904T090000",
            "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
            nine_on(&[("1997-09", &[4]), ("1997-10", &[7]), ("1997-11", &[6])]),
            false,
        ),
        ex(
            "the second-to-last weekday of the month",
            "19970929T090000",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
            nine_on(&[
                ("1997-09", &[29]),
                ("1997-10", &[30]),
                ("1997-11", &[27]),
                ("1997-12", &[30]),
                ("1998-01", &[29]),
                ("1998-02", &[26]),
                ("1998-03", &[30]),
            ]),
            true,
        ),
        // The RFC prints UNTIL=19970902T170000Z, which is 13:00 EDT and would
        // stop after 12:00; its listed result (9:00, 12:00, 15:00) and title
        // ("9:00 AM to 5:00 PM") need 17:00 EDT = 21:00Z, as erratum 3883 says.
        // The literal value is checked in `every_3_hours_literal_until_is_an_instant`.
        ex(
            "every 3 hours from 9:00 AM to 5:00 PM on a specific day",
            "19970902T090000",
            "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T210000Z",
            times_on("1997-09-02", &["09:00", "12:00", "15:00"]),
            false,
        ),
        ex(
            "every 15 minutes for 6 occurrences",
            "19970902T090000",
            "FREQ=MINUTELY;INTERVAL=15;COUNT=6",
            times_on(
                "1997-09-02",
                &["09:00", "09:15", "09:30", "09:45", "10:00", "10:15"],
            ),
            false,
        ),
        ex(
            "every hour and a half for 4 occurrences",
            "19970902T090000",
            "FREQ=MINUTELY;INTERVAL=90;COUNT=4",
            times_on("1997-09-02", &["09:00", "10:30", "12:00", "13:30"]),
            false,
        ),
        ex(
            "every 20 minutes from 9:00 AM to 4:40 PM every day (daily form)",
            "19970902T090000",
            "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40",
            every_twenty_minutes.clone(),
            true,
        ),
        ex(
            "every 20 minutes from 9:00 AM to 4:40 PM every day (minutely form)",
            "19970902T090000",
            "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16",
            every_twenty_minutes,
            true,
        ),
        ex(
            "WKST=MO: every other week on Tuesday and Sunday, 4 occurrences",
            "19970805T090000",
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
            nine_on(&[("1997-08", &[5, 10, 19, 24])]),
            false,
        ),
        ex(
            "WKST=SU: every other week on Tuesday and Sunday, 4 occurrences",
            "19970805T090000",
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
            nine_on(&[("1997-08", &[5, 17, 19, 31])]),
            false,
        ),
        ex(
            "an invalid date (February 30) is ignored",
            "20070115T090000",
            "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
            nine_on(&[
                ("2007-01", &[15, 30]),
                ("2007-02", &[15]),
                ("2007-03", &[15, 30]),
            ]),
            false,
        ),
    ]
}

/// How an example's times are written.
#[derive(Clone, Copy)]
enum Placement {
    /// `DTSTART;TZID=…`, host elsewhere (Pacific/Auckland) so the TZID must win.
    Tzid(Tz),
    /// Floating `DTSTART`, read in the host's zone.
    Floating(Tz),
}

impl Placement {
    fn zone(self) -> Tz {
        match self {
            Placement::Tzid(tz) | Placement::Floating(tz) => tz,
        }
    }

    fn host(self) -> Tz {
        match self {
            Placement::Tzid(_) => chrono_tz::Pacific::Auckland,
            Placement::Floating(tz) => tz,
        }
    }

    fn property(self, name: &str, local: &str) -> String {
        match self {
            Placement::Tzid(tz) => format!("{name};TZID={}:{local}", tz.name()),
            Placement::Floating(_) => format!("{name}:{local}"),
        }
    }
}

const PLACEMENTS: [Placement; 4] = [
    Placement::Tzid(chrono_tz::America::New_York),
    Placement::Tzid(chrono_tz::Europe::Berlin),
    Placement::Tzid(chrono_tz::Asia::Kathmandu),
    Placement::Floating(chrono_tz::Australia::Lord_Howe),
];

/// `UNTIL=…Z` is an instant. The RFC picked it for New York; for another
/// zone we keep the same *local* cut-off (New York wall clock of the RFC's
/// value, read in `zone`), so the same local dates are expected everywhere.
fn until_for(rrule: &str, zone: Tz) -> String {
    rrule
        .split(';')
        .map(|part| match part.strip_prefix("UNTIL=") {
            Some(value) if value.ends_with('Z') => {
                let instant = utc_value(value);
                let local = NEW_YORK
                    .from_utc_datetime(&instant.naive_utc())
                    .naive_local();
                let moved = instant_in(zone, local);
                format!("UNTIL={}", moved.naive_utc().format("%Y%m%dT%H%M%SZ"))
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn utc_value(value: &str) -> Instant {
    Instant::from_naive_utc(dt(value.trim_end_matches('Z')))
}

fn example_text(example: &Example, placement: Placement) -> String {
    let dtstart = placement.property("DTSTART", example.dtstart);
    let rrule = format!("RRULE:{}", until_for(example.rrule, placement.zone()));
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        "UID:rfc5545-example@kairos.test".to_string(),
        "DTSTAMP:19970901T000000Z".to_string(),
        dtstart,
        // Ten minutes: shorter than the closest occurrences (15 minutes apart).
        "DURATION:PT10M".to_string(),
        rrule,
    ];
    for exdate in example.exdates {
        lines.push(placement.property("EXDATE", exdate));
    }
    lines.push("END:VEVENT".to_string());
    calendar(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn until_rewrite_keeps_the_rfc_value_for_new_york() {
    assert_eq!(
        until_for("FREQ=DAILY;UNTIL=19971224T000000Z", NEW_YORK),
        "FREQ=DAILY;UNTIL=19971224T000000Z"
    );
    // 1997-12-23 19:00 in Berlin (CET, +01) is 18:00Z; in Kathmandu (+05:45) 13:15Z.
    assert_eq!(
        until_for(
            "FREQ=DAILY;UNTIL=19971224T000000Z",
            chrono_tz::Europe::Berlin
        ),
        "FREQ=DAILY;UNTIL=19971223T180000Z"
    );
    assert_eq!(
        until_for(
            "FREQ=DAILY;UNTIL=19971224T000000Z",
            chrono_tz::Asia::Kathmandu
        ),
        "FREQ=DAILY;UNTIL=19971223T131500Z"
    );
}

#[test]
fn rfc5545_examples_in_several_zones() {
    let mut failures = Vec::new();
    let mut rejected = Vec::new();
    for example in rfc_examples() {
        for placement in PLACEMENTS {
            let zone = placement.zone();
            let text = example_text(&example, placement);
            let calendar = match parse_calendar(&text) {
                Ok(calendar) => calendar,
                Err(error) => {
                    rejected.push(format!("{} ({}): {error}", example.name, zone.name()));
                    continue;
                }
            };
            let expected: Vec<Instant> = example
                .expected
                .iter()
                .map(|local| instant_in(zone, *local))
                .collect();
            let first = *expected.first().expect("examples list dates");
            let last = *expected.last().expect("examples list dates");
            let from = first.plus_seconds(-86_400);
            // Bounded rules run far past their end to show they stop; rules
            // without end stop right after the last date the RFC lists.
            let to = if example.forever {
                last.plus_seconds(1)
            } else {
                utc("2011-01-01T00:00:00Z")
            };
            let got = |window: Interval| -> Vec<Instant> {
                let mut out = Vec::new();
                let unreadable = calendar.busy(
                    &Zone::Iana(placement.host()),
                    window,
                    &mut out,
                    &mut Budget::for_query(),
                );
                assert!(unreadable.is_empty(), "{unreadable:?}");
                let mut got: Vec<Instant> = out.iter().map(|o| o.interval.start).collect();
                got.sort();
                got
            };
            let all = got(Interval::new(from, to));
            if all != expected {
                failures.push(format!(
                    "{} in {}: expected {:?}\n  got {:?}",
                    example.name,
                    zone.name(),
                    expected.iter().map(|i| i.rfc3339()).collect::<Vec<_>>(),
                    all.iter().map(|i| i.rfc3339()).collect::<Vec<_>>()
                ));
                continue;
            }
            // A window in the middle sees exactly the occurrences starting in it
            // (each lasts 10 minutes, occurrences are at least 15 minutes apart).
            let (k, m) = (expected.len() / 3, (2 * expected.len()) / 3);
            if k < m {
                let middle = got(Interval::new(expected[k], expected[m]));
                if middle != expected[k..m] {
                    failures.push(format!(
                        "{} in {} (window {}..{}): got {:?}",
                        example.name,
                        zone.name(),
                        expected[k],
                        expected[m],
                        middle.iter().map(|i| i.rfc3339()).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    assert!(
        rejected.is_empty(),
        "examples the reader rejects:\n{}",
        rejected.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_3_hours_literal_until_is_an_instant() {
    // UNTIL=19970902T170000Z as printed in the RFC: 13:00 EDT in New York, so
    // 15:00 is past it; 19:00 CEST in Berlin; 22:45 in Kathmandu.
    let text = |zone: &str| {
        calendar(&[
            "BEGIN:VEVENT",
            "UID:every-3-hours@kairos.test",
            &format!("DTSTART;TZID={zone}:19970902T090000"),
            "DURATION:PT10M",
            "RRULE:FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z",
            "END:VEVENT",
        ])
    };
    let window = ("1997-09-01T00:00:00Z", "1997-09-04T00:00:00Z");
    let host = chrono_tz::UTC;
    assert_eq!(
        starts(&busy(&text("America/New_York"), host, window.0, window.1)),
        strings(&["1997-09-02T13:00:00Z", "1997-09-02T16:00:00Z"])
    );
    assert_eq!(
        starts(&busy(&text("Europe/Berlin"), host, window.0, window.1)),
        strings(&[
            "1997-09-02T07:00:00Z",
            "1997-09-02T10:00:00Z",
            "1997-09-02T13:00:00Z",
            "1997-09-02T16:00:00Z"
        ])
    );
    assert_eq!(
        starts(&busy(&text("Asia/Kathmandu"), host, window.0, window.1)),
        strings(&[
            "1997-09-02T03:15:00Z",
            "1997-09-02T06:15:00Z",
            "1997-09-02T09:15:00Z",
            "1997-09-02T12:15:00Z",
            "1997-09-02T15:15:00Z"
        ])
    );
}

/// Local 09:00 on the dates in `[first, last]` that `keep` accepts, as instants in `tz`.
fn nine_where(tz: Tz, first: &str, last: &str, keep: impl Fn(NaiveDate) -> bool) -> Vec<String> {
    nine_from_to(first, last)
        .into_iter()
        .filter(|local| keep(local.date()))
        .map(|local| instant_in(tz, local).rfc3339())
        .collect()
}

fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

fn rule_text(zone: &str, dtstart: &str, rrule: &str) -> String {
    calendar(&[
        "BEGIN:VEVENT",
        "UID:far-future@kairos.test",
        &format!("DTSTART;TZID={zone}:{dtstart}"),
        "DURATION:PT30M",
        &format!("RRULE:{rrule}"),
        "END:VEVENT",
    ])
}

#[test]
fn unbounded_rules_in_a_far_window() {
    // 2030-03-01..2030-03-31 local, across the 2030 US DST start (March 10);
    // the simple DAILY/WEEKLY path jumps there instead of iterating from 1997.
    // Expected dates come from plain date arithmetic on the rule's definition.
    for tz in [NEW_YORK, chrono_tz::Asia::Kathmandu] {
        let zone = tz.name();
        let from = instant_in(tz, dt("20300301T000000")).rfc3339();
        let to = instant_in(tz, dt("20300401T000000")).rfc3339();
        let got = |dtstart: &str, rrule: &str| {
            starts(&busy(&rule_text(zone, dtstart, rrule), tz, &from, &to))
        };
        let start = date("1997-09-02");
        assert_eq!(
            got("19970902T090000", "FREQ=DAILY;INTERVAL=2"),
            nine_where(tz, "2030-03-01", "2030-03-31", |d| days_between(start, d)
                % 2
                == 0),
            "every other day in {zone}"
        );
        assert_eq!(
            got("19970902T090000", "FREQ=WEEKLY;INTERVAL=2;WKST=SU"),
            nine_where(tz, "2030-03-01", "2030-03-31", |d| days_between(start, d)
                % 14
                == 0),
            "every other week in {zone}"
        );
        // Every other week on MO,WE,FR with weeks starting on Sunday; the
        // week of Sunday 1997-08-31 is the first one.
        let week0 = date("1997-08-31");
        assert_eq!(
            got(
                "19970901T090000",
                "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=MO,WE,FR"
            ),
            nine_where(tz, "2030-03-01", "2030-03-31", |d| {
                let sunday = d - Days::new(u64::from(d.weekday().num_days_from_sunday()));
                matches!(d.weekday(), Weekday::Mon | Weekday::Wed | Weekday::Fri)
                    && (days_between(week0, sunday) / 7) % 2 == 0
            }),
            "every other week on MO,WE,FR in {zone}"
        );
        assert_eq!(
            got("19970902T090000", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"),
            nine_where(tz, "2030-03-01", "2030-03-31", |d| d
                .weekday()
                .number_from_monday()
                <= 5),
            "weekdays in {zone}"
        );
        // The general path (the rrule crate) iterates from 1997 but must give
        // the same answer: the third-to-last day of March 2030 is the 29th.
        assert_eq!(
            got("19970928T090000", "FREQ=MONTHLY;BYMONTHDAY=-3"),
            nine_where(tz, "2030-03-01", "2030-03-31", |d| d.day() == 29),
            "third-to-last day in {zone}"
        );
        assert_eq!(
            got("19970929T090000", "FREQ=MONTHLY;BYDAY=-1MO"),
            nine_where(tz, "2030-03-01", "2030-03-31", |d| d.weekday()
                == Weekday::Mon
                && (d + Days::new(7)).month() != d.month()),
            "last Monday in {zone}"
        );
    }
    // Friday the 13th over all of 2030: September and December.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:friday-13@kairos.test",
        "DTSTART;TZID=America/New_York:19970902T090000",
        "EXDATE;TZID=America/New_York:19970902T090000",
        "DURATION:PT30M",
        "RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
        "END:VEVENT",
    ]);
    assert_eq!(
        starts(&busy(
            &text,
            NEW_YORK,
            "2030-01-01T00:00:00Z",
            "2031-01-01T00:00:00Z"
        )),
        nine_where(NEW_YORK, "2030-01-01", "2030-12-31", |d| d.day() == 13
            && d.weekday() == Weekday::Fri)
    );
    assert_eq!(
        nine_where(NEW_YORK, "2030-01-01", "2030-12-31", |d| d.day() == 13
            && d.weekday() == Weekday::Fri),
        strings(&["2030-09-13T13:00:00Z", "2030-12-13T14:00:00Z"])
    );
}

#[test]
fn count_limited_rule_has_nothing_in_a_far_window() {
    let text = rule_text(
        "America/New_York",
        "19970902T090000",
        "FREQ=WEEKLY;COUNT=10",
    );
    assert!(
        busy(
            &text,
            NEW_YORK,
            "2030-01-01T00:00:00Z",
            "2030-12-31T00:00:00Z"
        )
        .is_empty()
    );
    let text = rule_text(
        "America/New_York",
        "19970902T090000",
        "FREQ=WEEKLY;UNTIL=19971224T000000Z",
    );
    assert!(
        busy(
            &text,
            NEW_YORK,
            "1998-01-01T00:00:00Z",
            "2030-12-31T00:00:00Z"
        )
        .is_empty()
    );
}

// --------------------------------------------- other busy-time properties

#[test]
fn exdate_forms() {
    // Daily 09:00-10:00 New York, March 9-15 2026 (EDT since March 8: 13:00Z).
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:exdates@kairos.test",
        "DTSTART;TZID=America/New_York:20260309T090000",
        "DTEND;TZID=America/New_York:20260309T100000",
        "RRULE:FREQ=DAILY;COUNT=7",
        // Date-time with TZID.
        "EXDATE;TZID=America/New_York:20260310T090000",
        // UTC form: 09:00 EDT.
        "EXDATE:20260311T130000Z",
        // A date on a date-time series removes that day's occurrence.
        "EXDATE;VALUE=DATE:20260312",
        // Not an occurrence (10:00): no effect.
        "EXDATE;TZID=America/New_York:20260313T100000",
        // Several values in one property.
        "EXDATE;TZID=America/New_York:20260314T090000,20260315T090000",
        "END:VEVENT",
    ]);
    assert_eq!(
        pairs(&busy(
            &text,
            chrono_tz::Europe::Berlin,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        string_pairs(&[
            ("2026-03-09T13:00:00Z", "2026-03-09T14:00:00Z"),
            ("2026-03-13T13:00:00Z", "2026-03-13T14:00:00Z"),
        ])
    );
}

#[test]
fn exdate_can_remove_dtstart() {
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:exdate-first@kairos.test",
        "DTSTART:20260309T090000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY;COUNT=3",
        "EXDATE:20260309T090000Z",
        "END:VEVENT",
    ]);
    assert_eq!(
        starts(&busy(
            &text,
            chrono_tz::UTC,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        strings(&["2026-03-10T09:00:00Z", "2026-03-11T09:00:00Z"])
    );
}

#[test]
fn rdate_adds_occurrences() {
    // Weekly Monday 09:00 New York (2 occurrences) plus two extra dates; each
    // extra occurrence lasts the series' duration (one hour).
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:rdates@kairos.test",
        "DTSTART;TZID=America/New_York:20260309T090000",
        "DURATION:PT1H",
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "RDATE;TZID=America/New_York:20260311T150000",
        "RDATE:20260312T120000Z",
        "END:VEVENT",
    ]);
    assert_eq!(
        pairs(&busy(
            &text,
            chrono_tz::UTC,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        string_pairs(&[
            ("2026-03-09T13:00:00Z", "2026-03-09T14:00:00Z"),
            ("2026-03-11T19:00:00Z", "2026-03-11T20:00:00Z"),
            ("2026-03-12T12:00:00Z", "2026-03-12T13:00:00Z"),
            ("2026-03-16T13:00:00Z", "2026-03-16T14:00:00Z"),
        ])
    );
    // RDATE without RRULE, several values in one property.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:rdates-only@kairos.test",
        "DTSTART;TZID=Europe/Berlin:20260309T090000",
        "DTEND;TZID=Europe/Berlin:20260309T093000",
        "RDATE;TZID=Europe/Berlin:20260310T090000,20260311T140000",
        "END:VEVENT",
    ]);
    assert_eq!(
        pairs(&busy(
            &text,
            chrono_tz::UTC,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        string_pairs(&[
            ("2026-03-09T08:00:00Z", "2026-03-09T08:30:00Z"),
            ("2026-03-10T08:00:00Z", "2026-03-10T08:30:00Z"),
            ("2026-03-11T13:00:00Z", "2026-03-11T13:30:00Z"),
        ])
    );
}

#[test]
fn rdate_period_keeps_its_own_length() {
    // RFC 5545 3.8.5.2: for an RDATE given as a PERIOD, the instance lasts as
    // the period says, not as long as DTSTART's instance.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:periods@kairos.test",
        "DTSTART:20260309T140000Z",
        "DURATION:PT1H",
        "RDATE;VALUE=PERIOD:20260310T140000Z/20260310T170000Z,20260311T140000Z/PT2H",
        "RDATE;VALUE=PERIOD;TZID=Europe/Berlin:20260312T090000/20260312T093000",
        "END:VEVENT",
    ]);
    assert_eq!(
        pairs(&busy(
            &text,
            chrono_tz::UTC,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        string_pairs(&[
            ("2026-03-09T14:00:00Z", "2026-03-09T15:00:00Z"),
            ("2026-03-10T14:00:00Z", "2026-03-10T17:00:00Z"),
            ("2026-03-11T14:00:00Z", "2026-03-11T16:00:00Z"),
            ("2026-03-12T08:00:00Z", "2026-03-12T08:30:00Z"),
        ])
    );
}

#[test]
fn rdate_in_another_zone_counts_days_in_the_series_zone() {
    // A New York series lasting one nominal day; an extra instance given in
    // UTC (2026-03-14 14:00Z = 10:00 EDT) ends at 10:00 EDT the next day.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:rdate-utc@kairos.test",
        "DTSTART;TZID=America/New_York:20260310T100000",
        "DURATION:P1D",
        "RDATE:20260314T140000Z",
        "END:VEVENT",
    ]);
    assert_eq!(
        pairs(&busy(
            &text,
            chrono_tz::UTC,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        string_pairs(&[
            ("2026-03-10T14:00:00Z", "2026-03-11T14:00:00Z"),
            ("2026-03-14T14:00:00Z", "2026-03-15T14:00:00Z"),
        ])
    );
}

/// Daily 09:00-10:00 New York, March 9-18 2026, with overriding instances.
fn series_with_overrides(overrides: &[&str]) -> String {
    let mut lines = vec![
        "BEGIN:VEVENT",
        "UID:daily@kairos.test",
        "DTSTART;TZID=America/New_York:20260309T090000",
        "DTEND;TZID=America/New_York:20260309T100000",
        "RRULE:FREQ=DAILY;COUNT=10",
        "END:VEVENT",
    ];
    lines.extend_from_slice(overrides);
    calendar(&lines)
}

#[test]
fn recurrence_id_moves_instances() {
    let text = series_with_overrides(&[
        // March 10 moves to 14:00-15:00 the same day (inside the window).
        "BEGIN:VEVENT",
        "UID:daily@kairos.test",
        "RECURRENCE-ID;TZID=America/New_York:20260310T090000",
        "DTSTART;TZID=America/New_York:20260310T140000",
        "DTEND;TZID=America/New_York:20260310T150000",
        "END:VEVENT",
        // March 11 moves out of the window, to March 25.
        "BEGIN:VEVENT",
        "UID:daily@kairos.test",
        "RECURRENCE-ID;TZID=America/New_York:20260311T090000",
        "DTSTART;TZID=America/New_York:20260325T090000",
        "DTEND;TZID=America/New_York:20260325T100000",
        "END:VEVENT",
        // March 17 (outside the window) moves into it, to March 12 16:00,
        // with RECURRENCE-ID in UTC form (13:00Z = 09:00 EDT).
        "BEGIN:VEVENT",
        "UID:daily@kairos.test",
        "RECURRENCE-ID:20260317T130000Z",
        "DTSTART;TZID=America/New_York:20260312T160000",
        "DURATION:PT30M",
        "END:VEVENT",
    ]);
    // Window: March 9 00:00 to March 14 00:00 New York.
    let window = ("2026-03-09T04:00:00Z", "2026-03-14T04:00:00Z");
    assert_eq!(
        pairs(&busy(&text, NEW_YORK, window.0, window.1)),
        string_pairs(&[
            ("2026-03-09T13:00:00Z", "2026-03-09T14:00:00Z"),
            ("2026-03-10T18:00:00Z", "2026-03-10T19:00:00Z"),
            ("2026-03-12T13:00:00Z", "2026-03-12T14:00:00Z"),
            ("2026-03-12T20:00:00Z", "2026-03-12T20:30:00Z"),
            ("2026-03-13T13:00:00Z", "2026-03-13T14:00:00Z"),
        ])
    );
    // Later: March 15, 16, 18 stay; March 17 is gone; March 25 is the moved one.
    assert_eq!(
        starts(&busy(
            &text,
            NEW_YORK,
            "2026-03-14T04:00:00Z",
            "2026-04-01T04:00:00Z"
        )),
        strings(&[
            "2026-03-14T13:00:00Z",
            "2026-03-15T13:00:00Z",
            "2026-03-16T13:00:00Z",
            "2026-03-18T13:00:00Z",
            "2026-03-25T13:00:00Z",
        ])
    );
}

#[test]
fn override_before_its_master_in_the_text() {
    // Order of components does not matter.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:daily@kairos.test",
        "RECURRENCE-ID;TZID=America/New_York:20260310T090000",
        "DTSTART;TZID=America/New_York:20260310T140000",
        "DTEND;TZID=America/New_York:20260310T150000",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:daily@kairos.test",
        "DTSTART;TZID=America/New_York:20260309T090000",
        "DTEND;TZID=America/New_York:20260309T100000",
        "RRULE:FREQ=DAILY;COUNT=3",
        "END:VEVENT",
    ]);
    assert_eq!(
        starts(&busy(
            &text,
            NEW_YORK,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        strings(&[
            "2026-03-09T13:00:00Z",
            "2026-03-10T18:00:00Z",
            "2026-03-11T13:00:00Z"
        ])
    );
}

#[test]
fn cancelled_and_transparent_are_not_busy() {
    let window = ("2026-03-09T04:00:00Z", "2026-03-14T04:00:00Z");
    // A cancelled instance.
    let text = series_with_overrides(&[
        "BEGIN:VEVENT",
        "UID:daily@kairos.test",
        "RECURRENCE-ID;TZID=America/New_York:20260311T090000",
        "DTSTART;TZID=America/New_York:20260311T090000",
        "DTEND;TZID=America/New_York:20260311T100000",
        "STATUS:CANCELLED",
        "END:VEVENT",
        // A transparent instance.
        "BEGIN:VEVENT",
        "UID:daily@kairos.test",
        "RECURRENCE-ID;TZID=America/New_York:20260312T090000",
        "DTSTART;TZID=America/New_York:20260312T090000",
        "DTEND;TZID=America/New_York:20260312T100000",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]);
    assert_eq!(
        starts(&busy(&text, NEW_YORK, window.0, window.1)),
        strings(&[
            "2026-03-09T13:00:00Z",
            "2026-03-10T13:00:00Z",
            "2026-03-13T13:00:00Z"
        ])
    );
    // A cancelled master, a transparent master; and the explicit defaults.
    for (property, busy_expected) in [
        ("STATUS:CANCELLED", false),
        ("TRANSP:TRANSPARENT", false),
        ("STATUS:CONFIRMED", true),
        ("STATUS:TENTATIVE", true),
        ("TRANSP:OPAQUE", true),
    ] {
        let text = calendar(&[
            "BEGIN:VEVENT",
            "UID:master@kairos.test",
            "DTSTART;TZID=America/New_York:20260309T090000",
            "DTEND;TZID=America/New_York:20260309T100000",
            "RRULE:FREQ=DAILY;COUNT=10",
            property,
            "END:VEVENT",
        ]);
        let found = busy(&text, NEW_YORK, window.0, window.1);
        assert_eq!(found.len(), if busy_expected { 5 } else { 0 }, "{property}");
    }
}

#[test]
fn all_day_events_follow_the_host_zone() {
    let text = calendar(&[
        // Single day.
        "BEGIN:VEVENT",
        "UID:single@kairos.test",
        "DTSTART;VALUE=DATE:20260310",
        "DTEND;VALUE=DATE:20260311",
        "END:VEVENT",
        // Three days across Berlin's DST start (2026-03-29): 71 hours there.
        "BEGIN:VEVENT",
        "UID:multi@kairos.test",
        "DTSTART;VALUE=DATE:20260327",
        "DTEND;VALUE=DATE:20260330",
        "END:VEVENT",
        // No DTEND: one day.
        "BEGIN:VEVENT",
        "UID:no-end@kairos.test",
        "DTSTART;VALUE=DATE:20260401",
        "END:VEVENT",
        // DURATION in days.
        "BEGIN:VEVENT",
        "UID:duration@kairos.test",
        "DTSTART;VALUE=DATE:20260405",
        "DURATION:P2D",
        "END:VEVENT",
    ]);
    let window = ("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z");
    assert_eq!(
        pairs(&busy(&text, chrono_tz::Europe::Berlin, window.0, window.1)),
        string_pairs(&[
            ("2026-03-09T23:00:00Z", "2026-03-10T23:00:00Z"),
            ("2026-03-26T23:00:00Z", "2026-03-29T22:00:00Z"),
            ("2026-03-31T22:00:00Z", "2026-04-01T22:00:00Z"),
            ("2026-04-04T22:00:00Z", "2026-04-06T22:00:00Z"),
        ])
    );
    // The same text for a host in Kathmandu (+05:45, no DST).
    assert_eq!(
        pairs(&busy(&text, chrono_tz::Asia::Kathmandu, window.0, window.1)),
        string_pairs(&[
            ("2026-03-09T18:15:00Z", "2026-03-10T18:15:00Z"),
            ("2026-03-26T18:15:00Z", "2026-03-29T18:15:00Z"),
            ("2026-03-31T18:15:00Z", "2026-04-01T18:15:00Z"),
            ("2026-04-04T18:15:00Z", "2026-04-06T18:15:00Z"),
        ])
    );
}

#[test]
fn all_day_on_a_dst_day_and_recurring() {
    // New York 2026-03-08 has 23 hours; a weekly all-day series from it.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:weekly-all-day@kairos.test",
        "DTSTART;VALUE=DATE:20260308",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "END:VEVENT",
    ]);
    assert_eq!(
        pairs(&busy(
            &text,
            NEW_YORK,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        string_pairs(&[
            ("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"),
            ("2026-03-15T04:00:00Z", "2026-03-16T04:00:00Z"),
            ("2026-03-22T04:00:00Z", "2026-03-23T04:00:00Z"),
        ])
    );
}

#[test]
fn duration_is_nominal_and_dtend_is_exact() {
    // Daily from Saturday 2026-03-07 12:00 New York (EST, 17:00Z); the night of
    // March 8 loses an hour. DTEND one local day later makes every occurrence
    // last exactly as long as the first (23 h, RFC 5545 3.8.5.3); DURATION:P1D
    // ends at the same local time next day; PT24H is exactly 24 hours.
    let series = |length: &str| {
        calendar(&[
            "BEGIN:VEVENT",
            "UID:lengths@kairos.test",
            "DTSTART;TZID=America/New_York:20260307T120000",
            length,
            "RRULE:FREQ=DAILY;COUNT=3",
            "END:VEVENT",
        ])
    };
    let window = ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z");
    assert_eq!(
        pairs(&busy(
            &series("DTEND;TZID=America/New_York:20260308T120000"),
            NEW_YORK,
            window.0,
            window.1
        )),
        string_pairs(&[
            ("2026-03-07T17:00:00Z", "2026-03-08T16:00:00Z"),
            ("2026-03-08T16:00:00Z", "2026-03-09T15:00:00Z"),
            ("2026-03-09T16:00:00Z", "2026-03-10T15:00:00Z"),
        ])
    );
    assert_eq!(
        pairs(&busy(&series("DURATION:P1D"), NEW_YORK, window.0, window.1)),
        string_pairs(&[
            ("2026-03-07T17:00:00Z", "2026-03-08T16:00:00Z"),
            ("2026-03-08T16:00:00Z", "2026-03-09T16:00:00Z"),
            ("2026-03-09T16:00:00Z", "2026-03-10T16:00:00Z"),
        ])
    );
    assert_eq!(
        pairs(&busy(
            &series("DURATION:PT24H"),
            NEW_YORK,
            window.0,
            window.1
        )),
        string_pairs(&[
            ("2026-03-07T17:00:00Z", "2026-03-08T17:00:00Z"),
            ("2026-03-08T16:00:00Z", "2026-03-09T16:00:00Z"),
            ("2026-03-09T16:00:00Z", "2026-03-10T16:00:00Z"),
        ])
    );
    // DTEND in another zone than DTSTART: 09:00 New York to 16:00 Berlin
    // (both 15:00Z on 2026-03-10: EDT -4, CET +1) is two hours long.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:two-zones@kairos.test",
        "DTSTART;TZID=America/New_York:20260310T090000",
        "DTEND;TZID=Europe/Berlin:20260310T160000",
        "END:VEVENT",
    ]);
    assert_eq!(
        pairs(&busy(&text, NEW_YORK, window.0, window.1)),
        string_pairs(&[("2026-03-10T13:00:00Z", "2026-03-10T15:00:00Z")])
    );
}

#[test]
fn date_time_without_end_is_zero_length_and_not_busy() {
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:instant@kairos.test",
        "DTSTART:20260310T090000Z",
        "END:VEVENT",
    ]);
    assert!(
        busy(
            &text,
            chrono_tz::UTC,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )
        .is_empty()
    );
}

#[test]
fn floating_times_are_read_in_the_host_zone() {
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:floating@kairos.test",
        "DTSTART:20260310T090000",
        "DTEND:20260310T100000",
        "RRULE:FREQ=DAILY;COUNT=2",
        "END:VEVENT",
    ]);
    let window = ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z");
    for (host, first, second) in [
        (
            chrono_tz::Europe::Berlin,
            "2026-03-10T08:00:00Z",
            "2026-03-11T08:00:00Z",
        ),
        (
            chrono_tz::Asia::Kathmandu,
            "2026-03-10T03:15:00Z",
            "2026-03-11T03:15:00Z",
        ),
        (NEW_YORK, "2026-03-10T13:00:00Z", "2026-03-11T13:00:00Z"),
        (
            chrono_tz::Pacific::Chatham,
            "2026-03-09T19:15:00Z",
            "2026-03-10T19:15:00Z",
        ),
    ] {
        assert_eq!(
            starts(&busy(&text, host, window.0, window.1)),
            strings(&[first, second]),
            "{host}"
        );
    }
    // A UTC DTSTART does not depend on the host.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:utc@kairos.test",
        "DTSTART:20260310T090000Z",
        "DURATION:PT1H",
        "END:VEVENT",
    ]);
    assert_eq!(
        starts(&busy(&text, chrono_tz::Asia::Kathmandu, window.0, window.1)),
        strings(&["2026-03-10T09:00:00Z"])
    );
}

#[test]
fn windows_and_legacy_zone_names() {
    let event = |tzid: &str, local: &str| {
        calendar(&[
            "BEGIN:VEVENT",
            "UID:names@kairos.test",
            &format!("DTSTART;TZID={tzid}:{local}"),
            "DURATION:PT1H",
            "END:VEVENT",
        ])
    };
    let window = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    for (tzid, local, expected) in [
        // Europe/Berlin: CET in January, CEST in July.
        (
            "W. Europe Standard Time",
            "20260115T090000",
            "2026-01-15T08:00:00Z",
        ),
        (
            "W. Europe Standard Time",
            "20260715T090000",
            "2026-07-15T07:00:00Z",
        ),
        // America/Los_Angeles: "Standard Time" in the name, yet PDT (-7) in March.
        (
            "Pacific Standard Time",
            "20260310T090000",
            "2026-03-10T16:00:00Z",
        ),
        (
            "Pacific Standard Time",
            "20260105T090000",
            "2026-01-05T17:00:00Z",
        ),
        // Quoted parameter value.
        (
            "\"Pacific Standard Time\"",
            "20260105T090000",
            "2026-01-05T17:00:00Z",
        ),
        // Legacy IANA link for Asia/Kolkata (+05:30).
        ("Asia/Calcutta", "20260310T090000", "2026-03-10T03:30:00Z"),
        ("US/Eastern", "20260310T090000", "2026-03-10T13:00:00Z"),
    ] {
        assert_eq!(
            starts(&busy(
                &event(tzid, local),
                chrono_tz::UTC,
                window.0,
                window.1
            )),
            strings(&[expected]),
            "{tzid} {local}"
        );
    }
}

/// A zone that exists only in this calendar: +02 standard, +03 summer time
/// from the last Sunday of March 02:00 to the last Sunday of October 03:00.
const MADE_UP_ZONE: [&str; 16] = [
    "BEGIN:VTIMEZONE",
    "TZID:Kairos Test Time",
    "BEGIN:STANDARD",
    "DTSTART:19701025T030000",
    "TZOFFSETFROM:+0300",
    "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:19700329T020000",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0300",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
    "",
];

#[test]
fn custom_vtimezone_with_a_made_up_name() {
    let mut lines: Vec<&str> = MADE_UP_ZONE
        .iter()
        .copied()
        .filter(|l| !l.is_empty())
        .collect();
    lines.extend_from_slice(&[
        // Daily 09:00 from Saturday 2026-03-28 across the zone's own DST start
        // (Sunday 2026-03-29 02:00 -> 03:00): 07:00Z, then 06:00Z.
        "BEGIN:VEVENT",
        "UID:custom@kairos.test",
        "DTSTART;TZID=Kairos Test Time:20260328T090000",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY;COUNT=2",
        "END:VEVENT",
        // 02:30 on the gap day does not exist: forward by an hour, 03:30 (+03).
        "BEGIN:VEVENT",
        "UID:custom-gap@kairos.test",
        "DTSTART;TZID=Kairos Test Time:20260329T023000",
        "DURATION:PT30M",
        "END:VEVENT",
        // July: summer time.
        "BEGIN:VEVENT",
        "UID:custom-july@kairos.test",
        "DTSTART;TZID=Kairos Test Time:20260715T090000",
        "DURATION:PT1H",
        "END:VEVENT",
        // Last Sunday of October 2026 is the 25th: 09:00 is +02 again.
        "BEGIN:VEVENT",
        "UID:custom-october@kairos.test",
        "DTSTART;TZID=Kairos Test Time:20261025T090000",
        "DURATION:PT1H",
        "END:VEVENT",
    ]);
    let text = calendar(&lines);
    assert_eq!(
        starts(&busy(
            &text,
            chrono_tz::UTC,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z"
        )),
        strings(&[
            "2026-03-28T07:00:00Z",
            "2026-03-29T00:30:00Z",
            "2026-03-29T06:00:00Z",
            "2026-07-15T06:00:00Z",
            "2026-10-25T07:00:00Z",
        ])
    );
}

#[test]
fn vtimezone_rules_are_ignored_for_known_names() {
    // Exporters ship stale or wrong rules; an IANA or Windows name wins.
    let text = calendar(&[
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0500",
        "TZOFFSETTO:+0500",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VTIMEZONE",
        "TZID:W. Europe Standard Time",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:-0800",
        "TZOFFSETTO:-0800",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "UID:iana@kairos.test",
        "DTSTART;TZID=Europe/Berlin:20260115T090000",
        "DURATION:PT1H",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:windows@kairos.test",
        "DTSTART;TZID=W. Europe Standard Time:20260116T090000",
        "DURATION:PT1H",
        "END:VEVENT",
    ]);
    assert_eq!(
        starts(&busy(
            &text,
            chrono_tz::UTC,
            "2026-01-01T00:00:00Z",
            "2026-02-01T00:00:00Z"
        )),
        strings(&["2026-01-15T08:00:00Z", "2026-01-16T08:00:00Z"])
    );
}

#[test]
fn folded_lines_unfold() {
    // Folds anywhere, even inside a property name or a TZID, with a space or a tab.
    let text = "BEGIN:VCALENDAR\r\n\
        VERSION:2.0\r\n\
        BEGIN:VEVENT\r\n\
        UID:folded@kairos.test\r\n\
        SUMMARY:A rather long summary that an exporter folded at seventy-five oc\r\n \
        tets, as RFC 5545 section 3.1 asks\r\n\
        DTST\r\n ART;TZID=Europe/Be\r\n rlin:20260310T090000\r\n\
        DURATION:PT1H\r\n\
        RRULE:FREQ=WEEKLY;BYDAY=TU,\r\n\tWE;COUNT=4\r\n\
        END:VEVENT\r\n\
        END:VCALENDAR\r\n";
    assert_eq!(
        starts(&busy(
            text,
            chrono_tz::UTC,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        strings(&[
            "2026-03-10T08:00:00Z",
            "2026-03-11T08:00:00Z",
            "2026-03-17T08:00:00Z",
            "2026-03-18T08:00:00Z",
        ])
    );
}

#[test]
fn lf_only_line_endings() {
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:lf@kairos.test",
        "DTSTART;TZID=Asia/Kathmandu:20260310T090000",
        "DTEND;TZID=Asia/Kathmandu:20260310T093000",
        "RRULE:FREQ=DAILY;COUNT=2",
        "END:VEVENT",
    ])
    .replace("\r\n", "\n");
    assert!(!text.contains('\r'));
    assert_eq!(
        pairs(&busy(
            &text,
            chrono_tz::UTC,
            "2026-03-01T00:00:00Z",
            "2026-04-01T00:00:00Z"
        )),
        string_pairs(&[
            ("2026-03-10T03:15:00Z", "2026-03-10T03:45:00Z"),
            ("2026-03-11T03:15:00Z", "2026-03-11T03:45:00Z"),
        ])
    );
}

// ------------------------------------------------------------------ errors

fn error_of(text: &str) -> IcalError {
    match parse_calendar(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(error) => error,
    }
}

#[test]
fn unparsable_line_is_named() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nthis is not a content line\r\nDTSTART:20260310T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let error = error_of(text);
    assert_eq!(error.line, 5, "{error}");
    assert!(error.to_string().starts_with("line 5:"), "{error}");
    // The same with LF endings and a blank line before it.
    let text = "BEGIN:VCALENDAR\n\nBEGIN:VEVENT\nUID:x\nDTSTART:20260310T090000Z\n@@@:value\nEND:VEVENT\nEND:VCALENDAR\n";
    assert_eq!(error_of(text).line, 6);
}

#[test]
fn bad_dtstart_is_named() {
    // Line 4 is folded onto line 5, so DTSTART is on line 6.
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:folded\r\n  summary\r\nDTSTART;TZID=Europe/Berlin:2026-03-10 09:00\r\nDURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let error = error_of(text);
    assert_eq!(error.line, 6, "{error}");
    assert!(error.message.contains("DTSTART"), "{error}");
    // An impossible date.
    let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20260230T090000Z\nEND:VEVENT\nEND:VCALENDAR\n";
    let error = error_of(text);
    assert_eq!(error.line, 4, "{error}");
    assert!(error.message.contains("DTSTART"), "{error}");
}

#[test]
fn unknown_tzid_is_named() {
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:x",
        "DTSTART;TZID=Mars/Olympus_Mons:20260310T090000",
        "DURATION:PT1H",
        "END:VEVENT",
    ]);
    // calendar() puts three header lines first: DTSTART is line 6.
    let error = error_of(&text);
    assert_eq!(error.line, 6, "{error}");
    assert!(error.message.contains("Mars/Olympus_Mons"), "{error}");
    // In an EXDATE too.
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:x",
        "DTSTART:20260310T090000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY;COUNT=3",
        "EXDATE;TZID=Nowhere/Special:20260311T090000",
        "END:VEVENT",
    ]);
    let error = error_of(&text);
    assert_eq!(error.line, 9, "{error}");
    assert!(error.message.contains("Nowhere/Special"), "{error}");
}

#[test]
fn begin_without_end_is_named() {
    // VEVENT opened on line 3 and never closed: END:VCALENDAR on line 6 closes it.
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260310T090000Z\r\nEND:VCALENDAR\r\n";
    let error = error_of(text);
    assert_eq!(error.line, 6, "{error}");
    assert!(error.message.contains("line 3"), "{error}");
    // VCALENDAR never closed at all: named by its BEGIN line.
    let text = "\r\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260310T090000Z\r\nEND:VEVENT\r\n";
    let error = error_of(text);
    assert_eq!(error.line, 2, "{error}");
    assert!(error.message.contains("VCALENDAR"), "{error}");
}

#[test]
fn bad_rrule_is_named() {
    let text = calendar(&[
        "BEGIN:VEVENT",
        "UID:x",
        "DTSTART:20260310T090000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY;COUNT=2;UNTIL=20260401T000000Z",
        "END:VEVENT",
    ]);
    let error = error_of(&text);
    assert_eq!(error.line, 8, "{error}");
    assert!(error.message.contains("RRULE"), "{error}");
}
