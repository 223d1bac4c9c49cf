//! `/connections/reconnect/{token}`: the link in a host's "reconnect your
//! calendar" email (its own token, kept hashed, good for a week or until
//! the connection is connected again). Google and Microsoft: the same OAuth
//! flow `POST /api/v1/connections/oauth` starts, for that host and provider,
//! so a 303 to the provider and the usual callback finishes it. CalDAV: a
//! small form (username, app password) that reconnects through the CalDAV
//! connect use case. An unknown token is a 404 page, a spent or expired
//! one a 410 page, in words.

use super::host::brand;
use super::layout::{Here, Shell, message, not_found, secret_headers, secret_page};
use super::visit::{FormPost, Visit};
use crate::app::App;
use crate::domain::{CaldavConnectInput, Connection, OAuthStartInput, Provider, User};
use crate::html::escape;
use crate::http::error::ApiError;
use crate::sync::connect::{self, ConnectError, ReconnectLink};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

fn path(token: &str) -> String {
    format!("/connections/reconnect/{token}")
}

/// The page for a link that opens nothing (or nothing any more).
fn closed(visit: &Visit, here: &Here, link: Option<&ReconnectLink>) -> Response {
    let mut response = match link {
        Some(ReconnectLink::Used) => message(
            StatusCode::GONE,
            visit.lang,
            here,
            false,
            "reconnect.gone.title",
            visit.lang.t("reconnect.gone.used"),
        ),
        Some(ReconnectLink::Expired) => message(
            StatusCode::GONE,
            visit.lang,
            here,
            false,
            "reconnect.gone.title",
            visit.lang.t("reconnect.gone.expired"),
        ),
        _ => not_found(visit.lang, here, false),
    };
    secret_headers(&mut response);
    response
}

fn failed(visit: &Visit, here: &Here, error: ConnectError) -> Response {
    let mut response = visit.fail(here, ApiError::from(error));
    secret_headers(&mut response);
    response
}

/// GET: to the provider (OAuth), or the CalDAV form.
pub async fn page(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::read(raw.as_deref(), &headers);
    let here = visit.here(&path(&token), &[]);
    let (organization_id, connection) = match connect::reconnect_link(&state, &token).await {
        Ok(Some(ReconnectLink::Open {
            organization_id,
            connection,
        })) => (organization_id, connection),
        Ok(other) => return closed(&visit, &here, other.as_ref()),
        Err(error) => return failed(&visit, &here, error),
    };
    match connection.provider {
        provider @ (Provider::Google | Provider::Microsoft) => {
            let input = OAuthStartInput {
                user_id: connection.user_id.clone(),
                provider,
                return_to: None,
            };
            match connect::start_oauth(&state, &organization_id, &input).await {
                Ok(url) => {
                    let mut response =
                        (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_string())])
                            .into_response();
                    secret_headers(&mut response);
                    response
                }
                Err(error) => failed(&visit, &here, error),
            }
        }
        Provider::Caldav => {
            let host = state
                .store
                .user(&organization_id, &connection.user_id)
                .await
                .ok();
            form(
                &visit,
                &here,
                &connection,
                host.as_ref(),
                &connection.account,
                None,
            )
        }
    }
}

/// POST (CalDAV): `username` and `password`, checked with the server.
pub async fn submit(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let post = match FormPost::read(raw.as_deref(), &headers, &path(&token), body) {
        Ok(post) => post,
        Err(page) => return *page,
    };
    let (visit, here) = (&post.visit, &post.here);
    let (organization_id, connection) = match connect::reconnect_link(&state, &token).await {
        Ok(Some(ReconnectLink::Open {
            organization_id,
            connection,
        })) => (organization_id, connection),
        Ok(other) => return closed(visit, here, other.as_ref()),
        Err(error) => return failed(visit, here, error),
    };
    if connection.provider != Provider::Caldav {
        // OAuth reconnects through the provider: the GET starts it.
        return (StatusCode::SEE_OTHER, [(header::LOCATION, here.url())]).into_response();
    }
    let username = post.field("username").unwrap_or_default();
    let input = CaldavConnectInput {
        user_id: connection.user_id.clone(),
        server_url: connection.server_url.clone().unwrap_or_default(),
        username: username.clone(),
        // As typed: a password may hold any character.
        password: post.raw_field("password").unwrap_or_default(),
    };
    let host = state
        .store
        .user(&organization_id, &connection.user_id)
        .await
        .ok();
    match connect::connect_caldav(&state, &organization_id, &input).await {
        Ok(connected) => {
            let lang = visit.lang;
            let title = lang.t("reconnect.done.title");
            let body = format!(
                "<div class=\"card narrow\"><h1>{}</h1><p role=\"status\">{}</p></div>",
                escape(title),
                escape(&lang.tf(
                    "reconnect.done.text",
                    &[("account", connected.account.as_str())]
                )),
            );
            let shell = Shell {
                lang,
                title,
                brand: host.as_ref().map(brand).unwrap_or_default(),
                embed: false,
                here,
                data: None,
            };
            secret_page(&shell, &body, false)
        }
        Err(ConnectError::Invalid(error)) => form(
            visit,
            here,
            &connection,
            host.as_ref(),
            &username,
            Some((error.field.clone(), error.message.clone())),
        ),
        Err(ConnectError::Provider { field, error })
            if matches!(field, "password" | "username" | "server_url") =>
        {
            form(
                visit,
                here,
                &connection,
                host.as_ref(),
                &username,
                Some((field.to_string(), error.to_string())),
            )
        }
        Err(error) => failed(visit, here, error),
    }
}

/// The CalDAV form, with an error beside its field (`server_url`'s beside
/// the password: the server is fixed).
fn form(
    visit: &Visit,
    here: &Here,
    connection: &Connection,
    host: Option<&User>,
    username: &str,
    error: Option<(String, String)>,
) -> Response {
    let lang = visit.lang;
    let title = lang.t("reconnect.title");
    let server = connection.server_url.as_deref().unwrap_or_default();
    let mut body = format!(
        "<div class=\"card narrow\"><h1>{}</h1><p>{}</p>",
        escape(title),
        escape(&lang.tf(
            "reconnect.intro",
            &[("account", connection.account.as_str()), ("server", server)]
        )),
    );
    let message = error.as_ref().map(|(_, detail)| {
        format!(
            "<p class=\"error\" id=\"e-{{id}}\" role=\"alert\">{}</p>",
            escape(&lang.tf("err.invalid", &[("detail", detail)]))
        )
    });
    let field = |id: &str, name: &str, kind: &str, value: &str, label: &str, auto: &str| {
        let wrong = error
            .as_ref()
            .is_some_and(|(f, _)| f == name || (name == "password" && f != "username"));
        let (attrs, note) = match (&message, wrong) {
            (Some(note), true) => (
                format!(" aria-invalid=\"true\" aria-describedby=\"e-{id}\""),
                note.replace("{id}", id),
            ),
            _ => (String::new(), String::new()),
        };
        format!(
            "<div class=\"field\"><label for=\"{id}\">{}</label><input id=\"{id}\" name=\"{name}\" \
             type=\"{kind}\" value=\"{}\" autocomplete=\"{auto}\" required maxlength=\"1024\"{attrs}>{note}</div>",
            escape(label),
            escape(value),
        )
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}\">{}{}<p><button type=\"submit\">{}</button></p></form></div>",
        escape(&here.url()),
        field(
            "f-username",
            "username",
            "text",
            username,
            lang.t("reconnect.username"),
            "username"
        ),
        field(
            "f-password",
            "password",
            "password",
            "",
            lang.t("reconnect.password"),
            "current-password"
        ),
        escape(lang.t("reconnect.submit")),
    );
    let shell = Shell {
        lang,
        title,
        brand: host.map(brand).unwrap_or_default(),
        embed: false,
        here,
        data: None,
    };
    // The address carries the host's token.
    secret_page(&shell, &body, error.is_some())
}
