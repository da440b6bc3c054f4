//! Test controls that make things happen at "Daily", under `/__control/` (JSON in and out).
//! Each one that produces events answers once they are delivered, with
//! `"deliveries": [{"id", "type", "status"}]` (`status` is what the receiver answered, `null`
//! when it could not be reached; an event held, dropped or not asked for is not listed):
//!
//! - `POST /rooms/{name}/join {"userId", "userName", "owner", "at"?}` → `{"sessionId",
//!   "deliveries"}`: a participant joins (`meeting.started` first in an empty room, then
//!   `participant.joined`); `at` (unix seconds) replaces the stand-in's clock.
//! - `POST /rooms/{name}/leave {"sessionId", "at"?}` → `{"deliveries"}`: `participant.left`,
//!   then `meeting.ended` when the room is empty; 404 for a session not in the room.
//! - `POST /rooms/{name}/recordings {"startTs"?, "duration"?}` → `{"recording", "deliveries"}`:
//!   a finished cloud recording (120 s by default), with `recording.started` and
//!   `recording.ready-to-download`.
//! - `POST /rooms/{name}/recording-error {}` → `{"deliveries"}`: `recording.error`.
//! - `POST /webhooks/faults {"duplicate"?: n, "hold"?: bool, "drop"?: [type]}` replaces the
//!   event faults and answers them: each event sent n times with the same id; events queued
//!   instead of sent; events of those types never sent.
//! - `POST /webhooks/release {"order"?: "sent"|"reverse"}` → `{"deliveries"}`: sends the
//!   queued events, in the order produced or the reverse.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::oneshot;

use crate::meetings::{self, Joiner};
use crate::recordings;
use crate::state::Shared;
use crate::webhooks::{Delivery, EventFaults};

fn bad_request(error: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
}

/// Reads a control body (an empty one is `{}`).
fn parse<T: for<'de> Deserialize<'de>>(body: &str) -> Result<T, Box<Response>> {
    let body = if body.trim().is_empty() { "{}" } else { body };
    serde_json::from_str(body).map_err(|e| Box::new(bad_request(format!("invalid body: {e}"))))
}

/// Waits for the deliveries of events handed to the lane.
async fn delivered(answer: Option<oneshot::Receiver<Vec<Delivery>>>) -> Vec<Delivery> {
    match answer {
        Some(answer) => answer.await.unwrap_or_default(),
        None => Vec::new(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JoinBody {
    user_id: Option<String>,
    user_name: Option<String>,
    #[serde(default)]
    owner: bool,
    at: Option<i64>,
}

/// `POST /__control/rooms/{name}/join`.
pub async fn join(
    State(shared): State<Shared>,
    Path(room): Path<String>,
    body: String,
) -> Response {
    let body: JoinBody = match parse(&body) {
        Ok(body) => body,
        Err(rejection) => return *rejection,
    };
    let (session_id, answer) = {
        let mut s = shared.lock().unwrap();
        let at = body.at.unwrap_or_else(|| s.now());
        let joiner = Joiner {
            user_id: body.user_id,
            user_name: body.user_name,
            owner: body.owner,
            will_eject_at: 0,
        };
        let (session_id, events) = meetings::join(&mut s, &room, joiner, at);
        (session_id, s.emit(events))
    };
    let deliveries = delivered(answer).await;
    Json(json!({ "sessionId": session_id, "deliveries": deliveries })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LeaveBody {
    session_id: String,
    at: Option<i64>,
}

/// `POST /__control/rooms/{name}/leave`.
pub async fn leave(
    State(shared): State<Shared>,
    Path(room): Path<String>,
    body: String,
) -> Response {
    let body: LeaveBody = match parse(&body) {
        Ok(body) => body,
        Err(rejection) => return *rejection,
    };
    let answer = {
        let mut s = shared.lock().unwrap();
        let at = body.at.unwrap_or_else(|| s.now());
        match meetings::leave(&mut s, &room, &body.session_id, at) {
            Ok(events) => s.emit(events),
            Err(error) => {
                return (StatusCode::NOT_FOUND, Json(json!({ "error": error }))).into_response()
            }
        }
    };
    Json(json!({ "deliveries": delivered(answer).await })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RecordingBody {
    start_ts: Option<i64>,
    duration: Option<i64>,
}

/// `POST /__control/rooms/{name}/recordings`.
pub async fn recording(
    State(shared): State<Shared>,
    Path(room): Path<String>,
    body: String,
) -> Response {
    let body: RecordingBody = match parse(&body) {
        Ok(body) => body,
        Err(rejection) => return *rejection,
    };
    let (recording, answer) = {
        let mut s = shared.lock().unwrap();
        let duration = body.duration.unwrap_or(120);
        let start_ts = body.start_ts.unwrap_or_else(|| s.now() - duration);
        let id = s.uuid();
        let started = recordings::started_event(&mut s, &id, start_ts, "owner");
        let (recording, ready) = recordings::finish(&mut s, &room, Some(id), start_ts, duration);
        let events = vec![
            ("recording.started", started),
            ("recording.ready-to-download", ready),
        ];
        (recording, s.emit(events))
    };
    let deliveries = delivered(answer).await;
    Json(json!({ "recording": recording, "deliveries": deliveries })).into_response()
}

/// `POST /__control/rooms/{name}/recording-error`.
pub async fn recording_error(State(shared): State<Shared>, Path(room): Path<String>) -> Response {
    let answer = {
        let mut s = shared.lock().unwrap();
        let payload = recordings::error_event(&mut s, &room);
        s.emit(vec![("recording.error", payload)])
    };
    Json(json!({ "deliveries": delivered(answer).await })).into_response()
}

/// `POST /__control/webhooks/faults`: replaces the event faults.
pub async fn faults(State(shared): State<Shared>, body: String) -> Response {
    let faults: EventFaults = match parse(&body) {
        Ok(faults) => faults,
        Err(rejection) => return *rejection,
    };
    if faults.duplicate == Some(0) {
        return bad_request("duplicate must be at least 1".into());
    }
    let mut s = shared.lock().unwrap();
    s.event_faults = faults;
    Json(json!(s.event_faults)).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseBody {
    order: Option<String>,
}

/// `POST /__control/webhooks/release`: sends the held events.
pub async fn release(State(shared): State<Shared>, body: String) -> Response {
    let body: ReleaseBody = match parse(&body) {
        Ok(body) => body,
        Err(rejection) => return *rejection,
    };
    let reverse = match body.order.as_deref() {
        None | Some("sent") => false,
        Some("reverse") => true,
        Some(other) => return bad_request(format!("order {other} is neither sent nor reverse")),
    };
    let answer = {
        let mut s = shared.lock().unwrap();
        let mut events: Vec<_> = s.held_events.drain(..).collect();
        if reverse {
            events.reverse();
        }
        s.send_batch(events)
    };
    Json(json!({ "deliveries": delivered(answer).await })).into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    #[test]
    fn an_empty_body_is_an_empty_object() {
        assert!(super::parse::<Value>("").is_ok());
        assert!(super::parse::<super::LeaveBody>("{}").is_err());
    }
}
