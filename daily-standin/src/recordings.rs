//! Cloud recordings: the `/v1/recordings` endpoints, the events a recording produces
//! (`recording.started`, `recording.ready-to-download`, `recording.error`), and the signed,
//! expiring download links, which serve a real (tiny) MP4 with range requests, as S3 does.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::api::{json_response, not_found};
use crate::meetings;
use crate::state::{Shared, Standin};

/// The video every download link serves: 3 s, 160×90, H.264 baseline and AAC, faststart.
const MP4: &[u8] = include_bytes!("../assets/recording.mp4");

/// A recording as Daily answers it.
#[derive(Debug, Clone, Serialize)]
pub struct Recording {
    pub id: String,
    pub room_name: String,
    pub start_ts: i64,
    pub status: String,
    pub max_participants: usize,
    pub duration: i64,
    pub s3key: String,
    #[serde(rename = "mtgSessionId")]
    pub mtg_session_id: String,
    pub tracks: Option<Vec<Value>>,
}

/// A recording started from a room page.
#[derive(Debug, Clone)]
pub struct RecordingInProgress {
    pub id: String,
    pub start_ts: i64,
}

/// `recording.started`, for recording `id` started at `start_ts` by `started_by`.
pub fn started_event(s: &mut Standin, id: &str, start_ts: i64, started_by: &str) -> Value {
    json!({
        "recording_id": id,
        "action": "start-cloud-recording",
        "layout": { "preset": "default" },
        "started_by": started_by,
        "instance_id": s.uuid(),
        "start_ts": start_ts,
    })
}

/// `recording.ready-to-download` for a finished recording.
fn ready_event(r: &Recording) -> Value {
    json!({
        "type": "cloud",
        "recording_id": r.id,
        "room_name": r.room_name,
        "start_ts": r.start_ts,
        "status": r.status,
        "max_participants": r.max_participants,
        "duration": r.duration,
        "s3_key": r.s3key,
        "tracks": r.tracks,
    })
}

/// `recording.error` for `room`.
pub fn error_event(s: &mut Standin, room: &str) -> Value {
    json!({
        "action": "clourd-recording-err",
        "error_msg": "cloud recording failed",
        "instance_id": s.uuid(),
        "room_name": room,
        "timestamp": s.now(),
    })
}

/// Stores a finished recording of `room` (id `id`, or a new one) and answers it with its
/// `recording.ready-to-download` payload. Its meeting is the one going on, if any.
pub fn finish(
    s: &mut Standin,
    room: &str,
    id: Option<String>,
    start_ts: i64,
    duration: i64,
) -> (Recording, Value) {
    let (mtg_session_id, max_participants) = match meetings::ongoing(s, room) {
        Some(m) => (m.id.clone(), m.max_participants),
        None => (s.uuid(), 0),
    };
    let recording = Recording {
        id: id.unwrap_or_else(|| s.uuid()),
        room_name: room.to_owned(),
        start_ts,
        status: "finished".into(),
        max_participants,
        duration,
        s3key: format!("{}/{room}/{}", s.domain_name, start_ts * 1000),
        mtg_session_id,
        tracks: None,
    };
    let payload = ready_event(&recording);
    s.recordings.push(recording.clone());
    (recording, payload)
}

/// `GET /recordings?room_name=&limit=`: newest first, at most `limit` (100 at most).
pub fn list(s: &Standin, query: &HashMap<String, String>) -> Response {
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(100)
        .min(100);
    let room = query.get("room_name");
    let matching: Vec<&Recording> = s
        .recordings
        .iter()
        .rev()
        .filter(|r| room.is_none_or(|name| &r.room_name == name))
        .collect();
    let data: Vec<&Recording> = matching.iter().copied().take(limit).collect();
    json_response(200, json!({ "total_count": matching.len(), "data": data }))
}

fn find<'a>(s: &'a Standin, id: &str) -> Option<&'a Recording> {
    s.recordings.iter().find(|r| r.id == id)
}

/// `GET /recordings/:id`.
pub fn get(s: &Standin, id: &str) -> Response {
    match find(s, id) {
        Some(r) => json_response(200, json!(r)),
        None => not_found(format!("recording {id} not found")),
    }
}

/// `DELETE /recordings/:id`: `{deleted: true, id}`; its links stop working.
pub fn delete(s: &mut Standin, id: &str) -> Response {
    let before = s.recordings.len();
    s.recordings.retain(|r| r.id != id);
    if s.recordings.len() == before {
        return not_found(format!("recording {id} not found"));
    }
    json_response(200, json!({ "deleted": true, "id": id }))
}

/// `GET /recordings/:id/access-link?valid_for_secs=N` (3600 by default).
pub fn access_link(s: &Standin, id: &str, query: &HashMap<String, String>) -> Response {
    if find(s, id).is_none() {
        return not_found(format!("recording {id} not found"));
    }
    let valid_for = match query.get("valid_for_secs").map(|v| v.parse::<i64>()) {
        None => 3600,
        Some(Ok(secs)) if secs > 0 => secs,
        Some(_) => {
            return crate::api::invalid("valid_for_secs should be a positive integer".into())
        }
    };
    let expires = s.now() + valid_for;
    let link = format!(
        "{}/__standin/recordings/{id}.mp4?expires={expires}&sig={}",
        s.api_origin,
        link_signature(&s.link_key, id, expires)
    );
    json_response(200, json!({ "download_link": link, "expires": expires }))
}

fn link_mac(key: &[u8; 32], id: &str, expires: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("{id}.{expires}").as_bytes());
    mac
}

fn link_signature(key: &[u8; 32], id: &str, expires: i64) -> String {
    URL_SAFE_NO_PAD.encode(link_mac(key, id, expires).finalize().into_bytes())
}

/// Whether `sig` signs this id and expiry (compared in constant time).
fn link_valid(key: &[u8; 32], id: &str, expires: i64, sig: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(sig)
        .is_ok_and(|raw| link_mac(key, id, expires).verify_slice(&raw).is_ok())
}

/// S3's error body.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>{code}</Code><Message>{message}</Message></Error>"#
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

/// `GET /__standin/recordings/{id}.mp4?expires=&sig=`: the video, for a link that is signed
/// and not expired (403 otherwise, as S3 answers), of a recording that still exists.
pub async fn download(
    State(shared): State<Shared>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let id = file.strip_suffix(".mp4").unwrap_or(&file);
    let expires = q.get("expires").and_then(|e| e.parse::<i64>().ok());
    let sig = q.get("sig").map(String::as_str).unwrap_or_default();
    {
        let s = shared.lock().unwrap();
        let Some(expires) = expires.filter(|e| link_valid(&s.link_key, id, *e, sig)) else {
            return s3_error(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            );
        };
        if s.now() >= expires {
            return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
        }
        if find(&s, id).is_none() {
            return s3_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            );
        }
    }
    let range = headers
        .get(header::RANGE)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| byte_range(r, MP4.len()));
    video_response(id, range)
}

/// A `Range` header against a body of `len` bytes: `Some(Ok((first, last)))` for one
/// satisfiable range, `Some(Err(()))` for an unsatisfiable one, `None` for one this server
/// ignores (several ranges, or not bytes), which gets the whole body.
fn byte_range(header: &str, len: usize) -> Option<Result<(usize, usize), ()>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        let suffix: usize = last.parse().ok()?;
        if suffix == 0 {
            return Some(Err(()));
        }
        return Some(Ok((len.saturating_sub(suffix), len - 1)));
    }
    let first: usize = first.parse().ok()?;
    let last = match last {
        "" => len - 1,
        l => l.parse::<usize>().ok()?.min(len - 1),
    };
    if first >= len || first > last {
        return Some(Err(()));
    }
    Some(Ok((first, last)))
}

/// The video, whole (200), a part of it (206), or 416 for a range outside it.
fn video_response(id: &str, range: Option<Result<(usize, usize), ()>>) -> Response {
    let len = MP4.len();
    let disposition = format!("attachment; filename=\"{id}.mp4\"");
    let common = [
        (header::CONTENT_TYPE, "video/mp4".to_owned()),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    match range {
        None => (StatusCode::OK, common, Body::from(MP4)).into_response(),
        Some(Ok((first, last))) => (
            StatusCode::PARTIAL_CONTENT,
            common,
            [(header::CONTENT_RANGE, format!("bytes {first}-{last}/{len}"))],
            Body::from(&MP4[first..=last]),
        )
            .into_response(),
        Some(Err(())) => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, format!("bytes */{len}"))],
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_rfc_9110_reads_them() {
        assert_eq!(byte_range("bytes=0-99", 1000), Some(Ok((0, 99))));
        assert_eq!(byte_range("bytes=990-", 1000), Some(Ok((990, 999))));
        assert_eq!(byte_range("bytes=990-5000", 1000), Some(Ok((990, 999))));
        assert_eq!(byte_range("bytes=-10", 1000), Some(Ok((990, 999))));
        assert_eq!(byte_range("bytes=-5000", 1000), Some(Ok((0, 999))));
        assert_eq!(byte_range("bytes=1000-", 1000), Some(Err(())));
        assert_eq!(byte_range("bytes=5-4", 1000), Some(Err(())));
        assert_eq!(byte_range("bytes=0-1,5-6", 1000), None);
        assert_eq!(byte_range("items=0-1", 1000), None);
    }

    #[test]
    fn links_are_signed_for_their_id_and_expiry() {
        let key = [3u8; 32];
        let sig = link_signature(&key, "rec", 100);
        assert!(link_valid(&key, "rec", 100, &sig));
        assert!(!link_valid(&key, "rec", 101, &sig));
        assert!(!link_valid(&key, "other", 100, &sig));
        assert!(!link_valid(&[4u8; 32], "rec", 100, &sig));
        assert!(!link_valid(&key, "rec", 100, "nope"));
    }

    #[test]
    fn the_video_is_a_small_mp4() {
        assert!(MP4.len() < 64 * 1024);
        assert_eq!(&MP4[4..8], b"ftyp");
    }
}
