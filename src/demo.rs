//! Demo data: an organization, three hosts in different zones with working
//! hours, an event type of every kind (the team ones on the Acme team's
//! page), and an admin API key.

use crate::booking::{AvailabilityInputs, slots_for};
use crate::domain::{
    DateOverride, EventTypeHost, EventTypeInput, HoursRange, Kind, Location, NewApiKey, Question,
    QuestionKind, ScheduleInput, Slug, TeamInput, TimeZoneName, UserInput, WeeklyHours,
};
use crate::engine::{Instant, Interval};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, SecondsFormat, Utc};

/// What `kairos demo` prints.
pub struct DemoData {
    pub api_key: String,
    /// `(user slug, event slug, title)` of every public event type.
    pub links: Vec<(String, String, String)>,
    /// Ana's user id and her intro call's event type id (the tour uses them).
    pub ana_id: String,
    pub intro_id: String,
}

fn hours(ranges: &[(&str, &str)]) -> Vec<HoursRange> {
    ranges
        .iter()
        .filter_map(|(a, b)| HoursRange::try_from((a.to_string(), b.to_string())).ok())
        .collect()
}

fn weekdays(ranges: &[(&str, &str)]) -> WeeklyHours {
    WeeklyHours {
        mon: hours(ranges),
        tue: hours(ranges),
        wed: hours(ranges),
        thu: hours(ranges),
        fri: hours(ranges),
        ..WeeklyHours::default()
    }
}

fn slug(text: &str) -> Result<Slug, StoreError> {
    Slug::parse(text).map_err(StoreError::Corrupt)
}

fn zone(text: &str) -> Result<TimeZoneName, StoreError> {
    TimeZoneName::parse(text).map_err(StoreError::Corrupt)
}

fn event_type(
    owner: &str,
    slug_text: &str,
    title: &str,
    kind: Kind,
    minutes: u32,
) -> Result<EventTypeInput, StoreError> {
    Ok(EventTypeInput {
        owner_id: owner.to_string(),
        slug: slug(slug_text)?,
        title: title.to_string(),
        description: String::new(),
        kind,
        duration_minutes: minutes,
        slot_interval_minutes: None,
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_notice_minutes: 120,
        max_days_ahead: Some(60),
        daily_limit: None,
        seats: None,
        required_hosts: None,
        timezone: None,
        schedule_id: None,
        location: Location::Video {
            url: "https://meet.example.com/kairos-demo".to_string(),
        },
        questions: Vec::new(),
        requires_approval: false,
        assignment: Default::default(),
        hidden: false,
        stale_calendar: Default::default(),
        team_id: None,
        hold_minutes: crate::domain::DEFAULT_HOLD_MINUTES,
        // A day and an hour before, as most hosts set them.
        reminder_minutes: vec![1440, 60],
        invitations: Default::default(),
        hosts: Vec::new(),
        redirect_url: None,
    })
}

/// Seeds the demo organization unless it is there, and makes a fresh API key
/// (keys are stored hashed, so an old one cannot be shown again).
pub async fn seed(store: &dyn Store) -> Result<DemoData, StoreError> {
    let organization_id = match store.user_by_slug("ana").await {
        Ok(ana) => ana.organization_id,
        Err(StoreError::NotFound(_)) => create(store).await?,
        Err(other) => return Err(other),
    };
    let key = NewApiKey::generate();
    store.insert_api_key(&organization_id, "demo", &key).await?;
    let api_key = key.secret;
    let event_types = store.event_types(&organization_id).await?;
    let intro_id = event_types
        .iter()
        .find(|et| et.input.slug.as_str() == "intro")
        .map(|et| et.id.clone())
        .ok_or(StoreError::NotFound("event type"))?;
    let links = event_types
        .into_iter()
        .map(|et| ("ana".to_string(), et.input.slug.to_string(), et.input.title))
        .collect();
    let ana_id = store.user_by_slug("ana").await?.id;
    Ok(DemoData {
        api_key,
        links,
        ana_id,
        intro_id,
    })
}

/// The dates and times the printed tour uses: next week (Monday to
/// Saturday), and free starts of Ana's intro call in it, read from the store
/// so they are bookable now (later than the notice, inside the booking
/// window, not taken by an earlier tour on the same database).
pub struct TourTimes {
    pub monday: NaiveDate,
    /// The booking: the first free start on Tuesday (or of the week).
    pub book: DateTime<Utc>,
    /// The reschedule: the first free start on a later day.
    pub reschedule: DateTime<Utc>,
    /// The poll's two options: free starts on the two days after that.
    pub poll: [DateTime<Utc>; 2],
}

/// The Monday of next week (a week from today when today is a Monday).
pub fn next_monday(today: NaiveDate) -> NaiveDate {
    let ahead = 7 - u64::from(today.weekday().num_days_from_monday());
    today + Days::new(ahead)
}

pub async fn tour_times(store: &dyn Store, now: DateTime<Utc>) -> Result<TourTimes, String> {
    let monday = next_monday(now.date_naive());
    let (event_type, owner) = store
        .event_type_by_slugs("ana", "intro")
        .await
        .map_err(|e| e.to_string())?;
    let inputs = AvailabilityInputs::load(store, event_type, owner)
        .await
        .map_err(|e| e.to_string())?;
    let start = monday.and_time(NaiveTime::MIN).and_utc();
    let range = Interval::new(
        Instant::from_utc(start),
        Instant::from_utc(start + chrono::Duration::days(5)),
    );
    let utc = TimeZoneName::parse("UTC").map_err(|e| e.to_string())?;
    let (answer, _) = slots_for(store, &inputs, Instant::from_utc(now), range, &utc, None)
        .await
        .map_err(|e| e.to_string())?;
    let free: Vec<DateTime<Utc>> = answer
        .days
        .iter()
        .flat_map(|day| day.slots.iter().map(|slot| slot.start))
        .collect();
    let on_or_after = |day: NaiveDate| free.iter().copied().find(|s| s.date_naive() >= day);
    let tuesday = monday + Days::new(1);
    let book = on_or_after(tuesday)
        .or_else(|| free.first().copied())
        .ok_or("Ana has no free time next week")?;
    let next_day = |after: DateTime<Utc>| on_or_after(after.date_naive() + Days::new(1));
    let reschedule = next_day(book).ok_or("Ana has no free time after the tour's booking")?;
    let first = next_day(reschedule).ok_or("no free time for the tour's poll")?;
    let second = next_day(first).ok_or("no free time for the tour's poll")?;
    Ok(TourTimes {
        monday,
        book,
        reschedule,
        poll: [first, second],
    })
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The tour's commands with this demo's base URL, key, ids and times. They
/// run as printed in a POSIX shell with curl; values the API hands out on the
/// way (a booking's uid and manage token, a poll's id) are picked from its
/// answers with `field`, so nothing needs copying by hand.
pub fn tour(base: &str, demo: &DemoData, times: &TourTimes, run: &str) -> String {
    let monday = times.monday;
    let tuesday = monday + Days::new(1);
    let saturday = monday + Days::new(5);
    let link_time = (monday + Days::new(3))
        .and_hms_opt(18, 0, 0)
        .map(|t| rfc3339(t.and_utc()))
        .unwrap_or_default();
    let (book, reschedule) = (rfc3339(times.book), rfc3339(times.reschedule));
    let (first, second) = (rfc3339(times.poll[0]), rfc3339(times.poll[1]));
    let (key, ana, intro) = (&demo.api_key, &demo.ana_id, &demo.intro_id);
    format!(
        r#"B={base}
KEY={key}
# A JSON answer's first "name": "value" (POSIX tools only; no jq needed).
field() {{ tr ',{{' '\n\n' | sed -n -E "s/^\"$1\":\"([^\"]*)\".*/\1/p" | head -n 1; }}

# The intro call's page and its free times next week, shown in New York time.
curl -s $B/api/v1/public/ana/intro; echo
curl -s "$B/api/v1/public/ana/intro/slots?start={monday}T00:00:00Z&end={saturday}T00:00:00Z&timezone=America/New_York"; echo

# Book one (the intro call asks for a company). Retrying with the same
# Idempotency-Key returns the same booking (200) instead of a second one.
BOOKED=$(curl -s -X POST $B/api/v1/public/ana/intro/bookings -H 'content-type: application/json' -H 'Idempotency-Key: tour-{run}' \
  -d '{{"start":"{book}","invitee":{{"name":"Pat Doe","email":"pat@example.com","timezone":"America/New_York"}},"answers":{{"company":"Initech"}}}}')
echo "$BOOKED"
BOOKING=$(echo "$BOOKED" | field uid); TOKEN=$(echo "$BOOKED" | field manage_token)
# The same time again, without the key: 409, it is taken.
curl -s -X POST $B/api/v1/public/ana/intro/bookings -H 'content-type: application/json' \
  -d '{{"start":"{book}","invitee":{{"name":"Sam Roe","email":"sam@example.com","timezone":"UTC"}},"answers":{{"company":"Hooli"}}}}'; echo

# The invitee's manage link: view, reschedule (one transaction: new booking,
# old one cancelled, linked both ways), cancel.
curl -s "$B/api/v1/manage/$BOOKING?token=$TOKEN"; echo
MOVED=$(curl -s -X POST "$B/api/v1/manage/$BOOKING/reschedule?token=$TOKEN" -H 'content-type: application/json' -d '{{"start":"{reschedule}"}}')
echo "$MOVED"
NEW_BOOKING=$(echo "$MOVED" | field uid); NEW_TOKEN=$(echo "$MOVED" | field manage_token)
curl -s -X POST "$B/api/v1/manage/$NEW_BOOKING/cancel?token=$NEW_TOKEN" -H 'content-type: application/json' -d '{{"reason":"Found another time"}}'; echo

# The admin side: bookings with filters, one booking with its history.
curl -s -H "Authorization: Bearer $KEY" "$B/api/v1/bookings?status=cancelled"; echo
curl -s -H "Authorization: Bearer $KEY" "$B/api/v1/bookings/$BOOKING"; echo

# Team scheduling: the round robin spreads bookings over three hosts; each
# booking says who got it and why ("assignment_reason").
curl -s "$B/api/v1/public/ana/sales/slots?start={monday}T00:00:00Z&end={tuesday}T00:00:00Z&timezone=UTC"; echo

# A meeting poll: proposed times, invited people vote on their personal page
# (the "url" of each invitation), then you book the best option.
POLLED=$(curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' $B/api/v1/polls \
  -d '{{"host_id":"{ana}","title":"Kick-off","duration_minutes":30,"timezone":"Europe/Berlin","options":["{first}","{second}"],"participants":[{{"name":"Bo","email":"bo@example.com"}}]}}')
echo "$POLLED"
POLL=$(echo "$POLLED" | field id)
curl -s -X POST -H "Authorization: Bearer $KEY" -H 'content-type: application/json' $B/api/v1/polls/$POLL/finalize -d '{{}}'; echo

# A one-off link: hand-picked times for one invitee (outside working hours is fine).
curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' $B/api/v1/links \
  -d '{{"event_type_id":"{intro}","times":["{link_time}"]}}'; echo

# API keys: list them (name, last use), make one for a script, revoke it.
curl -s -H "Authorization: Bearer $KEY" $B/api/v1/api-keys; echo
MADE=$(curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' $B/api/v1/api-keys -d '{{"name":"tour script"}}')
echo "$MADE"
curl -s -X DELETE -H "Authorization: Bearer $KEY" $B/api/v1/api-keys/$(echo "$MADE" | field id); echo

# Calendar connections (none yet; README.md shows how to connect one) and
# what happened after each booking (calendar writes), with attempts and errors.
curl -s -H "Authorization: Bearer $KEY" $B/api/v1/connections; echo
curl -s -H "Authorization: Bearer $KEY" "$B/api/v1/effects?status=failed"; echo

# Everything else is in the OpenAPI document.
curl -s $B/api/v1/openapi.json | head -c 300; echo
"#
    )
}

async fn create(store: &dyn Store) -> Result<String, StoreError> {
    let org = store.create_organization("Acme Consulting (demo)").await?;
    let mut ids = Vec::new();
    for (slug_text, name, email, tz, ranges) in [
        (
            "ana",
            "Ana Silva",
            "ana@acme.example",
            "Europe/Berlin",
            &[("09:00", "12:30"), ("13:30", "17:00")][..],
        ),
        (
            "ben",
            "Ben Carter",
            "ben@acme.example",
            "America/New_York",
            &[("08:30", "16:30")][..],
        ),
        (
            "chen",
            "Chen Wei",
            "chen@acme.example",
            "Asia/Kolkata",
            &[("10:00", "18:30")][..],
        ),
    ] {
        let user = store
            .insert_user(
                &org.id,
                &UserInput {
                    slug: slug(slug_text)?,
                    name: name.to_string(),
                    email: crate::domain::Email::parse(email).map_err(StoreError::Corrupt)?,
                    timezone: zone(tz)?,
                    avatar_url: None,
                    brand_color: None,
                    brand_color_dark: None,
                    language: None,
                    phone: None,
                },
            )
            .await?;
        store
            .insert_schedule(
                &org.id,
                &ScheduleInput {
                    user_id: user.id.clone(),
                    name: "Working hours".to_string(),
                    timezone: zone(tz)?,
                    weekly: weekdays(ranges),
                    overrides: Vec::<DateOverride>::new(),
                    is_default: true,
                },
            )
            .await?;
        ids.push(user.id);
    }
    let host = |id: &String| EventTypeHost {
        user_id: id.clone(),
        priority: 0,
        weight: 100,
    };
    let mut intro = event_type(&ids[0], "intro", "Intro call", Kind::OneOnOne, 30)?;
    intro.buffer_after_minutes = 10;
    intro.questions = vec![
        Question {
            id: slug("company")?,
            label: "Company".to_string(),
            kind: QuestionKind::Text,
            required: true,
            options: Vec::new(),
        },
        Question {
            id: slug("topic")?,
            label: "What would you like to discuss?".to_string(),
            kind: QuestionKind::Select,
            required: false,
            options: vec![
                "Pricing".to_string(),
                "Integration".to_string(),
                "Something else".to_string(),
            ],
        },
    ];
    let mut workshop = event_type(&ids[0], "workshop", "Scheduling workshop", Kind::Group, 90)?;
    workshop.seats = Some(8);
    let team = store
        .insert_team(
            &org.id,
            &TeamInput {
                slug: slug("acme")?,
                name: "Acme Consulting".to_string(),
                description: "Talk to our sales team, or see the product with an engineer."
                    .to_string(),
                logo_url: None,
                brand_color: Some("#0f766e".to_string()),
                brand_color_dark: Some("#5eead4".to_string()),
            },
        )
        .await?;
    let mut demo = event_type(
        &ids[0],
        "team-demo",
        "Product demo with an engineer",
        Kind::Collective,
        45,
    )?;
    demo.hosts = vec![host(&ids[0]), host(&ids[1])];
    demo.team_id = Some(team.id.clone());
    let mut sales = event_type(&ids[0], "sales", "Talk to sales", Kind::RoundRobin, 30)?;
    sales.hosts = ids.iter().map(host).collect();
    sales.timezone = Some(zone("UTC")?);
    sales.team_id = Some(team.id);
    for mut input in [intro, workshop, demo, sales] {
        input
            .validate()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        store.insert_event_type(&org.id, &input).await?;
    }
    // A workflow to look at: a survey an hour after each meeting.
    let feedback = crate::domain::WorkflowInput {
        name: "Feedback after the meeting".to_string(),
        event_type_id: None,
        trigger: crate::domain::Trigger::AfterEnd,
        offset_minutes: 60,
        active: true,
        steps: vec![crate::domain::Step {
            action: crate::domain::Action::Survey,
            to: None,
            subject: Some("How was {{ event.title }}?".to_string()),
            body: "Hi {{ invitee.first_name }},\n\nthank you for meeting {{ host.name }} \
                   on {{ event.date }}. How did it go? Two clicks tell us: {{ survey_url }}"
                .to_string(),
        }],
    };
    crate::booking::workflows::create(store, &org.id, &feedback)
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(org.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tour_is_next_week() {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date");
        // Tuesday → the coming Monday; Monday → a week later; Sunday → tomorrow.
        assert_eq!(next_monday(day("2026-12-01")), day("2026-12-07"));
        assert_eq!(next_monday(day("2026-12-07")), day("2026-12-14"));
        assert_eq!(next_monday(day("2026-12-13")), day("2026-12-14"));
    }
}
