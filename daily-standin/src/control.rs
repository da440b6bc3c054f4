//! Test controls, under `/__control/`:
//!
//! - `GET /calls`: `{"calls": [...]}`, every API request so far (`seq`, `at_ms`, `method`,
//!   `path`, `query`, `auth`, `content_type`, `body`, `status`, `fault`); `status` is `null`
//!   while the answer is pending. `DELETE /calls` empties the log.
//! - `POST /faults`: one fault rule or a list of them (`FaultRule`), tried in the order added on
//!   every matching request; `DELETE /faults` removes them all. A rule matches on `method` and
//!   `path` (a prefix after `/v1`), applies `times` times (forever if absent) and, with a
//!   `probability`, on a roll of the seeded random stream. What it does, in this order:
//!   `hold`, `latencyMs`, then `hang`, `malformed`, `redirect` or `status` (with `body`);
//!   with none of the last four, the request goes on to the normal handling.
//! - `hold: true` makes matching requests wait, once recorded in the call log with
//!   `status: null`, until `POST /release`, which lets every held request go on and answers
//!   `{"released": n}` (how many were waiting). A test can so start a request, see it pending
//!   in the call log, act while Daily "is working", then release it, without sleeping.
//! - `POST /settings` with any of `{"rateLimit": bool, "clockOffsetSeconds": int, "seed": int}`
//!   answers the settings in force (all three). `rateLimit` is for the Brevo side too. `seed` restarts the random stream that ids,
//!   room names and fault rolls come from, as if the stand-in had started with it.
//! - `POST /reset`: back to the state at start: no rooms, calls, faults or presence (nor
//!   webhooks, meetings, recordings, download faults, downloads, mails or Brevo fault), offset 0,
//!   rate limits on, held requests released, the random stream restarted from the seed given
//!   at start (`--seed` or `DAILY_STANDIN_SEED`, else the random one printed at start).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::{FaultRule, Shared, MAX_SEED};

pub async fn calls(State(shared): State<Shared>) -> Json<Value> {
    let s = shared.lock().unwrap();
    Json(json!({ "calls": s.calls }))
}

pub async fn clear_calls(State(shared): State<Shared>) -> StatusCode {
    shared.lock().unwrap().calls.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Faults {
    One(FaultRule),
    Many(Vec<FaultRule>),
}

/// Adds one fault rule or a list of them; they apply in the order added.
pub async fn add_faults(State(shared): State<Shared>, body: String) -> Response {
    let rules = match serde_json::from_str::<Faults>(&body) {
        Ok(Faults::One(rule)) => vec![rule],
        Ok(Faults::Many(rules)) => rules,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("invalid fault rule: {e}") })),
            )
                .into_response()
        }
    };
    let mut s = shared.lock().unwrap();
    s.faults.extend(rules);
    Json(json!({ "faults": s.faults })).into_response()
}

pub async fn clear_faults(State(shared): State<Shared>) -> StatusCode {
    shared.lock().unwrap().faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    rate_limit: Option<bool>,
    clock_offset_seconds: Option<i64>,
    seed: Option<u64>,
}

pub async fn settings(State(shared): State<Shared>, Json(settings): Json<Settings>) -> Response {
    if settings.seed.is_some_and(|seed| seed > MAX_SEED) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": format!("seed must be an integer from 0 to {MAX_SEED}") })),
        )
            .into_response();
    }
    let mut s = shared.lock().unwrap();
    if let Some(on) = settings.rate_limit {
        s.rate_limit_enabled = on;
    }
    if let Some(offset) = settings.clock_offset_seconds {
        s.clock_offset = offset;
    }
    if let Some(seed) = settings.seed {
        s.reseed(seed);
    }
    Json(json!({
        "rateLimit": s.rate_limit_enabled,
        "clockOffsetSeconds": s.clock_offset,
        "seed": s.seed(),
    }))
    .into_response()
}

/// Lets every held request go on.
pub async fn release(State(shared): State<Shared>) -> Json<Value> {
    let released = shared.lock().unwrap().release();
    Json(json!({ "released": released }))
}

pub async fn reset(State(shared): State<Shared>) -> StatusCode {
    shared.lock().unwrap().reset();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::http::Request;
    use axum::Router;
    use serde_json::{json, Value};
    use tower::ServiceExt;

    use crate::state::Standin;

    const KEY: &str = "test-key";

    fn app() -> Router {
        let standin = Standin::new(KEY.into(), "d".into(), "http://o".into(), 1);
        crate::app(Arc::new(Mutex::new(standin)))
    }

    async fn send(app: &Router, method: &str, uri: &str, body: &str) -> (u16, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {KEY}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Lets the spawned requests run until `done` says so; panics if they never get there.
    async fn until(app: &Router, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        for _ in 0..1_000 {
            tokio::task::yield_now().await;
            let (_, log) = send(app, "GET", "/__control/calls", "").await;
            let calls = log["calls"].as_array().unwrap().clone();
            if done(&calls) {
                return calls;
            }
        }
        panic!("never {what}");
    }

    #[tokio::test]
    async fn held_requests_wait_for_a_release_then_go_on_with_the_rule() {
        let app = app();
        let rule = r#"[{"method":"POST","path":"/rooms","hold":true,"times":1},
                       {"method":"GET","path":"/rooms","hold":true,"status":503,"times":1}]"#;
        assert_eq!(send(&app, "POST", "/__control/faults", rule).await.0, 200);
        let create = tokio::spawn({
            let app = app.clone();
            async move { send(&app, "POST", "/v1/rooms", r#"{"name":"held"}"#).await }
        });
        let read = tokio::spawn({
            let app = app.clone();
            async move { send(&app, "GET", "/v1/rooms/held", "").await }
        });
        let calls = until(&app, "held both", |calls| calls.len() == 2).await;
        assert!(calls.iter().all(|c| c["status"].is_null()), "{calls:?}");
        assert!(calls
            .iter()
            .all(|c| c["fault"].as_str().unwrap().contains(r#""hold":true"#)));
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert!(
            !create.is_finished() && !read.is_finished(),
            "held until released"
        );
        // Not held: the rules were for one request each.
        assert_eq!(send(&app, "GET", "/v1/rooms/other", "").await.0, 404);

        let (status, released) = send(&app, "POST", "/__control/release", "").await;
        assert_eq!((status, released), (200, json!({ "released": 2 })));
        let (status, room) = create.await.unwrap();
        assert_eq!((status, room["name"].as_str()), (200, Some("held")));
        let (status, error) = read.await.unwrap();
        assert_eq!(
            (status, error["error"].as_str()),
            (503, Some("server-error"))
        );
        let calls = until(&app, "answered", |calls| {
            calls.iter().all(|c| !c["status"].is_null())
        })
        .await;
        let statuses: Vec<_> = calls.iter().map(|c| c["status"].as_u64()).collect();
        assert_eq!(statuses, [Some(200), Some(503), Some(404)]);
    }

    #[tokio::test]
    async fn an_answer_after_the_log_was_cleared_is_not_put_on_another_call() {
        let app = app();
        let rule = r#"{"path":"/rooms/slow","hold":true,"times":1}"#;
        send(&app, "POST", "/__control/faults", rule).await;
        let slow = tokio::spawn({
            let app = app.clone();
            async move { send(&app, "GET", "/v1/rooms/slow", "").await }
        });
        until(&app, "held", |calls| calls.len() == 1).await;
        assert_eq!(send(&app, "DELETE", "/__control/calls", "").await.0, 204);
        assert_eq!(send(&app, "GET", "/v1/", "").await.0, 200);
        send(&app, "POST", "/__control/release", "").await;
        assert_eq!(slow.await.unwrap().0, 404);
        let (_, log) = send(&app, "GET", "/__control/calls", "").await;
        let calls = log["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            (calls[0]["path"].as_str(), calls[0]["status"].as_u64()),
            (Some("/"), Some(200))
        );
    }

    #[tokio::test]
    async fn settings_reseed_and_reset_goes_back_to_the_starting_seed() {
        let app = app();
        let (status, settings) = send(&app, "POST", "/__control/settings", r#"{"seed":42}"#).await;
        assert_eq!(status, 200);
        assert_eq!(settings["seed"], 42);
        let first = send(&app, "POST", "/v1/rooms", "{}").await.1;
        let name = first["name"].as_str().unwrap();
        assert_eq!(
            send(&app, "DELETE", &format!("/v1/rooms/{name}"), "")
                .await
                .0,
            200
        );
        send(&app, "POST", "/__control/settings", r#"{"seed":42}"#).await;
        let again = send(&app, "POST", "/v1/rooms", "{}").await.1;
        assert_eq!(
            (&first["id"], &first["name"]),
            (&again["id"], &again["name"])
        );

        let too_big = r#"{"seed":9007199254740992}"#;
        assert_eq!(
            send(&app, "POST", "/__control/settings", too_big).await.0,
            400
        );
        assert_eq!(send(&app, "POST", "/__control/reset", "").await.0, 204);
        let (_, settings) = send(&app, "POST", "/__control/settings", "{}").await;
        assert_eq!(settings["seed"], 1, "the seed it started with");
    }
}
