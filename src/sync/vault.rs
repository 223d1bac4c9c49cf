//! The credential vault: provider credentials sealed with the key ring at
//! rest, bound to the owning connection's natural key (user, provider,
//! server, account) as associated data, so a sealed value copied onto
//! another row does not open. Any connector that stores credentials (the
//! calendar providers now, CRM connectors next) seals and opens them here.

use super::api::{Credentials, SyncError};
use crate::app::App;
use crate::domain::{Connection, Provider};
use crate::secrets::KeyRing;
use crate::store::ConnectionAccess;

/// The associated data credentials are sealed with: the connection's
/// natural key, stable across reconnects of the same account.
pub fn seal_context(user_id: &str, provider: Provider, server_url: &str, account: &str) -> String {
    format!(
        "calendar-connection/{user_id}/{}/{server_url}/{account}",
        provider.as_str()
    )
}

/// [`seal_context`] of a stored connection.
pub fn connection_context(connection: &Connection) -> String {
    seal_context(
        &connection.user_id,
        connection.provider,
        connection.server_url.as_deref().unwrap_or(""),
        &connection.account,
    )
}

/// The key ring, or why credentials cannot be stored.
pub fn keys(app: &App) -> Result<&KeyRing, SyncError> {
    app.keys.as_deref().ok_or_else(|| {
        SyncError::Setup(
            "calendar connections need KAIROS_SECRET_KEYS (create one with `kairos keygen`)"
                .to_string(),
        )
    })
}

/// Seals credentials for the row whose natural key gave `context`.
pub fn seal(app: &App, credentials: &Credentials, context: &str) -> Result<String, SyncError> {
    let text =
        serde_json::to_string(credentials).map_err(|e| SyncError::Permanent(e.to_string()))?;
    keys(app)?
        .seal(&text, context)
        .map_err(|e| SyncError::Setup(e.to_string()))
}

/// The credentials of a connection, unsealed.
pub fn open(app: &App, access: &ConnectionAccess) -> Result<Credentials, SyncError> {
    let text = keys(app)?
        .open(&access.credentials, &connection_context(&access.connection))
        .map_err(|e| SyncError::Setup(format!("cannot open the stored credentials: {e}")))?;
    serde_json::from_str(&text).map_err(|e| SyncError::Setup(format!("stored credentials: {e}")))
}
