//! Pages of a session list: what `?limit=`, `?cursor=` and `?include=` ask for, and the opaque
//! cursor that continues a list where its last page stopped.
//!
//! A list is ordered upcoming first (soonest first), then past (latest first), with the
//! reservation id breaking ties. That order depends on "now", so the first page fixes it: the
//! cursor carries the instant the list was first read, and every later page sorts as of that
//! instant. A session that ends between two pages therefore neither repeats nor disappears.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::time::Instant;

/// Sessions per page when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most sessions a page holds.
pub const MAX_LIMIT: u32 = 100;

/// A query parameter that cannot be used as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ParameterError {
    pub field: &'static str,
    pub reason: &'static str,
}

fn invalid(field: &'static str, reason: &'static str) -> ParameterError {
    ParameterError { field, reason }
}

/// Where a list stands in its order: upcoming (`0`) or past (`1`), then the start for upcoming
/// sessions or its negation for past ones, then the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub phase: u8,
    pub key: i64,
    pub id: String,
}

/// The continuation of a list: when it was first read, and the last session handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "t")]
    pub as_of: i64,
    #[serde(rename = "p")]
    pub after: Position,
}

impl Cursor {
    /// The text a client sends back: base64url of a small JSON document, opaque to clients.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("a cursor always serializes");
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(text: &str) -> Result<Self, ParameterError> {
        let bad = || invalid("cursor", "not a cursor this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.after.phase > 1 || cursor.after.id.is_empty() {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// One page of a list, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub include_cancelled: bool,
}

impl PageRequest {
    /// Reads the query parameters. Unknown parameters are ignored; a known one given twice, or
    /// with a value it cannot take, is an error naming it.
    pub fn from_query<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ParameterError> {
        let (mut limit, mut cursor, mut include) = (None, None, None);
        for (name, value) in pairs {
            let (slot, field) = match name {
                "limit" => (&mut limit, "limit"),
                "cursor" => (&mut cursor, "cursor"),
                "include" => (&mut include, "include"),
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(invalid(field, "given more than once"));
            }
        }
        Ok(Self {
            limit: limit.map_or(Ok(DEFAULT_LIMIT), parse_limit)?,
            cursor: cursor.map(Cursor::decode).transpose()?,
            include_cancelled: include.map_or(Ok(false), parse_include)?,
        })
    }

    /// The instant the list is ordered by: the cursor's, or now for a first page.
    pub fn as_of(&self, now: Instant) -> i64 {
        self.cursor
            .as_ref()
            .map_or_else(|| now.timestamp(), |c| c.as_of)
    }
}

fn parse_limit(raw: &str) -> Result<u32, ParameterError> {
    match raw.parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(invalid("limit", "must be a whole number from 1 to 100")),
    }
}

fn parse_include(raw: &str) -> Result<bool, ParameterError> {
    match raw {
        "cancelled" => Ok(true),
        _ => Err(invalid("include", "the only value is `cancelled`")),
    }
}

/// Where a session stands in a list ordered as of `as_of` (unix seconds).
pub fn position_of(start: i64, end: i64, id: &str, as_of: i64) -> Position {
    let upcoming = end > as_of;
    Position {
        phase: if upcoming { 0 } else { 1 },
        key: if upcoming { start } else { -start },
        id: id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(query: &[(&'static str, &'static str)]) -> Result<PageRequest, ParameterError> {
        PageRequest::from_query(query.iter().copied())
    }

    #[test]
    fn defaults_to_fifty_without_cancelled_sessions() {
        let p = page(&[("other", "x")]).unwrap();
        assert_eq!(p.limit, 50);
        assert_eq!(p.cursor, None);
        assert!(!p.include_cancelled);
        assert!(page(&[("include", "cancelled")]).unwrap().include_cancelled);
    }

    #[test]
    fn limit_is_one_to_a_hundred() {
        assert_eq!(page(&[("limit", "1")]).unwrap().limit, 1);
        assert_eq!(page(&[("limit", "100")]).unwrap().limit, 100);
        for bad in ["0", "101", "-1", "ten", "", "1.5", "99999999999"] {
            let err = PageRequest::from_query([("limit", bad)]).unwrap_err();
            assert_eq!(err.field, "limit", "{bad}");
        }
    }

    #[test]
    fn a_parameter_twice_or_an_unknown_include_is_refused() {
        assert_eq!(
            page(&[("limit", "5"), ("limit", "6")]).unwrap_err().field,
            "limit"
        );
        for bad in ["deleted", "", "CANCELLED"] {
            let err = PageRequest::from_query([("include", bad)]).unwrap_err();
            assert_eq!(err.field, "include", "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        let cursor = Cursor {
            as_of: 1_780_000_000,
            after: position_of(1_779_000_000, 1_779_003_600, "r-1", 1_780_000_000),
        };
        assert_eq!(cursor.after.phase, 1);
        assert_eq!(cursor.after.key, -1_779_000_000);
        let text = cursor.encode();
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(Cursor::decode(&text).unwrap(), cursor);
        let forged_phase = URL_SAFE_NO_PAD.encode(r#"{"t":1,"p":{"phase":7,"key":1,"id":"x"}}"#);
        for bad in ["", "!!", "e30", "bm90IGpzb24", forged_phase.as_str()] {
            assert_eq!(Cursor::decode(bad).unwrap_err().field, "cursor", "{bad}");
        }
    }

    #[test]
    fn a_first_page_is_ordered_as_of_now_and_later_pages_as_of_their_cursor() {
        let now = super::super::time::from_unix(2_000);
        assert_eq!(page(&[]).unwrap().as_of(now), 2_000);
        let cursor = Cursor {
            as_of: 1_000,
            after: position_of(1_500, 1_600, "a", 1_000),
        };
        assert_eq!(cursor.after.phase, 0);
        let next = PageRequest::from_query([("cursor", cursor.encode().as_str())]).unwrap();
        assert_eq!(next.as_of(now), 1_000);
    }
}
