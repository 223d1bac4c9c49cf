//! Every endpoint of the JSON API, registered once. A handler's
//! `#[utoipa::path]` attribute gives its method, path and documentation;
//! the group it is registered in gives its guards:
//!
//! - **public**: booking pages, open to anyone and, from a browser, to the
//!   sites the organization allows (CORS, `http::embedding`; default any);
//! - **token**: the secret travels in the path or query (manage links,
//!   one-off links, poll participants), the handler checks it;
//! - **admin**: an API key, checked by a layer over the whole group and
//!   documented as the `api_key` security of each of its operations.
//!
//! The OpenAPI document lists the operations in registration order.

use super::api::{
    admin, availability, connections, feeds, holds, keys, links, manage, organization, polls,
    public, share, teams, workflows,
};
use crate::app::App;
use axum::Router;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Paths;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::SecurityRequirement;
use utoipa_axum::router::UtoipaMethodRouter;
use utoipa_axum::routes;

/// The endpoints: one line each.
pub fn table() -> Routes {
    Routes::default()
        .admin(routes!(admin::create_user))
        .admin(routes!(admin::list_users))
        .admin(routes!(admin::get_user))
        .admin(routes!(admin::update_user))
        .admin(routes!(admin::delete_user))
        .admin(routes!(admin::create_schedule))
        .admin(routes!(admin::list_schedules))
        .admin(routes!(admin::get_schedule))
        .admin(routes!(admin::update_schedule))
        .admin(routes!(admin::delete_schedule))
        .admin(routes!(admin::create_event_type))
        .admin(routes!(admin::list_event_types))
        .admin(routes!(admin::get_event_type))
        .admin(routes!(admin::update_event_type))
        .admin(routes!(admin::delete_event_type))
        .admin(routes!(admin::create_team))
        .admin(routes!(admin::list_teams))
        .admin(routes!(admin::get_team))
        .admin(routes!(admin::update_team))
        .admin(routes!(admin::delete_team))
        .admin(routes!(admin::fairness))
        .admin(routes!(admin::explain))
        .admin(routes!(admin::create_busy_block))
        .admin(routes!(admin::list_busy_blocks))
        .admin(routes!(admin::delete_busy_block))
        .admin(routes!(admin::list_bookings))
        .admin(routes!(admin::get_booking))
        .admin(routes!(admin::approve))
        .admin(routes!(admin::reject))
        .admin(routes!(admin::cancel))
        .admin(routes!(admin::no_show))
        .admin(routes!(admin::complete))
        .admin(routes!(keys::list))
        .admin(routes!(keys::create))
        .admin(routes!(keys::revoke))
        .admin(routes!(
            organization::get_embedding,
            organization::update_embedding
        ))
        .admin(routes!(share::signature))
        .admin(routes!(share::suggested_times))
        .admin(routes!(feeds::issue, feeds::revoke))
        .token(routes!(feeds::bookings))
        .admin(routes!(availability::slots))
        .admin(routes!(availability::explain))
        .public(routes!(public::event_type))
        .public(routes!(public::slots))
        .public(routes!(public::book))
        .public(routes!(teams::team))
        .public(routes!(holds::create))
        .public(routes!(holds::release))
        .token(routes!(manage::view))
        .token(routes!(manage::cancel))
        .token(routes!(manage::reschedule))
        .admin(routes!(links::create))
        .admin(routes!(links::list))
        // One path parameter name for both sides: the admin revokes by id,
        // an invitee opens by token.
        .admin(routes!(links::revoke))
        .token(routes!(links::show))
        .token(routes!(links::slots))
        .token(routes!(links::book))
        .admin(routes!(polls::create))
        .admin(routes!(polls::detail))
        .admin(routes!(polls::finalize))
        .admin(routes!(polls::close))
        .token(routes!(polls::mine))
        .token(routes!(polls::vote))
        .token(routes!(polls::join))
        .admin(routes!(connections::list))
        .admin(routes!(connections::connect_caldav))
        .admin(routes!(connections::start_oauth))
        .admin(routes!(connections::get))
        .admin(routes!(connections::choose))
        .admin(routes!(connections::sync_now))
        .admin(routes!(connections::disconnect))
        .admin(routes!(connections::effects))
        .admin(routes!(connections::retry_effect))
        .admin(routes!(workflows::create, workflows::list))
        .admin(routes!(workflows::preview))
        .admin(routes!(
            workflows::get,
            workflows::update,
            workflows::delete
        ))
        .admin(routes!(workflows::runs))
        .admin(routes!(workflows::feedback))
}

/// What [`routes!`] makes of a handler: the schemas it uses, its path and
/// operation, and the axum method router that serves it.
type Registration = UtoipaMethodRouter<App>;

/// The three groups of routes (paths are absolute: `/api/v1/…`), without
/// their layers (see `http::router`), and their documentation.
#[derive(Default)]
pub struct Routes {
    pub public: Router<App>,
    pub token: Router<App>,
    pub admin: Router<App>,
    /// Every operation, in registration order.
    pub paths: Paths,
    /// The schemas the operations refer to.
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

impl Routes {
    pub fn public(mut self, registration: Registration) -> Self {
        let group = std::mem::take(&mut self.public);
        self.public = self.add(group, registration);
        self
    }

    pub fn token(mut self, registration: Registration) -> Self {
        let group = std::mem::take(&mut self.token);
        self.token = self.add(group, registration);
        self
    }

    /// An endpoint behind the API key: the group's layer checks it, and the
    /// document says so on the operation.
    pub fn admin(mut self, (schemas, mut paths, method_router): Registration) -> Self {
        for item in paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                operation.security = Some(vec![SecurityRequirement::new(
                    "api_key",
                    Vec::<String>::new(),
                )]);
            }
        }
        let group = std::mem::take(&mut self.admin);
        self.admin = self.add(group, (schemas, paths, method_router));
        self
    }

    fn add(
        &mut self,
        group: Router<App>,
        (schemas, paths, method_router): Registration,
    ) -> Router<App> {
        let group = paths.paths.keys().fold(group, |group, path| {
            group.route(path, method_router.clone())
        });
        self.paths.merge(paths);
        self.schemas.extend(schemas);
        group
    }
}
