//! Instants, durations and slots, to the second. The API speaks RFC 3339 (UTC out, any offset
//! in); D1 stores unix seconds. Civil-date arithmetic follows Howard Hinnant's `days_from_civil`
//! and `civil_from_days` (proleptic Gregorian calendar).

use std::ops::{Add, Sub};

/// An instant in UTC with whole-second precision: seconds since the unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

/// A signed length of time, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(i64);

impl Instant {
    pub const fn timestamp(self) -> i64 {
        self.0
    }
}

impl Duration {
    pub const fn seconds(n: i64) -> Self {
        Self(n)
    }

    pub const fn minutes(n: i64) -> Self {
        Self(n * 60)
    }

    pub const fn hours(n: i64) -> Self {
        Self(n * 3600)
    }

    pub const fn num_seconds(self) -> i64 {
        self.0
    }

    pub const fn num_minutes(self) -> i64 {
        self.0 / 60
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d.0)
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        Instant(self.0 - d.0)
    }
}

impl Sub for Instant {
    type Output = Duration;
    fn sub(self, other: Instant) -> Duration {
        Duration(self.0 - other.0)
    }
}

/// Reads an instant stored as unix seconds.
pub const fn from_unix(seconds: i64) -> Instant {
    Instant(seconds)
}

const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats an instant the one way the API writes it: `2026-11-24T18:00:00Z`.
pub fn format(at: Instant) -> String {
    let (days, secs) = (
        at.0.div_euclid(SECONDS_PER_DAY),
        at.0.rem_euclid(SECONDS_PER_DAY),
    );
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Why a date in a request is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("must be an RFC 3339 date-time such as 2026-11-24T18:00:00Z")]
    NotRfc3339,
    #[error("must be a whole second (no fractional part)")]
    Fractional,
}

/// Reads `N` ASCII digits at the front of `s`.
fn digits<const N: usize>(s: &[u8]) -> Option<(i64, &[u8])> {
    let (head, rest) = s.split_at_checked(N)?;
    head.iter()
        .try_fold(0, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
        })
        .map(|n| (n, rest))
}

/// Expects the byte `b` at the front of `s`.
fn byte(s: &[u8], b: u8) -> Option<&[u8]> {
    s.strip_prefix(&[b])
}

/// Parses an RFC 3339 date-time (`2026-11-24T19:00:00+01:00`, `…T18:00:00Z`, `…T18:00:00.000Z`)
/// with any offset, normalised to UTC. Fractions of a second are refused unless they are zero.
pub fn parse_rfc3339(raw: &str) -> Result<Instant, DateError> {
    let mut fractional = false;
    let parsed = (|| {
        let s = raw.as_bytes();
        let (year, s) = digits::<4>(s)?;
        let (month, s) = digits::<2>(byte(s, b'-')?)?;
        let (day, s) = digits::<2>(byte(s, b'-')?)?;
        let s = match s.split_first()? {
            (b'T' | b't' | b' ', rest) => rest,
            _ => return None,
        };
        let (hour, s) = digits::<2>(s)?;
        let (minute, s) = digits::<2>(byte(s, b':')?)?;
        let (second, mut s) = digits::<2>(byte(s, b':')?)?;
        if let Some(rest) = byte(s, b'.') {
            let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if len == 0 {
                return None;
            }
            fractional = rest[..len].iter().any(|&b| b != b'0');
            s = &rest[len..];
        }
        let offset = match s.split_first()? {
            (b'Z' | b'z', []) => 0,
            (&sign @ (b'+' | b'-'), rest) => {
                let (h, rest) = digits::<2>(rest)?;
                let (m, rest) = digits::<2>(byte(rest, b':')?)?;
                if !rest.is_empty() || h > 23 || m > 59 {
                    return None;
                }
                let offset = h * 3600 + m * 60;
                if sign == b'-' {
                    -offset
                } else {
                    offset
                }
            }
            _ => return None,
        };
        let valid = (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        valid.then(|| {
            days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
                - offset
        })
    })();
    match parsed {
        None => Err(DateError::NotRfc3339),
        Some(_) if fractional => Err(DateError::Fractional),
        Some(seconds) => Ok(Instant(seconds)),
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
        }
        // Every day for 800 years formats to the date it was parsed from.
        let mut at = parse_rfc3339("1800-01-01T00:00:00Z").unwrap();
        for _ in 0..(800 * 366) {
            assert_eq!(parse_rfc3339(&format(at)), Ok(at));
            at = at + Duration::hours(24);
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
        ] {
            assert_eq!(parse_rfc3339(same), Ok(utc), "{same}");
        }
        for bad in [
            "2026-02-29T18:00:00Z",
            "2026-13-01T18:00:00Z",
            "2026-11-31T18:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T18:60:00Z",
            "2026-11-24T18:00:60Z",
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

    #[test]
    fn a_slot_must_have_a_positive_length() {
        let a = parse_rfc3339("2026-11-24T18:00:00Z").unwrap();
        let b = parse_rfc3339("2026-11-24T19:30:00Z").unwrap();
        assert_eq!(Slot::new(a, b).unwrap().minutes(), 90);
        assert_eq!(Slot::new(b, a), Err(EmptySlot));
        assert_eq!(Slot::new(a, a), Err(EmptySlot));
    }
}
