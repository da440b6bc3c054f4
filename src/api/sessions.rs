//! `GET /api/player/sessions` and `GET /api/coach/sessions`: the caller's sessions, upcoming
//! first, each with the other participant, the offer, and when it can be joined.

use serde::Serialize;
use worker::{Request, Response};

use super::Ctx;
use crate::db::{self, reservations, reservations::SessionRow, users};
use crate::domain::time::{self, from_unix, Slot};
use crate::domain::video::VideoStatus;
use crate::domain::window::{JoinWindow, Role};
use crate::error::AppError;
use crate::http;
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
    status: String,
    announcement_id: String,
    announcement_title: String,
    coach_id: String,
    player_id: String,
    start_date: String,
    end_date: String,
    duration_minutes: i64,
    counterpart: Counterpart,
    daily_room_url: Option<String>,
    discord_channel_url: Option<String>,
    video_status: VideoStatus,
    rescheduled_at: Option<String>,
    opens_at: String,
    closes_at: String,
}

#[derive(Serialize)]
struct SessionList {
    sessions: Vec<SessionView>,
}

fn view(row: SessionRow, role: Role) -> SessionView {
    let slot = Slot::from_unix(row.start_at, row.end_at);
    let window = JoinWindow::for_role(&slot, role);
    SessionView {
        id: row.id,
        role,
        status: row.status,
        announcement_id: row.announcement_id,
        announcement_title: row.announcement_title,
        coach_id: row.coach_id,
        player_id: row.player_id,
        start_date: time::format(from_unix(row.start_at)),
        end_date: time::format(from_unix(row.end_at)),
        duration_minutes: slot.minutes(),
        counterpart: Counterpart {
            id: row.counterpart_id,
            name: row.counterpart_name,
        },
        daily_room_url: row.daily_room_url,
        discord_channel_url: safe_discord_url(row.discord_channel_url),
        video_status: row.video_status,
        rescheduled_at: row.rescheduled_at.map(|t| time::format(from_unix(t))),
        opens_at: time::format(window.opens_at),
        closes_at: time::format(window.closes_at),
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
