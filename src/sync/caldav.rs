//! A CalDAV client (RFC 4791, RFC 6578): find a user's calendars, read their
//! events, and follow changes with sync tokens. Plain HTTP through reqwest;
//! responses are parsed with roxmltree by namespace and local name, because
//! servers differ in prefixes.

use reqwest::{Client, Method, StatusCode, Url};
use roxmltree::{Document, Node};

const DAV: &str = "DAV:";
const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";

#[derive(Debug, thiserror::Error)]
pub enum CaldavError {
    /// The server refused the credentials: the connection needs reconnecting.
    #[error("the server refused the credentials (HTTP {0})")]
    Unauthorized(u16),
    /// RFC 6578: the sync token expired; a full resync is needed.
    #[error("the sync token is no longer valid")]
    SyncTokenInvalid,
    /// The server does not offer a REPORT (RFC 3253 `DAV:supported-report`
    /// precondition, 405 or 501): sync-collection falls back to ETags.
    #[error("the server does not support this report (HTTP {0})")]
    Unsupported(u16),
    /// A request refused for a reason the answer names (a 403 carrying a
    /// `DAV:error` precondition such as `need-privileges`): not a password
    /// problem.
    #[error("HTTP {status} from {url}: precondition {condition} failed")]
    Precondition {
        status: u16,
        url: String,
        condition: String,
    },
    #[error("HTTP {status} from {url}")]
    Status { status: u16, url: String },
    #[error("the server's answer is not what CalDAV promises: {0}")]
    Protocol(String),
    #[error("{0}")]
    Http(#[from] reqwest::Error),
    #[error("bad URL: {0}")]
    Url(#[from] url::ParseError),
}

/// A calendar collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarInfo {
    pub url: Url,
    pub name: String,
    /// Present when the server supports sync-collection.
    pub sync_token: Option<String>,
}

/// One calendar object resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub href: String,
    pub etag: String,
    pub ical: String,
}

/// What changed since a sync token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub changed: Vec<Resource>,
    pub removed: Vec<String>,
    pub token: String,
}

pub struct CaldavClient {
    http: Client,
    user: String,
    password: String,
}

fn dav<'a>(node: Node<'a, 'a>, name: &str) -> Option<Node<'a, 'a>> {
    node.descendants().find(|n| n.has_tag_name((DAV, name)))
}

fn text_of(node: Option<Node<'_, '_>>) -> Option<String> {
    node.and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

impl CaldavClient {
    /// A client that may reach any address (tests, trusted setups).
    pub fn new(user: &str, password: &str) -> Result<Self, CaldavError> {
        Self::build(user, password, false)
    }

    /// A client that reaches public addresses only (see `sync::network`).
    pub fn public_only(user: &str, password: &str) -> Result<Self, CaldavError> {
        Self::build(user, password, true)
    }

    fn build(user: &str, password: &str, public_only: bool) -> Result<Self, CaldavError> {
        // Redirects are followed by `request`, keeping the method: the
        // HTTP client would turn a redirected PROPFIND into a GET.
        let mut builder = crate::app::http_client().redirect(reqwest::redirect::Policy::none());
        if public_only {
            builder = builder.dns_resolver(std::sync::Arc::new(super::network::PublicOnly));
        }
        Ok(CaldavClient {
            http: builder.build()?,
            user: user.to_string(),
            password: password.to_string(),
        })
    }

    async fn request(
        &self,
        method: &str,
        url: &Url,
        depth: Option<&str>,
        body: String,
    ) -> Result<String, CaldavError> {
        Ok(self.request_at(method, url, depth, body).await?.0)
    }

    /// Like `request`, following redirects (`.well-known/caldav`) with the
    /// same method; also returns the URL that answered, which relative hrefs
    /// in the answer are relative to.
    async fn request_at(
        &self,
        method: &str,
        url: &Url,
        depth: Option<&str>,
        body: String,
    ) -> Result<(String, Url), CaldavError> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|e| CaldavError::Protocol(e.to_string()))?;
        let mut url = url.clone();
        let mut hops = 0;
        let response = loop {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .basic_auth(&self.user, Some(&self.password))
                .header("Content-Type", "application/xml; charset=utf-8")
                .body(body.clone());
            if let Some(depth) = depth {
                request = request.header("Depth", depth);
            }
            let response = request.send().await?;
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            match location {
                Some(to) if response.status().is_redirection() && hops < 5 => {
                    hops += 1;
                    url = url.join(&to)?;
                }
                _ => break response,
            }
        };
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            return Err(refusal(status, &text, &url));
        }
        Ok((text, url))
    }

    fn parse(text: &str) -> Result<Document<'_>, CaldavError> {
        Document::parse(text).map_err(|e| CaldavError::Protocol(e.to_string()))
    }

    /// Follows `current-user-principal` and `calendar-home-set` from `server`
    /// to the user's calendars. Where the server's root does not name a
    /// principal (Nextcloud, for one), `/.well-known/caldav` is asked next
    /// (RFC 6764), and its redirect followed.
    pub async fn discover(&self, server: &Url) -> Result<Vec<CalendarInfo>, CaldavError> {
        let (principal, base) = match self.principal(server).await {
            Ok(found) => found,
            Err(error @ CaldavError::Unauthorized(_)) => return Err(error),
            Err(first) => {
                let well_known = server.join("/.well-known/caldav")?;
                self.principal(&well_known).await.map_err(|_| first)?
            }
        };
        let principal = base.join(&principal)?;
        let home_query = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-home-set/></d:prop></d:propfind>"#;
        let (text, base) = self
            .request_at("PROPFIND", &principal, Some("0"), home_query.to_string())
            .await?;
        let doc = Self::parse(&text)?;
        let home = doc
            .descendants()
            .find(|n| n.has_tag_name((CALDAV, "calendar-home-set")))
            .and_then(|h| text_of(dav(h, "href")))
            .ok_or_else(|| CaldavError::Protocol("no calendar-home-set".to_string()))?;
        self.calendars(&base.join(&home)?).await
    }

    /// The href of the current user's principal, and the URL that named it.
    async fn principal(&self, start: &Url) -> Result<(String, Url), CaldavError> {
        let query = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#;
        let (text, base) = self
            .request_at("PROPFIND", start, Some("0"), query.to_string())
            .await?;
        let doc = Self::parse(&text)?;
        let principal = dav(doc.root(), "current-user-principal")
            .and_then(|p| text_of(dav(p, "href")))
            .ok_or_else(|| CaldavError::Protocol("no current-user-principal".to_string()))?;
        Ok((principal, base))
    }

    /// The calendar collections directly under `home`.
    pub async fn calendars(&self, home: &Url) -> Result<Vec<CalendarInfo>, CaldavError> {
        let query = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/><d:sync-token/></d:prop></d:propfind>"#;
        let text = self
            .request("PROPFIND", home, Some("1"), query.to_string())
            .await?;
        let doc = Self::parse(&text)?;
        let mut calendars = Vec::new();
        for response in doc
            .descendants()
            .filter(|n| n.has_tag_name((DAV, "response")))
        {
            let is_calendar = response
                .descendants()
                .any(|n| n.has_tag_name((CALDAV, "calendar")));
            let Some(href) = text_of(dav(response, "href")) else {
                continue;
            };
            if !is_calendar {
                continue;
            }
            let url = home.join(&href)?;
            calendars.push(CalendarInfo {
                name: text_of(dav(response, "displayname")).unwrap_or_else(|| href.clone()),
                sync_token: text_of(dav(response, "sync-token")),
                url,
            });
        }
        Ok(calendars)
    }

    fn resources(doc: &Document<'_>) -> Vec<Resource> {
        doc.descendants()
            .filter(|n| n.has_tag_name((DAV, "response")))
            .filter_map(|response| {
                let ical = response
                    .descendants()
                    .find(|n| n.has_tag_name((CALDAV, "calendar-data")))
                    .and_then(|n| n.text())?
                    .to_string();
                Some(Resource {
                    href: text_of(dav(response, "href"))?,
                    etag: text_of(dav(response, "getetag")).unwrap_or_default(),
                    ical,
                })
            })
            .collect()
    }

    /// Every event of a calendar (the initial sync, or the fallback for servers
    /// without sync-collection).
    pub async fn events(&self, calendar: &Url) -> Result<Vec<Resource>, CaldavError> {
        let query = r#"<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>"#;
        let text = self
            .request("REPORT", calendar, Some("1"), query.to_string())
            .await?;
        Ok(Self::resources(&Self::parse(&text)?))
    }

    /// Changes since `token` (None: everything, with a first token). Changed
    /// resources are fetched with calendar-multiget.
    pub async fn sync(&self, calendar: &Url, token: Option<&str>) -> Result<Changes, CaldavError> {
        let token_xml = token.map(xml_escape).unwrap_or_default();
        let query = format!(
            r#"<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token_xml}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#
        );
        let text = self.request("REPORT", calendar, None, query).await?;
        let doc = Self::parse(&text)?;
        let new_token = text_of(
            doc.descendants()
                .find(|n| n.has_tag_name((DAV, "sync-token"))),
        )
        .ok_or_else(|| {
            CaldavError::Protocol("sync-collection answered without a sync-token".to_string())
        })?;
        let mut changed_hrefs = Vec::new();
        let mut removed = Vec::new();
        for response in doc
            .descendants()
            .filter(|n| n.has_tag_name((DAV, "response")))
        {
            let Some(href) = text_of(dav(response, "href")) else {
                continue;
            };
            let gone = text_of(dav(response, "status")).is_some_and(|s| s.contains(" 404"));
            if gone {
                removed.push(href);
            } else if href.ends_with(".ics") || dav(response, "getetag").is_some() {
                changed_hrefs.push(href);
            }
        }
        let changed = self.multiget(calendar, &changed_hrefs).await?;
        Ok(Changes {
            changed,
            removed,
            token: new_token,
        })
    }

    /// The given resources with their data (calendar-multiget), in batches.
    pub async fn multiget(
        &self,
        calendar: &Url,
        hrefs: &[String],
    ) -> Result<Vec<Resource>, CaldavError> {
        let mut resources = Vec::new();
        for batch in hrefs.chunks(200) {
            let hrefs: String = batch
                .iter()
                .map(|h| format!("<d:href>{}</d:href>", xml_escape(h)))
                .collect();
            let multiget = format!(
                r#"<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>{hrefs}</c:calendar-multiget>"#
            );
            let text = self
                .request("REPORT", calendar, Some("1"), multiget)
                .await?;
            resources.extend(Self::resources(&Self::parse(&text)?));
        }
        Ok(resources)
    }

    /// `(href, ETag)` of every event resource in a calendar (for servers
    /// without sync-collection: compare with what was seen last time).
    pub async fn etags(&self, calendar: &Url) -> Result<Vec<(String, String)>, CaldavError> {
        let query = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>"#;
        let text = self
            .request("PROPFIND", calendar, Some("1"), query.to_string())
            .await?;
        let doc = Self::parse(&text)?;
        Ok(doc
            .descendants()
            .filter(|n| n.has_tag_name((DAV, "response")))
            .filter(|r| !r.descendants().any(|n| n.has_tag_name((DAV, "collection"))))
            .filter_map(|r| Some((text_of(dav(r, "href"))?, text_of(dav(r, "getetag"))?)))
            .collect())
    }

    /// Creates or replaces an event at `name` (e.g. `booking-UID.ics`).
    pub async fn put(&self, calendar: &Url, name: &str, ical: &str) -> Result<(), CaldavError> {
        let url = calendar.join(name)?;
        let response = self
            .http
            .put(url.clone())
            .basic_auth(&self.user, Some(&self.password))
            .header("Content-Type", "text/calendar; charset=utf-8")
            .body(ical.to_string())
            .send()
            .await?;
        outcome(response, &url, false).await
    }

    /// Removes the event at `name`; a missing one is already removed.
    pub async fn delete(&self, calendar: &Url, name: &str) -> Result<(), CaldavError> {
        let url = calendar.join(name)?;
        let response = self
            .http
            .delete(url.clone())
            .basic_auth(&self.user, Some(&self.password))
            .send()
            .await?;
        outcome(response, &url, true).await
    }

    /// Makes a calendar collection (for setting up servers and tests).
    pub async fn make_calendar(&self, url: &Url, name: &str) -> Result<(), CaldavError> {
        let body = format!(
            r#"<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>{}</d:displayname></d:prop></d:set></c:mkcalendar>"#,
            xml_escape(name)
        );
        self.request("MKCALENDAR", url, None, body)
            .await
            .map(|_| ())
    }
}

/// The result of a write: success (or, for a delete, already gone), or why not.
async fn outcome(
    response: reqwest::Response,
    url: &Url,
    gone_is_done: bool,
) -> Result<(), CaldavError> {
    let status = response.status();
    if status.is_success() || (gone_is_done && status == StatusCode::NOT_FOUND) {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    Err(refusal(status, &text, url))
}

/// The precondition a `DAV:error` answer names (RFC 4918 §16), if any.
fn precondition(body: &str) -> Option<String> {
    let doc = Document::parse(body).ok()?;
    let root = doc.root_element();
    if !root.has_tag_name((DAV, "error")) {
        return None;
    }
    let first = root.children().find(Node::is_element)?;
    Some(first.tag_name().name().to_string())
}

/// What a failed answer means. Only a 401, or a 403 that names no
/// precondition, says the credentials no longer work: a 403 naming one
/// (`supported-report`, `need-privileges`, `valid-calendar-data`…) refuses
/// this request, not the password.
fn refusal(status: StatusCode, body: &str, url: &Url) -> CaldavError {
    // RFC 6578 §3.2: an invalid token is a 403/409 with <valid-sync-token/>.
    let condition = precondition(body);
    if condition.as_deref() == Some("valid-sync-token") || body.contains("valid-sync-token") {
        return CaldavError::SyncTokenInvalid;
    }
    match (status, condition) {
        (StatusCode::UNAUTHORIZED, _) | (StatusCode::FORBIDDEN, None) => {
            CaldavError::Unauthorized(status.as_u16())
        }
        (StatusCode::FORBIDDEN, Some(c)) if c == "supported-report" => {
            CaldavError::Unsupported(status.as_u16())
        }
        (StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED, _) => {
            CaldavError::Unsupported(status.as_u16())
        }
        (status, Some(condition)) => CaldavError::Precondition {
            status: status.as_u16(),
            url: url.to_string(),
            condition,
        },
        (status, None) => CaldavError::Status {
            status: status.as_u16(),
            url: url.to_string(),
        },
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl From<CaldavError> for super::api::SyncError {
    fn from(error: CaldavError) -> Self {
        use super::api::SyncError;
        match error {
            CaldavError::Unauthorized(status) => {
                SyncError::Unauthorized(format!("the CalDAV server answered HTTP {status}"))
            }
            CaldavError::SyncTokenInvalid => SyncError::SyncTokenInvalid,
            CaldavError::Status { status: 429, .. } => SyncError::RateLimited { retry_after: None },
            CaldavError::Status { status, url } if status >= 500 => {
                SyncError::Temporary(format!("HTTP {status} from {url}"))
            }
            CaldavError::Http(e) => SyncError::from_http(&e),
            other => SyncError::Permanent(other.to_string()),
        }
    }
}

/// A CalDAV account as a [`CalendarApi`](super::api::CalendarApi).
pub struct CaldavApi {
    client: CaldavClient,
    server: Url,
    /// The host's addresses, to recognize invitations they declined.
    self_emails: Vec<String>,
    /// Whether to try sync-collection (servers without it fall back to ETags).
    sync_collection: bool,
}

/// The token of the ETag fallback: what each resource's ETag was last time.
const ETAG_TOKEN: &str = "etags:";

impl CaldavApi {
    /// `allow_private`: whether the server may be on a private network.
    pub fn new(
        server: Url,
        user: &str,
        password: &str,
        self_emails: Vec<String>,
        allow_private: bool,
    ) -> Result<Self, CaldavError> {
        let client = if allow_private {
            CaldavClient::new(user, password)?
        } else {
            // Names are checked as they resolve; an address literal here.
            let literal = server
                .host_str()
                .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
                .and_then(|h| h.parse::<std::net::IpAddr>().ok());
            if literal.is_some_and(|ip| !super::network::is_public(ip)) {
                return Err(CaldavError::Protocol(format!(
                    "{server} is on a private or local network; set {} to allow it",
                    super::network::ALLOW_SETTING
                )));
            }
            CaldavClient::public_only(user, password)?
        };
        Ok(CaldavApi {
            client,
            server,
            self_emails,
            sync_collection: true,
        })
    }

    /// Never uses sync-collection (what a server without it gets; for tests).
    pub fn with_etags_only(mut self) -> Self {
        self.sync_collection = false;
        self
    }

    /// Changes found by comparing ETags with those seen last time (`None`:
    /// everything). The token is the new `href → ETag` map.
    async fn etag_changes(
        &self,
        url: &Url,
        seen: Option<std::collections::HashMap<String, String>>,
    ) -> Result<crate::store::CalendarDelta, super::api::SyncError> {
        let now: std::collections::HashMap<String, String> =
            self.client.etags(url).await?.into_iter().collect();
        let changed: Vec<String> = now
            .iter()
            .filter(|(href, etag)| seen.as_ref().and_then(|s| s.get(*href)) != Some(*etag))
            .map(|(href, _)| href.clone())
            .collect();
        let removed: Vec<String> = seen
            .as_ref()
            .map(|s| {
                s.keys()
                    .filter(|href| !now.contains_key(*href))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let resources = self.client.multiget(url, &changed).await?;
        let mut delta = self.delta(resources, removed, seen.is_none());
        let map = serde_json::to_string(&now)
            .map_err(|e| super::api::SyncError::Permanent(e.to_string()))?;
        delta.token = Some(format!("{ETAG_TOKEN}{map}"));
        Ok(delta)
    }

    fn calendar_url(calendar: &str) -> Result<Url, super::api::SyncError> {
        Url::parse(calendar).map_err(|e| super::api::SyncError::Permanent(e.to_string()))
    }

    /// Resource name of a booking's event: stable, so a retried PUT replaces.
    fn resource_name(booking_uid: &str) -> String {
        format!("{booking_uid}.ics")
    }

    fn delta(
        &self,
        resources: Vec<Resource>,
        removed: Vec<String>,
        full: bool,
    ) -> crate::store::CalendarDelta {
        let mut delta = crate::store::CalendarDelta {
            full,
            removed,
            ..Default::default()
        };
        for resource in resources {
            match super::events::from_ical(&resource.href, &resource.ical, &self.self_emails) {
                Ok(Some(event)) => delta.upserts.push(event),
                // Not busy for us (any more): drop what we may hold of it.
                Ok(None) => delta.removed.push(resource.href),
                Err(error) => {
                    match super::events::unreadable_bounds(&resource.href, &resource.ical) {
                        Some(event) => {
                            tracing::warn!(href = %resource.href, %error, "an event that does not parse counts busy over its bounds");
                            delta.upserts.push(event);
                        }
                        None => {
                            tracing::warn!(href = %resource.href, %error, "skipping an event that does not parse and names no date");
                            delta.removed.push(resource.href);
                        }
                    }
                }
            }
        }
        delta
    }
}

#[async_trait::async_trait]
impl super::api::CalendarApi for CaldavApi {
    async fn calendars(&self) -> Result<Vec<crate::store::RemoteCalendar>, super::api::SyncError> {
        let found = self.client.discover(&self.server).await?;
        Ok(found
            .into_iter()
            .enumerate()
            .map(|(i, calendar)| crate::store::RemoteCalendar {
                external_id: calendar.url.to_string(),
                name: calendar.name,
                // CalDAV has no primary calendar; the first one stands in.
                primary: i == 0,
            })
            .collect())
    }

    async fn changes(
        &self,
        calendar: &str,
        token: Option<&str>,
    ) -> Result<crate::store::CalendarDelta, super::api::SyncError> {
        let url = Self::calendar_url(calendar)?;
        if let Some(map) = token.and_then(|t| t.strip_prefix(ETAG_TOKEN)) {
            let seen =
                serde_json::from_str(map).map_err(|_| super::api::SyncError::SyncTokenInvalid)?;
            return self.etag_changes(&url, Some(seen)).await;
        }
        if !self.sync_collection {
            return self.etag_changes(&url, None).await;
        }
        match self.client.sync(&url, token).await {
            Ok(changes) => {
                let mut delta = self.delta(changes.changed, changes.removed, token.is_none());
                delta.token = Some(changes.token);
                Ok(delta)
            }
            // Servers without sync-collection: compare ETags instead (in
            // full, even where a token was held: it cannot be followed).
            Err(CaldavError::Unsupported(_)) => self.etag_changes(&url, None).await,
            Err(CaldavError::Status { status, .. }) if token.is_none() && status < 500 => {
                self.etag_changes(&url, None).await
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn put_event(
        &self,
        calendar: &str,
        event: &super::api::EventBody,
        existing: Option<&str>,
    ) -> Result<String, super::api::SyncError> {
        let url = Self::calendar_url(calendar)?;
        let name = existing.map_or_else(|| Self::resource_name(&event.booking_uid), str::to_string);
        // A moved event keeps the UID it was created with: servers refuse a
        // resource whose UID changes.
        let first = name.strip_suffix(".ics").unwrap_or(&event.booking_uid);
        let ical = super::events::booking_ical(event, first, chrono::Utc::now());
        self.client.put(&url, &name, &ical).await?;
        Ok(name)
    }

    async fn delete_event(
        &self,
        calendar: &str,
        event_id: &str,
        _notify: bool,
    ) -> Result<(), super::api::SyncError> {
        let url = Self::calendar_url(calendar)?;
        Ok(self.client.delete(&url, event_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refused_credentials_need_reconnecting() {
        let url: Url = "https://dav.example/cal/".parse().expect("url");
        let error = |status: u16, body: &str| {
            super::super::api::SyncError::from(refusal(
                StatusCode::from_u16(status).expect("status"),
                body,
                &url,
            ))
        };
        let unauthorized = |e| matches!(e, super::super::api::SyncError::Unauthorized(_));
        assert!(unauthorized(error(401, "")));
        assert!(unauthorized(error(403, "Forbidden")));
        let unsupported =
            r#"<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>"#;
        assert!(matches!(
            refusal(StatusCode::FORBIDDEN, unsupported, &url),
            CaldavError::Unsupported(403)
        ));
        assert!(matches!(
            refusal(StatusCode::METHOD_NOT_ALLOWED, "", &url),
            CaldavError::Unsupported(405)
        ));
        // Other preconditions refuse the request, not the password.
        let privileges =
            r#"<error xmlns="DAV:"><need-privileges><resource/></need-privileges></error>"#;
        let refused = error(403, privileges);
        assert!(
            matches!(&refused, super::super::api::SyncError::Permanent(t) if t.contains("need-privileges")),
            "{refused:?}"
        );
        let token = r#"<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>"#;
        assert!(matches!(
            refusal(StatusCode::FORBIDDEN, token, &url),
            CaldavError::SyncTokenInvalid
        ));
    }
}
