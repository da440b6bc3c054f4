//! Test controls: read and clear the call log, inject faults, switch rate limiting, reset.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::{FaultRule, Shared};

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
}

pub async fn settings(State(shared): State<Shared>, Json(settings): Json<Settings>) -> Json<Value> {
    let mut s = shared.lock().unwrap();
    if let Some(on) = settings.rate_limit {
        s.rate_limit_enabled = on;
    }
    if let Some(offset) = settings.clock_offset_seconds {
        s.clock_offset = offset;
    }
    Json(json!({ "rateLimit": s.rate_limit_enabled, "clockOffsetSeconds": s.clock_offset }))
}

pub async fn reset(State(shared): State<Shared>) -> StatusCode {
    shared.lock().unwrap().reset();
    StatusCode::NO_CONTENT
}
