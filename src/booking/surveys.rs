//! The survey after a meeting: its page opens with the token a workflow's
//! survey step emailed (kept only as a hash), shows the meeting, and
//! stores a 0–10 score and a comment on the booking (answering again
//! replaces the answer).

use super::{BookingError, ManageView, StoreRef, details};
use crate::domain::{Feedback, FeedbackInput, hash_secret, looks_like_token};
use chrono::{DateTime, Utc};

pub struct SurveyView {
    pub meeting: ManageView,
    /// The answer already given, if any.
    pub answered: Option<Feedback>,
}

async fn booking_of(store: StoreRef<'_>, token: &str) -> Result<String, BookingError> {
    if !looks_like_token(token) {
        return Err(BookingError::NotFound("survey"));
    }
    Ok(store.survey_booking(&hash_secret(token)).await?)
}

pub async fn view(store: StoreRef<'_>, token: &str) -> Result<SurveyView, BookingError> {
    let uid = booking_of(store, token).await?;
    let stored = store.booking(&uid).await?;
    let organization_id = stored.organization_id.clone();
    let meeting = details(store, stored).await?;
    let answered = super::present(store.feedback(&organization_id, &uid).await)?;
    Ok(SurveyView { meeting, answered })
}

pub async fn answer(
    store: StoreRef<'_>,
    token: &str,
    input: &FeedbackInput,
    now: DateTime<Utc>,
) -> Result<Feedback, BookingError> {
    input.validate()?;
    let uid = booking_of(store, token).await?;
    Ok(store.save_feedback(&uid, input, now).await?)
}

/// A booking's feedback, for the organization's admins.
pub async fn feedback(
    store: StoreRef<'_>,
    organization_id: &str,
    uid: &str,
) -> Result<Feedback, BookingError> {
    Ok(store.feedback(organization_id, uid).await?)
}
