//! Reservations: the guarded insert that makes a booking, the participant's view, the room
//! fields, and the session lists.

use serde::Deserialize;
use worker::{query, D1Database};

use crate::auth::Identity;
use crate::daily::rooms::{Lang, Room};
use crate::domain::booking::NewBooking;
use crate::domain::ids::{ReservationId, UserId};
use crate::domain::time::{Instant, Slot};
use crate::domain::window::Role;
use crate::error::AppError;

use super::users::upsert_user;

/// A reservation as stored, with the coach's user id so the caller's role can be told.
#[derive(Debug, Clone, Deserialize)]
pub struct ReservationRow {
    pub id: String,
    pub announcement_id: String,
    pub coach_id: String,
    pub coach_user_id: String,
    pub player_id: String,
    pub player_locale: Lang,
    pub start_at: i64,
    pub end_at: i64,
    pub status: String,
    pub daily_room_name: Option<String>,
    pub daily_room_url: Option<String>,
    pub created_at: i64,
}

impl ReservationRow {
    pub fn slot(&self) -> Slot {
        Slot::from_unix(self.start_at, self.end_at)
    }

    /// The role of a user in this reservation, if they take part in it.
    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        if self.coach_user_id == user.as_str() {
            Some(Role::Coach)
        } else if self.player_id == user.as_str() {
            Some(Role::Player)
        } else {
            None
        }
    }
}

/// Stores a booking if, and only if, the offer matches and neither the coach nor the player has
/// another live session in that slot: one statement, so two concurrent bookings cannot both
/// pass the check. The player's profile is refreshed in the same atomic batch.
/// Returns `false` when nothing was inserted (the caller then finds out why).
pub async fn insert_if_free(
    db: &D1Database,
    id: ReservationId,
    booking: &NewBooking,
    player: &Identity,
    now: Instant,
) -> Result<bool, AppError> {
    let insert = query!(
        db,
        "INSERT INTO reservations
           (id, announcement_id, coach_id, player_id, start_at, end_at, status, created_at)
         SELECT ?1, a.id, a.coach_id, ?4, ?5, ?6, 'confirmed', ?7
         FROM announcements a JOIN coaches c ON c.id = a.coach_id
         WHERE a.id = ?2 AND a.coach_id = ?3 AND a.is_active = 1
           AND a.duration_minutes * 60 = ?6 - ?5
           AND c.user_id <> ?4
           AND NOT EXISTS (
             SELECT 1 FROM reservations r
             WHERE r.status <> 'cancelled' AND r.start_at < ?6 AND r.end_at > ?5
               AND (r.coach_id = ?3 OR r.player_id = ?4 OR r.player_id = c.user_id
                    OR r.coach_id IN (SELECT id FROM coaches WHERE user_id = ?4)))",
        id.to_string(),
        booking.announcement_id.as_str(),
        booking.coach_id.as_str(),
        player.user_id.as_str(),
        booking.slot.start().timestamp(),
        booking.slot.end().timestamp(),
        now.timestamp()
    )?;
    let results = db
        .batch(vec![upsert_user(db, player, now)?, insert])
        .await?;
    let changes = results
        .last()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0);
    Ok(changes == 1)
}

const SELECT_RESERVATION: &str =
    "SELECT r.id, r.announcement_id, r.coach_id, c.user_id AS coach_user_id,
        r.player_id, pu.locale AS player_locale, r.start_at, r.end_at, r.status,
        r.daily_room_name, r.daily_room_url, r.created_at
 FROM reservations r JOIN coaches c ON c.id = r.coach_id JOIN users pu ON pu.id = r.player_id";

/// A reservation as seen by one of its two participants; `None` for anyone else.
pub async fn find_for_participant(
    db: &D1Database,
    id: ReservationId,
    user: &UserId,
) -> Result<Option<ReservationRow>, AppError> {
    Ok(query!(
        db,
        &format!("{SELECT_RESERVATION} WHERE r.id = ?1 AND (r.player_id = ?2 OR c.user_id = ?2)"),
        id.to_string(),
        user.as_str()
    )?
    .first::<ReservationRow>(None)
    .await?)
}

/// Records the Daily room of a reservation.
pub async fn set_room(db: &D1Database, id: &str, room: &Room) -> Result<(), AppError> {
    query!(
        db,
        "UPDATE reservations SET daily_room_name = ?2, daily_room_url = ?3 WHERE id = ?1",
        id,
        &room.name,
        &room.url
    )?
    .run()
    .await?;
    Ok(())
}

/// One line of a session list: the reservation, its offer and the other participant.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    pub id: String,
    pub announcement_id: String,
    pub announcement_title: String,
    pub coach_id: String,
    pub player_id: String,
    pub start_at: i64,
    pub end_at: i64,
    pub status: String,
    pub daily_room_url: Option<String>,
    pub discord_channel_url: Option<String>,
    pub counterpart_id: String,
    pub counterpart_name: String,
}

/// How many sessions a list returns at most.
const LIST_LIMIT: i64 = 200;

/// A user's sessions in one role, each with the other participant: upcoming ones first (soonest
/// first), then past ones (latest first).
pub async fn list_for(
    db: &D1Database,
    user: &UserId,
    role: Role,
    now: Instant,
) -> Result<Vec<SessionRow>, AppError> {
    let (counterpart, mine) = match role {
        Role::Player => ("cp.id = c.user_id", "r.player_id = ?1"),
        Role::Coach => ("cp.id = r.player_id", "c.user_id = ?1"),
    };
    let sql = format!(
        "SELECT r.id, r.announcement_id, a.title AS announcement_title, r.coach_id, r.player_id,
                r.start_at, r.end_at, r.status, r.daily_room_url, r.discord_channel_url,
                cp.id AS counterpart_id, cp.name AS counterpart_name
         FROM reservations r
         JOIN announcements a ON a.id = r.announcement_id
         JOIN coaches c ON c.id = r.coach_id
         JOIN users cp ON {counterpart}
         WHERE {mine}
         ORDER BY r.end_at <= ?2, CASE WHEN r.end_at > ?2 THEN r.start_at ELSE -r.start_at END
         LIMIT ?3"
    );
    Ok(
        query!(db, &sql, user.as_str(), now.timestamp(), LIST_LIMIT)?
            .all()
            .await?
            .results::<SessionRow>()?,
    )
}
