//! Daily REST shapes: what we send to create a room, what Daily answers, and how an answer is
//! classified. Pure: the client hands in a status and a body, these functions say what it means.

use serde::Serialize;

use crate::domain::ids::RoomName;
use crate::domain::time::Slot;
use crate::domain::window::{room_expiry, Role};
use crate::json::{json_object, Field, FieldError, FromObject, Object};

/// The Prebuilt UI language of a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// A language from its code, as the database stores it.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The code Daily, the API and the database use: `fr`, `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

impl Field for Lang {
    fn from_value(value: serde_json::Value) -> Option<Self> {
        Lang::parse(value.as_str()?)
    }
}

/// `POST /rooms` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateRoom<'a> {
    pub name: &'a str,
    pub privacy: &'static str,
    pub properties: RoomProperties,
}

/// The room properties of a coaching session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomProperties {
    pub exp: i64,
    pub max_participants: u32,
    pub enable_screenshare: bool,
    pub enable_chat: bool,
    pub enable_prejoin_ui: bool,
    pub eject_at_room_exp: bool,
    pub lang: Lang,
}

impl<'a> CreateRoom<'a> {
    /// A private two-person room that closes (and ejects) 30 minutes after the session ends.
    pub fn for_session(name: &'a RoomName, slot: &Slot, lang: Lang) -> Self {
        Self {
            name: name.as_str(),
            privacy: "private",
            properties: RoomProperties {
                exp: room_expiry(slot).timestamp(),
                max_participants: 2,
                enable_screenshare: true,
                enable_chat: true,
                enable_prejoin_ui: true,
                eject_at_room_exp: true,
                lang,
            },
        }
    }
}

/// The room object; only the fields we use. Daily omits properties left at their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub name: String,
    pub url: String,
    pub config: RoomConfig,
}

impl FromObject for Room {
    fn from_object(mut room: Object) -> Result<Self, FieldError> {
        Ok(Self {
            name: room.take("name")?,
            url: room.take("url")?,
            config: match room.take::<Option<Object>>("config")? {
                Some(config) => RoomConfig::from_object(config)?,
                None => RoomConfig::default(),
            },
        })
    }
}

json_object! {
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct RoomConfig {
        pub exp: Option<i64>,
        pub nbf: Option<i64>,
    }
}

/// `POST /rooms/:name` body that moves a room to a new window: no joining before `nbf`
/// (so tokens of the old window stop working), closing and ejecting at `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateRoom {
    pub properties: WindowProperties,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowProperties {
    pub nbf: i64,
    pub exp: i64,
}

impl UpdateRoom {
    pub fn for_window(slot: &Slot) -> Self {
        Self {
            properties: WindowProperties {
                nbf: (slot.start() - Role::Coach.lead_time()).timestamp(),
                exp: room_expiry(slot).timestamp(),
            },
        }
    }
}

json_object! {
    /// `DELETE /rooms/:name` answer.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Deleted {
        pub deleted: Option<bool>,
    }
}

json_object! {
    /// `GET /` (domain configuration).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DomainConfig {
        pub domain_id: String,
    }
}

json_object! {
    /// Daily's error body: a stable `error` type and a human `info` that may change.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ErrorBody {
        pub error: String,
        pub info: Option<String>,
    }
}

/// What went wrong talking to Daily. Never contains the API key or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DailyError {
    #[error("Daily rejected the API key ({0})")]
    Auth(String),
    #[error("Daily rate limit reached")]
    RateLimited,
    #[error("Daily server error (HTTP {0})")]
    Server(u16),
    #[error("Daily rejected the request (HTTP {status}, {error}: {info})")]
    Rejected {
        status: u16,
        error: String,
        info: String,
    },
    #[error("Daily answered something unexpected (HTTP {status}): {detail}")]
    Malformed { status: u16, detail: String },
    #[error("could not reach Daily: {0}")]
    Transport(String),
}

impl DailyError {
    /// Daily's "not found" (a room deleted, expired or never created).
    pub fn is_not_found(&self) -> bool {
        matches!(self, DailyError::Rejected { status: 404, .. })
    }

    /// Daily's answer when a room of that name exists: a 400 told apart only by its `info`.
    pub fn is_room_exists(&self) -> bool {
        matches!(self, DailyError::Rejected { status: 400, error, info }
            if error == "invalid-request-error" && info.contains("already exists"))
    }

    /// Worth retrying later: Daily is unreachable, overloaded or failing, not refusing us.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            DailyError::RateLimited | DailyError::Server(_) | DailyError::Transport(_)
        )
    }
}

/// A successful (2xx) answer of Daily, read into a type once the call is over.
#[derive(Debug)]
pub struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    /// Daily's answer, or the error its status and body describe.
    pub fn check(status: u16, body: String) -> Result<Self, DailyError> {
        if (200..300).contains(&status) {
            return Ok(Self { status, body });
        }
        let parsed = ErrorBody::from_json(body.as_bytes()).ok();
        Err(match (status, parsed) {
            (429, _) => DailyError::RateLimited,
            (500..=599, _) => DailyError::Server(status),
            (401, Some(b)) => DailyError::Auth(b.error),
            (400, Some(b)) if b.error == "authorization-header-error" => DailyError::Auth(b.error),
            (_, Some(b)) => DailyError::Rejected {
                status,
                error: b.error,
                info: b.info.unwrap_or_default(),
            },
            (_, None) => DailyError::Malformed {
                status,
                detail: "not a Daily error body".into(),
            },
        })
    }

    /// The body as a `T`.
    pub fn parse<T: FromObject>(&self) -> Result<T, DailyError> {
        T::from_json(self.body.as_bytes()).map_err(|e| DailyError::Malformed {
            status: self.status,
            detail: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{ReservationId, RoomPrefix};
    use crate::domain::time::parse_rfc3339;
    use serde_json::json;

    fn parse_answer<T: FromObject>(status: u16, body: &str) -> Result<T, DailyError> {
        Answer::check(status, body.to_owned())?.parse()
    }

    #[test]
    fn session_room_request_has_exactly_the_documented_shape() {
        let id = ReservationId::parse("0b9d0e4e-3c8a-4d9f-9a52-6a1f7e2b5c10").unwrap();
        let name = RoomPrefix::default().room_for(id);
        let slot = Slot::new(
            parse_rfc3339("2026-11-24T18:00:00Z").unwrap(),
            parse_rfc3339("2026-11-24T19:00:00Z").unwrap(),
        )
        .unwrap();
        let body = serde_json::to_value(CreateRoom::for_session(&name, &slot, Lang::Fr)).unwrap();
        assert_eq!(
            body,
            json!({
                "name": "edgemy-0b9d0e4e-3c8a-4d9f-9a52-6a1f7e2b5c10",
                "privacy": "private",
                "properties": {
                    "exp": 1_795_548_600_i64,
                    "max_participants": 2,
                    "enable_screenshare": true,
                    "enable_chat": true,
                    "enable_prejoin_ui": true,
                    "eject_at_room_exp": true,
                    "lang": "fr"
                }
            })
        );
    }

    #[test]
    fn reads_the_documented_room_object() {
        let body = r#"{ "id": "d61cd7b2-a273-42b4-89bd-be763fd562c1", "name": "w2pp2cf4kltgFACPKXmX",
            "api_created": true, "privacy": "public",
            "url": "https://api-demo.daily.co/w2pp2cf4kltgFACPKXmX",
            "created_at": "2019-01-26T09:01:22.000Z", "config": { "start_video_off": true } }"#;
        let room: Room = parse_answer(200, body).unwrap();
        assert_eq!(room.name, "w2pp2cf4kltgFACPKXmX");
        assert_eq!(room.url, "https://api-demo.daily.co/w2pp2cf4kltgFACPKXmX");
    }

    #[test]
    fn reads_the_domain_id() {
        let body = r#"{"domain_name":"edgemy","domain_id":"30f866c3-9123-452a-8723-ff58322d09c5","config":{}}"#;
        let domain: DomainConfig = parse_answer(200, body).unwrap();
        assert_eq!(domain.domain_id, "30f866c3-9123-452a-8723-ff58322d09c5");
    }

    #[test]
    fn classifies_documented_errors() {
        let exists = parse_answer::<Room>(
            400,
            r#"{"error":"invalid-request-error","info":"a room named edgemy-x already exists"}"#,
        )
        .unwrap_err();
        assert!(exists.is_room_exists());
        assert!(!exists.is_transient());

        let bad_name = parse_answer::<Room>(
            400,
            r#"{"error":"invalid-request-error","info":"x y contains invalid characters"}"#,
        )
        .unwrap_err();
        assert!(!bad_name.is_room_exists());

        assert_eq!(
            parse_answer::<Room>(401, r#"{"error":"authentication-error"}"#),
            Err(DailyError::Auth("authentication-error".into()))
        );
        assert_eq!(
            parse_answer::<Room>(400, r#"{"error":"authorization-header-error","info":"x"}"#),
            Err(DailyError::Auth("authorization-header-error".into()))
        );
        let limited = parse_answer::<Room>(429, r#"{"error":"rate-limit-error"}"#).unwrap_err();
        assert_eq!(limited, DailyError::RateLimited);
        assert!(limited.is_transient());
        assert_eq!(
            parse_answer::<Room>(503, "<html>down</html>"),
            Err(DailyError::Server(503))
        );
        assert!(matches!(
            parse_answer::<Room>(404, r#"{"error":"not-found","info":"room x not found"}"#),
            Err(DailyError::Rejected { status: 404, .. })
        ));
    }

    #[test]
    fn malformed_success_bodies_are_errors_not_panics() {
        for body in ["", "{", "[]", r#"{"name": 3}"#, r#"{"name":"x"}"#] {
            assert!(matches!(
                parse_answer::<Room>(200, body),
                Err(DailyError::Malformed { status: 200, .. })
            ));
        }
        assert!(matches!(
            parse_answer::<Room>(302, ""),
            Err(DailyError::Malformed { status: 302, .. })
        ));
    }
}
