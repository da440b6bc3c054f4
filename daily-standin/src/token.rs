//! Checking Daily meeting tokens the way Daily does at join time: HS256 signed with the
//! domain's API key, for this room, inside `nbf`..`exp`. Written apart from the Worker's signer
//! on purpose, so the two check each other.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The claims a room page cares about (short names, as Daily's tokens carry them).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Claims {
    pub r: Option<String>,
    pub d: Option<String>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    #[serde(default)]
    pub o: bool,
    pub u: Option<String>,
    pub ud: Option<String>,
    pub ejt: Option<bool>,
}

/// The daily-js error type a bad token produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Malformed, wrongly signed, or for another room or domain.
    NotAllowed,
    NbfToken,
    ExpToken,
}

impl Rejection {
    pub fn error_type(self) -> &'static str {
        match self {
            Rejection::NotAllowed => "not-allowed",
            Rejection::NbfToken => "nbf-token",
            Rejection::ExpToken => "exp-token",
        }
    }
}

/// HS256 signature of `header.payload` with `key`, base64url without padding.
pub fn signature(key: &str, signing_input: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(signing_input.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Signs claims as Daily's `POST /meeting-tokens` would.
pub fn sign(key: &str, claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let sig = signature(key, &input);
    format!("{input}.{sig}")
}

/// Verifies a token for `room` of domain `domain_id` at unix time `now`.
pub fn verify(
    token: &str,
    key: &str,
    room: &str,
    domain_id: &str,
    now: i64,
) -> Result<Claims, Rejection> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejection::NotAllowed);
    };
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Rejection::NotAllowed)?;
    if header["alg"] != "HS256" {
        return Err(Rejection::NotAllowed);
    }
    let expected = signature(key, &format!("{h}.{p}"));
    // Constant-time enough for a local stand-in; compare whole strings.
    if expected != s {
        return Err(Rejection::NotAllowed);
    }
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Rejection::NotAllowed)?;
    if claims.r.as_deref() != Some(room) {
        return Err(Rejection::NotAllowed);
    }
    if claims.d.as_deref().is_some_and(|d| d != domain_id) {
        return Err(Rejection::NotAllowed);
    }
    if claims.nbf.is_some_and(|nbf| now < nbf) {
        return Err(Rejection::NbfToken);
    }
    if claims.exp.is_some_and(|exp| now >= exp) {
        return Err(Rejection::ExpToken);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of `daily-api.md`, checked by this independent implementation.
    const VECTOR: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyIjoiYm9va2luZy0xMjMiLCJkIjoiMzBmODY2YzMtOTEyMy00NTJhLTg3MjMtZmY1ODMyMmQwOWM1IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDAsIm8iOmZhbHNlLCJ1IjoiQWRhIiwidWQiOiJ1c2VyLTQyIn0.0zF8mhfSR5AQFbNonrdifndULn0FLKL0MdmE7cV6zO0";
    const DOMAIN: &str = "30f866c3-9123-452a-8723-ff58322d09c5";

    #[test]
    fn accepts_the_test_vector_inside_its_window() {
        let c = verify(
            VECTOR,
            "test-api-key-not-real",
            "booking-123",
            DOMAIN,
            1_700_000_100,
        )
        .unwrap();
        assert_eq!(c.u.as_deref(), Some("Ada"));
        assert_eq!(c.ud.as_deref(), Some("user-42"));
        assert!(!c.o);
    }

    #[test]
    fn rejects_wrong_key_room_domain_and_time() {
        let t = 1_700_000_100;
        assert_eq!(
            verify(VECTOR, "other-key", "booking-123", DOMAIN, t).unwrap_err(),
            Rejection::NotAllowed
        );
        assert_eq!(
            verify(VECTOR, "test-api-key-not-real", "booking-999", DOMAIN, t).unwrap_err(),
            Rejection::NotAllowed
        );
        assert_eq!(
            verify(VECTOR, "test-api-key-not-real", "booking-123", "other", t).unwrap_err(),
            Rejection::NotAllowed
        );
        assert_eq!(
            verify(
                VECTOR,
                "test-api-key-not-real",
                "booking-123",
                DOMAIN,
                1_700_003_600
            )
            .unwrap_err(),
            Rejection::ExpToken
        );
        assert_eq!(
            verify("a.b", "k", "r", DOMAIN, t).unwrap_err(),
            Rejection::NotAllowed
        );
    }

    #[test]
    fn signs_what_it_verifies() {
        let token = sign(
            "k",
            &serde_json::json!({"r": "room", "nbf": 10, "exp": 20, "o": true}),
        );
        assert_eq!(
            verify(&token, "k", "room", DOMAIN, 9).unwrap_err(),
            Rejection::NbfToken
        );
        assert!(verify(&token, "k", "room", DOMAIN, 10).unwrap().o);
    }
}
