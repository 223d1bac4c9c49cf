//! The visitor's own hold, named by its token in a slots request or a
//! booking: it never stands in that visitor's way, and their booking uses it
//! up. Everyone else's live holds block time like bookings (`inputs.rs`).

use super::{BookingError, StoreRef};
use crate::domain::{ValidationError, hash_secret, looks_like_token};
use crate::store::StoredHold;

/// The hold `token` names, expired or not (an expired hold blocks nobody,
/// and its visitor's booking tidies it up); `None` when it is unknown: the
/// sweep deletes expired holds, and then a booking simply goes ahead.
pub(crate) async fn find(
    store: StoreRef<'_>,
    token: Option<&str>,
) -> Result<Option<StoredHold>, BookingError> {
    let Some(token) = token else {
        return Ok(None);
    };
    if !looks_like_token(token) {
        return Err(ValidationError::new(
            "hold",
            "is not a hold token (1 to 64 letters and digits)",
        )
        .into());
    }
    Ok(store.hold(&hash_secret(token)).await?)
}
