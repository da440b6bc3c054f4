//! The archive of recordings in R2, run by the scheduled handler: each finished recording is
//! copied from a fresh Daily download link into the `RECORDINGS` bucket, then perhaps deleted at
//! Daily, and deleted from the bucket once past its retention.
//!
//! A copy never holds the file: the download's body (a JavaScript `ReadableStream`) is piped
//! through a `FixedLengthStream` of the source's `Content-Length` straight into the bucket's
//! `put`, so its bytes stay in the runtime and never enter wasm. The stream refuses to end
//! short or long, and R2 writes an object whole or not at all; the object's size is checked
//! against `Content-Length` once more before the copy counts as archived.

use std::collections::HashMap;
use std::pin::pin;
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::future::{join, select, Either};
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::FixedLengthStream;
use worker::{
    console_log, console_warn, js_sys, AbortController, Bucket, Data, Delay, Env, Fetch,
    HttpMetadata, Method, Request, RequestInit, RequestRedirect, ResponseBody, Url,
};

use crate::config::{ArchivePolicy, DailyConfig};
use crate::daily::api::DailyError;
use crate::daily::client::DailyClient;
use crate::db::archive::{self, ArchiveStatus, Claimed};
use crate::db::Db;
use crate::domain::time::Instant;
use crate::error::AppError;

/// The bucket binding (`[[r2_buckets]]` in wrangler.toml).
pub const BUCKET: &str = "RECORDINGS";
/// Copies per run at most, one after the other.
const COPY_BATCH: usize = 2;
/// A copy is abandoned after this long (a Cron Trigger invocation may run up to 15 minutes)...
const COPY_DEADLINE: Duration = Duration::from_secs(14 * 60);
/// ...and its claim runs out a minute later, when another run may take it over.
const LEASE_SECONDS: i64 = 15 * 60;
/// Attempts at a copy before it is `failed`.
pub const MAX_ATTEMPTS: i64 = 5;
/// Objects deleted per run at most, past retention; recordings deleted at Daily per run.
const PURGE_BATCH: u32 = 50;
const DAILY_DELETE_BATCH: u32 = 5;

/// What the archive did in one run.
#[derive(Debug, Default)]
pub struct Report {
    pub archived: usize,
    pub failed_attempts: usize,
    pub expired: usize,
    pub deleted_at_daily: usize,
}

/// The wait before the next attempt after `attempts` failed ones: 5, 10, 20, 40 minutes.
pub fn backoff(attempts: i64) -> TimeDelta {
    let doublings = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    TimeDelta::minutes(5 * 2_i64.pow(doublings))
}

/// Why a copy attempt failed. Never carries the download link, which is a credential.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("Daily no longer has the recording")]
    Gone,
    #[error("no download link: {0}")]
    Daily(DailyError),
    #[error("Daily's download link is not a URL")]
    BadLink,
    #[error("the download answered HTTP {0}")]
    Status(u16),
    #[error("the download has no Content-Length")]
    NoLength,
    #[error("the copy was cut off: {0}")]
    Transfer(String),
    #[error("the archived object has {got} bytes, the source {expected}")]
    SizeMismatch { expected: u64, got: u64 },
    #[error("the copy did not finish within {} s", COPY_DEADLINE.as_secs())]
    Timeout,
}

impl From<worker::Error> for CopyError {
    fn from(e: worker::Error) -> Self {
        CopyError::Transfer(e.to_string())
    }
}

impl From<worker::wasm_bindgen::JsValue> for CopyError {
    fn from(e: worker::wasm_bindgen::JsValue) -> Self {
        CopyError::Transfer(worker::Error::from(e).to_string())
    }
}

/// One run: expired copies deleted, due copies made, archived recordings deleted at Daily
/// when so configured.
pub async fn run(
    env: &Env,
    db: &Db,
    daily: &DailyConfig,
    policy: &ArchivePolicy,
    now: Instant,
) -> Result<Report, AppError> {
    let bucket = env.bucket(BUCKET)?;
    let oldest = now - TimeDelta::days(i64::from(policy.retention_days));
    let mut report = Report {
        expired: purge(db, &bucket, oldest, now).await?,
        ..Report::default()
    };
    archive::abandon_stale(db, now, MAX_ATTEMPTS).await?;
    let client = DailyClient::new(daily);
    for _ in 0..COPY_BATCH {
        // Each copy is claimed just before it starts, its lease counted from the clock.
        let claim = uuid::Uuid::new_v4().to_string();
        let lease_until = now.max(crate::http::now()) + TimeDelta::seconds(LEASE_SECONDS);
        let due = archive::claim(db, &claim, now, lease_until, MAX_ATTEMPTS, oldest).await?;
        let Some(recording) = due else { break };
        match copy(&bucket, &client, daily, &recording).await {
            Ok(stored) => {
                let (size, etag) = (stored.size, &stored.etag);
                if archive::archived(db, &recording.id, &claim, size, etag, now).await? {
                    console_log!("archive: recording {} archived, {size} bytes", recording.id);
                    report.archived += 1;
                }
            }
            Err(CopyError::Daily(e)) if e.is_transient() => {
                // Daily is struggling (a rate limit, say): not the copy's fault, so no attempt
                // is counted; it waits for the next run.
                console_warn!("archive: no download link for {} yet: {e}", recording.id);
                archive::release(db, &recording.id, &claim, now + TimeDelta::minutes(1)).await?;
                break;
            }
            Err(e) => {
                report.failed_attempts += 1;
                failed(db, &bucket, &recording, &claim, &e, now).await?;
            }
        }
    }
    if policy.delete_at_daily {
        report.deleted_at_daily = delete_at_daily(db, &client, now).await?;
    }
    Ok(report)
}

/// Records a failed attempt and removes whatever it may have left in the bucket, if this run
/// still holds the copy (another run that took it over may have stored it whole since).
async fn failed(
    db: &Db,
    bucket: &Bucket,
    claimed: &Claimed,
    claim: &str,
    e: &CopyError,
    now: Instant,
) -> Result<(), AppError> {
    let attempts = claimed.archive_attempts;
    let give_up = matches!(e, CopyError::Gone) || attempts >= MAX_ATTEMPTS;
    console_warn!(
        "archive: recording {} not copied (attempt {attempts}{}): {e}",
        claimed.id,
        if give_up { ", giving up" } else { "" }
    );
    let retry_at = now + backoff(attempts);
    let error = e.to_string();
    if !archive::attempt_failed(db, &claimed.id, claim, give_up, retry_at, &error).await? {
        console_warn!(
            "archive: the copy of {} was taken over; its object is left as it is",
            claimed.id
        );
    } else if let Err(e) = bucket.delete(claimed.key()).await {
        console_warn!(
            "archive: {} not removed after a failed copy: {e}",
            claimed.key()
        );
    }
    Ok(())
}

/// What a finished copy left in the bucket.
struct Stored {
    size: u64,
    etag: String,
}

/// Copies one recording: a fresh download link, and another one if that one has expired by
/// the time it is fetched (S3 then answers 403).
async fn copy(
    bucket: &Bucket,
    client: &DailyClient<'_>,
    daily: &DailyConfig,
    claimed: &Claimed,
) -> Result<Stored, CopyError> {
    let mut reminted = false;
    loop {
        let link = client.access_link(&claimed.id).await.map_err(|e| {
            if e.is_not_found() {
                CopyError::Gone
            } else {
                CopyError::Daily(e)
            }
        })?;
        let url = daily
            .download_url(&link.download_link)
            .ok_or(CopyError::BadLink)?;
        match transfer(bucket, claimed, &url).await {
            Err(CopyError::Status(403)) if !reminted => {
                console_log!(
                    "archive: the link of {} has expired; minting another",
                    claimed.id
                );
                reminted = true;
            }
            outcome => return outcome,
        }
    }
}

/// Streams the download at `url` into the recording's object, within [`COPY_DEADLINE`].
async fn transfer(bucket: &Bucket, claimed: &Claimed, url: &Url) -> Result<Stored, CopyError> {
    let controller = AbortController::default();
    let signal = controller.signal();
    let work = async {
        let mut init = RequestInit::new();
        init.with_method(Method::Get)
            .with_redirect(RequestRedirect::Manual);
        let request = Request::new_with_init(url.as_str(), &init)?;
        let response = Fetch::Request(request).send_with_signal(&signal).await?;
        if response.status_code() != 200 {
            return Err(CopyError::Status(response.status_code()));
        }
        let length = response
            .headers()
            .get("Content-Length")?
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or(CopyError::NoLength)?;
        let ResponseBody::Stream(body) = response.body() else {
            return Err(CopyError::NoLength);
        };
        let fixed = FixedLengthStream::new_big_int(js_sys::BigInt::from(length))?;
        let piped = JsFuture::from(body.pipe_to(&fixed.writable()));
        let put = bucket
            .put(claimed.key(), Data::ReadableStream(fixed.readable()))
            .http_metadata(HttpMetadata {
                content_type: Some("video/mp4".into()),
                ..HttpMetadata::default()
            })
            .custom_metadata(metadata(claimed, length))
            .execute();
        let (piped, stored) = join(piped, put).await;
        piped?;
        let object = stored?.ok_or(CopyError::NoLength)?;
        if object.size() != length {
            return Err(CopyError::SizeMismatch {
                expected: length,
                got: object.size(),
            });
        }
        Ok(Stored {
            size: length,
            etag: object.http_etag(),
        })
    };
    let work = pin!(work);
    let first = select(work, Delay::from(COPY_DEADLINE)).await;
    match first {
        Either::Left((outcome, _)) => outcome,
        Either::Right(_) => {
            controller.abort();
            Err(CopyError::Timeout)
        }
    }
}

/// The object's custom metadata: what it is, and how big the source said it was.
fn metadata(claimed: &Claimed, length: u64) -> HashMap<String, String> {
    HashMap::from([
        ("contentType".to_owned(), "video/mp4".to_owned()),
        ("size".to_owned(), length.to_string()),
        ("reservationId".to_owned(), claimed.reservation_id.clone()),
        ("recordingId".to_owned(), claimed.id.clone()),
    ])
}

/// Deletes the objects of recordings started before `oldest`, and marks them expired.
async fn purge(db: &Db, bucket: &Bucket, oldest: Instant, now: Instant) -> Result<usize, AppError> {
    let due = archive::past_retention(db, oldest, now, PURGE_BATCH).await?;
    let mut expired = 0;
    for recording in due {
        if matches!(
            recording.archive_status,
            ArchiveStatus::Archived | ArchiveStatus::Copying
        ) {
            let key = archive::object_key(&recording.reservation_id, &recording.id);
            if let Err(e) = bucket.delete(&key).await {
                console_warn!("archive: {key} not deleted past retention: {e}");
                continue;
            }
        }
        archive::expired(db, &recording.id, now).await?;
        expired += 1;
    }
    Ok(expired)
}

/// Deletes archived recordings at Daily, stopping at the first failure.
async fn delete_at_daily(
    db: &Db,
    client: &DailyClient<'_>,
    now: Instant,
) -> Result<usize, AppError> {
    let mut deleted = 0;
    for recording in archive::still_at_daily(db, DAILY_DELETE_BATCH).await? {
        if let Err(e) = client.delete_recording(&recording.id).await {
            console_warn!(
                "archive: recording {} not deleted at Daily: {e}",
                recording.id
            );
            break;
        }
        archive::deleted_at_daily(db, &recording.id, now).await?;
        deleted += 1;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_back_off_and_are_bounded() {
        let waits: Vec<i64> = (1..=MAX_ATTEMPTS)
            .map(|n| backoff(n).num_minutes())
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 80]);
        assert_eq!(backoff(100).num_minutes(), 5 * 128);
    }

    #[test]
    fn keys_and_errors_read_plainly() {
        let e = CopyError::SizeMismatch {
            expected: 10,
            got: 4,
        };
        assert_eq!(
            e.to_string(),
            "the archived object has 4 bytes, the source 10"
        );
        assert_eq!(archive::object_key("r1", "g1"), "recordings/r1/g1.mp4");
    }
}
