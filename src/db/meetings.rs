//! What Daily reports about each session's call (webhooks and polling): meeting times,
//! attendance per participant session, recordings, and the keys of events already applied.

use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

use super::Db;

use crate::db::archive::ArchiveStatus;
use crate::domain::time::Instant;
use crate::domain::webhook::{Effect, Presence};
use crate::domain::window::Role;
use crate::error::AppError;

/// The reservation a room belongs to, with who may appear in it.
#[derive(Debug, Clone, Deserialize)]
pub struct RoomOwner {
    pub id: String,
    pub player_id: String,
    pub coach_user_id: String,
}

impl RoomOwner {
    /// The role of a participant of the call, from the `user_id` our tokens carry.
    pub fn role_of(&self, user_id: Option<&str>) -> Option<Role> {
        match user_id {
            Some(u) if u == self.player_id => Some(Role::Player),
            Some(u) if u == self.coach_user_id => Some(Role::Coach),
            _ => None,
        }
    }
}

/// The reservation whose Daily room has this name, if any.
pub async fn owner_of_room(db: &Db, room: &str) -> Result<Option<RoomOwner>, AppError> {
    Ok(super::first(sql!(
        db,
        "SELECT r.id, r.player_id, c.user_id AS coach_user_id
         FROM reservations r JOIN coaches c ON c.id = r.coach_id
         WHERE r.daily_room_name = ?1",
        room
    )?)
    .await?)
}

const MEETING_STARTED: &str = "UPDATE reservations SET
       meeting_started_at = MIN(COALESCE(meeting_started_at, ?2), ?2),
       meeting_last_start = MAX(COALESCE(meeting_last_start, ?2), ?2)";

const MEETING_ENDED: &str = "UPDATE reservations SET
       meeting_started_at = MIN(COALESCE(meeting_started_at, ?2), ?2),
       meeting_last_start = MAX(COALESCE(meeting_last_start, ?2), ?2),
       meeting_ended_at = MAX(COALESCE(meeting_ended_at, ?3), ?3)";

/// A participant session: joined (`seconds` unknown) or left. A session joins and leaves
/// once, so what is on record stays and only what is missing is filled in: whatever order the
/// two events come in, and whether they come by webhook or from polling, the row ends with the
/// join time, and the leave time and seconds once known.
const PRESENCE: &str = "INSERT INTO attendance
       (session_id, reservation_id, role, joined_at, left_at, seconds)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE 1 = 1";

const PRESENCE_UPSERT: &str = " ON CONFLICT (session_id) DO UPDATE SET
       joined_at = COALESCE(attendance.joined_at, excluded.joined_at),
       left_at = COALESCE(attendance.left_at, excluded.left_at),
       seconds = COALESCE(attendance.seconds, excluded.seconds)";

/// A finished recording starts its archive `pending`; an error has nothing to archive.
const RECORDING: &str = "INSERT INTO recordings
       (id, reservation_id, status, started_at, duration_seconds, error, created_at,
        archive_status)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?3 = 'finished' THEN 'pending' END
     WHERE 1 = 1";

/// The statements of an effect on `owner`'s reservation, each ending in a `WHERE` that
/// `guard` extends. `None` when the event concerns no one we know (a participant without our
/// user id).
fn effect_statements(
    db: &Db,
    owner: &RoomOwner,
    event_id: &str,
    effect: &Effect,
    now: Instant,
    guard: &str,
) -> Result<Option<D1PreparedStatement>, AppError> {
    let statement = match effect {
        Effect::MeetingStarted { start, .. } => sql!(
            db,
            &format!("{MEETING_STARTED} WHERE id = ?1 {guard}"),
            &owner.id,
            start
        )?,
        Effect::MeetingEnded { start, end, .. } => sql!(
            db,
            &format!("{MEETING_ENDED} WHERE id = ?1 {guard}"),
            &owner.id,
            start,
            end
        )?,
        Effect::Joined(p) | Effect::Left(p) => {
            let Some(role) = owner.role_of(p.user_id.as_deref()) else {
                return Ok(None);
            };
            presence(db, &owner.id, role, p, guard)?
        }
        Effect::RecordingReady {
            recording_id,
            start,
            duration,
            ..
        } => sql!(
            db,
            &format!("{RECORDING} {guard} ON CONFLICT (id) DO NOTHING"),
            recording_id,
            &owner.id,
            "finished",
            start,
            duration,
            None::<String>,
            now.timestamp()
        )?,
        Effect::RecordingError { message, at, .. } => sql!(
            db,
            &format!("{RECORDING} {guard} ON CONFLICT (id) DO NOTHING"),
            format!("error:{event_id}"),
            &owner.id,
            "error",
            at.unwrap_or(now.timestamp()),
            None::<i64>,
            message,
            now.timestamp()
        )?,
        Effect::Unused => return Ok(None),
    };
    Ok(Some(statement))
}

fn presence(
    db: &Db,
    reservation: &str,
    role: Role,
    p: &Presence,
    guard: &str,
) -> Result<D1PreparedStatement, AppError> {
    let left_at = p.duration.map(|d| p.joined_at + d);
    Ok(sql!(
        db,
        &format!("{PRESENCE} {guard} {PRESENCE_UPSERT}"),
        &p.session_id,
        reservation,
        role_name(role),
        p.joined_at,
        left_at,
        p.duration
    )?)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Coach => "coach",
        Role::Player => "player",
    }
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// Every key or some key of the event was already applied: nothing changed.
    Duplicate,
    /// The event concerns no participant of ours: nothing to do.
    Ignored,
}

/// Applies an event to `owner`'s reservation exactly once: its keys are claimed with a value of
/// this request, and its effect runs in the same atomic batch only if every key carries that
/// claim. A redelivery, under the same id or (for participant events) the same session, finds
/// the keys taken and changes nothing.
pub async fn apply(
    db: &Db,
    owner: &RoomOwner,
    event_id: &str,
    keys: &[String],
    effect: &Effect,
    now: Instant,
) -> Result<Applied, AppError> {
    let claim = uuid::Uuid::new_v4().to_string();
    // The claim is a UUID made here and the count a number: written into the statement, not
    // bound, as the effects' own parameters are numbered differently.
    let guard = format!(
        "AND (SELECT COUNT(*) FROM webhook_events WHERE claim = '{claim}') = {}",
        keys.len()
    );
    let Some(effect) = effect_statements(db, owner, event_id, effect, now, &guard)? else {
        return Ok(Applied::Ignored);
    };
    let mut statements = Vec::with_capacity(keys.len() + 1);
    for key in keys {
        statements.push(sql!(
            db,
            "INSERT OR IGNORE INTO webhook_events (key, claim, received_at) VALUES (?1, ?2, ?3)",
            key,
            &claim,
            now.timestamp()
        )?);
    }
    statements.push(effect);
    let changed = super::batch(db, statements).await?;
    let claimed = changed[..keys.len()].iter().all(|&n| n == 1);
    Ok(if claimed {
        Applied::Done
    } else {
        Applied::Duplicate
    })
}

/// Removes the keys of events older than a week: Daily does not redeliver that late.
pub async fn purge_events(db: &Db, now: Instant) -> Result<usize, AppError> {
    Ok(super::run(sql!(
        db,
        "DELETE FROM webhook_events WHERE received_at < ?1",
        now.timestamp() - 7 * 24 * 3600
    )?)
    .await?)
}

/// A recording of a session (or a recording error).
#[derive(Debug, Clone, Deserialize)]
pub struct RecordingRow {
    pub id: String,
    pub status: RecordingStatus,
    pub started_at: i64,
    pub duration_seconds: Option<i64>,
    /// Where its copy in R2 stands; `None` for an error.
    pub archive_status: Option<ArchiveStatus>,
    /// The archived object's size and HTTP ETag, once archived.
    pub archive_size: Option<u64>,
    pub archive_etag: Option<String>,
}

/// A recording Daily finished, or one it reported as failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingStatus {
    Finished,
    Error,
}

const SELECT_RECORDING: &str = "SELECT id, status, started_at, duration_seconds, archive_status,
         archive_size, archive_etag FROM recordings";

/// A session's recordings and recording errors, newest first.
pub async fn recordings_of(db: &Db, reservation_id: &str) -> Result<Vec<RecordingRow>, AppError> {
    Ok(super::all(sql!(
        db,
        &format!("{SELECT_RECORDING} WHERE reservation_id = ?1 ORDER BY started_at DESC, id"),
        reservation_id
    )?)
    .await?)
}

/// One finished recording of a session.
pub async fn finished_recording(
    db: &Db,
    reservation_id: &str,
    recording_id: &str,
) -> Result<Option<RecordingRow>, AppError> {
    Ok(super::first(sql!(
        db,
        &format!(
            "{SELECT_RECORDING} WHERE reservation_id = ?1 AND id = ?2 AND status = 'finished'"
        ),
        reservation_id,
        recording_id
    )?)
    .await?)
}

/// A session the scheduled handler asks Daily about, when webhooks may have been lost.
#[derive(Debug, Clone, Deserialize)]
pub struct Unreported {
    #[serde(flatten)]
    pub owner: RoomOwner,
    pub daily_room_name: String,
}

/// Sessions over for more than 10 minutes and less than 48 hours whose meeting has no end on
/// record, or, with recording on, no recording yet; each asked about at growing intervals (10
/// min after the end, then as long again as it has been since the end at the last poll).
pub async fn unreported(
    db: &Db,
    now: Instant,
    recording: bool,
    limit: u32,
) -> Result<Vec<Unreported>, AppError> {
    let now = now.timestamp();
    Ok(super::all(sql!(
        db,
        "SELECT r.id, r.player_id, c.user_id AS coach_user_id, r.daily_room_name
         FROM reservations r JOIN coaches c ON c.id = r.coach_id
         WHERE r.end_at <= ?1 - 600 AND r.end_at > ?1 - 172800
           AND r.status = 'confirmed' AND r.daily_room_name IS NOT NULL
           AND (r.meeting_ended_at IS NULL
                OR (?2 = 1 AND NOT EXISTS (SELECT 1 FROM recordings g
                                           WHERE g.reservation_id = r.id)))
           AND (r.meeting_polled_at IS NULL
                OR ?1 - r.meeting_polled_at >= MAX(600, r.meeting_polled_at - r.end_at))
         ORDER BY r.end_at LIMIT ?3",
        now,
        i32::from(recording),
        limit
    )?)
    .await?)
}

/// Records what Daily reported for a session when asked, in one batch: what is already on
/// record from webhooks stays, what is missing is filled in, and the poll is noted.
pub async fn record_polled(
    db: &Db,
    owner: &RoomOwner,
    effects: &[Effect],
    now: Instant,
) -> Result<(), AppError> {
    let mut statements = Vec::with_capacity(effects.len() + 1);
    for effect in effects {
        if let Some(s) = effect_statements(db, owner, "poll", effect, now, "")? {
            statements.push(s);
        }
    }
    statements.push(sql!(
        db,
        "UPDATE reservations SET meeting_polled_at = ?2 WHERE id = ?1",
        &owner.id,
        now.timestamp()
    )?);
    super::batch(db, statements).await?;
    Ok(())
}
