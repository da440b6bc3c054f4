//! The archive state of finished recordings (see `migrations/0005_archive.sql`): which are due
//! for a copy, who is copying which, and what became of each copy.

use super::Db;
use serde::{Deserialize, Serialize};

use crate::domain::time::Instant;
use crate::error::AppError;

/// Where a finished recording's archived copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArchiveStatus {
    Pending,
    Copying,
    Archived,
    Failed,
    Expired,
}

/// A recording claimed for a copy by this run.
#[derive(Debug, Clone, Deserialize)]
pub struct Claimed {
    pub id: String,
    pub reservation_id: String,
    /// Attempts so far, this one included.
    pub archive_attempts: i64,
}

impl Claimed {
    /// The object's key in the bucket.
    pub fn key(&self) -> String {
        object_key(&self.reservation_id, &self.id)
    }
}

/// The key of a recording's object: `recordings/{reservationId}/{recordingId}.mp4`.
pub fn object_key(reservation_id: &str, recording_id: &str) -> String {
    format!("recordings/{reservation_id}/{recording_id}.mp4")
}

/// Claims the next recording due for a copy, if any: a pending one whose retry time has come
/// (as of `now`), or a copy whose claim ran out (the run copying it died). It is `copying` under
/// `claim` until `lease_until`, its attempt counted, in one statement: two overlapping runs never
/// claim the same recording. Recordings started before `oldest` are left to the retention purge.
pub async fn claim(
    db: &Db,
    claim: &str,
    now: Instant,
    lease_until: Instant,
    max_attempts: i64,
    oldest: Instant,
) -> Result<Option<Claimed>, AppError> {
    let now = now.timestamp();
    Ok(super::first(sql!(
        db,
        "UPDATE recordings
         SET archive_status = 'copying', archive_attempts = archive_attempts + 1,
             archive_retry_at = ?2, archive_claim = ?6
         WHERE id = (SELECT id FROM recordings
                     WHERE archive_status IN ('pending', 'copying') AND archive_retry_at <= ?1
                       AND archive_attempts < ?3 AND started_at >= ?4
                     ORDER BY archive_retry_at, started_at LIMIT ?5)
           AND archive_status IN ('pending', 'copying') AND archive_retry_at <= ?1
         RETURNING id, reservation_id, archive_attempts",
        now,
        lease_until.timestamp(),
        max_attempts,
        oldest.timestamp(),
        1,
        claim
    )?)
    .await?)
}

/// Gives up on copies whose claim ran out after the last attempt. Returns how many.
pub async fn abandon_stale(db: &Db, now: Instant, max_attempts: i64) -> Result<usize, AppError> {
    Ok(super::run(sql!(
        db,
        "UPDATE recordings SET archive_status = 'failed',
             archive_error = 'the copy did not finish within its time'
         WHERE archive_status = 'copying' AND archive_retry_at <= ?1 AND archive_attempts >= ?2",
        now.timestamp(),
        max_attempts
    )?)
    .await?)
}

/// Records a finished copy, if this run still holds the claim.
pub async fn archived(
    db: &Db,
    id: &str,
    claim: &str,
    size: u64,
    etag: &str,
    now: Instant,
) -> Result<bool, AppError> {
    let changed = super::run(sql!(
        db,
        "UPDATE recordings SET archive_status = 'archived', archive_size = ?2, archive_etag = ?3,
             archived_at = ?4, archive_retry_at = 0, archive_error = NULL, archive_claim = NULL
         WHERE id = ?1 AND archive_status = 'copying' AND archive_claim = ?5",
        id,
        size,
        etag,
        now.timestamp(),
        claim
    )?)
    .await?;
    Ok(changed == 1)
}

/// Records a failed attempt, if this run still holds the claim: back to `pending` until
/// `retry_at`, or `failed` for good. `false` if another run has taken the copy over.
pub async fn attempt_failed(
    db: &Db,
    id: &str,
    claim: &str,
    give_up: bool,
    retry_at: Instant,
    error: &str,
) -> Result<bool, AppError> {
    let changed = super::run(sql!(
        db,
        "UPDATE recordings SET archive_status = CASE WHEN ?2 = 1 THEN 'failed' ELSE 'pending' END,
             archive_retry_at = ?3, archive_error = ?4, archive_claim = NULL
         WHERE id = ?1 AND archive_status = 'copying' AND archive_claim = ?5",
        id,
        i32::from(give_up),
        retry_at.timestamp(),
        error,
        claim
    )?)
    .await?;
    Ok(changed == 1)
}

/// Gives a claimed copy back without counting its attempt, to be tried from `retry_at`.
pub async fn release(db: &Db, id: &str, claim: &str, retry_at: Instant) -> Result<(), AppError> {
    super::run(sql!(
        db,
        "UPDATE recordings SET archive_status = 'pending', archive_retry_at = ?2,
             archive_attempts = archive_attempts - 1, archive_claim = NULL
         WHERE id = ?1 AND archive_status = 'copying' AND archive_claim = ?3",
        id,
        retry_at.timestamp(),
        claim
    )?)
    .await?;
    Ok(())
}

/// An archived recording, when it is due for deletion at Daily or from the bucket.
#[derive(Debug, Clone, Deserialize)]
pub struct Archived {
    pub id: String,
    pub reservation_id: String,
    pub archive_status: ArchiveStatus,
}

/// Archived recordings still at Daily.
pub async fn still_at_daily(db: &Db, limit: u32) -> Result<Vec<Archived>, AppError> {
    Ok(super::all(sql!(
        db,
        "SELECT id, reservation_id, archive_status FROM recordings
         WHERE archive_status = 'archived' AND daily_deleted_at IS NULL
         ORDER BY archived_at LIMIT ?1",
        limit
    )?)
    .await?)
}

pub async fn deleted_at_daily(db: &Db, id: &str, now: Instant) -> Result<(), AppError> {
    super::run(sql!(
        db,
        "UPDATE recordings SET daily_deleted_at = ?2 WHERE id = ?1",
        id,
        now.timestamp()
    )?)
    .await?;
    Ok(())
}

/// Recordings started before `oldest` that are not yet expired, nor being copied (a copy whose
/// claim ran out counts as not being copied).
pub async fn past_retention(
    db: &Db,
    oldest: Instant,
    now: Instant,
    limit: u32,
) -> Result<Vec<Archived>, AppError> {
    Ok(super::all(sql!(
        db,
        "SELECT id, reservation_id, archive_status FROM recordings
         WHERE started_at < ?1
           AND (archive_status IN ('pending', 'archived', 'failed')
                OR (archive_status = 'copying' AND archive_retry_at <= ?2))
         ORDER BY started_at LIMIT ?3",
        oldest.timestamp(),
        now.timestamp(),
        limit
    )?)
    .await?)
}

/// Marks a recording expired, its object (if any) deleted.
pub async fn expired(db: &Db, id: &str, now: Instant) -> Result<(), AppError> {
    super::run(sql!(
        db,
        "UPDATE recordings SET archive_status = 'expired', archive_retry_at = 0,
             archive_claim = NULL
         WHERE id = ?1 AND (archive_status IN ('pending', 'archived', 'failed')
                            OR (archive_status = 'copying' AND archive_retry_at <= ?2))",
        id,
        now.timestamp()
    )?)
    .await?;
    Ok(())
}
