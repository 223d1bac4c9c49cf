//! Demo data: an organization, three hosts in different zones with working
//! hours, an event type of every kind, and an admin API key.

use crate::domain::{
    DateOverride, EventTypeHost, EventTypeInput, HoursRange, Kind, Location, Question,
    QuestionKind, ScheduleInput, Slug, TimeZoneName, UserInput, WeeklyHours, hash_secret,
    random_token,
};
use crate::store::{Store, StoreError};

/// What `kairos demo` prints.
pub struct DemoData {
    pub api_key: String,
    /// `(user slug, event slug, title)` of every public event type.
    pub links: Vec<(String, String, String)>,
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
        hosts: Vec::new(),
    })
}

/// Seeds the demo organization unless it is there, and makes a fresh API key
/// (keys are stored hashed, so an old one cannot be shown again).
pub async fn seed(store: &dyn Store) -> Result<DemoData, StoreError> {
    let organization_id = match store.user_by_slug("ana").await {
        Ok(ana) => ana.organization_id,
        Err(StoreError::NotFound) => create(store).await?,
        Err(other) => return Err(other),
    };
    let api_key = format!("kairos_{}", random_token(32));
    store
        .create_api_key(&organization_id, "demo", &hash_secret(&api_key))
        .await?;
    let links = store
        .event_types(&organization_id)
        .await?
        .into_iter()
        .map(|et| ("ana".to_string(), et.input.slug.to_string(), et.input.title))
        .collect();
    Ok(DemoData { api_key, links })
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
    let mut demo = event_type(
        &ids[0],
        "team-demo",
        "Product demo with an engineer",
        Kind::Collective,
        45,
    )?;
    demo.hosts = vec![host(&ids[0]), host(&ids[1])];
    let mut sales = event_type(&ids[0], "sales", "Talk to sales", Kind::RoundRobin, 30)?;
    sales.hosts = ids.iter().map(host).collect();
    sales.timezone = Some(zone("UTC")?);
    for mut input in [intro, workshop, demo, sales] {
        input
            .validate()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        store.insert_event_type(&org.id, &input).await?;
    }
    Ok(org.id)
}
