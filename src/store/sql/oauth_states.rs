//! OAuth authorizations in flight (state hash → who started it, the sealed
//! PKCE verifier), each taken once.

use super::{Pool, Result, StoreError};
use crate::domain::Provider;
use crate::store::OAuthState;
use chrono::{DateTime, Utc};

pub(super) async fn insert(pool: &Pool, state_hash: &str, state: &OAuthState) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_states (state_hash, organization_id, user_id, provider, verifier, \
         return_to, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(state_hash)
    .bind(&state.organization_id)
    .bind(&state.user_id)
    .bind(state.provider.as_str())
    .bind(&state.verifier)
    .bind(&state.return_to)
    .bind(state.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes (and removes) a state; expired ones are gone.
pub(super) async fn take(
    pool: &Pool,
    state_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<OAuthState>> {
    sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
        .bind(now)
        .execute(pool)
        .await?;
    type StateRow = (
        String,
        String,
        String,
        String,
        Option<String>,
        DateTime<Utc>,
    );
    let row: Option<StateRow> = sqlx::query_as(
        "DELETE FROM oauth_states WHERE state_hash = $1 \
         RETURNING organization_id, user_id, provider, verifier, return_to, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(pool)
    .await?;
    row.map(
        |(organization_id, user_id, provider, verifier, return_to, expires_at)| {
            Ok(OAuthState {
                provider: Provider::parse(&provider).ok_or_else(|| {
                    StoreError::Corrupt(format!("oauth_states.provider {provider:?}"))
                })?,
                organization_id,
                user_id,
                verifier,
                return_to,
                expires_at,
            })
        },
    )
    .transpose()
}
