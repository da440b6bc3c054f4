//! What a session's Daily room is (pure): its properties for a slot, the request that
//! moves it to a new window, the state the reservation records, and how patiently the
//! scheduled handler retries.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::daily::api::{CreateRoom, RoomProperties, UpdateRoom, WindowProperties};
use crate::domain::ids::RoomName;
use crate::domain::locale::Locale;
use crate::domain::time::Slot;
use crate::domain::window::{room_expiry, Role};

/// `pending`: the room must be created (or moved to the reservation's window);
/// `ready`: it exists for the current window; `deleted`: removed after a cancellation;
/// `failed`: the scheduled handler gave up (a token request still tries once more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoStatus {
    Pending,
    Ready,
    Deleted,
    Failed,
}

/// A private two-person room that closes (and ejects) 30 minutes after the session ends, in
/// the player's language.
pub fn create_request<'a>(
    name: &'a RoomName,
    slot: &Slot,
    lang: Locale,
    recording: bool,
) -> CreateRoom<'a> {
    CreateRoom {
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
            enable_recording: recording.then_some("cloud"),
        },
    }
}

/// Moves a room to a slot's window: no joining before the coach's opening (so tokens of an
/// old window stop working), closing and ejecting 30 minutes after the end.
pub fn window_update(slot: &Slot) -> UpdateRoom {
    UpdateRoom {
        properties: WindowProperties {
            nbf: (slot.start() - Role::Coach.lead_time()).timestamp(),
            exp: room_expiry(slot).timestamp(),
        },
    }
}

/// Whether a room Daily describes already has the window of `slot`.
pub fn has_window_of(room_exp: Option<i64>, slot: &Slot) -> bool {
    room_exp == Some(room_expiry(slot).timestamp())
}

/// The scheduled handler gives up creating a room after this many failed runs.
pub const MAX_HEAL_ATTEMPTS: i64 = 8;

/// The wait before the next scheduled attempt after `attempts` failed ones:
/// 1, 2, 4, 8… minutes, at most 30.
pub fn heal_backoff(attempts: i64) -> TimeDelta {
    let minutes = 1i64 << attempts.clamp(1, 6).saturating_sub(1);
    TimeDelta::minutes(minutes.min(30))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{ReservationId, RoomPrefix};
    use crate::domain::time::parse_rfc3339;
    use serde_json::json;

    fn slot() -> Slot {
        Slot::new(
            parse_rfc3339("2026-11-24T18:00:00Z").unwrap(),
            parse_rfc3339("2026-11-24T19:00:00Z").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn session_room_request_has_exactly_the_documented_shape() {
        let id = ReservationId::parse("0b9d0e4e-3c8a-4d9f-9a52-6a1f7e2b5c10").unwrap();
        let name = RoomPrefix::default().room_for(id);
        let body = serde_json::to_value(create_request(&name, &slot(), Locale::Fr, false)).unwrap();
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
    fn a_move_opens_the_room_at_the_coach_window_and_closes_it_after_the_grace() {
        let body = serde_json::to_value(window_update(&slot())).unwrap();
        assert_eq!(
            body,
            json!({"properties": {"nbf": 1_795_541_400_i64, "exp": 1_795_548_600_i64}})
        );
        assert!(has_window_of(Some(1_795_548_600), &slot()));
        assert!(!has_window_of(Some(1_795_548_000), &slot()));
        assert!(!has_window_of(None, &slot()));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let minutes: Vec<i64> = (1..=8).map(|n| heal_backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(heal_backoff(0).num_minutes(), 1);
    }

    #[test]
    fn statuses_read_and_serialize_as_stored() {
        let stored = ["pending", "ready", "deleted", "failed"];
        crate::domain::testing::assert_round_trips::<VideoStatus>(&stored);
        assert_eq!(serde_json::to_value(VideoStatus::Ready).unwrap(), "ready");
    }
}
