//! Packs: an offer bought as several sessions, each an ordinary reservation that names its pack
//! (see `migrations/0007_packs.sql`).

use serde::Deserialize;
use worker::D1PreparedStatement;

use super::Db;

use super::reservations::{guarded_insert, Guard};
use super::users::upsert_user;
use super::{idempotency, outbox};
use crate::auth::Identity;
use crate::booking::idempotency::IdempotencyKey;
use crate::domain::booking::NewBooking;
use crate::domain::ids::ReservationId;
use crate::domain::pack::PackPurchase;
use crate::domain::time::Instant;
use crate::error::AppError;

/// What a purchase's batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purchased {
    /// The pack and every listed session are stored.
    Stored,
    /// Nothing is stored: a session was refused, or the offer, or another request holds the key.
    Refused,
}

/// A purchase: the pack `id` of the offer, with the sessions `bookings` as reservations
/// `session_ids`, in one batch that stores all of it or none of it. With an Idempotency-Key, the
/// key is claimed for the pack in the same batch.
#[allow(clippy::too_many_arguments)]
pub async fn purchase(
    db: &Db,
    id: ReservationId,
    purchase: &PackPurchase,
    session_ids: &[String],
    player: &Identity,
    guard: Guard,
    key: Option<(&IdempotencyKey, &str)>,
    mail: Option<u32>,
) -> Result<Purchased, AppError> {
    let pack = id.to_string();
    let bookings = purchase.bookings();
    let mut statements = Vec::with_capacity(4 + 3 * bookings.len());
    if let Some((k, hash)) = key {
        statements.push(idempotency::claim(
            db,
            &player.user_id,
            k,
            hash,
            id,
            guard.now,
        )?);
    }
    statements.push(upsert_user(db, player, guard.now)?);
    statements.push(insert_pack(db, &pack, purchase, player, guard.now, key)?);
    for (booking, session) in bookings.iter().zip(session_ids) {
        let player = player.user_id.as_str();
        statements.push(guarded_insert(
            db,
            session,
            booking,
            player,
            guard,
            None,
            Some(&pack),
        )?);
    }
    if let Some(reminder_minutes) = mail {
        for session in session_ids {
            statements.extend(outbox::booked(db, session, guard.now, reminder_minutes)?);
        }
    }
    statements.push(sql!(
        db,
        "INSERT INTO pack_purchase_guard (complete)
         SELECT 0 WHERE (SELECT COUNT(*) FROM reservations WHERE pack_id = ?1) <> ?2
                     OR NOT EXISTS (SELECT 1 FROM packs WHERE id = ?1)",
        &pack,
        bookings.len()
    )?);
    match super::batch(db, statements).await {
        Ok(_) => Ok(Purchased::Stored),
        Err(e) if e.to_string().contains("CHECK constraint failed") => Ok(Purchased::Refused),
        Err(e) => Err(e.into()),
    }
}

/// The pack's row, if the offer is a pack of at least as many sessions as listed, active, the
/// coach's, not the player's own, and (with a key) under this request's claim.
fn insert_pack(
    db: &Db,
    pack: &str,
    purchase: &PackPurchase,
    player: &Identity,
    now: Instant,
    key: Option<(&IdempotencyKey, &str)>,
) -> Result<D1PreparedStatement, AppError> {
    let claimed = idempotency::held_by_this_request(key.is_some(), "?1", "?4", "?7");
    Ok(sql!(
        db,
        &format!(
            "INSERT INTO packs (id, announcement_id, coach_id, player_id, pack_size, created_at,
                                expires_at)
             SELECT ?1, a.id, a.coach_id, ?4, a.pack_size, ?5, ?5 + a.pack_validity_days * 86400
             FROM announcements a JOIN coaches c ON c.id = a.coach_id
             WHERE a.id = ?2 AND a.coach_id = ?3 AND a.is_active = 1 AND c.user_id <> ?4
               AND a.pack_size IS NOT NULL AND a.pack_size >= ?6 {claimed}"
        ),
        pack,
        purchase.announcement_id.as_str(),
        purchase.coach_id.as_str(),
        player.user_id.as_str(),
        now.timestamp(),
        purchase.sessions.len(),
        key.map(|(k, _)| k.as_str())
    )?)
}

/// A pack, with what its sessions have used of it.
#[derive(Debug, Clone, Deserialize)]
pub struct PackRow {
    pub id: String,
    pub announcement_id: String,
    pub title: String,
    pub coach_id: String,
    pub coach_name: String,
    pub player_id: String,
    pub player_name: String,
    pub pack_size: i64,
    pub status: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// Sessions that use a credit: booked, or cancelled too late to give it back.
    pub used: i64,
}

const SELECT_PACK: &str = "SELECT p.id, p.announcement_id, a.title, p.coach_id,
       cu.name AS coach_name, p.player_id, pu.name AS player_name,
       p.pack_size, p.status, p.created_at, p.expires_at,
       (SELECT COUNT(*) FROM reservations q WHERE q.pack_id = p.id AND q.pack_credit = 1) AS used
     FROM packs p JOIN announcements a ON a.id = p.announcement_id
          JOIN coaches c ON c.id = p.coach_id JOIN users cu ON cu.id = c.user_id
          JOIN users pu ON pu.id = p.player_id";

/// A pack `user` takes part in (its player or its coach).
pub async fn find_for_participant(
    db: &Db,
    id: &str,
    user: &str,
) -> Result<Option<PackRow>, AppError> {
    Ok(super::first(sql!(
        db,
        &format!("{SELECT_PACK} WHERE p.id = ?1 AND (p.player_id = ?2 OR c.user_id = ?2)"),
        id,
        user
    )?)
    .await?)
}

/// A page of the packs `user` bought (as player) or sold (as coach), newest first, after the
/// `(created_at, id)` of `after`; one more than `limit`, to tell whether another page follows.
pub async fn list_for(
    db: &Db,
    user: &str,
    coach: bool,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<PackRow>, AppError> {
    let mine = if coach {
        "c.user_id = ?1"
    } else {
        "p.player_id = ?1"
    };
    let (at, id) = after.unzip();
    Ok(super::all(sql!(
        db,
        &format!(
            "{SELECT_PACK} WHERE {mine}
               AND (?2 IS NULL OR p.created_at < ?2 OR (p.created_at = ?2 AND p.id < ?3))
             ORDER BY p.created_at DESC, p.id DESC LIMIT ?4"
        ),
        user,
        at,
        id,
        limit + 1
    )?)
    .await?)
}

/// One session of a pack, in booking order.
#[derive(Debug, Clone, Deserialize)]
pub struct PackSessionRow {
    pub id: String,
    pub start_at: i64,
    pub end_at: i64,
    pub status: String,
    pub pack_credit: i64,
}

pub async fn sessions_of(db: &Db, pack: &str) -> Result<Vec<PackSessionRow>, AppError> {
    Ok(super::all(sql!(
        db,
        "SELECT id, start_at, end_at, status, pack_credit FROM reservations
         WHERE pack_id = ?1 ORDER BY start_at, id",
        pack
    )?)
    .await?)
}

/// A session of one of several packs.
#[derive(Debug, Clone, Deserialize)]
pub struct PackSessionOf {
    pub pack_id: String,
    pub id: String,
    pub start_at: i64,
    pub end_at: i64,
    pub status: String,
    pub pack_credit: i64,
}

impl From<PackSessionOf> for PackSessionRow {
    fn from(s: PackSessionOf) -> Self {
        PackSessionRow {
            id: s.id,
            start_at: s.start_at,
            end_at: s.end_at,
            status: s.status,
            pack_credit: s.pack_credit,
        }
    }
}

/// The sessions of several packs, in one query.
pub async fn sessions_of_packs(db: &Db, packs: &[&str]) -> Result<Vec<PackSessionOf>, AppError> {
    let ids = serde_json::to_string(packs).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(super::all(sql!(
        db,
        "SELECT pack_id, id, start_at, end_at, status, pack_credit FROM reservations
         WHERE pack_id IN (SELECT value FROM json_each(?1)) ORDER BY start_at, id",
        ids
    )?)
    .await?)
}

/// Books one more session of pack `pack` (see [`guarded_insert`]); `true` if stored.
pub async fn add_session(
    db: &Db,
    pack: &str,
    session: &str,
    booking: &NewBooking,
    player: &Identity,
    guard: Guard,
    mail: Option<u32>,
) -> Result<bool, AppError> {
    let player_id = player.user_id.as_str();
    let mut statements = vec![
        upsert_user(db, player, guard.now)?,
        guarded_insert(db, session, booking, player_id, guard, None, Some(pack))?,
    ];
    if let Some(reminder_minutes) = mail {
        statements.extend(outbox::booked(db, session, guard.now, reminder_minutes)?);
    }
    Ok(super::batch(db, statements).await?.get(1) == Some(&1))
}

/// Cancels an active pack and its sessions still ahead (their mails queued by `change`);
/// answers the ids of those sessions, or `None` if the pack was not active.
pub async fn cancel(
    db: &Db,
    pack: &str,
    now: Instant,
    mail: Option<u32>,
) -> Result<Option<Vec<String>>, AppError> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let ahead: Vec<Id> = super::all(sql!(
        db,
        "SELECT id FROM reservations WHERE pack_id = ?1 AND status = 'confirmed' AND start_at > ?2",
        pack,
        now.timestamp()
    )?)
    .await?;
    let change = uuid::Uuid::new_v4().to_string();
    let mut statements = vec![
        sql!(
            db,
            "UPDATE packs SET status = 'cancelled', cancelled_at = ?2
             WHERE id = ?1 AND status = 'active'",
            pack,
            now.timestamp()
        )?,
        sql!(
            db,
            "UPDATE reservations SET status = 'cancelled', cancelled_at = ?2, video_retry_at = 0,
                 ics_sequence = ics_sequence + 1, changed_by = ?3
             WHERE pack_id = ?1 AND status = 'confirmed' AND start_at > ?2
               AND EXISTS (SELECT 1 FROM packs WHERE id = ?1 AND cancelled_at = ?2)",
            pack,
            now.timestamp(),
            &change
        )?,
    ];
    for session in &ahead {
        statements.extend(outbox::cancelled(db, &session.id, &change, now, mail)?);
    }
    let changed = super::batch(db, statements).await?;
    Ok((changed.first() == Some(&1)).then(|| ahead.into_iter().map(|s| s.id).collect()))
}
