//! A booking request, read once from the JSON body into a domain value, and the rules it must
//! satisfy.

use chrono::TimeDelta;
use serde::Deserialize;
use serde_json::Value;

use super::ids::{AnnouncementId, CoachId, IdError, UserId};
use super::input::{self, InputError};
use super::time::{parse_rfc3339, EmptySlot, Instant, Slot};

/// Everything that can make a booking request unacceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    EmptySlot(#[from] EmptySlot),
    #[error("startDate must be in the future")]
    StartInPast,
    #[error("sessions can be booked at most {days} days ahead")]
    StartTooFar { latest: Instant, days: u32 },
    #[error("a player may hold at most {limit} upcoming sessions")]
    TooManyUpcoming { limit: u32 },
    #[error("no announcement with this id")]
    AnnouncementNotFound,
    #[error("this announcement does not belong to coachId")]
    CoachMismatch,
    #[error("this announcement is no longer offered")]
    AnnouncementInactive,
    #[error("a coach cannot book their own announcement")]
    SelfBooking,
    #[error("the slot lasts {got} minutes but this announcement lasts {expected} minutes")]
    DurationMismatch { expected: i64, got: i64 },
    #[error("the coach or the player already has a session at this time")]
    SlotTaken,
    #[error("this announcement is a pack: buy it with POST /packs")]
    PackOffer,
    #[error("this announcement is not a pack")]
    NotAPack,
    #[error("a pack of this announcement holds at most {size} sessions")]
    TooManySessions { size: i64 },
    #[error("the session must end before the pack expires, at {expires_at}")]
    AfterPackExpiry { expires_at: Instant },
    #[error("a pack's session can be moved only until {hours} hours before it starts")]
    TooLateToMove { hours: u32 },
}

/// `POST /reservations` body, as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BookingBody {
    announcement_id: Option<String>,
    coach_id: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
}

/// `{"startDate", "endDate"}`, in a booking, a reschedule or a pack.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotBody {
    start_date: Option<String>,
    end_date: Option<String>,
}

impl TryFrom<SlotBody> for Slot {
    type Error = BookingError;

    fn try_from(body: SlotBody) -> Result<Self, Self::Error> {
        let date = |value: Option<String>, field: &str| {
            let text = input::required(value, field)?;
            parse_rfc3339(&text).map_err(|e| InputError::invalid(field, e))
        };
        let start = date(body.start_date, "startDate")?;
        let end = date(body.end_date, "endDate")?;
        Ok(Slot::new(start, end)?)
    }
}

/// A well-formed booking request, not yet checked against the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    pub announcement_id: AnnouncementId,
    pub coach_id: CoachId,
    pub slot: Slot,
}

/// A coach's offer, as far as booking cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub coach_id: String,
    pub coach_user_id: String,
    pub duration_minutes: i64,
    pub active: bool,
    /// Sessions per pack and days to book them, for a pack offer.
    pub pack: Option<(i64, i64)>,
}

/// A required id field of a body, parsed, or the input error that names it.
pub(super) fn id<T>(
    value: Option<String>,
    field: &str,
    parse: fn(&str) -> Result<T, IdError>,
) -> Result<T, InputError> {
    parse(&input::required(value, field)?).map_err(|e| InputError::invalid(field, e))
}

impl TryFrom<&Value> for NewBooking {
    type Error = BookingError;

    fn try_from(body: &Value) -> Result<Self, Self::Error> {
        let body: BookingBody = input::from_json(body)?;
        Ok(Self {
            announcement_id: id(
                body.announcement_id,
                "announcementId",
                AnnouncementId::parse,
            )?,
            coach_id: id(body.coach_id, "coachId", CoachId::parse)?,
            slot: Slot::try_from(SlotBody {
                start_date: body.start_date,
                end_date: body.end_date,
            })?,
        })
    }
}

/// A new slot for an existing reservation (`PATCH /reservations/:id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reschedule {
    pub slot: Slot,
}

impl TryFrom<&Value> for Reschedule {
    type Error = BookingError;

    fn try_from(body: &Value) -> Result<Self, Self::Error> {
        let body: SlotBody = input::from_json(body)?;
        Ok(Self {
            slot: Slot::try_from(body)?,
        })
    }
}

/// A slot must start in the future, and at most `horizon_days` ahead.
fn check_start(slot: &Slot, now: Instant, horizon_days: u32) -> Result<(), BookingError> {
    if slot.start() <= now {
        return Err(BookingError::StartInPast);
    }
    let latest = now + TimeDelta::days(i64::from(horizon_days));
    if slot.start() > latest {
        return Err(BookingError::StartTooFar {
            latest,
            days: horizon_days,
        });
    }
    Ok(())
}

impl Reschedule {
    /// The new slot starts in the future, within the horizon, and lasts as long as the old one.
    pub fn check(
        &self,
        current: &Slot,
        now: Instant,
        horizon_days: u32,
    ) -> Result<(), BookingError> {
        check_start(&self.slot, now, horizon_days)?;
        if self.slot.length() != current.length() {
            return Err(BookingError::DurationMismatch {
                expected: current.minutes(),
                got: self.slot.minutes(),
            });
        }
        Ok(())
    }
}

impl NewBooking {
    /// Rules that need only the clock: the slot starts in the future, within the horizon.
    pub fn check_timing(&self, now: Instant, horizon_days: u32) -> Result<(), BookingError> {
        check_start(&self.slot, now, horizon_days)
    }

    /// Rules that need the offer: it exists, belongs to the coach, is active, is not the
    /// player's own, lasts exactly as long as the slot, and (for a single booking) is not a pack.
    pub fn check_offer(&self, offer: Option<&Offer>, player: &UserId) -> Result<(), BookingError> {
        if offer.is_some_and(|o| o.pack.is_some()) {
            return Err(BookingError::PackOffer);
        }
        self.check_session(offer, player)
    }

    /// The rules of [`Self::check_offer`] but the last: those of each session of a pack.
    pub fn check_session(
        &self,
        offer: Option<&Offer>,
        player: &UserId,
    ) -> Result<(), BookingError> {
        let offer = offer.ok_or(BookingError::AnnouncementNotFound)?;
        if offer.coach_id != self.coach_id.as_str() {
            return Err(BookingError::CoachMismatch);
        }
        if !offer.active {
            return Err(BookingError::AnnouncementInactive);
        }
        if offer.coach_user_id == player.as_str() {
            return Err(BookingError::SelfBooking);
        }
        if offer.duration_minutes * 60 != self.slot.length().num_seconds() {
            return Err(BookingError::DurationMismatch {
                expected: offer.duration_minutes,
                got: self.slot.minutes(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({
            "announcementId": "ann_demo_60",
            "coachId": "coach_demo",
            "startDate": "2026-11-24T18:00:00Z",
            "endDate": "2026-11-24T19:00:00Z",
        })
    }

    fn with(field: &str, value: Value) -> Value {
        let mut b = body();
        b[field] = value;
        b
    }

    fn without(field: &str) -> Value {
        let mut b = body();
        b.as_object_mut().unwrap().remove(field);
        b
    }

    fn offer() -> Offer {
        Offer {
            coach_id: "coach_demo".into(),
            coach_user_id: "usr_coach_demo".into(),
            duration_minutes: 60,
            active: true,
            pack: None,
        }
    }

    #[test]
    fn a_pack_offer_is_not_booked_alone_but_its_sessions_follow_the_same_rules() {
        let booking = NewBooking::try_from(&body()).unwrap();
        let pack = Offer {
            pack: Some((5, 90)),
            ..offer()
        };
        assert_eq!(
            booking.check_offer(Some(&pack), &player()),
            Err(BookingError::PackOffer)
        );
        assert_eq!(booking.check_session(Some(&pack), &player()), Ok(()));
    }

    fn player() -> UserId {
        UserId::parse("usr_player_demo").unwrap()
    }

    #[test]
    fn a_complete_body_becomes_a_booking() {
        let booking = NewBooking::try_from(&body()).unwrap();
        assert_eq!(booking.announcement_id.as_str(), "ann_demo_60");
        assert_eq!(booking.coach_id.as_str(), "coach_demo");
        assert_eq!(booking.slot.minutes(), 60);
        assert_eq!(booking.check_offer(Some(&offer()), &player()), Ok(()));
    }

    #[test]
    fn each_missing_field_is_named() {
        for field in ["announcementId", "coachId", "startDate", "endDate"] {
            let missing = BookingError::Input(InputError::MissingField(field.into()));
            assert_eq!(NewBooking::try_from(&without(field)), Err(missing.clone()));
            assert_eq!(
                NewBooking::try_from(&with(field, Value::Null)),
                Err(missing)
            );
        }
    }

    #[test]
    fn wrongly_typed_fields_are_named() {
        let invalid = |body: Value| match NewBooking::try_from(&body) {
            Err(BookingError::Input(InputError::InvalidField { field, .. })) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(invalid(with("coachId", json!(42))), "coachId");
        assert_eq!(invalid(with("startDate", json!("demain 18h"))), "startDate");
        assert_eq!(invalid(with("endDate", json!(1_795_543_200))), "endDate");
        assert_eq!(invalid(with("announcementId", json!(""))), "announcementId");
        assert_eq!(
            NewBooking::try_from(&json!([1, 2])),
            Err(BookingError::Input(InputError::NotAnObject))
        );
    }

    #[test]
    fn end_must_follow_start() {
        let b = with("endDate", json!("2026-11-24T17:00:00Z"));
        assert_eq!(
            NewBooking::try_from(&b),
            Err(BookingError::EmptySlot(EmptySlot))
        );
    }

    #[test]
    fn start_must_be_in_the_future() {
        let booking = NewBooking::try_from(&body()).unwrap();
        let before = parse_rfc3339("2026-11-24T17:59:59Z").unwrap();
        let at_start = parse_rfc3339("2026-11-24T18:00:00Z").unwrap();
        assert_eq!(booking.check_timing(before, 180), Ok(()));
        assert_eq!(
            booking.check_timing(at_start, 180),
            Err(BookingError::StartInPast)
        );
    }

    #[test]
    fn start_must_be_within_the_horizon() {
        let now = parse_rfc3339("2026-11-24T12:00:00Z").unwrap();
        let latest = parse_rfc3339("2027-05-23T12:00:00Z").unwrap();
        let slot = |start: &str, end: &str| json!({"startDate": start, "endDate": end});
        let at_horizon = slot("2027-05-23T12:00:00Z", "2027-05-23T13:00:00Z");
        let booking = NewBooking::try_from(&with_slot(&at_horizon)).unwrap();
        assert_eq!(booking.check_timing(now, 180), Ok(()));
        let too_far = BookingError::StartTooFar { latest, days: 180 };
        for (start, end) in [
            ("2027-05-23T12:00:01Z", "2027-05-23T13:00:01Z"),
            ("9999-12-31T23:00:00-01:00", "10000-01-01T01:00:00Z"),
            ("9999-12-31T22:00:00Z", "9999-12-31T23:00:00Z"),
        ] {
            let Ok(booking) = NewBooking::try_from(&with_slot(&slot(start, end))) else {
                continue; // refused as input already
            };
            assert_eq!(
                booking.check_timing(now, 180),
                Err(too_far.clone()),
                "{start}"
            );
            let current = NewBooking::try_from(&body()).unwrap().slot;
            let change = Reschedule { slot: booking.slot };
            assert_eq!(change.check(&current, now, 180), Err(too_far.clone()));
        }
    }

    fn with_slot(slot: &Value) -> Value {
        let mut b = body();
        b["startDate"] = slot["startDate"].clone();
        b["endDate"] = slot["endDate"].clone();
        b
    }

    #[test]
    fn a_reschedule_keeps_the_length_and_starts_in_the_future() {
        let current = NewBooking::try_from(&body()).unwrap().slot;
        let now = parse_rfc3339("2026-11-24T12:00:00Z").unwrap();
        let later = json!({"startDate": "2026-11-25T18:00:00Z", "endDate": "2026-11-25T19:00:00Z"});
        assert_eq!(
            Reschedule::try_from(&later)
                .unwrap()
                .check(&current, now, 180),
            Ok(())
        );
        let longer =
            json!({"startDate": "2026-11-25T18:00:00Z", "endDate": "2026-11-25T19:30:00Z"});
        assert_eq!(
            Reschedule::try_from(&longer)
                .unwrap()
                .check(&current, now, 180),
            Err(BookingError::DurationMismatch {
                expected: 60,
                got: 90
            })
        );
        let past = json!({"startDate": "2026-11-24T10:00:00Z", "endDate": "2026-11-24T11:00:00Z"});
        assert_eq!(
            Reschedule::try_from(&past)
                .unwrap()
                .check(&current, now, 180),
            Err(BookingError::StartInPast)
        );
        assert_eq!(
            Reschedule::try_from(&json!({"startDate": "2026-11-25T18:00:00Z"})),
            Err(BookingError::Input(InputError::MissingField(
                "endDate".into()
            )))
        );
    }

    #[test]
    fn offer_rules_in_order() {
        let booking = NewBooking::try_from(&body()).unwrap();
        assert_eq!(
            booking.check_offer(None, &player()),
            Err(BookingError::AnnouncementNotFound)
        );
        let other_coach = Offer {
            coach_id: "coach_other".into(),
            ..offer()
        };
        assert_eq!(
            booking.check_offer(Some(&other_coach), &player()),
            Err(BookingError::CoachMismatch)
        );
        let inactive = Offer {
            active: false,
            ..offer()
        };
        assert_eq!(
            booking.check_offer(Some(&inactive), &player()),
            Err(BookingError::AnnouncementInactive)
        );
        let coach = UserId::parse("usr_coach_demo").unwrap();
        assert_eq!(
            booking.check_offer(Some(&offer()), &coach),
            Err(BookingError::SelfBooking)
        );
        let ninety = Offer {
            duration_minutes: 90,
            ..offer()
        };
        assert_eq!(
            booking.check_offer(Some(&ninety), &player()),
            Err(BookingError::DurationMismatch {
                expected: 90,
                got: 60
            })
        );
    }
}
