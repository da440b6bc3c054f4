//! Instants and slots. The API speaks RFC 3339 (any offset in, UTC out, whole seconds); D1
//! stores unix seconds. Instants are chrono's `DateTime<Utc>` throughout.

use chrono::{DateTime, SecondsFormat, TimeDelta, Timelike, Utc};

/// An instant in UTC. Every instant the API handles is a whole second.
pub type Instant = DateTime<Utc>;

/// The instant of stored unix seconds. Every value D1 holds came from an `Instant`, so it is
/// in chrono's range; anything else reads as the epoch rather than panicking.
pub fn from_unix(seconds: i64) -> Instant {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// Formats an instant the one way the API writes it: `2026-11-24T18:00:00Z`. (chrono's own
/// `Serialize` writes the same text for whole seconds.)
pub fn format(at: Instant) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Why a date in a request is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("must be an RFC 3339 date-time such as 2026-11-24T18:00:00Z")]
    NotRfc3339,
    #[error("must be a whole second (no fractional part)")]
    Fractional,
}

/// Parses an RFC 3339 date-time (`2026-11-24T19:00:00+01:00`, `…T18:00:00Z`, `…T18:00:00.000Z`)
/// with any offset, normalised to UTC, with chrono's RFC 3339 parser. Two rules of ours on top:
/// a fraction of a second is refused unless it is zero, and so is a leap second (`…:60`), which
/// chrono reads as a second that lasts longer.
pub fn parse_rfc3339(raw: &str) -> Result<Instant, DateError> {
    let at = DateTime::parse_from_rfc3339(raw).map_err(|_| DateError::NotRfc3339)?;
    match at.nanosecond() {
        0 => Ok(at.with_timezone(&Utc)),
        n if n >= 1_000_000_000 => Err(DateError::NotRfc3339),
        _ => Err(DateError::Fractional),
    }
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

    /// Rebuilds a stored slot (it was a valid `Slot` when stored, and D1 checks
    /// `end_at > start_at`).
    pub fn from_stored(start: Instant, end: Instant) -> Self {
        Self { start, end }
    }

    pub fn start(&self) -> Instant {
        self.start
    }

    pub fn end(&self) -> Instant {
        self.end
    }

    pub fn length(&self) -> TimeDelta {
        self.end - self.start
    }

    pub fn minutes(&self) -> i64 {
        self.length().num_minutes()
    }

    /// Whether the two slots share any time (touching ends do not).
    pub fn overlaps(&self, other: &Slot) -> bool {
        self.start < other.end && other.start < self.end
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
        assert_eq!(
            serde_json::to_value(at).unwrap(),
            "2026-11-24T18:00:00Z",
            "chrono's Serialize writes what the API writes"
        );
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
        assert_eq!(
            parse_rfc3339("2026-11-24T18:00:00.000000001Z"),
            Err(DateError::Fractional)
        );
    }

    #[test]
    fn round_trips_across_the_calendar() {
        for (text, unix) in [
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59Z", -1),
            ("2000-02-29T12:00:00Z", 951_825_600),
            ("2024-02-29T23:59:59Z", 1_709_251_199),
            ("2026-03-29T01:00:00Z", 1_774_746_000),
            ("2100-03-01T00:00:00Z", 4_107_542_400),
        ] {
            let at = parse_rfc3339(text).unwrap();
            assert_eq!(at.timestamp(), unix, "{text}");
            assert_eq!(format(at), text);
            assert_eq!(from_unix(unix), at);
        }
        // Every day for 800 years formats to the date it was parsed from.
        let mut at = parse_rfc3339("1800-01-01T00:00:00Z").unwrap();
        for _ in 0..(800 * 366) {
            assert_eq!(parse_rfc3339(&format(at)), Ok(at));
            at += TimeDelta::hours(24);
        }
    }

    #[test]
    fn accepts_rfc3339_variants_and_refuses_impossible_dates() {
        let utc = parse_rfc3339("2026-11-24T18:00:00Z").unwrap();
        for same in [
            "2026-11-24t18:00:00z",
            "2026-11-24 18:00:00Z",
            "2026-11-24T18:00:00.000Z",
            "2026-11-24T13:30:00-04:30",
            "2026-11-25T00:00:00+06:00",
            "2026-11-24T18:00:00-00:00",
        ] {
            assert_eq!(parse_rfc3339(same), Ok(utc), "{same}");
        }
        for bad in [
            "2026-02-29T18:00:00Z",
            "2026-13-01T18:00:00Z",
            "2026-11-31T18:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T18:60:00Z",
            "2026-11-24T18:00:00",
            "2026-11-24T18:00:00+0100",
            "2026-11-24T18:00:00.Z",
            "2026-11-24T18:00:00Z ",
            "+2026-11-24T18:00:00Z",
            "2026-11-24T18:00:00+24:00",
            "２０２６-11-24T18:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), Err(DateError::NotRfc3339), "{bad}");
        }
    }

    /// chrono reads `:60` as a leap second (a second that lasts two); the API refuses it, at
    /// the end of a minute as anywhere else, as it did before chrono.
    #[test]
    fn leap_seconds_are_refused() {
        for leap in [
            "2016-12-31T23:59:60Z",
            "2026-11-24T18:00:60Z",
            "2016-12-31T23:59:60.5Z",
        ] {
            assert_eq!(parse_rfc3339(leap), Err(DateError::NotRfc3339), "{leap}");
        }
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
