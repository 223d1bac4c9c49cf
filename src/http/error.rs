//! The HTTP layer's one error type: every failure becomes an
//! `application/problem+json` document (RFC 9457) naming the field at fault.

use crate::booking::BookingError;
use crate::domain::ValidationError;
use crate::store::StoreError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The request field at fault, as a path (`invitee.email`, `hosts[0].user_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    field: Option<String>,
    /// Seconds for a `Retry-After` header (503 while the database is away,
    /// 429 until one of the caller's holds expires).
    retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no such {what}"))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    pub fn gone(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, detail)
    }

    /// 422: well-formed input that breaks a rule of `field`.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: detail.into(),
            field: Some(field.into()),
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; it has been logged",
        )
    }

    /// 503: the database cannot be reached (down, restarting, every
    /// connection busy). Clients and load balancers may try again shortly.
    pub fn unavailable(error: impl std::fmt::Display) -> Self {
        tracing::warn!(%error, "database unavailable");
        let mut api = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable; try again shortly",
        );
        api.retry_after = Some(RETRY_AFTER_SECONDS);
        api
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The request field at fault, if the error names one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref().filter(|f| !f.is_empty())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            detail: self.detail,
            // An error about the whole body names no field (never `""`).
            field: self.field.filter(|f| !f.is_empty()),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

/// Maps a store's "not found" to a 404 naming `what` the request asked for
/// (the store names the row it missed, which may be another: the owner of
/// an event type looked up by slugs), and any other store error as usual.
pub fn missing(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |error| match error {
        StoreError::NotFound(_) => ApiError::not_found(what),
        other => other.into(),
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        ApiError::invalid(error.field, error.message)
    }
}

/// What a 503 asks clients to wait: about the time a restarting database takes.
pub const RETRY_AFTER_SECONDS: u32 = 5;

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            return ApiError::unavailable(error);
        }
        match error {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Duplicate { field } => {
                ApiError::conflict(format!("{field} is already taken")).with_field(field)
            }
            StoreError::InUse(message) | StoreError::Conflict(message) => {
                ApiError::conflict(message)
            }
            StoreError::SlotTaken => ApiError::conflict("that time is no longer available"),
            StoreError::WrongStatus(status) => {
                ApiError::conflict(format!("the booking is {status}"))
            }
            // A reference to a row of another organization, or none.
            StoreError::Refused { field, message } => ApiError::invalid(field, message),
            // SQLSTATE class 22, data exception (e.g. a character PostgreSQL
            // cannot store): the input's fault, not ours.
            StoreError::Database(sqlx::Error::Database(db))
                if db.code().is_some_and(|c| c.starts_with("22")) =>
            {
                ApiError::invalid(
                    "",
                    format!("the database cannot store this input: {}", db.message()),
                )
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<BookingError> for ApiError {
    fn from(error: BookingError) -> Self {
        match error {
            BookingError::Invalid(e) => e.into(),
            BookingError::NotFound(what) => ApiError::not_found(what),
            BookingError::NotBookable(message) => ApiError::invalid("start", message),
            BookingError::Unavailable(_) => {
                ApiError::conflict("that time is no longer available").with_field("start")
            }
            BookingError::Gone(status) => ApiError::gone(format!(
                "this booking is {status}; its link no longer changes anything"
            )),
            BookingError::Conflict(message) => ApiError::conflict(message),
            BookingError::LinkGone(state) => ApiError::gone(state.explain()),
            BookingError::TooMany {
                message,
                retry_after,
            } => {
                let mut api = ApiError::new(StatusCode::TOO_MANY_REQUESTS, message);
                api.retry_after = Some(retry_after);
                api
            }
            BookingError::Store(e) => e.into(),
            BookingError::Internal(message) => ApiError::internal(message),
        }
    }
}
