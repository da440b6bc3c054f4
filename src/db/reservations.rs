//! Reservations: the guarded insert that makes a booking, the participant's view, the room
//! fields, and the session lists.

use chrono::serde::{ts_seconds, ts_seconds_option};
use serde::Deserialize;
use worker::D1PreparedStatement;

use super::Db;

use crate::auth::Identity;
use crate::booking::idempotency::IdempotencyKey;
use crate::daily::api::Room;
use crate::domain::booking::NewBooking;
use crate::domain::call::CallReport;
use crate::domain::ids::{ReservationId, UserId};
use crate::domain::listing::PageRequest;
use crate::domain::locale::Locale;
use crate::domain::reservation::ReservationStatus;
use crate::domain::time::{Instant, Slot};
use crate::domain::window::{grace_after_end, Role};
use crate::error::AppError;
use crate::rooms::policy::{VideoStatus, MAX_HEAL_ATTEMPTS};

use super::idempotency;
use super::outbox;
use super::users::upsert_user;

/// A reservation as stored, with the coach's user id so the caller's role can be told.
#[derive(Debug, Clone, Deserialize)]
pub struct ReservationRow {
    pub id: String,
    pub announcement_id: String,
    pub coach_id: String,
    pub coach_user_id: String,
    pub player_id: String,
    pub player_locale: Locale,
    #[serde(with = "ts_seconds")]
    pub start_at: Instant,
    #[serde(with = "ts_seconds")]
    pub end_at: Instant,
    pub status: ReservationStatus,
    pub daily_room_name: Option<String>,
    pub daily_room_url: Option<String>,
    pub video_status: VideoStatus,
    pub video_attempts: i64,
    #[serde(with = "ts_seconds_option")]
    pub rescheduled_at: Option<Instant>,
    #[serde(with = "ts_seconds")]
    pub created_at: Instant,
    // What Daily reported of the call (see `CallReport`). Plain fields rather than a
    // `#[serde(flatten)]` struct, which would buffer every row before reading it.
    #[serde(default)]
    meeting_started_at: Option<i64>,
    #[serde(default)]
    meeting_last_start: Option<i64>,
    #[serde(default)]
    meeting_ended_at: Option<i64>,
    #[serde(default)]
    attendance: Option<String>,
    #[serde(default)]
    latest_recording_id: Option<String>,
}

impl ReservationRow {
    /// What Daily reported of the call.
    pub fn call(&self) -> CallReport {
        CallReport {
            meeting_started_at: self.meeting_started_at,
            meeting_last_start: self.meeting_last_start,
            meeting_ended_at: self.meeting_ended_at,
            attendance: self.attendance.clone(),
            latest_recording_id: self.latest_recording_id.clone(),
        }
    }

    pub fn slot(&self) -> Slot {
        Slot::from_stored(self.start_at, self.end_at)
    }

    /// The role of a user in this reservation, if they take part in it.
    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        role_in(&self.coach_user_id, &self.player_id, user)
    }
}

fn role_in(coach_user_id: &str, player_id: &str, user: &UserId) -> Option<Role> {
    if coach_user_id == user.as_str() {
        Some(Role::Coach)
    } else if player_id == user.as_str() {
        Some(Role::Player)
    } else {
        None
    }
}

/// What joining a reservation needs to know: who takes part, when, and its room. The token
/// path reads only this (no offer, no locale, none of Daily's reports), which keeps its one
/// query to primary-key lookups.
#[derive(Debug, Clone, Deserialize)]
pub struct JoinRow {
    coach_user_id: String,
    player_id: String,
    #[serde(with = "ts_seconds")]
    start_at: Instant,
    #[serde(with = "ts_seconds")]
    end_at: Instant,
    pub status: ReservationStatus,
    pub daily_room_name: Option<String>,
    pub daily_room_url: Option<String>,
    pub video_status: VideoStatus,
}

impl JoinRow {
    pub fn slot(&self) -> Slot {
        Slot::from_stored(self.start_at, self.end_at)
    }

    /// The role of a user in this reservation, if they take part in it.
    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        role_in(&self.coach_user_id, &self.player_id, user)
    }
}

/// What a booking attempt did.
pub struct Inserted {
    /// The reservation row was stored.
    pub reservation: bool,
    /// With an Idempotency-Key: this request claimed the key (else an earlier one holds it).
    pub claimed: bool,
}

/// What the guarded insert checks besides the slot.
#[derive(Debug, Clone, Copy)]
pub struct Guard {
    pub now: Instant,
    /// The player's confirmed reservations not yet over must stay below this.
    pub max_upcoming: u32,
}

/// Stores a booking if, and only if, the offer matches, the player holds fewer than
/// `max_upcoming` sessions not yet over, and neither the coach nor the player has another live
/// session in that slot: one guarded statement, so two concurrent bookings cannot both pass the
/// checks. In the same atomic batch: the player's profile is refreshed and, with an
/// Idempotency-Key, the key is claimed; the insert then happens only under this claim.
pub async fn insert_if_free(
    db: &Db,
    id: ReservationId,
    booking: &NewBooking,
    player: &Identity,
    guard: Guard,
    key: Option<(&IdempotencyKey, &str)>,
    mail: Option<u32>,
) -> Result<Inserted, AppError> {
    let now = guard.now;
    let insert = guarded_insert(
        db,
        &id.to_string(),
        booking,
        player.user_id.as_str(),
        guard,
        key.map(|(k, _)| k.as_str()),
        None,
    )?;
    let mut statements = Vec::with_capacity(3);
    if let Some((k, hash)) = key {
        statements.push(idempotency::claim(db, &player.user_id, k, hash, id, now)?);
    }
    statements.push(upsert_user(db, player, now)?);
    statements.push(insert);
    let inserted = statements.len() - 1;
    if let Some(reminder_minutes) = mail {
        statements.extend(outbox::booked(db, &id.to_string(), now, reminder_minutes)?);
    }
    let results = super::batch(db, statements).await?;
    Ok(Inserted {
        reservation: results.get(inserted) == Some(&1),
        claimed: key.is_none() || results.first() == Some(&1),
    })
}

/// The guarded insert of one booking (see [`insert_if_free`]). With an Idempotency-Key, only
/// under its claim by reservation `id`. A single booking is refused for a pack offer; a session
/// of pack `pack` needs that pack active, the player's, unexpired at the slot's end, and with a
/// credit left.
pub fn guarded_insert(
    db: &Db,
    id: &str,
    booking: &NewBooking,
    player: &str,
    guard: Guard,
    key: Option<&str>,
    pack: Option<&str>,
) -> Result<D1PreparedStatement, AppError> {
    let claimed_by_this_request =
        idempotency::held_by_this_request(key.is_some(), "?1", "?4", "?8");
    let offer_kind = match pack {
        None => "AND ?10 IS NULL AND a.pack_size IS NULL",
        Some(_) => {
            "AND a.pack_size IS NOT NULL
             AND EXISTS (SELECT 1 FROM packs p
                         WHERE p.id = ?10 AND p.player_id = ?4 AND p.status = 'active'
                           AND p.announcement_id = a.id AND ?6 <= p.expires_at
                           AND (SELECT COUNT(*) FROM reservations q
                                WHERE q.pack_id = p.id AND q.pack_credit = 1) < p.pack_size)"
        }
    };
    let sql = format!(
        "INSERT INTO reservations
           (id, announcement_id, coach_id, player_id, start_at, end_at, status, created_at, pack_id)
         SELECT ?1, a.id, a.coach_id, ?4, ?5, ?6, 'confirmed', ?7, ?10
         FROM announcements a JOIN coaches c ON c.id = a.coach_id
         WHERE a.id = ?2 AND a.coach_id = ?3 AND (a.is_active = 1 OR ?10 IS NOT NULL)
           AND a.duration_minutes * 60 = ?6 - ?5
           AND c.user_id <> ?4
           {claimed_by_this_request}
           {offer_kind}
           AND (SELECT COUNT(*) FROM reservations u
                WHERE u.player_id = ?4 AND u.status = 'confirmed' AND u.end_at > ?7) < ?9
           AND NOT EXISTS (
             SELECT 1 FROM reservations r
             WHERE r.status <> 'cancelled' AND r.start_at < ?6 AND r.end_at > ?5
               AND (r.coach_id = ?3 OR r.player_id = ?4 OR r.player_id = c.user_id
                    OR r.coach_id IN (SELECT id FROM coaches WHERE user_id = ?4)))"
    );
    Ok(sql!(
        db,
        &sql,
        id,
        booking.announcement_id.as_str(),
        booking.coach_id.as_str(),
        player,
        booking.slot.start().timestamp(),
        booking.slot.end().timestamp(),
        guard.now.timestamp(),
        key,
        guard.max_upcoming,
        pack
    )?)
}

/// The columns of a [`ReservationRow`], from [`RESERVATION_TABLES`].
macro_rules! reservation_columns {
    () => {
        "r.id, r.announcement_id, r.coach_id, c.user_id AS coach_user_id,
         r.player_id, pu.locale AS player_locale, r.start_at, r.end_at, r.status,
         r.daily_room_name, r.daily_room_url, r.video_status, r.video_attempts, r.rescheduled_at,
         r.created_at, r.meeting_started_at, r.meeting_last_start, r.meeting_ended_at,
         (SELECT json_group_object(role, json_object('joinedAt', j, 'leftAt', l, 'seconds', s))
          FROM (SELECT role, MIN(joined_at) AS j,
                       CASE WHEN COUNT(left_at) < COUNT(*) THEN NULL ELSE MAX(left_at) END AS l,
                       COALESCE(SUM(seconds), 0) AS s
                FROM attendance WHERE reservation_id = r.id GROUP BY role)) AS attendance,
         (SELECT g.id FROM recordings g WHERE g.reservation_id = r.id AND g.status = 'finished'
            AND g.archive_status IS NOT 'expired'
          ORDER BY g.started_at DESC, g.id LIMIT 1) AS latest_recording_id"
    };
}

/// A reservation with its coach (`c`) and its player (`pu`).
macro_rules! reservation_tables {
    () => {
        "reservations r JOIN coaches c ON c.id = r.coach_id JOIN users pu ON pu.id = r.player_id"
    };
}

const SELECT_RESERVATION: &str = concat!(
    "SELECT ",
    reservation_columns!(),
    " FROM ",
    reservation_tables!()
);

/// A reservation as seen by one of its two participants; `None` for anyone else.
pub async fn find_for_participant(
    db: &Db,
    id: ReservationId,
    user: &UserId,
) -> Result<Option<ReservationRow>, AppError> {
    Ok(super::first::<ReservationRow>(sql!(
        db,
        &format!("{SELECT_RESERVATION} WHERE r.id = ?1 AND (r.player_id = ?2 OR c.user_id = ?2)"),
        id.to_string(),
        user.as_str()
    )?)
    .await?)
}

/// What joining a reservation needs, if `user` takes part in it; `None` for anyone else.
pub async fn find_for_joining(
    db: &Db,
    id: ReservationId,
    user: &UserId,
) -> Result<Option<JoinRow>, AppError> {
    Ok(super::first::<JoinRow>(sql!(
        db,
        "SELECT c.user_id AS coach_user_id, r.player_id, r.start_at, r.end_at, r.status,
                r.daily_room_name, r.daily_room_url, r.video_status
         FROM reservations r JOIN coaches c ON c.id = r.coach_id
         WHERE r.id = ?1 AND (r.player_id = ?2 OR c.user_id = ?2)",
        id.to_string(),
        user.as_str()
    )?)
    .await?)
}

/// How many confirmed reservations of a player are not over yet.
pub async fn count_upcoming(db: &Db, player: &UserId, now: Instant) -> Result<i64, AppError> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let row = super::first::<Count>(sql!(
        db,
        "SELECT COUNT(*) AS n FROM reservations
         WHERE player_id = ?1 AND status = 'confirmed' AND end_at > ?2",
        player.as_str(),
        now.timestamp()
    )?)
    .await?;
    Ok(row.map_or(0, |c| c.n))
}

/// The pack terms of a reservation that belongs to one: the pack's expiry.
pub async fn pack_expiry(db: &Db, id: &str) -> Result<Option<i64>, AppError> {
    #[derive(Deserialize)]
    struct Expiry {
        expires_at: i64,
    }
    let row = super::first::<Expiry>(sql!(
        db,
        "SELECT p.expires_at FROM reservations r JOIN packs p ON p.id = r.pack_id WHERE r.id = ?1",
        id
    )?)
    .await?;
    Ok(row.map(|e| e.expires_at))
}

/// Whether the coach (`coach_id`, user `coach_user`) or `player` already has a live session
/// overlapping `slot`: the check of the guarded insert, alone, to say which slot was taken.
pub async fn slot_taken(
    db: &Db,
    coach_id: &str,
    coach_user: &str,
    player: &str,
    slot: &Slot,
) -> Result<bool, AppError> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let row = super::first::<Count>(sql!(
        db,
        "SELECT COUNT(*) AS n FROM reservations r
         WHERE r.status <> 'cancelled' AND r.start_at < ?5 AND r.end_at > ?4
           AND (r.coach_id = ?1 OR r.player_id = ?3 OR r.player_id = ?2
                OR r.coach_id IN (SELECT id FROM coaches WHERE user_id = ?3))",
        coach_id,
        coach_user,
        player,
        slot.start().timestamp(),
        slot.end().timestamp()
    )?)
    .await?;
    Ok(row.is_some_and(|c| c.n > 0))
}

/// Records the Daily room of a live reservation as `ready`, if the reservation still has the
/// window the room was set to (compare-and-set on the slot). Changes no row if it was cancelled
/// or moved meanwhile: the caller then removes the room, or moves it again.
pub fn set_room(
    db: &Db,
    id: &str,
    room: &Room,
    slot: &Slot,
) -> Result<D1PreparedStatement, AppError> {
    Ok(sql!(
        db,
        "UPDATE reservations
         SET daily_room_name = ?2, daily_room_url = ?3, video_status = 'ready',
             video_attempts = 0, video_retry_at = 0
         WHERE id = ?1 AND status = 'confirmed' AND start_at = ?4 AND end_at = ?5",
        id,
        &room.name,
        &room.url,
        slot.start().timestamp(),
        slot.end().timestamp()
    )?)
}

/// [`set_room`], run alone: `false` if the reservation was cancelled or moved meanwhile.
pub async fn record_room(db: &Db, id: &str, room: &Room, slot: &Slot) -> Result<bool, AppError> {
    Ok(super::run(set_room(db, id, room, slot)?).await? == 1)
}

/// A reservation as it stands now, whoever asks (the shell has checked who may see it).
pub async fn find(db: &Db, id: &str) -> Result<Option<ReservationRow>, AppError> {
    Ok(super::first::<ReservationRow>(sql!(
        db,
        &format!("{SELECT_RESERVATION} WHERE r.id = ?1"),
        id
    )?)
    .await?)
}

/// A failed attempt of the scheduled handler: try again later, or give up (`failed`).
pub async fn record_video_failure(
    db: &Db,
    id: &str,
    attempts: i64,
    retry_at: Instant,
    give_up: bool,
) -> Result<(), AppError> {
    let status = if give_up { "failed" } else { "pending" };
    super::run(sql!(
        db,
        "UPDATE reservations
         SET video_attempts = ?2, video_retry_at = ?3,
             video_status = CASE WHEN status = 'cancelled' THEN video_status ELSE ?4 END
         WHERE id = ?1 AND video_status <> 'deleted'",
        id,
        attempts,
        retry_at.timestamp(),
        status
    )?)
    .await?;
    Ok(())
}

/// The room of a cancelled reservation is gone.
pub async fn record_room_deleted(db: &Db, id: &str) -> Result<(), AppError> {
    super::run(sql!(
        db,
        "UPDATE reservations SET video_status = 'deleted', video_attempts = 0, video_retry_at = 0
         WHERE id = ?1 AND status = 'cancelled'",
        id
    )?)
    .await?;
    Ok(())
}

/// Cancels a confirmed reservation, with mail (`Some(reminder minutes)`) its notices queued and
/// its reminders disarmed in the same batch; `false` if it was not confirmed any more. A pack's
/// session cancelled more than `refund_hours` before its start gives its credit back.
pub async fn cancel(
    db: &Db,
    id: &str,
    now: Instant,
    mail: Option<u32>,
    refund_hours: u32,
    by_coach: bool,
) -> Result<bool, AppError> {
    let change = uuid::Uuid::new_v4().to_string();
    let mut statements = vec![sql!(
        db,
        "UPDATE reservations SET status = 'cancelled', cancelled_at = ?2, video_retry_at = 0,
             ics_sequence = ics_sequence + 1, changed_by = ?3,
             pack_credit = CASE WHEN pack_id IS NOT NULL AND (?5 = 1 OR start_at - ?2 > ?4 * 3600)
                                THEN 0 ELSE pack_credit END
         WHERE id = ?1 AND status = 'confirmed'",
        id,
        now.timestamp(),
        &change,
        refund_hours,
        i32::from(by_coach)
    )?];
    statements.extend(outbox::cancelled(db, id, &change, now, mail)?);
    Ok(super::batch(db, statements).await?.first() == Some(&1))
}

/// Moves a reservation that has not started to a new slot of the same length, if neither
/// participant has another live session there, and if it still starts when `row` says (two
/// reschedules at once: the second is refused); a pack's session only while more than
/// `refund_hours` ahead, and to a slot ending before the pack expires: one guarded statement,
/// like the booking. The
/// room must then follow (`pending` until it does). With mail (`Some(reminder minutes)`), the
/// notices and the new reminders are queued, and the old reminders disarmed, in the same batch.
pub async fn reschedule_if_free(
    db: &Db,
    row: &ReservationRow,
    slot: &Slot,
    now: Instant,
    mail: Option<u32>,
    refund_hours: u32,
) -> Result<bool, AppError> {
    let change = uuid::Uuid::new_v4().to_string();
    let update = sql!(
        db,
        "UPDATE reservations
         SET start_at = ?2, end_at = ?3, rescheduled_at = ?4,
             video_status = 'pending', video_attempts = 0, video_retry_at = 0,
             ics_sequence = ics_sequence + 1, changed_by = ?8
         WHERE id = ?1 AND status = 'confirmed' AND start_at > ?4 AND start_at = ?9
           AND (pack_id IS NULL
                OR (start_at - ?4 > ?10 * 3600
                    AND ?3 <= (SELECT p.expires_at FROM packs p WHERE p.id = reservations.pack_id)))
           AND ?3 - ?2 = end_at - start_at
           AND NOT EXISTS (
             SELECT 1 FROM reservations r
             WHERE r.id <> ?1 AND r.status <> 'cancelled' AND r.start_at < ?3 AND r.end_at > ?2
               AND (r.coach_id = ?5 OR r.player_id = ?6 OR r.player_id = ?7
                    OR r.coach_id IN (SELECT id FROM coaches WHERE user_id = ?6)))",
        &row.id,
        slot.start().timestamp(),
        slot.end().timestamp(),
        now.timestamp(),
        &row.coach_id,
        &row.player_id,
        &row.coach_user_id,
        &change,
        row.start_at.timestamp(),
        refund_hours
    )?;
    let mut statements = vec![update];
    let previous = (row.start_at.timestamp(), row.end_at.timestamp());
    statements.extend(outbox::rescheduled(
        db, &row.id, &change, previous, now, mail,
    )?);
    Ok(super::batch(db, statements).await?.first() == Some(&1))
}

/// Live reservations whose room must be created or moved, due now; oldest work first.
pub async fn due_rooms(db: &Db, now: Instant, limit: i64) -> Result<Vec<ReservationRow>, AppError> {
    Ok(super::all::<ReservationRow>(sql!(
        db,
        &format!(
            "{SELECT_RESERVATION}
             WHERE r.status = 'confirmed' AND r.video_status = 'pending'
               AND r.video_retry_at <= ?1 AND r.video_attempts < ?2 AND r.end_at + ?3 > ?1
             ORDER BY r.video_retry_at, r.start_at LIMIT ?4"
        ),
        now.timestamp(),
        MAX_HEAL_ATTEMPTS,
        grace_after_end().num_seconds(),
        limit
    )?)
    .await?)
}

/// Cancelled reservations whose room may still exist, due now.
pub async fn due_deletions(
    db: &Db,
    now: Instant,
    limit: i64,
) -> Result<Vec<ReservationRow>, AppError> {
    Ok(super::all::<ReservationRow>(sql!(
        db,
        &format!(
            "{SELECT_RESERVATION}
             WHERE r.status = 'cancelled' AND r.video_status <> 'deleted' AND r.video_retry_at <= ?1
             ORDER BY r.video_retry_at LIMIT ?2"
        ),
        now.timestamp(),
        limit
    )?)
    .await?)
}

/// One line of a session list: the reservation, its offer and the other participant.
pub struct SessionRow {
    pub reservation: ReservationRow,
    pub listing: Listing,
}

/// What a session list adds to each reservation. Read from the same rows as the reservation
/// (each type takes its own columns), rather than through `#[serde(flatten)]`, which would
/// buffer every row before reading it.
#[derive(Debug, Clone, Deserialize)]
pub struct Listing {
    pub announcement_title: String,
    pub discord_channel_url: Option<String>,
    pub counterpart_id: String,
    pub counterpart_name: String,
    pub pack_id: Option<String>,
    pub pack_index: Option<i64>,
    pub pack_size: Option<i64>,
}

/// One page of a user's sessions in one role, each with the other participant, in the order of
/// `listing` (upcoming soonest first, then past latest first, as of `as_of`), after the page's
/// cursor; one more row than the page holds, to tell whether another page follows.
pub async fn list_for(
    db: &Db,
    user: &UserId,
    role: Role,
    page: &PageRequest,
    as_of: i64,
) -> Result<Vec<SessionRow>, AppError> {
    let (counterpart, mine) = match role {
        Role::Player => ("cp.id = c.user_id", "r.player_id = ?1"),
        Role::Coach => ("cp.id = r.player_id", "c.user_id = ?1"),
    };
    let live = if page.include_cancelled {
        ""
    } else {
        "AND r.status <> 'cancelled'"
    };
    let sql = format!(
        "SELECT {}, a.title AS announcement_title, r.discord_channel_url,
                cp.id AS counterpart_id, cp.name AS counterpart_name, r.pack_id,
                CASE WHEN r.pack_id IS NULL THEN NULL ELSE
                  (SELECT COUNT(*) FROM reservations q
                   WHERE q.pack_id = r.pack_id AND q.status <> 'cancelled'
                     AND (q.start_at < r.start_at OR (q.start_at = r.start_at AND q.id <= r.id)))
                END AS pack_index,
                (SELECT pk.pack_size FROM packs pk WHERE pk.id = r.pack_id) AS pack_size
         FROM {}
         JOIN announcements a ON a.id = r.announcement_id
         JOIN users cp ON {counterpart}
         WHERE {mine} {live}
           AND (CASE WHEN r.end_at > ?2 THEN 0 ELSE 1 END,
                CASE WHEN r.end_at > ?2 THEN r.start_at ELSE -r.start_at END,
                r.id) > (?3, ?4, ?5)
         ORDER BY r.end_at <= ?2, CASE WHEN r.end_at > ?2 THEN r.start_at ELSE -r.start_at END, r.id
         LIMIT ?6",
        reservation_columns!(),
        reservation_tables!()
    );
    // Before the first row of any list: phases are 0 and 1.
    let (phase, key, id) = page.cursor.as_ref().map_or((-1, 0, ""), |c| {
        (i64::from(c.after.phase), c.after.key, c.after.id.as_str())
    });
    let rows = super::all_twice::<ReservationRow, Listing>(sql!(
        db,
        &sql,
        user.as_str(),
        as_of,
        phase,
        key,
        id,
        page.limit + 1
    )?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(reservation, listing)| SessionRow {
            reservation,
            listing,
        })
        .collect())
}
