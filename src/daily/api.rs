//! Daily's REST shapes (pure): the bodies we send, the answers we read, and what an answer
//! means. The client hands in a status and a body; these functions say what they are.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::locale::Locale;
use crate::outbound::policy::{Class, Failure, Reply};

/// `POST /rooms` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateRoom<'a> {
    pub name: &'a str,
    pub privacy: &'static str,
    pub properties: RoomProperties,
}

/// The room properties we set (Daily's names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomProperties {
    pub exp: i64,
    pub max_participants: u32,
    pub enable_screenshare: bool,
    pub enable_chat: bool,
    pub enable_prejoin_ui: bool,
    pub eject_at_room_exp: bool,
    /// The Prebuilt UI language.
    pub lang: Locale,
    /// `"cloud"` when recording is on (`DAILY_RECORDING=cloud`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_recording: Option<&'static str>,
}

/// `POST /rooms/:name` body that changes a room's window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateRoom {
    pub properties: WindowProperties,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowProperties {
    pub nbf: i64,
    pub exp: i64,
}

/// The room object; only the fields we use. Daily omits properties left at their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Room {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub config: RoomConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RoomConfig {
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
}

/// `DELETE /rooms/:name` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Deleted {
    pub deleted: Option<bool>,
}

/// `GET /` (domain configuration).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DomainConfig {
    pub domain_id: String,
}

/// `GET /meetings?room=` and `GET /recordings?room_name=` answers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
}

/// A meeting session: people in a room together over a time window.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Meeting {
    pub start_time: f64,
    #[serde(default)]
    pub duration: Option<f64>,
    #[serde(default)]
    pub ongoing: bool,
    #[serde(default)]
    pub participants: Vec<MeetingParticipant>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MeetingParticipant {
    pub participant_id: String,
    #[serde(default)]
    pub user_id: Option<String>,
    pub join_time: f64,
    #[serde(default)]
    pub duration: Option<f64>,
}

/// A recording object; only the fields we use.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Recording {
    pub id: String,
    pub start_ts: f64,
    pub status: String,
    #[serde(default)]
    pub duration: Option<f64>,
}

/// `GET /recordings/:id/access-link` answer. `download_link` may be an error message rather
/// than a URL, so it is checked before use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccessLink {
    pub download_link: String,
}

/// Daily's error body: a stable `error` type and a human `info` that may change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct ErrorBody {
    error: String,
    info: Option<String>,
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
    Transport(#[from] Failure),
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

/// Reads Daily's answer as a `T`, or the error its status and body describe.
pub fn read_answer<T: DeserializeOwned>(reply: &Reply) -> Result<T, DailyError> {
    let status = reply.status;
    let malformed = |detail: String| DailyError::Malformed { status, detail };
    match reply.class() {
        Class::Success => serde_json::from_str(&reply.body).map_err(|e| malformed(e.to_string())),
        Class::Transient if status == 429 => Err(DailyError::RateLimited),
        Class::Transient => Err(DailyError::Server(status)),
        Class::Malformed => Err(malformed(
            "not a JSON answer (redirects are not followed)".into(),
        )),
        Class::Permanent => match serde_json::from_str::<ErrorBody>(&reply.body) {
            Ok(b) if status == 401 || b.error == "authorization-header-error" => {
                Err(DailyError::Auth(b.error))
            }
            Ok(b) => Err(DailyError::Rejected {
                status,
                error: b.error,
                info: b.info.unwrap_or_default(),
            }),
            Err(_) => Err(malformed("not a Daily error body".into())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_answer<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, DailyError> {
        read_answer(&Reply {
            status,
            body: body.to_owned(),
        })
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
        assert_eq!(room.config, RoomConfig::default());
        let with_window: Room = parse_answer(
            200,
            r#"{"name":"r","url":"u","config":{"nbf":1795541400,"exp":1795548600}}"#,
        )
        .unwrap();
        assert_eq!(with_window.config.exp, Some(1_795_548_600));
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
        assert!(DailyError::Transport(Failure::Timeout(3000)).is_transient());
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
        assert!(matches!(
            parse_answer::<Room>(404, "<html>no</html>"),
            Err(DailyError::Malformed { status: 404, .. })
        ));
    }
}
