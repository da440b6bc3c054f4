//! Idempotency-Key records of `POST /reservations` and `POST /packs`, scoped to the caller.

use serde::Deserialize;
use worker::D1PreparedStatement;

use super::Db;

use crate::booking::idempotency::IdempotencyKey;
use crate::domain::ids::{ReservationId, UserId};
use crate::domain::time::Instant;
use crate::error::AppError;

/// Claims a key for one request (nothing happens if another request holds it).
pub fn claim(
    db: &Db,
    user: &UserId,
    key: &IdempotencyKey,
    request_hash: &str,
    reservation: ReservationId,
    now: Instant,
) -> Result<D1PreparedStatement, AppError> {
    Ok(sql!(
        db,
        "INSERT INTO idempotency_keys (user_id, key, request_hash, reservation_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, key) DO NOTHING",
        user.as_str(),
        key.as_str(),
        request_hash,
        reservation.to_string(),
        now.timestamp()
    )?)
}

/// The condition an insert adds so that it takes effect only for the request holding the key:
/// the key (parameter `key`) of the user (`user`) must have been claimed for this very row
/// (`row`), in the same batch. Without a key, the key's parameter must be NULL.
pub fn held_by_this_request(keyed: bool, row: &str, user: &str, key: &str) -> String {
    if keyed {
        format!(
            "AND EXISTS (SELECT 1 FROM idempotency_keys k
                         WHERE k.user_id = {user} AND k.key = {key} AND k.reservation_id = {row})"
        )
    } else {
        format!("AND {key} IS NULL")
    }
}

/// What a key holds: the request it was first used for, and its answer once there is one.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyRecord {
    pub request_hash: String,
    pub reservation_id: String,
    pub response_status: Option<u16>,
    pub response_body: Option<String>,
    pub created_at: i64,
}

pub async fn find(
    db: &Db,
    user: &UserId,
    key: &IdempotencyKey,
) -> Result<Option<KeyRecord>, AppError> {
    let statement = sql!(
        db,
        "SELECT request_hash, reservation_id, response_status, response_body, created_at
         FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
        user.as_str(),
        key.as_str()
    )?;
    Ok(super::first(statement).await?)
}

/// Keeps the answer of the request that holds the claim, to replay it.
pub fn store(
    db: &Db,
    user: &UserId,
    key: &IdempotencyKey,
    reservation: ReservationId,
    status: u16,
    body: &str,
) -> Result<D1PreparedStatement, AppError> {
    Ok(sql!(
        db,
        "UPDATE idempotency_keys SET response_status = ?4, response_body = ?5
         WHERE user_id = ?1 AND key = ?2 AND reservation_id = ?3",
        user.as_str(),
        key.as_str(),
        reservation.to_string(),
        status,
        body
    )?)
}

/// Gives a claim up (after a server fault), so that a retry runs the request again.
pub async fn release(
    db: &Db,
    user: &UserId,
    key: &IdempotencyKey,
    reservation: ReservationId,
) -> Result<(), AppError> {
    let statement = sql!(
        db,
        "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND reservation_id = ?3",
        user.as_str(),
        key.as_str(),
        reservation.to_string()
    )?;
    super::run(statement).await?;
    Ok(())
}

/// Forgets keys created before `before`; returns how many.
pub async fn purge(db: &Db, before: Instant) -> Result<usize, AppError> {
    let statement = sql!(
        db,
        "DELETE FROM idempotency_keys WHERE created_at < ?1",
        before.timestamp()
    )?;
    Ok(super::run(statement).await?)
}
