//! Daily's webhooks: the `/v1/webhooks` endpoints (one webhook per domain, a `{"test":"test"}`
//! ping before a create), the signed event envelope, and the delivery lane that POSTs events
//! in the order they happened, with the circuit breaker (3 consecutive failures put a
//! `circuit-breaker` webhook in the `FAILED` state). An `exponential` webhook is sent each
//! event once, without retries, and never fails. Test faults (duplicates, held and dropped
//! events) are applied when an event is produced.

use std::time::Duration;

use axum::body::Bytes;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::{mpsc, oneshot};

use crate::api::{invalid, iso_now, json_response, not_found};
use crate::state::{Shared, Standin};

/// The event types the stand-in produces, and the ones a webhook set at startup receives.
pub const EVENT_TYPES: &[&str] = &[
    "meeting.started",
    "meeting.ended",
    "participant.joined",
    "participant.left",
    "recording.started",
    "recording.ready-to-download",
    "recording.error",
];

/// Every type Daily documents (a webhook may ask for any of them).
const KNOWN_TYPES: &[&str] = &[
    "waiting-participant.joined",
    "waiting-participant.left",
    "transcript.started",
    "transcript.ready-to-download",
    "transcript.error",
    "streaming.started",
    "streaming.updated",
    "streaming.ended",
    "streaming.error",
    "batch-processor.job-finished",
    "batch-processor.error",
    "dialout.connected",
    "dialout.answered",
    "dialout.stopped",
    "dialout.warning",
    "dialout.error",
    "dialin.ready",
    "dialin.connected",
    "dialin.stopped",
    "dialin.warning",
    "dialin.error",
];

/// How long a receiver has to answer the ping or a delivery.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Consecutive failures that put a circuit-breaker webhook in the `FAILED` state.
const MAX_FAILURES: u32 = 3;

/// A webhook as Daily answers it (camelCase keys).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub uuid: String,
    pub url: String,
    pub hmac: String,
    pub basic_auth: Option<String>,
    pub retry_type: String,
    pub event_types: Vec<String>,
    pub state: String,
    pub failed_count: u32,
    pub last_moment_pushed: Option<String>,
    pub domain_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The body of `POST /webhooks` and `POST /webhooks/:uuid` (every field optional here; a
/// create checks that `url` and `eventTypes` are given).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WebhookBody {
    url: Option<String>,
    event_types: Option<Vec<String>>,
    hmac: Option<String>,
    basic_auth: Option<String>,
    retry_type: Option<String>,
}

/// Test faults on event delivery (`POST /__control/webhooks/faults`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventFaults {
    /// Deliver each event this many times, with the same id (1 when absent).
    pub duplicate: Option<u32>,
    /// Queue events instead of sending them, until a release.
    #[serde(default)]
    pub hold: bool,
    /// Never send events of these types.
    #[serde(default)]
    pub drop: Vec<String>,
}

/// One event, as it is enveloped.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub version: &'static str,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub payload: Value,
    pub event_ts: f64,
}

/// What happened to one POST of an event: `status` is the receiver's, `None` when it could
/// not be reached (or did not answer in time).
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: Option<u16>,
}

/// Events to deliver in order, and who waits for the outcome.
pub struct Batch {
    events: Vec<Event>,
    reply: oneshot::Sender<Vec<Delivery>>,
}

/// The signature Daily puts in `X-Webhook-Signature`: base64 (with padding) of the
/// HMAC-SHA256, keyed with the base64-decoded secret, of `timestamp.body`.
pub fn signature(secret_base64: &str, timestamp: &str, body: &[u8]) -> Result<String, String> {
    let key = BASE64
        .decode(secret_base64)
        .map_err(|e| format!("hmac is not base64: {e}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(BASE64.encode(mac.finalize().into_bytes()))
}

/// A webhook as created at startup (`--webhook-url`, `--webhook-secret`), without the ping,
/// for every event type the stand-in produces.
pub fn startup_webhook(s: &mut Standin, url: String, secret: String) -> Result<(), String> {
    BASE64
        .decode(&secret)
        .map_err(|e| format!("the webhook secret must be base64: {e}"))?;
    let body = WebhookBody {
        url: Some(url),
        event_types: Some(EVENT_TYPES.iter().map(|t| (*t).to_owned()).collect()),
        hmac: Some(secret),
        ..WebhookBody::default()
    };
    let hook = new_webhook(s, body)?;
    s.webhooks.push(hook);
    Ok(())
}

/// Reads a webhook body, checking each field given.
fn parse_body(body: &Value) -> Result<WebhookBody, String> {
    let parsed: WebhookBody =
        serde_json::from_value(body.clone()).map_err(|e| format!("invalid webhook: {e}"))?;
    if let Some(url) = &parsed.url {
        let uri: hyper::Uri = url.parse().map_err(|_| format!("url {url} is not a URL"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(format!("url {url} is not an http(s) URL"));
        }
    }
    if let Some(types) = &parsed.event_types {
        if types.is_empty() {
            return Err("eventTypes must not be empty".into());
        }
        if let Some(bad) = types.iter().find(|t| !is_known_type(t)) {
            return Err(format!("{bad} is not a valid event type"));
        }
    }
    if let Some(hmac) = &parsed.hmac {
        BASE64
            .decode(hmac)
            .map_err(|_| "hmac should be a base64 string".to_owned())?;
    }
    if let Some(retry) = &parsed.retry_type {
        if retry != "circuit-breaker" && retry != "exponential" {
            return Err(format!(
                "retryType was '{retry}' but should be one of circuit-breaker, exponential"
            ));
        }
    }
    Ok(parsed)
}

fn is_known_type(t: &str) -> bool {
    EVENT_TYPES.contains(&t) || KNOWN_TYPES.contains(&t)
}

/// A new webhook from a checked body: the secret given, or 32 random bytes of the seeded
/// stream.
fn new_webhook(s: &mut Standin, body: WebhookBody) -> Result<Webhook, String> {
    let url = body.url.ok_or("url is required")?;
    let event_types = body.event_types.ok_or("eventTypes is required")?;
    let hmac = match body.hmac {
        Some(hmac) => hmac,
        None => BASE64.encode(s.random_bytes()),
    };
    let now = iso_now();
    Ok(Webhook {
        uuid: s.uuid(),
        url,
        hmac,
        basic_auth: body.basic_auth,
        retry_type: body
            .retry_type
            .unwrap_or_else(|| "circuit-breaker".to_owned()),
        event_types,
        state: "ACTIVE".into(),
        failed_count: 0,
        last_moment_pushed: None,
        domain_id: s.domain_id.clone(),
        created_at: now.clone(),
        updated_at: now,
    })
}

const ONE_PER_DOMAIN: &str = "a domain may only have one webhook";

/// `POST /webhooks`: pings the url, then stores the webhook; 400 for a bad body, a second
/// webhook, or a url that does not answer the ping with 200 in time.
pub async fn create(shared: &Shared, body: &Value) -> Response {
    let parsed = match parse_body(body) {
        Ok(parsed) if parsed.url.is_some() && parsed.event_types.is_some() => parsed,
        Ok(_) => return invalid("url and eventTypes are required".into()),
        Err(info) => return invalid(info),
    };
    if !shared.lock().unwrap().webhooks.is_empty() {
        return invalid(ONE_PER_DOMAIN.into());
    }
    if let Err(info) = ping(parsed.url.as_deref().unwrap_or_default()).await {
        return invalid(info);
    }
    let mut s = shared.lock().unwrap();
    if !s.webhooks.is_empty() {
        return invalid(ONE_PER_DOMAIN.into());
    }
    match new_webhook(&mut s, parsed) {
        Ok(hook) => {
            let answer = json!(hook);
            s.webhooks.push(hook);
            json_response(200, answer)
        }
        Err(info) => invalid(info),
    }
}

/// `POST /webhooks/:uuid`: changes what the body gives (a new url is pinged first) and
/// re-activates the webhook, resetting its failure count.
pub async fn update(shared: &Shared, uuid: &str, body: &Value) -> Response {
    let parsed = match parse_body(body) {
        Ok(parsed) => parsed,
        Err(info) => return invalid(info),
    };
    if find(&shared.lock().unwrap(), uuid).is_none() {
        return not_found(format!("webhook {uuid} not found"));
    }
    if let Some(url) = &parsed.url {
        if let Err(info) = ping(url).await {
            return invalid(info);
        }
    }
    let mut s = shared.lock().unwrap();
    let Some(hook) = s.webhooks.iter_mut().find(|h| h.uuid == uuid) else {
        return not_found(format!("webhook {uuid} not found"));
    };
    apply_update(hook, parsed);
    json_response(200, json!(hook))
}

fn apply_update(hook: &mut Webhook, body: WebhookBody) {
    if let Some(url) = body.url {
        hook.url = url;
    }
    if let Some(types) = body.event_types {
        hook.event_types = types;
    }
    if let Some(hmac) = body.hmac {
        hook.hmac = hmac;
    }
    if let Some(basic_auth) = body.basic_auth {
        hook.basic_auth = Some(basic_auth);
    }
    if let Some(retry) = body.retry_type {
        hook.retry_type = retry;
    }
    hook.state = "ACTIVE".into();
    hook.failed_count = 0;
    hook.updated_at = iso_now();
}

fn find<'a>(s: &'a Standin, uuid: &str) -> Option<&'a Webhook> {
    s.webhooks.iter().find(|h| h.uuid == uuid)
}

/// `GET /webhooks`: an array (of at most one).
pub fn list(s: &Standin) -> Response {
    json_response(200, json!(s.webhooks))
}

/// `GET /webhooks/:uuid`.
pub fn get(s: &Standin, uuid: &str) -> Response {
    match find(s, uuid) {
        Some(hook) => json_response(200, json!(hook)),
        None => not_found(format!("webhook {uuid} not found")),
    }
}

/// `DELETE /webhooks/:uuid`: `{"deleted": true, "uuid": …}`.
pub fn delete(s: &mut Standin, uuid: &str) -> Response {
    let before = s.webhooks.len();
    s.webhooks.retain(|h| h.uuid != uuid);
    if s.webhooks.len() == before {
        return not_found(format!("webhook {uuid} not found"));
    }
    json_response(200, json!({ "deleted": true, "uuid": uuid }))
}

/// Daily's check of a new url: it must answer `{"test":"test"}` with 200 in time.
async fn ping(url: &str) -> Result<(), String> {
    match post(url, Vec::new(), Bytes::from_static(br#"{"test":"test"}"#)).await {
        Some(200) => Ok(()),
        Some(status) => Err(format!(
            "non-200 status code returned from webhook endpoint, recvd {status}"
        )),
        None => Err(format!("webhook endpoint {url} did not answer in time")),
    }
}

/// POSTs a JSON body with extra headers; the status answered, or `None` when the receiver
/// cannot be reached or does not answer within the timeout. Plain `http://` only.
pub async fn post(url: &str, headers: Vec<(&'static str, String)>, body: Bytes) -> Option<u16> {
    tokio::time::timeout(TIMEOUT, send(url, headers, body))
        .await
        .ok()
        .flatten()
}

async fn send(url: &str, headers: Vec<(&'static str, String)>, body: Bytes) -> Option<u16> {
    let uri: hyper::Uri = url.parse().ok()?;
    let host = uri.host()?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .ok()?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(connection);
    let authority = uri.authority()?.to_string();
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut request = Request::post(path)
        .header("host", authority)
        .header("content-type", "application/json")
        .header("user-agent", "daily-standin");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = sender
        .send_request(request.body(Full::new(body)).ok()?)
        .await
        .ok()?;
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    Some(status)
}

impl Standin {
    /// Produces events (type and payload, in order): each gets an id and `event_ts`, then the
    /// test faults apply (drop, duplicate, hold), then they go to the delivery lane. The answer
    /// resolves with their deliveries once sent (`None` when nothing delivers events).
    pub fn emit(&mut self, events: Vec<(&str, Value)>) -> Option<oneshot::Receiver<Vec<Delivery>>> {
        let event_ts = self.now_ms() as f64 / 1000.0;
        let copies = self.event_faults.duplicate.unwrap_or(1) as usize;
        let mut out = Vec::new();
        for (kind, payload) in events {
            let event = Event {
                version: "1.0.0",
                kind: kind.to_owned(),
                id: self.uuid(),
                payload,
                event_ts,
            };
            if self.event_faults.drop.iter().any(|d| d == kind) {
                continue;
            }
            out.extend(std::iter::repeat_n(event, copies));
        }
        if self.event_faults.hold {
            self.held_events.extend(out);
            out = Vec::new();
        }
        self.send_batch(out)
    }

    /// Hands events to the delivery lane, in order after every batch before them.
    pub fn send_batch(&mut self, events: Vec<Event>) -> Option<oneshot::Receiver<Vec<Delivery>>> {
        let (reply, answer) = oneshot::channel();
        let lane = self.outbox.as_ref()?;
        lane.send(Batch { events, reply }).ok()?;
        Some(answer)
    }
}

/// Starts the delivery lane: one task that sends batches one after the other.
pub fn spawn_lane(shared: &Shared) {
    let (lane, mut batches) = mpsc::unbounded_channel::<Batch>();
    shared.lock().unwrap().outbox = Some(lane);
    let shared = shared.clone();
    tokio::spawn(async move {
        while let Some(batch) = batches.recv().await {
            let mut deliveries = Vec::new();
            for event in &batch.events {
                deliveries.extend(deliver(&shared, event).await);
            }
            let _ = batch.reply.send(deliveries);
        }
    });
}

/// What delivering one event needs from the webhook.
struct Target {
    uuid: String,
    url: String,
    hmac: String,
    basic_auth: Option<String>,
}

/// The webhook that is to receive an event of this type now, if any: active, and asking for
/// the type.
fn target(s: &Standin, kind: &str) -> Option<Target> {
    let hook = s.webhooks.first()?;
    (hook.state == "ACTIVE" && hook.event_types.iter().any(|t| t == kind)).then(|| Target {
        uuid: hook.uuid.clone(),
        url: hook.url.clone(),
        hmac: hook.hmac.clone(),
        basic_auth: hook.basic_auth.clone(),
    })
}

/// POSTs one event, signed, to the webhook, and counts the outcome; `None` when no webhook
/// takes it.
async fn deliver(shared: &Shared, event: &Event) -> Option<Delivery> {
    let (target, timestamp) = {
        let s = shared.lock().unwrap();
        (target(&s, &event.kind)?, s.now().to_string())
    };
    let body = serde_json::to_vec(event).expect("an event serializes");
    let signature = signature(&target.hmac, &timestamp, &body).ok()?;
    let mut headers = vec![
        ("x-webhook-timestamp", timestamp),
        ("x-webhook-signature", signature),
    ];
    if let Some(basic) = &target.basic_auth {
        headers.push(("authorization", format!("Basic {basic}")));
    }
    let status = post(&target.url, headers, Bytes::from(body)).await;
    record_outcome(&mut shared.lock().unwrap(), &target.uuid, status);
    Some(Delivery {
        id: event.id.clone(),
        kind: event.kind.clone(),
        status,
    })
}

/// Counts a delivery: a 2xx resets the failure count, anything else adds one, and the third
/// in a row puts a circuit-breaker webhook in the `FAILED` state.
fn record_outcome(s: &mut Standin, uuid: &str, status: Option<u16>) {
    let Some(hook) = s.webhooks.iter_mut().find(|h| h.uuid == uuid) else {
        return;
    };
    if status.is_some_and(|code| (200..300).contains(&code)) {
        hook.failed_count = 0;
        hook.last_moment_pushed = Some(iso_now());
        return;
    }
    hook.failed_count += 1;
    if hook.retry_type == "circuit-breaker" && hook.failed_count >= MAX_FAILURES {
        hook.state = "FAILED".into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_documented_test_vector() {
        let body = r#"{"version":"1.0.0","type":"meeting.ended","id":"evt-1","payload":{"start_ts":1699999000,"end_ts":1700000000,"meeting_id":"m-1","room":"booking-123"},"event_ts":1700000001}"#;
        let signed = signature(
            "ZGFpbHktdGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2Q=",
            "1700000000",
            body.as_bytes(),
        );
        assert_eq!(
            signed.as_deref(),
            Ok("kxFSH7TbQ9ZcY5U4TocTy6RYYM9DO3Uxtk4A7f5VbiA=")
        );
        assert!(signature("not base64!", "1", b"{}").is_err());
    }

    #[test]
    fn the_envelope_keeps_dailys_key_order() {
        let event = Event {
            version: "1.0.0",
            kind: "meeting.ended".into(),
            id: "evt-1".into(),
            payload: json!({ "room": "r" }),
            event_ts: 1_700_000_001.25,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"version":"1.0.0","type":"meeting.ended","id":"evt-1","payload":{"room":"r"},"event_ts":1700000001.25}"#
        );
    }

    fn standin_with_hook(retry: &str) -> Standin {
        let mut s = Standin::new("k".into(), "d".into(), "http://o".into(), 1);
        startup_webhook(
            &mut s,
            "http://127.0.0.1:9/".into(),
            BASE64.encode([7u8; 32]),
        )
        .unwrap();
        s.webhooks[0].retry_type = retry.into();
        s
    }

    #[test]
    fn three_failures_in_a_row_trip_the_circuit_breaker() {
        let mut s = standin_with_hook("circuit-breaker");
        let uuid = s.webhooks[0].uuid.clone();
        for status in [Some(500), None, Some(200), Some(404), Some(500)] {
            record_outcome(&mut s, &uuid, status);
        }
        assert_eq!(
            (s.webhooks[0].state.as_str(), s.webhooks[0].failed_count),
            ("ACTIVE", 2)
        );
        assert!(target(&s, "meeting.started").is_some());
        record_outcome(&mut s, &uuid, Some(503));
        assert_eq!(s.webhooks[0].state, "FAILED");
        assert!(
            target(&s, "meeting.started").is_none(),
            "nothing more is sent"
        );

        let mut s = standin_with_hook("exponential");
        let uuid = s.webhooks[0].uuid.clone();
        (0..5).for_each(|_| record_outcome(&mut s, &uuid, None));
        assert_eq!(s.webhooks[0].state, "ACTIVE");
    }

    #[test]
    fn only_the_types_asked_for_are_sent() {
        let mut s = standin_with_hook("circuit-breaker");
        s.webhooks[0].event_types = vec!["meeting.ended".into()];
        assert!(target(&s, "meeting.ended").is_some());
        assert!(target(&s, "participant.joined").is_none());
    }
}
