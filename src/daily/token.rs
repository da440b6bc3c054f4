//! Self-signed Daily meeting tokens (pure): HS256 JWTs signed with jwt-compact, keyed with the
//! API key, using Daily's short claim names (`r`, `d`, `iat`, `nbf`, `exp`, `o`, `u`, `ud`,
//! `ejt`; `daily-api.md` §1). No request to Daily.

use chrono::serde::{ts_seconds, ts_seconds_option};
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header};
use serde::Serialize;

use crate::domain::time::Instant;
use crate::domain::window::{JoinWindow, Role};

/// Daily keeps `user_id` to 36 characters.
const MAX_USER_ID_LEN: usize = 36;

/// The claims of a meeting token, in the order Daily's examples use. The time claims are here
/// rather than in jwt-compact's own `Claims` fields so that they keep this order (the documented
/// test vector is byte for byte).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingTokenClaims<'a> {
    pub r: &'a str,
    pub d: &'a str,
    #[serde(with = "ts_seconds")]
    pub iat: Instant,
    #[serde(with = "ts_seconds_option", skip_serializing_if = "Option::is_none")]
    pub nbf: Option<Instant>,
    #[serde(with = "ts_seconds")]
    pub exp: Instant,
    pub o: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub u: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ud: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ejt: Option<bool>,
    /// `enable_recording`: `"cloud"` for the coach when recording is on; never for the player.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub er: Option<&'static str>,
}

/// Who the token is for.
pub struct Participant<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub role: Role,
}

impl<'a> MeetingTokenClaims<'a> {
    /// The token of one participant: valid for their join window only, owner only for the coach,
    /// and ejecting them when it expires.
    pub fn for_participant(
        room: &'a str,
        domain_id: &'a str,
        who: &Participant<'a>,
        window: &JoinWindow,
        now: Instant,
    ) -> Self {
        Self {
            r: room,
            d: domain_id,
            iat: now,
            nbf: Some(window.opens_at),
            exp: window.closes_at,
            o: who.role.is_owner(),
            u: Some(who.name),
            ud: (who.user_id.len() <= MAX_USER_ID_LEN).then_some(who.user_id),
            ejt: Some(true),
            er: None,
        }
    }
}

/// The signed token of `claims`: header `{"alg":"HS256","typ":"JWT"}`, keyed with the API key.
pub fn sign(api_key: &Hs256Key, claims: &MeetingTokenClaims<'_>) -> String {
    Hs256
        .token(
            &Header::empty().with_token_type("JWT"),
            &Claims::new(claims),
            api_key,
        )
        .expect("meeting token claims always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{from_unix, parse_rfc3339, Slot};
    use jwt_compact::UntrustedToken;

    /// The self-computed test vector of `daily-api.md`.
    #[test]
    fn matches_the_documented_test_vector() {
        let claims = MeetingTokenClaims {
            r: "booking-123",
            d: "30f866c3-9123-452a-8723-ff58322d09c5",
            iat: from_unix(1_700_000_000),
            nbf: None,
            exp: from_unix(1_700_003_600),
            o: false,
            u: Some("Ada"),
            ud: Some("user-42"),
            ejt: None,
            er: None,
        };
        assert_eq!(
            sign(&Hs256Key::new("test-api-key-not-real"), &claims),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyIjoiYm9va2luZy0xMjMiLCJkIjoiMzBmODY2YzMtOTEyMy00NTJhLTg3MjMtZmY1ODMyMmQwOWM1IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDAsIm8iOmZhbHNlLCJ1IjoiQWRhIiwidWQiOiJ1c2VyLTQyIn0.0zF8mhfSR5AQFbNonrdifndULn0FLKL0MdmE7cV6zO0"
        );
    }

    /// The claims of a token for `role`, read back through jwt-compact's validator (which also
    /// checks the signature).
    fn claims_for(role: Role, user_id: &'static str) -> serde_json::Value {
        let slot = Slot::new(
            parse_rfc3339("2026-11-24T18:00:00Z").unwrap(),
            parse_rfc3339("2026-11-24T19:00:00Z").unwrap(),
        )
        .unwrap();
        let window = JoinWindow::for_role(&slot, role);
        let who = Participant {
            user_id,
            name: "Camille Martin",
            role,
        };
        let now = parse_rfc3339("2026-11-24T17:50:00Z").unwrap();
        let claims = MeetingTokenClaims::for_participant("edgemy-x", "dom", &who, &window, now);
        let key = Hs256Key::new("k");
        let token = sign(&key, &claims);
        let untrusted = UntrustedToken::new(&token).unwrap();
        let checked = Hs256
            .validator::<serde_json::Map<String, serde_json::Value>>(&key)
            .validate(&untrusted)
            .unwrap();
        // jwt-compact reads the time claims into its own fields; put them back beside the rest.
        let claims = checked.claims();
        let mut all = claims.custom.clone();
        for (name, at) in [
            ("iat", claims.issued_at),
            ("nbf", claims.not_before),
            ("exp", claims.expiration),
        ] {
            if let Some(at) = at {
                all.insert(name.into(), at.timestamp().into());
            }
        }
        serde_json::Value::Object(all)
    }

    #[test]
    fn coach_token_owns_the_room_for_the_coach_window() {
        let c = claims_for(Role::Coach, "usr_coach_demo");
        assert_eq!(c["r"], "edgemy-x");
        assert_eq!(c["d"], "dom");
        assert_eq!(c["o"], true);
        assert_eq!(c["u"], "Camille Martin");
        assert_eq!(c["ud"], "usr_coach_demo");
        assert_eq!(c["ejt"], true);
        assert_eq!(c["iat"], 1_795_542_600_i64);
        assert_eq!(c["nbf"], 1_795_541_400_i64, "start - 30 min");
        assert_eq!(c["exp"], 1_795_548_600_i64, "end + 30 min");
    }

    #[test]
    fn player_token_is_not_owner_and_opens_later() {
        let c = claims_for(Role::Player, "usr_player_demo");
        assert_eq!(c["o"], false);
        assert_eq!(c["nbf"], 1_795_542_300_i64, "start - 15 min");
        assert_eq!(c["exp"], 1_795_548_600_i64);
    }

    #[test]
    fn user_ids_longer_than_daily_allows_are_left_out() {
        let c = claims_for(Role::Player, "u-0123456789012345678901234567890123456789");
        assert!(c.get("ud").is_none());
    }
}
