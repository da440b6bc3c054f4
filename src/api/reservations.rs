//! `POST /reservations` (book, with optional Idempotency-Key), `GET /reservations/:id`,
//! `POST /reservations/:id/cancel` and `PATCH /reservations/:id` (reschedule).

use worker::{console_warn, Response};

use crate::http::Request;

use super::views::ReservationView;
use super::Ctx;
use crate::booking::{Booking, Outcome};
use crate::db::{reservations, reservations::ReservationRow};
use crate::domain::booking::{BookingError, Reschedule};
use crate::domain::reservation::ReservationStatus;
use crate::domain::window::Role;
use crate::error::AppError;
use crate::http;
use crate::mail;
use crate::rooms;

/// The answer of a booking, fresh or replayed, byte for byte as it was first made.
fn answer(outcome: Outcome) -> Result<Response, AppError> {
    let Outcome {
        answer, replayed, ..
    } = outcome;
    let mut response = http::json_text(answer.status, answer.body)?;
    let headers = response.headers_mut();
    if let Some(location) = answer.location {
        headers.set("Location", &location)?;
    }
    if replayed {
        headers.set("Idempotent-Replayed", "true")?;
    }
    Ok(response)
}

/// Books a slot of a coach's offer for the signed-in player, then opens its Daily room.
pub async fn create(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let player = http::identity(&req, &ctx.config, now)?;
    ctx.limit_writes(&player.user_id).await?;
    let daily = ctx.daily()?;
    let key = super::idempotency_key(&req)?;
    let body = http::read_json(&req).await?;
    let db = ctx.db()?;
    let booking = Booking {
        db: &db,
        daily,
        limits: ctx.limits()?,
        player: &player,
        now,
        mail: mail::queueing(&ctx.config),
    };
    let outcome = booking.book(&body, key.as_ref()).await?;
    if let Some(id) = outcome.stored {
        mail::deliver_soon(&ctx, id.to_string());
    }
    answer(outcome)
}

/// One reservation, for its coach or its player; 404 for anyone else.
pub async fn show(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let who = http::identity(&req, &ctx.config, http::now())?;
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    http::json(200, &ReservationView::from(row))
}

/// Cancels a reservation (its coach or its player) and deletes its room. If Daily is down, the
/// scheduled handler deletes the room later. Cancelling again answers the cancelled reservation.
pub async fn cancel(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let config = &ctx.config;
    let who = http::identity(&req, config, now)?;
    http::read_optional_object(&req).await?;
    ctx.limit_writes(&who.user_id).await?;
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    if row.status == ReservationStatus::Cancelled {
        return http::json(200, &ReservationView::from(row));
    }
    if row.end_at <= now {
        return Err(AppError::SessionEnded);
    }
    let db = ctx.db()?;
    let refund_hours = ctx.limits()?.pack_refund_hours;
    // A session the coach cancels always gives its pack's credit back.
    let by_coach = row.role_of(&who.user_id) == Some(Role::Coach);
    let mail = mail::queueing(config);
    if reservations::cancel(&db, &row.id, now, mail, refund_hours, by_coach).await? {
        mail::deliver_soon(&ctx, row.id.clone());
    }
    match &config.daily {
        Ok(daily) => {
            if let Err(e) = rooms::remove(&db, daily, &row).await? {
                console_warn!(
                    "reservation {}: room not deleted yet, left to the scheduled handler: {e}",
                    row.id
                );
            }
        }
        Err(e) => console_warn!(
            "reservation {}: room left to the scheduled handler: {e}",
            row.id
        ),
    }
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    http::json(200, &ReservationView::from(row))
}

/// Moves a reservation to a new slot of the same length, until it starts; the room follows.
pub async fn reschedule(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let config = &ctx.config;
    let who = http::identity(&req, config, now)?;
    ctx.limit_writes(&who.user_id).await?;
    let daily = ctx.daily()?;
    let change = Reschedule::try_from(&http::read_json(&req).await?)?;
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    let refuse_state = |row: &ReservationRow| {
        if row.status == ReservationStatus::Cancelled {
            Some(AppError::ReservationCancelled)
        } else if row.start_at <= now {
            Some(AppError::SessionStarted)
        } else {
            None
        }
    };
    if let Some(err) = refuse_state(&row) {
        return Err(err);
    }
    let limits = ctx.limits()?;
    change.check(&row.slot(), now, limits.horizon_days)?;

    let db = ctx.db()?;
    let mail = mail::queueing(config);
    let hours = limits.pack_refund_hours;
    if !reservations::reschedule_if_free(&db, &row, &change.slot, now, mail, hours).await? {
        let again = super::reservation_of(&ctx, &who.user_id).await?;
        if let Some(err) = refuse_state(&again) {
            return Err(err);
        }
        if let Some(expires) = reservations::pack_expiry(&db, &row.id).await? {
            if change.slot.end().timestamp() > expires {
                let expires_at = crate::domain::time::from_unix(expires);
                return Err(BookingError::AfterPackExpiry { expires_at }.into());
            }
            if again.start_at - now <= chrono::TimeDelta::hours(i64::from(hours)) {
                return Err(BookingError::TooLateToMove { hours }.into());
            }
        }
        return Err(BookingError::SlotTaken.into());
    }
    mail::deliver_soon(&ctx, row.id.clone());
    let moved = super::reservation_of(&ctx, &who.user_id).await?;
    let id = moved.id.clone();
    match rooms::follow(&db, daily, moved).await? {
        Ok(true) => {}
        Ok(false) => {
            console_warn!("reservation {id}: moved again meanwhile; room left to the retries")
        }
        Err(e) => console_warn!("reservation {id}: room not moved yet, left to the retries: {e}"),
    }
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    http::json(200, &ReservationView::from(row))
}
