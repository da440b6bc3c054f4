//! `GET /api/player/sessions` and `GET /api/coach/sessions`: the caller's sessions, upcoming
//! first, each with the other participant, the offer, and when it can be joined.

use serde::Serialize;
use worker::Response;

use crate::http::Request;

use super::Ctx;
use crate::db::Db;
use crate::db::{reservations, reservations::SessionRow, users};
use crate::domain::call::CallView;
use crate::domain::ids::UserId;
use crate::domain::listing::{position_of, Cursor, PageRequest};
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
    /// The pack this session belongs to, if any, and its place in it.
    pack_id: Option<String>,
    pack_session: Option<PackSession>,
    #[serde(flatten)]
    call: CallView,
}

/// "Session 2/5": the session's rank among its pack's live sessions by start, and the pack's size.
#[derive(Serialize)]
struct PackSession {
    index: i64,
    of: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionList {
    sessions: Vec<SessionView>,
    /// Pass as `?cursor=` for the next page; `null` on the last one.
    next_cursor: Option<String>,
}

fn view(row: SessionRow, role: Role) -> SessionView {
    let (r, listing) = (row.reservation, row.listing);
    let slot = r.slot();
    let window = JoinWindow::for_role(&slot, role);
    let call = CallView::of(&r.call(), &r.id);
    SessionView {
        call,
        id: r.id,
        role,
        status: r.status,
        announcement_id: r.announcement_id,
        announcement_title: listing.announcement_title,
        coach_id: r.coach_id,
        player_id: r.player_id,
        start_date: slot.start(),
        end_date: slot.end(),
        duration_minutes: slot.minutes(),
        counterpart: Counterpart {
            id: listing.counterpart_id,
            name: listing.counterpart_name,
        },
        daily_room_url: r.daily_room_url,
        discord_channel_url: safe_discord_url(listing.discord_channel_url),
        video_status: r.video_status,
        rescheduled_at: r.rescheduled_at,
        opens_at: window.opens_at,
        closes_at: window.closes_at,
        pack_session: listing
            .pack_index
            .zip(listing.pack_size)
            .map(|(index, of)| PackSession { index, of }),
        pack_id: listing.pack_id,
    }
}

/// The page asked for by the request's query.
fn page_of(req: &Request) -> Result<PageRequest, AppError> {
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    Ok(PageRequest::from_query(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?)
}

/// One page of the caller's sessions in `role`, with the database and the caller for what else
/// the handler needs to know.
async fn page(
    req: &Request,
    ctx: &Ctx,
    role: Role,
) -> Result<(SessionList, std::rc::Rc<Db>, UserId), AppError> {
    let now = http::now();
    let who = http::identity(req, &ctx.config, now)?;
    let page = page_of(req)?;
    let db = ctx.db()?;
    let as_of = page.as_of(now);
    let mut rows = reservations::list_for(&db, &who.user_id, role, &page, as_of).await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next_cursor = more
        .then(|| rows.last())
        .flatten()
        .map(|last| next(last, as_of));
    let sessions = rows.into_iter().map(|r| view(r, role)).collect();
    let list = SessionList {
        sessions,
        next_cursor,
    };
    Ok((list, db, who.user_id))
}

fn next(last: &SessionRow, as_of: i64) -> String {
    let r = &last.reservation;
    let slot = r.slot();
    Cursor {
        as_of,
        after: position_of(
            slot.start().timestamp(),
            slot.end().timestamp(),
            &r.id,
            as_of,
        ),
    }
    .encode()
}

pub async fn for_player(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let (list, _, _) = page(&req, &ctx, Role::Player).await?;
    http::json(200, &list)
}

pub async fn for_coach(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let (list, db, user) = page(&req, &ctx, Role::Coach).await?;
    if list.sessions.is_empty() {
        let is_coach = users::find_user(&db, &user)
            .await?
            .is_some_and(|u| u.coach_id.is_some());
        if !is_coach {
            return Err(AppError::NotACoach);
        }
    }
    http::json(200, &list)
}
