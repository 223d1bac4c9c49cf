//! [`Store`] for this backend: each method is one aggregate's function.

use super::Dialect as _;
use super::{BACKEND, Backend, Result};
use super::{
    book, booking_links, bookings, busy_blocks, event_types, idempotency, links, organizations,
};
use super::{holds, polls, schedules, snapshot, teams, users};
use crate::domain::{
    ApiKey, Booking, BookingStatus, EmbeddingSettings, EventType, EventTypeInput, Invited,
    KeyOwner, Link, LinkInput, LinkPurpose, NewApiKey, NewEffect, Participant, Poll, Schedule,
    ScheduleInput, StatusChange, Team, TeamInput, User, UserInput, Vote,
};
use crate::store::{
    BookingFilter, BookingTx, BusyBlock, BusyBlockInput, ChangeHook, KeyedBooking, NewPoll,
    Organization, PoolHistory, PoolRequest, Snapshot, StatusUpdate, Store, StoredBooking,
    StoredHold,
};
use chrono::{DateTime, Utc};

#[async_trait::async_trait]
impl Store for Backend {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn migrate(&self) -> Result<()> {
        Self::migrator().run(self.pool()).await?;
        Ok(())
    }

    async fn watch_changes(&self, hook: ChangeHook) -> Result<bool> {
        self.watch(hook).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }

    async fn create_organization(&self, name: &str) -> Result<Organization> {
        organizations::create_organization(self.pool(), name).await
    }

    async fn organizations(&self) -> Result<Vec<Organization>> {
        organizations::organizations(self.pool()).await
    }

    async fn embedding(&self, organization_id: &str) -> Result<EmbeddingSettings> {
        organizations::embedding(self.pool(), organization_id).await
    }

    async fn set_embedding(
        &self,
        organization_id: &str,
        settings: &EmbeddingSettings,
    ) -> Result<EmbeddingSettings> {
        organizations::set_embedding(self.pool(), organization_id, settings).await
    }

    async fn create_api_key(
        &self,
        organization_id: &str,
        name: &str,
        key_hash: &str,
    ) -> Result<String> {
        organizations::create_api_key(self.pool(), organization_id, name, key_hash).await
    }

    async fn insert_api_key(
        &self,
        organization_id: &str,
        name: &str,
        key: &NewApiKey,
    ) -> Result<ApiKey> {
        organizations::insert_api_key(self.pool(), organization_id, name, key).await
    }

    async fn api_keys(&self, organization_id: Option<&str>) -> Result<Vec<ApiKey>> {
        organizations::api_keys(self.pool(), organization_id).await
    }

    async fn revoke_api_key(&self, organization_id: Option<&str>, id: &str) -> Result<ApiKey> {
        organizations::revoke_api_key(self.pool(), organization_id, id).await
    }

    async fn api_key(&self, key_hash: &str) -> Result<Option<KeyOwner>> {
        organizations::api_key(self.pool(), key_hash).await
    }

    async fn touch_api_key(
        &self,
        id: &str,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<()> {
        organizations::touch_api_key(self.pool(), id, now, since).await
    }

    async fn close(&self) {
        self.before_close().await;
        self.pool().close().await;
    }

    async fn insert_user(&self, organization_id: &str, input: &UserInput) -> Result<User> {
        users::insert(self.pool(), organization_id, input).await
    }

    async fn update_user(
        &self,
        organization_id: &str,
        id: &str,
        input: &UserInput,
    ) -> Result<User> {
        users::update(self.pool(), organization_id, id, input).await
    }

    async fn users(&self, organization_id: &str) -> Result<Vec<User>> {
        users::list(self.pool(), organization_id).await
    }

    async fn set_calendar_feed(
        &self,
        organization_id: &str,
        user_id: &str,
        token_hash: Option<&str>,
    ) -> Result<()> {
        users::set_feed(self.pool(), organization_id, user_id, token_hash).await
    }

    async fn user_by_calendar_feed(&self, token_hash: &str) -> Result<Option<User>> {
        users::by_feed(self.pool(), token_hash).await
    }

    async fn user(&self, organization_id: &str, id: &str) -> Result<User> {
        users::get(self.pool(), organization_id, id).await
    }

    async fn user_by_slug(&self, slug: &str) -> Result<User> {
        users::by_slug(self.pool(), slug).await
    }

    async fn delete_user(&self, organization_id: &str, id: &str) -> Result<()> {
        users::delete(self.pool(), organization_id, id).await
    }

    async fn insert_schedule(
        &self,
        organization_id: &str,
        input: &ScheduleInput,
    ) -> Result<Schedule> {
        schedules::insert(self.pool(), organization_id, input).await
    }

    async fn update_schedule(
        &self,
        organization_id: &str,
        id: &str,
        input: &ScheduleInput,
    ) -> Result<Schedule> {
        schedules::update(self.pool(), organization_id, id, input).await
    }

    async fn schedules(&self, organization_id: &str) -> Result<Vec<Schedule>> {
        schedules::list(self.pool(), organization_id).await
    }

    async fn schedule(&self, organization_id: &str, id: &str) -> Result<Schedule> {
        schedules::get(self.pool(), organization_id, id).await
    }

    async fn default_schedule(&self, user_id: &str) -> Result<Option<Schedule>> {
        schedules::default_of(self.pool(), user_id).await
    }

    async fn delete_schedule(&self, organization_id: &str, id: &str) -> Result<()> {
        schedules::delete(self.pool(), organization_id, id).await
    }

    async fn insert_event_type(
        &self,
        organization_id: &str,
        input: &EventTypeInput,
    ) -> Result<EventType> {
        event_types::insert(self.pool(), organization_id, input).await
    }

    async fn update_event_type(
        &self,
        organization_id: &str,
        id: &str,
        input: &EventTypeInput,
    ) -> Result<EventType> {
        event_types::update(self.pool(), organization_id, id, input).await
    }

    async fn event_types(&self, organization_id: &str) -> Result<Vec<EventType>> {
        event_types::list(self.pool(), organization_id).await
    }

    async fn event_type(&self, organization_id: &str, id: &str) -> Result<EventType> {
        event_types::get(self.pool(), organization_id, id).await
    }

    async fn event_type_by_slugs(
        &self,
        user_slug: &str,
        event_slug: &str,
    ) -> Result<(EventType, User)> {
        event_types::by_slugs(self.pool(), user_slug, event_slug).await
    }

    async fn delete_event_type(&self, organization_id: &str, id: &str) -> Result<()> {
        event_types::delete(self.pool(), organization_id, id).await
    }

    async fn insert_team(&self, organization_id: &str, input: &TeamInput) -> Result<Team> {
        teams::insert(self.pool(), organization_id, input).await
    }

    async fn update_team(
        &self,
        organization_id: &str,
        id: &str,
        input: &TeamInput,
    ) -> Result<Team> {
        teams::update(self.pool(), organization_id, id, input).await
    }

    async fn teams(&self, organization_id: &str) -> Result<Vec<Team>> {
        teams::list(self.pool(), organization_id).await
    }

    async fn team(&self, organization_id: &str, id: &str) -> Result<Team> {
        teams::get(self.pool(), organization_id, id).await
    }

    async fn delete_team(&self, organization_id: &str, id: &str) -> Result<()> {
        teams::delete(self.pool(), organization_id, id).await
    }

    async fn team_page(&self, slug: &str) -> Result<(Team, Vec<(EventType, User)>)> {
        teams::page(self.pool(), slug).await
    }

    async fn team_event_type(
        &self,
        team_slug: &str,
        event_slug: &str,
    ) -> Result<(EventType, User)> {
        teams::event_type(self.pool(), team_slug, event_slug).await
    }

    async fn insert_busy_block(
        &self,
        organization_id: &str,
        input: &BusyBlockInput,
    ) -> Result<BusyBlock> {
        busy_blocks::insert(self.pool(), organization_id, input).await
    }

    async fn list_busy_blocks(
        &self,
        organization_id: &str,
        user_id: Option<&str>,
    ) -> Result<Vec<BusyBlock>> {
        busy_blocks::list(self.pool(), organization_id, user_id).await
    }

    async fn delete_busy_block(&self, organization_id: &str, id: &str) -> Result<()> {
        busy_blocks::delete(self.pool(), organization_id, id).await
    }

    async fn snapshot(
        &self,
        user_ids: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Snapshot> {
        let mut conn = self.pool().acquire().await?;
        snapshot::load(&mut conn, user_ids, from, to).await
    }

    async fn begin_booking<'a>(&'a self, hosts: &[String]) -> Result<Box<dyn BookingTx + 'a>> {
        book::begin(self, hosts).await
    }

    async fn booking(&self, uid: &str) -> Result<StoredBooking> {
        bookings::get(self.pool(), uid).await
    }

    async fn add_booking_link(
        &self,
        uid: &str,
        purpose: LinkPurpose,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        booking_links::insert(self.pool(), uid, purpose, token_hash, at).await
    }

    async fn booking_link(&self, uid: &str, token_hash: &str) -> Result<Option<LinkPurpose>> {
        booking_links::purpose(self.pool(), uid, token_hash).await
    }

    async fn hold(&self, token_hash: &str) -> Result<Option<StoredHold>> {
        holds::by_token(self.pool(), token_hash).await
    }

    async fn release_hold(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        holds::release(self.pool(), token_hash, now).await
    }

    async fn sweep_holds(&self, now: DateTime<Utc>) -> Result<u64> {
        holds::sweep(self.pool(), now).await
    }

    async fn booking_by_idempotency_key(
        &self,
        event_type_id: &str,
        key: &str,
    ) -> Result<Option<KeyedBooking>> {
        idempotency::booking_by_key(self.pool(), event_type_id, key).await
    }

    async fn bookings(
        &self,
        organization_id: &str,
        filter: &BookingFilter,
    ) -> Result<Vec<Booking>> {
        bookings::list(self.pool(), organization_id, filter).await
    }

    async fn history(&self, uid: &str) -> Result<Vec<StatusChange>> {
        bookings::history(self.pool(), uid).await
    }

    async fn bookings_per_host(
        &self,
        event_type_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, i64)>> {
        bookings::per_host(self.pool(), event_type_id, from, to).await
    }

    async fn insert_link(
        &self,
        organization_id: &str,
        input: &LinkInput,
        token_hash: &str,
    ) -> Result<Link> {
        links::insert(self.pool(), organization_id, input, token_hash).await
    }

    async fn links(&self, organization_id: &str) -> Result<Vec<Link>> {
        links::list(self.pool(), organization_id).await
    }

    async fn link_by_token(&self, token_hash: &str) -> Result<(Link, String)> {
        links::by_token(self.pool(), token_hash).await
    }

    async fn revoke_link(&self, organization_id: &str, id: &str) -> Result<Link> {
        links::revoke(self.pool(), organization_id, id).await
    }

    async fn insert_poll(&self, organization_id: &str, poll: &NewPoll) -> Result<Poll> {
        polls::insert(self, organization_id, poll).await
    }

    async fn poll(&self, organization_id: &str, id: &str) -> Result<Poll> {
        polls::get(self.pool(), organization_id, id).await
    }

    async fn poll_by_open_token(&self, token_hash: &str) -> Result<(Poll, String, String)> {
        polls::by_open_token(self.pool(), token_hash).await
    }

    async fn participant_by_token(
        &self,
        token_hash: &str,
    ) -> Result<(Participant, Poll, String, String)> {
        polls::participant_by_token(self.pool(), token_hash).await
    }

    async fn poll_participants(&self, poll_id: &str) -> Result<Vec<Participant>> {
        let mut conn = self.pool().acquire().await?;
        polls::participants(&mut conn, poll_id).await
    }

    async fn join_poll(
        &self,
        poll_id: &str,
        invited: &Invited,
        token_hash: &str,
        options: usize,
    ) -> Result<Participant> {
        polls::join(self.pool(), poll_id, invited, token_hash, options).await
    }

    async fn save_ballot(
        &self,
        participant_id: &str,
        votes: &[Option<Vote>],
        comment: Option<&str>,
    ) -> Result<Participant> {
        let mut tx = self.begin_write(&[]).await?;
        let saved = polls::save_ballot(&mut tx, participant_id, votes, comment).await?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn add_poll_link(
        &self,
        poll_id: &str,
        email: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        polls::add_link(self.pool(), poll_id, email, token_hash, at).await
    }

    async fn close_poll(&self, poll_id: &str, effects: &[NewEffect]) -> Result<()> {
        polls::close(self, poll_id, effects).await
    }

    async fn due_polls(&self, now: DateTime<Utc>) -> Result<Vec<(Poll, String, String)>> {
        polls::due(self.pool(), now).await
    }

    async fn pool_history(&self, request: &PoolRequest) -> Result<PoolHistory> {
        let mut conn = self.pool().acquire().await?;
        snapshot::pool_history(&mut conn, request).await
    }

    async fn pool_joined(&self, event_type_id: &str) -> Result<Vec<(String, DateTime<Utc>)>> {
        event_types::pool_joined(self.pool(), event_type_id).await
    }

    async fn change_status(
        &self,
        uid: &str,
        from: &[BookingStatus],
        change: &StatusUpdate,
    ) -> Result<Booking> {
        let mut tx = self.begin_write(&[]).await?;
        bookings::change_status(&mut tx, uid, from, change).await?;
        tx.commit().await?;
        Ok(bookings::get(self.pool(), uid).await?.booking)
    }
}
