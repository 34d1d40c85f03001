//! Operator sign-in and sessions; visitor tokens. Secrets are random, at least
//! 128 bits, and stored only as SHA-256 hashes; passwords as argon2 hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "baton_session";

/// 32 random bytes, hex-encoded: a session or visitor token.
pub fn new_secret() -> String {
    hex(&random_bytes::<32>())
}

/// 16 random bytes, hex-encoded: an id that must not be guessable.
pub fn new_id() -> String {
    hex(&random_bytes::<16>())
}

/// A conversation's id, derived from its visitor token: the token proves
/// the id without the server keeping anything, so a `hello` stores nothing
/// and a never-used conversation can be resumed after a restart. The id is
/// public (operators see it); the hash is one-way, so it reveals no token.
pub fn conversation_id_for(token: &str) -> String {
    let digest = Sha256::digest(format!("baton conversation id\n{token}").as_bytes());
    hex(&digest[..16])
}

pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes is a valid salt length");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail on a valid salt")
        .to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Compares two secret hashes without an early exit.
pub fn same_hash(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    buf
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the session token from the cookie header or a bearer token.
pub fn session_token(headers: &axum::http::HeaderMap) -> Option<String> {
    if let Some(bearer) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim().to_owned());
    }
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_with_the_right_password() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "wrong horse"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn secrets_are_long_and_distinct() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_hash(&secret_hash(&a), &secret_hash(&a)));
        assert!(!same_hash(&secret_hash(&a), &secret_hash(&b)));
    }

    #[test]
    fn session_token_from_cookie_or_bearer() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("cookie", "theme=dark; baton_session=abc; x=y".parse().unwrap());
        assert_eq!(session_token(&headers).as_deref(), Some("abc"));
        headers.insert("authorization", "Bearer xyz".parse().unwrap());
        assert_eq!(session_token(&headers).as_deref(), Some("xyz"));
    }
}
