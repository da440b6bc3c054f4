//! Users and coaches.

use serde::Deserialize;
use worker::D1PreparedStatement;

use super::Db;

use crate::auth::Identity;
use crate::domain::ids::UserId;
use crate::domain::locale::Locale;
use crate::domain::time::Instant;
use crate::domain::zone::TimeZone;
use crate::error::AppError;

#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub locale: Locale,
    pub time_zone: TimeZone,
    pub coach_id: Option<String>,
}

/// A user and, if they coach, their coach id.
pub async fn find_user(db: &Db, id: &UserId) -> Result<Option<UserRow>, AppError> {
    let statement = sql!(
        db,
        "SELECT u.id, u.name, u.email, u.locale, u.time_zone, c.id AS coach_id
         FROM users u LEFT JOIN coaches c ON c.user_id = u.id
         WHERE u.id = ?1",
        id.as_str()
    )?;
    Ok(super::first(statement).await?)
}

/// All users, for the development sign-in.
pub async fn list_users(db: &Db) -> Result<Vec<UserRow>, AppError> {
    let statement = sql!(
        db,
        "SELECT u.id, u.name, u.email, u.locale, u.time_zone, c.id AS coach_id
         FROM users u LEFT JOIN coaches c ON c.user_id = u.id
         ORDER BY c.id IS NULL, u.name"
    );
    Ok(super::all(statement).await?)
}

/// Keeps our copy of a user's name, e-mail, locale and time zone in step with their session
/// token. A token without an e-mail or a time zone keeps the one we have (a new user is stored
/// with no e-mail, as '', and in `Europe/Paris`).
pub fn upsert_user(db: &Db, who: &Identity, now: Instant) -> Result<D1PreparedStatement, AppError> {
    Ok(sql!(
        db,
        "INSERT INTO users (id, name, email, locale, time_zone, updated_at)
         VALUES (?1, ?2, COALESCE(?3, ''), ?4, COALESCE(?6, 'Europe/Paris'), ?5)
         ON CONFLICT (id) DO UPDATE SET
           name = excluded.name, email = COALESCE(?3, users.email), locale = excluded.locale,
           time_zone = COALESCE(?6, users.time_zone), updated_at = excluded.updated_at",
        who.user_id.as_str(),
        &who.name,
        who.email.as_deref(),
        who.locale.as_str(),
        now.timestamp(),
        who.time_zone.as_ref().map(TimeZone::name)
    )?)
}
