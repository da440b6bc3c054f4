//! The outbox of e-mails (see `migrations/0006_mail.sql`): the statements that queue a change's
//! mails in the change's own batch, the claim of due mails, what became of each, and the rows a
//! participant may see.

use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

use super::Db;

use crate::domain::locale::Locale;
use crate::domain::time::Instant;
use crate::domain::window::Role;
use crate::domain::zone::TimeZone;
use crate::error::AppError;

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailKind {
    Confirmation,
    Reminder,
    Rescheduled,
    Cancelled,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Confirmation => "confirmation",
            MailKind::Reminder => "reminder",
            MailKind::Rescheduled => "rescheduled",
            MailKind::Cancelled => "cancelled",
        }
    }
}

/// Where a mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Skipped,
    Cancelled,
}

/// Queues `kind` for both participants of reservation `?1`, as the reservation is once the
/// batch's change has run. Notices are due at once; a reminder `?6` minutes before the start,
/// and only if that is still ahead. `guard` ends the `WHERE`: the mails are queued only if the
/// change took effect. Queuing a mail already there arms it again, unless it is being sent.
fn queue(
    db: &Db,
    reservation_id: &str,
    kind: MailKind,
    previous: Option<(i64, i64)>,
    now: Instant,
    reminder_minutes: u32,
    change: Option<&str>,
) -> Result<D1PreparedStatement, AppError> {
    let (due, due_guard) = match kind {
        MailKind::Reminder => ("r.start_at - ?6 * 60", "AND r.start_at - ?6 * 60 > ?5"),
        _ => ("?5", ""),
    };
    let sql = format!(
        "INSERT INTO outbox (id, reservation_id, kind, slot_start, slot_end, recipient_role,
                             recipient_id, previous_start, previous_end, sequence, due_at, next_at,
                             created_at)
         SELECT lower(hex(randomblob(16))), r.id, ?2, r.start_at, r.end_at, k.role,
                CASE k.role WHEN 'player' THEN r.player_id ELSE c.user_id END,
                ?3, ?4, r.ics_sequence, {due}, {due}, ?5
         FROM reservations r JOIN coaches c ON c.id = r.coach_id
              JOIN (SELECT 'player' AS role UNION ALL SELECT 'coach') k
         WHERE r.id = ?1 AND (?7 IS NULL OR r.changed_by = ?7) {due_guard}
         ON CONFLICT (reservation_id, kind, slot_start, recipient_id) DO UPDATE SET
           status = 'pending', attempts = 0, due_at = excluded.due_at, next_at = excluded.next_at,
           sequence = excluded.sequence, previous_start = excluded.previous_start,
           previous_end = excluded.previous_end, claim = NULL, error = NULL
         WHERE outbox.status <> 'sending'"
    );
    Ok(sql!(
        db,
        &sql,
        reservation_id,
        kind.as_str(),
        previous.map(|p| p.0),
        previous.map(|p| p.1),
        now.timestamp(),
        reminder_minutes,
        change
    )?)
}

/// The mails of a new booking, for the batch that inserts reservation `id`: both confirmations
/// and both reminders. (A booking refused by its guard inserts no reservation, so no mail.)
pub fn booked(
    db: &Db,
    id: &str,
    now: Instant,
    reminder_minutes: u32,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    Ok(vec![
        queue(
            db,
            id,
            MailKind::Confirmation,
            None,
            now,
            reminder_minutes,
            None,
        )?,
        queue(
            db,
            id,
            MailKind::Reminder,
            None,
            now,
            reminder_minutes,
            None,
        )?,
    ])
}

/// The mails of a reschedule made by `change` from `previous` (start, end): the reminders of
/// other slots disarmed and, when mail is queued (`Some(reminder minutes)`), a notice to both and
/// the new slot's reminders armed.
pub fn rescheduled(
    db: &Db,
    id: &str,
    change: &str,
    previous: (i64, i64),
    now: Instant,
    queueing: Option<u32>,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let mut statements = vec![disarm_reminders(db, id, change, true)?];
    if let Some(minutes) = queueing {
        let notice = MailKind::Rescheduled;
        statements.push(queue(
            db,
            id,
            notice,
            Some(previous),
            now,
            minutes,
            Some(change),
        )?);
        statements.push(queue(
            db,
            id,
            MailKind::Reminder,
            None,
            now,
            minutes,
            Some(change),
        )?);
    }
    Ok(statements)
}

/// The mails of a cancellation made by `change`: reminders disarmed and, when mail is queued, a
/// notice to both.
pub fn cancelled(
    db: &Db,
    id: &str,
    change: &str,
    now: Instant,
    queueing: Option<u32>,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let mut statements = vec![disarm_reminders(db, id, change, false)?];
    if let Some(minutes) = queueing {
        statements.push(queue(
            db,
            id,
            MailKind::Cancelled,
            None,
            now,
            minutes,
            Some(change),
        )?);
    }
    Ok(statements)
}

/// Cancels the pending reminders of a reservation (with `other_slots`, those of any slot but
/// its current one), if `change` took effect.
fn disarm_reminders(
    db: &Db,
    id: &str,
    change: &str,
    other_slots: bool,
) -> Result<D1PreparedStatement, AppError> {
    Ok(sql!(
        db,
        "UPDATE outbox SET status = 'cancelled'
         WHERE reservation_id = ?1 AND kind = 'reminder' AND status = 'pending'
           AND EXISTS (SELECT 1 FROM reservations r WHERE r.id = ?1 AND r.changed_by = ?2
                       AND (?3 = 0 OR r.start_at <> outbox.slot_start))",
        id,
        change,
        i32::from(other_slots)
    )?)
}

/// A mail claimed for sending, with what it needs to be written.
#[derive(Debug, Clone, Deserialize)]
pub struct Claimed {
    pub id: String,
    pub reservation_id: String,
    pub kind: MailKind,
    pub slot_start: i64,
    pub slot_end: i64,
    pub previous_start: Option<i64>,
    pub previous_end: Option<i64>,
    pub sequence: i64,
    pub recipient_role: Role,
    pub attempts: i64,
}

/// Reminders more than `late_seconds` past their time are not sent late: `skipped`.
pub async fn skip_stale_reminders(
    db: &Db,
    now: Instant,
    late_seconds: i64,
) -> Result<usize, AppError> {
    Ok(super::run(sql!(
        db,
        "UPDATE outbox SET status = 'skipped', error = 'its time had passed'
         WHERE kind = 'reminder' AND status = 'pending' AND due_at < ?1 - ?2",
        now.timestamp(),
        late_seconds
    )?)
    .await?)
}

/// Marks the due mails (of one reservation, when given) `skipped`: mail is off.
pub async fn skip_due(
    db: &Db,
    now: Instant,
    reservation_id: Option<&str>,
) -> Result<usize, AppError> {
    Ok(super::run(sql!(
        db,
        "UPDATE outbox SET status = 'skipped', error = 'mail is off (no BREVO_API_KEY)'
         WHERE status = 'pending' AND next_at <= ?1 AND (?2 IS NULL OR reservation_id = ?2)",
        now.timestamp(),
        reservation_id
    )?)
    .await?)
}

/// Claims up to `limit` due mails (of one reservation, when given) with fewer than
/// `max_attempts` attempts: each is `sending` under `claim` until `lease_until`, its attempt
/// counted, in one statement, so overlapping runs and isolates never claim the same mail. Claims
/// that ran out after the last attempt are `failed` first.
pub async fn claim(
    db: &Db,
    claim: &str,
    now: Instant,
    lease_until: Instant,
    max_attempts: i64,
    reservation_id: Option<&str>,
    limit: u32,
) -> Result<Vec<Claimed>, AppError> {
    super::run(sql!(
        db,
        "UPDATE outbox SET status = 'failed', error = 'no answer after the last attempt'
         WHERE status = 'sending' AND next_at <= ?1 AND attempts >= ?2",
        now.timestamp(),
        max_attempts
    )?)
    .await?;
    Ok(super::all(sql!(
        db,
        "UPDATE outbox SET status = 'sending', claim = ?1, attempts = attempts + 1,
             next_at = ?3
         WHERE id IN (SELECT id FROM outbox
                      WHERE status IN ('pending', 'sending') AND next_at <= ?2
                        AND attempts < ?6 AND (?4 IS NULL OR reservation_id = ?4)
                      ORDER BY next_at LIMIT ?5)
           AND status IN ('pending', 'sending') AND next_at <= ?2
         RETURNING id, reservation_id, kind, slot_start, slot_end, previous_start, previous_end,
                   sequence, recipient_role, attempts",
        claim,
        now.timestamp(),
        lease_until.timestamp(),
        reservation_id,
        limit,
        max_attempts
    )?)
    .await?)
}

/// Records a mail Brevo accepted, if `claim` still holds it.
pub async fn sent(
    db: &Db,
    id: &str,
    claim: &str,
    message_id: Option<&str>,
    now: Instant,
) -> Result<(), AppError> {
    super::run(sql!(
        db,
        "UPDATE outbox SET status = 'sent', sent_at = ?3, message_id = ?4, error = NULL
         WHERE id = ?1 AND claim = ?2 AND status = 'sending'",
        id,
        claim,
        now.timestamp(),
        message_id
    )?)
    .await?;
    Ok(())
}

/// Records a failed attempt: `pending` again from `retry_at`, or `failed` (or `skipped`, when
/// there is nothing to send, such as no address) for good.
pub async fn not_sent(
    db: &Db,
    id: &str,
    claim: &str,
    status: MailStatus,
    retry_at: Instant,
    error: &str,
) -> Result<(), AppError> {
    let status = match status {
        MailStatus::Failed => "failed",
        MailStatus::Skipped => "skipped",
        MailStatus::Cancelled => "cancelled",
        _ => "pending",
    };
    super::run(sql!(
        db,
        "UPDATE outbox SET status = ?3, next_at = ?4, error = ?5
         WHERE id = ?1 AND claim = ?2 AND status = 'sending'",
        id,
        claim,
        status,
        retry_at.timestamp(),
        error
    )?)
    .await?;
    Ok(())
}

/// One participant of a mail, as the mail addresses them.
#[derive(Debug, Clone, Deserialize)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub locale: Locale,
    pub time_zone: TimeZone,
}

/// What a session's mails say: the offer, both participants, the invite's sequence.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub id: String,
    pub title: String,
    pub status: String,
    pub start_at: i64,
    pub player_name: String,
    pub player_email: String,
    pub player_locale: Locale,
    pub player_time_zone: TimeZone,
    pub coach_name: String,
    pub coach_email: String,
    pub coach_locale: Locale,
    pub coach_time_zone: TimeZone,
}

impl Session {
    pub fn person(&self, role: Role) -> Person {
        match role {
            Role::Player => Person {
                name: self.player_name.clone(),
                email: self.player_email.clone(),
                locale: self.player_locale,
                time_zone: self.player_time_zone.clone(),
            },
            Role::Coach => Person {
                name: self.coach_name.clone(),
                email: self.coach_email.clone(),
                locale: self.coach_locale,
                time_zone: self.coach_time_zone.clone(),
            },
        }
    }
}

/// The session a mail is about.
pub async fn session(db: &Db, reservation_id: &str) -> Result<Option<Session>, AppError> {
    Ok(super::first(sql!(
        db,
        "SELECT r.id, a.title, r.status, r.start_at,
                pu.name AS player_name, pu.email AS player_email, pu.locale AS player_locale,
                pu.time_zone AS player_time_zone,
                cu.name AS coach_name, cu.email AS coach_email, cu.locale AS coach_locale,
                cu.time_zone AS coach_time_zone
         FROM reservations r JOIN announcements a ON a.id = r.announcement_id
              JOIN coaches c ON c.id = r.coach_id JOIN users cu ON cu.id = c.user_id
              JOIN users pu ON pu.id = r.player_id
         WHERE r.id = ?1",
        reservation_id
    )?)
    .await?)
}

/// A mail as its recipient sees it in the API.
#[derive(Debug, Clone, Deserialize)]
pub struct MailRow {
    pub kind: MailKind,
    pub recipient_role: Role,
    pub status: MailStatus,
    pub attempts: i64,
    pub due_at: i64,
    pub sent_at: Option<i64>,
}

/// The mails of a reservation addressed to `user`, oldest first.
pub async fn mails_to(db: &Db, reservation_id: &str, user: &str) -> Result<Vec<MailRow>, AppError> {
    Ok(super::all(sql!(
        db,
        "SELECT kind, recipient_role, status, attempts, due_at, sent_at FROM outbox
         WHERE reservation_id = ?1 AND recipient_id = ?2
         ORDER BY due_at, rowid",
        reservation_id,
        user
    )?)
    .await?)
}
