//! The booking transaction as a handle of steps ([`BookingTx`]): it opens
//! with the backend's write discipline (SQLite `BEGIN IMMEDIATE`; PostgreSQL
//! advisory locks on the candidate hosts, sorted), and each step is one
//! aggregate's function on the same transaction. The use cases in `booking/`
//! compose the steps; dropping the handle before `commit` rolls it back.

use super::Dialect as _;
use super::{Backend, Db, Result, bookings, effects, holds, links, now, polls, snapshot};
use crate::domain::{Booking, NewEffect, Participant, new_id};
use crate::store::{
    BookingTx, Decision, NewBooking, NewHold, PoolHistory, PoolRequest, Snapshot, group_slot_key,
};
use chrono::{DateTime, Utc};

struct Tx<'a> {
    tx: sqlx::Transaction<'a, Db>,
    /// One instant for every row the booking writes.
    at: DateTime<Utc>,
    /// The booking a reschedule cancelled (its id), linked to the new one on insert.
    replaced: Option<String>,
    /// Bookings this transaction wrote, `(uid, id)`: their effects need no
    /// lookup (every statement is time the hosts' locks are held).
    written: Vec<(String, String)>,
}

pub(super) async fn begin<'a>(
    store: &'a Backend,
    hosts: &[String],
) -> Result<Box<dyn BookingTx + 'a>> {
    Ok(Box::new(Tx {
        tx: store.begin_write(hosts).await?,
        at: now(),
        replaced: None,
        written: Vec::new(),
    }))
}

#[async_trait::async_trait]
impl BookingTx for Tx<'_> {
    async fn cancel_for_reschedule(&mut self, old_uid: &str, actor: &str) -> Result<()> {
        let old_id = bookings::cancel_for_reschedule(&mut self.tx, old_uid, actor, self.at).await?;
        self.written.push((old_uid.to_string(), old_id.clone()));
        self.replaced = Some(old_id);
        Ok(())
    }

    async fn consume_link(&mut self, link_id: &str, uid: &str) -> Result<()> {
        links::consume(&mut self.tx, link_id, uid, self.at).await
    }

    async fn finalize_poll(
        &mut self,
        poll_id: &str,
        option: usize,
        uid: &str,
    ) -> Result<Vec<Participant>> {
        polls::finalize(&mut self.tx, poll_id, option, uid, self.at).await?;
        // Read after the poll was locked: votes can no longer change.
        polls::participants(&mut self.tx, poll_id).await
    }

    async fn consume_hold(&mut self, hold_id: &str) -> Result<()> {
        holds::delete(&mut self.tx, hold_id).await
    }

    async fn insert_hold(&mut self, hold: &NewHold, hosts: &[String]) -> Result<()> {
        holds::insert(&mut self.tx, hold, hosts).await
    }

    async fn client_holds(
        &mut self,
        client_key: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>> {
        holds::of_client(&mut self.tx, client_key, now).await
    }

    async fn snapshot(
        &mut self,
        hosts: &[String],
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Snapshot> {
        snapshot::load(&mut self.tx, hosts, window.0, window.1).await
    }

    async fn pool_history(&mut self, request: &PoolRequest) -> Result<PoolHistory> {
        snapshot::pool_history(&mut self.tx, request).await
    }

    async fn insert(&mut self, new: &NewBooking, decision: Decision) -> Result<Booking> {
        let Decision {
            hosts,
            reason,
            party,
        } = decision;
        let id = new_id();
        let at = self.at;
        let (invitee, attendees) =
            party.unwrap_or_else(|| (new.invitee.clone(), new.attendees.clone()));
        let row = bookings::Insert {
            id: &id,
            uid: &new.uid,
            new,
            invitee: &invitee,
            attendees: &attendees,
            reason: &reason,
            at,
        };
        bookings::insert(&mut self.tx, &row).await?;
        let slot_key = if new.shared_slot {
            group_slot_key(&new.event_type_id, new.start)
        } else {
            id.clone()
        };
        bookings::insert_hosts(&mut self.tx, &id, &hosts, new, &slot_key).await?;
        if let Some(old_id) = &self.replaced {
            bookings::link_successor(&mut self.tx, old_id, &new.uid).await?;
        }
        bookings::write_history(&mut self.tx, &id, None, new.status, &new.actor, None).await?;
        self.written.push((new.uid.clone(), id.clone()));
        // Everything the row holds is at hand: no need to read it back.
        let mut hosts = hosts;
        hosts.sort();
        Ok(Booking {
            uid: new.uid.clone(),
            event_type_id: new.event_type_id.clone(),
            hosts,
            start: new.start,
            end: new.end,
            status: new.status,
            invitee,
            answers: new.answers.clone(),
            utm: new.utm.clone(),
            embed_url: new.embed_url.clone(),
            cancel_reason: None,
            cancelled_by: None,
            rescheduled_from: new.replaces.clone(),
            rescheduled_to: None,
            attendees,
            assignment_reason: reason,
            calendar_event_changed: Vec::new(),
            created_at: at,
            updated_at: at,
        })
    }

    async fn enqueue(&mut self, organization_id: &str, queued: &[NewEffect]) -> Result<()> {
        for effect in queued {
            effects::enqueue(
                &mut self.tx,
                organization_id,
                effect,
                self.at,
                &self.written,
            )
            .await?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}
