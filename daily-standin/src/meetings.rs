//! Meetings: who joined which room when, as `GET /v1/meetings` answers it, and the events a
//! join or a leave produces (`meeting.started` before the first `participant.joined`,
//! `meeting.ended` after the last `participant.left`).

use axum::response::Response;
use serde_json::{json, Value};

use crate::api::json_response;
use crate::state::Standin;

/// One participant session in a meeting (unix seconds).
#[derive(Debug, Clone)]
pub struct Participant {
    pub session_id: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub owner: bool,
    pub join_time: i64,
    pub leave_time: Option<i64>,
    pub will_eject_at: i64,
}

/// A meeting: from the first join into an empty room to the last leave.
#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: String,
    pub room: String,
    pub start_time: i64,
    pub end_time: Option<i64>,
    pub max_participants: usize,
    pub participants: Vec<Participant>,
}

/// Who joins: what their token says (or a test says).
#[derive(Debug, Clone, Default)]
pub struct Joiner {
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub owner: bool,
    pub will_eject_at: i64,
}

impl Participant {
    fn payload(&self, room: &str) -> Value {
        json!({
            "joined_at": self.join_time,
            "session_id": self.session_id,
            "room": room,
            "user_id": self.user_id,
            "user_name": self.user_name,
            "owner": self.owner,
            "networkQualityState": "unknown",
            "will_eject_at": self.will_eject_at,
            "permissions": {
                "hasPresence": true,
                "canSend": true,
                "canReceive": { "base": true },
                "canAdmin": self.owner,
            },
        })
    }

    fn is_in(&self) -> bool {
        self.leave_time.is_none()
    }
}

impl Meeting {
    fn present(&self) -> usize {
        self.participants.iter().filter(|p| p.is_in()).count()
    }

    /// The meeting as `GET /meetings` lists it; durations of what is still going on run to
    /// `now`.
    fn to_json(&self, now: i64) -> Value {
        let participants: Vec<Value> = self
            .participants
            .iter()
            .map(|p| {
                json!({
                    "user_id": p.user_id,
                    "user_name": p.user_name,
                    "participant_id": p.session_id,
                    "join_time": p.join_time,
                    "duration": p.leave_time.unwrap_or(now) - p.join_time,
                })
            })
            .collect();
        json!({
            "id": self.id,
            "room": self.room,
            "start_time": self.start_time,
            "duration": self.end_time.unwrap_or(now) - self.start_time,
            "ongoing": self.end_time.is_none(),
            "max_participants": self.max_participants,
            "participants": participants,
        })
    }
}

/// The room's meeting going on now, if any.
pub fn ongoing<'a>(s: &'a Standin, room: &str) -> Option<&'a Meeting> {
    s.meetings
        .iter()
        .find(|m| m.room == room && m.end_time.is_none())
}

/// Someone joins `room` at `at`: their session id, and the events (`meeting.started` first
/// when the room was empty).
pub fn join(
    s: &mut Standin,
    room: &str,
    joiner: Joiner,
    at: i64,
) -> (String, Vec<(&'static str, Value)>) {
    let mut events = Vec::new();
    let index = match s
        .meetings
        .iter()
        .position(|m| m.room == room && m.end_time.is_none())
    {
        Some(index) => index,
        None => {
            let meeting = Meeting {
                id: s.uuid(),
                room: room.to_owned(),
                start_time: at,
                end_time: None,
                max_participants: 0,
                participants: Vec::new(),
            };
            events.push((
                "meeting.started",
                json!({ "start_ts": at, "meeting_id": meeting.id, "room": room }),
            ));
            s.meetings.push(meeting);
            s.meetings.len() - 1
        }
    };
    let participant = Participant {
        session_id: s.uuid(),
        user_id: joiner.user_id,
        user_name: joiner.user_name,
        owner: joiner.owner,
        join_time: at,
        leave_time: None,
        will_eject_at: joiner.will_eject_at,
    };
    events.push(("participant.joined", participant.payload(room)));
    let session_id = participant.session_id.clone();
    let meeting = &mut s.meetings[index];
    meeting.participants.push(participant);
    meeting.max_participants = meeting.max_participants.max(meeting.present());
    (session_id, events)
}

/// A session leaves `room` at `at`: the events (`meeting.ended` last when the room is then
/// empty), or why it cannot.
pub fn leave(
    s: &mut Standin,
    room: &str,
    session_id: &str,
    at: i64,
) -> Result<Vec<(&'static str, Value)>, String> {
    let meeting = s
        .meetings
        .iter_mut()
        .find(|m| m.room == room && m.end_time.is_none())
        .ok_or_else(|| format!("no meeting is going on in {room}"))?;
    let participant = meeting
        .participants
        .iter_mut()
        .find(|p| p.session_id == session_id && p.is_in())
        .ok_or_else(|| format!("session {session_id} is not in {room}"))?;
    participant.leave_time = Some(at);
    let mut payload = participant.payload(room);
    payload["duration"] = json!(at - participant.join_time);
    let mut events = vec![("participant.left", payload)];
    if meeting.present() == 0 {
        meeting.end_time = Some(at);
        events.push((
            "meeting.ended",
            json!({
                "start_ts": meeting.start_time,
                "end_ts": at,
                "meeting_id": meeting.id,
                "room": room,
            }),
        ));
    }
    Ok(events)
}

/// `GET /meetings?room=…`: the meetings (of that room), newest first.
pub fn list(s: &Standin, room: Option<&str>) -> Response {
    let now = s.now();
    let data: Vec<Value> = s
        .meetings
        .iter()
        .rev()
        .filter(|m| room.is_none_or(|r| m.room == r))
        .map(|m| m.to_json(now))
        .collect();
    json_response(200, json!({ "total_count": data.len(), "data": data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joiner(name: &str) -> Joiner {
        Joiner {
            user_id: Some(name.to_lowercase()),
            user_name: Some(name.into()),
            ..Joiner::default()
        }
    }

    fn kinds(events: &[(&str, Value)]) -> Vec<String> {
        events.iter().map(|(k, _)| (*k).to_owned()).collect()
    }

    #[test]
    fn the_first_in_starts_the_meeting_and_the_last_out_ends_it() {
        let mut s = Standin::new("k".into(), "d".into(), "http://o".into(), 1);
        let (ada, events) = join(&mut s, "r", joiner("Ada"), 100);
        assert_eq!(kinds(&events), ["meeting.started", "participant.joined"]);
        let (bob, events) = join(&mut s, "r", joiner("Bob"), 110);
        assert_eq!(kinds(&events), ["participant.joined"]);
        let events = leave(&mut s, "r", &ada, 160).unwrap();
        assert_eq!(kinds(&events), ["participant.left"]);
        assert_eq!(events[0].1["duration"], 60);
        assert!(leave(&mut s, "r", &ada, 170).is_err(), "already left");
        let events = leave(&mut s, "r", &bob, 200).unwrap();
        assert_eq!(kinds(&events), ["participant.left", "meeting.ended"]);
        assert_eq!(events[1].1["start_ts"], 100);
        assert_eq!(events[1].1["end_ts"], 200);
        let meeting = &s.meetings[0];
        assert_eq!(
            (
                meeting.max_participants,
                meeting.to_json(999)["duration"].clone()
            ),
            (2, json!(100))
        );

        let (_, events) = join(&mut s, "r", joiner("Ada"), 300);
        assert_eq!(kinds(&events), ["meeting.started", "participant.joined"]);
        assert_ne!(events[0].1["meeting_id"], json!(meeting_id(&s, 0)));
    }

    fn meeting_id(s: &Standin, index: usize) -> String {
        s.meetings[index].id.clone()
    }
}
