//! Daily's webhooks (pure): the signature check exactly as Daily documents it, and what an
//! event means for a session.
//!
//! Signature: key = base64-decoded secret; message = `X-Webhook-Timestamp` + `.` + raw body;
//! HMAC-SHA256, standard base64 with padding, compared in constant time (`Mac::verify_slice`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How far `X-Webhook-Timestamp` may be from now, either way.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// Why a delivery is refused. The sender only ever sees a bare 401; the log says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("missing X-Webhook-Timestamp or X-Webhook-Signature")]
    MissingHeaders,
    #[error("X-Webhook-Timestamp is not unix seconds")]
    BadTimestamp,
    #[error("X-Webhook-Timestamp is more than 300 s from now")]
    Stale,
    #[error("the signature does not match")]
    BadSignature,
}

/// Checks a delivery's signature with each key in turn (the current secret, then the previous
/// one during a rotation).
pub fn verify(
    keys: &[Vec<u8>],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(Refusal::MissingHeaders);
    };
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Refusal::BadTimestamp)?;
    if (now - sent).abs() > MAX_SKEW_SECONDS {
        return Err(Refusal::Stale);
    }
    let signature = STANDARD
        .decode(signature.trim())
        .map_err(|_| Refusal::BadSignature)?;
    let matches = |key: &Vec<u8>| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&signature).is_ok()
    };
    if keys.iter().any(matches) {
        Ok(())
    } else {
        Err(Refusal::BadSignature)
    }
}

/// Whether a body is Daily's registration ping, `{"test":"test"}`.
pub fn is_ping(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ping {
        test: String,
    }
    serde_json::from_slice::<Ping>(body).is_ok_and(|p| p.test == "test")
}

/// Daily's envelope: `{version, type, id, payload, event_ts}`.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    payload: serde_json::Value,
}

/// Daily's numbers may be fractional (`event_ts`, `joined_at`); we keep whole seconds.
fn seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(f64::deserialize(d)?.floor() as i64)
}

fn seconds_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.map(|s| s.floor() as i64))
}

#[derive(Debug, Deserialize)]
struct MeetingPayload {
    room: String,
    #[serde(deserialize_with = "seconds")]
    start_ts: i64,
    #[serde(default, deserialize_with = "seconds_option")]
    end_ts: Option<i64>,
}

/// One participant's session in a room (`participant.joined` / `participant.left`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Presence {
    pub room: String,
    pub session_id: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(deserialize_with = "seconds")]
    pub joined_at: i64,
    /// Seconds present; only on `participant.left`.
    #[serde(default, deserialize_with = "seconds_option")]
    pub duration: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct RecordingPayload {
    room_name: String,
    recording_id: String,
    #[serde(deserialize_with = "seconds")]
    start_ts: i64,
    #[serde(default, deserialize_with = "seconds_option")]
    duration: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct RecordingErrorPayload {
    room_name: String,
    #[serde(default)]
    error_msg: Option<String>,
    #[serde(default, deserialize_with = "seconds_option")]
    timestamp: Option<i64>,
}

/// What an event means for a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    MeetingStarted {
        room: String,
        start: i64,
    },
    MeetingEnded {
        room: String,
        start: i64,
        end: i64,
    },
    Joined(Presence),
    Left(Presence),
    RecordingReady {
        room: String,
        recording_id: String,
        start: i64,
        duration: Option<i64>,
    },
    RecordingError {
        room: String,
        message: String,
        at: Option<i64>,
    },
    /// A type we do not use: answered 200 and ignored.
    Unused,
}

impl Effect {
    /// The room the event is about, if it is about one of ours.
    pub fn room(&self) -> Option<&str> {
        match self {
            Effect::MeetingStarted { room, .. }
            | Effect::MeetingEnded { room, .. }
            | Effect::RecordingReady { room, .. }
            | Effect::RecordingError { room, .. } => Some(room),
            Effect::Joined(p) | Effect::Left(p) => Some(&p.room),
            Effect::Unused => None,
        }
    }
}

/// A verified event: its id, its type, and its effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub kind: String,
    pub effect: Effect,
}

impl Event {
    /// The keys that make a redelivery a duplicate: the event id, and for participant events
    /// also the type and the participant's session (Daily may resend one under a new id).
    pub fn dedupe_keys(&self) -> Vec<String> {
        let mut keys = vec![format!("id:{}", self.id)];
        if let Effect::Joined(p) | Effect::Left(p) = &self.effect {
            keys.push(format!("{}:{}", self.kind, p.session_id));
        }
        keys
    }
}

/// Why a verified body could not be read as an event.
#[derive(Debug, thiserror::Error)]
#[error("{kind} event not understood: {reason}")]
pub struct Unreadable {
    pub kind: String,
    pub reason: String,
}

/// Reads a verified body.
pub fn parse(body: &[u8]) -> Result<Event, Unreadable> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| Unreadable {
        kind: "an".into(),
        reason: e.to_string(),
    })?;
    let payload = envelope.payload;
    let read = |e: serde_json::Error| Unreadable {
        kind: envelope.kind.clone(),
        reason: e.to_string(),
    };
    let effect = match envelope.kind.as_str() {
        "meeting.started" | "meeting.ended" => {
            let m: MeetingPayload = serde_json::from_value(payload).map_err(read)?;
            match (envelope.kind.as_str(), m.end_ts) {
                ("meeting.ended", Some(end)) => Effect::MeetingEnded {
                    room: m.room,
                    start: m.start_ts,
                    end,
                },
                ("meeting.ended", None) => {
                    return Err(read(serde::de::Error::missing_field("end_ts")))
                }
                _ => Effect::MeetingStarted {
                    room: m.room,
                    start: m.start_ts,
                },
            }
        }
        "participant.joined" => Effect::Joined(serde_json::from_value(payload).map_err(read)?),
        "participant.left" => Effect::Left(serde_json::from_value(payload).map_err(read)?),
        "recording.ready-to-download" => {
            let r: RecordingPayload = serde_json::from_value(payload).map_err(read)?;
            Effect::RecordingReady {
                room: r.room_name,
                recording_id: r.recording_id,
                start: r.start_ts,
                duration: r.duration,
            }
        }
        "recording.error" => {
            let r: RecordingErrorPayload = serde_json::from_value(payload).map_err(read)?;
            Effect::RecordingError {
                room: r.room_name,
                message: r.error_msg.unwrap_or_default(),
                at: r.timestamp,
            }
        }
        _ => Effect::Unused,
    };
    Ok(Event {
        id: envelope.id,
        kind: envelope.kind,
        effect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "ZGFpbHktdGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2Q=";
    const BODY: &str = r#"{"version":"1.0.0","type":"meeting.ended","id":"evt-1","payload":{"start_ts":1699999000,"end_ts":1700000000,"meeting_id":"m-1","room":"booking-123"},"event_ts":1700000001}"#;
    const SIGNATURE: &str = "kxFSH7TbQ9ZcY5U4TocTy6RYYM9DO3Uxtk4A7f5VbiA=";

    fn key(secret: &str) -> Vec<u8> {
        STANDARD.decode(secret).unwrap()
    }

    fn check(keys: &[Vec<u8>], ts: &str, sig: &str, body: &str, now: i64) -> Result<(), Refusal> {
        verify(keys, Some(ts), Some(sig), body.as_bytes(), now)
    }

    #[test]
    fn the_documented_test_vector_verifies() {
        assert_eq!(
            check(&[key(SECRET)], "1700000000", SIGNATURE, BODY, 1_700_000_000),
            Ok(())
        );
    }

    #[test]
    fn anything_else_is_refused() {
        let keys = [key(SECRET)];
        let now = 1_700_000_000;
        let bad = |ts: &str, sig: &str, body: &str| check(&keys, ts, sig, body, now);
        let one_byte = BODY.replace("evt-1", "evt-2");
        assert_eq!(
            bad("1700000000", SIGNATURE, &one_byte),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            bad("1700000001", SIGNATURE, BODY),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            bad("1700000000", "not base64!", BODY),
            Err(Refusal::BadSignature)
        );
        assert_eq!(bad("soon", SIGNATURE, BODY), Err(Refusal::BadTimestamp));
        let hex = "9311521fb4db43d65c6395384e871ccba45860cf433b7531b64e00edfed56e20";
        assert_eq!(bad("1700000000", hex, BODY), Err(Refusal::BadSignature));
        // The secret used as text rather than base64-decoded.
        let text_key = [SECRET.as_bytes().to_vec()];
        assert_eq!(
            check(&text_key, "1700000000", SIGNATURE, BODY, now),
            Err(Refusal::BadSignature)
        );
        let wrong = [key("d3Jvbmctc2VjcmV0")];
        assert_eq!(
            check(&wrong, "1700000000", SIGNATURE, BODY, now),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(&keys, None, Some(SIGNATURE), BODY.as_bytes(), now),
            Err(Refusal::MissingHeaders)
        );
        assert_eq!(
            verify(&keys, Some("1700000000"), None, BODY.as_bytes(), now),
            Err(Refusal::MissingHeaders)
        );
    }

    #[test]
    fn timestamps_more_than_five_minutes_away_are_stale() {
        let keys = [key(SECRET)];
        for now in [1_700_000_301, 1_699_999_699] {
            assert_eq!(
                check(&keys, "1700000000", SIGNATURE, BODY, now),
                Err(Refusal::Stale)
            );
        }
        for now in [1_700_000_300, 1_699_999_700] {
            assert_eq!(check(&keys, "1700000000", SIGNATURE, BODY, now), Ok(()));
        }
    }

    #[test]
    fn the_previous_secret_still_verifies_during_a_rotation() {
        let keys = [key("bmV3LXNlY3JldA=="), key(SECRET)];
        assert_eq!(
            check(&keys, "1700000000", SIGNATURE, BODY, 1_700_000_000),
            Ok(())
        );
    }

    #[test]
    fn events_are_read_with_fractional_times() {
        let event = parse(BODY.as_bytes()).unwrap();
        assert_eq!(
            event.effect,
            Effect::MeetingEnded {
                room: "booking-123".into(),
                start: 1_699_999_000,
                end: 1_700_000_000
            }
        );
        assert_eq!(event.dedupe_keys(), vec!["id:evt-1"]);
        let left =
            br#"{"version":"1.0.0","type":"participant.left","id":"e2","event_ts":1717688213.803,
            "payload":{"room":"r","session_id":"s-1","user_id":"u","user_name":"U","owner":false,
            "joined_at":1717688000.4,"duration":213.4}}"#;
        let event = parse(left).unwrap();
        let Effect::Left(p) = &event.effect else {
            panic!("{event:?}")
        };
        assert_eq!((p.joined_at, p.duration), (1_717_688_000, Some(213)));
        assert_eq!(event.dedupe_keys(), vec!["id:e2", "participant.left:s-1"]);
    }

    #[test]
    fn the_ping_and_unused_types() {
        assert!(is_ping(br#"{"test":"test"}"#));
        assert!(!is_ping(br#"{"test":"other"}"#));
        assert!(!is_ping(br#"{"test":"test","type":"x"}"#));
        let other = br#"{"version":"1.0.0","type":"streaming.started","id":"e","payload":{}}"#;
        assert_eq!(parse(other).unwrap().effect, Effect::Unused);
        assert!(parse(b"[1,2]").is_err());
    }
}
