//! The scheduled handler's work, every minute: create or move the rooms still `pending` (with
//! backoff and an attempt count), delete the rooms of cancelled reservations (spaced out: Daily
//! allows about 2 deletions a second), ask Daily about ended sessions whose webhooks did not
//! arrive, archive finished recordings to R2 (see [`crate::archive`]), send the e-mails that
//! are due (see [`crate::mail`]: reminders, and what was not sent after a change), and forget
//! Idempotency-Keys older than 24 hours and webhook event keys older than a week.

use std::time::Duration;

use chrono::TimeDelta;
use worker::{console_error, console_log, console_warn, Delay, Env};

use crate::archive;
use crate::booking::idempotency::RETENTION_SECONDS;
use crate::config::{Config, DailyConfig};
use crate::daily::api::{DailyError, Meeting, Recording};
use crate::daily::client::DailyClient;
use crate::db::reservations::{self, ReservationRow};
use crate::db::Db;
use crate::db::{self, idempotency, meetings};
use crate::domain::time::Instant;
use crate::domain::webhook::{Effect, Presence};
use crate::error::AppError;
use crate::mail;
use crate::rooms::{self, policy::heal_backoff, policy::MAX_HEAL_ATTEMPTS};

/// Rooms created or moved per run at most.
const HEAL_BATCH: i64 = 25;
/// Rooms deleted per run at most, and the pause between two deletions.
const DELETE_BATCH: i64 = 20;
const DELETE_SPACING: Duration = Duration::from_millis(600);
/// Sessions asked about per run at most (two Daily requests each, well under its limits).
const POLL_BATCH: u32 = 5;

#[derive(Debug, Default)]
pub struct Report {
    pub rooms_ready: usize,
    pub rooms_failed: usize,
    pub rooms_deleted: usize,
    pub deletions_failed: usize,
    pub keys_purged: usize,
    pub sessions_polled: usize,
    pub archive: archive::Report,
    pub mail: mail::Report,
}

/// Records a failed attempt at a reservation's room and schedules the next one, or gives up
/// after `max_attempts` (never, without one) or at once when Daily refuses the request.
/// `true` when Daily is struggling and the run should stop there.
async fn failed(
    db: &Db,
    row: &ReservationRow,
    e: &DailyError,
    what: &str,
    max_attempts: Option<i64>,
    now: Instant,
) -> Result<bool, AppError> {
    let attempts = row.video_attempts + 1;
    console_warn!(
        "scheduled: room of {} {what} (attempt {attempts}): {e}",
        row.id
    );
    let give_up = max_attempts.is_some_and(|max| !e.is_transient() || attempts >= max);
    let retry_at = now + heal_backoff(attempts);
    reservations::record_video_failure(db, &row.id, attempts, retry_at, give_up).await?;
    Ok(e.is_transient())
}

pub async fn run(env: &Env, config: &Config, now: Instant) -> Result<Report, AppError> {
    let db = db::database(env)?;
    let mut report = Report {
        keys_purged: idempotency::purge(&db, now - TimeDelta::seconds(RETENTION_SECONDS + 3600))
            .await?,
        ..Report::default()
    };
    match &config.daily {
        Ok(daily) => {
            heal_rooms(&db, daily, now, &mut report).await?;
            delete_rooms(&db, daily, now, &mut report).await?;
            poll_sessions(&db, daily, now, &mut report).await?;
            match &config.archive {
                Ok(policy) => report.archive = archive::run(env, &db, daily, policy, now).await?,
                Err(e) => console_warn!("scheduled: recordings not archived ({e})"),
            }
        }
        Err(e) => console_warn!("scheduled: Daily not configured ({e}); rooms left as they are"),
    }
    // Mail last, and on its own: a failure there stops neither the rooms nor the archive.
    match mail::deliver_or_skip(&db, config, now, None).await {
        Ok(mail) => report.mail = mail,
        Err(e) => console_error!(
            "scheduled: mail not sent this run: {}",
            e.log_detail().unwrap_or_else(|| e.to_string())
        ),
    }
    console_log!(
        "scheduled: {} rooms ready, {} not yet; {} rooms deleted, {} not yet; {} keys purged; {} ended sessions asked about; {} recordings archived, {} copies failed, {} expired; {} mails sent, {} to retry, {} failed, {} skipped",
        report.rooms_ready,
        report.rooms_failed,
        report.rooms_deleted,
        report.deletions_failed,
        report.keys_purged,
        report.sessions_polled,
        report.archive.archived,
        report.archive.failed_attempts,
        report.archive.expired,
        report.mail.sent,
        report.mail.retried,
        report.mail.failed,
        report.mail.skipped
    );
    meetings::purge_events(&db, now).await?;
    Ok(report)
}

/// Asks Daily about sessions whose meeting end (or, with recording on, whose recording) never
/// came by webhook: their meetings (attendance) and recordings. What webhooks already recorded
/// stays; the rest is filled in, so the two converge on the same rows.
async fn poll_sessions(
    db: &Db,
    daily: &DailyConfig,
    now: Instant,
    report: &mut Report,
) -> Result<(), AppError> {
    let client = DailyClient::new(daily);
    for session in meetings::unreported(db, now, daily.recording, POLL_BATCH).await? {
        let room = &session.daily_room_name;
        let mut effects: Vec<Effect> = match client.meetings(room).await {
            Ok(found) => found
                .iter()
                .flat_map(|m| meeting_effects(room, m))
                .collect(),
            Err(e) => {
                console_warn!("scheduled: meetings of {room} not read: {e}");
                break;
            }
        };
        if daily.recording {
            match client.recordings(room).await {
                Ok(found) => effects.extend(found.iter().filter_map(|r| recording_effect(room, r))),
                Err(e) => {
                    console_warn!("scheduled: recordings of {room} not read: {e}");
                    break;
                }
            }
        }
        meetings::record_polled(db, &session.owner, &effects, now).await?;
        report.sessions_polled += 1;
    }
    Ok(())
}

/// What a meeting session from `GET /meetings` says, as the webhooks would have said it.
fn meeting_effects(room: &str, meeting: &Meeting) -> Vec<Effect> {
    let start = meeting.start_time.floor() as i64;
    let mut effects: Vec<Effect> = meeting
        .participants
        .iter()
        .map(|p| {
            Effect::Left(Presence {
                room: room.to_owned(),
                session_id: p.participant_id.clone(),
                user_id: p.user_id.clone(),
                joined_at: p.join_time.floor() as i64,
                duration: p.duration.map(|d| d.floor() as i64),
            })
        })
        .collect();
    effects.push(match (meeting.ongoing, meeting.duration) {
        (false, Some(duration)) => Effect::MeetingEnded {
            room: room.to_owned(),
            start,
            end: start + duration.floor() as i64,
        },
        _ => Effect::MeetingStarted {
            room: room.to_owned(),
            start,
        },
    });
    effects
}

fn recording_effect(room: &str, recording: &Recording) -> Option<Effect> {
    (recording.status == "finished").then(|| Effect::RecordingReady {
        room: room.to_owned(),
        recording_id: recording.id.clone(),
        start: recording.start_ts.floor() as i64,
        duration: recording.duration.map(|d| d.floor() as i64),
    })
}

/// Creates or moves the rooms that are due, stopping at the first transient failure.
async fn heal_rooms(
    db: &Db,
    daily: &DailyConfig,
    now: Instant,
    report: &mut Report,
) -> Result<(), AppError> {
    for row in reservations::due_rooms(db, now, HEAL_BATCH).await? {
        let Err(e) = rooms::heal(db, daily, &row).await? else {
            report.rooms_ready += 1;
            continue;
        };
        report.rooms_failed += 1;
        if failed(db, &row, &e, "not ready", Some(MAX_HEAL_ATTEMPTS), now).await? {
            break; // Daily is struggling: leave the rest for the next run.
        }
    }
    Ok(())
}

/// Deletes the rooms of cancelled reservations, spaced out under Daily's deletion limit,
/// stopping at the first transient failure.
async fn delete_rooms(
    db: &Db,
    daily: &DailyConfig,
    now: Instant,
    report: &mut Report,
) -> Result<(), AppError> {
    let due = reservations::due_deletions(db, now, DELETE_BATCH).await?;
    for (i, row) in due.into_iter().enumerate() {
        if i > 0 {
            Delay::from(DELETE_SPACING).await;
        }
        let Err(e) = rooms::remove(db, daily, &row).await? else {
            report.rooms_deleted += 1;
            continue;
        };
        report.deletions_failed += 1;
        if failed(db, &row, &e, "not deleted (cancelled)", None, now).await? {
            break;
        }
    }
    Ok(())
}
