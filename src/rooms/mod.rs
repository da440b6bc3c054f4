//! Each reservation's Daily room, kept in step with the reservation (shell): create it, move it
//! to a new window, delete it after a cancellation. Used by the API and the scheduled handler.
//! What the room is, and the state a reservation records of it, is `policy` (pure).

pub mod policy;

use worker::console_warn;

use crate::config::DailyConfig;
use crate::daily::api::{DailyError, Room};
use crate::daily::client::DailyClient;
use crate::db::reservations::{self, ReservationRow};
use crate::db::Db;
use crate::domain::ids::{ReservationId, RoomName};
use crate::domain::reservation::ReservationStatus;
use crate::error::AppError;

/// The room name of a reservation: the one recorded, else the deterministic one.
pub fn room_name(daily: &DailyConfig, row: &ReservationRow) -> Result<RoomName, DailyError> {
    if let Some(name) = &row.daily_room_name {
        return Ok(RoomName::from_stored(name.clone()));
    }
    let id = ReservationId::parse(&row.id).ok_or_else(|| DailyError::Malformed {
        status: 0,
        detail: format!("reservation id {} is not a UUID", row.id),
    })?;
    Ok(daily.room_prefix.room_for(id))
}

/// Makes sure the room exists for the reservation's current window: create it (or read back
/// the one an earlier attempt made), and move it if its window is not the reservation's.
pub async fn ensure_room(daily: &DailyConfig, row: &ReservationRow) -> Result<Room, DailyError> {
    let client = DailyClient::new(daily);
    let name = room_name(daily, row)?;
    let slot = row.slot();
    let room = client
        .create_room(&policy::create_request(
            &name,
            &slot,
            row.player_locale,
            daily.recording,
        ))
        .await?;
    if !policy::has_window_of(room.config.exp, &slot) {
        return client
            .update_room(&room.name, &policy::window_update(&slot))
            .await;
    }
    Ok(room)
}

/// After a reschedule: move the existing room (one request), or create one if there is none.
pub async fn move_room(daily: &DailyConfig, row: &ReservationRow) -> Result<Room, DailyError> {
    if let Some(name) = &row.daily_room_name {
        let client = DailyClient::new(daily);
        match client
            .update_room(name, &policy::window_update(&row.slot()))
            .await
        {
            Err(e) if e.is_not_found() => {}
            other => return other,
        }
    }
    ensure_room(daily, row).await
}

/// How many times a reschedule moves the room again when another reschedule raced it.
const MAX_FOLLOW_ROUNDS: usize = 3;

/// Ensures the room and records it. If the reservation was cancelled meanwhile, the room just
/// made is removed again, so a cancelled reservation never keeps a room. If it was moved
/// meanwhile, the room stays `pending` and the next run moves it.
pub async fn heal(
    db: &Db,
    daily: &DailyConfig,
    row: &ReservationRow,
) -> Result<Result<Room, DailyError>, AppError> {
    let room = match ensure_room(daily, row).await {
        Ok(room) => room,
        Err(e) => return Ok(Err(e)),
    };
    if reservations::record_room(db, &row.id, &room, &row.slot()).await? {
        return Ok(Ok(room));
    }
    let cancelled = reservations::find(db, &row.id)
        .await?
        .is_none_or(|now| now.status == ReservationStatus::Cancelled);
    if cancelled {
        console_warn!(
            "reservation {}: cancelled while its room was made; removing it",
            row.id
        );
        if DailyClient::new(daily)
            .delete_room(&room.name)
            .await
            .is_ok()
        {
            reservations::record_room_deleted(db, &row.id).await?;
        }
    }
    Ok(Ok(room))
}

/// After a reschedule: moves the room to the reservation's window and records it `ready` only
/// if the reservation still has that window once Daily has answered. When another reschedule
/// moved the reservation meanwhile, its window is read again and the room moved again, so the
/// last move to reach Daily is the reservation's final window, whatever order two racing
/// reschedules reach Daily in. `Ok(false)`: still not in step after a few rounds (or Daily
/// failed); the room stays `pending` for the scheduled handler.
pub async fn follow(
    db: &Db,
    daily: &DailyConfig,
    mut row: ReservationRow,
) -> Result<Result<bool, DailyError>, AppError> {
    for _ in 0..MAX_FOLLOW_ROUNDS {
        let room = match move_room(daily, &row).await {
            Ok(room) => room,
            Err(e) => return Ok(Err(e)),
        };
        if reservations::record_room(db, &row.id, &room, &row.slot()).await? {
            return Ok(Ok(true));
        }
        match reservations::find(db, &row.id).await? {
            Some(now) if now.status == ReservationStatus::Confirmed => row = now,
            // Cancelled meanwhile: the cancellation removes the room.
            _ => return Ok(Ok(true)),
        }
    }
    Ok(Ok(false))
}

/// Deletes the room of a cancelled reservation (a room already gone counts as deleted).
pub async fn remove(
    db: &Db,
    daily: &DailyConfig,
    row: &ReservationRow,
) -> Result<Result<(), DailyError>, AppError> {
    let name = match room_name(daily, row) {
        Ok(name) => name,
        Err(e) => return Ok(Err(e)),
    };
    match DailyClient::new(daily).delete_room(name.as_str()).await {
        Ok(()) => {
            reservations::record_room_deleted(db, &row.id).await?;
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(e)),
    }
}
