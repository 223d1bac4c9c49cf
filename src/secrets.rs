//! Secrets at rest (calendar tokens, CalDAV passwords): AES-256-GCM under a
//! key ring from configuration.
//!
//! `KAIROS_SECRET_KEYS="k2:BASE64,k1:BASE64"`: the first key seals, every key
//! opens. Each sealed value names its key, so a new key can be put first and
//! old values re-sealed at leisure (`needs_rotation`), then the old key
//! dropped. The context (e.g. `connection:ID:refresh_token`) is bound as
//! associated data: a value copied to another row does not open there.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use rand::RngCore;

/// The format tag of sealed values; a new scheme gets a new tag.
const VERSION: &str = "ks1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("secret keys: {0}")]
    Config(String),
    #[error("sealed with key {0:?}, which is not configured")]
    UnknownKey(String),
    #[error("sealed value is damaged or belongs elsewhere")]
    Corrupt,
}

pub struct KeyRing {
    /// `(id, cipher)`; the first seals.
    keys: Vec<(String, Aes256Gcm)>,
    /// Derived from the first key: turns values that must not be stored as
    /// they are (a visitor's address) into stable pseudonyms.
    pseudonym_key: [u8; 32],
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "KeyRing({ids:?})")
    }
}

impl KeyRing {
    /// Parses `id:base64key[,id:base64key…]`; keys are 32 bytes.
    pub fn parse(spec: &str) -> Result<Self, SecretError> {
        let mut keys = Vec::new();
        let mut pseudonym_key = [0u8; 32];
        for (i, entry) in spec
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            let (id, encoded) = entry
                .split_once(':')
                .ok_or_else(|| SecretError::Config(format!("entry {i} is not id:base64")))?;
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(SecretError::Config(format!(
                    "entry {i}: key id {id:?} must be letters, digits, - or _"
                )));
            }
            let bytes = B64
                .decode(encoded.trim_end_matches('='))
                .map_err(|_| SecretError::Config(format!("key {id:?} is not base64")))?;
            if bytes.len() != 32 {
                return Err(SecretError::Config(format!(
                    "key {id:?} must be 32 bytes, not {}",
                    bytes.len()
                )));
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(SecretError::Config(format!("key id {id:?} appears twice")));
            }
            if keys.is_empty() {
                pseudonym_key = pseudonym_key_from(&bytes);
            }
            let cipher = Aes256Gcm::new_from_slice(&bytes)
                .map_err(|_| SecretError::Config(format!("key {id:?} is unusable")))?;
            keys.push((id.to_string(), cipher));
        }
        if keys.is_empty() {
            return Err(SecretError::Config("no keys given".to_string()));
        }
        Ok(KeyRing {
            keys,
            pseudonym_key,
        })
    }

    /// A fresh random key, base64, for `KAIROS_SECRET_KEYS`.
    /// A stable one-way pseudonym of `value` (hex), keyed so that it
    /// cannot be reversed by trying every candidate (every IPv4 address)
    /// without the keys. It changes when the first key is rotated.
    pub fn pseudonym(&self, context: &str, value: &str) -> String {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        hasher.update(self.pseudonym_key);
        hasher.update(context.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hex::encode(hasher.finalize())
    }

    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        B64.encode(key)
    }

    /// Encrypts `plaintext` for `context` under the current key.
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, SecretError> {
        let (id, cipher) = self.keys.first().ok_or(SecretError::Corrupt)?;
        let sealed = encrypt(cipher, plaintext, &format!("{VERSION}.{id}.{context}"))?;
        Ok(format!("{VERSION}.{id}.{sealed}"))
    }

    /// Decrypts a value sealed for `context` under any configured key.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, SecretError> {
        let mut parts = sealed.split('.');
        let (Some(VERSION), Some(id), Some(nonce), Some(body), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(SecretError::Corrupt);
        };
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(known, _)| known == id)
            .ok_or_else(|| SecretError::UnknownKey(id.to_string()))?;
        decrypt(cipher, nonce, body, &format!("{VERSION}.{id}.{context}"))
    }

    /// Was `sealed` made under an older key (re-seal it with `seal`)?
    pub fn needs_rotation(&self, sealed: &str) -> bool {
        let current = self.keys.first().map(|(id, _)| id.as_str());
        sealed.split('.').nth(1) != current
    }
}

/// The format tag of values sealed under a client's secret.
fn pseudonym_key_from(key: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(b"kairos pseudonym key v1\0");
    hasher.update(key);
    hasher.finalize().into()
}

const CLIENT_VERSION: &str = "cs1";

/// Seals `plaintext` under a key derived from a secret only the client holds
/// (an `Idempotency-Key`): the server can open it again only when the client
/// sends that secret, so a copy of the database alone does not reveal it.
/// The label separates this key from any other use of the same secret (the
/// key's stored hash is computed with another label).
pub fn seal_for_client(
    secret: &str,
    plaintext: &str,
    context: &str,
) -> Result<String, SecretError> {
    let cipher = client_cipher(secret)?;
    let sealed = encrypt(&cipher, plaintext, &format!("{CLIENT_VERSION}.{context}"))?;
    Ok(format!("{CLIENT_VERSION}.{sealed}"))
}

/// Opens a value of [`seal_for_client`] with the client's secret.
pub fn open_for_client(secret: &str, sealed: &str, context: &str) -> Result<String, SecretError> {
    let mut parts = sealed.split('.');
    let (Some(CLIENT_VERSION), Some(nonce), Some(body), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SecretError::Corrupt);
    };
    decrypt(
        &client_cipher(secret)?,
        nonce,
        body,
        &format!("{CLIENT_VERSION}.{context}"),
    )
}

/// `nonce.body` (both base64) of `plaintext` sealed with a fresh nonce, the
/// associated data `aad` binding it to its use.
fn encrypt(cipher: &Aes256Gcm, plaintext: &str, aad: &str) -> Result<String, SecretError> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SecretError::Corrupt)?;
    Ok(format!("{}.{}", B64.encode(nonce), B64.encode(sealed)))
}

/// The plaintext of [`encrypt`]'s parts, if `aad` is the one it was sealed with.
fn decrypt(cipher: &Aes256Gcm, nonce: &str, body: &str, aad: &str) -> Result<String, SecretError> {
    let nonce: [u8; 12] = B64
        .decode(nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or(SecretError::Corrupt)?;
    let body = B64.decode(body).map_err(|_| SecretError::Corrupt)?;
    let plain = cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &body,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SecretError::Corrupt)?;
    String::from_utf8(plain).map_err(|_| SecretError::Corrupt)
}

fn client_cipher(secret: &str) -> Result<Aes256Gcm, SecretError> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(b"kairos client-sealing key v1\0");
    hasher.update(secret.as_bytes());
    Aes256Gcm::new_from_slice(&hasher.finalize()).map_err(|_| SecretError::Corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_sealed_values_open_only_with_the_secret_and_context() {
        let sealed = seal_for_client("idem-key-1", "manage-token", "replay:et1").expect("seal");
        assert!(!sealed.contains("manage-token"));
        assert_eq!(
            open_for_client("idem-key-1", &sealed, "replay:et1").as_deref(),
            Ok("manage-token")
        );
        assert_eq!(
            open_for_client("idem-key-2", &sealed, "replay:et1"),
            Err(SecretError::Corrupt),
            "another key"
        );
        assert_eq!(
            open_for_client("idem-key-1", &sealed, "replay:et2"),
            Err(SecretError::Corrupt),
            "another context"
        );
        assert_eq!(
            open_for_client("idem-key-1", "ks1.k.x.y", "replay:et1"),
            Err(SecretError::Corrupt)
        );
    }

    fn ring(spec: &str) -> KeyRing {
        KeyRing::parse(spec).expect("valid key ring")
    }

    #[test]
    fn sealed_values_open_only_in_their_context() {
        let keys = ring(&format!("k1:{}", KeyRing::generate_key()));
        let sealed = keys
            .seal("refresh-token-123", "connection:a:refresh")
            .expect("seal");
        assert!(!sealed.contains("refresh-token-123"));
        assert_eq!(
            keys.open(&sealed, "connection:a:refresh").as_deref(),
            Ok("refresh-token-123")
        );
        assert_eq!(
            keys.open(&sealed, "connection:b:refresh"),
            Err(SecretError::Corrupt),
            "bound to its row"
        );
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            keys.open(&tampered, "connection:a:refresh"),
            Err(SecretError::Corrupt)
        );
        assert_ne!(
            keys.seal("x", "c").expect("seal"),
            keys.seal("x", "c").expect("seal"),
            "fresh nonce each time"
        );
    }

    #[test]
    fn keys_rotate() {
        let (old, new) = (KeyRing::generate_key(), KeyRing::generate_key());
        let before = ring(&format!("k1:{old}"));
        let sealed = before.seal("secret", "ctx").expect("seal");
        let after = ring(&format!("k2:{new},k1:{old}"));
        assert!(after.needs_rotation(&sealed));
        assert_eq!(after.open(&sealed, "ctx").as_deref(), Ok("secret"));
        let resealed = after.seal("secret", "ctx").expect("seal");
        assert!(!after.needs_rotation(&resealed));
        let dropped = ring(&format!("k2:{new}"));
        assert_eq!(
            dropped.open(&sealed, "ctx"),
            Err(SecretError::UnknownKey("k1".to_string()))
        );
        assert_eq!(dropped.open(&resealed, "ctx").as_deref(), Ok("secret"));
    }

    #[test]
    fn bad_configuration_is_named() {
        for bad in [
            "",
            "nokey",
            "k1:notbase64!",
            "k1:AAAA",
            "bad id:AAAA",
            &format!("k1:{0},k1:{0}", KeyRing::generate_key()),
        ] {
            assert!(
                matches!(KeyRing::parse(bad), Err(SecretError::Config(_))),
                "{bad}"
            );
        }
    }
}
