//! Packs: `POST /packs` (buy, booking any number of its sessions at once, all or nothing),
//! `POST /packs/:id/sessions` (book one more), `GET /packs/:id`, `POST /packs/:id/cancel`, and
//! the lists `GET /api/player/packs` and `GET /api/coach/packs`. Each session is an ordinary
//! reservation with its own room, tokens, mails and replays.

use serde::Serialize;
use worker::{console_warn, Response};

use crate::http::Request;

use super::views::ReservationView;
use super::Ctx;
use crate::auth::Identity;
use crate::booking::idempotency::{fingerprint, IdempotencyKey};
use crate::config::DailyConfig;
use crate::db::idempotency as keys;
use crate::db::packs::{self, PackRow, PackSessionRow, Purchased};
use crate::db::reservations::{self, Guard};
use crate::db::{self, catalog};
use crate::domain::booking::{BookingError, NewBooking, Offer, Reschedule};
use crate::domain::ids::ReservationId;
use crate::domain::pack::{self as pack, PackPurchase, PurchaseError};
use crate::domain::time::{from_unix, Instant};
use crate::error::AppError;
use crate::{http, mail, rooms};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PackSessionView {
    id: String,
    start_date: Instant,
    end_date: Instant,
    status: String,
    /// Whether it uses one of the pack's sessions (a cancellation in time gives it back).
    uses_credit: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PackView {
    id: String,
    announcement_id: String,
    title: String,
    coach_id: String,
    coach_name: String,
    player_id: String,
    player_name: String,
    pack_size: i64,
    used: i64,
    remaining: i64,
    /// `active` or `cancelled`.
    status: String,
    created_at: Instant,
    expires_at: Instant,
    sessions: Vec<PackSessionView>,
}

fn view(row: PackRow, sessions: Vec<PackSessionRow>) -> PackView {
    PackView {
        remaining: (row.pack_size - row.used).max(0),
        id: row.id,
        announcement_id: row.announcement_id,
        title: row.title,
        coach_id: row.coach_id,
        coach_name: row.coach_name,
        player_id: row.player_id,
        player_name: row.player_name,
        pack_size: row.pack_size,
        used: row.used,
        status: row.status,
        created_at: from_unix(row.created_at),
        expires_at: from_unix(row.expires_at),
        sessions: sessions
            .into_iter()
            .map(|s| PackSessionView {
                id: s.id,
                start_date: from_unix(s.start_at),
                end_date: from_unix(s.end_at),
                status: s.status,
                uses_credit: s.pack_credit == 1,
            })
            .collect(),
    }
}

fn purchase_error(e: PurchaseError) -> AppError {
    match e {
        PurchaseError::Pack(e) => e.into(),
        PurchaseError::Session { index, error } => AppError::PackSession { index, error },
    }
}

/// A pack `who` takes part in, with its sessions; the same 404 for anyone else.
async fn pack_of(ctx: &Ctx, who: &Identity) -> Result<(PackRow, Vec<PackSessionRow>), AppError> {
    let id = ctx
        .param
        .as_deref()
        .and_then(ReservationId::parse)
        .ok_or(AppError::PackNotFound)?
        .to_string();
    let db = ctx.db()?;
    let row = packs::find_for_participant(&db, &id, who.user_id.as_str())
        .await?
        .ok_or(AppError::PackNotFound)?;
    let sessions = packs::sessions_of(&db, &id).await?;
    Ok((row, sessions))
}

/// The answer of a pack: `status` with its view.
fn answer(status: u16, row: PackRow, sessions: Vec<PackSessionRow>) -> Result<Response, AppError> {
    http::json(status, &view(row, sessions))
}

/// `GET /packs/:id`, for its player or its coach.
pub async fn show(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let who = http::identity(&req, &ctx.config, http::now())?;
    let (row, sessions) = pack_of(&ctx, &who).await?;
    answer(200, row, sessions)
}

/// Checks a purchase against the offer: a pack, of enough sessions, whose rules each session
/// follows, ending before the pack would expire.
fn check_offer(
    purchase: &PackPurchase,
    offer: Option<&Offer>,
    who: &Identity,
    now: Instant,
) -> Result<(), AppError> {
    let offer = offer.ok_or(BookingError::AnnouncementNotFound)?;
    let Some((size, days)) = offer.pack else {
        return Err(BookingError::NotAPack.into());
    };
    if purchase.sessions.len() as i64 > size {
        return Err(BookingError::TooManySessions { size }.into());
    }
    let expires_at = now + chrono::TimeDelta::days(days);
    for (index, booking) in purchase.bookings().iter().enumerate() {
        let refused = booking
            .check_session(Some(offer), &who.user_id)
            .err()
            .or_else(|| {
                (booking.slot.end() > expires_at)
                    .then_some(BookingError::AfterPackExpiry { expires_at })
            });
        if let Some(error) = refused {
            return Err(purchase_error(pack::session(index, error)));
        }
    }
    Ok(())
}

/// `POST /packs`: buys a pack for the signed-in player and books the listed sessions.
pub async fn buy(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let who = http::identity(&req, &ctx.config, now)?;
    ctx.limit_writes(&who.user_id).await?;
    let daily = ctx.daily()?;
    let limits = ctx.limits()?;
    let key = super::idempotency_key(&req)?;
    let body = http::read_json(&req).await?;
    let hash = fingerprint(&body);
    let db = ctx.db()?;
    if let Some(key) = &key {
        if let Some(record) = keys::find(&db, &who.user_id, key).await? {
            return replay(record, &hash);
        }
    }
    let purchase = PackPurchase::try_from(&body).map_err(purchase_error)?;
    purchase
        .check_timing(now, limits.horizon_days)
        .map_err(purchase_error)?;
    let offer = catalog::find_offer(&db, &purchase.announcement_id).await?;
    check_offer(&purchase, offer.as_ref(), &who, now)?;

    let id = ReservationId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes());
    let sessions: Vec<String> = purchase
        .sessions
        .iter()
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let guard = Guard {
        now,
        max_upcoming: limits.max_upcoming,
    };
    let claim = key.as_ref().map(|k| (k, hash.as_str()));
    let mail = mail::queueing(&ctx.config);
    if packs::purchase(&db, id, &purchase, &sessions, &who, guard, claim, mail).await?
        == Purchased::Refused
    {
        return Err(why_refused(&ctx, &purchase, &who, key.as_ref(), &hash, offer, guard).await?);
    }
    open_rooms(&ctx, daily, &sessions).await?;
    let (row, booked) = stored(&ctx, &id.to_string(), &who).await?;
    let body =
        serde_json::to_string(&view(row, booked)).map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(key) = &key {
        db::run(keys::store(&db, &who.user_id, key, id, 201, &body)?).await?;
    }
    created(&id.to_string(), body, false)
}

fn created(id: &str, body: String, replayed: bool) -> Result<Response, AppError> {
    let mut response = http::json_text(201, body)?;
    response
        .headers_mut()
        .set("Location", &format!("/packs/{id}"))?;
    if replayed {
        response.headers_mut().set("Idempotent-Replayed", "true")?;
    }
    Ok(response)
}

async fn stored(
    ctx: &Ctx,
    id: &str,
    who: &Identity,
) -> Result<(PackRow, Vec<PackSessionRow>), AppError> {
    let db = ctx.db()?;
    let row = packs::find_for_participant(&db, id, who.user_id.as_str())
        .await?
        .ok_or_else(|| AppError::Internal("a stored pack cannot be read back".into()))?;
    Ok((row, packs::sessions_of(&db, id).await?))
}

/// The answer kept under an Idempotency-Key, replayed; another body under it is a misuse.
fn replay(record: keys::KeyRecord, hash: &str) -> Result<Response, AppError> {
    if record.request_hash != hash {
        return Err(AppError::IdempotencyKeyReused);
    }
    match (record.response_status, record.response_body) {
        (Some(201), Some(body)) => created(&record.reservation_id, body, true),
        (Some(status), Some(body)) => Ok(http::json_text(status, body)?),
        _ => Err(AppError::IdempotencyKeyInFlight),
    }
}

/// Why the purchase's batch stored nothing: another request took the key, the player's cap on
/// upcoming sessions, or the first listed slot that is taken.
async fn why_refused(
    ctx: &Ctx,
    purchase: &PackPurchase,
    who: &Identity,
    key: Option<&IdempotencyKey>,
    hash: &str,
    offer: Option<Offer>,
    guard: Guard,
) -> Result<AppError, AppError> {
    let db = ctx.db()?;
    if let Some(key) = key {
        if let Some(record) = keys::find(&db, &who.user_id, key).await? {
            return Ok(match replay(record, hash) {
                Ok(_) => AppError::IdempotencyKeyInFlight,
                Err(e) => e,
            });
        }
    }
    let upcoming = reservations::count_upcoming(&db, &who.user_id, guard.now).await?;
    if upcoming + purchase.sessions.len() as i64 > i64::from(guard.max_upcoming) {
        return Ok(BookingError::TooManyUpcoming {
            limit: guard.max_upcoming,
        }
        .into());
    }
    let offer = offer.ok_or(BookingError::AnnouncementNotFound)?;
    for (index, slot) in purchase.sessions.iter().enumerate() {
        let taken = reservations::slot_taken(
            &db,
            &offer.coach_id,
            &offer.coach_user_id,
            who.user_id.as_str(),
            slot,
        )
        .await?;
        if taken {
            return Ok(AppError::PackSession {
                index,
                error: BookingError::SlotTaken,
            });
        }
    }
    Ok(BookingError::SlotTaken.into())
}

/// Rooms opened within one request at most (each takes a Daily request and two D1 queries);
/// the jobs Worker opens the others within the minute.
const ROOMS_PER_REQUEST: usize = 10;

/// One Daily room request per new session; one that fails is left to the retries, as is any
/// beyond [`ROOMS_PER_REQUEST`]. The sessions are stored: nothing here fails the request.
async fn open_rooms(ctx: &Ctx, daily: &DailyConfig, sessions: &[String]) -> Result<(), AppError> {
    let db = ctx.db()?;
    for (i, id) in sessions.iter().enumerate() {
        mail::deliver_soon(ctx, id.clone());
        if i >= ROOMS_PER_REQUEST {
            continue;
        }
        let opened = match reservations::find(&db, id).await {
            Ok(Some(row)) => rooms::heal(&db, daily, &row).await.map(|r| r.err()),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        match opened {
            Ok(None) => {}
            Ok(Some(e)) => {
                console_warn!("reservation {id}: room not created yet, left to the retries: {e}")
            }
            Err(e) => console_warn!("reservation {id}: room left to the retries: {e}"),
        }
    }
    Ok(())
}

/// `POST /packs/:id/sessions`: books one more session of the signed-in player's pack.
pub async fn book(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let who = http::identity(&req, &ctx.config, now)?;
    ctx.limit_writes(&who.user_id).await?;
    let daily = ctx.daily()?;
    let limits = ctx.limits()?;
    let slot = Reschedule::try_from(&http::read_json(&req).await?)?.slot;
    let (pack, _) = pack_of(&ctx, &who).await?;
    if pack.player_id != who.user_id.as_str() {
        return Err(AppError::PackNotFound);
    }
    refuse_state(&pack, now)?;
    let booking = NewBooking {
        announcement_id: crate::domain::ids::AnnouncementId::parse(&pack.announcement_id)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        coach_id: crate::domain::ids::CoachId::parse(&pack.coach_id)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        slot,
    };
    booking.check_timing(now, limits.horizon_days)?;
    let expires_at = from_unix(pack.expires_at);
    if slot.end() > expires_at {
        return Err(BookingError::AfterPackExpiry { expires_at }.into());
    }
    let db = ctx.db()?;
    // What was bought stays bookable if the coach stops selling the offer.
    let offer = catalog::find_offer(&db, &booking.announcement_id)
        .await?
        .map(|o| Offer { active: true, ..o });
    booking.check_session(offer.as_ref(), &who.user_id)?;
    let session = uuid::Uuid::new_v4().to_string();
    let guard = Guard {
        now,
        max_upcoming: limits.max_upcoming,
    };
    let mail = mail::queueing(&ctx.config);
    if !packs::add_session(&db, &pack.id, &session, &booking, &who, guard, mail).await? {
        let (again, _) = pack_of(&ctx, &who).await?;
        refuse_state(&again, now)?;
        let upcoming = reservations::count_upcoming(&db, &who.user_id, now).await?;
        if upcoming >= i64::from(limits.max_upcoming) {
            return Err(BookingError::TooManyUpcoming {
                limit: limits.max_upcoming,
            }
            .into());
        }
        return Err(BookingError::SlotTaken.into());
    }
    open_rooms(&ctx, daily, std::slice::from_ref(&session)).await?;
    let row = reservations::find(&db, &session)
        .await?
        .ok_or_else(|| AppError::Internal("a stored session cannot be read back".into()))?;
    let mut response = http::json(201, &ReservationView::from(row))?;
    response
        .headers_mut()
        .set("Location", &format!("/reservations/{session}"))?;
    Ok(response)
}

/// A pack that cannot take one more session: cancelled, expired, or all used.
fn refuse_state(pack: &PackRow, now: Instant) -> Result<(), AppError> {
    if pack.status == "cancelled" {
        Err(AppError::PackCancelled)
    } else if now.timestamp() >= pack.expires_at {
        Err(AppError::PackExpired)
    } else if pack.used >= pack.pack_size {
        Err(AppError::PackExhausted)
    } else {
        Ok(())
    }
}

/// `POST /packs/:id/cancel` (its player or its coach): cancels the pack and its sessions still
/// ahead, and deletes their rooms. Cancelling again answers the cancelled pack.
pub async fn cancel(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let who = http::identity(&req, &ctx.config, now)?;
    http::read_optional_object(&req).await?;
    ctx.limit_writes(&who.user_id).await?;
    let (pack, _) = pack_of(&ctx, &who).await?;
    let db = ctx.db()?;
    let mail = mail::queueing(&ctx.config);
    if let Some(cancelled) = packs::cancel(&db, &pack.id, now, mail).await? {
        for id in cancelled {
            if let (Ok(daily), Some(row)) = (ctx.daily(), reservations::find(&db, &id).await?) {
                if let Err(e) = rooms::remove(&db, daily, &row).await? {
                    console_warn!("reservation {id}: room not deleted yet, left to the jobs: {e}");
                }
            }
            mail::deliver_soon(&ctx, id);
        }
    }
    let (row, sessions) = pack_of(&ctx, &who).await?;
    answer(200, row, sessions)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PackList {
    packs: Vec<PackView>,
    next_cursor: Option<String>,
}

/// `GET /api/player/packs` and `GET /api/coach/packs`: newest first, `limit` (1 to 100, 50 by
/// default) per page, `cursor` for the next one.
pub async fn list(req: Request, ctx: Ctx, coach: bool) -> Result<Response, AppError> {
    let who = http::identity(&req, &ctx.config, http::now())?;
    let url = req.url()?;
    let mut limit = 50;
    let mut after = None;
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "limit" => {
                limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or(crate::domain::listing::ParameterError {
                        field: "limit",
                        reason: "must be a whole number from 1 to 100",
                    })?
            }
            "cursor" => after = Some(parse_cursor(&value)?),
            _ => {}
        }
    }
    let db = ctx.db()?;
    let mut rows = packs::list_for(&db, who.user_id.as_str(), coach, after, limit).await?;
    let next_cursor = (rows.len() > limit as usize).then(|| {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| format!("{}.{}", r.created_at, r.id))
            .unwrap_or_default()
    });
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut sessions = packs::sessions_of_packs(&db, &ids).await?;
    let packs = rows
        .into_iter()
        .map(|row| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                sessions.drain(..).partition(|s| s.pack_id == row.id);
            sessions = rest;
            view(row, mine.into_iter().map(Into::into).collect())
        })
        .collect();
    http::json(200, &PackList { packs, next_cursor })
}

fn parse_cursor(raw: &str) -> Result<(i64, String), AppError> {
    let bad = crate::domain::listing::ParameterError {
        field: "cursor",
        reason: "is not a cursor this API gave",
    };
    let (at, id) = raw.split_once('.').ok_or(bad.clone())?;
    let id = ReservationId::parse(id).ok_or(bad.clone())?;
    Ok((at.parse().map_err(|_| bad)?, id.to_string()))
}
