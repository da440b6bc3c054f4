//! A booking request, parsed once from the JSON body, and the rules it must satisfy.

use serde_json::{Map, Value};

use super::ids::{AnnouncementId, CoachId, IdError, UserId};
use super::time::{parse_rfc3339, DateError, EmptySlot, Instant, Slot};

/// Everything that can make a booking request unacceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("the request body must be a JSON object")]
    NotAnObject,
    #[error("{0} is required")]
    MissingField(&'static str),
    #[error("{field} {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("{0}")]
    EmptySlot(#[from] EmptySlot),
    #[error("startDate must be in the future")]
    StartInPast,
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
}

fn text<'a>(body: &'a Map<String, Value>, field: &'static str) -> Result<&'a str, BookingError> {
    match body.get(field) {
        None | Some(Value::Null) => Err(BookingError::MissingField(field)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(BookingError::InvalidField {
            field,
            reason: "must be a string".into(),
        }),
    }
}

fn id<T>(
    body: &Map<String, Value>,
    field: &'static str,
    parse: fn(&str) -> Result<T, IdError>,
) -> Result<T, BookingError> {
    parse(text(body, field)?).map_err(|e| BookingError::InvalidField {
        field,
        reason: e.to_string(),
    })
}

fn date(body: &Map<String, Value>, field: &'static str) -> Result<Instant, BookingError> {
    parse_rfc3339(text(body, field)?).map_err(|e: DateError| BookingError::InvalidField {
        field,
        reason: e.to_string(),
    })
}

impl TryFrom<&Value> for NewBooking {
    type Error = BookingError;

    fn try_from(body: &Value) -> Result<Self, Self::Error> {
        let body = body.as_object().ok_or(BookingError::NotAnObject)?;
        Ok(Self {
            announcement_id: id(body, "announcementId", AnnouncementId::parse)?,
            coach_id: id(body, "coachId", CoachId::parse)?,
            slot: Slot::new(date(body, "startDate")?, date(body, "endDate")?)?,
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
        let body = body.as_object().ok_or(BookingError::NotAnObject)?;
        Ok(Self {
            slot: Slot::new(date(body, "startDate")?, date(body, "endDate")?)?,
        })
    }
}

impl Reschedule {
    /// The new slot starts in the future and lasts as long as the old one.
    pub fn check(&self, current: &Slot, now: Instant) -> Result<(), BookingError> {
        if self.slot.start() <= now {
            return Err(BookingError::StartInPast);
        }
        if self.slot.seconds() != current.seconds() {
            return Err(BookingError::DurationMismatch {
                expected: current.minutes(),
                got: self.slot.minutes(),
            });
        }
        Ok(())
    }
}

impl NewBooking {
    /// Rules that need only the clock.
    pub fn check_timing(&self, now: Instant) -> Result<(), BookingError> {
        if self.slot.start() <= now {
            return Err(BookingError::StartInPast);
        }
        Ok(())
    }

    /// Rules that need the offer: it exists, belongs to the coach, is active, is not the
    /// player's own, and lasts exactly as long as the slot.
    pub fn check_offer(&self, offer: Option<&Offer>, player: &UserId) -> Result<(), BookingError> {
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
        if offer.duration_minutes * 60 != self.slot.seconds() {
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
        }
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
            assert_eq!(
                NewBooking::try_from(&without(field)),
                Err(BookingError::MissingField(field))
            );
            assert_eq!(
                NewBooking::try_from(&with(field, Value::Null)),
                Err(BookingError::MissingField(field))
            );
        }
    }

    #[test]
    fn wrongly_typed_fields_are_named() {
        let err = NewBooking::try_from(&with("coachId", json!(42))).unwrap_err();
        assert_eq!(
            err,
            BookingError::InvalidField {
                field: "coachId",
                reason: "must be a string".into()
            }
        );
        let err = NewBooking::try_from(&with("startDate", json!("demain 18h"))).unwrap_err();
        assert!(matches!(
            err,
            BookingError::InvalidField {
                field: "startDate",
                ..
            }
        ));
        let err = NewBooking::try_from(&with("announcementId", json!(""))).unwrap_err();
        assert!(matches!(
            err,
            BookingError::InvalidField {
                field: "announcementId",
                ..
            }
        ));
        assert_eq!(
            NewBooking::try_from(&json!([1, 2])),
            Err(BookingError::NotAnObject)
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
        assert_eq!(booking.check_timing(before), Ok(()));
        assert_eq!(
            booking.check_timing(at_start),
            Err(BookingError::StartInPast)
        );
    }

    #[test]
    fn a_reschedule_keeps_the_length_and_starts_in_the_future() {
        let current = NewBooking::try_from(&body()).unwrap().slot;
        let now = parse_rfc3339("2026-11-24T12:00:00Z").unwrap();
        let later = json!({"startDate": "2026-11-25T18:00:00Z", "endDate": "2026-11-25T19:00:00Z"});
        assert_eq!(
            Reschedule::try_from(&later).unwrap().check(&current, now),
            Ok(())
        );
        let longer =
            json!({"startDate": "2026-11-25T18:00:00Z", "endDate": "2026-11-25T19:30:00Z"});
        assert_eq!(
            Reschedule::try_from(&longer).unwrap().check(&current, now),
            Err(BookingError::DurationMismatch {
                expected: 60,
                got: 90
            })
        );
        let past = json!({"startDate": "2026-11-24T10:00:00Z", "endDate": "2026-11-24T11:00:00Z"});
        assert_eq!(
            Reschedule::try_from(&past).unwrap().check(&current, now),
            Err(BookingError::StartInPast)
        );
        assert_eq!(
            Reschedule::try_from(&json!({"startDate": "2026-11-25T18:00:00Z"})),
            Err(BookingError::MissingField("endDate"))
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
