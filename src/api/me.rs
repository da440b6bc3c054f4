//! `GET /api/me`: who is signed in, and whether they coach.

use serde::Serialize;
use worker::Response;

use crate::http::Request;

use super::Ctx;
use crate::db::users;
use crate::domain::locale::Locale;
use crate::error::AppError;
use crate::http;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MeView {
    id: String,
    name: String,
    email: Option<String>,
    locale: Locale,
    coach_id: Option<String>,
}

pub async fn show(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let who = http::identity(&req, &ctx.config, http::now())?;
    let db = ctx.db()?;
    let coach_id = users::find_user(&db, &who.user_id)
        .await?
        .and_then(|u| u.coach_id);
    http::json(
        200,
        &MeView {
            id: who.user_id.to_string(),
            name: who.name,
            email: who.email,
            locale: who.locale,
            coach_id,
        },
    )
}
