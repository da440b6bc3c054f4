//! `POST /webhooks/daily`: Daily's signed events. Benign events (another deployment's rooms,
//! unknown rooms, types we do not use) are answered 200 and ignored, since Daily disables a
//! webhook after 3 failures; only a bad signature (401) and our own missing secret (503) fail.

use serde::Serialize;
use worker::{console_error, console_log, console_warn, Response};

use crate::http::Request;

use super::Ctx;
use crate::db::meetings;
use crate::domain::webhook::{self, Effect};
use crate::error::AppError;
use crate::http;

/// The largest body read; a larger one is refused without reading further.
pub const MAX_WEBHOOK_BYTES: usize = 64 * 1024;

#[derive(Serialize)]
struct Received {
    /// `applied`, `duplicate` (an event already applied), or `ignored`.
    outcome: &'static str,
}

fn received(outcome: &'static str) -> Result<Response, AppError> {
    http::json(200, &Received { outcome })
}

pub async fn daily(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let body = http::read_body(&req, MAX_WEBHOOK_BYTES)
        .await?
        .unwrap_or_default();
    if webhook::is_ping(&body) {
        return received("ignored");
    }
    let keys = ctx
        .config
        .webhook
        .as_ref()
        .map_err(|e| AppError::WebhookNotConfigured(e.clone()))?;
    let now = http::now();
    let headers = req.headers();
    let timestamp = headers.get("X-Webhook-Timestamp")?;
    let signature = headers.get("X-Webhook-Signature")?;
    let verified = webhook::verify(
        keys.all(),
        timestamp.as_deref(),
        signature.as_deref(),
        &body,
        now.timestamp(),
    );
    if let Err(refusal) = verified {
        console_warn!("Daily webhook refused: {refusal}");
        return Err(AppError::WebhookRefused);
    }
    let event = match webhook::parse(&body) {
        Ok(event) => event,
        Err(e) => {
            console_warn!("Daily webhook ignored: {e}");
            return received("ignored");
        }
    };
    let Some(room) = event.effect.room() else {
        return received("ignored");
    };
    let db = ctx.db()?;
    let Some(owner) = meetings::owner_of_room(&db, room).await? else {
        console_log!(
            "Daily webhook {} for room {room}: not ours, ignored",
            event.kind
        );
        return received("ignored");
    };
    if let Effect::RecordingError { message, .. } = &event.effect {
        console_error!("reservation {}: Daily recording error: {message}", owner.id);
    }
    let keys = event.dedupe_keys();
    let outcome = meetings::apply(&db, &owner, &event.id, &keys, &event.effect, now).await?;
    received(match outcome {
        meetings::Applied::Done => "applied",
        meetings::Applied::Duplicate => "duplicate",
        meetings::Applied::Ignored => "ignored",
    })
}
