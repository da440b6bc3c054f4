//! The Daily REST API under `/v1`, with Daily's documented shapes, errors and rate limits.
//! Every request is logged (without the key) and may be shaped by an injected fault first.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::state::{unix_now_ms, CallRecord, FaultRule, RoomRecord, Shared};
use crate::token;

const LANGS: &[&str] = &[
    "da", "de", "en", "es", "fi", "fr", "it", "jp", "ka", "nl", "no", "pt", "pt-BR", "pl", "ru",
    "sv", "tr", "user",
];
const BOOL_ROOM_PROPS: &[&str] = &[
    "enable_screenshare",
    "enable_chat",
    "enable_prejoin_ui",
    "enable_knocking",
    "start_video_off",
    "start_audio_off",
    "owner_only_broadcast",
    "eject_at_room_exp",
    "enable_people_ui",
    "enable_pip_ui",
    "enable_emoji_reactions",
    "enable_hand_raising",
    "enable_network_ui",
    "enable_noise_cancellation_ui",
    "enable_video_processing_ui",
    "enable_advanced_chat",
    "enable_live_captions_ui",
    "enable_breakout_rooms",
    "enforce_unique_user_ids",
    "enable_hidden_participants",
    "enable_transcription_storage",
];
const INT_ROOM_PROPS: &[&str] = &["nbf", "exp", "max_participants", "eject_after_elapsed"];
const OTHER_ROOM_PROPS: &[&str] = &[
    "enable_recording",
    "lang",
    "geo",
    "meeting_join_hook",
    "sfu_switchover",
    "recordings_bucket",
    "permissions",
];

fn daily_error(status: u16, error: &str, info: Option<String>) -> Response {
    let mut body = json!({ "error": error });
    if let Some(info) = info {
        body["info"] = json!(info);
    }
    json_response(status, body)
}

fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn invalid(info: String) -> Response {
    daily_error(400, "invalid-request-error", Some(info))
}

fn not_found(info: String) -> Response {
    daily_error(404, "not-found", Some(info))
}

/// What Daily answers for an error status, when a fault gives no body of its own.
fn default_error_body(status: u16) -> Value {
    let error = match status {
        400 => "invalid-request-error",
        401 => "authentication-error",
        403 => "forbidden-error",
        404 => "not-found",
        429 => "rate-limit-error",
        _ => "server-error",
    };
    json!({ "error": error, "info": format!("injected fault (HTTP {status})") })
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Entry point of every `/v1` request.
pub async fn dispatch(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = match uri.path().strip_prefix("/v1").unwrap_or("/") {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    let query = uri.query().map(str::to_owned);
    let parsed: Result<Value, String> = if body.is_empty() {
        Ok(Value::Null)
    } else {
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    };

    let (seq, fault, auth, held) = {
        let mut s = shared.lock().unwrap();
        let auth = match headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            None => "missing",
            Some(key) if key == s.api_key => "ok",
            Some(_) => "invalid",
        };
        let fault = s.take_fault(method.as_str(), &path);
        let seq = s.record_call(CallRecord {
            seq: 0,
            at_ms: unix_now_ms(),
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            auth,
            content_type: headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: parsed
                .clone()
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned())),
            status: None,
            fault: fault.as_ref().map(FaultRule::describe),
        });
        // Registered with the call, under the same lock: a request a test sees pending in the
        // call log is one the next release lets go.
        let held = fault.as_ref().filter(|f| f.hold).map(|_| s.hold());
        (seq, fault, auth, held)
    };
    if let Some(released) = held {
        // Released (or the stand-in reset): go on either way.
        let _ = released.await;
    }

    let response = match fault {
        Some(fault) => match apply_fault(&fault).await {
            Some(response) => response,
            None => handle(&shared, &method, &path, query.as_deref(), auth, parsed),
        },
        None => handle(&shared, &method, &path, query.as_deref(), auth, parsed),
    };
    shared
        .lock()
        .unwrap()
        .record_status(seq, response.status().as_u16());
    response
}

/// Applies a fault (after its hold, if any): `Some(answer)` replaces the normal handling,
/// `None` continues with it.
async fn apply_fault(fault: &FaultRule) -> Option<Response> {
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if fault.hang {
        tokio::time::sleep(Duration::from_secs(600)).await;
        return Some(daily_error(504, "server-error", Some("hung".into())));
    }
    if fault.malformed {
        return Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"id":"d61cd7b2","name":"#,
            )
                .into_response(),
        );
    }
    if let Some(location) = &fault.redirect {
        return Some(
            (
                StatusCode::FOUND,
                [(header::LOCATION, location.as_str())],
                "",
            )
                .into_response(),
        );
    }
    let status = fault.status?;
    Some(match &fault.body {
        Some(body) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, "application/json")],
            body.clone(),
        )
            .into_response(),
        None => json_response(status, default_error_body(status)),
    })
}

fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    auth: &str,
    body: Result<Value, String>,
) -> Response {
    match auth {
        "missing" => {
            return daily_error(
                400,
                "authorization-header-error",
                Some("Authorization header missing or not of the form 'Bearer <api key>'".into()),
            )
        }
        "invalid" => return daily_error(401, "authentication-error", None),
        _ => {}
    }
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let slow = matches!(
        (method, segments.as_slice()),
        (&Method::DELETE, ["rooms", _])
    ) || matches!(
        (method, segments.first()),
        (&Method::GET, Some(&"recordings"))
    );
    let mut s = shared.lock().unwrap();
    if s.rate_limit_enabled && !s.rate_limits.admit(slow) {
        return daily_error(
            429,
            "rate-limit-error",
            Some("too many requests, retry with exponential backoff".into()),
        );
    }
    let body = match body {
        Ok(Value::Null) => Value::Object(Map::new()),
        Ok(v) => v,
        Err(e) => return daily_error(400, "json-parsing-error", Some(e)),
    };
    let now = s.now();
    let origin = s.origin.clone();
    match (method.clone(), segments.as_slice()) {
        (Method::GET, []) => json_response(
            200,
            json!({ "domain_name": s.domain_name, "domain_id": s.domain_id, "config": {} }),
        ),
        (Method::GET, ["rooms"]) => {
            let data: Vec<Value> = s
                .rooms
                .values()
                .filter(|r| !r.expired(now))
                .map(|r| r.to_json(&origin))
                .collect();
            json_response(200, json!({ "total_count": data.len(), "data": data }))
        }
        (Method::POST, ["rooms"]) => {
            let Some(obj) = body.as_object() else {
                return invalid("body must be a JSON object".into());
            };
            let name = match obj.get("name") {
                None | Some(Value::Null) => s.random_name(),
                Some(Value::String(n)) => n.clone(),
                Some(other) => {
                    return invalid(format!(
                        "name was '{}' but should be a string",
                        shown(other)
                    ))
                }
            };
            if name.is_empty()
                || name
                    .bytes()
                    .any(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            {
                return invalid(format!(
                    "{name} contains invalid characters (room names can contain A-Z, a-z, 0-9, '-', and '_')"
                ));
            }
            if name.len() > 128 {
                return invalid(format!(
                    "{name} is too long (room names can be at most 128 characters)"
                ));
            }
            let privacy = match validate_privacy(obj.get("privacy")) {
                Ok(p) => p.unwrap_or("public").to_owned(),
                Err(info) => return invalid(info),
            };
            let config = match validate_properties(obj.get("properties"), now) {
                Ok(c) => c,
                Err(info) => return invalid(info),
            };
            if s.live_room(&name, now).is_some() {
                return invalid(format!("a room named {name} already exists"));
            }
            let room = RoomRecord {
                id: s.uuid(),
                name: name.clone(),
                privacy,
                created_at: iso(Utc::now()),
                config,
            };
            let answer = room.to_json(&origin);
            s.rooms.insert(name, room);
            json_response(200, answer)
        }
        (Method::GET, ["rooms", name]) => match s.live_room(name, now) {
            Some(room) => json_response(200, room.to_json(&origin)),
            None => not_found(format!("room {name} not found")),
        },
        (Method::POST, ["rooms", name]) => {
            let Some(obj) = body.as_object() else {
                return invalid("body must be a JSON object".into());
            };
            let privacy = match validate_privacy(obj.get("privacy")) {
                Ok(p) => p.map(str::to_owned),
                Err(info) => return invalid(info),
            };
            let props = match validate_properties(obj.get("properties"), now) {
                Ok(c) => c,
                Err(info) => return invalid(info),
            };
            if s.live_room(name, now).is_none() {
                return not_found(format!("room {name} not found"));
            }
            let room = s.rooms.get_mut(*name).expect("checked above");
            if let Some(p) = privacy {
                room.privacy = p;
            }
            room.config.extend(props);
            json_response(200, room.to_json(&origin))
        }
        (Method::DELETE, ["rooms", name]) => match s.rooms.remove(*name) {
            Some(room) if !room.expired(now) => {
                json_response(200, json!({ "deleted": true, "name": name }))
            }
            Some(_) => json_response(
                404,
                json!({ "error": "not-found", "info": format!("room {name} not found"), "deleted": true }),
            ),
            None => not_found(format!("room {name} not found")),
        },
        (Method::POST, ["meeting-tokens"]) => {
            let key = s.api_key.clone();
            let domain_id = s.domain_id.clone();
            meeting_token(&body, &key, &domain_id, now)
        }
        (Method::GET, ["recordings"]) => {
            let _room =
                query.and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("room_name=")));
            json_response(200, json!({ "total_count": 0, "data": [] }))
        }
        (Method::GET, ["recordings", id]) => not_found(format!("recording {id} not found")),
        _ => not_found(format!("no endpoint {method} /v1{path}")),
    }
}

/// An instant as Daily writes `created_at`: RFC 3339 in UTC with milliseconds.
fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn validate_privacy(value: Option<&Value>) -> Result<Option<&str>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(p)) if p == "public" || p == "private" => Ok(Some(p.as_str())),
        Some(other) => Err(format!(
            "privacy was '{}' but should be one of public, private",
            shown(other)
        )),
    }
}

fn validate_properties(value: Option<&Value>, now: i64) -> Result<Map<String, Value>, String> {
    let props = match value {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(map)) => map,
        Some(_) => return Err("properties should be an object".into()),
    };
    for (key, v) in props {
        let k = key.as_str();
        if BOOL_ROOM_PROPS.contains(&k) {
            if !v.is_boolean() {
                return Err(format!("{k} was '{}' but should be a boolean", shown(v)));
            }
        } else if INT_ROOM_PROPS.contains(&k) {
            let Some(n) = v.as_i64() else {
                let what = if k == "nbf" || k == "exp" {
                    "a number of seconds since the unix epoch"
                } else {
                    "an integer"
                };
                return Err(format!("{k} was '{}' but should be {what}", shown(v)));
            };
            if k == "exp" && n <= now {
                return Err(format!(
                    "exp was '{n}', which is in the past rather than in the future"
                ));
            }
            if k == "max_participants" && !(1..=100_000).contains(&n) {
                return Err(format!(
                    "max_participants was '{n}' but should be between 1 and 100000"
                ));
            }
        } else if k == "lang" {
            if !v.as_str().is_some_and(|l| LANGS.contains(&l)) {
                return Err(format!(
                    "lang was '{}' but should be one of {}",
                    shown(v),
                    LANGS.join(", ")
                ));
            }
        } else if k == "enable_recording" {
            if !v
                .as_str()
                .is_some_and(|r| ["cloud", "local", "raw-tracks"].contains(&r))
            {
                return Err(format!(
                    "enable_recording was '{}' but should be one of cloud, local, raw-tracks",
                    shown(v)
                ));
            }
        } else if !OTHER_ROOM_PROPS.contains(&k) {
            return Err(format!("{k} is not a valid room property"));
        }
    }
    Ok(props.clone())
}

/// `POST /meeting-tokens`: validates up front (unlike a self-signed token) and signs with the
/// key, using Daily's short claim names.
fn meeting_token(body: &Value, key: &str, domain_id: &str, now: i64) -> Response {
    let Some(props) = body.get("properties").and_then(Value::as_object) else {
        return invalid("properties should be an object".into());
    };
    const SHORT: &[(&str, &str)] = &[
        ("room_name", "r"),
        ("nbf", "nbf"),
        ("exp", "exp"),
        ("is_owner", "o"),
        ("user_name", "u"),
        ("user_id", "ud"),
        ("eject_at_token_exp", "ejt"),
        ("eject_after_elapsed", "eje"),
        ("enable_screenshare", "ss"),
        ("start_video_off", "vo"),
        ("start_audio_off", "ao"),
        ("enable_recording", "er"),
        ("lang", "uil"),
        ("enable_prejoin_ui", "epu"),
        ("enable_recording_ui", "erui"),
        ("knocking", "k"),
        ("close_tab_on_exit", "ctoe"),
        ("redirect_on_meeting_exit", "rome"),
    ];
    let mut claims = Map::new();
    for (long, v) in props {
        let Some((_, short)) = SHORT.iter().find(|(l, _)| l == long) else {
            return invalid(format!("{long} is not a valid meeting token property"));
        };
        match long.as_str() {
            "nbf" | "exp" | "eject_after_elapsed" if v.as_i64().is_none() => {
                return invalid(format!(
                    "{long} was '{}' but should be a number of seconds since the unix epoch",
                    shown(v)
                ))
            }
            "exp" if v.as_i64().is_some_and(|e| e <= now) => {
                return invalid(format!(
                    "exp was '{}', which is in the past rather than in the future",
                    shown(v)
                ))
            }
            "user_id" if v.as_str().is_none_or(|u| u.chars().count() > 36) => {
                return invalid("user_id should be a string of at most 36 characters".into())
            }
            "is_owner" | "eject_at_token_exp" | "enable_screenshare" if !v.is_boolean() => {
                return invalid(format!("{long} was '{}' but should be a boolean", shown(v)))
            }
            _ => {}
        }
        claims.insert((*short).to_owned(), v.clone());
    }
    claims.insert("d".into(), json!(domain_id));
    claims.insert("iat".into(), json!(now));
    match token::sign(key, &claims) {
        Ok(token) => json_response(200, json!({ "token": token })),
        Err(e) => daily_error(500, "server-error", Some(format!("cannot sign: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_at_has_dailys_shape() {
        let at = DateTime::from_timestamp_millis(1_548_493_282_000).unwrap();
        assert_eq!(iso(at), "2019-01-26T09:01:22.000Z");
        let at = DateTime::from_timestamp_millis(1_795_975_923_042).unwrap();
        assert_eq!(iso(at), "2026-11-29T18:12:03.042Z");
    }
}
