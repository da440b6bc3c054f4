//! The scheduled handler's work, every minute: create or move the rooms still `pending` (with
//! backoff and an attempt count), delete the rooms of cancelled reservations (spaced out: Daily
//! allows about 2 deletions a second), and forget Idempotency-Keys older than 24 hours.

use std::time::Duration;

use worker::{console_log, console_warn, D1Database, Delay, Env};

use crate::config::Config;
use crate::db::reservations::{self, ReservationRow};
use crate::db::{self, idempotency};
use crate::domain::time::{self, Instant};
use crate::domain::video::{heal_backoff, MAX_HEAL_ATTEMPTS};
use crate::error::AppError;
use crate::idempotency::RETENTION_SECONDS;
use crate::video;

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

/// Records the failed attempt number `attempts` on a reservation's room and schedules the next
/// one (or gives up).
async fn retry_later(
    db: &D1Database,
    row: &ReservationRow,
    attempts: i64,
    now: Instant,
    give_up: bool,
) -> Result<(), AppError> {
    reservations::record_video_failure(db, &row.id, attempts, now + heal_backoff(attempts), give_up)
        .await
}

pub async fn run(env: &Env, config: &Config, now: Instant) -> Result<Report, AppError> {
    let db = db::database(env)?;
    let mut report = Report {
        keys_purged: idempotency::purge(
            &db,
            now - time::Duration::seconds(RETENTION_SECONDS + 3600),
        )
        .await?,
        ..Report::default()
    };
    let daily = match &config.daily {
        Ok(daily) => daily,
        Err(e) => {
            console_warn!("scheduled: Daily not configured ({e}); rooms left as they are");
            return Ok(report);
        }
    };

    for row in reservations::due_rooms(&db, now, HEAL_BATCH).await? {
        match video::heal(&db, daily, &row).await? {
            Ok(_) => report.rooms_ready += 1,
            Err(e) => {
                report.rooms_failed += 1;
                let attempts = row.video_attempts + 1;
                console_warn!(
                    "scheduled: room of {} not ready (attempt {attempts}): {e}",
                    row.id
                );
                let give_up = !e.is_transient() || attempts >= MAX_HEAL_ATTEMPTS;
                retry_later(&db, &row, attempts, now, give_up).await?;
                if e.is_transient() {
                    break; // Daily is struggling: leave the rest for the next run.
                }
            }
        }
    }

    for (i, row) in reservations::due_deletions(&db, now, DELETE_BATCH)
        .await?
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            Delay::from(DELETE_SPACING).await;
        }
        match video::remove(&db, daily, &row).await? {
            Ok(()) => report.rooms_deleted += 1,
            Err(e) => {
                report.deletions_failed += 1;
                let attempts = row.video_attempts + 1;
                console_warn!(
                    "scheduled: room of cancelled {} not deleted (attempt {attempts}): {e}",
                    row.id
                );
                retry_later(&db, &row, attempts, now, false).await?;
                if e.is_transient() {
                    break;
                }
            }
        }
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
