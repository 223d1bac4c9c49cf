//! Slot holds: an invitee who chose a time keeps it for a few minutes (the
//! event type's `hold_minutes`) while filling in the form. Taking a hold is a
//! booking transaction that inserts a hold instead of a booking: the same
//! host locks, the same decision (round robin picks the host the hold then
//! blocks), the same 409 when the time is gone. Until it expires, the hold
//! blocks its hosts' time for everyone but its invitee (`inputs.rs`); their
//! booking uses it up (`book.rs`); they can also let it go.

use super::book::{check_bookable, check_start, decide, kept_by_hold};
use super::hosts::pool_request;
use super::inputs::{AvailabilityInputs, to_utc};
use super::{BookingError, StoreRef, own_hold};
use crate::domain::{Kind, hash_secret, looks_like_token, new_id, random_token};
use crate::engine::{Instant, Interval};
use crate::secrets::KeyRing;
use crate::store::{NewHold, group_slot_key};
use chrono::{DateTime, Utc};
use std::net::{IpAddr, Ipv6Addr};

/// A hold just taken, with its secret (shown once: it releases the hold and
/// lets its invitee book the time).
#[derive(Debug, Clone)]
pub struct Held {
    pub token: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Who takes a hold, for the caps on how many one visitor keeps at once: a
/// script must not hold every free time of a host.
#[derive(Debug, Clone)]
pub struct HoldClient {
    /// Derived from the visitor's address and hashed: holds never store
    /// the address.
    pub key: String,
    /// Live holds on one event type (0: no cap).
    pub per_event_type: u32,
    /// Live holds over every event type (0: no cap).
    pub per_client: u32,
}

impl HoldClient {
    /// An IPv6 visitor is keyed by their /64: one subscriber usually has a
    /// whole /64 and could take a fresh address per hold.
    /// With the key ring the key is keyed (an address cannot be found by
    /// hashing every candidate); without one, a plain hash.
    pub fn for_ip(
        ip: IpAddr,
        keys: Option<&KeyRing>,
        per_event_type: u32,
        per_client: u32,
    ) -> HoldClient {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
            },
            v4 => v4,
        };
        let address = ip.to_string();
        HoldClient {
            key: match keys {
                Some(keys) => keys.pseudonym("hold-client", &address),
                None => hash_secret(&format!("kairos-hold-client:{address}")),
            },
            per_event_type,
            per_client,
        }
    }

    /// The lock that serializes this client's hold requests (PostgreSQL
    /// locks per name), so two at once cannot both slip under a cap.
    fn lock(&self) -> String {
        format!("hold-client:{}", self.key)
    }
}

/// Refuses a hold beyond the client's caps, counting their live holds in
/// the hold's own transaction (after the one it replaces was let go). The
/// answer says when their earliest hold (of this event type, or overall)
/// expires: then they may hold again.
fn check_caps(
    client: &HoldClient,
    live: &[(String, DateTime<Utc>)],
    event_type_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BookingError> {
    let too_many = |cap: u32, expiries: Vec<DateTime<Utc>>, what: &str| {
        let earliest = expiries.into_iter().min().unwrap_or(now);
        let millis = u64::try_from((earliest - now).num_milliseconds()).unwrap_or(0);
        let seconds = millis.div_ceil(1000).max(1);
        let retry_after = u32::try_from(seconds).unwrap_or(u32::MAX);
        BookingError::TooMany {
            message: format!(
                "you already hold {cap} times {what}, the most one visitor may hold at once; \
                 book or let one go, or try again in {retry_after} s when your earliest hold expires"
            ),
            retry_after,
        }
    };
    let here: Vec<DateTime<Utc>> = live
        .iter()
        .filter(|(id, _)| id == event_type_id)
        .map(|(_, expires)| *expires)
        .collect();
    if client.per_event_type > 0 && here.len() >= client.per_event_type as usize {
        return Err(too_many(client.per_event_type, here, "of this event type"));
    }
    if client.per_client > 0 && live.len() >= client.per_client as usize {
        let all = live.iter().map(|(_, expires)| *expires).collect();
        return Err(too_many(client.per_client, all, "on this server"));
    }
    Ok(())
}

/// Holds `start` of the event type for `hold_minutes` from `now`.
/// `replaces` is the token of the invitee's current hold, if any: it does
/// not stand in the way and is let go in the same transaction, so choosing
/// another time moves the hold, and choosing the same time again renews it
/// (round robin keeps its host while free).
pub async fn hold(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    start: Instant,
    replaces: Option<&str>,
    client: Option<&HoldClient>,
    now: Instant,
) -> Result<Held, BookingError> {
    let minutes = inputs.event_type.input.hold_minutes;
    if minutes == 0 {
        return Err(BookingError::Conflict(
            "this event type does not hold times (its hold_minutes is 0): book the time directly"
                .to_string(),
        ));
    }
    check_start(inputs, start)?;
    check_bookable(store, inputs, now, start).await?;
    let previous = own_hold::find(store, replaces).await?;
    let event_type = &inputs.event_type;
    let id = new_id();
    let token = random_token(32);
    let end = start.plus_minutes(i64::from(event_type.input.duration_minutes));
    let expires_at = now.plus_minutes(i64::from(minutes));
    let mut new = NewHold {
        slot_key: match event_type.input.kind {
            Kind::Group => group_slot_key(&event_type.id, to_utc(start)),
            _ => id.clone(),
        },
        id,
        token_hash: hash_secret(&token),
        organization_id: inputs.owner.organization_id.clone(),
        event_type_id: event_type.id.clone(),
        start: to_utc(start),
        end: to_utc(end),
        assignment_reason: None,
        expires_at: to_utc(expires_at),
        created_at: to_utc(now),
        client_key: client.map(|c| c.key.clone()),
    };
    let hosts = inputs.host_ids();
    let window = inputs.window(Interval::new(start, start.plus_seconds(1)));
    let pool = pool_request(inputs, now, start);
    let mut locks = hosts.clone();
    locks.extend(client.map(HoldClient::lock));
    let mut tx = store.begin_booking(&locks).await?;
    // Let go before the snapshot is read (and kept if this one is refused).
    if let Some(previous) = &previous {
        tx.consume_hold(&previous.id).await?;
    }
    if let Some(client) = client {
        let live = tx.client_holds(&client.key, to_utc(now)).await?;
        check_caps(client, &live, &event_type.id, to_utc(now))?;
    }
    let mut snapshot = tx.snapshot(&hosts, window).await?;
    if let Some(request) = &pool {
        snapshot.pool = Some(tx.pool_history(request).await?);
    }
    let keep = kept_by_hold(inputs, previous.as_ref(), start);
    let decision = decide(inputs, now, start, &snapshot, keep.as_slice())?;
    new.assignment_reason = decision.reason;
    tx.insert_hold(&new, &decision.hosts).await?;
    tx.commit().await?;
    Ok(Held {
        token,
        start: new.start,
        end: new.end,
        expires_at: new.expires_at,
    })
}

/// Lets a live hold go; `NotFound("hold")` when it is unknown or expired.
pub async fn release(store: StoreRef<'_>, token: &str, now: Instant) -> Result<(), BookingError> {
    // Junk is a plain 404 before any query, like other tokens in paths.
    if !looks_like_token(token) {
        return Err(BookingError::NotFound("hold"));
    }
    Ok(store.release_hold(&hash_secret(token), to_utc(now)).await?)
}

/// The hold a slots request names (`hold=`), if it is known: its id, left
/// out of that visitor's answer.
pub async fn own_hold_id(
    store: StoreRef<'_>,
    token: Option<&str>,
) -> Result<Option<String>, BookingError> {
    Ok(own_hold::find(store, token).await?.map(|h| h.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_keyed_by_address_and_ipv6_by_its_64() {
        let key = |ip: &str| HoldClient::for_ip(ip.parse().expect("ip"), None, 3, 20).key;
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"));
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        assert!(!key("192.0.2.1").contains("192"), "stored hashed");
        // With keys: keyed, stable, and unlike the plain hash.
        let ring = KeyRing::parse(&format!("k1:{}", KeyRing::generate_key())).expect("ring");
        let keyed = |ip: &str| HoldClient::for_ip(ip.parse().expect("ip"), Some(&ring), 3, 20).key;
        assert_eq!(keyed("192.0.2.1"), keyed("192.0.2.1"));
        assert_ne!(keyed("192.0.2.1"), key("192.0.2.1"));
        assert_ne!(keyed("192.0.2.1"), keyed("192.0.2.2"));
    }

    #[test]
    fn caps_count_live_holds_and_say_when_one_frees() {
        let now: DateTime<Utc> = "2026-06-01T10:00:00Z".parse().expect("now");
        let at = |s: i64| now + chrono::Duration::seconds(s);
        let client = HoldClient::for_ip("192.0.2.1".parse().expect("ip"), None, 2, 3);
        let live = vec![("a".to_string(), at(200)), ("a".to_string(), at(90))];
        match check_caps(&client, &live, "a", now) {
            Err(BookingError::TooMany { retry_after, .. }) => assert_eq!(retry_after, 90),
            other => panic!("{other:?}"),
        }
        assert!(check_caps(&client, &live, "b", now).is_ok());
        let live = vec![
            ("a".to_string(), at(200)),
            ("b".to_string(), at(300)),
            ("c".to_string(), at(1)),
        ];
        match check_caps(&client, &live, "d", now) {
            Err(BookingError::TooMany {
                retry_after,
                message,
            }) => {
                assert_eq!(retry_after, 1);
                assert!(message.contains("3 times on this server"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let open = HoldClient {
            per_event_type: 0,
            per_client: 0,
            ..client
        };
        assert!(check_caps(&open, &live, "a", now).is_ok());
    }
}
