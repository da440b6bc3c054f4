//! Coaches' offers ("announcements").

use serde::Deserialize;
use worker::{query, D1Database};

use crate::domain::booking::Offer;
use crate::domain::ids::AnnouncementId;
use crate::error::AppError;

#[derive(Deserialize)]
struct OfferRow {
    coach_id: String,
    coach_user_id: String,
    duration_minutes: i64,
    is_active: i64,
}

/// The offer an announcement id names, with its coach's user id.
pub async fn find_offer(db: &D1Database, id: &AnnouncementId) -> Result<Option<Offer>, AppError> {
    let row = query!(
        db,
        "SELECT a.coach_id, c.user_id AS coach_user_id, a.duration_minutes, a.is_active
         FROM announcements a JOIN coaches c ON c.id = a.coach_id
         WHERE a.id = ?1",
        id.as_str()
    )?
    .first::<OfferRow>(None)
    .await?;
    Ok(row.map(|r| Offer {
        coach_id: r.coach_id,
        coach_user_id: r.coach_user_id,
        duration_minutes: r.duration_minutes,
        active: r.is_active == 1,
    }))
}
