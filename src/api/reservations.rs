//! `POST /reservations` (book, with optional Idempotency-Key), `GET /reservations/:id`,
//! `POST /reservations/:id/cancel` and `PATCH /reservations/:id` (reschedule).

use serde::Serialize;
use worker::{console_warn, Request, Response};

use super::Ctx;
use crate::auth::Identity;
use crate::daily::client::DailyClient;
use crate::daily::rooms::{CreateRoom, Room};
use crate::db::{
    self, catalog, idempotency as keys, reservations, reservations::ReservationRow, Statement,
};
use crate::domain::booking::{BookingError, NewBooking, Reschedule};
use crate::domain::ids::{ReservationId, UserId};
use crate::domain::time::{self, from_unix, Instant};
use crate::domain::video::VideoStatus;
use crate::error::AppError;
use crate::http;
use crate::idempotency::{fingerprint, is_abandoned, IdempotencyKey};
use crate::video;

/// A reservation as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationView {
    id: String,
    announcement_id: String,
    coach_id: String,
    player_id: String,
    start_date: String,
    end_date: String,
    status: String,
    video_status: VideoStatus,
    daily_room_name: Option<String>,
    daily_room_url: Option<String>,
    rescheduled_at: Option<String>,
    created_at: String,
}

impl From<ReservationRow> for ReservationView {
    fn from(r: ReservationRow) -> Self {
        Self {
            id: r.id,
            announcement_id: r.announcement_id,
            coach_id: r.coach_id,
            player_id: r.player_id,
            start_date: time::format(from_unix(r.start_at)),
            end_date: time::format(from_unix(r.end_at)),
            status: r.status,
            video_status: r.video_status,
            daily_room_name: r.daily_room_name,
            daily_room_url: r.daily_room_url,
            rescheduled_at: r.rescheduled_at.map(|t| time::format(from_unix(t))),
            created_at: time::format(from_unix(r.created_at)),
        }
    }
}

/// An answer kept as text, so that an Idempotency-Key replay sends the same bytes.
struct Answer {
    status: u16,
    body: String,
    location: Option<String>,
}

impl Answer {
    fn created(view: &ReservationView) -> Self {
        Self {
            status: 201,
            body: serde_json::to_string(view).expect("views always serialize"),
            location: Some(format!("/reservations/{}", view.id)),
        }
    }

    fn error(err: &AppError) -> Self {
        Self {
            status: err.status(),
            body: err.body().to_string(),
            location: None,
        }
    }

    /// The statement that keeps this answer, to replay it under `key`.
    fn kept_for(
        &self,
        db: &worker::D1Database,
        user: &UserId,
        key: &IdempotencyKey,
        reservation: ReservationId,
    ) -> Result<worker::D1PreparedStatement, AppError> {
        keys::store(db, user, key, reservation, self.status, &self.body)
    }

    fn send(self, replayed: bool) -> Result<Response, AppError> {
        let mut response = Response::from_bytes(self.body.into_bytes())?.with_status(self.status);
        let headers = response.headers_mut();
        headers.set("Content-Type", "application/json")?;
        headers.set("Cache-Control", "no-store")?;
        if let Some(location) = self.location {
            headers.set("Location", &location)?;
        }
        if replayed {
            headers.set("Idempotent-Replayed", "true")?;
        }
        Ok(response)
    }
}

fn idempotency_key(req: &Request) -> Result<Option<IdempotencyKey>, AppError> {
    match req.headers().get("Idempotency-Key")? {
        None => Ok(None),
        Some(raw) => IdempotencyKey::parse(&raw)
            .map(Some)
            .map_err(|_| AppError::InvalidIdempotencyKey),
    }
}

/// The answer to a request whose key an earlier request holds.
fn replay(record: keys::KeyRecord, hash: &str) -> Result<Response, AppError> {
    if record.request_hash != hash {
        return Err(AppError::IdempotencyKeyReused);
    }
    match (record.response_status, record.response_body) {
        (Some(status), Some(body)) => Answer {
            status,
            location: (status == 201).then(|| format!("/reservations/{}", record.reservation_id)),
            body,
        }
        .send(true),
        _ => Err(AppError::IdempotencyKeyInFlight),
    }
}

/// Takes over the claim of a request that died before answering (`is_abandoned`). Its
/// reservation was stored together with the claim, or refused: if it exists, the answer is that
/// reservation as it stands (its room, if still missing, is left to the retries), kept for later
/// replays; if not, the claim is given up and `None` says to run the request again.
async fn take_over(
    db: &worker::D1Database,
    player: &Identity,
    key: &IdempotencyKey,
    record: &keys::KeyRecord,
) -> Result<Option<Answer>, AppError> {
    let id = ReservationId::parse(&record.reservation_id)
        .ok_or_else(|| AppError::Internal("stored reservation id does not parse".into()))?;
    match reservations::find_for_participant(db, id, &player.user_id).await? {
        Some(row) => {
            let answer = Answer::created(&ReservationView::from(row));
            answer
                .kept_for(db, &player.user_id, key, id)?
                .execute()
                .await?;
            Ok(Some(answer))
        }
        None => {
            keys::release(db, &player.user_id, key, id).await?;
            Ok(None)
        }
    }
}

/// Books a slot of a coach's offer for the signed-in player, then opens its Daily room.
/// The reservation is stored first: if Daily fails, the booking stands (`videoStatus`
/// `pending`) and the room is created at the first token request or by the scheduled handler.
pub async fn create(mut req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let config = &ctx.config;
    let player = http::identity(&req, config, now)?;
    let daily = ctx.daily()?;
    let key = idempotency_key(&req)?;
    let body = http::read_json(&mut req).await?;
    let hash = fingerprint(&body);
    let db = db::database(&ctx.env)?;

    let parsed = NewBooking::try_from(&body).and_then(|b| b.check_timing(now).map(|()| b));
    let booking = match parsed {
        Ok(booking) => booking,
        Err(e) => {
            // Under a key already used for another body, the misuse is the answer.
            if let Some(key) = &key {
                if let Some(record) = keys::find(&db, &player.user_id, key).await? {
                    return replay(record, &hash);
                }
            }
            return Err(e.into());
        }
    };

    let claim = key.as_ref().map(|k| (k, hash.as_str()));
    let mut taken_over = false;
    let (id, inserted) = loop {
        let id = ReservationId::from_random_bytes(http::random_bytes());
        let inserted = reservations::insert_if_free(&db, id, &booking, &player, now, claim).await?;
        if inserted.claimed {
            break (id, inserted);
        }
        let key = key.as_ref().expect("only a keyed request can lose a claim");
        let Some(record) = keys::find(&db, &player.user_id, key).await? else {
            return Err(AppError::IdempotencyKeyInFlight);
        };
        let abandoned = record.request_hash == hash
            && record.response_status.is_none()
            && is_abandoned(record.created_at, now.timestamp());
        if !abandoned || taken_over {
            return replay(record, &hash);
        }
        if let Some(answer) = take_over(&db, &player, key, &record).await? {
            return answer.send(true);
        }
        // The abandoned request booked nothing: its claim is given up; run this one instead.
        taken_over = true;
    };

    if inserted.reservation {
        return open_room(&db, daily, id, &booking, &player, now, key.as_ref())
            .await?
            .send(false);
    }
    let refusal = catalog::find_offer(&db, &booking.announcement_id)
        .await
        .map(|offer| {
            let refusal = booking
                .check_offer(offer.as_ref(), &player.user_id)
                .err()
                .unwrap_or(BookingError::SlotTaken);
            Answer::error(&refusal.into())
        });
    let Some(key) = &key else {
        return refusal?.send(false);
    };
    match refusal {
        Ok(answer) => {
            answer
                .kept_for(&db, &player.user_id, key, id)?
                .execute()
                .await?;
            answer.send(false)
        }
        Err(fault) => {
            // A server fault is not an answer to keep: let a retry run the request again.
            keys::release(&db, &player.user_id, key, id).await?;
            Err(fault)
        }
    }
}

/// Creates the room of a new reservation (one request to Daily), then records it together with
/// the answer kept for the Idempotency-Key, if any, in one D1 round trip.
async fn open_room(
    db: &worker::D1Database,
    daily: &crate::config::DailyConfig,
    id: ReservationId,
    booking: &NewBooking,
    player: &Identity,
    now: Instant,
    key: Option<&IdempotencyKey>,
) -> Result<Answer, AppError> {
    let created = |room: Option<Room>| {
        Answer::created(&ReservationView {
            id: id.to_string(),
            announcement_id: booking.announcement_id.to_string(),
            coach_id: booking.coach_id.to_string(),
            player_id: player.user_id.to_string(),
            start_date: time::format(booking.slot.start()),
            end_date: time::format(booking.slot.end()),
            status: "confirmed".into(),
            video_status: if room.is_some() {
                VideoStatus::Ready
            } else {
                VideoStatus::Pending
            },
            daily_room_name: room.as_ref().map(|r| r.name.clone()),
            daily_room_url: room.map(|r| r.url),
            rescheduled_at: None,
            created_at: time::format(now),
        })
    };
    let keep = |answer: &Answer| {
        key.map(|key| answer.kept_for(db, &player.user_id, key, id))
            .transpose()
    };

    let room_name = daily.room_prefix.room_for(id);
    let request = CreateRoom::for_session(&room_name, &booking.slot, player.locale);
    match DailyClient::new(daily).create_room(&request).await {
        Ok(room) => {
            let record = reservations::set_room(db, &id.to_string(), &room)?;
            let answer = created(Some(room));
            let statements = std::iter::once(record).chain(keep(&answer)?).collect();
            match db::batch(db, statements).await {
                Ok(_) => return Ok(answer),
                // The room exists at Daily under its deterministic name: the retries find it.
                Err(e) => console_warn!(
                    "reservation {id}: room {room_name} created but not recorded: {e}"
                ),
            }
        }
        Err(e) => console_warn!("reservation {id}: room not created yet, left to the retries: {e}"),
    }
    let answer = created(None);
    if let Some(store) = keep(&answer)? {
        store.execute().await?;
    }
    Ok(answer)
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
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    if row.status == "cancelled" {
        return http::json(200, &ReservationView::from(row));
    }
    if row.end_at <= now.timestamp() {
        return Err(AppError::SessionEnded);
    }
    let db = db::database(&ctx.env)?;
    reservations::cancel(&db, &row.id, now).await?;
    match &config.daily {
        Ok(daily) => {
            if let Err(e) = video::remove(&db, daily, &row).await? {
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
pub async fn reschedule(mut req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let config = &ctx.config;
    let who = http::identity(&req, config, now)?;
    let daily = ctx.daily()?;
    let change = Reschedule::try_from(&http::read_json(&mut req).await?)?;
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    let refuse_state = |row: &ReservationRow| {
        if row.status == "cancelled" {
            Some(AppError::ReservationCancelled)
        } else if row.start_at <= now.timestamp() {
            Some(AppError::SessionStarted)
        } else {
            None
        }
    };
    if let Some(err) = refuse_state(&row) {
        return Err(err);
    }
    change.check(&row.slot(), now)?;

    let db = db::database(&ctx.env)?;
    if !reservations::reschedule_if_free(&db, &row, &change.slot, now).await? {
        let again = super::reservation_of(&ctx, &who.user_id).await?;
        return Err(refuse_state(&again).unwrap_or(BookingError::SlotTaken.into()));
    }
    let moved = super::reservation_of(&ctx, &who.user_id).await?;
    match video::move_room(daily, &moved).await {
        Ok(room) => {
            reservations::record_room(&db, &moved.id, &room).await?;
        }
        Err(e) => console_warn!(
            "reservation {}: room not moved yet, left to the retries: {e}",
            moved.id
        ),
    }
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    http::json(200, &ReservationView::from(row))
}
