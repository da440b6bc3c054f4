//! A session's recordings, for its two participants (anyone else gets the 404 of an unknown
//! reservation): the list, and each recording's stable URL. Once the recording is archived in
//! R2 that URL streams it (see [`super::replay`]); until then it redirects to a download link
//! minted at each click and never stored; past the retention it answers `410`.

use serde::Serialize;
use worker::{console_warn, Response};

use crate::http::Request;

use super::replay::{self, Archived};
use super::Ctx;
use crate::daily::api::DailyError;
use crate::daily::client::DailyClient;
use crate::db::archive::{object_key, ArchiveStatus};
use crate::db::meetings;
use crate::db::meetings::{RecordingRow, RecordingStatus};
use crate::domain::call::recording_url;
use crate::domain::time::{from_unix, Instant};
use crate::error::AppError;
use crate::http;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordingView {
    id: String,
    started_at: Instant,
    duration_seconds: Option<i64>,
    /// `finished`, or `error` (Daily reported the recording failed).
    status: RecordingStatus,
    /// The copy in R2: `pending`, `copying`, `archived`, `failed` or `expired`; `null` for an
    /// error.
    archive: Option<ArchiveStatus>,
    /// The archived file's size in bytes, once archived.
    size_bytes: Option<u64>,
    /// The app's URL of the replay; `null` for an error, and once expired.
    url: Option<String>,
}

#[derive(Serialize)]
struct RecordingList {
    recordings: Vec<RecordingView>,
}

/// `GET /reservations/:id/recordings`, newest first.
pub async fn list(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let who = http::identity(&req, &ctx.config, http::now())?;
    let reservation = super::reservation_of(&ctx, &who.user_id).await?;
    let db = ctx.db()?;
    let recordings = meetings::recordings_of(&db, &reservation.id)
        .await?
        .into_iter()
        .map(|r| RecordingView {
            url: (r.status == RecordingStatus::Finished
                && r.archive_status != Some(ArchiveStatus::Expired))
            .then(|| recording_url(&reservation.id, &r.id)),
            size_bytes: r.archive_size,
            id: r.id,
            started_at: from_unix(r.started_at),
            duration_seconds: r.duration_seconds,
            status: r.status,
            archive: r.archive_status,
        })
        .collect();
    http::json(200, &RecordingList { recordings })
}

/// `GET /reservations/:id/recordings/:recordingId`: the archived file, or a 302 to a fresh
/// download link at Daily while it is not archived.
pub async fn open(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let who = http::identity(&req, &ctx.config, http::now())?;
    let reservation = super::reservation_of(&ctx, &who.user_id).await?;
    let recording_id = ctx.sub.as_deref().ok_or(AppError::RecordingNotFound)?;
    let db = ctx.db()?;
    let recording = meetings::finished_recording(&db, &reservation.id, recording_id)
        .await?
        .ok_or(AppError::RecordingNotFound)?;
    match archived(&reservation.id, &recording) {
        Some(object) => {
            if let Some(response) = replay::serve(&req, &ctx.env, &object).await? {
                return Ok(response);
            }
        }
        None if recording.archive_status == Some(ArchiveStatus::Expired) => {
            return Err(AppError::RecordingExpired)
        }
        None => {}
    }
    redirect_to_daily(&ctx, &recording).await
}

/// The archived object of a recording, if it is archived.
fn archived<'a>(reservation_id: &str, recording: &'a RecordingRow) -> Option<Archived<'a>> {
    match (
        recording.archive_status,
        recording.archive_size,
        &recording.archive_etag,
    ) {
        (Some(ArchiveStatus::Archived), Some(size), Some(etag)) => Some(Archived {
            key: object_key(reservation_id, &recording.id),
            size,
            etag,
        }),
        _ => None,
    }
}

/// A 302 to a download link minted now; Daily's 404 means the recording is gone (`410`).
async fn redirect_to_daily(ctx: &Ctx, recording: &RecordingRow) -> Result<Response, AppError> {
    let daily = ctx.daily()?;
    let link = DailyClient::new(daily)
        .access_link(&recording.id)
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => AppError::RecordingExpired,
            e if e.is_transient() => AppError::VideoUnavailable(e),
            e => AppError::VideoRejected(e),
        })?;
    let url = daily.download_url(&link.download_link).ok_or_else(|| {
        console_warn!(
            "recording {}: Daily's access link is not a URL",
            recording.id
        );
        AppError::VideoRejected(DailyError::Malformed {
            status: 200,
            detail: "download_link is not an https URL".into(),
        })
    })?;
    let mut response = Response::empty()?.with_status(302);
    response.headers_mut().set("Location", url.as_str())?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}
