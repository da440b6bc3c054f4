//! The life of a reservation, as the API and D1 spell it.

use serde::{Deserialize, Serialize};

/// `confirmed` from booking on, `cancelled` once either participant cancels; `completed` is
/// reserved for sessions the platform closes itself (the schema allows it, nothing here sets it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReservationStatus {
    Confirmed,
    Cancelled,
    Completed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_and_write_as_stored() {
        let stored = ["confirmed", "cancelled", "completed"];
        crate::domain::testing::assert_round_trips::<ReservationStatus>(&stored);
        assert_eq!(
            serde_json::to_value(ReservationStatus::Cancelled).unwrap(),
            "cancelled"
        );
        assert!(serde_json::from_str::<ReservationStatus>(r#""pending""#).is_err());
    }
}
