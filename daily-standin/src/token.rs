//! Checking Daily meeting tokens the way Daily does at join time: HS256 signed with the
//! domain's API key, for this room, inside `nbf`..`exp`. Done with the `jsonwebtoken` crate,
//! apart from the Worker's own signer (`jwt-compact`) on purpose, so the two check each other.

use jsonwebtoken::errors::Error;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The claims a room page cares about (short names, as Daily's tokens carry them).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Claims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(default)]
    pub o: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub u: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ejt: Option<bool>,
    /// `enable_recording`: `cloud` lets an owner record even where the room does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub er: Option<String>,
}

/// The daily-js error type a bad token produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Malformed, wrongly signed, of another algorithm, or for another room or domain.
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

/// Signs claims as Daily's `POST /meeting-tokens` does, with the header of Daily's tokens,
/// `{"alg":"HS256","typ":"JWT"}` byte for byte. (jsonwebtoken writes `typ` before `alg`; as
/// an extra field, after the standard ones, it comes last.)
pub fn sign<T: Serialize>(key: &str, claims: &T) -> Result<String, Error> {
    let mut header = Header {
        typ: None,
        ..Header::new(Algorithm::HS256)
    };
    header.extras.insert("typ", "JWT");
    encode(&header, claims, &EncodingKey::from_secret(key.as_bytes())?)
}

/// What jsonwebtoken checks for us: the algorithm (HS256 only) and the signature. Daily has
/// no leeway and takes tokens without `exp`, and `nbf`/`exp` are compared with the stand-in's
/// clock (which tests move), so [`verify`] checks the times itself, to the second.
fn validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    validation
}

/// Verifies a token for `room` of domain `domain_id` at unix time `now`.
pub fn verify(
    token: &str,
    key: &str,
    room: &str,
    domain_id: &str,
    now: i64,
) -> Result<Claims, Rejection> {
    let key = DecodingKey::from_secret(key.as_bytes()).map_err(|_| Rejection::NotAllowed)?;
    let claims = decode::<Claims>(token, &key, &validation())
        .map_err(|_| Rejection::NotAllowed)?
        .claims;
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
    const KEY: &str = "test-api-key-not-real";
    const ROOM: &str = "booking-123";
    const DOMAIN: &str = "30f866c3-9123-452a-8723-ff58322d09c5";

    fn vector_claims() -> Claims {
        Claims {
            r: Some(ROOM.into()),
            d: Some(DOMAIN.into()),
            iat: Some(1_700_000_000),
            exp: Some(1_700_003_600),
            u: Some("Ada".into()),
            ud: Some("user-42".into()),
            ..Claims::default()
        }
    }

    #[test]
    fn accepts_the_test_vector_inside_its_window() {
        let c = verify(VECTOR, KEY, ROOM, DOMAIN, 1_700_000_100).unwrap();
        assert_eq!(c.u.as_deref(), Some("Ada"));
        assert_eq!(c.ud.as_deref(), Some("user-42"));
        assert!(!c.o);
    }

    #[test]
    fn signs_the_test_vector_byte_for_byte() {
        assert_eq!(sign(KEY, &vector_claims()).unwrap(), VECTOR);
    }

    #[test]
    fn rejects_wrong_key_room_domain_and_time() {
        let t = 1_700_000_100;
        assert_eq!(
            verify(VECTOR, "other-key", ROOM, DOMAIN, t).unwrap_err(),
            Rejection::NotAllowed
        );
        assert_eq!(
            verify(VECTOR, KEY, "booking-999", DOMAIN, t).unwrap_err(),
            Rejection::NotAllowed
        );
        assert_eq!(
            verify(VECTOR, KEY, ROOM, "other", t).unwrap_err(),
            Rejection::NotAllowed
        );
        assert_eq!(
            verify(VECTOR, KEY, ROOM, DOMAIN, 1_700_003_600).unwrap_err(),
            Rejection::ExpToken
        );
        assert_eq!(
            verify("a.b", "k", "r", DOMAIN, t).unwrap_err(),
            Rejection::NotAllowed
        );
    }

    /// A token for room `room`, signed with key `k`, with the rest of `claims`.
    fn token_for_room(claims: Claims) -> String {
        let claims = Claims {
            r: Some("room".into()),
            ..claims
        };
        sign("k", &claims).unwrap()
    }

    #[test]
    fn times_are_exact_to_the_second() {
        let token = token_for_room(Claims {
            nbf: Some(1_000),
            exp: Some(2_000),
            ..Claims::default()
        });
        assert_eq!(
            verify(&token, "k", "room", DOMAIN, 999).unwrap_err(),
            Rejection::NbfToken
        );
        assert!(verify(&token, "k", "room", DOMAIN, 1_000).is_ok());
        assert!(verify(&token, "k", "room", DOMAIN, 1_999).is_ok());
        assert_eq!(
            verify(&token, "k", "room", DOMAIN, 2_000).unwrap_err(),
            Rejection::ExpToken
        );
        assert!(verify(VECTOR, KEY, ROOM, DOMAIN, 1_700_003_599).is_ok());
    }

    #[test]
    fn takes_tokens_without_exp_nbf_or_domain() {
        let token = token_for_room(Claims {
            o: true,
            ..Claims::default()
        });
        let claims = verify(&token, "k", "room", DOMAIN, i64::MAX).unwrap();
        assert!(claims.o);
    }

    #[test]
    fn rejects_other_algorithms_and_malformed_tokens() {
        let (_, rest) = VECTOR.split_once('.').unwrap();
        // {"alg":"none","typ":"JWT"}, with the vector's claims, signed or not.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        for token in [
            format!("{none}.{rest}"),
            format!("{none}.{}.", rest.split('.').next().unwrap()),
        ] {
            assert_eq!(
                verify(&token, KEY, ROOM, DOMAIN, 1_700_000_100).unwrap_err(),
                Rejection::NotAllowed
            );
        }
        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &vector_claims(),
            &EncodingKey::from_secret(KEY.as_bytes()).unwrap(),
        )
        .unwrap();
        assert_eq!(
            verify(&hs512, KEY, ROOM, DOMAIN, 1_700_000_100).unwrap_err(),
            Rejection::NotAllowed
        );
        let (signed, signature) = VECTOR.rsplit_once('.').unwrap();
        let tampered = format!("{signed}.A{}", &signature[1..]);
        for token in ["", "x", "a.b.c", &format!("{VECTOR}.x"), &tampered] {
            assert_eq!(
                verify(token, KEY, ROOM, DOMAIN, 1_700_000_100).unwrap_err(),
                Rejection::NotAllowed,
                "{token}"
            );
        }
    }
}
