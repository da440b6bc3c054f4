//! What a session's call amounts to, from what Daily reported (pure): whether the meeting has
//! started or ended, who attended in which role, and the newest recording.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::time::{from_unix, Instant};

/// The call's state. `live` while the latest meeting start is after the latest end, whatever
/// order the events arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    NotStarted,
    Live,
    Ended,
}

/// The call columns of a reservation row (see `db::reservations`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallReport {
    pub meeting_started_at: Option<i64>,
    pub meeting_last_start: Option<i64>,
    pub meeting_ended_at: Option<i64>,
    /// JSON text: `{"coach": {"joinedAt","leftAt","seconds"}, …}` in unix seconds.
    pub attendance: Option<String>,
    pub latest_recording_id: Option<String>,
}

/// One role's presence: first join, last leave (`None` while still in the call), seconds in
/// the call over all their connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub joined_at: Option<Instant>,
    pub left_at: Option<Instant>,
    pub seconds: i64,
}

/// Attendance per role; `None` for a role that never joined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Attendance {
    pub coach: Option<Presence>,
    pub player: Option<Presence>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredPresence {
    joined_at: Option<i64>,
    left_at: Option<i64>,
    seconds: Option<i64>,
}

impl CallReport {
    pub fn meeting_status(&self) -> MeetingStatus {
        match (self.meeting_last_start, self.meeting_ended_at) {
            (None, None) => MeetingStatus::NotStarted,
            (Some(start), Some(end)) if end >= start => MeetingStatus::Ended,
            (None, Some(_)) => MeetingStatus::Ended,
            _ => MeetingStatus::Live,
        }
    }

    pub fn attendance(&self) -> Attendance {
        let stored: BTreeMap<String, StoredPresence> = self
            .attendance
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        let presence = |role: &str| {
            stored.get(role).map(|p| Presence {
                joined_at: p.joined_at.map(from_unix),
                left_at: p.left_at.map(from_unix),
                seconds: p.seconds.unwrap_or(0),
            })
        };
        Attendance {
            coach: presence("coach"),
            player: presence("player"),
        }
    }

    /// The app's own URL of the newest finished recording not past its retention.
    pub fn recording_url(&self, reservation_id: &str) -> Option<String> {
        let id = self.latest_recording_id.as_deref()?;
        Some(recording_url(reservation_id, id))
    }
}

/// The app's stable URL of a recording: it streams the archived file, or redirects to a fresh
/// download link at Daily until the recording is archived.
pub fn recording_url(reservation_id: &str, recording_id: &str) -> String {
    format!("/reservations/{reservation_id}/recordings/{recording_id}")
}

/// The call fields of the reservation shape and of session lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    pub meeting_status: MeetingStatus,
    /// When the first meeting of the call started.
    pub meeting_started_at: Option<Instant>,
    /// When the call ended (its latest meeting), once it has.
    pub meeting_ended_at: Option<Instant>,
    pub attendance: Attendance,
    pub daily_recording_url: Option<String>,
}

impl CallView {
    pub fn of(report: &CallReport, reservation_id: &str) -> Self {
        let status = report.meeting_status();
        Self {
            meeting_status: status,
            meeting_started_at: report.meeting_started_at.map(from_unix),
            meeting_ended_at: report
                .meeting_ended_at
                .filter(|_| status == MeetingStatus::Ended)
                .map(from_unix),
            attendance: report.attendance(),
            daily_recording_url: report.recording_url(reservation_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(last_start: Option<i64>, ended: Option<i64>) -> CallReport {
        CallReport {
            meeting_last_start: last_start,
            meeting_ended_at: ended,
            ..CallReport::default()
        }
    }

    #[test]
    fn the_call_times_show_the_first_start_and_the_end_once_ended() {
        let live_again = CallReport {
            meeting_started_at: Some(10),
            ..report(Some(30), Some(20))
        };
        let view = CallView::of(&live_again, "r");
        assert_eq!(view.meeting_started_at, Some(from_unix(10)));
        assert_eq!(view.meeting_ended_at, None, "live again: no end yet");
        let ended = CallView::of(&report(Some(30), Some(40)), "r");
        assert_eq!(ended.meeting_ended_at, Some(from_unix(40)));
    }

    #[test]
    fn the_meeting_is_live_until_an_end_after_its_latest_start() {
        assert_eq!(
            report(None, None).meeting_status(),
            MeetingStatus::NotStarted
        );
        assert_eq!(report(Some(10), None).meeting_status(), MeetingStatus::Live);
        assert_eq!(
            report(Some(10), Some(20)).meeting_status(),
            MeetingStatus::Ended
        );
        // A second meeting after everyone left and came back.
        assert_eq!(
            report(Some(30), Some(20)).meeting_status(),
            MeetingStatus::Live
        );
    }

    #[test]
    fn attendance_per_role_and_the_newest_recording() {
        let r = CallReport {
            attendance: Some(
                r#"{"coach":{"joinedAt":100,"leftAt":null,"seconds":40},"player":{"joinedAt":110,"leftAt":200,"seconds":90}}"#
                    .into(),
            ),
            latest_recording_id: Some("rec-1".into()),
            ..CallReport::default()
        };
        let view = serde_json::to_value(CallView::of(&r, "res-1")).unwrap();
        assert_eq!(
            view,
            serde_json::json!({
                "meetingStatus": "not_started",
                "meetingStartedAt": null,
                "meetingEndedAt": null,
                "attendance": {
                    "coach": {"joinedAt": "1970-01-01T00:01:40Z", "leftAt": null, "seconds": 40},
                    "player": {"joinedAt": "1970-01-01T00:01:50Z", "leftAt": "1970-01-01T00:03:20Z", "seconds": 90}
                },
                "dailyRecordingUrl": "/reservations/res-1/recordings/rec-1"
            })
        );
        let empty = serde_json::to_value(CallView::of(&CallReport::default(), "x")).unwrap();
        assert_eq!(
            empty["attendance"],
            serde_json::json!({"coach": null, "player": null})
        );
    }
}
