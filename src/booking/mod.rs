//! Booking a session (shell): the guarded insert, the Idempotency-Key state machine around it,
//! and the room. The reservation is stored first: if Daily fails, the booking stands
//! (`videoStatus` `pending`) and the room is made at the first token request or by the
//! scheduled handler.
//!
//! With an Idempotency-Key, the key is claimed in the same D1 batch as the insert. A request
//! that finds the key taken replays the answer kept under it, is told the key is in use while
//! the first request runs, or takes over the claim of a first request that died before
//! answering (`idempotency::is_abandoned`).

pub mod idempotency;

use serde_json::Value;
use worker::{console_warn, D1PreparedStatement};

use crate::api::views::ReservationView;
use crate::auth::Identity;
use crate::config::{BookingLimits, DailyConfig};
use crate::daily::api::Room;
use crate::daily::client::DailyClient;
use crate::db::Db;
use crate::db::{self, catalog, idempotency as keys, reservations};
use crate::domain::booking::{BookingError, NewBooking};
use crate::domain::ids::{ReservationId, UserId};
use crate::domain::time::Instant;
use crate::error::AppError;
use crate::rooms::policy;
use idempotency::{fingerprint, is_abandoned, IdempotencyKey};

/// An answer kept as text, so that an Idempotency-Key replay sends the same bytes.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// What a booking request gets: a fresh answer, or one replayed from its key.
#[derive(Debug)]
pub struct Outcome {
    pub answer: Answer,
    pub replayed: bool,
    /// The reservation this request stored, if it stored one (not a replay, not a refusal).
    pub stored: Option<ReservationId>,
}

impl Answer {
    fn created(view: &ReservationView) -> Self {
        Self {
            status: 201,
            body: serde_json::to_string(view).expect("views always serialize"),
            location: Some(location_of(&view.id)),
        }
    }

    fn error(err: &AppError) -> Self {
        Self {
            status: err.status(),
            body: err.body().to_string(),
            location: None,
        }
    }

    /// The statement that keeps this answer, to replay it under `key`.
    fn kept_for(
        &self,
        db: &Db,
        user: &UserId,
        key: &IdempotencyKey,
        reservation: ReservationId,
    ) -> Result<D1PreparedStatement, AppError> {
        keys::store(db, user, key, reservation, self.status, &self.body)
    }

    fn fresh(self) -> Outcome {
        Outcome {
            answer: self,
            replayed: false,
            stored: None,
        }
    }
}

/// Where a created reservation is read back (`Location`).
fn location_of(id: &str) -> String {
    format!("/reservations/{id}")
}

/// The answer to a request whose key an earlier request holds.
fn replay(record: keys::KeyRecord, hash: &str) -> Result<Outcome, AppError> {
    if record.request_hash != hash {
        return Err(AppError::IdempotencyKeyReused);
    }
    match (record.response_status, record.response_body) {
        (Some(status), Some(body)) => Ok(Outcome {
            answer: Answer {
                status,
                location: (status == 201).then(|| location_of(&record.reservation_id)),
                body,
            },
            replayed: true,
            stored: None,
        }),
        _ => Err(AppError::IdempotencyKeyInFlight),
    }
}

/// Where the guarded insert left a request.
enum Inserted {
    /// The reservation is stored under this id (and the key, if any, is ours).
    Stored(ReservationId),
    /// The insert was refused (the slot or the offer); the key, if any, is ours.
    Refused(ReservationId),
    /// Another request holds the key: this is the answer.
    Settled(Outcome),
}

/// One player's booking request.
pub struct Booking<'a> {
    pub db: &'a Db,
    pub daily: &'a DailyConfig,
    pub limits: BookingLimits,
    pub player: &'a Identity,
    pub now: Instant,
    /// With mail on, the reminder's lead in minutes: the booking's mails are queued with it.
    pub mail: Option<u32>,
}

impl Booking<'_> {
    /// Books what `body` asks for, under `key` if there is one.
    pub async fn book(
        &self,
        body: &Value,
        key: Option<&IdempotencyKey>,
    ) -> Result<Outcome, AppError> {
        let hash = fingerprint(body);
        let horizon = self.limits.horizon_days;
        let parsed =
            NewBooking::try_from(body).and_then(|b| b.check_timing(self.now, horizon).map(|()| b));
        let booking = match parsed {
            Ok(booking) => booking,
            Err(e) => return self.refuse_invalid(e.into(), key, &hash).await,
        };
        match self.insert(&booking, key, &hash).await? {
            Inserted::Stored(id) => Ok(Outcome {
                stored: Some(id),
                ..self.open_room(id, &booking, key).await?.fresh()
            }),
            Inserted::Refused(id) => self.refuse(&booking, id, key).await,
            Inserted::Settled(outcome) => Ok(outcome),
        }
    }

    /// An invalid body. Under a key already used for another body, the misuse is the answer.
    async fn refuse_invalid(
        &self,
        err: AppError,
        key: Option<&IdempotencyKey>,
        hash: &str,
    ) -> Result<Outcome, AppError> {
        if let Some(key) = key {
            if let Some(record) = keys::find(self.db, &self.player.user_id, key).await? {
                return replay(record, hash);
            }
        }
        Err(err)
    }

    /// The guarded insert, under the key's claim if there is one. A claim that a dead request
    /// left behind is taken over once.
    async fn insert(
        &self,
        booking: &NewBooking,
        key: Option<&IdempotencyKey>,
        hash: &str,
    ) -> Result<Inserted, AppError> {
        let claim = key.map(|k| (k, hash));
        let mut taken_over = false;
        loop {
            let id = ReservationId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes());
            let (db, player, now) = (self.db, self.player, self.now);
            let guard = reservations::Guard {
                now,
                max_upcoming: self.limits.max_upcoming,
            };
            let done =
                reservations::insert_if_free(db, id, booking, player, guard, claim, self.mail)
                    .await?;
            match (done.claimed, done.reservation) {
                (true, true) => return Ok(Inserted::Stored(id)),
                (true, false) => return Ok(Inserted::Refused(id)),
                (false, _) => {}
            }
            let key = key.expect("only a keyed request can lose a claim");
            let Some(record) = keys::find(db, &player.user_id, key).await? else {
                return Err(AppError::IdempotencyKeyInFlight);
            };
            let abandoned = record.request_hash == hash
                && record.response_status.is_none()
                && is_abandoned(record.created_at, now.timestamp());
            if !abandoned || taken_over {
                return replay(record, hash).map(Inserted::Settled);
            }
            if let Some(answer) = self.take_over(key, &record).await? {
                return Ok(Inserted::Settled(Outcome {
                    answer,
                    replayed: true,
                    stored: None,
                }));
            }
            // The abandoned request booked nothing: its claim is given up; run this one instead.
            taken_over = true;
        }
    }

    /// Takes over the claim of a request that died before answering. Its reservation was
    /// stored together with the claim, or refused: if it exists, the answer is that reservation
    /// as it stands (its room, if still missing, is left to the retries), kept for later
    /// replays; if not, the claim is given up and `None` says to run the request again.
    async fn take_over(
        &self,
        key: &IdempotencyKey,
        record: &keys::KeyRecord,
    ) -> Result<Option<Answer>, AppError> {
        let user = &self.player.user_id;
        let id = ReservationId::parse(&record.reservation_id)
            .ok_or_else(|| AppError::Internal("stored reservation id does not parse".into()))?;
        match reservations::find_for_participant(self.db, id, user).await? {
            Some(row) => {
                let answer = Answer::created(&ReservationView::from(row));
                db::run(answer.kept_for(self.db, user, key, id)?).await?;
                Ok(Some(answer))
            }
            None => {
                keys::release(self.db, user, key, id).await?;
                Ok(None)
            }
        }
    }

    /// Creates the room of a new reservation (one request to Daily), then records it together
    /// with the answer kept for the Idempotency-Key, if any, in one D1 round trip.
    async fn open_room(
        &self,
        id: ReservationId,
        booking: &NewBooking,
        key: Option<&IdempotencyKey>,
    ) -> Result<Answer, AppError> {
        let created = |room: Option<Room>| {
            Answer::created(&ReservationView::booked(
                id,
                booking,
                self.player,
                room,
                self.now,
            ))
        };
        let keep = |answer: &Answer| {
            key.map(|key| answer.kept_for(self.db, &self.player.user_id, key, id))
                .transpose()
        };
        let name = self.daily.room_prefix.room_for(id);
        let request = policy::create_request(
            &name,
            &booking.slot,
            self.player.locale,
            self.daily.recording,
        );
        match DailyClient::new(self.daily).create_room(&request).await {
            Ok(room) => {
                let record =
                    reservations::set_room(self.db, &id.to_string(), &room, &booking.slot)?;
                let answer = created(Some(room));
                let statements = std::iter::once(record).chain(keep(&answer)?).collect();
                match db::batch(self.db, statements).await {
                    Ok(_) => return Ok(answer),
                    // The room exists at Daily under its deterministic name: the retries find it.
                    Err(e) => {
                        console_warn!("reservation {id}: room {name} created but not recorded: {e}")
                    }
                }
            }
            Err(e) => {
                console_warn!("reservation {id}: room not created yet, left to the retries: {e}")
            }
        }
        let answer = created(None);
        if let Some(store) = keep(&answer)? {
            db::run(store).await?;
        }
        Ok(answer)
    }

    /// Why the guarded insert refused a booking: the offer's rules first, then the player's cap
    /// on upcoming sessions, else the slot is taken.
    async fn why_refused(&self, booking: &NewBooking) -> Result<BookingError, AppError> {
        let offer = catalog::find_offer(self.db, &booking.announcement_id).await?;
        if let Err(refusal) = booking.check_offer(offer.as_ref(), &self.player.user_id) {
            return Ok(refusal);
        }
        let limit = self.limits.max_upcoming;
        let upcoming =
            reservations::count_upcoming(self.db, &self.player.user_id, self.now).await?;
        if upcoming >= i64::from(limit) {
            return Ok(BookingError::TooManyUpcoming { limit });
        }
        Ok(BookingError::SlotTaken)
    }

    /// The insert was refused: say why (the offer's rules first, else the slot is taken), and
    /// keep that answer under the key. A server fault is not an answer to keep: the claim is
    /// given up so that a retry runs the request again.
    async fn refuse(
        &self,
        booking: &NewBooking,
        id: ReservationId,
        key: Option<&IdempotencyKey>,
    ) -> Result<Outcome, AppError> {
        let user = &self.player.user_id;
        let refusal = self
            .why_refused(booking)
            .await
            .map(|refusal| Answer::error(&refusal.into()));
        let Some(key) = key else {
            return Ok(refusal?.fresh());
        };
        match refusal {
            Ok(answer) => {
                db::run(answer.kept_for(self.db, user, key, id)?).await?;
                Ok(answer.fresh())
            }
            Err(fault) => {
                keys::release(self.db, user, key, id).await?;
                Err(fault)
            }
        }
    }
}
