//! `GET /reservations/:id/daily-token`: a self-signed Daily meeting token for the coach (room
//! owner) or the player of a reservation, inside their join window. No request to Daily when
//! the room exists; tokens are never stored.

use serde::Serialize;
use worker::Response;

use crate::http::Request;

use super::Ctx;
use crate::config::DailyConfig;
use crate::daily::api::{DailyError, Room};
use crate::daily::client::DailyClient;
use crate::daily::token::{self, MeetingTokenClaims, Participant};
use crate::db::reservations::JoinRow;
use crate::domain::ids::UserId;
use crate::domain::reservation::ReservationStatus;
use crate::domain::time::Instant;
use crate::domain::window::{Closed, JoinWindow, Role};
use crate::error::AppError;
use crate::http;
use crate::rooms::{self, policy::VideoStatus};
use crate::web::Embed;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenView {
    token: String,
    room_url: String,
    room_name: String,
    user_role: Role,
    /// How the sessions page should open `room_url`.
    embed: Embed,
    start_date: Instant,
    end_date: Instant,
    expires_at: Instant,
}

/// Daily being down is worth a retry; Daily refusing us is not.
fn video_error(e: DailyError) -> AppError {
    if e.is_transient() {
        AppError::VideoUnavailable(e)
    } else {
        AppError::VideoRejected(e)
    }
}

/// The reservation's room as recorded; if there is none yet (Daily failed at booking), or it
/// must still move after a reschedule, it is made now, from the whole reservation.
async fn room_of(
    ctx: &Ctx,
    daily: &DailyConfig,
    row: &JoinRow,
    user: &UserId,
) -> Result<Room, AppError> {
    match (&row.daily_room_name, &row.daily_room_url, row.video_status) {
        (Some(name), Some(url), VideoStatus::Ready) => Ok(Room {
            name: name.clone(),
            url: url.clone(),
            config: Default::default(),
        }),
        _ => {
            let whole = super::reservation_of(ctx, user).await?;
            let db = ctx.db()?;
            rooms::heal(&db, daily, &whole).await?.map_err(video_error)
        }
    }
}

pub async fn daily_token(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let config = &ctx.config;
    let who = http::identity(&req, config, now)?;
    let daily = ctx.daily()?;
    let row = super::joining(&ctx, &who.user_id).await?;
    let role = row
        .role_of(&who.user_id)
        .ok_or(AppError::ReservationNotFound)?;
    if row.status == ReservationStatus::Cancelled {
        return Err(AppError::ReservationCancelled);
    }
    let slot = row.slot();
    let window = JoinWindow::for_role(&slot, role);
    window.check(now).map_err(|closed| match closed {
        Closed::NotOpenYet { opens_at } => AppError::NotOpenYet { opens_at },
        Closed::Ended { .. } => AppError::SessionEnded,
    })?;

    let room = room_of(&ctx, daily, &row, &who.user_id).await?;
    let domain_id = DailyClient::new(daily)
        .domain_id()
        .await
        .map_err(video_error)?;

    let participant = Participant {
        user_id: who.user_id.as_str(),
        name: &who.name,
        role,
    };
    let mut claims =
        MeetingTokenClaims::for_participant(&room.name, &domain_id, &participant, &window, now);
    // Recording is the coach's to start (by hand, in Prebuilt); the player's token never allows it.
    if daily.recording && role == Role::Coach {
        claims.er = Some("cloud");
    }
    let token = token::sign(daily.api_key.hs256(), &claims);

    http::json(
        200,
        &TokenView {
            token,
            embed: Embed::for_room_url(&room.url),
            room_url: room.url,
            room_name: room.name,
            user_role: role,
            start_date: slot.start(),
            end_date: slot.end(),
            expires_at: window.closes_at,
        },
    )
}
