//! `GET /api/player/sessions` and `GET /api/coach/sessions`: the caller's sessions, upcoming
//! first, each with the other participant, the offer, and when it can be joined.

use serde::Serialize;
use worker::{Request, Response};

use super::Ctx;
use crate::db::{self, reservations, reservations::SessionRow, users};
use crate::domain::reservation::ReservationStatus;
use crate::domain::time::Instant;
use crate::domain::window::{JoinWindow, Role};
use crate::error::AppError;
use crate::http;
use crate::rooms::policy::VideoStatus;
use crate::web::safe_discord_url;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Counterpart {
    id: String,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionView {
    id: String,
    role: Role,
    status: ReservationStatus,
    announcement_id: String,
    announcement_title: String,
    coach_id: String,
    player_id: String,
    start_date: Instant,
    end_date: Instant,
    duration_minutes: i64,
    counterpart: Counterpart,
    daily_room_url: Option<String>,
    discord_channel_url: Option<String>,
    video_status: VideoStatus,
    rescheduled_at: Option<Instant>,
    opens_at: Instant,
    closes_at: Instant,
}

#[derive(Serialize)]
struct SessionList {
    sessions: Vec<SessionView>,
}

fn view(row: SessionRow, role: Role) -> SessionView {
    let r = row.reservation;
    let slot = r.slot();
    let window = JoinWindow::for_role(&slot, role);
    SessionView {
        id: r.id,
        role,
        status: r.status,
        announcement_id: r.announcement_id,
        announcement_title: row.announcement_title,
        coach_id: r.coach_id,
        player_id: r.player_id,
        start_date: slot.start(),
        end_date: slot.end(),
        duration_minutes: slot.minutes(),
        counterpart: Counterpart {
            id: row.counterpart_id,
            name: row.counterpart_name,
        },
        daily_room_url: r.daily_room_url,
        discord_channel_url: safe_discord_url(row.discord_channel_url),
        video_status: r.video_status,
        rescheduled_at: r.rescheduled_at,
        opens_at: window.opens_at,
        closes_at: window.closes_at,
    }
}

fn list(rows: Vec<SessionRow>, role: Role) -> Result<Response, AppError> {
    let sessions = rows.into_iter().map(|r| view(r, role)).collect();
    http::json(200, &SessionList { sessions })
}

pub async fn for_player(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let who = http::identity(&req, &ctx.config, now)?;
    let db = db::database(&ctx.env)?;
    list(
        reservations::list_for(&db, &who.user_id, Role::Player, now).await?,
        Role::Player,
    )
}

pub async fn for_coach(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let now = http::now();
    let who = http::identity(&req, &ctx.config, now)?;
    let db = db::database(&ctx.env)?;
    let rows = reservations::list_for(&db, &who.user_id, Role::Coach, now).await?;
    if rows.is_empty() {
        let is_coach = users::find_user(&db, &who.user_id)
            .await?
            .is_some_and(|u| u.coach_id.is_some());
        if !is_coach {
            return Err(AppError::NotACoach);
        }
    }
    list(rows, Role::Coach)
}
