//! Instants and slots. The API speaks RFC 3339; D1 stores unix seconds.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// An instant with whole-second precision, in UTC.
pub type Instant = DateTime<Utc>;

/// Formats an instant the one way the API writes it: `2026-11-24T18:00:00Z`.
pub fn format(at: Instant) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads an instant stored as unix seconds.
pub fn from_unix(seconds: i64) -> Instant {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Why a date in a request is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("must be an RFC 3339 date-time such as 2026-11-24T18:00:00Z")]
    NotRfc3339,
    #[error("must be a whole second (no fractional part)")]
    Fractional,
}

/// Parses an RFC 3339 date-time with any offset, normalised to UTC.
pub fn parse_rfc3339(raw: &str) -> Result<Instant, DateError> {
    let at = DateTime::parse_from_rfc3339(raw).map_err(|_| DateError::NotRfc3339)?;
    if at.timestamp_subsec_nanos() != 0 {
        return Err(DateError::Fractional);
    }
    Ok(at.with_timezone(&Utc))
}

/// A booked time slot: `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    start: Instant,
    end: Instant,
}

/// A slot whose end is not after its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("endDate must be after startDate")]
pub struct EmptySlot;

impl Slot {
    pub fn new(start: Instant, end: Instant) -> Result<Self, EmptySlot> {
        (start < end)
            .then_some(Self { start, end })
            .ok_or(EmptySlot)
    }

    /// Rebuilds a slot from stored unix seconds.
    pub fn from_unix(start: i64, end: i64) -> Self {
        Self {
            start: from_unix(start),
            end: from_unix(end),
        }
    }

    pub fn start(&self) -> Instant {
        self.start
    }

    pub fn end(&self) -> Instant {
        self.end
    }

    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }

    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_to_utc_and_formats_back() {
        let at = parse_rfc3339("2026-11-24T19:00:00+01:00").unwrap();
        assert_eq!(format(at), "2026-11-24T18:00:00Z");
        assert_eq!(at.timestamp(), 1_795_543_200);
    }

    #[test]
    fn rejects_what_is_not_rfc3339_or_not_whole_seconds() {
        assert_eq!(
            parse_rfc3339("2026-11-24 18:00"),
            Err(DateError::NotRfc3339)
        );
        assert_eq!(parse_rfc3339("2026-11-24"), Err(DateError::NotRfc3339));
        assert_eq!(parse_rfc3339("tomorrow"), Err(DateError::NotRfc3339));
        assert_eq!(
            parse_rfc3339("2026-11-24T18:00:00.5Z"),
            Err(DateError::Fractional)
        );
    }

    #[test]
    fn a_slot_must_have_a_positive_length() {
        let a = parse_rfc3339("2026-11-24T18:00:00Z").unwrap();
        let b = parse_rfc3339("2026-11-24T19:30:00Z").unwrap();
        assert_eq!(Slot::new(a, b).unwrap().minutes(), 90);
        assert_eq!(Slot::new(b, a), Err(EmptySlot));
        assert_eq!(Slot::new(a, a), Err(EmptySlot));
    }
}
