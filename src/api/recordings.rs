//! A session's recordings, for its two participants (anyone else gets the 404 of an unknown
//! reservation): the list, and each recording's stable URL, which redirects to a download link
//! minted at each click and never stored.

use serde::Serialize;
use worker::{console_warn, Request, Response, Url};

use super::Ctx;
use crate::config::DailyConfig;
use crate::daily::api::DailyError;
use crate::daily::client::DailyClient;
use crate::db::{self, meetings, meetings::RecordingStatus};
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
    /// The app's URL of the replay; `null` for an error.
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
    let db = db::database(&ctx.env)?;
    let recordings = meetings::recordings_of(&db, &reservation.id)
        .await?
        .into_iter()
        .map(|r| RecordingView {
            url: (r.status == RecordingStatus::Finished)
                .then(|| recording_url(&reservation.id, &r.id)),
            id: r.id,
            started_at: from_unix(r.started_at),
            duration_seconds: r.duration_seconds,
            status: r.status,
        })
        .collect();
    http::json(200, &RecordingList { recordings })
}

/// `GET /reservations/:id/recordings/:recordingId`: 302 to a fresh download link.
pub async fn open(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let who = http::identity(&req, &ctx.config, http::now())?;
    let reservation = super::reservation_of(&ctx, &who.user_id).await?;
    let recording_id = ctx.sub.as_deref().ok_or(AppError::RecordingNotFound)?;
    let db = db::database(&ctx.env)?;
    let recording = meetings::finished_recording(&db, &reservation.id, recording_id)
        .await?
        .ok_or(AppError::RecordingNotFound)?;
    let daily = ctx.daily()?;
    let link = DailyClient::new(daily)
        .access_link(&recording.id)
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => AppError::RecordingExpired,
            e if e.is_transient() => AppError::VideoUnavailable(e),
            e => AppError::VideoRejected(e),
        })?;
    let url = checked_link(daily, &link.download_link).ok_or_else(|| {
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

/// Daily's `download_link` when it is a URL we may send a browser to: https, or the stand-in's
/// own origin when the API base points at a local stand-in. (Daily may put an error message in
/// that field.)
fn checked_link(daily: &DailyConfig, link: &str) -> Option<Url> {
    let url = Url::parse(link).ok()?;
    let standin = daily
        .standin_origin()
        .is_some_and(|origin| url.origin().ascii_serialization() == origin);
    (url.scheme() == "https" || standin).then_some(url)
}
