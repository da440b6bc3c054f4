//! `GET /api/coaches/:coachId/announcements`: a coach's active offers, for the booking form.

use serde::Serialize;
use worker::Response;

use crate::http::Request;

use super::Ctx;
use crate::db::catalog;
use crate::domain::ids::CoachId;
use crate::error::AppError;
use crate::http;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OfferView {
    id: String,
    title: String,
    duration_minutes: i64,
    price_cents: i64,
    currency: String,
    /// For a pack: its sessions, and the days to book them in; `null` for a single session.
    pack_size: Option<i64>,
    pack_validity_days: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CatalogView {
    coach_id: String,
    coach_name: String,
    announcements: Vec<OfferView>,
}

pub async fn offers(_req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let coach = ctx
        .param
        .as_deref()
        .and_then(|raw| CoachId::parse(raw).ok())
        .ok_or(AppError::CoachNotFound)?;
    let db = ctx.db()?;
    let offers = catalog::list_active_offers(&db, &coach).await?;
    let coach_name = match offers.first() {
        Some(o) => o.coach_name.clone(),
        None => return Err(AppError::CoachNotFound),
    };
    http::json(
        200,
        &CatalogView {
            coach_id: coach.to_string(),
            coach_name,
            announcements: offers
                .into_iter()
                .map(|o| OfferView {
                    id: o.id,
                    title: o.title,
                    duration_minutes: o.duration_minutes,
                    pack_size: o.pack_size,
                    pack_validity_days: o.pack_validity_days,
                    price_cents: o.price_cents,
                    currency: o.currency,
                })
                .collect(),
        },
    )
}
