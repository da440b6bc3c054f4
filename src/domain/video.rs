//! The state of a reservation's Daily room, and how patiently the scheduled handler retries.

use serde::Serialize;

use super::time::Duration;
use crate::json::Field;

/// `pending`: the room must be created (or moved to the reservation's window);
/// `ready`: it exists for the current window; `deleted`: removed after a cancellation;
/// `failed`: the scheduled handler gave up (a token request still tries once more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoStatus {
    Pending,
    Ready,
    Deleted,
    Failed,
}

impl VideoStatus {
    /// The status as the database and the API spell it.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "ready" => Some(Self::Ready),
            "deleted" => Some(Self::Deleted),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

impl Field for VideoStatus {
    fn from_value(value: serde_json::Value) -> Option<Self> {
        VideoStatus::parse(value.as_str()?)
    }
}

/// The scheduled handler gives up creating a room after this many failed runs.
pub const MAX_HEAL_ATTEMPTS: i64 = 8;

/// The wait before the next scheduled attempt after `attempts` failed ones:
/// 1, 2, 4, 8… minutes, at most 30.
pub fn heal_backoff(attempts: i64) -> Duration {
    let minutes = 1i64 << attempts.clamp(1, 6).saturating_sub(1);
    Duration::minutes(minutes.min(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let minutes: Vec<i64> = (1..=8).map(|n| heal_backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(heal_backoff(0).num_minutes(), 1);
    }

    #[test]
    fn statuses_read_and_serialize_as_stored() {
        for (s, text) in [
            (VideoStatus::Pending, "pending"),
            (VideoStatus::Ready, "ready"),
            (VideoStatus::Deleted, "deleted"),
            (VideoStatus::Failed, "failed"),
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), text);
            assert_eq!(VideoStatus::parse(text), Some(s));
        }
    }
}
