//! The OpenAPI document, assembled from the handlers' annotations.

use super::api::{admin, availability, connections, keys, links, manage, polls, public};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kairos API", description = "Scheduling with exact availability."),
    modifiers(&ApiKeyAuth),
    paths(
        admin::create_user, admin::list_users, admin::get_user, admin::update_user, admin::delete_user,
        admin::create_schedule, admin::list_schedules, admin::get_schedule, admin::update_schedule, admin::delete_schedule,
        admin::create_event_type, admin::list_event_types, admin::get_event_type, admin::update_event_type, admin::delete_event_type,
        admin::fairness, admin::create_busy_block, admin::list_busy_blocks, admin::delete_busy_block, admin::list_bookings, admin::get_booking,
        admin::approve, admin::reject, admin::cancel, admin::no_show, admin::complete,
        keys::list, keys::create, keys::revoke,
        availability::slots, availability::explain,
        public::event_type, public::slots, public::book,
        manage::view, manage::cancel, manage::reschedule,
        links::create, links::list, links::revoke, links::show, links::slots, links::book,
        polls::create, polls::detail, polls::finalize, polls::close, polls::mine, polls::vote, polls::join,
        connections::list, connections::connect_caldav, connections::start_oauth, connections::get,
        connections::choose, connections::sync_now, connections::disconnect,
        connections::effects, connections::retry_effect,
    ),
    tags(
        (name = "admin", description = "Needs an API key: Authorization: Bearer <key>"),
        (name = "public", description = "Booking pages: no key"),
        (name = "manage", description = "An invitee's own booking, with the token from its manage link"),
        (name = "polls", description = "Meeting polls: the host (API key) and participants (personal tokens)"),
        (name = "calendars", description = "Hosts' calendar connections (Google, Microsoft, CalDAV): needs an API key"),
    )
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
