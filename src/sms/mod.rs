//! Text messages through a Twilio-compatible HTTP API: `POST
//! {api}/2010-04-01/Accounts/{sid}/Messages.json`, form-encoded `To`,
//! `From` (or `MessagingServiceSid`) and `Body`, HTTP basic auth with the
//! account SID and auth token; `201` with the message's `sid`, else an error
//! object `{code, message, status}`.

use crate::config::SmsSettings;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// No account is configured: nothing can be sent until one is.
    #[error(
        "text messages are not configured (set KAIROS_SMS_ACCOUNT_SID, KAIROS_SMS_AUTH_TOKEN and KAIROS_SMS_FROM)"
    )]
    NotConfigured,
    /// May work later (429, 5xx, no connection, a timeout).
    #[error("{0}")]
    Temporary(String),
    /// Refused (a bad number, a bad account): sending again cannot help.
    #[error("{0}")]
    Refused(String),
}

/// Where text messages go.
#[derive(Debug, Clone, Default)]
pub struct SmsSender {
    settings: SmsSettings,
}

#[derive(serde::Deserialize)]
struct Sent {
    sid: String,
}

#[derive(serde::Deserialize)]
struct Failure {
    code: Option<i64>,
    message: Option<String>,
}

impl SmsSender {
    pub fn new(settings: &SmsSettings) -> SmsSender {
        SmsSender {
            settings: settings.clone(),
        }
    }

    pub fn is_configured(&self) -> bool {
        let s = &self.settings;
        s.account_sid.is_some() && s.auth_token.is_some() && s.from.is_some()
    }

    /// Sends `body` to `to` (E.164); returns the provider's message id.
    pub async fn send(
        &self,
        client: &reqwest::Client,
        to: &str,
        body: &str,
    ) -> Result<String, SmsError> {
        let s = &self.settings;
        let (Some(sid), Some(token), Some(from)) = (&s.account_sid, &s.auth_token, &s.from) else {
            return Err(SmsError::NotConfigured);
        };
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            s.api_url.trim_end_matches('/'),
            url::form_urlencoded::byte_serialize(sid.as_bytes()).collect::<String>()
        );
        let sender = if from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let response = client
            .post(&url)
            .basic_auth(sid, Some(token.expose()))
            .form(&[("To", to), (sender, from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| SmsError::Temporary(format!("the SMS API did not answer: {e}")))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| SmsError::Temporary(format!("the SMS API's answer broke off: {e}")))?;
        if status.is_success() {
            return serde_json::from_str::<Sent>(&text)
                .map(|sent| sent.sid)
                .map_err(|_| {
                    SmsError::Temporary(format!(
                        "the SMS API answered {status} without a message sid"
                    ))
                });
        }
        let why = serde_json::from_str::<Failure>(&text)
            .ok()
            .map(|f| match (f.code, f.message) {
                (Some(code), Some(message)) => format!("{message} (error {code})"),
                (None, Some(message)) => message,
                (Some(code), None) => format!("error {code}"),
                (None, None) => String::new(),
            })
            .unwrap_or_default();
        let why = format!("the SMS API answered {status}: {why}");
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SmsError::Temporary(why))
        } else {
            Err(SmsError::Refused(why))
        }
    }
}
