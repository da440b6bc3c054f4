//! Edgemy session JWTs: HS256 tokens issued by the platform, verified here with the algorithm
//! pinned and `iss`, `aud`, `exp` checked. Pure: the secret and the clock are arguments.

use chrono::Duration;
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};

use crate::config::AuthConfig;
use crate::daily::rooms::Lang;
use crate::domain::ids::UserId;
use crate::domain::time::Instant;

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

/// `aud` may be one string or a list of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, wanted: &str) -> bool {
        match self {
            Audience::One(a) => a == wanted,
            Audience::Many(list) => list.iter().any(|a| a == wanted),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionClaims {
    iss: String,
    aud: Audience,
    sub: String,
    name: String,
    email: String,
    locale: Lang,
}

/// Allowed clock difference between the platform and the edge.
const LEEWAY_SECONDS: i64 = 30;

fn time_options(now: Instant) -> TimeOptions<impl Fn() -> Instant> {
    TimeOptions::new(Duration::seconds(LEEWAY_SECONDS), move || now)
}

/// Verifies a session token and returns who it is for.
pub fn verify(token: &str, config: &AuthConfig, now: Instant) -> Result<Identity, AuthError> {
    let untrusted = UntrustedToken::new(token).map_err(|_| AuthError::Malformed)?;
    let key = Hs256Key::new(config.jwt_secret.expose().as_bytes());
    // The validator refuses any `alg` but HS256, so `none` and other algorithms are rejected.
    let token = Hs256
        .validator::<SessionClaims>(&key)
        .validate(&untrusted)
        .map_err(|e| match e {
            jwt_compact::ValidationError::MalformedClaims(e) => AuthError::BadClaims(e.to_string()),
            _ => AuthError::BadSignature,
        })?;
    let claims = token.claims();
    let options = time_options(now);
    claims
        .validate_expiration(&options)
        .map_err(|_| AuthError::Expired)?;
    if claims.not_before.is_some() {
        claims
            .validate_maturity(&options)
            .map_err(|_| AuthError::NotYetValid)?;
    }
    let custom = &claims.custom;
    if custom.iss != config.issuer {
        return Err(AuthError::WrongIssuer);
    }
    if !custom.aud.contains(&config.audience) {
        return Err(AuthError::WrongAudience);
    }
    Ok(Identity {
        user_id: UserId::parse(&custom.sub)
            .map_err(|e| AuthError::BadClaims(format!("sub {e}")))?,
        name: custom.name.clone(),
        email: custom.email.clone(),
        locale: custom.locale,
    })
}

/// Issues a session token, as the platform would. Used by the development sign-in only.
pub fn issue(identity: &Identity, config: &AuthConfig, now: Instant, ttl: Duration) -> String {
    let claims = Claims::new(SessionClaims {
        iss: config.issuer.clone(),
        aud: Audience::One(config.audience.clone()),
        sub: identity.user_id.to_string(),
        name: identity.name.clone(),
        email: identity.email.clone(),
        locale: identity.locale,
    })
    .set_duration_and_issuance(&time_options(now), ttl);
    let key = Hs256Key::new(config.jwt_secret.expose().as_bytes());
    Hs256
        .token(&Header::empty().with_token_type("JWT"), &claims, &key)
        .expect("HS256 signing of serializable claims cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::domain::time::parse_rfc3339;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use hmac::{Hmac, Mac};
    use serde_json::{json, Value};
    use sha2::Sha256;

    fn config() -> AuthConfig {
        AuthConfig {
            jwt_secret: Secret::new("unit-test-session-secret".into()),
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
