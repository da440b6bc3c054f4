//! HTTP plumbing of the shell: the clock, JSON bodies in and out, the session token of a
//! request, and turning an `AppError` into its JSON response.

use std::future::Future;

use chrono::Utc;
use serde::Serialize;
use worker::{console_error, Request, Response};

use crate::auth::{self, AuthError, Identity};
use crate::config::Config;
use crate::domain::time::{whole_second, Instant};
use crate::error::AppError;

/// Largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The session cookie set by the platform (and by the development sign-in).
pub const SESSION_COOKIE: &str = "edgemy_session";

impl From<worker::Error> for AppError {
    fn from(e: worker::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// The current time, to the second.
pub fn now() -> Instant {
    whole_second(Utc::now())
}

/// A JSON response. API answers are personal, so no cache may keep them.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response, AppError> {
    let body = serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(json_text(status, body)?)
}

/// A JSON response from its text, sent as is, never cached.
pub fn json_text(status: u16, body: String) -> worker::Result<Response> {
    let mut response = Response::from_bytes(body.into_bytes())?.with_status(status);
    let headers = response.headers_mut();
    headers.set("Content-Type", "application/json")?;
    headers.set("Cache-Control", "no-store")?;
    Ok(response)
}

/// The response of an error: its status, its JSON body, and a log line for server faults.
pub fn error_response(err: &AppError) -> worker::Result<Response> {
    if let Some(detail) = err.log_detail() {
        console_error!("{} {}: {}", err.status(), err.code(), detail);
    }
    let mut response = json_text(err.status(), err.body().to_string())?;
    if let Some(seconds) = err.retry_after() {
        response
            .headers_mut()
            .set("Retry-After", &seconds.to_string())?;
    }
    Ok(response)
}

/// Runs a handler and answers its error, if any, as JSON.
pub async fn respond(
    handler: impl Future<Output = Result<Response, AppError>>,
) -> worker::Result<Response> {
    match handler.await {
        Ok(response) => Ok(response),
        Err(err) => error_response(&err),
    }
}

/// Reads a JSON body of at most `MAX_BODY_BYTES`.
pub async fn read_json(req: &mut Request) -> Result<serde_json::Value, AppError> {
    let declared = req
        .headers()
        .get("Content-Length")?
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(AppError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let bytes = req.bytes().await.map_err(|_| AppError::InvalidJson)?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(AppError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    serde_json::from_slice(&bytes).map_err(|_| AppError::InvalidJson)
}

/// The session token: `Authorization: Bearer …` first, else the `edgemy_session` cookie.
fn session_token(req: &Request) -> Option<String> {
    let headers = req.headers();
    if let Ok(Some(value)) = headers.get("Authorization") {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    let cookies = headers.get("Cookie").ok()??;
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE).then(|| value.to_owned())
    })
}

/// The signed-in user of a request, or 401.
pub fn identity(req: &Request, config: &Config, now: Instant) -> Result<Identity, AppError> {
    let auth_config = config
        .auth
        .as_ref()
        .map_err(|e| AppError::AuthNotConfigured(e.clone()))?;
    let token = session_token(req).ok_or(AppError::Unauthenticated(AuthError::Missing))?;
    auth::verify(&token, auth_config, now).map_err(AppError::Unauthenticated)
}
