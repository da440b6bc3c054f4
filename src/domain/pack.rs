//! A pack purchase (`POST /packs`): an offer sold as several sessions, some of them booked at
//! once. Each listed session is checked as a single booking would be; what fails names its slot.

use serde::Deserialize;
use serde_json::Value;

use super::booking::{id, BookingError, NewBooking, SlotBody};
use super::ids::{AnnouncementId, CoachId};
use super::input::{self, InputError};
use super::time::{Instant, Slot};

/// `POST /packs` body, as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PurchaseBody {
    announcement_id: Option<String>,
    coach_id: Option<String>,
    #[serde(default)]
    sessions: Vec<SlotBody>,
}

/// Why a purchase is refused: for the pack as a whole, or for one of its sessions (by index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurchaseError {
    Pack(BookingError),
    Session { index: usize, error: BookingError },
}

impl From<BookingError> for PurchaseError {
    fn from(e: BookingError) -> Self {
        PurchaseError::Pack(e)
    }
}

impl From<InputError> for PurchaseError {
    fn from(e: InputError) -> Self {
        PurchaseError::Pack(e.into())
    }
}

/// A well-formed purchase: the offer, and the sessions to book now (perhaps none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackPurchase {
    pub announcement_id: AnnouncementId,
    pub coach_id: CoachId,
    pub sessions: Vec<Slot>,
}

impl TryFrom<&Value> for PackPurchase {
    type Error = PurchaseError;

    fn try_from(body: &Value) -> Result<Self, Self::Error> {
        let body: PurchaseBody = input::from_json(body)?;
        let announcement_id = id(
            body.announcement_id,
            "announcementId",
            AnnouncementId::parse,
        )?;
        let coach_id = id(body.coach_id, "coachId", CoachId::parse)?;
        let sessions = body
            .sessions
            .into_iter()
            .enumerate()
            .map(|(index, slot)| Slot::try_from(slot).map_err(|error| session(index, error)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            announcement_id,
            coach_id,
            sessions,
        })
    }
}

/// A session's error, its input field named from the body's root (`sessions[2].startDate`).
pub fn session(index: usize, error: BookingError) -> PurchaseError {
    let prefixed = |field: &str| format!("sessions[{index}].{field}");
    let error = match error {
        BookingError::Input(InputError::MissingField(f)) => {
            BookingError::Input(InputError::MissingField(prefixed(&f)))
        }
        BookingError::Input(InputError::InvalidField { field, reason }) => {
            BookingError::Input(InputError::InvalidField {
                field: prefixed(&field),
                reason,
            })
        }
        other => other,
    };
    PurchaseError::Session { index, error }
}

impl PackPurchase {
    /// Each session as a single booking of the offer.
    pub fn bookings(&self) -> Vec<NewBooking> {
        self.sessions
            .iter()
            .map(|slot| NewBooking {
                announcement_id: self.announcement_id.clone(),
                coach_id: self.coach_id.clone(),
                slot: *slot,
            })
            .collect()
    }

    /// Rules that need only the clock and the list: each session starts in the future and within
    /// the horizon, and no two of them overlap (the later one is refused as taken).
    pub fn check_timing(&self, now: Instant, horizon_days: u32) -> Result<(), PurchaseError> {
        for (index, booking) in self.bookings().iter().enumerate() {
            booking
                .check_timing(now, horizon_days)
                .map_err(|e| session(index, e))?;
            let earlier = &self.sessions[..index];
            if earlier.iter().any(|s| s.overlaps(&booking.slot)) {
                return Err(session(index, BookingError::SlotTaken));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_rfc3339;
    use serde_json::json;

    fn purchase(sessions: Value) -> Result<PackPurchase, PurchaseError> {
        PackPurchase::try_from(&json!({
            "announcementId": "ann_demo_pack5", "coachId": "coach_demo", "sessions": sessions
        }))
    }

    #[test]
    fn sessions_are_optional_and_each_is_read_as_a_slot() {
        assert_eq!(purchase(json!([])).unwrap().sessions.len(), 0);
        let two = purchase(json!([
            {"startDate": "2030-01-07T18:00:00Z", "endDate": "2030-01-07T19:00:00Z"},
            {"startDate": "2030-01-14T18:00:00Z", "endDate": "2030-01-14T19:00:00Z"},
        ]))
        .unwrap();
        assert_eq!(two.sessions.len(), 2);
    }

    #[test]
    fn a_bad_session_names_its_field_from_the_root() {
        let err = purchase(json!([
            {"startDate": "2030-01-07T18:00:00Z", "endDate": "2030-01-07T19:00:00Z"},
            {"startDate": "2030-01-14T18:00:00Z", "endDate": "2030-01-14T19:00:00Z"},
            {"startDate": "tuesday", "endDate": "2030-01-21T19:00:00Z"},
        ]))
        .unwrap_err();
        let PurchaseError::Session {
            index: 2,
            error: BookingError::Input(InputError::InvalidField { field, .. }),
        } = err
        else {
            panic!("{err:?}");
        };
        assert_eq!(field, "sessions[2].startDate");
    }

    #[test]
    fn overlapping_or_past_sessions_are_refused_by_index() {
        let now = parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
        let overlapping = purchase(json!([
            {"startDate": "2030-01-07T18:00:00Z", "endDate": "2030-01-07T19:00:00Z"},
            {"startDate": "2030-01-07T18:30:00Z", "endDate": "2030-01-07T19:30:00Z"},
        ]))
        .unwrap();
        assert_eq!(
            overlapping.check_timing(now, 180),
            Err(PurchaseError::Session {
                index: 1,
                error: BookingError::SlotTaken
            })
        );
        let past = purchase(json!([
            {"startDate": "2029-12-07T18:00:00Z", "endDate": "2029-12-07T19:00:00Z"},
        ]))
        .unwrap();
        assert_eq!(
            past.check_timing(now, 180),
            Err(PurchaseError::Session {
                index: 0,
                error: BookingError::StartInPast
            })
        );
    }
}
