//! A stand-in for Twilio's Messages resource, shaped after its API
//! reference: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
//! form-encoded `To`, `From` (or `MessagingServiceSid`) and `Body`, HTTP
//! basic auth with the account SID and auth token. `201` with the message
//! resource (`sid` `SM…`, `status` `queued`); `401` with error 20003 for
//! bad credentials; `400` with 21211 for a `To` that is not E.164 or
//! 21602 for an empty body; `429` with 20429 while told to throttle.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
pub const TOKEN: &str = "test-auth-token";
pub const FROM: &str = "+15005550006";

#[derive(Default)]
struct Inner {
    sent: Vec<HashMap<String, String>>,
    throttle: u32,
    refuse_to: Option<String>,
}

#[derive(Clone)]
pub struct TwilioFake {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({
        "code": code, "message": message, "status": status.as_u16(),
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
    });
    (status, axum::Json(body)).into_response()
}

async fn create(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"))
    );
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if account != ACCOUNT || auth != Some(expected.as_str()) {
        return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    let mut inner = inner.lock().expect("fake");
    if super::throttled(&mut inner.throttle) {
        return error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests");
    }
    let to = form.get("To").cloned().unwrap_or_default();
    let e164 = to
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()));
    if !e164 || inner.refuse_to.as_deref() == Some(to.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            21211,
            &format!("The 'To' number {to} is not a valid phone number."),
        );
    }
    if form.get("Body").is_none_or(|b| b.is_empty()) {
        return error(StatusCode::BAD_REQUEST, 21602, "Message body is required.");
    }
    if !form.contains_key("From") && !form.contains_key("MessagingServiceSid") {
        return error(
            StatusCode::BAD_REQUEST,
            21603,
            "A 'From' phone number is required.",
        );
    }
    let sid = format!("SM{:032x}", inner.sent.len() + 1);
    inner.sent.push(form.clone());
    let body = json!({
        "sid": sid, "account_sid": ACCOUNT, "to": to, "from": form.get("From"),
        "body": form.get("Body"), "status": "queued", "num_segments": "1",
        "direction": "outbound-api", "api_version": "2010-04-01",
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json"),
    });
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

impl TwilioFake {
    pub async fn start() -> TwilioFake {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let router = axum::Router::new()
            .route("/2010-04-01/Accounts/{account}/Messages.json", post(create))
            .with_state(inner.clone());
        TwilioFake {
            base: super::serve(router).await,
            inner,
        }
    }

    /// Kairos's settings for this fake.
    pub fn settings(&self) -> kairos::config::SmsSettings {
        kairos::config::SmsSettings {
            api_url: self.base.clone(),
            account_sid: Some(ACCOUNT.to_string()),
            auth_token: Some(kairos::config::Secret::new(TOKEN)),
            from: Some(FROM.to_string()),
        }
    }

    /// The messages accepted so far, as their form fields.
    pub fn sent(&self) -> Vec<HashMap<String, String>> {
        self.inner.lock().expect("fake").sent.clone()
    }

    /// Answer 429 to the next `n` requests.
    pub fn throttle(&self, n: u32) {
        self.inner.lock().expect("fake").throttle = n;
    }

    /// Refuse messages to `number` as Twilio refuses a bad number.
    pub fn refuse(&self, number: &str) {
        self.inner.lock().expect("fake").refuse_to = Some(number.to_string());
    }
}
