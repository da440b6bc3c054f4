//! Brevo's transactional e-mail API on the stand-in's port, under `/v3`, so that the Worker
//! sends mail offline (shapes, codes and headers as Brevo documents them), and its controls:
//!
//! - `POST /v3/smtp/email`: the key in the `api-key` header (`--brevo-api-key`), else 401
//!   `unauthorized`; then, while the settings' `rateLimit` is on, [`BREVO_LIMIT`] mails a
//!   second (429 beyond), every answer carrying `x-sib-ratelimit-limit`, `-remaining` and
//!   `-reset`; then the body, checked as `mail.rs` says (400 `missing_parameter` or
//!   `invalid_parameter`, and for a body that is not JSON); then the mail is kept and the
//!   answer is 201 `{"messageId": "<YYYYMMDDHHMM.digits@smtp-relay.mailin.fr>"}` (digits of
//!   the seeded stream). Errors are `{"code", "message"}`. Other `/v3` paths are 404.
//! - `POST /__control/brevo/faults` replaces the fault and answers it (`{}` clears it):
//!   `{"status": 429|500|502|503, "times"?: K, "probability"?: p, "delayMs"?: N,
//!   "hang"?: "before"|"after"}`. A request it hits waits `delayMs`, then answers `status`
//!   instead (nothing kept; 429 with the rate-limit headers), or with `hang: "before"` never
//!   answers (nothing kept), or with `hang: "after"` is handled (the mail kept) and then never
//!   answered. `probability` hits that share of requests, on rolls of the seeded stream;
//!   `times` limits it to the next K requests it hits. A hung request waits ten minutes, then
//!   gets a 504, without holding up any other.
//! - `GET /__control/mails` → `{"mails": [...]}`, every mail kept, oldest first, as
//!   [`Mail::to_json`] shows it; `DELETE /__control/mails` empties the list.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::json_response;
use crate::mail::{self, Mail};
use crate::state::{Quota, Shared, Standin, BREVO_LIMIT};

/// How long a hung request waits before it is answered after all: longer than any client.
const HANG: Duration = Duration::from_secs(600);

/// When a `hang` fault stops answering: before the mail is kept, or after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Hang {
    Before,
    After,
}

/// What the next requests to `POST /v3/smtp/email` meet instead of the normal answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BrevoFault {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hang: Option<Hang>,
}

impl BrevoFault {
    /// Whether the fault does nothing (none is in force).
    fn is_empty(&self) -> bool {
        self.status.is_none() && self.delay_ms.is_none() && self.hang.is_none()
    }

    fn check(&self) -> Result<(), String> {
        if self.is_empty() && (self.times.is_some() || self.probability.is_some()) {
            return Err("a fault needs status, hang or delayMs".into());
        }
        if self
            .status
            .is_some_and(|s| ![429, 500, 502, 503].contains(&s))
        {
            return Err("status must be 429, 500, 502 or 503".into());
        }
        if self.status.is_some() && self.hang.is_some() {
            return Err("a fault answers a status or hangs, not both".into());
        }
        if self.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        if self.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err("probability must be from 0 to 1".into());
        }
        Ok(())
    }
}

impl Standin {
    /// The fault that hits this request, if any, using one of its `times` (clearing it after
    /// the last); with a `probability`, only when its roll says so.
    pub fn take_brevo_fault(&mut self) -> Option<BrevoFault> {
        if self.brevo_fault.is_empty() {
            return None;
        }
        if let Some(p) = self.brevo_fault.probability {
            if self.roll() >= p {
                return None;
            }
        }
        let fault = self.brevo_fault.clone();
        if let Some(times) = &mut self.brevo_fault.times {
            *times -= 1;
            if *times == 0 {
                self.brevo_fault = BrevoFault::default();
            }
        }
        Some(fault)
    }

    /// A new message id as Brevo's look: `<YYYYMMDDHHMM.digits@smtp-relay.mailin.fr>`.
    fn message_id(&mut self) -> String {
        let at = DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default();
        let digits = self.random_digits(11);
        format!(
            "<{}.{digits}@smtp-relay.mailin.fr>",
            at.format("%Y%m%d%H%M")
        )
    }
}

/// Brevo's error body with a status.
fn brevo_error(status: u16, code: &str, message: &str) -> Response {
    json_response(status, json!({ "code": code, "message": message }))
}

/// Brevo's 429, with the rate-limit headers of `quota`.
fn too_many(quota: Quota) -> Response {
    let response = brevo_error(
        429,
        "too_many_requests",
        "The expected rate limit is exceeded.",
    );
    with_quota(response, quota)
}

/// Adds Brevo's `x-sib-ratelimit-*` headers.
fn with_quota(mut response: Response, quota: Quota) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-sib-ratelimit-limit", BREVO_LIMIT as u64),
        ("x-sib-ratelimit-remaining", quota.remaining as u64),
        ("x-sib-ratelimit-reset", quota.reset_seconds),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    response
}

/// What an injected `status` answers.
fn injected(status: u16) -> Response {
    let code = match status {
        429 => {
            let quota = Quota {
                admitted: false,
                remaining: 0,
                reset_seconds: 1,
            };
            return too_many(quota);
        }
        502 => "bad_gateway",
        503 => "service_unavailable",
        _ => "internal_error",
    };
    brevo_error(status, code, &format!("injected fault (HTTP {status})"))
}

/// Never answers, in practice: waits [`HANG`] (a timer, not a loop; other requests go on),
/// then a 504.
async fn hang() -> Response {
    tokio::time::sleep(HANG).await;
    brevo_error(504, "gateway_timeout", "hung by an injected fault")
}

/// `POST /v3/smtp/email`: the fault that hits it, if any, then the normal handling.
pub async fn send(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let fault = shared.lock().unwrap().take_brevo_fault();
    let Some(fault) = fault else {
        return handle(&shared, &headers, &body);
    };
    if let Some(ms) = fault.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if fault.hang == Some(Hang::Before) {
        return hang().await;
    }
    if let Some(status) = fault.status {
        return injected(status);
    }
    let response = handle(&shared, &headers, &body);
    if fault.hang == Some(Hang::After) {
        return hang().await;
    }
    response
}

/// Brevo's checks in Brevo's order (the key, the rate limit, the body), then the mail kept.
fn handle(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Response {
    let mut s = shared.lock().unwrap();
    let given = headers.get("api-key").map(HeaderValue::as_bytes);
    match given {
        None => return brevo_error(401, "unauthorized", "authentication not found in headers"),
        Some(key) if key != s.brevo_api_key.as_bytes() => {
            return brevo_error(401, "unauthorized", "Key not found")
        }
        Some(_) => {}
    }
    if !s.rate_limit_enabled {
        return keep(&mut s, body);
    }
    match s.rate_limits.admit_brevo() {
        quota if quota.admitted => with_quota(keep(&mut s, body), quota),
        quota => too_many(quota),
    }
}

/// Checks the body and keeps the mail: 201 with its id, or Brevo's 400.
fn keep(s: &mut Standin, body: &[u8]) -> Response {
    let message = serde_json::from_slice::<Value>(body)
        .map_err(|_| mail::invalid("Input must be a valid JSON object"))
        .and_then(|body| mail::read(&body));
    match message {
        Ok(message) => {
            let message_id = s.message_id();
            let received_at = s.now_ms();
            s.mails.push(Mail {
                message_id: message_id.clone(),
                received_at,
                message,
            });
            json_response(201, json!({ "messageId": message_id }))
        }
        Err(refusal) => brevo_error(400, refusal.code, &refusal.message),
    }
}

/// Any other `/v3` request.
pub async fn no_endpoint() -> Response {
    brevo_error(404, "not_found", "Invalid route/ method passed")
}

/// `POST /__control/brevo/faults`.
pub async fn faults(State(shared): State<Shared>, body: String) -> Response {
    let body = if body.trim().is_empty() { "{}" } else { &body };
    let fault = match serde_json::from_str::<BrevoFault>(body)
        .map_err(|e| format!("invalid body: {e}"))
        .and_then(|fault| fault.check().map(|()| fault))
    {
        Ok(fault) => fault,
        Err(error) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
        }
    };
    let mut s = shared.lock().unwrap();
    s.brevo_fault = fault;
    Json(json!(s.brevo_fault)).into_response()
}

/// `GET /__control/mails`.
pub async fn mails(State(shared): State<Shared>) -> Json<Value> {
    let s = shared.lock().unwrap();
    let mails: Vec<Value> = s.mails.iter().map(Mail::to_json).collect();
    Json(json!({ "mails": mails }))
}

/// `DELETE /__control/mails`.
pub async fn clear_mails(State(shared): State<Shared>) -> StatusCode {
    shared.lock().unwrap().mails.clear();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standin(fault: BrevoFault) -> Standin {
        let mut s = Standin::new("key".into(), "d".into(), "http://o".into(), 1);
        s.brevo_fault = fault;
        s
    }

    #[test]
    fn a_fault_hits_its_number_of_times_then_clears() {
        let mut s = standin(BrevoFault {
            status: Some(503),
            times: Some(2),
            ..BrevoFault::default()
        });
        assert_eq!(s.take_brevo_fault().and_then(|f| f.status), Some(503));
        assert!(s.take_brevo_fault().is_some());
        assert_eq!(s.take_brevo_fault(), None);
        assert_eq!(s.brevo_fault, BrevoFault::default());
    }

    #[test]
    fn a_probable_fault_replays_with_the_seed_and_misses_without_using_its_times() {
        let fault = BrevoFault {
            status: Some(500),
            probability: Some(0.3),
            times: Some(1000),
            ..BrevoFault::default()
        };
        let hits = |s: &mut Standin| {
            (0..200)
                .map(|_| s.take_brevo_fault().is_some())
                .collect::<Vec<_>>()
        };
        let run = hits(&mut standin(fault.clone()));
        assert_eq!(run, hits(&mut standin(fault.clone())));
        let count = run.iter().filter(|hit| **hit).count();
        assert!((30..90).contains(&count), "{count} of 200");
        let mut s = standin(fault);
        hits(&mut s);
        assert_eq!(s.brevo_fault.times, Some(1000 - count as u32));
    }

    #[test]
    fn faults_are_checked() {
        let parse = |body: &str| {
            serde_json::from_str::<BrevoFault>(body)
                .map_err(|e| e.to_string())
                .and_then(|f| f.check())
        };
        for good in [
            "{}",
            r#"{"status":429}"#,
            r#"{"status":503,"times":1,"probability":0.5,"delayMs":10}"#,
            r#"{"hang":"after"}"#,
            r#"{"delayMs":200,"times":3}"#,
        ] {
            assert!(parse(good).is_ok(), "{good}");
        }
        for bad in [
            r#"{"status":404}"#,
            r#"{"status":503,"hang":"before"}"#,
            r#"{"hang":"never"}"#,
            r#"{"status":500,"times":0}"#,
            r#"{"status":500,"probability":1.5}"#,
            r#"{"times":2}"#,
            r#"{"status":500,"colour":"red"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn message_ids_look_like_brevos_and_follow_the_seed() {
        let (mut a, mut b) = (
            standin(BrevoFault::default()),
            standin(BrevoFault::default()),
        );
        let id = a.message_id();
        let digits = id.split(['.', '@']).nth(1).unwrap();
        assert_eq!(digits, b.message_id().split(['.', '@']).nth(1).unwrap());
        assert!(
            id.starts_with('<') && id.ends_with("@smtp-relay.mailin.fr>"),
            "{id}"
        );
        assert_eq!((id.len(), digits.len()), (1 + 12 + 1 + 11 + 22, 11), "{id}");
    }
}
