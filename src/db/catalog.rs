//! Coaches' offers ("announcements").

use super::Db;
use serde::Deserialize;

use crate::domain::booking::Offer;
use crate::domain::ids::{AnnouncementId, CoachId};
use crate::error::AppError;

#[derive(Deserialize)]
struct OfferRow {
    coach_id: String,
    coach_user_id: String,
    duration_minutes: i64,
    is_active: i64,
    pack_size: Option<i64>,
    pack_validity_days: Option<i64>,
}

/// The offer an announcement id names, with its coach's user id.
pub async fn find_offer(db: &Db, id: &AnnouncementId) -> Result<Option<Offer>, AppError> {
    let statement = sql!(
        db,
        "SELECT a.coach_id, c.user_id AS coach_user_id, a.duration_minutes, a.is_active,
                a.pack_size, a.pack_validity_days
         FROM announcements a JOIN coaches c ON c.id = a.coach_id
         WHERE a.id = ?1",
        id.as_str()
    )?;
    let row: Option<OfferRow> = super::first(statement).await?;
    Ok(row.map(|r| Offer {
        coach_id: r.coach_id,
        coach_user_id: r.coach_user_id,
        duration_minutes: r.duration_minutes,
        active: r.is_active == 1,
        pack: r.pack_size.zip(r.pack_validity_days),
    }))
}

/// An active offer, as the booking form shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct OfferListing {
    pub id: String,
    pub title: String,
    pub duration_minutes: i64,
    pub price_cents: i64,
    pub currency: String,
    pub coach_name: String,
    pub pack_size: Option<i64>,
    pub pack_validity_days: Option<i64>,
}

/// A coach's active offers, shortest first.
pub async fn list_active_offers(db: &Db, coach: &CoachId) -> Result<Vec<OfferListing>, AppError> {
    let statement = sql!(
        db,
        "SELECT a.id, a.title, a.duration_minutes, a.price_cents, a.currency, u.name AS coach_name,
                a.pack_size, a.pack_validity_days
         FROM announcements a JOIN coaches c ON c.id = a.coach_id JOIN users u ON u.id = c.user_id
         WHERE a.coach_id = ?1 AND a.is_active = 1
         ORDER BY a.duration_minutes, a.id",
        coach.as_str()
    )?;
    Ok(super::all(statement).await?)
}
