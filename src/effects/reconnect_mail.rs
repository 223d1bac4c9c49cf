//! The letter to a host whose calendar connection needs reconnecting,
//! queued with the sync outcome that found the credentials refused (once
//! per failure episode: its key names the connection and the episode). Written when sent: a connection connected again (or removed)
//! since gets nothing. The link is issued now, kept only as a hash, and
//! works for [`VALID_DAYS`] days or until the connection is connected again.

use super::job::{Job, JobContext, JobError, store_error};
use crate::domain::{ConnectionStatus, Merge, hash_secret, random_token};
use crate::notify::{ReconnectParts, compose_reconnect};
use crate::store::StoreError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// How long a reconnect link works.
pub const VALID_DAYS: u32 = 7;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReconnectMail {
    /// The connection's id.
    pub connection: String,
    /// The failure episode: a fresh id for the sync outcome that found the
    /// credentials refused. One is recorded per episode (no sync runs on a
    /// connection needing reconnect), and the effect is queued only with it.
    pub episode: String,
}

impl ReconnectMail {
    /// The letter of a new failure episode of `connection_id`.
    pub fn new(connection_id: &str) -> ReconnectMail {
        ReconnectMail {
            connection: connection_id.to_string(),
            episode: crate::domain::new_id(),
        }
    }

    fn key(&self) -> String {
        format!("mail-reconnect-{}-{}", self.connection, self.episode)
    }
}

#[async_trait]
impl Job for ReconnectMail {
    const KIND: &'static str = "reconnect_mail";
    const MERGE: Merge = Merge::Never;

    fn dedupe_key(&self) -> Option<String> {
        Some(self.key())
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        let app = ctx.app;
        let store = &app.store;
        let access = match store.connection_access(&self.connection).await {
            Ok(access) => access,
            // Disconnected since: nothing to reconnect.
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(error) => return Err(store_error(error)),
        };
        let connection = access.connection;
        if connection.status != ConnectionStatus::NeedsReconnect {
            tracing::info!(
                connection = %connection.id,
                "reconnect letter dropped: connected again since"
            );
            return Ok(());
        }
        let host = match store
            .user(&access.organization_id, &connection.user_id)
            .await
        {
            Ok(host) => host,
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(error) => return Err(store_error(error)),
        };
        let now = app.now();
        let token = random_token(32);
        store
            .add_reconnect_link(
                &connection.id,
                &hash_secret(&token),
                now,
                now + chrono::Duration::days(i64::from(VALID_DAYS)),
            )
            .await
            .map_err(store_error)?;
        let base = app.public_url().trim_end_matches('/').to_string();
        let link = format!("{base}/connections/reconnect/{token}");
        let id = self.key();
        let mail = compose_reconnect(&ReconnectParts {
            id: &id,
            host: &host,
            connection: &connection,
            link: &link,
            valid_days: VALID_DAYS,
        });
        app.mailer.send(&mail).await?;
        Ok(())
    }
}
