//! Edgemy session JWTs: HS256 tokens (RFC 7519) issued by the platform, verified here with the
//! algorithm pinned and `iss`, `aud`, `exp` (and `nbf`, when present) checked. Pure: the secret
//! and the clock are arguments.

use serde::Serialize;
use serde_json::Value;

use crate::config::AuthConfig;
use crate::daily::rooms::Lang;
use crate::domain::ids::UserId;
use crate::domain::time::{Duration, Instant};
use crate::json::{json_object, FromObject};
use crate::jwt::{self, Rejected};

/// The signed-in user, as the session JWT describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub locale: Lang,
}

/// Why a request is not signed in. Shown to nobody: every variant is a plain 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no session token")]
    Missing,
    #[error("malformed session token")]
    Malformed,
    #[error("session token signature or algorithm rejected")]
    BadSignature,
    #[error("session token expired or without exp")]
    Expired,
    #[error("session token not valid yet")]
    NotYetValid,
    #[error("session token from another issuer")]
    WrongIssuer,
    #[error("session token for another audience")]
    WrongAudience,
    #[error("session token claims incomplete: {0}")]
    BadClaims(String),
}

json_object! {
    #[derive(Serialize)]
    struct SessionClaims {
        iss: String,
        /// One string or a list of strings (RFC 7519 §4.1.3).
        aud: Value,
        sub: String,
        name: String,
        email: String,
        locale: Lang,
        #[serde(skip_serializing_if = "Option::is_none")]
        iat: Option<i64>,
        exp: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        nbf: Option<i64>,
    }
}

impl SessionClaims {
    fn is_for(&self, audience: &str) -> bool {
        match &self.aud {
            Value::String(one) => one == audience,
            Value::Array(many) => many.iter().any(|a| a == audience),
            _ => false,
        }
    }
}

/// Allowed clock difference between the platform and the edge.
const LEEWAY: Duration = Duration::seconds(30);

/// Verifies a session token and returns who it is for.
pub fn verify(token: &str, config: &AuthConfig, now: Instant) -> Result<Identity, AuthError> {
    let claims = jwt::verify(&config.jwt_secret, token).map_err(|e| match e {
        Rejected::Malformed => AuthError::Malformed,
        Rejected::BadSignature => AuthError::BadSignature,
    })?;
    let claims =
        SessionClaims::from_json(&claims).map_err(|e| AuthError::BadClaims(e.to_string()))?;
    let now = now.timestamp();
    match claims.exp {
        Some(exp) if now <= exp + LEEWAY.num_seconds() => {}
        _ => return Err(AuthError::Expired),
    }
    if claims
        .nbf
        .is_some_and(|nbf| now + LEEWAY.num_seconds() < nbf)
    {
        return Err(AuthError::NotYetValid);
    }
    if claims.iss != config.issuer {
        return Err(AuthError::WrongIssuer);
    }
    if !claims.is_for(&config.audience) {
        return Err(AuthError::WrongAudience);
    }
    Ok(Identity {
        user_id: UserId::parse(&claims.sub)
            .map_err(|e| AuthError::BadClaims(format!("sub {e}")))?,
        name: claims.name,
        email: claims.email,
        locale: claims.locale,
    })
}

/// Issues a session token, as the platform would. Used by the development sign-in only.
pub fn issue(identity: &Identity, config: &AuthConfig, now: Instant, ttl: Duration) -> String {
    let claims = SessionClaims {
        iss: config.issuer.clone(),
        aud: Value::String(config.audience.clone()),
        sub: identity.user_id.to_string(),
        name: identity.name.clone(),
        email: identity.email.clone(),
        locale: identity.locale,
        iat: Some(now.timestamp()),
        exp: Some((now + ttl).timestamp()),
        nbf: None,
    };
    jwt::sign(&config.jwt_secret, &claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SigningKey;
    use crate::domain::time::{from_unix, parse_rfc3339};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use hmac::{Hmac, Mac};
    use serde_json::{json, Value};
    use sha2::Sha256;

    fn config() -> AuthConfig {
        AuthConfig {
            jwt_secret: SigningKey::new("unit-test-session-secret".into()),
            issuer: "https://edgemy.fr".into(),
            audience: "edgemy-sessions".into(),
        }
    }

    fn now() -> Instant {
        parse_rfc3339("2026-11-24T12:00:00Z").unwrap()
    }

    /// Signs arbitrary header and claims, the way a foreign or hostile issuer could.
    fn forge(header: Value, claims: Value, secret: &str) -> String {
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{h}.{c}").as_bytes());
        format!(
            "{h}.{c}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    fn claims() -> Value {
        json!({
            "iss": "https://edgemy.fr", "aud": "edgemy-sessions", "sub": "usr_player_demo",
            "name": "Léo Dubois", "email": "leo@example.test", "locale": "fr",
            "iat": 1_795_521_000, "exp": 1_795_521_000 + 3600,
        })
    }

    fn hs256() -> Value {
        json!({"alg": "HS256", "typ": "JWT"})
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_identity() {
        let me = Identity {
            user_id: UserId::parse("usr_player_other").unwrap(),
            name: "Ada Lovelace".into(),
            email: "ada@example.test".into(),
            locale: Lang::En,
        };
        let token = issue(&me, &config(), now(), Duration::hours(12));
        assert_eq!(verify(&token, &config(), now()), Ok(me));
    }

    #[test]
    fn a_platform_token_verifies() {
        let token = forge(hs256(), claims(), "unit-test-session-secret");
        let who = verify(&token, &config(), now()).unwrap();
        assert_eq!(who.user_id.as_str(), "usr_player_demo");
        assert_eq!(who.name, "Léo Dubois");
        assert_eq!(who.locale, Lang::Fr);
    }

    #[test]
    fn audience_may_be_a_list() {
        let mut c = claims();
        c["aud"] = json!(["other", "edgemy-sessions"]);
        assert!(verify(
            &forge(hs256(), c, "unit-test-session-secret"),
            &config(),
            now()
        )
        .is_ok());
    }

    #[test]
    fn rejects_wrong_secret_and_other_algorithms() {
        let wrong = forge(hs256(), claims(), "another-secret");
        assert_eq!(
            verify(&wrong, &config(), now()),
            Err(AuthError::BadSignature)
        );
        let none = forge(json!({"alg": "none"}), claims(), "unit-test-session-secret");
        assert_eq!(
            verify(&none, &config(), now()),
            Err(AuthError::BadSignature)
        );
        let hs512 = forge(
            json!({"alg": "HS512"}),
            claims(),
            "unit-test-session-secret",
        );
        assert_eq!(
            verify(&hs512, &config(), now()),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            verify("not.a.jwt", &config(), now()),
            Err(AuthError::Malformed)
        );
        assert_eq!(verify("", &config(), now()), Err(AuthError::Malformed));
    }

    #[test]
    fn rejects_expired_and_missing_exp() {
        let later = now() + Duration::hours(2);
        let token = forge(hs256(), claims(), "unit-test-session-secret");
        assert_eq!(verify(&token, &config(), later), Err(AuthError::Expired));
        let mut c = claims();
        c.as_object_mut().unwrap().remove("exp");
        let token = forge(hs256(), c, "unit-test-session-secret");
        assert_eq!(verify(&token, &config(), now()), Err(AuthError::Expired));
    }

    #[test]
    fn rejects_tampered_claims_and_tokens_not_valid_yet() {
        let token = forge(hs256(), claims(), "unit-test-session-secret");
        let (head, rest) = token.split_once('.').unwrap();
        let signature = rest.rsplit_once('.').unwrap().1;
        let mut c = claims();
        c["sub"] = json!("usr_coach_demo");
        let swapped = format!(
            "{head}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(c.to_string())
        );
        assert_eq!(
            verify(&swapped, &config(), now()),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            verify(&format!("{token}.x"), &config(), now()),
            Err(AuthError::Malformed)
        );

        let mut c = claims();
        c["nbf"] = json!(now().timestamp() + 60);
        let early = forge(hs256(), c, "unit-test-session-secret");
        assert_eq!(
            verify(&early, &config(), now()),
            Err(AuthError::NotYetValid)
        );
        // Within the 30 s leeway for clock differences.
        assert!(verify(&early, &config(), now() + Duration::seconds(31)).is_ok());
        let exp = claims()["exp"].as_i64().unwrap();
        assert!(verify(&token, &config(), from_unix(exp + 30)).is_ok());
        assert_eq!(
            verify(&token, &config(), from_unix(exp + 31)),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn rejects_wrong_issuer_audience_and_incomplete_claims() {
        let mut c = claims();
        c["iss"] = json!("https://evil.example");
        let t = forge(hs256(), c, "unit-test-session-secret");
        assert_eq!(verify(&t, &config(), now()), Err(AuthError::WrongIssuer));

        let mut c = claims();
        c["aud"] = json!("another-api");
        let t = forge(hs256(), c, "unit-test-session-secret");
        assert_eq!(verify(&t, &config(), now()), Err(AuthError::WrongAudience));

        for field in ["sub", "name", "email", "locale"] {
            let mut c = claims();
            c.as_object_mut().unwrap().remove(field);
            let t = forge(hs256(), c, "unit-test-session-secret");
            assert!(
                matches!(verify(&t, &config(), now()), Err(AuthError::BadClaims(_))),
                "{field}"
            );
        }
        let mut c = claims();
        c["locale"] = json!("de");
        let t = forge(hs256(), c, "unit-test-session-secret");
        assert!(matches!(
            verify(&t, &config(), now()),
            Err(AuthError::BadClaims(_))
        ));
    }
}
