//! Edgemy session JWTs: HS256 tokens (RFC 7519) issued by the platform, verified here with
//! jwt-compact as RFC 8725 asks: the algorithm pinned to HS256, a `typ` other than `JWT` and any
//! `crit` header refused, the signature checked before any claim is read, `exp` required and
//! `nbf` honoured with a 30 s leeway (fractional NumericDates accepted), `iss` and `aud` checked.
//! Pure: the key and the clock are arguments.

use chrono::TimeDelta;
use jwt_compact::alg::Hs256;
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken, ValidationError};
use serde::{Deserialize, Serialize};

use crate::config::AuthConfig;
use crate::domain::ids::UserId;
use crate::domain::locale::Locale;
use crate::domain::time::Instant;
use crate::domain::zone::TimeZone;

/// The signed-in user, as the session JWT describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: UserId,
    /// What others see: the token's `name`, else the part of the e-mail before `@`, else the
    /// user id.
    pub name: String,
    pub email: Option<String>,
    pub locale: Locale,
    /// The token's `zoneinfo` (OpenID Connect's claim for an IANA time zone), if it names one.
    pub time_zone: Option<TimeZone>,
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
    #[error("session token header not accepted: {0}")]
    UnsupportedHeader(&'static str),
}

/// The header parameters jwt-compact leaves to us.
#[derive(Debug, Clone, Deserialize)]
struct HeaderExtensions {
    /// Extensions the recipient must understand (RFC 7515 §4.1.11): we understand none.
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// Refuses headers that announce something other than a plain session JWT.
fn check_header(header: &Header<HeaderExtensions>) -> Result<(), AuthError> {
    if header.other_fields.crit.is_some() {
        return Err(AuthError::UnsupportedHeader("crit"));
    }
    match header.token_type.as_deref() {
        None => Ok(()),
        Some(typ) if typ.eq_ignore_ascii_case("JWT") => Ok(()),
        Some(_) => Err(AuthError::UnsupportedHeader("typ")),
    }
}

/// `aud`: one string or a list of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The claims of ours in a session token; `exp`, `nbf` and `iat` are jwt-compact's.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionClaims {
    iss: String,
    aud: Audience,
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// Any language tag, or none: never a reason to refuse a token.
    #[serde(default)]
    locale: Locale,
    /// An IANA time zone name; anything else (another type included) is ignored, never a reason
    /// to refuse a token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zoneinfo: Option<serde_json::Value>,
}

impl SessionClaims {
    fn is_for(&self, audience: &str) -> bool {
        match &self.aud {
            Audience::One(one) => one == audience,
            Audience::Many(many) => many.iter().any(|a| a == audience),
        }
    }

    /// The name to show: the token's, else the e-mail's local part, else the user id.
    fn display_name(&self) -> String {
        let given = self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let from_email = || {
            let email = self.email.as_deref()?;
            let local = email.split('@').next()?.trim();
            (!local.is_empty()).then_some(local)
        };
        given.or_else(from_email).unwrap_or(&self.sub).to_owned()
    }
}

/// Allowed clock difference between the platform and the edge.
const LEEWAY: TimeDelta = TimeDelta::seconds(30);

fn rejected(e: ValidationError) -> AuthError {
    match e {
        ValidationError::MalformedClaims(e) => AuthError::BadClaims(e.to_string()),
        ValidationError::AlgorithmMismatch { .. }
        | ValidationError::InvalidSignatureLen { .. }
        | ValidationError::MalformedSignature(_)
        | ValidationError::InvalidSignature => AuthError::BadSignature,
        _ => AuthError::Malformed,
    }
}

/// Verifies a session token and returns who it is for.
pub fn verify(token: &str, config: &AuthConfig, now: Instant) -> Result<Identity, AuthError> {
    let untrusted =
        UntrustedToken::<HeaderExtensions>::try_from(token).map_err(|_| AuthError::Malformed)?;
    check_header(untrusted.header())?;
    let token = Hs256
        .validator::<SessionClaims>(config.jwt_key.hs256())
        .validate(&untrusted)
        .map_err(rejected)?;
    let claims = token.claims();
    let time = TimeOptions::new(LEEWAY, move || now);
    claims
        .validate_expiration(&time)
        .map_err(|_| AuthError::Expired)?;
    if claims.not_before.is_some() {
        claims
            .validate_maturity(&time)
            .map_err(|_| AuthError::NotYetValid)?;
    }
    let ours = &claims.custom;
    if ours.iss != config.issuer {
        return Err(AuthError::WrongIssuer);
    }
    if !ours.is_for(&config.audience) {
        return Err(AuthError::WrongAudience);
    }
    Ok(Identity {
        user_id: UserId::parse(&ours.sub).map_err(|e| AuthError::BadClaims(format!("sub {e}")))?,
        name: ours.display_name(),
        email: ours.email.clone().filter(|e| !e.trim().is_empty()),
        locale: ours.locale,
        time_zone: ours
            .zoneinfo
            .as_ref()
            .and_then(|z| z.as_str())
            .and_then(TimeZone::parse),
    })
}

/// Issues a session token, as the platform would. Used by the development sign-in only.
pub fn issue(identity: &Identity, config: &AuthConfig, now: Instant, ttl: TimeDelta) -> String {
    let claims = Claims::new(SessionClaims {
        iss: config.issuer.clone(),
        aud: Audience::One(config.audience.clone()),
        sub: identity.user_id.to_string(),
        name: Some(identity.name.clone()),
        email: identity.email.clone(),
        locale: identity.locale,
        zoneinfo: identity.time_zone.as_ref().map(|z| z.name().into()),
    })
    .set_duration_and_issuance(&TimeOptions::new(LEEWAY, move || now), ttl);
    Hs256
        .token(
            &Header::empty().with_token_type("JWT"),
            &claims,
            config.jwt_key.hs256(),
        )
        .expect("session claims always serialize")
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
            jwt_key: SigningKey::new("unit-test-session-secret".into()),
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
            email: Some("ada@example.test".into()),
            locale: Locale::En,
            time_zone: TimeZone::parse("Europe/London"),
        };
        let token = issue(&me, &config(), now(), TimeDelta::hours(12));
        assert_eq!(verify(&token, &config(), now()), Ok(me));
    }

    #[test]
    fn a_platform_token_verifies() {
        let token = forge(hs256(), claims(), "unit-test-session-secret");
        let who = verify(&token, &config(), now()).unwrap();
        assert_eq!(who.user_id.as_str(), "usr_player_demo");
        assert_eq!(who.name, "Léo Dubois");
        assert_eq!(who.email.as_deref(), Some("leo@example.test"));
        assert_eq!(who.locale, Locale::Fr);
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
        let later = now() + TimeDelta::hours(2);
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
        assert!(verify(&early, &config(), now() + TimeDelta::seconds(31)).is_ok());
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

        let mut c = claims();
        c.as_object_mut().unwrap().remove("sub");
        let t = forge(hs256(), c, "unit-test-session-secret");
        assert!(matches!(
            verify(&t, &config(), now()),
            Err(AuthError::BadClaims(_))
        ));
        let mut c = claims();
        c["sub"] = json!("has space");
        let t = forge(hs256(), c, "unit-test-session-secret");
        assert!(matches!(
            verify(&t, &config(), now()),
            Err(AuthError::BadClaims(_))
        ));
    }

    #[test]
    fn rejects_crit_and_foreign_token_types() {
        let secret = "unit-test-session-secret";
        let crit = json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"], "exp": 1});
        assert_eq!(
            verify(&forge(crit, claims(), secret), &config(), now()),
            Err(AuthError::UnsupportedHeader("crit"))
        );
        let access_token = json!({"alg": "HS256", "typ": "at+jwt"});
        assert_eq!(
            verify(&forge(access_token, claims(), secret), &config(), now()),
            Err(AuthError::UnsupportedHeader("typ"))
        );
        for accepted in [
            json!({"alg": "HS256"}),
            json!({"alg": "HS256", "typ": "jwt"}),
        ] {
            assert!(verify(&forge(accepted, claims(), secret), &config(), now()).is_ok());
        }
    }

    #[test]
    fn fractional_numeric_dates_are_accepted() {
        let mut c = claims();
        let iat = c["iat"].as_i64().unwrap();
        c["iat"] = json!(iat as f64 + 0.25);
        c["nbf"] = json!(iat as f64 + 0.5);
        c["exp"] = json!(iat as f64 + 3600.75);
        let token = forge(hs256(), c, "unit-test-session-secret");
        assert!(verify(&token, &config(), now()).is_ok());
    }

    fn verified_with(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Identity {
        let mut c = claims();
        change(c.as_object_mut().unwrap());
        let t = forge(hs256(), c, "unit-test-session-secret");
        verify(&t, &config(), now()).unwrap()
    }

    #[test]
    fn any_locale_is_accepted_and_falls_back_to_french_or_english() {
        for (tag, locale) in [
            (json!("de"), Locale::Fr),
            (json!("en-GB"), Locale::En),
            (json!("EN"), Locale::En),
            (json!(null), Locale::Fr),
            (json!(7), Locale::Fr),
        ] {
            let who = verified_with(|c| {
                c.insert("locale".into(), tag.clone());
            });
            assert_eq!(who.locale, locale, "{tag}");
        }
        let who = verified_with(|c| {
            c.remove("locale");
        });
        assert_eq!(who.locale, Locale::Fr);
    }

    #[test]
    fn a_time_zone_is_taken_when_it_looks_like_one_and_never_refuses_a_token() {
        let who = verified_with(|c| {
            c.insert("zoneinfo".into(), json!("America/Sao_Paulo"));
        });
        assert_eq!(who.time_zone, TimeZone::parse("America/Sao_Paulo"));
        for odd in [
            json!("nowhere"),
            json!("<b>/x"),
            json!(""),
            json!(7),
            json!(null),
        ] {
            let who = verified_with(|c| {
                c.insert("zoneinfo".into(), odd.clone());
            });
            assert_eq!(who.time_zone, None, "{odd}");
        }
        assert_eq!(verified_with(|_| {}).time_zone, None);
    }

    #[test]
    fn name_and_email_may_be_missing() {
        let who = verified_with(|c| {
            c.remove("name");
        });
        assert_eq!(who.name, "leo", "the e-mail's local part");
        let who = verified_with(|c| {
            c.insert("name".into(), json!("  "));
            c.remove("email");
        });
        assert_eq!(who.name, "usr_player_demo", "the user id, last");
        assert_eq!(who.email, None);
    }
}
