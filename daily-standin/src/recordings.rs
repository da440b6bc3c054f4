//! Cloud recordings: the `/v1/recordings` endpoints, the events a recording produces
//! (`recording.started`, `recording.ready-to-download`, `recording.error`), and the signed,
//! expiring download links, which serve the recording's content (`content.rs`: a real, tiny
//! MP4, or a large generated one) with range requests, as S3 does, and obey the download
//! faults (`downloads.rs`).

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
use crate::content::{Content, ContentBody};
use crate::meetings;
use crate::state::{Shared, Standin};

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
    /// What its download links serve (not part of Daily's answers).
    #[serde(skip)]
    pub content: Content,
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

/// Stores a finished recording of `room` (id `id`, or a new one) serving `content`, and
/// answers it with its `recording.ready-to-download` payload. Its meeting is the one going on,
/// if any.
pub fn finish(
    s: &mut Standin,
    room: &str,
    id: Option<String>,
    start_ts: i64,
    duration: i64,
    content: Content,
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
        content,
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

/// `GET /__standin/recordings/{id}.mp4?expires=&sig=`: the recording's content, for a link
/// that is signed and not expired (403 otherwise, as S3 answers), of a recording that still
/// exists, unless a download fault says otherwise.
pub async fn download(
    State(shared): State<Shared>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let id = file.strip_suffix(".mp4").unwrap_or(&file);
    let mut s = shared.lock().unwrap();
    if let Some(refusal) = link_refusal(&mut s, id, &q) {
        return refusal;
    }
    let Some(content) = find(&s, id).map(|r| r.content) else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| byte_range(r, content.len()));
    content_response(&mut s, id, content, range)
}

/// S3's 403 for a link request that a download fault refuses, whose signature is wrong, or
/// whose link has expired.
fn link_refusal(s: &mut Standin, id: &str, q: &HashMap<String, String>) -> Option<Response> {
    let expired = || s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    if s.take_download_refusal().is_some() {
        return Some(expired());
    }
    let expires = q.get("expires").and_then(|e| e.parse::<i64>().ok());
    let sig = q.get("sig").map(String::as_str).unwrap_or_default();
    let Some(expires) = expires.filter(|e| link_valid(&s.link_key, id, *e, sig)) else {
        return Some(s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    };
    (s.now() >= expires).then(expired)
}

/// A `Range` header against a body of `len` bytes: `Some(Ok((first, last)))` for one
/// satisfiable range, `Some(Err(()))` for an unsatisfiable one, `None` for one this server
/// ignores (several ranges, or not bytes), which gets the whole body.
fn byte_range(header: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 {
            return Some(Err(()));
        }
        return Some(Ok((len.saturating_sub(suffix), len - 1)));
    }
    let first: u64 = first.parse().ok()?;
    let last = match last {
        "" => len - 1,
        l => l.parse::<u64>().ok()?.min(len - 1),
    };
    if first >= len || first > last {
        return Some(Err(()));
    }
    Some(Ok((first, last)))
}

/// The content, whole (200) or a part of it (206), streamed and logged as a download (and
/// cut if a download fault says so), or 416 for a range outside it.
fn content_response(
    s: &mut Standin,
    id: &str,
    content: Content,
    range: Option<Result<(u64, u64), ()>>,
) -> Response {
    let len = content.len();
    let (status, first, last) = match range {
        None => (StatusCode::OK, 0, len - 1),
        Some(Ok((first, last))) => (StatusCode::PARTIAL_CONTENT, first, last),
        Some(Err(())) => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{len}"))],
            )
                .into_response()
        }
    };
    let cut = s.take_download_cut();
    let progress = s.log_download(
        id,
        (status == StatusCode::PARTIAL_CONTENT).then_some((first, last)),
    );
    let body = ContentBody::new(content, first, last + 1, cut, progress);
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, "video/mp4".to_owned()),
            (header::ACCEPT_RANGES, "bytes".to_owned()),
            (header::CONTENT_LENGTH, (last + 1 - first).to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}.mp4\""),
            ),
        ],
        Body::new(body),
    )
        .into_response();
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {first}-{last}/{len}")
            .parse()
            .expect("ASCII");
        response.headers_mut().insert(header::CONTENT_RANGE, value);
    }
    response
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
        use crate::content::MP4;
        assert!(MP4.len() < 64 * 1024);
        assert_eq!(&MP4[4..8], b"ftyp");
    }
}
