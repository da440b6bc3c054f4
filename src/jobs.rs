//! The scheduled handler's work, every minute: create or move the rooms still `pending` (with
//! backoff and an attempt count), delete the rooms of cancelled reservations (spaced out: Daily
//! allows about 2 deletions a second), and forget Idempotency-Keys older than 24 hours.

use std::time::Duration;

use chrono::TimeDelta;
use worker::{console_log, console_warn, D1Database, Delay, Env};

use crate::booking::idempotency::RETENTION_SECONDS;
use crate::config::{Config, DailyConfig};
use crate::daily::api::DailyError;
use crate::db::reservations::{self, ReservationRow};
use crate::db::{self, idempotency};
use crate::domain::time::Instant;
use crate::error::AppError;
use crate::rooms::{self, policy::heal_backoff, policy::MAX_HEAL_ATTEMPTS};

/// Rooms created or moved per run at most.
const HEAL_BATCH: i64 = 25;
/// Rooms deleted per run at most, and the pause between two deletions.
const DELETE_BATCH: i64 = 20;
const DELETE_SPACING: Duration = Duration::from_millis(600);

#[derive(Debug, Default)]
pub struct Report {
    pub rooms_ready: usize,
    pub rooms_failed: usize,
    pub rooms_deleted: usize,
    pub deletions_failed: usize,
    pub keys_purged: usize,
}

/// Records a failed attempt at a reservation's room and schedules the next one, or gives up
/// after `max_attempts` (never, without one) or at once when Daily refuses the request.
/// `true` when Daily is struggling and the run should stop there.
async fn failed(
    db: &D1Database,
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
        }
        Err(e) => console_warn!("scheduled: Daily not configured ({e}); rooms left as they are"),
    }
    console_log!(
        "scheduled: {} rooms ready, {} not yet; {} rooms deleted, {} not yet; {} keys purged",
        report.rooms_ready,
        report.rooms_failed,
        report.rooms_deleted,
        report.deletions_failed,
        report.keys_purged
    );
    Ok(report)
}

/// Creates or moves the rooms that are due, stopping at the first transient failure.
async fn heal_rooms(
    db: &D1Database,
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
    db: &D1Database,
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
