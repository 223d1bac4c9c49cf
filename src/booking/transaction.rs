//! The steps every booking transaction shares, around what each use case
//! adds (consume a link, finalize a poll, cancel for reschedule) and its own
//! decision: read the snapshot, then insert, queue the effects and commit.

use crate::domain::Booking;
use crate::store::{BookingTx, Decision, NewBooking, PoolRequest, Result, Snapshot};

/// What the decision sees, read under the transaction's locks: the candidate
/// hosts' bookings and busy time around the booking, and the host pool's
/// history when the hosts are to be chosen from it.
pub(crate) async fn snapshot(
    tx: &mut (dyn BookingTx + '_),
    new: &NewBooking,
    pool: Option<&PoolRequest>,
) -> Result<Snapshot> {
    let mut snapshot = tx.snapshot(&new.candidate_hosts, new.window).await?;
    if let Some(request) = pool {
        snapshot.pool = Some(tx.pool_history(request).await?);
    }
    Ok(snapshot)
}

/// Inserts the booking as decided, queues its effects and commits.
pub(crate) async fn finish(
    mut tx: Box<dyn BookingTx + '_>,
    new: &NewBooking,
    decision: Decision,
) -> Result<Booking> {
    let booking = tx.insert(new, decision).await?;
    tx.enqueue(&new.organization_id, &new.effects).await?;
    tx.commit().await?;
    Ok(booking)
}
