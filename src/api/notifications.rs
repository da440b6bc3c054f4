//! `GET /reservations/:id/notifications`: the e-mails of a session addressed to the signed-in
//! participant (anyone else gets the 404 of an unknown reservation).

use serde::Serialize;
use worker::Response;

use crate::http::Request;

use super::Ctx;
use crate::db::outbox::{self, MailKind, MailStatus};
use crate::domain::time::{from_unix, Instant};
use crate::domain::window::Role;
use crate::error::AppError;
use crate::http;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationView {
    kind: MailKind,
    recipient_role: Role,
    /// `pending`, `sending`, `sent`, `failed`, `skipped` or `cancelled`.
    status: MailStatus,
    attempts: i64,
    /// When it was to go out (a reminder: before the session; a notice: at the change).
    due_at: Instant,
    sent_at: Option<Instant>,
}

#[derive(Serialize)]
struct NotificationList {
    notifications: Vec<NotificationView>,
}

pub async fn list(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let who = http::identity(&req, &ctx.config, http::now())?;
    let reservation = super::reservation_of(&ctx, &who.user_id).await?;
    let db = ctx.db()?;
    let notifications = outbox::mails_to(&db, &reservation.id, who.user_id.as_str())
        .await?
        .into_iter()
        .map(|m| NotificationView {
            kind: m.kind,
            recipient_role: m.recipient_role,
            status: m.status,
            attempts: m.attempts,
            due_at: from_unix(m.due_at),
            sent_at: m.sent_at.map(from_unix),
        })
        .collect();
    http::json(200, &NotificationList { notifications })
}
