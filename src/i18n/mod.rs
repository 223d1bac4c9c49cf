//! The message catalogue: every text a page (or a mail snippet) shows, in
//! each language, and dates and times written the way each language writes
//! them. A unit test keeps the languages complete (same keys, same
//! placeholders).
//!
//! Own month and day names instead of chrono's `unstable-locales`: two
//! languages need a few dozen words, not a locale database in the binary.

mod mail;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// A language tag (`de`, `de-AT`, `EN_gb`), by its primary subtag.
    pub fn parse(tag: &str) -> Option<Lang> {
        // "de-AT", "de_CH", "EN-gb": the primary subtag decides.
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// `?lang=` first, then the browser's `Accept-Language` (by weight),
    /// then English.
    pub fn choose(asked: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = asked.and_then(Lang::parse) {
            return lang;
        }
        let mut ranges: Vec<(f32, Lang)> = accept_language
            .unwrap_or_default()
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let lang = Lang::parse(parts.next()?)?;
                let weight = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (weight > 0.0).then_some((weight, lang))
            })
            .collect();
        // Stable: equal weights keep the browser's order.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.first().map_or(Lang::En, |(_, lang)| *lang)
    }

    /// The page texts, then the mail texts (`mail.rs`).
    fn entries(self) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
        let tables: [&'static [(&'static str, &'static str)]; 2] = match self {
            Lang::En => [EN, mail::EN],
            Lang::De => [DE, mail::DE],
        };
        tables.into_iter().flatten()
    }

    /// The message `key`; a key missing in this language falls back to
    /// English (the completeness test keeps that from happening).
    pub fn t(self, key: &str) -> &'static str {
        let find = |lang: Lang| lang.entries().find(|(k, _)| *k == key).map(|(_, v)| *v);
        find(self)
            .or_else(|| find(Lang::En))
            .unwrap_or("[missing text]")
    }

    /// The message `key` with `{name}` placeholders filled in (plain text:
    /// the caller escapes the result for HTML).
    pub fn tf(self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    pub fn month(self, month: u32) -> &'static str {
        self.t(MONTH_KEYS[(month.clamp(1, 12) - 1) as usize])
    }

    /// Monday = 1 … Sunday = 7.
    pub fn weekday(self, day: u32) -> &'static str {
        self.t(WEEKDAY_KEYS[(day.clamp(1, 7) - 1) as usize])
    }

    pub fn weekday_short(self, day: u32) -> &'static str {
        self.t(WEEKDAY_SHORT_KEYS[(day.clamp(1, 7) - 1) as usize])
    }

    /// "Tuesday, June 2, 2026" / "Dienstag, 2. Juni 2026".
    pub fn date_long(self, date: NaiveDate) -> String {
        self.tf(
            "date.long",
            &[
                ("weekday", self.weekday(date.weekday().number_from_monday())),
                ("month", self.month(date.month())),
                ("day", &date.day().to_string()),
                ("year", &date.year().to_string()),
            ],
        )
    }

    /// "Mon 1 Jun 2026" / "Mo, 1. Juni 2026" (without the year when
    /// `with_year` is off).
    pub fn date_short(self, date: NaiveDate, with_year: bool) -> String {
        let key = if with_year {
            "date.short"
        } else {
            "date.short_no_year"
        };
        self.tf(
            key,
            &[
                (
                    "weekday",
                    self.weekday_short(date.weekday().number_from_monday()),
                ),
                (
                    "month",
                    self.t(MONTH_SHORT_KEYS[(date.month().clamp(1, 12) - 1) as usize]),
                ),
                ("day", &date.day().to_string()),
                ("year", &date.year().to_string()),
            ],
        )
    }

    /// "June 2026" / "Juni 2026".
    pub fn month_year(self, year: i32, month: u32) -> String {
        self.tf(
            "date.month_year",
            &[("month", self.month(month)), ("year", &year.to_string())],
        )
    }

    /// A wall-clock time on the chosen clock: "14:05" or "2:05 pm".
    pub fn time(self, at: NaiveDateTime, clock: Clock) -> String {
        let (hour, minute) = (at.hour(), at.minute());
        match clock {
            Clock::H24 => format!("{hour:02}:{minute:02}"),
            Clock::H12 => {
                let (h, key) = match hour {
                    0 => (12, "time.am"),
                    1..=11 => (hour, "time.am"),
                    12 => (12, "time.pm"),
                    _ => (hour - 12, "time.pm"),
                };
                format!("{h}:{minute:02} {}", self.t(key))
            }
        }
    }

    /// The clock this language's readers expect unless they choose.
    pub fn default_clock(self) -> Clock {
        match self {
            Lang::En => Clock::H12,
            Lang::De => Clock::H24,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    H12,
    H24,
}

impl Clock {
    pub fn parse(text: &str) -> Option<Clock> {
        match text {
            "12" | "12h" => Some(Clock::H12),
            "24" | "24h" => Some(Clock::H24),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Clock::H12 => "12",
            Clock::H24 => "24",
        }
    }
}

const MONTH_KEYS: [&str; 12] = [
    "month.1", "month.2", "month.3", "month.4", "month.5", "month.6", "month.7", "month.8",
    "month.9", "month.10", "month.11", "month.12",
];
const MONTH_SHORT_KEYS: [&str; 12] = [
    "month_short.1",
    "month_short.2",
    "month_short.3",
    "month_short.4",
    "month_short.5",
    "month_short.6",
    "month_short.7",
    "month_short.8",
    "month_short.9",
    "month_short.10",
    "month_short.11",
    "month_short.12",
];
const WEEKDAY_KEYS: [&str; 7] = [
    "weekday.1",
    "weekday.2",
    "weekday.3",
    "weekday.4",
    "weekday.5",
    "weekday.6",
    "weekday.7",
];
const WEEKDAY_SHORT_KEYS: [&str; 7] = [
    "weekday_short.1",
    "weekday_short.2",
    "weekday_short.3",
    "weekday_short.4",
    "weekday_short.5",
    "weekday_short.6",
    "weekday_short.7",
];

const EN: &[(&str, &str)] = &[
    ("link.gone.title", "This link can no longer be used"),
    (
        "link.used",
        "This link has already been used to book a meeting. Please ask the host for a new one.",
    ),
    (
        "link.expired",
        "This link has expired. Please ask the host for a new one.",
    ),
    ("link.revoked", "The host has withdrawn this link."),
    ("suggest.expired.title", "This suggestion has expired"),
    (
        "suggest.expired.text",
        "The link to {time} was valid until {until}. Please choose one of the free times below.",
    ),
    ("form.as", "Booking as {name} ({email})"),
    ("form.change", "Change"),
    ("share.book", "Book time with me"),
    ("share.heading", "{title} with {name} ({n} minutes)"),
    ("share.zone", "Times in {zone}."),
    ("share.none", "No free times in the next {n} days."),
    ("share.more", "None of these? See all times"),
    ("month.1", "January"),
    ("month.2", "February"),
    ("month.3", "March"),
    ("month.4", "April"),
    ("month.5", "May"),
    ("month.6", "June"),
    ("month.7", "July"),
    ("month.8", "August"),
    ("month.9", "September"),
    ("month.10", "October"),
    ("month.11", "November"),
    ("month.12", "December"),
    ("weekday.1", "Monday"),
    ("weekday.2", "Tuesday"),
    ("weekday.3", "Wednesday"),
    ("weekday.4", "Thursday"),
    ("weekday.5", "Friday"),
    ("weekday.6", "Saturday"),
    ("weekday.7", "Sunday"),
    ("weekday_short.1", "Mon"),
    ("weekday_short.2", "Tue"),
    ("weekday_short.3", "Wed"),
    ("weekday_short.4", "Thu"),
    ("weekday_short.5", "Fri"),
    ("weekday_short.6", "Sat"),
    ("weekday_short.7", "Sun"),
    ("month_short.1", "Jan"),
    ("month_short.2", "Feb"),
    ("month_short.3", "Mar"),
    ("month_short.4", "Apr"),
    ("month_short.5", "May"),
    ("month_short.6", "Jun"),
    ("month_short.7", "Jul"),
    ("month_short.8", "Aug"),
    ("month_short.9", "Sep"),
    ("month_short.10", "Oct"),
    ("month_short.11", "Nov"),
    ("month_short.12", "Dec"),
    ("date.short", "{weekday} {day} {month} {year}"),
    ("date.short_no_year", "{weekday} {day} {month}"),
    ("poll.host", "A poll by {name}"),
    ("poll.deadline", "Vote by {time}"),
    ("poll.grid_caption", "Everyone’s votes, times in {zone}"),
    ("poll.own_caption", "Your votes, times in {zone}"),
    ("poll.participant", "Participant"),
    ("poll.you", "{name} (you)"),
    ("poll.counts", "Votes"),
    ("poll.count", "{yes} yes, {maybe} if need be, {no} no"),
    ("poll.best", "Best"),
    ("poll.chosen", "Booked"),
    ("poll.not_voted", "Not voted yet"),
    ("poll.comments", "Comments"),
    ("poll.comment_yours", "Your comment"),
    ("poll.nobody", "Nobody has voted yet."),
    ("poll.new_row", "You"),
    (
        "poll.join_intro",
        "Give your name and email and say, for each time, whether you can make it. You can change your votes later on your own page.",
    ),
    ("poll.saved", "Your votes are saved."),
    (
        "poll.saved_note",
        "You can change them until the poll closes.",
    ),
    ("poll.booked", "The meeting is booked for {time}."),
    ("poll.closed", "This poll is closed."),
    (
        "poll.hello",
        "Hello {name}. For each time: can you make it?",
    ),
    ("vote.yes", "Yes"),
    ("vote.if_need_be", "If need be"),
    ("vote.no", "No"),
    ("poll.comment", "Comment (optional)"),
    ("poll.save", "Save my votes"),
    ("poll.results", "Results"),
    (
        "poll.private",
        "The host keeps the results of this poll private.",
    ),
    ("poll.link", "Your personal link: /polls/{token}"),
    ("poll.vote_missing", "choose yes, if need be or no"),
    (
        "poll.zone_unknown",
        "“{asked}” is not a time zone Kairos knows (use a name such as Europe/Berlin); times are shown in {zone}, the poll's zone.",
    ),
    ("join.title", "Join the poll"),
    ("join.email", "Your email"),
    ("join.continue", "Join and save my votes"),
    ("date.long", "{weekday}, {month} {day}, {year}"),
    ("date.month_year", "{month} {year}"),
    ("time.am", "am"),
    ("time.pm", "pm"),
    ("skip", "Skip to content"),
    ("powered", "Scheduling by Kairos"),
    ("lang.label", "Language"),
    ("error.not_found.title", "Page not found"),
    (
        "error.not_found.text",
        "There is nothing at this address. Please check the link you were given.",
    ),
    ("error.gone.title", "This booking is over"),
    (
        "error.gone.text",
        "This booking was cancelled, declined or moved to another time.",
    ),
    ("error.bad.title", "This request cannot be read"),
    (
        "error.bad.text",
        "Something in the address or the form is not right: {detail}",
    ),
    ("error.busy.title", "Please try again"),
    (
        "error.busy.text",
        "Kairos cannot answer right now. Please try again in a moment.",
    ),
    ("host.title", "Book time with {name}"),
    ("host.intro", "Choose what you would like to meet about."),
    (
        "host.empty",
        "{name} offers no public bookings at the moment.",
    ),
    ("minutes", "{n} min"),
    ("kind.one_on_one", "One-on-one"),
    ("kind.group", "Group event"),
    ("kind.collective", "With the whole team"),
    ("kind.round_robin", "With one of the team"),
    ("location.unspecified", "To be agreed"),
    ("location.in_person", "In person"),
    ("location.phone", "Phone call"),
    ("location.video", "Video call"),
    ("location.provider_video", "Video call"),
    ("location.phone.note", "The number comes with your booking."),
    ("location.video.note", "The link comes with your booking."),
    (
        "location.provider_video.note",
        "The link comes with the invitation.",
    ),
    ("seats.left", "{n} seats left"),
    ("seats.one", "1 seat left"),
    ("event.duration", "Duration"),
    ("event.location", "Location"),
    ("event.approval", "The host confirms each booking."),
    ("event.back", "All of {name}’s bookings"),
    ("cal.heading", "Select a date and time"),
    ("cal.prev", "Previous month"),
    ("cal.next", "Next month"),
    ("cal.has_times", "times available"),
    ("cal.selected", "selected"),
    ("cal.no_month", "No free times in {month}."),
    ("cal.next_free", "Next free date: {date}"),
    ("cal.no_day", "No free times on this day."),
    ("cal.pick_day", "Choose a day with free times."),
    ("cal.times_for", "Times on {date}"),
    ("zone.label", "Time zone"),
    ("zone.show", "Show"),
    ("zone.shown", "Times are shown in {zone}."),
    (
        "zone.unknown",
        "“{asked}” is not a time zone Kairos knows; times are shown in {zone}.",
    ),
    ("clock.label", "Clock"),
    ("clock.12", "12-hour"),
    ("clock.24", "24-hour"),
    ("form.heading", "Enter your details"),
    ("form.when", "When"),
    ("form.name", "Your name"),
    ("form.email", "Email"),
    ("form.phone", "Mobile number for text reminders (optional)"),
    ("form.required", "required"),
    ("form.choose", "Choose…"),
    ("form.submit", "Confirm booking"),
    ("form.submit_request", "Request booking"),
    ("form.back", "Choose another time"),
    ("form.summary", "Please correct {n} field(s):"),
    ("err.required", "This field is required."),
    (
        "err.email",
        "Enter an email address such as name@example.com.",
    ),
    (
        "err.phone",
        "Enter a phone number (digits, spaces and + - ( ) .).",
    ),
    (
        "err.phone_e164",
        "Enter the number with + and the country code, digits only, such as +14155552671.",
    ),
    ("err.option", "Choose one of the options."),
    ("err.checkbox", "Please tick this box to continue."),
    ("err.too_long", "This is too long (at most {n} characters)."),
    ("err.line", "Please keep this to one line."),
    ("err.invalid", "Please check this value ({detail})."),
    ("err.start", "Please choose a time from the calendar."),
    ("gone.title", "That time is no longer available"),
    (
        "gone.text",
        "{time} was just taken or cannot be booked any more.",
    ),
    ("gone.nearest", "The nearest free times:"),
    ("gone.none", "There are no free times near it."),
    ("gone.calendar", "See all free times"),
    ("done.title", "You are booked"),
    ("done.pending", "Your request is sent"),
    (
        "done.pending_text",
        "It is confirmed once the host accepts it.",
    ),
    ("done.with", "with {names}"),
    ("done.your_time", "Your time"),
    ("done.host_time", "Host’s time"),
    ("done.join", "Join the video call"),
    ("done.call", "Call {number}"),
    ("done.add", "Add to your calendar"),
    ("done.ics", "Download .ics (Apple Calendar, Outlook)"),
    ("done.manage", "Need to change or cancel? Keep this link:"),
    ("done.manage_link", "Manage your booking"),
    ("answer.yes", "Yes"),
    ("answer.no", "No"),
    ("manage.title", "Your booking"),
    ("manage.status.pending", "Waiting for the host to confirm."),
    ("manage.status.accepted", "Confirmed."),
    ("manage.status.rejected", "The host declined this booking."),
    ("manage.status.cancelled", "This booking is cancelled."),
    ("manage.status.no_show", "This meeting is over."),
    ("manage.status.completed", "This meeting is over."),
    ("manage.cancel", "Cancel this booking"),
    ("manage.reason", "Reason (optional)"),
    ("manage.cancel_button", "Cancel booking"),
    ("manage.cancelled", "Your booking is cancelled."),
    ("manage.reschedule", "Pick a new time"),
    (
        "manage.rescheduling",
        "Rescheduling: you are moving your booking of {time}.",
    ),
];

const DE: &[(&str, &str)] = &[
    ("link.gone.title", "Dieser Link ist nicht mehr gültig"),
    (
        "link.used",
        "Über diesen Link wurde bereits ein Termin gebucht. Bitten Sie den Gastgeber um einen neuen.",
    ),
    (
        "link.expired",
        "Dieser Link ist abgelaufen. Bitten Sie den Gastgeber um einen neuen.",
    ),
    (
        "link.revoked",
        "Der Gastgeber hat diesen Link zurückgezogen.",
    ),
    ("suggest.expired.title", "Dieser Vorschlag ist abgelaufen"),
    (
        "suggest.expired.text",
        "Der Link zu {time} war bis {until} gültig. Bitte wählen Sie eine der freien Zeiten unten.",
    ),
    ("form.as", "Sie buchen als {name} ({email})"),
    ("form.change", "Ändern"),
    ("share.book", "Termin mit mir buchen"),
    ("share.heading", "{title} mit {name} ({n} Minuten)"),
    ("share.zone", "Zeiten in {zone}."),
    ("share.none", "In den nächsten {n} Tagen ist nichts frei."),
    ("share.more", "Nichts Passendes? Alle Zeiten ansehen"),
    ("month.1", "Januar"),
    ("month.2", "Februar"),
    ("month.3", "März"),
    ("month.4", "April"),
    ("month.5", "Mai"),
    ("month.6", "Juni"),
    ("month.7", "Juli"),
    ("month.8", "August"),
    ("month.9", "September"),
    ("month.10", "Oktober"),
    ("month.11", "November"),
    ("month.12", "Dezember"),
    ("weekday.1", "Montag"),
    ("weekday.2", "Dienstag"),
    ("weekday.3", "Mittwoch"),
    ("weekday.4", "Donnerstag"),
    ("weekday.5", "Freitag"),
    ("weekday.6", "Samstag"),
    ("weekday.7", "Sonntag"),
    ("weekday_short.1", "Mo"),
    ("weekday_short.2", "Di"),
    ("weekday_short.3", "Mi"),
    ("weekday_short.4", "Do"),
    ("weekday_short.5", "Fr"),
    ("weekday_short.6", "Sa"),
    ("weekday_short.7", "So"),
    ("month_short.1", "Jan."),
    ("month_short.2", "Feb."),
    ("month_short.3", "März"),
    ("month_short.4", "Apr."),
    ("month_short.5", "Mai"),
    ("month_short.6", "Juni"),
    ("month_short.7", "Juli"),
    ("month_short.8", "Aug."),
    ("month_short.9", "Sept."),
    ("month_short.10", "Okt."),
    ("month_short.11", "Nov."),
    ("month_short.12", "Dez."),
    ("date.short", "{weekday}, {day}. {month} {year}"),
    ("date.short_no_year", "{weekday}, {day}. {month}"),
    ("poll.host", "Eine Umfrage von {name}"),
    ("poll.deadline", "Abstimmen bis {time}"),
    ("poll.grid_caption", "Alle Stimmen, Zeiten in {zone}"),
    ("poll.own_caption", "Ihre Stimmen, Zeiten in {zone}"),
    ("poll.participant", "Teilnehmer"),
    ("poll.you", "{name} (Sie)"),
    ("poll.counts", "Stimmen"),
    ("poll.count", "{yes} Ja, {maybe} Notfalls, {no} Nein"),
    ("poll.best", "Beste Wahl"),
    ("poll.chosen", "Gebucht"),
    ("poll.not_voted", "Noch nicht abgestimmt"),
    ("poll.comments", "Kommentare"),
    ("poll.comment_yours", "Ihr Kommentar"),
    ("poll.nobody", "Noch hat niemand abgestimmt."),
    ("poll.new_row", "Sie"),
    (
        "poll.join_intro",
        "Geben Sie Namen und E-Mail-Adresse an und wählen Sie zu jeder Zeit, ob sie Ihnen passt. Ändern können Sie Ihre Stimmen später auf Ihrer eigenen Seite.",
    ),
    ("poll.saved", "Ihre Stimmen sind gespeichert."),
    (
        "poll.saved_note",
        "Sie können sie ändern, bis die Umfrage schließt.",
    ),
    ("poll.booked", "Der Termin ist gebucht: {time}."),
    ("poll.closed", "Diese Umfrage ist geschlossen."),
    ("poll.hello", "Hallo {name}. Können Sie zu diesen Zeiten?"),
    ("vote.yes", "Ja"),
    ("vote.if_need_be", "Notfalls"),
    ("vote.no", "Nein"),
    ("poll.comment", "Kommentar (optional)"),
    ("poll.save", "Stimmen speichern"),
    ("poll.results", "Ergebnisse"),
    (
        "poll.private",
        "Der Gastgeber hält die Ergebnisse dieser Umfrage privat.",
    ),
    ("poll.link", "Ihr persönlicher Link: /polls/{token}"),
    ("poll.vote_missing", "wählen Sie Ja, Notfalls oder Nein"),
    (
        "poll.zone_unknown",
        "„{asked}“ ist keine Zeitzone, die Kairos kennt (etwa Europe/Berlin); die Zeiten sind in {zone} angegeben, der Zeitzone der Umfrage.",
    ),
    ("join.title", "An der Umfrage teilnehmen"),
    ("join.email", "Ihre E-Mail-Adresse"),
    ("join.continue", "Teilnehmen und Stimmen speichern"),
    ("date.long", "{weekday}, {day}. {month} {year}"),
    ("date.month_year", "{month} {year}"),
    ("time.am", "vorm."),
    ("time.pm", "nachm."),
    ("skip", "Zum Inhalt springen"),
    ("powered", "Terminbuchung mit Kairos"),
    ("lang.label", "Sprache"),
    ("error.not_found.title", "Seite nicht gefunden"),
    (
        "error.not_found.text",
        "Unter dieser Adresse gibt es nichts. Bitte prüfen Sie den Link, den Sie erhalten haben.",
    ),
    ("error.gone.title", "Diese Buchung ist beendet"),
    (
        "error.gone.text",
        "Diese Buchung wurde storniert, abgelehnt oder auf eine andere Zeit verschoben.",
    ),
    ("error.bad.title", "Diese Anfrage ist nicht lesbar"),
    (
        "error.bad.text",
        "Etwas in der Adresse oder im Formular stimmt nicht: {detail}",
    ),
    ("error.busy.title", "Bitte versuchen Sie es noch einmal"),
    (
        "error.busy.text",
        "Kairos kann gerade nicht antworten. Bitte versuchen Sie es gleich noch einmal.",
    ),
    ("host.title", "Termin mit {name} buchen"),
    ("host.intro", "Wählen Sie, worüber Sie sprechen möchten."),
    (
        "host.empty",
        "{name} bietet zurzeit keine öffentlichen Termine an.",
    ),
    ("minutes", "{n} Min."),
    ("kind.one_on_one", "Einzeltermin"),
    ("kind.group", "Gruppentermin"),
    ("kind.collective", "Mit dem ganzen Team"),
    ("kind.round_robin", "Mit einer Person aus dem Team"),
    ("location.unspecified", "Nach Absprache"),
    ("location.in_person", "Vor Ort"),
    ("location.phone", "Telefonat"),
    ("location.video", "Videoanruf"),
    ("location.provider_video", "Videoanruf"),
    (
        "location.phone.note",
        "Die Nummer erhalten Sie mit der Buchung.",
    ),
    (
        "location.video.note",
        "Den Link erhalten Sie mit der Buchung.",
    ),
    (
        "location.provider_video.note",
        "Den Link erhalten Sie mit der Einladung.",
    ),
    ("seats.left", "noch {n} Plätze frei"),
    ("seats.one", "noch 1 Platz frei"),
    ("event.duration", "Dauer"),
    ("event.location", "Ort"),
    (
        "event.approval",
        "Jede Buchung wird vom Gastgeber bestätigt.",
    ),
    ("event.back", "Alle Termine von {name}"),
    ("cal.heading", "Datum und Uhrzeit wählen"),
    ("cal.prev", "Vorheriger Monat"),
    ("cal.next", "Nächster Monat"),
    ("cal.has_times", "Zeiten frei"),
    ("cal.selected", "ausgewählt"),
    ("cal.no_month", "Im {month} ist nichts frei."),
    ("cal.next_free", "Nächster freier Tag: {date}"),
    ("cal.no_day", "An diesem Tag ist nichts frei."),
    ("cal.pick_day", "Wählen Sie einen Tag mit freien Zeiten."),
    ("cal.times_for", "Zeiten am {date}"),
    ("zone.label", "Zeitzone"),
    ("zone.show", "Anzeigen"),
    ("zone.shown", "Die Zeiten sind in {zone} angegeben."),
    (
        "zone.unknown",
        "„{asked}“ ist keine Zeitzone, die Kairos kennt; die Zeiten sind in {zone} angegeben.",
    ),
    ("clock.label", "Uhr"),
    ("clock.12", "12 Stunden"),
    ("clock.24", "24 Stunden"),
    ("form.heading", "Ihre Angaben"),
    ("form.when", "Wann"),
    ("form.name", "Ihr Name"),
    ("form.email", "E-Mail"),
    ("form.phone", "Handynummer für SMS-Erinnerungen (optional)"),
    ("form.required", "Pflichtfeld"),
    ("form.choose", "Bitte wählen…"),
    ("form.submit", "Buchung bestätigen"),
    ("form.submit_request", "Buchung anfragen"),
    ("form.back", "Andere Zeit wählen"),
    ("form.summary", "Bitte korrigieren Sie {n} Feld(er):"),
    ("err.required", "Dieses Feld ist ein Pflichtfeld."),
    (
        "err.email",
        "Geben Sie eine E-Mail-Adresse wie name@example.com ein.",
    ),
    (
        "err.phone",
        "Geben Sie eine Telefonnummer ein (Ziffern, Leerzeichen und + - ( ) .).",
    ),
    (
        "err.phone_e164",
        "Geben Sie die Nummer mit + und Ländervorwahl ein, nur Ziffern, etwa +491701234567.",
    ),
    ("err.option", "Wählen Sie eine der Möglichkeiten."),
    (
        "err.checkbox",
        "Bitte setzen Sie das Häkchen, um fortzufahren.",
    ),
    ("err.too_long", "Das ist zu lang (höchstens {n} Zeichen)."),
    ("err.line", "Bitte schreiben Sie dies in eine Zeile."),
    ("err.invalid", "Bitte prüfen Sie diesen Wert ({detail})."),
    ("err.start", "Bitte wählen Sie eine Zeit im Kalender."),
    ("gone.title", "Diese Zeit ist nicht mehr frei"),
    (
        "gone.text",
        "{time} wurde gerade gebucht oder ist nicht mehr buchbar.",
    ),
    ("gone.nearest", "Die nächsten freien Zeiten:"),
    ("gone.none", "In der Nähe ist keine Zeit mehr frei."),
    ("gone.calendar", "Alle freien Zeiten ansehen"),
    ("done.title", "Ihr Termin ist gebucht"),
    ("done.pending", "Ihre Anfrage ist gesendet"),
    (
        "done.pending_text",
        "Der Termin steht, sobald der Gastgeber ihn bestätigt.",
    ),
    ("done.with", "mit {names}"),
    ("done.your_time", "Ihre Zeit"),
    ("done.host_time", "Zeit des Gastgebers"),
    ("done.join", "Dem Videoanruf beitreten"),
    ("done.call", "{number} anrufen"),
    ("done.add", "Zum Kalender hinzufügen"),
    ("done.ics", ".ics herunterladen (Apple Kalender, Outlook)"),
    (
        "done.manage",
        "Änderung oder Absage nötig? Bewahren Sie diesen Link auf:",
    ),
    ("done.manage_link", "Buchung verwalten"),
    ("answer.yes", "Ja"),
    ("answer.no", "Nein"),
    ("manage.title", "Ihre Buchung"),
    (
        "manage.status.pending",
        "Wartet auf die Bestätigung des Gastgebers.",
    ),
    ("manage.status.accepted", "Bestätigt."),
    (
        "manage.status.rejected",
        "Der Gastgeber hat diese Buchung abgelehnt.",
    ),
    ("manage.status.cancelled", "Diese Buchung ist storniert."),
    ("manage.status.no_show", "Dieser Termin ist vorbei."),
    ("manage.status.completed", "Dieser Termin ist vorbei."),
    ("manage.cancel", "Diese Buchung stornieren"),
    ("manage.reason", "Grund (optional)"),
    ("manage.cancel_button", "Buchung stornieren"),
    ("manage.cancelled", "Ihre Buchung ist storniert."),
    ("manage.reschedule", "Neue Zeit wählen"),
    (
        "manage.rescheduling",
        "Verschieben: Sie verlegen Ihre Buchung vom {time}.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
            .collect()
    }

    #[test]
    fn every_language_is_complete() {
        for lang in Lang::ALL {
            let table: Vec<_> = lang.entries().collect();
            let keys: BTreeSet<&str> = table.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys.len(), table.len(), "{lang:?} lists a key twice");
            for other in Lang::ALL {
                for (key, text) in other.entries() {
                    let mine = table.iter().find(|(k, _)| k == key);
                    let Some((_, mine)) = mine else {
                        panic!("{key:?} is missing in {lang:?}");
                    };
                    assert!(!mine.trim().is_empty(), "{key:?} is empty in {lang:?}");
                    assert_eq!(
                        placeholders(mine),
                        placeholders(text),
                        "{key:?}: {lang:?} and {other:?} fill in different values"
                    );
                }
            }
        }
    }

    #[test]
    fn calendar_words_are_in_the_catalogue() {
        for key in MONTH_KEYS
            .iter()
            .chain(&MONTH_SHORT_KEYS)
            .chain(&WEEKDAY_KEYS)
            .chain(&WEEKDAY_SHORT_KEYS)
        {
            for lang in Lang::ALL {
                assert!(lang.entries().any(|(k, _)| k == key), "{key}");
            }
        }
    }

    #[test]
    fn language_choice() {
        assert_eq!(Lang::choose(Some("de"), Some("en")), Lang::De);
        assert_eq!(Lang::choose(Some("xx"), Some("de-CH, en;q=0.5")), Lang::De);
        assert_eq!(Lang::choose(None, Some("fr, en;q=0.4, de;q=0.8")), Lang::De);
        assert_eq!(Lang::choose(None, Some("de;q=0, en")), Lang::En);
        assert_eq!(Lang::choose(None, Some("fr")), Lang::En);
        assert_eq!(Lang::choose(None, None), Lang::En);
    }

    #[test]
    fn dates_and_times_per_language() {
        let date = NaiveDate::from_ymd_opt(2026, 6, 2).expect("date");
        assert_eq!(Lang::En.date_long(date), "Tuesday, June 2, 2026");
        assert_eq!(Lang::De.date_long(date), "Dienstag, 2. Juni 2026");
        let at = date.and_hms_opt(14, 5, 0).expect("time");
        assert_eq!(Lang::En.time(at, Clock::H12), "2:05 pm");
        assert_eq!(Lang::De.time(at, Clock::H24), "14:05");
        assert_eq!(Lang::En.date_short(date, true), "Tue 2 Jun 2026");
        assert_eq!(Lang::De.date_short(date, false), "Di, 2. Juni");
        let midnight = date.and_hms_opt(0, 30, 0).expect("time");
        assert_eq!(Lang::En.time(midnight, Clock::H12), "12:30 am");
    }
}
