//! `POST /reservations` (book a session) and `GET /reservations/:id`.

use serde::Serialize;
use worker::{console_warn, Request, Response, RouteContext};

use super::AppState;
use crate::daily::client::DailyClient;
use crate::daily::rooms::{CreateRoom, Room};
use crate::db::{self, catalog, reservations};
use crate::domain::booking::{BookingError, NewBooking};
use crate::domain::ids::ReservationId;
use crate::domain::time::{self, from_unix};
use crate::error::AppError;
use crate::http;

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
    daily_room_name: Option<String>,
    daily_room_url: Option<String>,
    created_at: String,
}

impl From<reservations::ReservationRow> for ReservationView {
    fn from(r: reservations::ReservationRow) -> Self {
        Self {
            id: r.id,
            announcement_id: r.announcement_id,
            coach_id: r.coach_id,
            player_id: r.player_id,
            start_date: time::format(from_unix(r.start_at)),
            end_date: time::format(from_unix(r.end_at)),
            status: r.status,
            daily_room_name: r.daily_room_name,
            daily_room_url: r.daily_room_url,
            created_at: time::format(from_unix(r.created_at)),
        }
    }
}

/// Books a slot of a coach's offer for the signed-in player, then opens its Daily room.
/// The reservation is stored first: if Daily fails, the booking stands and the room is created
/// at the first token request.
pub async fn create(mut req: Request, ctx: RouteContext<AppState>) -> Result<Response, AppError> {
    let now = http::now();
    let config = &ctx.data.config;
    let player = http::identity(&req, config, now)?;
    let daily = config
        .daily
        .as_ref()
        .map_err(|e| AppError::DailyNotConfigured(e.clone()))?;
    let booking = NewBooking::try_from(&http::read_json(&mut req).await?)?;
    booking.check_timing(now)?;

    let db = db::database(&ctx.env)?;
    let id = ReservationId::from_random_bytes(http::random_bytes());
    if !reservations::insert_if_free(&db, id, &booking, &player, now).await? {
        let offer = catalog::find_offer(&db, &booking.announcement_id).await?;
        booking.check_offer(offer.as_ref(), &player.user_id)?;
        return Err(BookingError::SlotTaken.into());
    }

    let room_name = daily.room_prefix.room_for(id);
    let request = CreateRoom::for_session(&room_name, &booking.slot, player.locale);
    let room: Option<Room> = match DailyClient::new(daily).create_room(&request).await {
        Ok(room) => match reservations::set_room(&db, &id.to_string(), &room).await {
            Ok(()) => Some(room),
            Err(e) => {
                console_warn!("reservation {id}: room {room_name} created but not recorded: {e}");
                None
            }
        },
        Err(e) => {
            console_warn!(
                "reservation {id}: room not created, retried at the first token request: {e}"
            );
            None
        }
    };

    let view = ReservationView {
        id: id.to_string(),
        announcement_id: booking.announcement_id.to_string(),
        coach_id: booking.coach_id.to_string(),
        player_id: player.user_id.to_string(),
        start_date: time::format(booking.slot.start()),
        end_date: time::format(booking.slot.end()),
        status: "confirmed".into(),
        daily_room_name: room.as_ref().map(|r| r.name.clone()),
        daily_room_url: room.map(|r| r.url),
        created_at: time::format(now),
    };
    let mut response = http::json(201, &view)?;
    response
        .headers_mut()
        .set("Location", &format!("/reservations/{id}"))?;
    Ok(response)
}

/// One reservation, for its coach or its player; 404 for anyone else.
pub async fn show(req: Request, ctx: RouteContext<AppState>) -> Result<Response, AppError> {
    let now = http::now();
    let who = http::identity(&req, &ctx.data.config, now)?;
    let row = super::reservation_of(&ctx, &who.user_id).await?;
    http::json(200, &ReservationView::from(row))
}
