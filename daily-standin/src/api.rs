//! The Daily REST API under `/v1`, with Daily's documented shapes, errors and rate limits.
//! Every request is logged (without the key) and may be shaped by an injected fault first;
//! then Daily's checks run (the key, the rate limit, a JSON body) and `route` hands it to its
//! endpoint, one function each.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use tokio::sync::oneshot;

use crate::state::{unix_now_ms, CallRecord, FaultRule, RoomRecord, Shared, Standin};
use crate::{meetings, recordings, token, webhooks};

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
const RECORDING_MODES: &[&str] = &["cloud", "local", "raw-tracks"];
/// Daily's long names of meeting-token properties, and the short claim names it signs them as.
const TOKEN_CLAIMS: &[(&str, &str)] = &[
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

/// Daily's error body (`error`, and `info` when given) with a status.
pub(crate) fn daily_error(status: u16, error: &str, info: Option<String>) -> Response {
    let mut body = json!({ "error": error });
    if let Some(info) = info {
        body["info"] = json!(info);
    }
    json_response(status, body)
}

/// A JSON answer with a status.
pub(crate) fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Daily's 400 for a request it will not take, saying why.
pub(crate) fn invalid(info: String) -> Response {
    daily_error(400, "invalid-request-error", Some(info))
}

/// Daily's 404, saying what was not found.
pub(crate) fn not_found(info: String) -> Response {
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

/// A value as Daily quotes it in an error: a string as is, anything else as JSON.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A `/v1` request as it came in: what the call log records and the endpoints answer.
struct ApiRequest {
    method: Method,
    /// The path after `/v1`; `/` for the domain itself.
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    raw_body: Bytes,
    /// The body as JSON (`null` when empty), or why it is not JSON.
    body: Result<Value, String>,
}

impl ApiRequest {
    /// Reads the path after `/v1` and parses the body.
    fn new(method: Method, uri: &Uri, headers: HeaderMap, raw_body: Bytes) -> Self {
        let path = match uri.path().strip_prefix("/v1").unwrap_or("/") {
            "" => "/".to_owned(),
            p => p.to_owned(),
        };
        let body = if raw_body.is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_slice(&raw_body).map_err(|e| e.to_string())
        };
        Self {
            method,
            path,
            query: uri.query().map(str::to_owned),
            headers,
            raw_body,
            body,
        }
    }

    /// What the Authorization header holds: `ok` for `Bearer <api_key>`, `invalid` for
    /// another key, `missing` when there is no header of that form.
    fn auth(&self, api_key: &str) -> &'static str {
        match self
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            None => "missing",
            Some(key) if key == api_key => "ok",
            Some(_) => "invalid",
        }
    }

    /// The call log's entry for this request, as of now (the log sets its `seq`). The body is
    /// its JSON, or its text when it is not JSON.
    fn call_record(&self, auth: &'static str, fault: Option<&FaultRule>) -> CallRecord {
        CallRecord {
            seq: 0,
            at_ms: unix_now_ms(),
            method: self.method.to_string(),
            path: self.path.clone(),
            query: self.query.clone(),
            auth,
            content_type: self
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: self.body.clone().unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(&self.raw_body).into_owned())
            }),
            status: None,
            fault: fault.map(FaultRule::describe),
        }
    }

    /// The path's non-empty segments: `/rooms/abc/` is `["rooms", "abc"]`.
    fn segments(&self) -> Vec<&str> {
        self.path
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// Entry point of every `/v1` request: logs it, waits while a `hold` fault keeps it, lets a
/// fault answer or go on to the normal handling, and records the status answered.
pub async fn dispatch(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = ApiRequest::new(method, &uri, headers, body);
    let logged = log_call(&shared, &request);
    if let Some(released) = logged.held {
        // Released (or the stand-in reset): go on either way.
        let _ = released.await;
    }
    let faulted = match &logged.fault {
        Some(fault) => apply_fault(fault).await,
        None => None,
    };
    let response = match faulted {
        Some(response) => response,
        None => handle(&shared, &request, logged.auth).await,
    };
    shared
        .lock()
        .unwrap()
        .record_status(logged.seq, response.status().as_u16());
    response
}

/// What logging a call decided: its `seq`, what its Authorization header held, the fault that
/// applies to it, and for a `hold` fault what to wait on.
struct LoggedCall {
    seq: u64,
    auth: &'static str,
    fault: Option<FaultRule>,
    held: Option<oneshot::Receiver<()>>,
}

/// Logs a call and takes the fault that applies to it, under one lock.
fn log_call(shared: &Shared, request: &ApiRequest) -> LoggedCall {
    let mut s = shared.lock().unwrap();
    let auth = request.auth(&s.api_key);
    let fault = s.take_fault(request.method.as_str(), &request.path);
    let seq = s.record_call(request.call_record(auth, fault.as_ref()));
    // Registered with the call, under the same lock: a request a test sees pending in the
    // call log is one the next release lets go.
    let held = fault.as_ref().filter(|f| f.hold).map(|_| s.hold());
    LoggedCall {
        seq,
        auth,
        fault,
        held,
    }
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

/// The normal answer to a call: Daily's checks in Daily's order (the key, the rate limit, a
/// JSON body), then the endpoint. Creating or changing a webhook waits for its ping, outside
/// the lock; every other endpoint answers at once.
async fn handle(shared: &Shared, request: &ApiRequest, auth: &str) -> Response {
    let body = match checks(shared, request, auth) {
        Ok(body) => body,
        Err(rejection) => return *rejection,
    };
    let segments = request.segments();
    match (&request.method, segments.as_slice()) {
        (&Method::POST, ["webhooks"]) => webhooks::create(shared, &body).await,
        (&Method::POST, ["webhooks", uuid]) => webhooks::update(shared, uuid, &body).await,
        _ => route(&mut shared.lock().unwrap(), request, &segments, &body),
    }
}

/// Daily's checks before any endpoint: the key, the rate limit, a JSON body (`{}` when there
/// is none).
fn checks(shared: &Shared, request: &ApiRequest, auth: &str) -> Result<Value, Box<Response>> {
    if let Some(rejection) = auth_rejection(auth) {
        return Err(Box::new(rejection));
    }
    let segments = request.segments();
    let mut s = shared.lock().unwrap();
    if let Some(rejection) = rate_limit_rejection(&mut s, &request.method, &segments) {
        return Err(Box::new(rejection));
    }
    match &request.body {
        Ok(Value::Null) => Ok(Value::Object(Map::new())),
        Ok(v) => Ok(v.clone()),
        Err(e) => Err(Box::new(daily_error(
            400,
            "json-parsing-error",
            Some(e.clone()),
        ))),
    }
}

/// Daily's answer to a call without the right key: 400 when the Authorization header is
/// missing or not `Bearer <key>`, 401 for another key; `None` when the key is right.
fn auth_rejection(auth: &str) -> Option<Response> {
    match auth {
        "missing" => Some(daily_error(
            400,
            "authorization-header-error",
            Some("Authorization header missing or not of the form 'Bearer <api key>'".into()),
        )),
        "invalid" => Some(daily_error(401, "authentication-error", None)),
        _ => None,
    }
}

/// Daily's 429 when rate limits are on and a call is over them; `None` when it is counted and
/// may go on. `DELETE /rooms/:name` and `GET /recordings…` have the slow limits.
fn rate_limit_rejection(s: &mut Standin, method: &Method, segments: &[&str]) -> Option<Response> {
    let slow = matches!((method, segments), (&Method::DELETE, ["rooms", _]))
        || matches!(
            (method, segments.first()),
            (&Method::GET, Some(&"recordings"))
        );
    let over = s.rate_limit_enabled && !s.rate_limits.admit(slow);
    over.then(|| {
        daily_error(
            429,
            "rate-limit-error",
            Some("too many requests, retry with exponential backoff".into()),
        )
    })
}

/// The endpoint for a call's method and path segments; `body` is a JSON value (`{}` when the
/// request had none).
fn route(s: &mut Standin, request: &ApiRequest, segments: &[&str], body: &Value) -> Response {
    let now = s.now();
    let query: HashMap<String, String> = request
        .query
        .as_deref()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    match (&request.method, segments) {
        (&Method::GET, []) => domain_config(s),
        (&Method::GET, ["rooms"]) => list_rooms(s, now),
        (&Method::POST, ["rooms"]) => create_room(s, body, now),
        (&Method::GET, ["rooms", name]) => get_room(s, name, now),
        (&Method::POST, ["rooms", name]) => update_room(s, name, body, now),
        (&Method::DELETE, ["rooms", name]) => delete_room(s, name, now),
        (&Method::POST, ["meeting-tokens"]) => meeting_token(s, body, now),
        (&Method::GET, ["recordings"]) => recordings::list(s, &query),
        (&Method::GET, ["recordings", id]) => recordings::get(s, id),
        (&Method::DELETE, ["recordings", id]) => recordings::delete(s, id),
        (&Method::GET, ["recordings", id, "access-link"]) => recordings::access_link(s, id, &query),
        (&Method::GET, ["meetings"]) => meetings::list(s, query.get("room").map(String::as_str)),
        (&Method::GET, ["webhooks"]) => webhooks::list(s),
        (&Method::GET, ["webhooks", uuid]) => webhooks::get(s, uuid),
        (&Method::DELETE, ["webhooks", uuid]) => webhooks::delete(s, uuid),
        (method, _) => not_found(format!("no endpoint {method} /v1{}", request.path)),
    }
}

/// `GET /`: the domain's name and id, with an empty config.
fn domain_config(s: &Standin) -> Response {
    json_response(
        200,
        json!({ "domain_name": s.domain_name, "domain_id": s.domain_id, "config": {} }),
    )
}

/// `GET /rooms`: every live room, by name.
fn list_rooms(s: &Standin, now: i64) -> Response {
    let data: Vec<Value> = s
        .rooms
        .values()
        .filter(|r| !r.expired(now))
        .map(|r| r.to_json(&s.origin))
        .collect();
    json_response(200, json!({ "total_count": data.len(), "data": data }))
}

/// `POST /rooms`: creates the room the body describes, or answers Daily's 400 saying what is
/// wrong with it (or that a live room has its name).
fn create_room(s: &mut Standin, body: &Value, now: i64) -> Response {
    match new_room(s, body, now) {
        Ok(room) => {
            let answer = room.to_json(&s.origin);
            s.rooms.insert(room.name.clone(), room);
            json_response(200, answer)
        }
        Err(info) => invalid(info),
    }
}

/// The room a `POST /rooms` body describes, checked in Daily's order: the name (a random one
/// when none is given), the privacy (`public` by default), the properties, a free name.
fn new_room(s: &mut Standin, body: &Value, now: i64) -> Result<RoomRecord, String> {
    let obj = body.as_object().ok_or("body must be a JSON object")?;
    let name = new_room_name(s, obj.get("name"))?;
    let privacy = validate_privacy(obj.get("privacy"))?.unwrap_or("public");
    let config = validate_properties(obj.get("properties"), now)?;
    if s.live_room(&name, now).is_some() {
        return Err(format!("a room named {name} already exists"));
    }
    Ok(RoomRecord {
        id: s.uuid(),
        name,
        privacy: privacy.to_owned(),
        created_at: iso(Utc::now()),
        config,
    })
}

/// The name of a room to create: the one given if Daily would take it, else a random one
/// when none is given.
fn new_room_name(s: &mut Standin, given: Option<&Value>) -> Result<String, String> {
    let name = match given {
        None | Some(Value::Null) => s.random_name(),
        Some(Value::String(n)) => n.clone(),
        Some(other) => {
            return Err(format!(
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
        return Err(format!(
            "{name} contains invalid characters (room names can contain A-Z, a-z, 0-9, '-', and '_')"
        ));
    }
    if name.len() > 128 {
        return Err(format!(
            "{name} is too long (room names can be at most 128 characters)"
        ));
    }
    Ok(name)
}

/// `GET /rooms/:name`: a live room, or 404.
fn get_room(s: &Standin, name: &str, now: i64) -> Response {
    match s.live_room(name, now) {
        Some(room) => json_response(200, room.to_json(&s.origin)),
        None => not_found(format!("room {name} not found")),
    }
}

/// `POST /rooms/:name`: sets the privacy and merges the properties the body gives into a live
/// room's config; 400 for a wrong body (checked first), 404 for a room that is not live.
fn update_room(s: &mut Standin, name: &str, body: &Value, now: i64) -> Response {
    let (privacy, props) = match room_changes(body, now) {
        Ok(changes) => changes,
        Err(info) => return invalid(info),
    };
    let Some(room) = s.rooms.get_mut(name).filter(|r| !r.expired(now)) else {
        return not_found(format!("room {name} not found"));
    };
    if let Some(p) = privacy {
        room.privacy = p.to_owned();
    }
    room.config.extend(props);
    json_response(200, room.to_json(&s.origin))
}

/// What a `POST /rooms/:name` body changes: the privacy, if given, and the properties.
fn room_changes(body: &Value, now: i64) -> Result<(Option<&str>, Map<String, Value>), String> {
    let obj = body.as_object().ok_or("body must be a JSON object")?;
    let privacy = validate_privacy(obj.get("privacy"))?;
    let props = validate_properties(obj.get("properties"), now)?;
    Ok((privacy, props))
}

/// `DELETE /rooms/:name`: removes a room. An expired one goes too, with Daily's 404 that also
/// says `deleted`; an unknown one is a plain 404.
fn delete_room(s: &mut Standin, name: &str, now: i64) -> Response {
    match s.rooms.remove(name) {
        Some(room) if !room.expired(now) => {
            json_response(200, json!({ "deleted": true, "name": name }))
        }
        Some(_) => json_response(
            404,
            json!({ "error": "not-found", "info": format!("room {name} not found"), "deleted": true }),
        ),
        None => not_found(format!("room {name} not found")),
    }
}

/// An instant as Daily writes `created_at`: RFC 3339 in UTC with milliseconds.
fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Now, as Daily writes `created_at`.
pub(crate) fn iso_now() -> String {
    iso(Utc::now())
}

/// A room's `privacy`, if given: `public` or `private`.
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

/// A room's `properties`, each checked; none when not given.
fn validate_properties(value: Option<&Value>, now: i64) -> Result<Map<String, Value>, String> {
    let props = match value {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(map)) => map,
        Some(_) => return Err("properties should be an object".into()),
    };
    for (key, v) in props {
        validate_property(key, v, now)?;
    }
    Ok(props.clone())
}

/// Checks one room property: a name Daily knows, with a value of the type (and range) Daily
/// takes for it.
fn validate_property(k: &str, v: &Value, now: i64) -> Result<(), String> {
    if BOOL_ROOM_PROPS.contains(&k) {
        expect_bool(k, v)
    } else if INT_ROOM_PROPS.contains(&k) {
        validate_int_property(k, v, now)
    } else if k == "lang" {
        expect_one_of(k, v, LANGS)
    } else if k == "enable_recording" {
        expect_one_of(k, v, RECORDING_MODES)
    } else if OTHER_ROOM_PROPS.contains(&k) {
        Ok(())
    } else {
        Err(format!("{k} is not a valid room property"))
    }
}

/// Checks an integer room property: `nbf` and `exp` are epoch seconds, `exp` in the future,
/// `max_participants` from 1 to 100000.
fn validate_int_property(k: &str, v: &Value, now: i64) -> Result<(), String> {
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
    Ok(())
}

/// Checks that a property is a boolean.
fn expect_bool(k: &str, v: &Value) -> Result<(), String> {
    if v.is_boolean() {
        Ok(())
    } else {
        Err(format!("{k} was '{}' but should be a boolean", shown(v)))
    }
}

/// Checks that a property is one of the strings `allowed`.
fn expect_one_of(k: &str, v: &Value, allowed: &[&str]) -> Result<(), String> {
    if v.as_str().is_some_and(|x| allowed.contains(&x)) {
        Ok(())
    } else {
        Err(format!(
            "{k} was '{}' but should be one of {}",
            shown(v),
            allowed.join(", ")
        ))
    }
}

/// `POST /meeting-tokens`: validates up front (unlike a self-signed token) and signs with the
/// key, using Daily's short claim names.
fn meeting_token(s: &Standin, body: &Value, now: i64) -> Response {
    let claims = match token_claims(body, &s.domain_id, now) {
        Ok(claims) => claims,
        Err(info) => return invalid(info),
    };
    match token::sign(&s.api_key, &claims) {
        Ok(token) => json_response(200, json!({ "token": token })),
        Err(e) => daily_error(500, "server-error", Some(format!("cannot sign: {e}"))),
    }
}

/// The claims of the token a `POST /meeting-tokens` body asks for: each property checked and
/// under its short name, then the domain id (`d`) and the time of issue (`iat`).
fn token_claims(body: &Value, domain_id: &str, now: i64) -> Result<Map<String, Value>, String> {
    let props = body
        .get("properties")
        .and_then(Value::as_object)
        .ok_or("properties should be an object")?;
    let mut claims = Map::new();
    for (long, v) in props {
        let Some((_, short)) = TOKEN_CLAIMS.iter().find(|(l, _)| l == long) else {
            return Err(format!("{long} is not a valid meeting token property"));
        };
        check_token_property(long, v, now)?;
        claims.insert((*short).to_owned(), v.clone());
    }
    claims.insert("d".into(), json!(domain_id));
    claims.insert("iat".into(), json!(now));
    Ok(claims)
}

/// Checks the value of one meeting-token property, as Daily does when it makes the token.
fn check_token_property(long: &str, v: &Value, now: i64) -> Result<(), String> {
    match long {
        "nbf" | "exp" | "eject_after_elapsed" if v.as_i64().is_none() => Err(format!(
            "{long} was '{}' but should be a number of seconds since the unix epoch",
            shown(v)
        )),
        "exp" if v.as_i64().is_some_and(|e| e <= now) => Err(format!(
            "exp was '{}', which is in the past rather than in the future",
            shown(v)
        )),
        "user_id" if v.as_str().is_none_or(|u| u.chars().count() > 36) => {
            Err("user_id should be a string of at most 36 characters".into())
        }
        "is_owner" | "eject_at_token_exp" | "enable_screenshare" => expect_bool(long, v),
        _ => Ok(()),
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
